"""Broadcast captions: SCC (Scenarist, CEA-608 byte pairs), read by pycaption.

CEA-608 is a state machine of caption memories, roll-up windows, paint-on cursors, preamble
address codes and doubled control codes; pycaption keeps that machine and its regression files
from real broadcasts, so it is the reader here. What stays ours is what pycaption does not
check or does slowly: the shape of each line (with its line number), and limits on how much
work a file may ask for.
"""

import re
import warnings

import pycaption
from pycaption.base import CaptionNode
from pycaption.exceptions import CaptionReadError, CaptionReadNoCaptions
from pycaption.geometry import UnitEnum

from ..cues import Cue, ReadContext, cue_checked, cue_count_check
from ..cuetext import escape, styled_runs_to_vtt
from ..errors import SubtitleError, gettext_noop

SCC_HEADER = "Scenarist_SCC V1.0"
SCC_EXAMPLE = "'00:00:01:00<tab>9420 9420 94d0 c1c2 942f 942f'"
_LINE = re.compile(r"^(\d{2}:\d{2}:\d{2}[:;.]\d{2})\s+(.*)$")
# A word is four hex digits; pycaption skips shorter ones, as a line cut short ends with one.
_WORD = re.compile(r"[0-9A-Fa-f]{1,4}")
# A line of an SCC file whose header was lost: a timecode and nothing but code words.
SCC_LINE = re.compile(r"^\s*\d{2}:\d{2}:\d{2}[:;]\d{2}(?:[ \t]+[0-9A-Fa-f]{4})+[ \t]*$")

# pycaption's work grows with the codes of one caption faster than linearly (1,200 row codes on one
# row took 2.5 s; 100,000 characters on one line 2.3 s) and it deep-copies the caption memory at every
# display command (10,000 took 1.3 s). These caps keep any file near 2 s on a quiet machine. A feature
# film has some 60,000 code words and 3,000 display commands and row codes each; a caption of 15
# full rows some 300 words and 30 row codes. A command sent twice (as SCC sends them) counts once.
MAX_WORDS = 250_000
MAX_DISPLAY_COMMANDS = 8_000
MAX_ROW_CODES = 15_000
MAX_CAPTION_WORDS = 1_000
MAX_CAPTION_ROW_CODES = 32


def scc_read(text: str, context: ReadContext) -> list[Cue]:
    """Read SCC: pop-on, roll-up and paint-on captions, italics and underline, the row as the cue's line."""
    _words_checked(text)
    _codes_checked(text)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            captions = pycaption.SCCReader().read(_with_header(text), lang="und")
        except CaptionReadNoCaptions:
            return []
        except CaptionReadError as error:
            raise SubtitleError(
                gettext_noop("the SCC file could not be read: %(reason)s"), code="malformed", params={"reason": _reason(error)}
            ) from None
    cues = []
    for caption in captions.get_captions("und"):
        start, end = round(caption.start / 1000), round(caption.end / 1000)  # microseconds
        cue_checked(start, end, None)
        cues.append(Cue(start, end, _markup(caption.nodes), _settings(caption)))
        cue_count_check(len(cues))
    return cues


def _words_checked(text: str) -> None:
    words = text.count(" ") + text.count("\t")  # in C, before any loop: words are four hex digits between blanks
    if words > MAX_WORDS:
        raise SubtitleError(
            gettext_noop(
                "the SCC file has some %(count)s code words; SCC files may have at most %(limit)s "
                "(a feature film has some 60,000)."
            ),
            code="too_large",
            params={"count": f"{words:,}", "limit": f"{MAX_WORDS:,}"},
        )


def _codes_checked(text: str) -> None:
    """Every line after the header is a timecode and code words; say which one is not, or asks too much."""
    lines = text.split("\n")
    first = next(index for index, line in enumerate(lines) if line.strip())
    skip = first + 1 if lines[first].strip() == SCC_HEADER else first
    displays = row_codes = caption_words = caption_row_codes = 0
    previous = ""
    for number, line in enumerate(lines[skip:], skip + 1):
        stripped = line.strip()
        if not stripped:
            continue
        match = _LINE.match(stripped)
        if match is None:
            raise SubtitleError(
                gettext_noop("expected a line like %(example)s, found %(found)s."),
                code="malformed", line=number, params={"example": SCC_EXAMPLE, "found": repr(stripped[:80])},
            )
        for word in match.group(2).split():
            if not _WORD.fullmatch(word):
                raise SubtitleError(
                    gettext_noop("%(word)s is not an SCC code word (four hexadecimal digits, like 9420)."),
                    code="malformed", line=number, params={"word": repr(word[:20])},
                )
            caption_words += 1
            kind = _kind(word) if word != previous else ""  # the second of a doubled command repeats it
            previous = word
            if kind == "display":
                displays += 1
                caption_words = caption_row_codes = 0
            elif kind == "row":
                row_codes += 1
                caption_row_codes += 1
            _limits_checked(displays, row_codes, caption_words, caption_row_codes, number)


def _kind(word: str) -> str:
    """'display' for end of caption, erase displayed memory and carriage return; 'row' for a preamble address code."""
    if len(word) != 4:
        return ""
    value = int(word, 16)
    first, second = value >> 8 & 0x7F, value & 0x7F  # each byte less its parity bit
    if first in (0x14, 0x15, 0x1C, 0x1D) and second in (0x2C, 0x2D, 0x2F):
        return "display"
    if 0x10 <= first <= 0x1F and second >= 0x40:
        return "row"
    return ""


def _limits_checked(displays: int, row_codes: int, caption_words: int, caption_row_codes: int, line: int) -> None:
    if displays > MAX_DISPLAY_COMMANDS:
        raise SubtitleError(
            gettext_noop(
                "the SCC file has more than %(limit)s display commands (end of caption, erase, "
                "carriage return); SCC files may have at most that many."
            ),
            code="too_many_cues", line=line, params={"limit": f"{MAX_DISPLAY_COMMANDS:,}"},
        )
    if row_codes > MAX_ROW_CODES:
        raise SubtitleError(
            gettext_noop("the SCC file has more than %(limit)s row codes (PACs); SCC files may have at most that many."),
            code="too_many_tags", line=line, params={"limit": f"{MAX_ROW_CODES:,}"},
        )
    if caption_words > MAX_CAPTION_WORDS or caption_row_codes > MAX_CAPTION_ROW_CODES:
        raise SubtitleError(
            gettext_noop(
                "a caption has more than %(words)s code words or %(row_codes)s row codes "
                "(PACs) before it is shown; a caption of fifteen full rows has some 300 and 30."
            ),
            code="too_many_tags", line=line,
            params={"words": f"{MAX_CAPTION_WORDS:,}", "row_codes": MAX_CAPTION_ROW_CODES},
        )


def _with_header(text: str) -> str:
    """The text as pycaption reads it: from the header line, which it skips unread."""
    text = text.lstrip()
    return text if text.startswith(SCC_HEADER) else f"{SCC_HEADER}\n\n{text}"


def _reason(error: CaptionReadError) -> str:
    """pycaption's reason, on one line: where, and what is wrong."""
    return " ".join(str(error.args[0] if error.args else error).split())[:300]


def _markup(nodes: list[CaptionNode]) -> str:
    runs: list[tuple[str, bool, bool, bool]] = []
    italic = bold = underline = False
    for node in nodes:
        if node.type_ == CaptionNode.TEXT:
            runs.append((escape(node.content), italic, bold, underline))
        elif node.type_ == CaptionNode.BREAK:
            runs.append(("\n", italic, bold, underline))
        elif node.type_ == CaptionNode.STYLE and isinstance(node.content, dict):
            on = bool(node.start)
            italic = on if node.content.get("italics") else italic
            bold = on if node.content.get("bold") else bold
            underline = on if node.content.get("underline") else underline
    return styled_runs_to_vtt(runs)


def _settings(caption) -> str:
    """The caption's row as a WebVTT line; columns are left to the player (pycaption pads them with spaces)."""
    origin = getattr(caption.layout_info, "origin", None)
    y = getattr(origin, "y", None)
    if y is None or y.unit != UnitEnum.PERCENT or not 0 <= y.value <= 100:
        return ""
    return f"line:{y.value:.2f}".rstrip("0").rstrip(".") + "%,start"
