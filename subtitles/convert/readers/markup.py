"""Markup formats: TTML (and its DFXP/IMSC profiles) and SAMI."""

import html
import html.entities
import re
import xml.etree.ElementTree as ET

from ..cues import Cue, ReadContext, TrackInfo, cue_checked, cue_count_check
from ..cuetext import HTML_ELEMENTS, MAX_TAGS, escape, html_to_vtt, tag_count_check
from ..errors import SubtitleError, gettext_noop

_XML_NS = "{http://www.w3.org/XML/1998/namespace}"
_OFFSET_TIME = re.compile(r"^(\d+(?:\.\d+)?)(h|m|s|ms|f|t)$")
_CLOCK_TIME = re.compile(r"^(\d+):(\d{2}):(\d{2})(?:(\.\d+)|:(\d+)(?:\.\d+)?)?$")
_UNITS_MS = {"h": 3_600_000, "m": 60_000, "s": 1000, "ms": 1}
_TTML_P = re.compile(r"<(?:[\w.-]+:)?p[\s/>]")
# The tts: attributes that cues take from styles and regions; keeping only these keeps each
# element's style small (with all of them, 30,000 attributes on a style referenced 30,000 times took minutes).
_STYLE_KEYS = frozenset(
    {"fontStyle", "fontWeight", "textDecoration", "textAlign", "origin", "extent", "displayAlign"}
)


# What TTML in the wild has that XML refuses, repaired before parsing. HTML's named entities
# (&nbsp;, &eacute;: files exported from broadcast tools) come from Python's fixed HTML5 table,
# never from a DTD, so nothing is declared, expanded recursively or fetched.
_XML_ENTITIES = frozenset({"amp", "lt", "gt", "quot", "apos"})
_AMPERSAND = re.compile(r"&(?:(#[0-9]{1,7};|#[xX][0-9A-Fa-f]{1,6};)|([A-Za-z][A-Za-z0-9]{0,31});)?")
# A '<' that starts no tag, comment, declaration or processing instruction: text ("<< Andy's").
_STRAY_LT = re.compile(r"<(?![A-Za-z_:/!?])")
# Prefixes writers use without declaring them (pycaption's DFXP samples, Flash-era exports).
_TTML_PREFIXES = {
    "tts": "http://www.w3.org/ns/ttml#styling",
    "ttp": "http://www.w3.org/ns/ttml#parameter",
    "ttm": "http://www.w3.org/ns/ttml#metadata",
}
_ROOT_TAG = re.compile(r"<((?:[\w.-]+:)?tt)(?=[\s>/])")


def _ttml_repaired(text: str) -> str:
    """HTML entities as character references, stray '&' and '<' escaped, common prefixes declared."""
    text = _AMPERSAND.sub(_ampersand, text)
    text = _STRAY_LT.sub("&lt;", text)
    missing = [
        f' xmlns:{prefix}="{uri}"' for prefix, uri in _TTML_PREFIXES.items()
        if f"{prefix}:" in text and f"xmlns:{prefix}" not in text
    ]
    if missing:
        text = _ROOT_TAG.sub(lambda match: f"<{match.group(1)}{''.join(missing)}", text, count=1)
    return text


def _entities_checked(text: str) -> None:
    """Refuse a file of more entities than MAX_TAGS: decoding each costs a Python call (4 million '&' took 5 s)."""
    count = text.count("&")
    if count > MAX_TAGS:
        raise SubtitleError(
            gettext_noop("the file has %(count)s entities ('&' characters); subtitle files may have at most %(limit)s."),
            code="too_many_tags",
            params={"count": f"{count:,}", "limit": f"{MAX_TAGS:,}"},
        )


def _ampersand(match: re.Match) -> str:
    numeric, name = match.groups()
    if numeric:
        return match.group(0)
    if name is None:
        return "&amp;"  # "Fish & chips"
    if name in _XML_ENTITIES:
        return match.group(0)
    characters = html.entities.html5.get(f"{name};")
    if characters is None:
        return f"&amp;{name};"  # shown as written, as browsers show an unknown entity
    return "".join(f"&#{ord(character)};" for character in characters)


def _local(name: str) -> str:
    return name.rpartition("}")[2]


class _TTMLTiming:
    def __init__(self, root: ET.Element):
        params = {_local(key): value for key, value in root.attrib.items()}
        self.frame_rate = _number(params.get("frameRate"), 30.0)
        multiplier = params.get("frameRateMultiplier", "1 1").split()
        if len(multiplier) == 2 and _number(multiplier[0], 0) and _number(multiplier[1], 0):
            self.frame_rate *= _number(multiplier[0], 1) / _number(multiplier[1], 1)
        self.tick_rate = _number(params.get("tickRate"), 1.0 if "frameRate" not in params else self.frame_rate)
        if "tickRate" not in params and "frameRate" not in params:
            self.tick_rate = 1.0

    def ms(self, expression: str, line: int | None) -> int:
        try:
            return self._ms(expression.strip(), line)
        except SubtitleError:
            raise
        except (OverflowError, ValueError):  # 1e999s, a 5,000-digit hour, a frame rate of 1e-300
            raise SubtitleError(
                gettext_noop("the TTML time expression %(time)s is out of range."),
                code="malformed", line=line, params={"time": repr(expression.strip()[:30])},
            ) from None

    def _ms(self, expression: str, line: int | None) -> int:
        if match := _OFFSET_TIME.match(expression):
            value, unit = float(match.group(1)), match.group(2)
            if unit == "f":
                return round(value * 1000 / self.frame_rate)
            if unit == "t":
                return round(value * 1000 / self.tick_rate)
            return round(value * _UNITS_MS[unit])
        if match := _CLOCK_TIME.match(expression):
            hours, minutes, seconds, fraction, frames = match.groups()
            milliseconds = ((int(hours) * 60 + int(minutes)) * 60 + int(seconds)) * 1000
            if fraction:
                milliseconds += round(float(fraction) * 1000)
            if frames:
                milliseconds += round(int(frames) * 1000 / self.frame_rate)
            return milliseconds
        raise SubtitleError(
            gettext_noop(
                "unsupported TTML time expression %(time)s; expected e.g. '00:00:01.500', "
                "'00:00:01:12', '1.5s' or '15000000t'."
            ),
            code="malformed", line=line, params={"time": repr(expression[:30])},
        )


def _number(value, default: float) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return default
    return number if number > 0 else default


def ttml_read(text: str, context: ReadContext) -> list[Cue]:
    """Read TTML: begin/end/dur on body, div and p; italic, bold and underline styling; <br/>."""
    # Without a DOCTYPE there are no entities to expand (billion laughs) or to fetch (file:///etc/passwd),
    # whatever the expat underneath guards against. Searched in the whole file: a DOCTYPE may follow
    # any amount of comment.
    if re.search(r"<!ENTITY", text, re.IGNORECASE):
        raise SubtitleError(gettext_noop("TTML files with entity declarations are not accepted."), code="malformed")
    if re.search(r"<!DOCTYPE", text, re.IGNORECASE):
        raise SubtitleError(gettext_noop("TTML files with a DOCTYPE declaration are not accepted."), code="malformed")
    # Each <p> is a cue: count them before expat builds a tree of them all (a million took 5 s and 570 MB).
    cue_count_check(sum(1 for _ in _TTML_P.finditer(text)))
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)  # the encoding it names is already decoded
    _entities_checked(text)
    text = _ttml_repaired(text)
    _entities_checked(text)  # again: each stray '<' is now an entity
    parser = ET.XMLParser()
    try:
        parser.feed(text)
        root = parser.close()
    except ET.ParseError as exc:
        line, column = exc.position
        reason = re.sub(r": line \d+, column \d+$", "", str(exc))
        raise SubtitleError(
            gettext_noop("the TTML is not well-formed XML (%(reason)s at column %(column)s)."),
            code="malformed", line=line, params={"reason": reason, "column": column + 1},
        ) from None
    if _local(root.tag) != "tt":
        raise SubtitleError(
            gettext_noop("expected a TTML document (<tt>), found <%(tag)s>."), code="malformed", params={"tag": _local(root.tag)}
        )
    timing = _TTMLTiming(root)
    styles, regions = {}, {}
    for element in root.iter():
        name, identifier = _local(element.tag), element.get(f"{_XML_NS}id")
        if name == "style" and identifier:
            styles[identifier] = _own_style(element)
        elif name == "region" and identifier:
            regions[identifier] = _ttml_style(element, {}, styles)
    body = next((child for child in root if _local(child.tag) == "body"), None)
    cues: list[Cue] = []
    if body is not None:
        _ttml_walk(body, 0, None, {}, timing, styles, cues, regions)
    return cues


def _ttml_style(element: ET.Element, inherited: dict, styles: dict) -> dict:
    """The styling on an element: what it inherits, then the styles it references, then its own attributes."""
    style = dict(inherited)
    for reference in (element.get("style") or "").split():
        style.update(styles.get(reference, {}))
    style.update(_own_style(element))
    return style


def _own_style(element: ET.Element) -> dict:
    return {
        _local(key): value.strip()
        for key, value in element.attrib.items()
        if key.startswith("{") and "styling" in key and _local(key) in _STYLE_KEYS
    }


def _ttml_walk(element, parent_begin, parent_end, inherited, timing, styles, cues, regions, region=None) -> None:
    begin = parent_begin + timing.ms(element.get("begin", "0s"), None)
    end = parent_end
    if element.get("end") is not None:
        end = parent_begin + timing.ms(element.get("end"), None)
    elif element.get("dur") is not None:
        end = begin + timing.ms(element.get("dur"), None)
    style = _ttml_style(element, inherited, styles)
    region = regions.get(element.get("region", ""), region)
    if _local(element.tag) == "p":
        if end is None:
            raise SubtitleError(
                gettext_noop("a TTML <p> (starting %(start)ss) has no end or dur, so it has no end time."),
                code="malformed",
                params={"start": f"{begin / 1000:.3f}"},
            )
        cue_checked(begin, end, None)
        markup, _ = html_to_vtt(_ttml_inline(element, style, styles))
        cues.append(Cue(begin, end, markup, _ttml_settings(style, region)))
        cue_count_check(len(cues))
        return
    for child in element:
        if _local(child.tag) in ("div", "p", "body"):
            _ttml_walk(child, begin, end, style, timing, styles, cues, regions, region)


def _ttml_inline(element, style, styles, parent_flags=(False, False, False)) -> str:
    """HTML-ish text for a <p> or <span>, whitespace collapsed as XML default space handling does."""
    flags = _ttml_flags(style)
    parts = [_collapse(element.text)]
    for child in element:
        name = _local(child.tag)
        if name == "br":
            parts.append("<br>")
        elif name == "span":
            parts.append(_ttml_inline(child, _ttml_style(child, style, styles), styles, flags))
        parts.append(_collapse(child.tail))
    inner = "".join(parts)
    for flag, parent_flag, tag in zip(flags, parent_flags, "ibu"):
        if flag and not parent_flag and inner.strip():
            inner = f"<{tag}>{inner}</{tag}>"
    return inner


def _ttml_flags(style: dict) -> tuple[bool, bool, bool]:
    decoration = style.get("textDecoration", "")
    return (
        style.get("fontStyle") in ("italic", "oblique"),
        style.get("fontWeight") == "bold",
        "underline" in decoration and "noUnderline" not in decoration,
    )


def _collapse(text: str | None) -> str:
    # XML's white space only: a no-break space (&#160;, &nbsp;) is text.
    return escape(re.sub(r"[ \t\r\n]+", " ", text)) if text else ""


def _ttml_settings(style: dict, region: dict | None) -> str:
    settings = []
    if region is not None:
        # A region given in percent of the video places the cue's line; pixels and the rest are left out.
        origin = _percents(region.get("origin", ""))
        extent = _percents(region.get("extent", ""))
        display_align = region.get("displayAlign", "before")
        if origin:
            top = origin[1]
            height = extent[1] if extent else None
            if display_align == "after" and height is not None:
                settings.append(f"line:{_number_text(top + height)}%,end")
            elif display_align == "center" and height is not None:
                settings.append(f"line:{_number_text(top + height / 2)}%,center")
            else:
                settings.append(f"line:{_number_text(top)}%,start")
    align = style.get("textAlign")
    align_setting = {"left": "align:left", "start": "align:start", "right": "align:right", "end": "align:end"}
    if align in align_setting:
        settings.append(align_setting[align])
    return " ".join(settings)


def _percents(value: str) -> tuple[float, float] | None:
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)%\s+(\d+(?:\.\d+)?)%\s*", value)
    if match is None:
        return None
    x, y = float(match.group(1)), float(match.group(2))
    return (x, y) if 0 <= x <= 100 and 0 <= y <= 100 else None


def _number_text(value: float) -> str:
    return f"{min(100.0, max(0.0, value)):.2f}".rstrip("0").rstrip(".")


# A SAMI file's markup, read by hand: html.parser is quadratic on unclosed tags and comments
# (python/cpython#135462, CVE-2025-6069; "<a " 20,000 times took 30 s on Python 3.11.7) and
# raises AssertionError on "<![<![". A tag here ends at the first '>', quoted or not.
_SAMI_TAG = re.compile(r"<(/?)([A-Za-z][^\s/>]*)([^>]*)>")
_SAMI_ATTRIBUTE = re.compile(r"""([^\s/=>]+)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s>]*))?""")
_SAMI_RAW_TEXT = ("style", "script")  # their content is not markup and not shown
_SAMI_STYLING = ("i", "b", "u", "em", "strong")
_SAMI_STRUCTURE = frozenset({"sami", "sync"})  # SAMI's own elements, beside HTML's
# A class rule of the STYLE block: ".ENCC { Name: English; lang: en-US; }". "[^{}]", not "[^}]":
# an unclosed rule stops at the next '{' instead of scanning to the end for each of many.
_SAMI_CLASS_RULE = re.compile(r"\.([A-Za-z0-9_-]{1,64})\s{0,64}\{([^{}]*)\}")
_CSS_PROPERTY = re.compile(r"([A-Za-z-]{1,32})\s*:\s*([^;]*)")


class _SAMIParser:
    """Collect (start ms, class, HTML-ish text) for each <SYNC>; the text runs until the next SYNC."""

    def __init__(self):
        self.syncs: list[list] = []  # [start, line, {class: [text, ...]}]
        self.current_class = ""
        self.lasttag = ""
        self.styles: list[str] = []  # the content of each <STYLE>

    def feed(self, text: str) -> None:
        position, line, counted = 0, 1, 0
        last_close = text.rfind(">")  # no tag starts after it: each would scan to the end
        while (start := text.find("<", position)) != -1:
            self.handle_data(text[position:start])
            if start > last_close:
                self.handle_data(text[start:])
                return
            line += text.count("\n", counted, start)
            counted = start
            position = self._markup(text, start, line)
        self.handle_data(text[position:])

    def _markup(self, text: str, start: int, line: int) -> int:
        """Handle the markup at text[start] ('<', with a '>' after it); return where the text after it begins."""
        if match := _SAMI_TAG.match(text, start):
            closing, tag, attributes = match.group(1), match.group(2).lower(), match.group(3)
            if closing:
                if not self._foreign(tag, match.group(0)):
                    self.handle_endtag(tag)
                return match.end()
            if self._foreign(tag, match.group(0)):
                return match.end()
            self.lasttag = tag
            self.handle_starttag(tag, _sami_attributes(attributes), line)
            if tag not in _SAMI_RAW_TEXT:
                return match.end()
            end = re.compile(rf"</{tag}[\s/>]", re.IGNORECASE).search(text, match.end())
            if tag == "style":
                self.styles.append(text[match.end():end.start() if end else len(text)])
            return len(text) if end is None else end.end()
        if text.startswith("<!--", start):
            end = text.find("-->", start + 4)
            return len(text) if end == -1 else end + 3  # an unclosed comment runs to the end, as in browsers
        if text.startswith(("<!", "<?", "</"), start):  # a declaration, processing instruction or bogus end tag
            return text.find(">", start) + 1
        self.handle_data("<")
        return start + 1

    def _foreign(self, tag: str, raw: str) -> bool:
        """Pass a tag neither SAMI nor HTML knows on as it is, for html_to_vtt to tell text from markup."""
        if tag in HTML_ELEMENTS or tag in _SAMI_STRUCTURE:
            return False
        if self.syncs:
            self._append(raw)
        return True

    def handle_starttag(self, tag, attributes, line):
        if tag == "sync":
            value = attributes.get("start", "").strip()
            if not re.fullmatch(r"-?\d{1,12}", value):
                raise SubtitleError(
                    gettext_noop("SYNC Start %(start)s is not a time in milliseconds."),
                    code="malformed", line=line, params={"start": repr(value[:20])},
                )
            self.syncs.append([int(value), line, {}])
            cue_count_check(len(self.syncs), line)
            self.current_class = ""
        elif tag == "p":
            self.current_class = attributes.get("class", "").strip()
            if self.syncs and self.syncs[-1][2].get(self.current_class):
                self._append("<br>")  # a second paragraph of the language in this SYNC: a line of its own
        elif self.syncs and tag in ("br", *_SAMI_STYLING):
            self._append(f"<{tag}>")

    def handle_endtag(self, tag):
        if self.syncs and tag in _SAMI_STYLING:
            self._append(f"</{tag}>")

    def handle_data(self, data):
        if data and self.syncs and self.lasttag not in ("style", "title", "head"):
            # Entities are left for html_to_vtt to decode, once: "&amp;lt;" shows as "&lt;".
            self._append(re.sub(r"\s+", " ", data).replace("<", "&lt;").replace(">", "&gt;"))

    def _append(self, text):
        self.syncs[-1][2].setdefault(self.current_class, []).append(text)


def _sami_attributes(text: str) -> dict[str, str]:
    attributes = {}
    for match in _SAMI_ATTRIBUTE.finditer(text):
        value = match.group(2) or ""
        if value[:1] in ("'", '"'):
            value = value[1:-1]
        attributes.setdefault(match.group(1).lower(), html.unescape(value))
    return attributes


# Languages one file may bring, each a subtitle track of the video; real files have two to four.
MAX_SAMI_TRACKS = 16


def sami_read(text: str, context: ReadContext) -> list[Cue]:
    """Read SAMI; a file with several languages (P classes) gives one track per language."""
    tag_count_check(text)
    parser = _SAMIParser()
    parser.feed(text)
    syncs = [(start, line, {name: "".join(parts) for name, parts in texts.items()})
             for start, line, texts in parser.syncs]
    syncs.sort(key=lambda sync: sync[0])
    classes: dict[str, None] = {}
    for _start, _line, texts in syncs:
        for name, value in texts.items():
            if name not in classes and html_to_vtt(value)[0]:
                classes[name] = None
    if len(classes) <= 1:
        # One language: each SYNC shows until the next, whatever it holds.
        chosen = next(iter(classes), "")
        return _sami_cues([(start, line, texts.get(chosen, "")) for start, line, texts in syncs], "")
    if len(classes) > MAX_SAMI_TRACKS:
        context.warn(
            f"The SAMI file holds {len(classes):,} languages (P classes); the first {MAX_SAMI_TRACKS} were kept."
        )
        classes = dict.fromkeys(list(classes)[:MAX_SAMI_TRACKS])
    # Several: each language's SYNCs are its own timeline, a text showing until that language's next
    # SYNC (a blank one clears it), as pycaption reads them; another language's SYNC leaves it shown.
    declared = _sami_classes(parser.styles)
    context.tracks = {name: declared.get(name.lower(), TrackInfo(name=name)) for name in classes}
    timelines: dict[str, list[tuple[int, int, str]]] = {name: [] for name in classes}
    for start, line, texts in syncs:
        for name, value in texts.items():
            if name in timelines:
                timelines[name].append((start, line, value))
    cues = []
    for name, timeline in timelines.items():
        cues.extend(_sami_cues(timeline, name, counted=len(cues)))
    return cues


def _sami_cues(timeline: list[tuple[int, int, str]], track: str, counted: int = 0) -> list[Cue]:
    """A cue for each SYNC's text, until the next SYNC; the last gets a reading time (15 characters a second)."""
    cues = []
    for index, (start, line, value) in enumerate(timeline):
        markup, _ = html_to_vtt(value)
        if not markup:
            continue
        end = timeline[index + 1][0] if index + 1 < len(timeline) else start + 1000 + 67 * len(markup)
        if start < 0 or end <= start:
            continue
        cue_checked(start, end, line)
        cues.append(Cue(start, end, markup, line=line, track=track))
        cue_count_check(counted + len(cues), line)
    return cues


def _sami_classes(styles: list[str]) -> dict[str, TrackInfo]:
    """Each class of the STYLE blocks (lower case) with the language and name its rule gives."""
    classes = {}
    for style in styles:
        for match in _SAMI_CLASS_RULE.finditer(style):
            properties = {key.lower(): value.strip() for key, value in _CSS_PROPERTY.findall(match.group(2))}
            language = properties.get("lang", "")
            name = properties.get("name", "")
            if language or name:
                classes.setdefault(match.group(1).lower(), TrackInfo(language=language[:35], name=name[:100]))
    return classes
