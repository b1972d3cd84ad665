"""Turn ``ffprobe -print_format json`` output into a typed, validated ProbeResult."""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass
from fractions import Fraction

from django.utils.translation import gettext_noop

from .errors import ProbeError
from .inputs import ACCEPTED_FORMATS_TEXT, accepted_demuxer

NOT_ACCEPTED = (
    f"This file's format is not accepted. Upload a video file: {ACCEPTED_FORMATS_TEXT}. "
    "Playlists, manifests, scripts and image sequences are refused: they name other files."
)


@dataclass(frozen=True)
class ProbeLimits:
    """What a source may cost before it is refused at probe (what would take a worker down)."""

    max_side: int = 8192  # pixels, coded or displayed, of any video stream
    max_streams: int = 16
    max_duration: float = 6 * 3600  # seconds

# Demuxers that ffprobe reports for still images and text; none of them is a video.
_NOT_VIDEO_FORMATS = {"image2", "tty", "lrc", "srt", "webvtt", "ass", "mpl2"}
_NOT_VIDEO_CODECS = {"ansi"}
_PLAIN_PIX_FMTS = {"yuv420p", "yuvj420p", "nv12"}


@dataclass(frozen=True)
class ProbeResult:
    duration: float
    width: int  # display width: after sample aspect ratio and rotation
    height: int  # display height
    coded_width: int
    coded_height: int
    rotation: int  # 0, 90, 180 or 270
    fps: float | None
    pix_fmt: str
    has_audio: bool
    video_codec: str
    audio_codec: str | None = None
    audio_channels: int = 0
    video_index: int = 0
    audio_index: int | None = None
    format_name: str = ""
    bit_rate: int | None = None
    demuxer: str = "mov"  # the accepted demuxer the probe found; the pass forces it


    @property
    def is_portrait(self) -> bool:
        return self.height > self.width

    @property
    def short_side(self) -> int:
        return min(self.width, self.height)

    @property
    def needs_pixel_conversion(self) -> bool:
        """True for 10-bit, 4:2:2, 4:4:4 and other inputs that players cannot decode as H.264."""
        return self.pix_fmt not in _PLAIN_PIX_FMTS


# How ffprobe writes a rate or an aspect ratio ("30000/1001", "16:9"). Anything else, an exponent
# above all ("1e100000000" makes Fraction compute 10**100000000), is not one.
_RATIO = re.compile(r"\d{1,12}(?:[/:]\d{1,12}|\.\d{1,12})?")


def _ratio(value: str | None) -> Fraction | None:
    if not isinstance(value, str) or not _RATIO.fullmatch(value) or value in {"0/0", "0:1", "0:0"}:
        return None
    try:
        ratio = Fraction(value.replace(":", "/"))
    except (ValueError, ZeroDivisionError):
        return None
    return ratio if ratio > 0 else None


def _float(value) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):  # OverflowError: an integer past 1e308
        return None
    return number if math.isfinite(number) and number > 0 else None


def _dict(value) -> dict:
    return value if isinstance(value, dict) else {}


def _list(value) -> list:
    return value if isinstance(value, list) else []


def _text(value) -> str:
    return value if isinstance(value, str) else ""


def _int(value) -> int:
    try:
        return max(0, int(value))
    except (TypeError, ValueError, OverflowError):
        return 0


def _clock(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}"


def _rotation(stream: dict) -> int:
    degrees = None
    for side_data in _list(stream.get("side_data_list")):
        if "rotation" in _dict(side_data):
            degrees = side_data["rotation"]
    if degrees is None:
        degrees = _dict(stream.get("tags")).get("rotate", 0)
    try:
        degrees = int(round(float(degrees)))
    except (TypeError, ValueError, OverflowError):
        return 0
    return (round(degrees / 90) * 90) % 360


def _fps(stream: dict) -> float | None:
    # avg_frame_rate is the honest figure for phone (variable rate) video; r_frame_rate can be
    # a timebase such as 90000/1.
    for key in ("avg_frame_rate", "r_frame_rate"):
        rate = _ratio(stream.get(key))
        if rate and 1 <= rate <= 1000:
            return round(float(rate), 3)
    return None


def parse_probe(data: dict, limits: ProbeLimits = ProbeLimits()) -> ProbeResult:
    """Validate ffprobe JSON and return the facts the ladder and commands need."""
    if not isinstance(data, dict):
        raise ProbeError(gettext_noop("This file could not be read as a video."))
    streams = [s for s in _list(data.get("streams")) if isinstance(s, dict)]
    fmt = data.get("format") if isinstance(data.get("format"), dict) else {}
    format_name = str(fmt.get("format_name") or "")
    if not streams and not fmt:
        raise ProbeError(gettext_noop("This file is not a video, or it is damaged: it could not be read."))
    video = next(
        (
            s
            for s in streams
            if s.get("codec_type") == "video"
            and not _dict(s.get("disposition")).get("attached_pic")
            and _text(s.get("codec_name")) not in _NOT_VIDEO_CODECS
        ),
        None,
    )
    if format_name in _NOT_VIDEO_FORMATS or format_name.endswith("_pipe"):
        raise ProbeError(gettext_noop("This file is not a video (it looks like an image or a text file)."))
    if video is None:
        if any(s.get("codec_type") == "audio" for s in streams):
            raise ProbeError(gettext_noop("This file has no video track (it looks like an audio file)."))
        raise ProbeError(gettext_noop("This file is not a video: it has no video track."))
    demuxer = accepted_demuxer(format_name)
    if demuxer is None:
        raise ProbeError(NOT_ACCEPTED)
    if len(streams) > limits.max_streams:
        raise ProbeError(f"The file has {len(streams)} streams; at most {limits.max_streams} are accepted.")
    for stream in streams:
        if stream.get("codec_type") == "video":
            sides = [_int(stream.get(key)) for key in ("width", "height", "coded_width", "coded_height")]
            if max(sides) > limits.max_side:
                raise ProbeError(
                    f"The video is too large: {_int(stream.get('width'))}×{_int(stream.get('height'))} pixels; "
                    f"at most {limits.max_side} on a side are accepted."
                )
    coded_width, coded_height = _int(video.get("width")), _int(video.get("height"))
    if coded_width < 2 or coded_height < 2:
        raise ProbeError(gettext_noop("This file is damaged or not a video: its video track has no picture size."))
    duration = _float(fmt.get("duration")) or _float(video.get("duration"))
    if not duration or duration < 0.05:
        raise ProbeError(gettext_noop("The video has no duration: it is empty, a still image or damaged."))
    if duration > limits.max_duration:
        raise ProbeError(
            f"The video is too long: {_clock(duration)}; at most {_clock(limits.max_duration)} are accepted."
        )

    sar = _ratio(video.get("sample_aspect_ratio")) or Fraction(1)
    display_width = max(2, round(coded_width * sar))
    rotation = _rotation(video)
    width, height = display_width, coded_height
    if rotation in (90, 270):
        width, height = height, width
    if max(width, height) > limits.max_side:  # a sample aspect ratio of 1000:1
        raise ProbeError(
            f"The video is too large: {width}×{height} pixels as displayed; "
            f"at most {limits.max_side} on a side are accepted."
        )

    audio = next((s for s in streams if s.get("codec_type") == "audio"), None)
    bit_rate = _float(fmt.get("bit_rate"))
    return ProbeResult(
        duration=round(duration, 3),
        width=width,
        height=height,
        coded_width=coded_width,
        coded_height=coded_height,
        rotation=rotation,
        fps=_fps(video),
        pix_fmt=_text(video.get("pix_fmt")) or "unknown",
        has_audio=audio is not None,
        video_codec=_text(video.get("codec_name")) or "unknown",
        audio_codec=(_text(audio.get("codec_name")) or None) if audio else None,
        audio_channels=_int(audio.get("channels")) if audio else 0,
        video_index=_int(video.get("index")),
        audio_index=_int(audio.get("index")) if audio else None,
        format_name=format_name,
        bit_rate=int(bit_rate) if bit_rate else None,
        demuxer=demuxer,
    )


def probe(path: str | os.PathLike, limits: ProbeLimits = ProbeLimits()) -> ProbeResult:
    """Run ffprobe on a local file and parse the result."""
    from .runner import run_ffprobe

    try:
        size = os.path.getsize(path)
    except OSError:
        raise ProbeError(gettext_noop("The uploaded file could not be found.")) from None
    if size == 0:
        raise ProbeError(gettext_noop("The file is empty (0 bytes)."))
    return parse_probe(run_ffprobe(path), limits)
