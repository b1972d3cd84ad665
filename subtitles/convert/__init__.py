"""Subtitle files in any common format and encoding to clean UTF-8 WebVTT; pure, no Django.

    result = subtitle_convert(data=raw_bytes, fps=25, duration=93.4)
    result.vtt, result.format, result.encoding, result.warnings
    result.tracks  # one per language for a SAMI file with several; the first is result.vtt

Anything that cannot be accepted raises SubtitleError with a message for the uploader.
"""

import logging
from dataclasses import dataclass, field

import langcodes

from .cues import MAX_CUES, Cue, ReadContext, TrackInfo, cue_count_check, ms_to_human, vtt_write
from .cuetext import is_blank
from .decoding import text_decode
from .detect import FORMAT_NAMES, format_detect
from .errors import SubtitleError, gettext_noop
from .readers import READERS

__all__ = [
    "Conversion", "Cue", "FORMAT_NAMES", "SubtitleError", "DEFAULT_MAX_BYTES", "MAX_CUES", "Track",
    "language_normalize", "size_check", "subtitle_convert",
]

logger = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 5 * 1024 * 1024


@dataclass
class Track:
    """One language of a file: what the file calls it, and its cues as WebVTT."""

    vtt: str
    cues: list[Cue]
    language: str = ""  # normalised BCP-47 tag the file gives, "" when it gives none (the uploader's then)
    name: str = ""  # the file's name for it ("English"), "" when it gives none


@dataclass
class Conversion:
    vtt: str  # the first track's
    format: str  # a key of FORMAT_NAMES
    encoding: str  # the codec the bytes were decoded with, e.g. "utf-8", "utf-16-le", "cp1252"
    cues: list[Cue]  # the first track's
    warnings: list[str] = field(default_factory=list)
    tracks: list[Track] = field(default_factory=list)  # all of them, in file order; one for most formats

    @property
    def format_name(self) -> str:
        return FORMAT_NAMES[self.format]


def subtitle_convert(
    *, data: bytes, fps: float | None = None, duration: float | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> Conversion:
    """Convert subtitle bytes to WebVTT, detecting encoding and format from the content.

    `fps` is the video's frame rate (MicroDVD counts frames); `duration` its length in
    seconds, to warn about cues after the end.
    """
    size_check(len(data), max_bytes=max_bytes)
    if not data.strip():
        raise SubtitleError(gettext_noop("The file is empty."), code="empty")
    decoded = text_decode(data)
    text = decoded.text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise SubtitleError(gettext_noop("The file is empty."), code="empty")
    format_ = format_detect(text)
    warnings: list[str] = []
    context = ReadContext(fps=fps, warnings=warnings)
    try:
        cues = READERS[format_](text, context)
    except SubtitleError:
        raise
    except RecursionError:
        raise SubtitleError(
            gettext_noop("The %(format)s file is nested too deeply to read."), params={"format": FORMAT_NAMES[format_]}
        ) from None
    except Exception:
        # A reader bug must still reach the uploader as a clear refusal, never a server error.
        logger.exception("subtitle reader %s failed", format_)
        raise SubtitleError(
            gettext_noop("The file looks like %(format)s but could not be read."),
            code="malformed",
            params={"format": FORMAT_NAMES[format_]},
        ) from None
    cue_count_check(len(cues))  # each reader stops at the limit; this holds for any reader
    if context.warnings_left_out:
        warnings.append(f"{context.warnings_left_out:,} more warning(s) like these were left out.")
    tracks = _tracks(cues, context.tracks or {}, warnings)
    if not tracks:
        raise SubtitleError(
            gettext_noop("The %(format)s file has no cues with text."), code="no_cues", params={"format": FORMAT_NAMES[format_]}
        )
    if duration:
        _past_end_warn(sorted((cue for track in tracks for cue in track.cues), key=lambda cue: cue.start),
                       duration, warnings)
    first = tracks[0]
    return Conversion(
        vtt=first.vtt, format=format_, encoding=decoded.encoding, cues=first.cues, warnings=warnings, tracks=tracks
    )


def _tracks(cues: list[Cue], infos: dict[str, TrackInfo], warnings: list[str]) -> list[Track]:
    """The cues split by track, each cleaned; tracks left without cues are left out."""
    by_track: dict[str, list[Cue]] = {key: [] for key in infos}
    for cue in cues:
        by_track.setdefault(cue.track, []).append(cue)
    tracks = []
    for key, track_cues in by_track.items():
        kept = _cues_cleaned(track_cues, warnings)
        if not kept:
            continue
        info = infos.get(key, TrackInfo())
        tracks.append(Track(vtt=vtt_write(kept), cues=kept, language=_language_or_blank(info.language),
                            name=info.name))
    return tracks


def _language_or_blank(tag: str) -> str:
    try:
        return language_normalize(tag) if tag else ""
    except SubtitleError:
        return ""


def _cues_cleaned(cues: list[Cue], warnings: list[str]) -> list[Cue]:
    kept, zero_length = [], 0
    for cue in cues:
        if is_blank(cue.text):
            continue
        if cue.end <= cue.start:
            zero_length += 1
            continue
        kept.append(cue)
    if zero_length:
        warnings.append(f"{zero_length} cue(s) lasting no time at all were left out.")
    kept.sort(key=lambda cue: (cue.start, cue.end))  # stable: equal times keep the file's order
    return kept


def _past_end_warn(cues: list[Cue], duration: float, warnings: list[str]) -> None:
    end_ms = round(duration * 1000)
    late = [cue for cue in cues if cue.end > end_ms]
    if not late:
        return
    first = late[0]
    where = f" (line {first.line})" if first.line else ""
    starting_after = sum(1 for cue in late if cue.start >= end_ms)
    detail = f", {starting_after} of them starting after it" if starting_after else ""
    warnings.append(
        f"{len(late)} cue(s) run past the end of the video at {ms_to_human(end_ms)}{detail}; "
        f"the first at {ms_to_human(first.start)}{where}. They were kept."
    )


def size_check(size: int, *, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
    """Raise SubtitleError for a file of `size` bytes over the limit."""
    if size > max_bytes:
        raise SubtitleError(
            gettext_noop("The file is %(size)s; subtitle files may be at most %(limit)s."),
            code="too_large",
            params={"size": _size(size), "limit": _size(max_bytes)},
        )


def _size(count: int) -> str:
    if count >= 1024 * 1024:
        return f"{count / (1024 * 1024):.1f} MiB"
    if count >= 1024:
        return f"{count / 1024:.0f} KiB"
    return f"{count} bytes"


def language_normalize(tag: str) -> str:
    """Return the standard form of a BCP-47 language tag ('EN-us' -> 'en-US'), or raise SubtitleError."""
    tag = (tag or "").strip().replace("_", "-")
    if not tag:
        raise SubtitleError(
            gettext_noop("A language is required (a BCP-47 tag such as en, pt-BR or zh-Hant)."), code="language"
        )
    try:
        valid = len(tag) <= 35 and langcodes.tag_is_valid(tag)
        normalized = langcodes.standardize_tag(tag) if valid else ""
    except (ValueError, langcodes.LanguageTagError):
        valid = False
    if not valid or not normalized:
        raise SubtitleError(
            gettext_noop("%(tag)s is not a valid BCP-47 language tag (examples: en, pt-BR, zh-Hant)."),
            code="language",
            params={"tag": repr(tag[:40])},
        )
    return normalized
