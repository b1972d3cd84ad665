"""The first rendition: a source that browsers play as it is, remuxed into fMP4 HLS without re-encoding.

Stream-copying a 3-minute 1080p upload into segments took 3.1 s where the ladder took 371 s
(issue 13), so such a source is watchable seconds after it is stored while the ladder encodes.
A source qualifies when Chromium's MSE plays it as it is:

- H.264 in 8-bit 4:2:0 (yuv420p/yuvj420p): what every browser decodes in hardware or software;
- square pixels and no rotation: MSE ignores a track's display matrix and a pixel aspect ratio
  that HLS cannot carry, so a phone's portrait video would play on its side — those get the ladder;
- AAC audio, or none: MP3 in fMP4 is not played by every MSE implementation;
- keyframes at most MAX_SEGMENT_SECONDS apart: a copy can only cut at keyframes, and a segment
  much longer than the target makes seeking and the start slow. Checked on the remux's own
  playlist, which is exact and costs no extra read of the source.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from .commands import _head
from .hls import AAC_LC, Variant, _tidy_variant, codec_string
from .probe import ProbeResult

NAME = "original"
MAX_SEGMENT_SECONDS = 10.0
COMPLETE_RATIO = 0.9  # as the ladder's pass: less than this share of the probed duration is a cut-off file
_PLAYABLE_PIX_FMTS = {"yuv420p", "yuvj420p"}


@dataclass(frozen=True)
class FirstRendition:
    variant: Variant
    directory: Path


def remux_refusal(probe: ProbeResult) -> str | None:
    """Why this source cannot be played as it is; None when it can be remuxed."""
    if probe.video_codec != "h264":
        return f"video codec {probe.video_codec}"
    if probe.pix_fmt not in _PLAYABLE_PIX_FMTS:
        return f"pixel format {probe.pix_fmt}"
    if probe.rotation:
        return f"rotated {probe.rotation}°"
    if (probe.width, probe.height) != (probe.coded_width, probe.coded_height):
        return "non-square pixels"
    if probe.has_audio and probe.audio_codec != "aac":
        return f"audio codec {probe.audio_codec}"
    return None


def remux_command(*, source: str | os.PathLike, probe: ProbeResult, out_dir: str | os.PathLike,
                  segment_seconds: int) -> list[str]:
    """Copy the video (and AAC audio) stream into one fMP4 HLS variant under out_dir/hls/original/."""
    directory = os.path.join(os.fspath(out_dir), "hls", NAME)
    cmd = _head(source, probe) + ["-map", f"0:{probe.video_index}"]
    if probe.has_audio:
        cmd += ["-map", f"0:{probe.audio_index}"]
    cmd += [
        "-c", "copy",
        "-f", "hls",
        "-hls_time", str(segment_seconds),
        "-hls_playlist_type", "vod",
        "-hls_segment_type", "fmp4",
        "-hls_fmp4_init_filename", "init.mp4",
        "-start_number", "1",
        "-hls_segment_filename", os.path.join(directory, "seg_%05d.m4s"),
        os.path.join(directory, "index.m3u8"),
    ]
    return cmd


def finalize_first(out_dir: str | os.PathLike, probe: ProbeResult) -> FirstRendition | None:
    """Measure the remuxed variant; None when its keyframes are too far apart or it is cut short.

    A truncated file keeps its header and remuxes fine: only the length of the copy tells (the
    ladder's pass then fails it readably), and a video must not be published half.
    """
    directory = Path(out_dir) / "hls" / NAME
    durations = segment_durations((directory / "index.m3u8").read_text())
    if not durations or max(durations) > MAX_SEGMENT_SECONDS:
        return None
    if sum(durations) < probe.duration * COMPLETE_RATIO - 0.5:
        return None
    peak, average, init = _tidy_variant(directory)
    codecs = codec_string(init.read_bytes()) + (f",{AAC_LC}" if probe.has_audio else "")
    variant = Variant(
        name=NAME, uri=f"{NAME}/index.m3u8", width=probe.width, height=probe.height,
        bandwidth=peak, average_bandwidth=average, codecs=codecs, frame_rate=probe.fps,
    )
    return FirstRendition(variant=variant, directory=directory)


def segment_durations(playlist: str) -> list[float]:
    """The EXTINF durations of a media playlist, in seconds."""
    return [float(line[8:].split(",")[0]) for line in playlist.splitlines() if line.startswith("#EXTINF:")]
