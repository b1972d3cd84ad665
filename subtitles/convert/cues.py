"""Cues, timestamps and the WebVTT text they end up as."""

import re
from dataclasses import dataclass

from .errors import SubtitleError, gettext_noop

# Hours optional; minutes and seconds one or two digits; a fraction of up to three digits after
# '.', ',' or ':' (SRT files in the wild use all three).
_CLOCK = re.compile(r"^(?:(\d{1,3}):)?(\d{1,2}):(\d{1,2})(?:[.,:](\d{1,3}))?$")

# A feature film has 1,000-2,000 cues and a day of live captions some 30,000. Past this a file is
# refused while it is read: a million cues take 15 s and 700 MB to convert and no player wants them.
MAX_CUES = 100_000
# Cue times from 1,000 hours on are refused: no video is that long, and WebVTT readers (ours too)
# read three digits of hours at most, so the WebVTT we wrote would not read back.
MAX_TIME_MS = 1000 * 3_600_000 - 1
# Past this many, the rest of a file's warnings are counted, not listed (one per stray block adds up).
MAX_WARNINGS = 20


@dataclass
class Cue:
    start: int  # milliseconds
    end: int
    text: str  # WebVTT cue markup
    settings: str = ""
    line: int | None = None  # where the cue starts in the uploaded file, for messages
    track: str = ""  # which of the file's tracks it belongs to (a SAMI class); "" for one-track formats


@dataclass(frozen=True)
class TrackInfo:
    """What a file says about one of its tracks: a language tag as written ("" when it names none) and a name."""

    language: str = ""
    name: str = ""


def clock_to_ms(value: str) -> int | None:
    """'01:02:03,450' (and its relaxed forms) to milliseconds; None if it is not a clock time."""
    match = _CLOCK.match(value.strip())
    if match is None:
        return None
    hours, minutes, seconds, fraction = match.groups()
    if int(minutes) > 59 or int(seconds) > 59:
        return None
    millis = int((fraction or "0").ljust(3, "0"))
    return ((int(hours or 0) * 60 + int(minutes)) * 60 + int(seconds)) * 1000 + millis


def cue_count_check(count: int, line: int | None = None) -> None:
    """Raise once a reader holds more than MAX_CUES cues."""
    if count > MAX_CUES:
        raise SubtitleError(
            gettext_noop("the file has more than %(limit)s cues; subtitle files may have at most %(limit)s."),
            code="too_many_cues", line=line, params={"limit": f"{MAX_CUES:,}"},
        )


def ms_to_vtt(ms: int) -> str:
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}.{millis:03d}"


def ms_to_human(ms: int) -> str:
    minutes, rest = divmod(ms, 60_000)
    return f"{minutes}:{rest / 1000:06.3f}"


def cue_checked(start: int, end: int, line: int | None) -> None:
    """Raise for a cue that ends before it starts (a typo, not something to guess at) or past 1,000 hours."""
    if max(start, end) > MAX_TIME_MS:
        raise SubtitleError(
            gettext_noop("the cue's time is past %(limit)s; cue times must be under 1,000 hours."),
            code="malformed", line=line, params={"limit": ms_to_vtt(MAX_TIME_MS)},
        )
    if end < start:
        raise SubtitleError(
            gettext_noop("the cue ends (%(end)s) before it starts (%(start)s)."),
            code="malformed", line=line, params={"end": ms_to_vtt(end), "start": ms_to_vtt(start)},
        )


def vtt_write(cues: list[Cue]) -> str:
    parts = ["WEBVTT\n"]
    for cue in cues:
        timing = f"{ms_to_vtt(cue.start)} --> {ms_to_vtt(cue.end)}"
        if cue.settings:
            timing += f" {cue.settings}"
        parts.append(f"\n{timing}\n{cue.text}\n")
    return "".join(parts)


@dataclass
class ReadContext:
    """What a reader gets besides the text: the video's frame rate, and a list for warnings."""

    fps: float | None = None
    warnings: list[str] | None = None
    warnings_left_out: int = 0
    tracks: dict[str, TrackInfo] | None = None  # set by readers of files with several tracks, in file order

    def warn(self, message: str) -> None:
        if self.warnings is None:
            return
        if len(self.warnings) < MAX_WARNINGS:
            self.warnings.append(message)
        else:
            self.warnings_left_out += 1
