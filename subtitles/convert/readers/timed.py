"""Line-oriented formats with start and end times: SubRip (SRT), SubViewer/SBV and WebVTT."""

import re
from collections.abc import Callable

from ..cues import Cue, ReadContext, clock_to_ms, cue_checked, cue_count_check
from ..cuetext import html_to_vtt, tag_count_check
from ..errors import SubtitleError, gettext_noop

SRT_EXAMPLE = "'00:00:01,000 --> 00:00:02,500'"
SBV_EXAMPLE = "'0:00:01.000,0:00:02.500'"
VTT_EXAMPLE = "'00:00:01.000 --> 00:00:02.500'"

_ARROW_TIMING = re.compile(r"^\s*([^\s>-]+)\s*-->\s*(\S+?)(?:\s+(.*))?$")
_SBV_TIMING = re.compile(r"^\s*(\d+:\d+:\d+(?:\.\d+)?)\s*,\s*(\d+:\d+:\d+(?:\.\d+)?)\s*$")
_SBV_BREAK = re.compile(r"\[br\]", re.IGNORECASE)

_VTT_SETTINGS = {
    "vertical": re.compile(r"rl|lr"),
    "line": re.compile(r"-?\d+|\d+(?:\.\d+)?%(?:,(?:start|center|end))?|-?\d+,(?:start|center|end)"),
    "position": re.compile(r"\d+(?:\.\d+)?%(?:,(?:line-left|center|line-right))?"),
    "size": re.compile(r"\d+(?:\.\d+)?%"),
    "align": re.compile(r"start|center|end|left|right"),
}


_VTT_NOT_A_CUE = re.compile(r"(NOTE|STYLE|REGION)(?:[ \t]|$)")
_ARROW_LIKE = re.compile(r"\d\s*-{1,2}>\s*\d")


def looks_like_arrow_timing(line: str) -> bool:
    """A line meant as an SRT/WebVTT timing line, well-formed or not."""
    return "-->" in line or _ARROW_LIKE.search(line) is not None


# "\d[\d:.]*", not "\d+[\d:.]*": the two split a run of digits in every way, quadratic on a long one.
_SBV_TIMING_LIKE = re.compile(r"^\s*\d+:\d[\d:.]*\s*,\s*\d+:")
# Inside an SBV file, two clock-like words and a comma alone on a line are a timing line with a
# typo ('0:00:13.f89,0:00:15.489'), to report, not cue text. Too loose to detect the format by.
_SBV_TIMING_TYPO = re.compile(r"^\s*\d+:[\w:.]+\s*,\s*\d+:[\w:.]+\s*$")


def looks_like_sbv_timing(line: str) -> bool:
    return _SBV_TIMING_LIKE.match(line) is not None


def _meant_as_sbv_timing(line: str) -> bool:
    return looks_like_sbv_timing(line) or _SBV_TIMING_TYPO.match(line) is not None


def _arrow_timing(line: str) -> tuple[int, int, str] | None:
    match = _ARROW_TIMING.match(line)
    if match is None:
        return None
    start, end = clock_to_ms(match.group(1)), clock_to_ms(match.group(2))
    if start is None or end is None:
        return None
    return start, end, match.group(3) or ""


def _sbv_timing(line: str) -> tuple[int, int, str] | None:
    match = _SBV_TIMING.match(line)
    if match is None:
        return None
    start, end = clock_to_ms(match.group(1)), clock_to_ms(match.group(2))
    if start is None or end is None:
        return None
    return start, end, ""


def srt_read(text: str, context: ReadContext) -> list[Cue]:
    tag_count_check(text)
    cue_count_check(text.count("-->"))  # every cue has one, cue text none: refuse before splitting a huge file
    return _timed_lines_read(
        text, looks_like_arrow_timing, _arrow_timing, SRT_EXAMPLE, identifiers=True,
        header=lambda line: False, ass_escapes=True,
    )


def sbv_read(text: str, context: ReadContext) -> list[Cue]:
    tag_count_check(text)
    text = _SBV_BREAK.sub("\n", text)
    return _timed_lines_read(
        text, _meant_as_sbv_timing, _sbv_timing, SBV_EXAMPLE, identifiers=False,
        header=lambda line: line.startswith("["),  # SubViewer 2: [INFORMATION] ... [SUBTITLE]
    )


def _timed_lines_read(
    text: str,
    looks_like_timing: Callable[[str], bool],
    timing_of: Callable[[str], tuple[int, int, str] | None],
    example: str,
    *,
    identifiers: bool,
    header: Callable[[str], bool],
    ass_escapes: bool = False,
) -> list[Cue]:
    """Read 'timing line, text lines, blank line' cues.

    A malformed timing line is an error with its line number. A line just before a timing line
    is the cue number (or identifier). Text after a blank line that starts no new cue belongs
    to the cue before it: several SRT writers leave blank lines inside cue text.
    """
    lines = text.split("\n")
    timing = [looks_like_timing(line) for line in lines]
    raw: list[tuple[int, int, int, list[str]]] = []
    for index, line in enumerate(lines):
        stripped = line.strip()
        number = index + 1
        if timing[index]:
            parsed = timing_of(stripped)
            if parsed is None:
                raise SubtitleError(
                    gettext_noop("malformed timing line %(found)s; expected one like %(example)s."),
                    code="malformed", line=number, params={"found": repr(stripped[:80]), "example": example},
                )
            start, end, _settings = parsed
            cue_checked(start, end, number)
            raw.append((start, end, number, []))
            cue_count_check(len(raw), number)
            continue
        if not stripped:
            if raw:
                raw[-1][3].append("")
            continue
        starts_block = index == 0 or not lines[index - 1].strip()
        before_timing = index + 1 < len(lines) and timing[index + 1]
        if identifiers and before_timing and (starts_block or stripped.isdigit()):
            continue
        if not raw:
            if header(stripped):
                continue
            if identifiers:
                refusal = gettext_noop("expected a cue number or a timing line like %(example)s, found %(found)s.")
            else:
                refusal = gettext_noop("expected a timing line like %(example)s, found %(found)s.")
            raise SubtitleError(
                refusal, code="malformed", line=number, params={"example": example, "found": repr(stripped[:80])}
            )
        if identifiers and starts_block and stripped.isdigit():
            raise SubtitleError(
                gettext_noop("cue number %(number)s is not followed by a timing line like %(example)s."),
                code="malformed", line=number, params={"number": stripped, "example": example},
            )
        raw[-1][3].append(line)
    cues = []
    for start, end, number, text_lines in raw:
        body = "\n".join(text_lines)
        if ass_escapes:
            # SRT written from ASS (and read so by VLC and MPC-HC) keeps \N line breaks and \h hard spaces.
            body = body.replace("\\N", "\n").replace("\\h", "\xa0")
        markup, settings = html_to_vtt(body)
        cues.append(Cue(start, end, markup, settings, line=number))
    return cues


def vtt_read(text: str, context: ReadContext) -> list[Cue]:
    """Read WebVTT: cue settings and inline timestamps kept, NOTE/STYLE/REGION blocks skipped."""
    tag_count_check(text)
    cue_count_check(text.count("-->"))
    lines = text.split("\n")
    header = lines[0].strip()
    if not re.match(r"^WEBVTT(?:[ \t].*)?$", header):
        raise SubtitleError(
            gettext_noop("the WebVTT header must be 'WEBVTT' on its own or followed by a space, found %(found)s."),
            code="malformed", line=1, params={"found": repr(header[:40])},
        )
    cues: list[Cue] = []
    index = 1
    while index < len(lines) and lines[index].strip():  # header block
        if looks_like_arrow_timing(lines[index]):
            break
        index += 1
    while index < len(lines):
        if not lines[index].strip():
            index += 1
            continue
        block_start = index
        while index < len(lines) and lines[index].strip():
            index += 1
        _vtt_block_read(lines, block_start, index, cues, context)
    return cues


def _vtt_block_read(lines: list[str], first: int, stop: int, cues: list[Cue], context: ReadContext) -> None:
    head = lines[first].strip()
    if _VTT_NOT_A_CUE.match(head) and not looks_like_arrow_timing(head):
        return
    if looks_like_arrow_timing(lines[first]):
        timing_index = first
    elif first + 1 < stop and looks_like_arrow_timing(lines[first + 1]):
        timing_index = first + 1  # the line before is the cue identifier
    else:
        context.warn(f"Line {first + 1}: text outside any cue was skipped ({head[:40]!r}).")
        return
    index = timing_index
    while index < stop:
        parsed = _arrow_timing(lines[index].strip())
        if parsed is None:
            raise SubtitleError(
                gettext_noop("malformed timing line %(found)s; expected one like %(example)s."),
                code="malformed", line=index + 1, params={"found": repr(lines[index].strip()[:80]), "example": VTT_EXAMPLE},
            )
        start, end, settings = parsed
        cue_checked(start, end, index + 1)
        payload_start = index = index + 1
        # A line with "-->" ends the payload and starts the next cue (as WebVTT parsers do).
        while index < stop and not looks_like_arrow_timing(lines[index]):
            index += 1
        markup, _ = html_to_vtt("\n".join(lines[payload_start:index]), allow_timestamps=True)
        cues.append(Cue(start, end, markup, vtt_settings(settings), line=payload_start))
        cue_count_check(len(cues), payload_start)


def vtt_settings(settings: str) -> str:
    """Keep the WebVTT cue settings that are valid (regions are not carried over)."""
    kept = {}
    for token in settings.split():
        name, _, value = token.partition(":")
        value = value.replace("middle", "center")
        pattern = _VTT_SETTINGS.get(name)
        if pattern is not None and pattern.fullmatch(value) and name not in kept:
            kept[name] = value
    return " ".join(f"{name}:{value}" for name, value in kept.items())
