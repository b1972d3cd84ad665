"""Everything that knows about ffmpeg: probe, ladder, command building and the one runner.

Importable without Django settings.
"""

from .commands import (
    Storyboard, hls_command, storyboard_for, storyboard_sheet_command, storyboard_tiles_dir, storyboard_vtt,
)
from .errors import FFmpegCancelled, FFmpegError, ProbeError
from .hls import HlsOutput, Variant, finalize_hls, make_output_dirs, master_playlist
from .ladder import DEFAULT_RUNGS, Rung, RungSpec, ladder_for
from .probe import ProbeLimits, ProbeResult, parse_probe, probe
from .runner import Progress, run_ffmpeg, run_ffprobe

__all__ = [
    "DEFAULT_RUNGS", "FFmpegCancelled", "FFmpegError", "HlsOutput", "ProbeError", "ProbeLimits", "ProbeResult",
    "Progress", "Rung", "RungSpec", "Storyboard", "Variant", "finalize_hls", "hls_command",
    "ladder_for", "make_output_dirs", "master_playlist", "parse_probe", "probe", "run_ffmpeg",
    "run_ffprobe", "storyboard_for", "storyboard_sheet_command", "storyboard_tiles_dir", "storyboard_vtt",
]
