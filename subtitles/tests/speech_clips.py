"""Clips with known speech (espeak-ng), silence, or no audio at all, for the captions-from-speech tests."""

import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.files.storage import default_storage

from subtitles import speech
from videos.models import Video

from .conftest import make_video

SENTENCE = (
    "Every morning the baker opens his small shop near the river. "
    "Children buy fresh bread and warm cookies before school."
)
SPEECH_START = 2.0  # seconds of silence before the voice starts

needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")


def speak(path: Path, text: str = SENTENCE) -> float:
    """Write espeak-ng's reading of the text as WAV; return its duration in seconds."""
    subprocess.run(["espeak-ng", "-v", "en-us", "-s", "130", "-w", str(path), text], check=True)
    probe = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", str(path)],
        check=True, capture_output=True, text=True,
    )
    return float(probe.stdout)


def mux(video_in: list[str], audio_in: list[str], out: Path, *, audio_filter: str, extra: list[str] = ()) -> None:
    subprocess.run(
        ["ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error", "-y", *video_in, *audio_in,
         "-filter_complex", f"[1:a]{audio_filter}[a]", "-map", "0:v", "-map", "[a]", "-shortest", *extra,
         "-c:a", "aac", "-b:a", "96k", "-movflags", "+faststart", str(out)],
        check=True,
    )


def pattern_input(seconds: float) -> list[str]:
    return ["-f", "lavfi", "-i", f"testsrc2=size=320x240:rate=25:duration={seconds}"]


@pytest.fixture(scope="session")
def speech_clip(tmp_path_factory):
    """A 320x240 clip: 2 s of silence, the sentence spoken, 1.5 s of silence. Returns (path, speech end)."""
    root = tmp_path_factory.mktemp("speech")
    spoken = speak(root / "sentence.wav")
    total = SPEECH_START + spoken + 1.5
    path = root / "spoken.mp4"
    mux(pattern_input(total), ["-i", str(root / "sentence.wav")], path,
        audio_filter=f"adelay={int(SPEECH_START * 1000)}:all=1,apad",
        extra=["-c:v", "libx264", "-preset", "ultrafast"])
    return path, SPEECH_START + spoken


@pytest.fixture(scope="session")
def hushed_clip(tmp_path_factory):
    """A clip whose audio stream holds only silence."""
    path = tmp_path_factory.mktemp("hushed") / "hushed.mp4"
    mux(pattern_input(4), ["-f", "lavfi", "-i", "anullsrc=r=48000:cl=stereo"], path, audio_filter="anull",
        extra=["-c:v", "libx264", "-preset", "ultrafast"])
    return path


@pytest.fixture(scope="session")
def speech_model():
    """The bundled model, loaded once for the session (captioning's model_load call shares it)."""
    return speech.model_load(speech.default_model_dir(), threads=0)


def ready_video_of(owner, path: Path, **fields) -> Video:
    """A ready video whose stored source is the file at path."""
    video = make_video(owner, ready=True, **{"has_audio": True, **fields})
    default_storage.put_file(video.source.name, path, content_type="video/mp4")
    return video


PARAGRAPH = (
    "Every morning the baker opens his small shop near the river. "
    "Children buy fresh bread and warm cookies before school. "
    "At noon the farmers bring apples, cheese and milk from the green hills. "
    "The old teacher reads the newspaper on a bench in the park. "
    "In the afternoon a light rain falls on the quiet streets of the town. "
    "People hurry home with umbrellas and talk about the weather. "
    "When the evening comes, families sit together for dinner. "
    "The lights go out one by one, and the town sleeps until the next morning. "
    "Then the baker wakes up early and starts the day again."
)


@pytest.fixture(scope="session")
def long_speech_clip(tmp_path_factory, clip_of):
    """The suite's minute of 1080p (64 s) with a paragraph spoken over it from 2 s. Returns (path, speech end)."""
    root = tmp_path_factory.mktemp("long-speech")
    spoken = speak(root / "paragraph.wav", PARAGRAPH)
    path = root / "spoken-1080p.mp4"
    video = clip_of(seconds=64, size="1920x1080", preset="ultrafast", crf=30)
    mux(["-i", str(video)], ["-i", str(root / "paragraph.wav")], path,
        audio_filter=f"adelay={int(SPEECH_START * 1000)}:all=1,apad", extra=["-c:v", "copy"])
    return path, SPEECH_START + spoken
