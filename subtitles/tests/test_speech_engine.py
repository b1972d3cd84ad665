"""The Django-free speech engine: cue cutting, WebVTT, model checks, the audio command, an offline load."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from subtitles import speech
from subtitles.speech import SpeechCue, Transcript
from videos.ffmpeg.probe import ProbeResult
from videos.ffmpeg.speech import speech_audio_command

from .speech_clips import speech_model

__all__ = ["speech_model"]  # a fixture, imported for pytest

ROOT = Path(__file__).resolve().parents[2]


def test_a_short_cue_stays_whole():
    cue = SpeechCue(1.0, 2.5, "Hello there.")
    assert speech.cue_split(cue) == [cue]


def test_a_long_cue_is_cut_into_two_line_cues_sharing_its_time_by_length():
    text = " ".join(f"word{index:02d}" for index in range(30))  # 30 words of 6 characters: 6 to a line
    pieces = speech.cue_split(SpeechCue(10.0, 30.9, text))
    assert [[len(line) for line in piece.text.split("\n")] for piece in pieces] == [[41, 41], [41, 41], [41]]
    assert " ".join(piece.text.replace("\n", " ") for piece in pieces) == text
    assert (pieces[0].start, pieces[-1].end) == (10.0, 30.9)
    assert all(a.end == b.start for a, b in zip(pieces, pieces[1:]))
    assert pieces[0].end == pytest.approx(10.0 + 20.9 * 83 / 207, abs=0.001)


def test_transcript_vtt_escapes_and_wraps_on_two_lines():
    transcript = Transcript(language="en", duration=9.0, speech_seconds=9.0, cues=[
        SpeechCue(0.5, 2.0, "Fish & chips <3"),
        SpeechCue(3.0, 8.25, "This sentence is long enough to need a second line on screen"),
    ])
    assert speech.transcript_vtt(transcript) == (
        "WEBVTT\n\n00:00:00.500 --> 00:00:02.000\nFish &amp; chips &lt;3\n\n"
        "00:00:03.000 --> 00:00:08.250\nThis sentence is long enough to need a\nsecond line on screen\n"
    )


def test_a_directory_without_a_model_is_refused_by_name(tmp_path):
    (tmp_path / "config.json").write_text("{}")
    with pytest.raises(speech.SpeechModelError, match=r"is not a faster-whisper model directory \(no model.bin\)"):
        speech.model_dir_check(tmp_path)
    with pytest.raises(speech.SpeechModelError, match="could not be loaded"):
        (tmp_path / "model.bin").write_bytes(b"not a model")
        speech.model_load(tmp_path)


def test_the_bundled_model_is_tiny_en():
    path = speech.default_model_dir()
    assert speech.model_dir_check(path) == path
    assert (path / "model.bin").stat().st_size > 50_000_000


def test_no_samples_or_only_silence_give_no_cues(speech_model):
    assert speech.transcribe(speech_model, np.zeros(0, dtype=np.float32)).cues == []
    silence = speech.transcribe(speech_model, np.zeros(5 * speech.SAMPLE_RATE, dtype=np.float32))
    assert (silence.language, silence.cues, silence.duration, silence.speech_seconds) == ("en", [], 5.0, 0.0)


def _probe(**fields) -> ProbeResult:
    values = dict(duration=10.0, width=320, height=240, coded_width=320, coded_height=240, rotation=0, fps=25.0,
                  pix_fmt="yuv420p", has_audio=True, video_codec="h264", audio_index=1, demuxer="matroska")
    return ProbeResult(**{**values, **fields})


def test_the_audio_command_takes_the_probed_stream_as_16khz_mono_float(tmp_path):
    command = speech_audio_command(_probe(), tmp_path / "in.mkv", tmp_path / "out.f32")
    assert command[command.index("-f") + 1] == "matroska"  # the demuxer the probe found, through the allowlist
    assert command[command.index("-protocol_whitelist") + 1] == "file"
    assert command[command.index("-map") + 1] == "0:1"
    assert command[command.index("-ac") + 1:command.index("-ac") + 4] == ["1", "-ar", "16000"]
    assert command[-1] == str(tmp_path / "out.f32")
    with pytest.raises(ValueError, match="no audio stream"):
        speech_audio_command(_probe(has_audio=False, audio_index=None), "in.mkv", "out.f32")


def test_the_bundled_model_loads_and_runs_with_no_network_at_all():
    # In a fresh process whose every socket connection fails: nothing may be fetched from a hub.
    script = (
        "import socket\n"
        "def refuse(*args, **kwargs): raise OSError('network used')\n"
        "socket.socket.connect = socket.socket.connect_ex = refuse\n"
        "socket.create_connection = socket.getaddrinfo = refuse\n"
        "import numpy as np\n"
        "from subtitles import speech\n"
        "model = speech.model_load(speech.default_model_dir())\n"
        "print(speech.transcribe(model, np.zeros(16000, dtype=np.float32)).language)\n"
    )
    env = {key: value for key, value in os.environ.items() if not key.startswith(("HF_", "HUGGINGFACE"))}
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=120)
    assert (result.returncode, result.stdout.strip()) == (0, "en"), result.stderr


# ---- long audio, in windows --------------------------------------------------------------------


class _Segment:
    def __init__(self, start, end, text):
        self.start, self.end, self.text = start, end, text


class _Info:
    def __init__(self, language, kept):
        self.language, self.duration_after_vad = language, kept


class _WindowRecorder:
    """A stand-in model: one cue per window at its 1st second, and the windows it was given."""

    def __init__(self):
        self.given = []

    def transcribe(self, samples, *, language, **options):
        self.given.append((len(samples), language, samples.dtype, samples.flags["C_CONTIGUOUS"]))
        return iter([_Segment(1.0, 2.0, f" window {len(self.given)} ")]), _Info(language or "en", 3.0)


def test_long_audio_goes_in_windows_cut_at_a_quiet_moment_with_times_kept(tmp_path):
    import numpy as np

    from subtitles.speech import engine

    rate, window = engine.SAMPLE_RATE, engine.WINDOW_SECONDS
    loud = np.sin(np.arange(int(2.5 * window * rate), dtype=np.float32) / 7).astype("<f4")  # 2.5 windows of tone
    hush = window * rate - 4 * rate  # a quiet 100 ms four seconds before the first window's end
    loud[hush:hush + rate // 10] = 0
    path = tmp_path / "speech.f32"
    loud.tofile(path)
    samples = engine.samples_read(path)
    assert isinstance(samples, np.memmap)  # mapped, not read

    bounds = engine.windows(samples)
    assert bounds[0][0] == 0 and bounds[-1][1] == len(samples)
    assert all(a[1] == b[0] for a, b in zip(bounds, bounds[1:]))  # contiguous, nothing twice or lost
    assert hush <= bounds[0][1] <= hush + rate // 10  # cut inside the quiet moment
    assert all(end - start <= window * rate for start, end in bounds)

    model = _WindowRecorder()
    transcript = engine.transcribe(model, samples)
    assert len(model.given) == len(bounds) == 3
    assert all(dtype == np.float32 and contiguous for _, _, dtype, contiguous in model.given)
    assert [language for _, language, _, _ in model.given] == [None, "en", "en"]  # the first window's, kept
    starts = [cue.start for cue in transcript.cues]
    assert starts == [round(start / rate + 1.0, 3) for start, _ in bounds]  # each window's own offset
    assert [cue.text for cue in transcript.cues] == ["window 1", "window 2", "window 3"]
    assert transcript.speech_seconds == 9.0 and transcript.duration == 2.5 * window


def test_an_empty_samples_file_reads_as_no_samples(tmp_path):
    from subtitles.speech import engine

    path = tmp_path / "speech.f32"
    path.write_bytes(b"")
    assert len(engine.samples_read(path)) == 0
