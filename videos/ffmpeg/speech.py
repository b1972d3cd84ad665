"""The command that gives speech recognition its input: a source's first audio stream as 16 kHz mono samples.

Pure, like commands.py: probe in, ``list[str]`` out; the runner runs it (subtitles.captioning).
"""

from __future__ import annotations

import os

from .commands import FFMPEG
from .inputs import input_args
from .probe import ProbeResult

SPEECH_SAMPLE_RATE = 16_000  # what Whisper models are trained on


def speech_audio_command(probe: ProbeResult, source: str | os.PathLike, output: str | os.PathLike) -> list[str]:
    """Decode the probed source's first audio stream to raw 32-bit float, mono, 16 kHz, at ``output``."""
    if probe.audio_index is None:
        raise ValueError("the source has no audio stream")
    return [
        FFMPEG, "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
        *input_args(source, demuxer=probe.demuxer),
        "-map", f"0:{probe.audio_index}", "-vn", "-sn", "-dn",
        # Down-mixed to one channel and resampled by ffmpeg's own filters, not in Python.
        "-ac", "1", "-ar", str(SPEECH_SAMPLE_RATE), "-c:a", "pcm_f32le", "-f", "f32le",
        "-progress", "pipe:1", "-nostats",
        os.fspath(output),
    ]
