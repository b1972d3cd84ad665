"""SubStation Alpha (ASS/SSA) through pysubs2: styles and override tags become WebVTT markup."""

import re
import warnings

import pysubs2
from pysubs2.formats.substation import parse_tags

from ..cues import Cue, ReadContext, clock_to_ms, cue_checked
from ..cuetext import Placement, ass_placement, escape, styled_runs_to_vtt
from ..errors import SubtitleError

_OVERRIDE = re.compile(r"\{[^}]*\}")
_DRAWING = re.compile(r"\\p[1-9]")


def ass_read(text: str, context: ReadContext, format_: str = "ass") -> list[Cue]:
    event_lines = _events_checked(text)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            subs = pysubs2.SSAFile.from_string(text, format_=format_)
        except Exception as exc:  # pysubs2 raises bare ValueErrors and the like for broken files
            raise SubtitleError(f"The {format_.upper()} file could not be read: {exc}", code="malformed") from None
    play_res = _play_res(subs.info)
    cues = []
    dialogue = [event for event in subs.events if not event.is_comment]
    for event, line in zip(dialogue, event_lines):
        style = subs.styles.get(event.style.strip().lstrip("*"), pysubs2.SSAStyle.DEFAULT_STYLE)
        if event.end <= 0:
            continue
        start, end = max(event.start, 0), event.end
        markup = _markup(event.text, style, subs.styles)
        blocks = "".join(_OVERRIDE.findall(event.text))
        placement = ass_placement(blocks, Placement(style.alignment.value), play_res)
        cues.append(Cue(start, end, markup, placement.settings(), line=line))
    return cues


def _events_checked(text: str) -> list[int]:
    """Line numbers of the Dialogue lines, after checking their times (pysubs2 does not say where)."""
    numbers = []
    for number, line in enumerate(text.split("\n"), 1):
        stripped = line.strip()
        if not stripped.startswith("Dialogue:"):
            continue
        fields = stripped[len("Dialogue:"):].split(",", 9)
        if len(fields) < 10:
            raise SubtitleError(
                f"the Dialogue line has {len(fields)} fields, expected 10 (Layer, Start, End, Style, "
                "Name, MarginL, MarginR, MarginV, Effect, Text).",
                code="malformed", line=number,
            )
        start, end = (_ass_time(field, number) for field in fields[1:3])
        cue_checked(start, end, number)
        numbers.append(number)
    return numbers


def _ass_time(field: str, number: int) -> int:
    value = field.strip()
    milliseconds = clock_to_ms(value.lstrip("-"))
    if milliseconds is None:
        raise SubtitleError(
            f"malformed time {value[:20]!r}; expected one like '0:00:01.50'.", code="malformed", line=number
        )
    return -milliseconds if value.startswith("-") else milliseconds


def _play_res(info: dict) -> tuple[int, int]:
    """The script's coordinate space; libass's defaults fill in what is missing."""
    def number(key: str) -> int | None:
        try:
            value = int(float(info.get(key, "")))
        except ValueError:
            return None
        return value if value > 0 else None

    width, height = number("PlayResX"), number("PlayResY")
    if width and height:
        return width, height
    if height:
        return (1280 if height == 1024 else height * 4 // 3), height
    if width:
        return width, (1024 if width == 1280 else width * 3 // 4)
    return 384, 288


def _markup(text: str, style: pysubs2.SSAStyle, styles: dict) -> str:
    runs = []
    for fragment, computed in parse_tags(text, style, styles):
        if computed.drawing or _DRAWING.search(fragment):
            continue
        # \N is a hard break; \n breaks only in wrap style 2, so it is a space otherwise; \h is a hard space.
        plain = fragment.replace("\\N", "\n").replace("\\n", " ").replace("\\h", "\xa0")
        runs.append((escape(plain), computed.italic, computed.bold, computed.underline))
    return styled_runs_to_vtt(runs)
