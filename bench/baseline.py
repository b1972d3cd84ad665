"""The baseline's ffmpeg commands, for the benchmarks only: one ffmpeg per rung with the audio
muxed in, and a separate poster and storyboard pass — how MediaCMS transcodes (a decode per
rendition), which bench/transcode.py measures the one-pass pipeline against.

They reuse the pipeline's private option builders (videos/ffmpeg/commands.py), so both sides
encode alike and only the shape of the work differs.
"""

from __future__ import annotations

import os
from typing import Sequence

from videos.ffmpeg.commands import (
    Storyboard, _audio_args, _hls_args, _head, _image_output, _keyframe_args, _number, _poster_size, _scale,
    _video_args, poster_time, storyboard_for,
)
from videos.ffmpeg.ladder import Rung, output_fps
from videos.ffmpeg.probe import ProbeResult


def rung_command(
    *,
    source: str | os.PathLike,
    probe: ProbeResult,
    rung: Rung,
    out_dir: str | os.PathLike,
    segment_seconds: int = 4,
    preset: str = "veryfast",
    audio_bitrate: int = 128_000,
) -> list[str]:
    """Build one ffmpeg per rung, audio muxed in, the MediaCMS way (the benchmark's baseline)."""
    variant_dir = os.path.join(os.fspath(out_dir), "hls", rung.name)
    filters = []
    if (probe.fps or 0) > output_fps(probe):
        filters.append(f"fps={_number(output_fps(probe))}")
    filters.append(_scale(rung.width, rung.height))
    cmd = _head(source, probe)
    cmd += ["-map", f"0:{probe.video_index}", "-filter:v", ",".join(filters)]
    if probe.has_audio:
        cmd += ["-map", f"0:{probe.audio_index}"]
    cmd += _video_args(rung, 0, preset=preset, segment_seconds=segment_seconds)
    cmd += _keyframe_args(segment_seconds)
    if probe.has_audio:
        cmd += _audio_args(audio_bitrate)
    cmd += _hls_args(segment_seconds)
    cmd += [
        "-hls_segment_filename", os.path.join(variant_dir, "seg_%05d.m4s"),
        os.path.join(variant_dir, "index.m3u8"),
    ]
    return cmd


def thumbnails_command(
    *,
    source: str | os.PathLike,
    probe: ProbeResult,
    ladder: Sequence[Rung],
    out_dir: str | os.PathLike,
    storyboard: Storyboard | None = None,
) -> list[str]:
    """Build a separate poster and storyboard pass (the baseline makes them apart from the rungs)."""
    storyboard = storyboard or storyboard_for(probe)
    thumbs_dir = os.path.join(os.fspath(out_dir), "thumbs")
    poster_width, poster_height = _poster_size(ladder)
    graph = (
        f"[0:{probe.video_index}]split=2[a][b];"
        f"[a]trim=start={_number(poster_time(probe.duration))},setpts=PTS-STARTPTS,"
        f"{_scale(poster_width, poster_height)}[poster];"
        f"[b]fps=1/{_number(storyboard.interval)},"
        f"{_scale(storyboard.tile_width, storyboard.tile_height)},"
        f"tile={storyboard.columns}x{storyboard.rows}[storyboard]"
    )
    cmd = _head(source, probe) + ["-filter_complex", graph]
    cmd += _image_output("[poster]", os.path.join(thumbs_dir, "poster.jpg"), quality=3)
    cmd += _image_output("[storyboard]", os.path.join(thumbs_dir, "storyboard.jpg"), quality=5)
    return cmd
