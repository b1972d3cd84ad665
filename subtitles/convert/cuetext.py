"""Cue text: HTML-ish and ASS-styled text in, WebVTT cue markup (and cue settings) out."""

import html
import re
from dataclasses import dataclass

from .errors import SubtitleError, gettext_noop

# Tags WebVTT understands, and what the HTML-ish tags of other formats become.
_TAG_MAP = {
    "i": "i", "em": "i", "b": "b", "strong": "b", "u": "u", "ins": "u",
    "c": "c", "v": "v", "lang": "lang", "ruby": "ruby", "rt": "rt",
}
_ANNOTATED = {"v", "lang"}

# HTML's element names (the living standard's and the obsolete ones subtitle writers still use):
# such a tag is markup, dropped with its text kept even when it is never closed (<font color=red>).
# Any other name in angle brackets is markup only when a closing tag pairs it, as VLC and
# MPC-HC read SRT (pysrt's capability_tester.srt); otherwise it is text, like the SDH cue
# "<LAUGHING & WHOOPS!>".
HTML_ELEMENTS = frozenset("""
    a abbr acronym address applet area article aside audio b base basefont bdi bdo big blink blockquote
    body br button canvas caption center cite code col colgroup data datalist dd del details dfn dialog
    dir div dl dt em embed fieldset figcaption figure font footer form frame frameset h1 h2 h3 h4 h5 h6
    head header hgroup hr html i iframe img input ins kbd label legend li link main map mark marquee menu
    meta meter nav nobr noframes noscript object ol optgroup option output p param picture pre progress q
    rb rp rt rtc ruby s samp script search section select slot small source span strike strong style sub
    summary sup table tbody td template textarea tfoot th thead time title tr track tt u ul var video wbr
""".split())

# A tag name as HTML reads it: writers use underscores, hyphens and prefixes (<invalid_tag>, <o:p>).
_TAG = re.compile(
    r"<(?P<close>/?)(?P<name>[A-Za-z][A-Za-z0-9_:-]*)(?P<classes>(?:\.[^\s.<>/]+)*)"
    r"(?P<annotation>\s[^<>]*)?/?\s*>"
)
_TIMESTAMP_TAG = re.compile(r"<(\d+:)?(\d{2}):(\d{2})\.(\d{3})>")
_ASS_BLOCK = re.compile(r"\{\\[^{}]*\}")
_ASS_ALIGN = re.compile(r"\\an([1-9])")
_ASS_LEGACY_ALIGN = re.compile(r"\\a(\d{1,2})(?![a-z0-9])")
_ASS_POS = re.compile(r"\\pos\(\s*(-?[\d.]+)\s*,\s*(-?[\d.]+)\s*\)")
_ASS_STYLE = re.compile(r"\\([ibu])(\d+)?(?![a-z])")
_CLASS_OK = re.compile(r"^[A-Za-z0-9_-]+$")
# A tag of tidy()'s markup: an opening one as group 1 ("i" of <i.loud>, "v" of <v Bob>), a closing one as group 2.
_MARKUP_TAG = re.compile(r"<(?:([a-z]+)(?:\.[^\s<>]*)?(?: [^<>]*)?|/([a-z]+))>")
_LANG_OK = re.compile(r"^[A-Za-z0-9-]{1,35}$")

# Tags open at once in a cue, past which more opening tags are dropped (their text kept). Real cues
# nest three or four; the cap keeps a hostile cue's closing tags from each searching a deep stack
# (100,000 nested tags took minutes) and players from building DOM trees that deep.
MAX_TAG_DEPTH = 32

# Tags a file's cue text may hold, counted as the characters that open them ('<' and '{', and '|'
# for MicroDVD's line breaks). Each costs microseconds in Python: 5 MiB of "<i>" (1.7 million) took
# 8 s. A film has a few thousand; word-timed captions (three tags a word) reach this after 7 hours.
MAX_TAGS = 200_000

# SSA's legacy \a numbers: 1-3 bottom, 5-7 top, 9-11 middle; ASS numpad order is what we keep.
_LEGACY_ALIGN = {1: 1, 2: 2, 3: 3, 5: 7, 6: 8, 7: 9, 9: 4, 10: 5, 11: 6}


@dataclass
class Placement:
    """Where a cue sits: an ASS numpad alignment (1-9) and, optionally, an exact point in percent."""

    alignment: int = 2
    x: float | None = None
    y: float | None = None

    def settings(self) -> str:
        """WebVTT cue settings for this placement ('' for the default: bottom centre)."""
        column = (self.alignment - 1) % 3  # 0 left, 1 centre, 2 right
        row = (self.alignment - 1) // 3  # 0 bottom, 1 middle, 2 top
        align = ("left", "center", "right")[column]
        parts = []
        if self.x is not None and self.y is not None:
            parts.append(f"line:{_percent(self.y)},{('end', 'center', 'start')[row]}")
            parts.append(f"position:{_percent(self.x)},{('line-left', 'center', 'line-right')[column]}")
        else:
            if row == 2:
                parts.append("line:0")
            elif row == 1:
                parts.append("line:50%,center")
            if column == 0:
                parts.append("position:5%,line-left")
            elif column == 2:
                parts.append("position:95%,line-right")
        if column != 1:
            parts.append(f"align:{align}")
        return " ".join(parts)


def _percent(value: float) -> str:
    value = min(100.0, max(0.0, value))
    return f"{value:.2f}".rstrip("0").rstrip(".") + "%"


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def ass_placement(override_blocks: str, default: Placement, play_res: tuple[int, int]) -> Placement:
    """The placement that ASS override tags (\\an, \\a, \\pos) give, over a style's default."""
    placement = Placement(default.alignment)
    if match := _ASS_ALIGN.search(override_blocks):
        placement.alignment = int(match.group(1))
    elif (match := _ASS_LEGACY_ALIGN.search(override_blocks)) and int(match.group(1)) in _LEGACY_ALIGN:
        placement.alignment = _LEGACY_ALIGN[int(match.group(1))]
    if match := _ASS_POS.search(override_blocks):
        try:
            x, y = float(match.group(1)), float(match.group(2))
        except ValueError:
            return placement
        width, height = play_res
        placement.x, placement.y = x * 100 / width, y * 100 / height
    return placement


def tag_count_check(text: str, marks: str = "<{") -> None:
    """Raise for a file whose cue text would hold more than MAX_TAGS tags; counted in C, before reading."""
    count = sum(text.count(mark) for mark in marks)
    if count > MAX_TAGS:
        shown = " or ".join(f"'{mark}'" for mark in marks)
        raise SubtitleError(
            gettext_noop("the file has %(count)s tags (%(shown)s characters); subtitle files may have at most %(limit)s."),
            code="too_many_tags",
            params={"count": f"{count:,}", "shown": shown, "limit": f"{MAX_TAGS:,}"},
        )


def html_to_vtt(text: str, *, allow_timestamps: bool = False) -> tuple[str, str]:
    """Sanitise HTML-ish cue text to WebVTT markup; return (markup, settings from {\\anN} tags).

    Tags WebVTT lacks are dropped with their text kept, stray closing tags are dropped and
    open ones closed, entities are decoded and the text re-escaped. ASS override blocks that
    SRT files often carry ({\\an8}, {\\i1}) become placement and styling.
    """
    blocks = "".join(_ASS_BLOCK.findall(text))
    placement = ass_placement(blocks, Placement(), (384, 288)) if blocks else Placement()
    text = _ASS_BLOCK.sub(_ass_block_as_tags, text).strip()
    out: list[str] = []
    stack: list[str] = []
    position = 0
    matches = list(re.finditer(r"<[^<>]*>", text))
    paired = _paired_foreign_tags(matches)
    for index, match in enumerate(matches):
        out.append(_text(text[position:match.start()]))
        position = match.end()
        out.append(_tag(match.group(0), stack, allow_timestamps, index in paired))
    out.append(_text(text[position:]))
    out.extend(f"</{name}>" for name in reversed(stack))
    return tidy("".join(out)), placement.settings() if blocks else ""


def _ass_block_as_tags(match: re.Match) -> str:
    tags = []
    for name, value in _ASS_STYLE.findall(match.group(0)):
        on = value not in ("", "0") if name == "b" else value == "1"
        tags.append(f"<{name}>" if on else f"</{name}>")
    return "".join(tags)


def _text(chunk: str) -> str:
    return escape(html.unescape(chunk))


def _foreign_name(raw: str) -> tuple[str, bool] | None:
    """(name, is closing) of a tag whose name neither WebVTT nor HTML knows; None for any other text."""
    match = _TAG.fullmatch(raw)
    if match is None:
        return None
    name = match.group("name").lower()
    if name in _TAG_MAP or name in HTML_ELEMENTS:
        return None
    return name, bool(match.group("close"))


def _paired_foreign_tags(matches: list[re.Match]) -> set[int]:
    """Indexes of the foreign tags that a closing tag of the same name pairs, nearest first."""
    paired: set[int] = set()
    open_by_name: dict[str, list[int]] = {}
    for index, match in enumerate(matches):
        foreign = _foreign_name(match.group(0))
        if foreign is None:
            continue
        name, closing = foreign
        if not closing:
            open_by_name.setdefault(name, []).append(index)
        elif open_by_name.get(name):
            paired.update((open_by_name[name].pop(), index))
    return paired


def _tag(raw: str, stack: list[str], allow_timestamps: bool, paired: bool) -> str:
    if _TIMESTAMP_TAG.fullmatch(raw):
        return raw if allow_timestamps else ""
    match = _TAG.fullmatch(raw)
    if match is None:
        return escape(raw)  # "<3", "a < b >": text, not markup
    name = match.group("name").lower()
    if name == "br":
        return "\n"
    vtt_name = _TAG_MAP.get(name)
    if vtt_name is None:
        return "" if paired or name in HTML_ELEMENTS else escape(raw)
    if match.group("close"):
        if vtt_name not in stack:
            return ""
        closing = []
        while stack:
            top = stack.pop()
            closing.append(f"</{top}>")
            if top == vtt_name:
                break
        return "".join(closing)
    classes = "".join(
        f".{name}" for name in match.group("classes").split(".")[1:] if _CLASS_OK.match(name)
    )
    annotation = (match.group("annotation") or "").strip()
    if len(stack) >= MAX_TAG_DEPTH:
        return ""
    stack.append(vtt_name)
    if vtt_name == "v":
        return f"<v{classes} {escape(html.unescape(annotation))}>" if annotation else f"<v{classes}>"
    if vtt_name == "lang":
        if not _LANG_OK.match(annotation):
            stack.pop()
            return ""
        return f"<lang{classes} {annotation}>"
    return f"<{vtt_name}{classes}>"


def tidy(markup: str) -> str:
    """Trim each line, drop blank lines (a blank line would end the cue) and empty tag pairs."""
    markup = _ASS_BLOCK.sub("", markup)  # leftover override blocks would be read as tags next time
    lines = [line.strip() for line in markup.replace("\r", "\n").split("\n")]
    markup = "\n".join(line for line in lines if line)
    return _empty_pairs_dropped(markup).strip()


def _empty_pairs_dropped(markup: str) -> str:
    """Drop tag pairs with nothing between them, nested ones too (<i><b></b></i>), in one pass."""
    out: list[str] = []
    opened: list[tuple[int, str]] = []  # (index in out, name) of opening tags with only empty pairs after them
    position = 0
    for match in _MARKUP_TAG.finditer(markup):
        if match.start() > position:
            out.append(markup[position:match.start()])
            opened.clear()  # text: nothing before it is empty any more
        position = match.end()
        opening, closing = match.groups()
        if closing and opened and opened[-1][1] == closing:
            del out[opened.pop()[0]:]
            continue
        if opening:
            opened.append((len(out), opening))
        else:
            opened.clear()
        out.append(match.group(0))
    out.append(markup[position:])
    return "".join(out)


def is_blank(markup: str) -> bool:
    """True when the cue has nothing to show: no text once tags and whitespace are gone."""
    return not re.sub(r"<[^>]*>|&nbsp;|\s", "", markup).replace("\xa0", "")


def styled_runs_to_vtt(runs: list[tuple[str, bool, bool, bool]]) -> str:
    """WebVTT markup from text runs, each with (italic, bold, underline) flags; text already escaped."""
    out: list[str] = []
    stack: list[str] = []
    for text, *flags in runs:
        if not text:
            continue
        wanted = [name for flag, name in zip(flags, "ibu") if flag]
        # Close down to the longest still-wanted prefix of the open tags, then open what is missing.
        keep = 0
        while keep < len(stack) and stack[keep] in wanted:
            keep += 1
        while len(stack) > keep:
            out.append(f"</{stack.pop()}>")
        for name in wanted:
            if name not in stack:
                stack.append(name)
                out.append(f"<{name}>")
        out.append(text)
    out.extend(f"</{name}>" for name in reversed(stack))
    return tidy("".join(out))
