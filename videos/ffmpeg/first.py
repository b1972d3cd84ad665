"""The first rendition's commands: a source that browsers play as it is, remuxed into fMP4 HLS
without re-encoding; any other, one low rung encoded fast.

Stream-copying a 3-minute 1080p upload into segments took 3.1 s where the ladder took 371 s
(issue 13), so such a source is watchable seconds after it is stored while the ladder encodes.
A source qualifies when Chromium's MSE plays it as it is:

- H.264 in 8-bit 4:2:0 (yuv420p/yuvj420p): what every browser decodes in hardware or software;
- square pixels and no rotation: MSE ignores a track's display matrix and a pixel aspect ratio
  that HLS cannot carry, so a phone's portrait video would play on its side — those get the fast rung;
- AAC audio, or none: MP3 in fMP4 is not played by every MSE implementation;
- keyframes at most MAX_SEGMENT_SECONDS apart: a copy can only cut at keyframes, and a segment
  much longer than the target makes seeking and the start slow. Checked on the first segments
  the remux writes, which is exact and costs no extra read of the source.
"""

from __future__ import annotations

import os

from .commands import _audio_args, _head, _keyframe_args, _scale, _video_args
from .ladder import Rung, output_fps
from .probe import ProbeResult

NAME = "original"  # the remux
FAST_NAME = "fast"  # the fast rung: named apart from the ladder's rungs, which replace it
MAX_SEGMENT_SECONDS = 10.0
_PLAYABLE_PIX_FMTS = {"yuv420p", "yuvj420p"}
_LOWRES_CODECS = {"mpeg1video", "mpeg2video", "mpeg4", "mjpeg"}


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
    cmd = _head(source, probe) + ["-map", f"0:{probe.video_index}"]
    if probe.has_audio:
        cmd += ["-map", f"0:{probe.audio_index}"]
    return cmd + ["-c", "copy"] + _growing_hls(out_dir, NAME, segment_seconds)


def fast_rung_command(*, source: str | os.PathLike, probe: ProbeResult, rung: Rung, out_dir: str | os.PathLike,
                      segment_seconds: int, preset: str = "ultrafast") -> list[str]:
    """Encode one low rung fast (audio muxed in) for a source that browsers cannot play as it is."""
    filters = []
    if (probe.fps or 0) > output_fps(probe):
        filters.append(f"fps={output_fps(probe):g}")
    filters.append(_scale(rung.width, rung.height))
    head = _head(source, probe)
    at = head.index("-i")
    cmd = head[:at] + _decode_args(probe, rung) + head[at:]
    cmd += ["-map", f"0:{probe.video_index}", "-filter:v", ",".join(filters)]
    if probe.has_audio:
        cmd += ["-map", f"0:{probe.audio_index}"]
    cmd += _video_args(rung, 0, preset=preset, segment_seconds=segment_seconds) + _keyframe_args(segment_seconds)
    if probe.has_audio:
        cmd += _audio_args(96_000)
    return cmd + _growing_hls(out_dir, FAST_NAME, segment_seconds)


def _decode_args(probe: ProbeResult, rung: Rung) -> list[str]:
    """Decode at half size where the decoder can and the half still covers the rung.

    The fast rung runs beside the ladder's pass, which decodes the same source at full size: its
    decode is most of what it costs. MPEG-1/2, MPEG-4 part 2 and MJPEG decoders can skip the top
    half of their inverse transform (`lowres`); a minute of 1080p MPEG-2 took 6.5 CPU s instead
    of 9.5 for the 360p rung. H.264, HEVC and VP9 decoders cannot (ffmpeg refuses to open them
    with lowres set), and their other shortcut, skipping the loop filter, saved under 5 %.
    """
    coded = (probe.coded_width or probe.width, probe.coded_height or probe.height)
    if probe.video_codec in _LOWRES_CODECS and min(coded) >= 2 * min(rung.width, rung.height):
        return ["-lowres", "1"]
    return []


def _growing_hls(out_dir, name: str, segment_seconds: int) -> list[str]:
    # An EVENT playlist, rewritten (atomically: ffmpeg renames a temporary file) after each
    # segment, so that segments can be published while the rest is written.
    directory = os.path.join(os.fspath(out_dir), "hls", name)
    os.makedirs(directory, exist_ok=True)
    return [
        "-f", "hls",
        "-hls_time", str(segment_seconds),
        "-hls_playlist_type", "event",
        "-hls_segment_type", "fmp4",
        "-hls_flags", "independent_segments",
        "-hls_fmp4_init_filename", "init.mp4",
        "-start_number", "1",
        "-hls_segment_filename", os.path.join(directory, "seg_%05d.m4s"),
        os.path.join(directory, "index.m3u8"),
    ]
