"""Which subtitle format a text is, from its content (never from the file name)."""

import re

from .errors import SubtitleError, gettext_noop
from .readers.broadcast import SCC_HEADER, SCC_LINE
from .readers.framed import LRC_LINE, MICRODVD_LINE, MPL2_LINE, TMP_LINE
from .readers.timed import looks_like_arrow_timing, looks_like_sbv_timing

FORMAT_NAMES = {
    "srt": "SubRip (SRT)",
    "vtt": "WebVTT",
    "ass": "Advanced SubStation Alpha (ASS)",
    "ssa": "SubStation Alpha (SSA)",
    "sbv": "SubViewer (SBV)",
    "subviewer": "SubViewer 2",
    "ttml": "TTML/DFXP",
    "sami": "SAMI",
    "microdvd": "MicroDVD",
    "mpl2": "MPL2",
    "tmp": "TMP",
    "scc": "Scenarist Closed Captions (SCC)",
    "lrc": "LRC (lyrics)",
}

_SCAN_LINES = 400


def format_detect(text: str) -> str:
    """Return a key of FORMAT_NAMES, or raise SubtitleError naming the formats we read."""
    head = text.lstrip()
    if re.match(r"WEBVTT(?:[ \t\n]|$)", head):
        return "vtt"
    if head.startswith(SCC_HEADER):
        return "scc"
    start = head[:4096].lower()
    if re.search(r"^\s*\[(script info|v4\+? styles|events)\]", start, re.MULTILINE):
        if "[v4 styles]" in start or re.search(r"scripttype:\s*v4\.00\s*$", start, re.MULTILINE):
            return "ssa"
        return "ass"
    if head.startswith("<"):
        if "<sami" in start:
            return "sami"
        if re.search(r"<([\w.-]+:)?tt[\s>]", start):
            return "ttml"
        raise SubtitleError(
            gettext_noop("The file is XML or HTML but neither TTML (<tt>) nor SAMI (<SAMI>)."), code="unknown_format"
        )
    lines = [line for line in head.split("\n", _SCAN_LINES)[:_SCAN_LINES] if line.strip()]
    checks = (
        ("srt", looks_like_arrow_timing),
        ("sbv", looks_like_sbv_timing),
        ("microdvd", MICRODVD_LINE.match),
        ("mpl2", MPL2_LINE.match),
        ("scc", SCC_LINE.match),  # before TMP: '00:00:01:00 9420' would read as TMP's '00:00:01:' and text
        ("tmp", TMP_LINE.match),
        ("lrc", LRC_LINE.match),
    )
    for line in lines:
        for name, check in checks:
            if check(line):
                if name == "sbv" and "[information]" in start:
                    return "subviewer"
                return name
    raise SubtitleError(
        gettext_noop("Unrecognised subtitle format. Supported formats: %(formats)s."),
        code="unknown_format",
        params={"formats": ", ".join(dict.fromkeys(FORMAT_NAMES.values()))},
    )
