"""One cue per line: MicroDVD ({frame}{frame}), MPL2 ([decisecond][decisecond]), TMP (h:mm:ss:) and LRC ([mm:ss.xx])."""

import re

from ..cues import Cue, ReadContext, clock_to_ms, cue_checked, cue_count_check, ms_to_vtt
from ..cuetext import escape, styled_runs_to_vtt, tag_count_check
from ..errors import SubtitleError, gettext_noop

MICRODVD_LINE = re.compile(r"^\s*\{\s*(\d+)\s*\}\s*\{\s*(\d*)\s*\}(.*)$")
MPL2_LINE = re.compile(r"^\s*\[\s*(\d+)\s*\]\s*\[\s*(\d*)\s*\](.*)$")
TMP_LINE = re.compile(r"^\s*(\d{1,2}:\d{2}:\d{2})\s*[:=](.*)$")
# LRC: '[01:02.50]' (hundredths; tenths, thousandths and none are written too). Not '[00:00:01]':
# that is SubViewer 1's hours, minutes and seconds, which we do not read.
_LRC_TIME = r"\[\s*(\d{1,6}):([0-5]?\d)(?:\.(\d{1,3}))?\s*\]"
LRC_LINE = re.compile(rf"^\s*{_LRC_TIME}")
_LRC_TIMES = re.compile(rf"\s*{_LRC_TIME}")
_LRC_ID_TAG = re.compile(r"^\s*\[\s*([A-Za-z#]+)\s*:(.*)\]\s*$")
_LRC_WORD_TIME = re.compile(r"<\s*(\d{1,6}):([0-5]?\d)(?:\.(\d{1,3}))?\s*>")
# "[^{}]", not "[^}]": with it an unclosed "{y:" scans to the end of the line, quadratic on many of them.
_MICRODVD_CONTROL = re.compile(r"\{([A-Za-z]):([^{}]*)\}")
# Frames or deciseconds: nine digits are years of video at 300 fps; more is a broken or hostile file.
_MAX_UNIT_DIGITS = 9


def microdvd_read(text: str, context: ReadContext) -> list[Cue]:
    """Frames become times with the file's declared rate ({1}{1}25) or else the video's."""
    tag_count_check(text, "|")  # every '|' is a line of a cue
    entries = _lines_matched(text, MICRODVD_LINE, "'{25}{75}Text'")
    fps = None
    if entries and entries[0][1] in (0, 1) and entries[0][2] in (0, 1):
        try:
            fps = float(entries[0][3].strip())
        except ValueError:
            fps = None
        if fps is not None and 1 <= fps <= 300:
            entries = entries[1:]
        else:
            fps = None
    if fps is None:
        fps = context.fps
        if not fps:
            raise SubtitleError(
                gettext_noop(
                    "MicroDVD subtitles count video frames, and neither the file ({1}{1}25) nor the video "
                    "gives the frame rate yet. Upload it once the video has been processed, or convert "
                    "it to SRT."
                ),
                code="fps_required",
            )
        context.warn(f"MicroDVD frames were converted at the video's frame rate ({fps:g} fps).")
    return _frames_to_cues(entries, 1000 / fps, _microdvd_markup)


def mpl2_read(text: str, context: ReadContext) -> list[Cue]:
    tag_count_check(text, "|")  # every '|' is a line of a cue
    entries = _lines_matched(text, MPL2_LINE, "'[10][25]Text'")
    return _frames_to_cues(entries, 100, _mpl2_markup)


def tmp_read(text: str, context: ReadContext) -> list[Cue]:
    """TMP gives only start times: each line shows until the next (at most a reading time)."""
    tag_count_check(text, "|")  # every '|' is a line of a cue
    entries = []
    for number, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        match = TMP_LINE.match(line)
        if match is None:
            raise SubtitleError(
                gettext_noop("expected a line like %(example)s, found %(found)s."),
                code="malformed", line=number, params={"example": "'00:00:01:Text'", "found": repr(line.strip()[:80])},
            )
        start = clock_to_ms(match.group(1))
        if start is None:
            raise SubtitleError(
                gettext_noop("malformed time %(time)s."), code="malformed", line=number, params={"time": repr(match.group(1))}
            )
        entries.append((number, start, match.group(2)))
        cue_count_check(len(entries), number)
    entries.sort(key=lambda entry: entry[1])
    cues = []
    for index, (number, start, body) in enumerate(entries):
        end = start + 1000 + 67 * len(body)
        if index + 1 < len(entries):
            end = min(end, entries[index + 1][1])
        if end > start:
            cues.append(Cue(start, end, _mpl2_markup(body), line=number))
    return cues


def lrc_read(text: str, context: ReadContext) -> list[Cue]:
    """LRC lyrics: a line shows from its time until the next line's (one line may carry several times).

    ID tags ([ar:...], [ti:...]) are skipped and [offset:+500] applied (a positive offset shows lines
    earlier); enhanced LRC's word times (<01:02.50>) become WebVTT timestamps, for karaoke highlighting.
    """
    tag_count_check(text)
    entries: list[tuple[int, int, str]] = []  # (start, line number, text)
    offset = 0
    for number, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        position, starts = 0, []
        while match := _LRC_TIMES.match(line, position):
            starts.append(_lrc_ms(match.groups()))
            position = match.end()
            cue_count_check(len(entries) + len(starts), number)
        if starts:
            entries.extend((start, number, line[position:]) for start in starts)
            continue
        if tag := _LRC_ID_TAG.match(line):
            if tag.group(1).lower() == "offset":
                offset = _lrc_offset(tag.group(2), number)
            continue
        context.warn(f"Line {number}: a line without a time was skipped ({line.strip()[:40]!r}).")
    entries.sort(key=lambda entry: entry[0])  # stable: lines of one time keep the file's order
    # Each line ends where the next later time starts (lines of one time show together).
    ends: list[int | None] = [None] * len(entries)
    for index in range(len(entries) - 2, -1, -1):
        following = entries[index + 1][0]
        ends[index] = following if following > entries[index][0] else ends[index + 1]
    cues = []
    for (start, number, body), following in zip(entries, ends):
        start = max(0, start - offset)
        if following is not None:
            end = max(0, following - offset)
        else:
            end = start + 1000 + 67 * len(body)  # the last line: a reading time, as TMP's
        cue_checked(start, end, number)
        if end > start:
            cues.append(Cue(start, end, _lrc_markup(body, start, end, offset), line=number))
    return cues


def _lrc_ms(groups: tuple[str, str, str | None]) -> int:
    minutes, seconds, fraction = groups
    return (int(minutes) * 60 + int(seconds)) * 1000 + int((fraction or "0").ljust(3, "0"))


def _lrc_offset(value: str, number: int) -> int:
    value = value.strip()
    if not re.fullmatch(r"[+-]?\d{1,9}", value):
        raise SubtitleError(
            gettext_noop("the LRC offset %(offset)s is not a number of milliseconds (like +500 or -250)."),
            code="malformed", line=number, params={"offset": repr(value[:20])},
        )
    return int(value)


def _lrc_markup(body: str, start: int, end: int, offset: int) -> str:
    """Escaped text; word times inside the cue become WebVTT timestamps, others are dropped."""
    out, position = [], 0
    for match in _LRC_WORD_TIME.finditer(body):
        out.append(escape(body[position:match.start()]))
        position = match.end()
        at = _lrc_ms(match.groups()) - offset
        if start < at < end:
            out.append(f"<{ms_to_vtt(at)}>")
    out.append(escape(body[position:]))
    return styled_runs_to_vtt([("".join(out).strip(), False, False, False)])


def _lines_matched(text: str, pattern: re.Pattern, example: str) -> list[tuple[int, int, int, str]]:
    entries = []
    for number, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        match = pattern.match(line)
        if match is None:
            raise SubtitleError(
                gettext_noop("expected a line like %(example)s, found %(found)s."),
                code="malformed", line=number, params={"example": example, "found": repr(line.strip()[:80])},
            )
        start, end, body = match.groups()
        if max(len(start), len(end)) > _MAX_UNIT_DIGITS:
            raise SubtitleError(
                gettext_noop("the time %(time)s has more than %(limit)s digits."),
                code="malformed", line=number, params={"time": repr(max(start, end, key=len)[:20]), "limit": _MAX_UNIT_DIGITS},
            )
        entries.append((number, int(start), int(end) if end else -1, body))
        cue_count_check(len(entries) - 1, number)  # early; the first line may be MicroDVD's frame rate
    return entries


def _frames_to_cues(entries, ms_per_unit: float, markup) -> list[Cue]:
    cues = []
    for index, (number, start_units, end_units, body) in enumerate(entries):
        if end_units < 0:  # {100}{}: until the next line
            end_units = entries[index + 1][1] if index + 1 < len(entries) else start_units + 30
        start, end = round(start_units * ms_per_unit), round(end_units * ms_per_unit)
        cue_checked(start, end, number)
        cues.append(Cue(start, end, markup(body), line=number))
        cue_count_check(len(cues), number)
    return cues


def _microdvd_markup(body: str) -> str:
    """'|' breaks lines; {y:i} and friends style a line (lower case) or the whole cue (upper case)."""
    cue_flags = set()
    lines = []
    for line in body.split("|"):
        line_flags = set(cue_flags)
        for kind, value in _MICRODVD_CONTROL.findall(line):
            if kind in "yY":
                (cue_flags if kind == "Y" else line_flags).update(c for c in value.lower() if c in "ibu")
                line_flags.update(cue_flags)
        text = _MICRODVD_CONTROL.sub("", line).strip()
        lines.append((escape(text), "i" in line_flags, "b" in line_flags, "u" in line_flags))
    return _lines_styled(lines)


def _mpl2_markup(body: str) -> str:
    """'|' breaks lines; a line starting with '/' is italic."""
    lines = []
    for line in body.split("|"):
        italic = line.lstrip().startswith("/")
        lines.append((escape(line.strip().lstrip("/").strip()), italic, False, False))
    return _lines_styled(lines)


def _lines_styled(lines) -> str:
    runs = []
    for index, (text, *flags) in enumerate(lines):
        runs.append((text, *flags))
        if index < len(lines) - 1:
            # The break carries the styling both lines share, so "<b>one\ntwo</b>" stays one pair.
            runs.append(("\n", *(a and b for a, b in zip(flags, lines[index + 1][1:]))))
    return styled_runs_to_vtt(runs)
