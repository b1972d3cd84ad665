"""Pure ffmpeg command builders: probe and ladder in, ``list[str]`` out. Nothing runs here."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from typing import Sequence

from .inputs import input_args
from .ladder import Rung, output_fps
from .probe import ProbeResult

FFMPEG = "ffmpeg"
X264_CRF = 23
AV1_CRF = 35
AV1_PRESET = 8
POSTER_MAX_SHORT_SIDE = 720
POSTER_CANDIDATE_RATE = 4  # poster candidates a second; the last one before the poster time stays
STORYBOARD_TILES = "storyboard-tiles"  # under the output folder; removed once the sheet is made


@dataclass(frozen=True)
class Storyboard:
    """A sprite sheet: ``count`` thumbnails taken every ``interval`` seconds, row by row."""

    interval: float
    count: int
    columns: int
    rows: int
    tile_width: int
    tile_height: int


def storyboard_for(
    probe: ProbeResult,
    *,
    interval: float | None = None,
    max_tiles: int = 100,
    columns: int = 10,
    tile_size: int = 160,
) -> Storyboard:
    """Plan a storyboard of at most ``max_tiles`` thumbnails, every 2 s or more."""
    if interval is None:
        interval = max(2.0, math.ceil(probe.duration / max_tiles))
    count = max(1, min(max_tiles, math.ceil(probe.duration / interval)))
    if probe.is_portrait:
        tile_height, tile_width = tile_size, _even(tile_size * probe.width / probe.height)
    else:
        tile_width, tile_height = tile_size, _even(tile_size * probe.height / probe.width)
    columns = min(columns, count)
    return Storyboard(interval, count, columns, math.ceil(count / columns), tile_width, tile_height)


def storyboard_vtt(storyboard: Storyboard, *, duration: float, image: str = "storyboard.jpg") -> str:
    """Return the WebVTT index of a storyboard: one cue per thumbnail with a ``#xywh`` fragment."""
    lines = ["WEBVTT", ""]
    for index in range(storyboard.count):
        start = index * storyboard.interval
        if start >= duration and index:
            break
        end = min((index + 1) * storyboard.interval, duration)
        x = (index % storyboard.columns) * storyboard.tile_width
        y = (index // storyboard.columns) * storyboard.tile_height
        lines += [
            f"{_timestamp(start)} --> {_timestamp(end)}",
            f"{image}#xywh={x},{y},{storyboard.tile_width},{storyboard.tile_height}",
            "",
        ]
    return "\n".join(lines)


def poster_time(duration: float) -> float:
    """Take the poster a quarter in (at most 10 s): first frames are often black."""
    return round(min(duration / 4, 10.0), 3)


def hls_command(
    *,
    source: str | os.PathLike,
    probe: ProbeResult,
    ladder: Sequence[Rung],
    out_dir: str | os.PathLike,
    segment_seconds: int = 4,
    storyboard: Storyboard | None = None,
    preset: str = "veryfast",
    audio_bitrate: int = 128_000,
) -> list[str]:
    """Build the single ffmpeg process that makes the whole HLS ladder, poster and storyboard.

    The source is decoded once; ``split`` feeds one scaler per rung plus the poster and
    storyboard branches. Audio is encoded once into its own rendition group.
    """
    if not ladder:
        raise ValueError("the ladder is empty")
    storyboard = storyboard or storyboard_for(probe)
    out_dir = os.fspath(out_dir)
    hls_dir = os.path.join(out_dir, "hls")
    thumbs_dir = os.path.join(out_dir, "thumbs")
    branches = len(ladder) + 2
    head = f"[0:{probe.video_index}]"
    if (probe.fps or 0) > output_fps(probe):
        head += f"fps={_number(output_fps(probe))},"  # once, before the split
    graph = [f"{head}split={branches}" + "".join(f"[s{i}]" for i in range(branches))]
    for index, rung in enumerate(ladder):
        graph.append(f"[s{index}]{_scale(rung.width, rung.height)}[v{index}]")
    poster_width, poster_height = _poster_size(ladder)
    # Every output must have its first frame before ffmpeg reports any progress: an output that
    # waits (a poster 10 s in, a sprite sheet that fills at the end) freezes -progress for the whole
    # pass. So both begin at frame one: the poster is rewritten a few times a second until its time,
    # the storyboard is written tile by tile and put together afterwards (storyboard_sheet_command).
    graph.append(
        f"[s{len(ladder)}]fps={POSTER_CANDIDATE_RATE},"
        f"trim=end={_number(poster_time(probe.duration) + 1 / POSTER_CANDIDATE_RATE)},"
        f"{_scale(poster_width, poster_height)}[poster]"
    )
    graph.append(
        f"[s{len(ladder) + 1}]fps=1/{_number(storyboard.interval)},"
        f"{_scale(storyboard.tile_width, storyboard.tile_height)}[storyboard]"
    )

    cmd = _head(source, probe)
    cmd += ["-filter_complex", ";".join(graph)]
    for index in range(len(ladder)):
        cmd += ["-map", f"[v{index}]"]
    if probe.has_audio:
        cmd += ["-map", f"0:{probe.audio_index}"]
    for index, rung in enumerate(ladder):
        cmd += _video_args(rung, index, preset=preset, segment_seconds=segment_seconds)
    cmd += _keyframe_args(segment_seconds)
    if probe.has_audio:
        cmd += _audio_args(audio_bitrate)
    if probe.has_audio:
        # agroup puts audio in its own rendition: encoded once, referenced by every rung.
        stream_map = [f"v:{i},agroup:audio,name:{rung.name}" for i, rung in enumerate(ladder)]
        stream_map.append("a:0,agroup:audio,name:audio")
    else:
        stream_map = [f"v:{i},name:{rung.name}" for i, rung in enumerate(ladder)]
    cmd += _hls_args(segment_seconds)
    cmd += [
        "-hls_segment_filename", os.path.join(hls_dir, "%v", "seg_%05d.m4s"),
        "-master_pl_name", "master.m3u8",
        "-var_stream_map", " ".join(stream_map),
        os.path.join(hls_dir, "%v", "index.m3u8"),
    ]
    cmd += ["-map", "[poster]", "-update", "1", "-q:v", "3", os.path.join(thumbs_dir, "poster.jpg")]
    cmd += ["-map", "[storyboard]", "-q:v", "2", "-start_number", "0", _storyboard_tile_pattern(out_dir)]
    return cmd


def storyboard_sheet_command(*, out_dir: str | os.PathLike, storyboard: Storyboard) -> list[str]:
    """Build the step that puts the pass's storyboard tiles together into one sprite sheet."""
    out_dir = os.fspath(out_dir)
    return [
        FFMPEG, "-hide_banner", "-nostdin", "-y", "-loglevel", "error",
        "-f", "image2", "-framerate", "1", "-start_number", "0", "-i", _storyboard_tile_pattern(out_dir),
        "-vf", f"tile={storyboard.columns}x{storyboard.rows}",
        *_image_output_args(quality=5), os.path.join(out_dir, "thumbs", "storyboard.jpg"),
    ]


def storyboard_tiles_dir(out_dir: str | os.PathLike) -> str:
    return os.path.join(os.fspath(out_dir), STORYBOARD_TILES)


def _storyboard_tile_pattern(out_dir: str) -> str:
    return os.path.join(storyboard_tiles_dir(out_dir), "%05d.jpg")


def _head(source, probe: ProbeResult) -> list[str]:
    return [
        FFMPEG, "-hide_banner", "-nostdin", "-y", "-loglevel", "error",
        "-nostats", "-progress", "pipe:1",
        *input_args(source, demuxer=probe.demuxer),
        # Phones put GPS positions in metadata; none of it belongs in public renditions.
        "-map_metadata", "-1", "-map_chapters", "-1",
    ]


def _scale(width: int, height: int) -> str:
    # format=yuv420p turns 10-bit, 4:2:2 and 4:4:4 input into what every H.264 player decodes.
    return f"scale={width}:{height}:flags=bicubic,setsar=1,format=yuv420p"


def _video_args(rung: Rung, index: int, *, preset: str, segment_seconds: int) -> list[str]:
    gop = str(max(1, round(rung.fps * segment_seconds)))
    if rung.codec == "av1":
        return [
            f"-c:v:{index}", "libsvtav1",
            f"-preset:v:{index}", str(AV1_PRESET),
            f"-crf:v:{index}", str(AV1_CRF),
            f"-g:v:{index}", gop,
        ]
    if rung.codec != "h264":
        raise ValueError(f"unknown codec {rung.codec!r}")
    return [
        f"-c:v:{index}", "libx264",
        f"-preset:v:{index}", preset,
        f"-profile:v:{index}", "high",
        # Capped CRF: constant quality, never above the rung's bitrate for long.
        f"-crf:v:{index}", str(X264_CRF),
        f"-maxrate:v:{index}", str(rung.bitrate),
        f"-bufsize:v:{index}", str(rung.bufsize),
        # Same GOP everywhere and no scene-cut keyframes, so segment edges line up across rungs.
        f"-g:v:{index}", gop,
        f"-keyint_min:v:{index}", gop,
        f"-sc_threshold:v:{index}", "0",
    ]


def _keyframe_args(segment_seconds: int) -> list[str]:
    # Forced keyframes on the segment grid make every rung cut at the same timestamps,
    # whatever the frame rate, so players can switch rungs at any segment boundary.
    return ["-force_key_frames:v", f"expr:gte(t,n_forced*{segment_seconds})"]


def _audio_args(bitrate: int) -> list[str]:
    return ["-c:a", "aac", "-b:a", str(bitrate), "-ac", "2", "-ar", "48000"]


def _hls_args(segment_seconds: int) -> list[str]:
    return [
        "-f", "hls",
        "-hls_time", str(segment_seconds),
        "-hls_playlist_type", "vod",
        "-hls_segment_type", "fmp4",
        "-hls_flags", "independent_segments",
        "-hls_fmp4_init_filename", "init.mp4",
        "-start_number", "1",
    ]


def _image_output(label: str, path: str, *, quality: int) -> list[str]:
    return ["-map", label, *_image_output_args(quality=quality), path]


def _image_output_args(*, quality: int) -> list[str]:
    return ["-frames:v", "1", "-update", "1", "-q:v", str(quality)]


def _poster_size(ladder: Sequence[Rung]) -> tuple[int, int]:
    fitting = [r for r in ladder if min(r.width, r.height) <= POSTER_MAX_SHORT_SIDE]
    rung = fitting[0] if fitting else ladder[-1]
    return rung.width, rung.height


def _even(value: float) -> int:
    return max(2, int(round(value / 2)) * 2)


def _number(value: float) -> str:
    return f"{value:.3f}".rstrip("0").rstrip(".")


def _timestamp(seconds: float) -> str:
    millis = int(round(seconds * 1000))
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    secs, millis = divmod(millis, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{millis:03d}"
