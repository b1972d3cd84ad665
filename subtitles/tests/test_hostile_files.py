"""Files made to attack the converter: refused with a SubtitleError, or converted, in bounded time and memory.

Entity expansion and external entities in TTML, a DOCTYPE at all, XML nested thousands deep, a
100 MB line, a million cues, tags nested a hundred thousand deep, SCC that asks pycaption for
hours of work, and inputs built against each reader's regular expressions and loops. Each took seconds to minutes, or gigabytes, before the
limits in subtitles/convert (MAX_CUES, MAX_TAGS, MAX_TAG_DEPTH) and the linear rewrites; the
bounds here are loose on purpose (a shared two-core machine), not benchmarks.
"""

import sys
import time
import tracemalloc

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from subtitles.convert import (
    DEFAULT_MAX_BYTES,
    MAX_CUES,
    SubtitleError,
    subtitle_convert,
)
from subtitles.convert import cues as cues_module
from subtitles.convert.cuetext import MAX_TAG_DEPTH, MAX_TAGS
from subtitles.models import Subtitle

from .conftest import make_video
from .corpus import ASS_HEADER

SECONDS = 5  # per file; each takes well under a second on an idle machine
SRT_CUE = "1\n00:00:01,000 --> 00:00:02,000\n"
TT_OPEN = '<tt xmlns="http://www.w3.org/ns/ttml"><body><div>'
TT_CLOSE = "</div></body></tt>"
TT_CUE = '<p begin="1s" end="2s">Hi</p>'


def _convert(data: bytes, *, measure_memory: bool = False, **kwargs):
    """Convert or refuse within SECONDS; return (Conversion or SubtitleError, peak MiB allocated or None)."""
    if measure_memory:
        tracemalloc.start()
    started = time.perf_counter()
    try:
        outcome = subtitle_convert(data=data, fps=25, **kwargs)
    except SubtitleError as error:
        outcome = error
    finally:
        elapsed = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1] / 2**20 if measure_memory else None
        if measure_memory:
            tracemalloc.stop()
    assert elapsed < SECONDS, f"took {elapsed:.1f} s"
    return outcome, peak


def _refused(data: bytes, code: str, **kwargs) -> SubtitleError:
    outcome, _ = _convert(data, **kwargs)
    assert isinstance(outcome, SubtitleError), "accepted"
    assert outcome.code == code, str(outcome)
    return outcome


def _accepted(data: bytes, **kwargs):
    outcome, _ = _convert(data, **kwargs)
    assert not isinstance(outcome, SubtitleError), str(outcome)
    assert outcome.vtt.startswith("WEBVTT\n\n")
    return outcome


def _no_reader_crash(caplog) -> None:
    """The refusal came from a reader's own check, not from the net for reader bugs."""
    assert not [record for record in caplog.records if "failed" in record.getMessage()]


# --- TTML: entities and DOCTYPE ------------------------------------------------------------------

def _laughs(levels: int = 10) -> str:
    entities = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{level} "{f"&lol{level - 1};" * 10}">' for level in range(1, levels)
    ]
    return "".join(entities)


def _ttml_with_doctype(subset: str, body: str = TT_CUE, *, padding: int = 0) -> bytes:
    # A comment before the DOCTYPE may hold "<tt>" (detection sees TTML) and push the declarations
    # past any check that reads only the first few kilobytes.
    head = f'<?xml version="1.0"?><!-- <tt> {"x" * padding} -->'
    return f"{head}<!DOCTYPE tt [{subset}]>{TT_OPEN}{body}{TT_CLOSE}".encode()


@pytest.mark.parametrize("padding", [0, 20_000])
def test_billion_laughs_is_refused_before_parsing(padding):
    data = _ttml_with_doctype(_laughs(), '<p begin="1s" end="2s">&lol9;</p>', padding=padding)
    outcome, peak = _convert(data, measure_memory=True)
    assert isinstance(outcome, SubtitleError) and outcome.code == "malformed"
    assert str(outcome) == "TTML files with entity declarations are not accepted."
    assert peak < 20  # MiB; expanded, it would be 3 GB of "lol"


def test_quadratic_blowup_is_refused():
    data = _ttml_with_doctype(f'<!ENTITY a "{"A" * 100_000}">', f'<p begin="1s" end="2s">{"&a;" * 40_000}</p>')
    assert "entity declarations" in str(_refused(data, "malformed"))


@pytest.fixture
def open_calls():
    """Paths opened (Python's 'open' audit event) while the test runs."""
    opened: list[str] = []
    _OPEN_WATCHERS.append(opened)
    yield opened
    _OPEN_WATCHERS.remove(opened)


_OPEN_WATCHERS: list[list[str]] = []


def _audit(event, args):
    if event == "open" and _OPEN_WATCHERS:
        for watcher in _OPEN_WATCHERS:
            watcher.append(str(args[0]))


sys.addaudithook(_audit)  # hooks cannot be removed; this one is idle outside open_calls


@pytest.mark.parametrize(
    ("subset", "body"),
    [
        ('<!ENTITY x SYSTEM "file://{path}">', '<p begin="1s" end="2s">&x;</p>'),
        ('<!ENTITY % x SYSTEM "file://{path}"> %x;', TT_CUE),
        ('<!ENTITY x PUBLIC "-//x//y" "file://{path}">', '<p begin="1s" end="2s">&x;</p>'),
    ],
    ids=["general", "parameter", "public"],
)
@pytest.mark.parametrize("target", ["/etc/passwd", "canary"])
def test_external_entities_are_refused_unread(tmp_path, open_calls, subset, body, target):
    path = tmp_path / "secret.txt"
    path.write_text("CANARY-8d1f secret\n")
    open_calls.clear()  # the write above
    target_path = str(path) if target == "canary" else target
    data = _ttml_with_doctype(subset.format(path=target_path), body, padding=20_000)
    error = _refused(data, "malformed")
    assert str(error) == "TTML files with entity declarations are not accepted."
    assert target_path not in open_calls
    assert "CANARY" not in str(error) and "root:" not in str(error)


@pytest.mark.parametrize(
    "doctype",
    ["<!DOCTYPE tt>", '<!DOCTYPE tt SYSTEM "file:///etc/passwd">',
     '<!DOCTYPE tt PUBLIC "-//W3C//DTD TTML 1.0//EN" "http://www.w3.org/ns/ttml/ttml.dtd">'],
)
def test_any_doctype_is_refused(open_calls, doctype):
    data = f'<?xml version="1.0"?>{doctype}{TT_OPEN}{TT_CUE}{TT_CLOSE}'.encode()
    error = _refused(data, "malformed")
    assert str(error) == "TTML files with a DOCTYPE declaration are not accepted."
    assert "/etc/passwd" not in open_calls


def test_html_entities_are_read_from_a_fixed_table_without_a_doctype(open_calls):
    data = (TT_OPEN + '<p begin="1s" end="2s">&nbsp;Caf&eacute; &amp; &lol9; &#x1F600;</p>' + TT_CLOSE).encode()
    assert [cue.text for cue in _accepted(data).cues] == ["Café &amp; &amp;lol9; \U0001F600"]
    assert not [path for path in open_calls if "dtd" in path.lower() or "entit" in path.lower()]


@pytest.mark.parametrize("text", ["&nbsp;" * 200_001, "&" * 4_000_000, "< " * 1_000_000])
def test_ttml_of_too_many_entities_is_refused_before_parsing(text):
    data = (TT_OPEN + '<p begin="1s" end="2s">' + text + "</p>" + TT_CLOSE).encode()
    error = _refused(data, "too_many_tags")
    assert str(error).endswith(f"entities ('&' characters); subtitle files may have at most {MAX_TAGS:,}.")


# --- TTML: depth and breadth ---------------------------------------------------------------------

@pytest.mark.parametrize(
    "data",
    [
        (TT_OPEN + "<div>" * 100_000 + TT_CUE + "</div>" * 100_000 + TT_CLOSE).encode(),
        (TT_OPEN + '<p begin="1s" end="2s">' + "<span>" * 100_000 + "Hi" + "</span>" * 100_000 + "</p>"
         + TT_CLOSE).encode(),
    ],
    ids=["divs", "spans"],
)
def test_ttml_nested_thousands_deep_is_refused(data):
    assert str(_refused(data, "invalid")) == "The TTML/DFXP file is nested too deeply to read."


def test_ttml_with_deep_foreign_elements_still_converts():
    data = (TT_OPEN + TT_CUE + "<x>" * 150_000 + "</x>" * 150_000 + TT_CLOSE).encode()
    assert [cue.text for cue in _accepted(data).cues] == ["Hi"]


def test_ttml_styles_with_many_attributes_and_references_convert():
    attributes = " ".join(f'tts:a{index}="x"' for index in range(50_000))
    data = (
        '<tt xmlns="http://www.w3.org/ns/ttml" xmlns:tts="http://www.w3.org/ns/ttml#styling"><head><styling>'
        f'<style xml:id="s" tts:fontStyle="italic" {attributes}/></styling></head><body><div>'
        f'<p begin="1s" end="2s" style="{"s " * 50_000}">Hi</p>' + TT_CLOSE
    ).encode()
    assert [cue.text for cue in _accepted(data).cues] == ["<i>Hi</i>"]


@pytest.mark.parametrize(
    "time_expression", ["1" + "0" * 400 + "s", "1e999s", "9" * 5000 + ":00:00", "99999999999999f"]
)
def test_ttml_times_out_of_range_are_a_clear_refusal(caplog, time_expression):
    data = (TT_OPEN + f'<p begin="{time_expression}" end="1e999s">Hi</p>' + TT_CLOSE).encode()
    data = data.replace(b"<tt ", b'<tt xmlns:ttp="http://www.w3.org/ns/ttml#parameter" ttp:frameRate="1e-300" ', 1)
    error = str(_refused(data, "malformed"))
    assert error.endswith("is out of range.") or error.startswith("Unsupported TTML time expression"), error
    _no_reader_crash(caplog)


# --- Size -----------------------------------------------------------------------------------------

def test_a_100_mb_line_is_refused_for_its_size_at_once():
    data = SRT_CUE.encode() + b"a" * 100_000_000 + b"\n"
    outcome, peak = _convert(data, measure_memory=True)
    assert isinstance(outcome, SubtitleError) and outcome.code == "too_large"
    assert str(outcome) == "The file is 95.4 MiB; subtitle files may be at most 5.0 MiB."
    assert peak < 5  # MiB: not a copy of the file


@pytest.mark.parametrize(
    ("data", "format_"),
    [
        ((SRT_CUE + "a" * 4_000_000 + "\n").encode(), "srt"),
        (("WEBVTT\n\n00:01.000 --> 00:02.000\n" + "word " * 800_000 + "\n").encode(), "vtt"),
        ((TT_OPEN + ('<p begin="1s" end="2s">' + "word " * 30 + "</p>") * 22_000 + TT_CLOSE).encode(), "ttml"),
    ],
    ids=["srt", "vtt", "ttml"],
)
def test_a_4_mb_line_under_the_limit_converts_fast(data, format_):
    assert len(data) <= DEFAULT_MAX_BYTES and data.count(b"\n") <= 4
    assert _accepted(data).format == format_


def test_a_4_mb_line_of_no_format_is_refused_fast():
    _refused(b"a" * 4_000_000, "unknown_format")


# --- Cue count ------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "cue",
    ["{index}\n00:00:01,000 --> 00:00:02,000\nx\n\n", "00:00:01,000 --> 00:00:02,000\nx\n"],
    ids=["numbered", "bare"],
)
def test_a_million_tiny_srt_cues_are_refused_for_their_number(cue):
    data = "".join(cue.format(index=index) for index in range(1_000_000)).encode()
    outcome, peak = _convert(data, max_bytes=64 * 2**20, measure_memory=True)
    assert isinstance(outcome, SubtitleError) and outcome.code == "too_many_cues"
    assert str(outcome) == "The file has more than 100,000 cues; subtitle files may have at most 100,000."
    assert peak < 8 * len(data) / 2**20  # a few copies of the text, not a list of a million cues


@pytest.mark.parametrize(
    ("name", "header", "cue"),
    [
        ("srt", "", "{index}\n00:00:01,000 --> 00:00:02,000\nx\n\n"),
        ("vtt", "WEBVTT\n\n", "00:01.000 --> 00:02.000\nx\n\n"),
        ("sbv", "", "0:00:01.000,0:00:02.000\nx\n\n"),
        ("ass", ASS_HEADER, "Dialogue: 0,0:00:01.00,0:00:02.00,Default,,0,0,0,,x\n"),
        ("ttml", TT_OPEN, '<p begin="1s" end="2s">x</p>'),
        ("sami", "<SAMI><BODY>", "<SYNC Start={index}><P>x\n"),
        ("microdvd", "{1}{1}25\n", "{{25}}{{50}}x\n"),
        ("mpl2", "", "[10][20]x\n"),
        ("tmp", "", "00:00:01:x\n"),
    ],
)
def test_each_format_takes_up_to_max_cues_and_refuses_one_more(monkeypatch, name, header, cue):
    monkeypatch.setattr(cues_module, "MAX_CUES", 300)
    footer = TT_CLOSE if name == "ttml" else "</BODY></SAMI>" if name == "sami" else ""

    def file_of(count: int) -> bytes:
        return (header + "".join(cue.format(index=index + 1) for index in range(count)) + footer).encode()

    assert _accepted(file_of(300)).format == name
    error = _refused(file_of(301), "too_many_cues")
    assert str(error).endswith("he file has more than 300 cues; subtitle files may have at most 300.")


def test_scc_takes_up_to_max_cues_and_refuses_one_more(monkeypatch):
    monkeypatch.setattr(cues_module, "MAX_CUES", 300)
    assert _accepted(_scc_captions(300)).format == "scc"
    assert str(_refused(_scc_captions(301), "too_many_cues")) == (
        "The file has more than 300 cues; subtitle files may have at most 300."
    )


def test_the_cue_limit_is_generous():
    assert MAX_CUES == 100_000


# --- Markup in cue text ---------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("header", "opening", "closing"),
    [(SRT_CUE, "<i>", "</i>"), ("WEBVTT\n\n00:01.000 --> 00:02.000\n", "<c.loud>", "</c>"),
     (SRT_CUE, "<b><font color=red>", "</font></b>")],
    ids=["srt", "vtt", "srt-mixed"],
)
def test_tags_nested_tens_of_thousands_deep_convert_with_the_depth_capped(header, opening, closing):
    depth = 20_000  # sanitising took minutes at 100,000 before the cap
    vtt_tag = opening[1:2]
    data = (header + opening * depth + "deep" + closing * depth + "\n").encode()
    cue = _accepted(data).cues[0]
    assert cue.text.count(f"<{vtt_tag}") == MAX_TAG_DEPTH and cue.text.count("deep") == 1


@pytest.mark.parametrize(
    "text",
    ["<i>" * 60_000 + "</i>" * 60_000 + "x",  # empty pairs nested: dropping them took 7 s at 10,000
     "<i>" * 90_000 + "</b>" * 90_000 + "x",  # stray closing tags, each once searched the whole stack
     "<i><b><u>" * 30_000 + "x",  # never closed
     "{\\i1}{\\b1}" * 40_000 + "x"],  # ASS override blocks in an SRT
    ids=["empty-pairs", "stray-closing", "unclosed", "ass-blocks"],
)
def test_pathological_markup_under_the_tag_limit_converts(text):
    assert "x" in _accepted((SRT_CUE + text + "\n").encode()).vtt


@pytest.mark.parametrize(
    "data",
    [(SRT_CUE + "<i>" * 1_700_000 + "\n").encode(),
     (SRT_CUE + "<" * 4_000_000 + "\n").encode(),
     ("<SAMI><BODY><SYNC Start=1000><P>" + "<a " * 1_500_000 + "</BODY></SAMI>").encode(),
     ("{1}{1}25\n{25}{50}" + "|" * 4_000_000 + "\n").encode()],
    ids=["srt-tags", "srt-angle-brackets", "sami-unclosed-tags", "microdvd-line-breaks"],
)
def test_a_file_of_nothing_but_tags_is_refused_for_their_number(data):
    error = _refused(data, "too_many_tags")
    assert str(error).startswith("The file has ")
    assert str(error).endswith(f"subtitle files may have at most {MAX_TAGS:,}.")


# --- Regular expressions and loops of the readers, against inputs built for them -------------------

PATHOLOGICAL = {
    # SBV timing-like: "\d+[\d:.]*" split a run of digits every way (100,000 digits: over 30 s).
    "sbv-digits": "0:00:01.000,0:00:02.000\nx\n\n1:" + "1" * 1_000_000 + "\n",
    "sbv-first-line-digits": "1:" + "1" * 1_000_000 + "\n",
    "sbv-typo-words": "0:00:01.000,0:00:02.000\nx\n\n1:" + "a:" * 1_000_000 + "\n",
    # MicroDVD control codes: an unclosed "{y:" scanned to the end of the line (10,000: 2 s).
    "microdvd-unclosed-controls": "{1}{1}25\n{1}{50}" + "{y:" * 1_000_000 + "\n",
    "microdvd-long-numbers": "{1}{1}25\n{" + "1" * 2_000_000 + "}{" + "2" * 2_000_000 + "}x\n",
    # ASS: unclosed braces (100,000: 8 s) and pysubs2's parse_tags, quadratic in blocks (8,000: 19 s).
    "ass-unclosed-braces": ASS_HEADER + "Dialogue: 0,0:00:01.00,0:00:02.00,Default,,0,0,0,," + "{" * 2_000_000 + "\n",
    "ass-many-blocks": ASS_HEADER + "Dialogue: 0,0:00:01.00,0:00:02.00,Default,,0,0,0,,"
    + "{\\i1}a{\\i0}b" * 60_000 + "\n",
    "ass-long-block": ASS_HEADER + "Dialogue: 0,0:00:01.00,0:00:02.00,Default,,0,0,0,,{" + "\\i1" * 1_000_000 + "}x\n",
    "ass-pos": SRT_CUE + "{\\pos(" + " " * 1_000_000 + "1" * 1_000_000 + "}x\n",
    # SRT/WebVTT timing lines and their settings.
    "srt-arrow-spaces": "1\n00:00:01,000" + " " * 2_000_000 + "-->" + " " * 2_000_000 + "\n",
    "srt-digit-spaces": SRT_CUE + "1 " * 1_000_000 + "\n",
    "srt-dashes": SRT_CUE + "1-" * 1_000_000 + "\n",
    "srt-tag-spaces": SRT_CUE + "<v" + " " * 1_000_000 + "/ x\n",
    "srt-tag-classes": SRT_CUE + "<i" + "." * 1_000_000 + "x>\n",
    "vtt-settings": "WEBVTT\n\n00:01.000 --> 00:02.000 line:" + "1" * 1_000_000 + "% " + "x" * 1_000_000 + "\nhi\n",
    "vtt-header": "WEBVTT " + "x" * 4_000_000 + "\n\n00:01.000 --> 00:02.000\nhi\n",
    "vtt-stray-blocks": "WEBVTT\n\n" + "stray\n\n" * 300_000 + "00:01.000 --> 00:02.000\nhi\n",
    "srt-many-lines": SRT_CUE + "x\n\n" * 500_000,
    # SAMI: html.parser was quadratic on unclosed tags and comments ("<a " 20,000 times: 30 s).
    "sami-unclosed-comments": "<SAMI><BODY><SYNC Start=1000><P>x" + "<!--" * 40_000 + "</BODY></SAMI>",
    "sami-marked-sections": "<SAMI><BODY><SYNC Start=1000><P>x" + "<![" * 60_000 + "</BODY></SAMI>",
    "sami-end-tags": "<SAMI><BODY><SYNC Start=1000><P>x" + "</a" * 60_000 + "</BODY></SAMI>",
    "sami-long-attribute": "<SAMI><BODY><SYNC Start=1000><P class='" + "a" * 4_000_000 + "</BODY></SAMI>",
    "sami-many-classes": "<SAMI><BODY><SYNC Start=1000>" + "".join(f"<P class=c{i}>x" for i in range(20_000))
    + "</BODY></SAMI>",
    "sami-entities": "<SAMI><BODY><SYNC Start=1000><P>" + "&amp;" * 300_000 + "</BODY></SAMI>",
    # TTML as found in the wild is repaired before expat reads it: entities, bare '&' and '<' in text.
    "ttml-html-entities-at-the-limit": TT_OPEN + '<p begin="1s" end="2s">' + "&eacute;&nbsp;" * 99_000 + "</p>"
    + TT_CLOSE,
    "ttml-unknown-entities": TT_OPEN + '<p begin="1s" end="2s">' + ("&" + "a" * 31 + ";") * 100_000 + "</p>" + TT_CLOSE,
    "ttml-stray-angle-brackets": TT_OPEN + '<p begin="1s" end="2s">' + "<< " * 66_000 + "</p>" + TT_CLOSE,
    "ttml-undeclared-prefixes": TT_OPEN + '<p begin="1s" end="2s" tts:color="red">x</p>' * 50_000 + TT_CLOSE,
    # LRC: time tags, ID tags and word times.
    "lrc-times-on-one-line": "[00:01.00]" * 99_000 + "x\n",
    "lrc-one-time-many-lines": "[00:01.00]x\n" * 99_000,
    "lrc-unclosed-brackets": "[00:01.00]x\n" + "[" * 4_000_000 + "\n",
    "lrc-unclosed-id-tag": "[00:01.00]x\n[ar:" + "a" * 4_000_000 + "\n",
    "lrc-word-times": "[00:01.00]" + "<00:01.50>a" * 190_000 + "\n",
    # SAMI: one track for each of its languages, the first sixteen.
    "sami-many-languages": "<SAMI><BODY>" + "".join(
        f"<SYNC Start={index * 10}><P Class=c{index % 40}>x" for index in range(40_000)) + "</BODY></SAMI>",
    # Encodings.
    "legacy-encoding": SRT_CUE + "\x81x\n" * 500_000,
}


@pytest.mark.parametrize("name", PATHOLOGICAL)
def test_inputs_built_against_the_readers_finish_in_bounded_time(caplog, name):
    text = PATHOLOGICAL[name]
    data = text.encode("latin-1") if name == "legacy-encoding" else text.encode()
    assert len(data) <= DEFAULT_MAX_BYTES
    _convert(data)  # a Conversion or a SubtitleError, in time
    _no_reader_crash(caplog)


# --- SCC: the work pycaption is asked for --------------------------------------------------------

SCC_HEADER = "Scenarist_SCC V1.0\n\n"


def _scc_timecode(frame: int) -> str:
    seconds, frames = divmod(frame, 30)
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}:{frames:02d}"


def _scc_captions(count: int, body: str = "9452 c1c2", every: int = 30) -> bytes:
    """COUNT pop-on captions (load, row 14, BODY, show), one a second."""
    return (SCC_HEADER + "".join(
        f"{_scc_timecode(index * every)}\t9420 {body} 942f\n\n" for index in range(count)
    )).encode()


@pytest.mark.parametrize(
    ("data", "code", "message"),
    [
        ((SCC_HEADER + "00:00:01:00\t" + "9420 " * 1_000_000).encode(), "too_large",
         "The SCC file has some 1,000,002 code words; SCC files may have at most 250,000 "
         "(a feature film has some 60,000)."),
        (_scc_captions(8_001), "too_many_cues",
         "Line 16003: the SCC file has more than 8,000 display commands (end of caption, erase, carriage return); "
         "SCC files may have at most that many."),
        (_scc_captions(500, " ".join(["9452 c1c2"] * 32), every=60), "too_many_tags",
         "Line 939: the SCC file has more than 15,000 row codes (PACs); SCC files may have at most that many."),
        (_scc_captions(1, "9452 c1c2 " * 100_000), "too_many_tags",
         "Line 3: a caption has more than 1,000 code words or 32 row codes (PACs) before it is shown; a caption "
         "of fifteen full rows has some 300 and 30."),
        (_scc_captions(1, "9452 c1c2 " * 33), "too_many_tags",
         "Line 3: a caption has more than 1,000 code words or 32 row codes (PACs) before it is shown; a caption "
         "of fifteen full rows has some 300 and 30."),
    ],
    ids=["words", "display-commands", "row-codes", "caption-words", "caption-row-codes"],
)
def test_scc_asking_for_too_much_work_is_refused_at_once(caplog, data, code, message):
    # Same-row PACs cost pycaption quadratic time in one caption: 1,200 took 2.5 s, 100,000 would take hours.
    outcome, _ = _convert(data)
    assert isinstance(outcome, SubtitleError) and (outcome.code, str(outcome)) == (code, message)
    _no_reader_crash(caplog)


@pytest.mark.parametrize(
    "data",
    [_scc_captions(8_000), _scc_captions(468, " ".join(["9452 c1c2"] * 32), every=60)],
    ids=["display-commands", "row-codes"],
)
def test_scc_at_its_limits_converts_in_bounded_time(data):
    assert _accepted(data).format == "scc"  # about 1 s each on an idle machine


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"{1}{1}25\n{" + b"1" * 5000 + b"}{2}x\n", "Line 2: the time '11111111111111111111' has more than 9 digits."),
        (b"<SAMI><BODY><SYNC Start=" + b"9" * 5000 + b"><P>x</BODY></SAMI>",
         "Line 1: SYNC Start '99999999999999999999' is not a time in milliseconds."),
    ],
    ids=["microdvd", "sami"],
)
def test_numbers_too_long_for_int_are_a_clear_refusal(caplog, data, message):
    assert str(_refused(data, "malformed")) == message
    _no_reader_crash(caplog)


@pytest.mark.parametrize(
    "data",
    [b"[10][999999999]x\n", b"{1}{1}25\n{1}{999999999}x\n", b"<SAMI><BODY><SYNC Start=999999999999><P>x</BODY></SAMI>",
     (TT_OPEN + '<p begin="' + "9" * 4295 + ':00:00" end="1s">x</p>' + TT_CLOSE).encode(),
     (TT_OPEN + '<p begin="1s" end="3600000001s">x</p>' + TT_CLOSE).encode()],
    ids=["mpl2", "microdvd", "sami", "ttml-4295-digit-hours", "ttml-seconds"],
)
def test_times_past_1000_hours_are_refused(caplog, data):
    # Written out, 27,777 hours would be WebVTT that no reader reads back (ours reads three digits of hours).
    assert str(_refused(data, "malformed")).lower().endswith(
        "the cue's time is past 999:59:59.999; cue times must be under 1,000 hours."
    )
    _no_reader_crash(caplog)


def test_warnings_are_capped():
    data = ("WEBVTT\n\n" + "stray\n\n" * 100_000 + "00:01.000 --> 00:02.000\nhi\n").encode()
    warnings = _accepted(data).warnings
    assert len(warnings) == 21
    assert warnings[-1] == "99,980 more warning(s) like these were left out."


# --- Through the API: a 400 with the message, nothing stored --------------------------------------

@pytest.fixture
def upload(owner_client, user):
    def post(data: bytes, **video_fields):
        video = make_video(user, **video_fields)
        body = {"file": SimpleUploadedFile("hostile.bin", data, content_type="application/octet-stream"),
                "language": "en"}
        started = time.perf_counter()
        response = owner_client.post(f"/api/v1/videos/{video.pk}/subtitles/", body, format="multipart")
        assert time.perf_counter() - started < SECONDS
        assert response.status_code == 400, response.content
        assert not Subtitle.objects.exists()
        return response

    return post


@pytest.mark.django_db
def test_api_billion_laughs_is_a_400(upload):
    response = upload(_ttml_with_doctype(_laughs(), '<p begin="1s" end="2s">&lol9;</p>', padding=20_000))
    assert response.json()["error"]["fields"]["file"] == ["TTML files with entity declarations are not accepted."]


@pytest.mark.django_db
def test_api_external_entity_is_a_400_without_the_file(upload, open_calls):
    response = upload(_ttml_with_doctype('<!ENTITY x SYSTEM "file:///etc/passwd">', '<p begin="1s" end="2s">&x;</p>'))
    assert response.json()["error"]["fields"]["file"] == ["TTML files with entity declarations are not accepted."]
    assert b"root:" not in response.content and "/etc/passwd" not in open_calls


@pytest.mark.django_db
def test_api_100_mb_line_is_a_400_about_the_size(upload):
    response = upload(SRT_CUE.encode() + b"a" * 100_000_000 + b"\n")
    (message,) = response.json()["error"]["fields"]["file"]
    assert message.endswith("subtitle files may be at most 5.0 MiB.")  # refused while it streamed in


@pytest.mark.django_db
def test_api_million_cues_under_a_raised_size_limit_is_a_400(upload, settings):
    settings.SUBTITLE_MAX_BYTES = 64 * 2**20
    response = upload(b"00:00:01,000 --> 00:00:02,000\nx\n" * 1_000_000)
    assert response.json()["error"]["fields"]["file"] == [
        "The file has more than 100,000 cues; subtitle files may have at most 100,000."
    ]


@pytest.mark.django_db
def test_api_deeply_nested_ttml_is_a_400(upload):
    response = upload((TT_OPEN + "<div>" * 100_000 + TT_CUE + "</div>" * 100_000 + TT_CLOSE).encode())
    assert response.json()["error"]["fields"]["file"] == ["The TTML/DFXP file is nested too deeply to read."]
