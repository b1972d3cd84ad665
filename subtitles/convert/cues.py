"""Cues, timestamps and the WebVTT text they end up as."""

import re
from dataclasses import dataclass

from .errors import SubtitleError

# Hours optional; minutes and seconds one or two digits; a fraction of up to three digits after
# '.', ',' or ':' (SRT files in the wild use all three).
_CLOCK = re.compile(r"^(?:(\d{1,3}):)?(\d{1,2}):(\d{1,2})(?:[.,:](\d{1,3}))?$")


@dataclass
class Cue:
    start: int  # milliseconds
    end: int
    text: str  # WebVTT cue markup
    settings: str = ""
    line: int | None = None  # where the cue starts in the uploaded file, for messages


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


def ms_to_vtt(ms: int) -> str:
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}.{millis:03d}"


def ms_to_human(ms: int) -> str:
    minutes, rest = divmod(ms, 60_000)
    return f"{minutes}:{rest / 1000:06.3f}"


def cue_checked(start: int, end: int, line: int | None) -> None:
    """Raise for a cue that ends before it starts: a typo in the file, not something to guess at."""
    if end < start:
        raise SubtitleError(
            f"the cue ends ({ms_to_vtt(end)}) before it starts ({ms_to_vtt(start)}).",
            code="malformed", line=line,
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

    def warn(self, message: str) -> None:
        if self.warnings is not None:
            self.warnings.append(message)
