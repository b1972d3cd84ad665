"""Fuzzing subtitle_convert: any bytes give WebVTT that reads back the same, or a SubtitleError, never a crash.

Random bytes (bare, and behind each format's opening so that they reach its reader), and the
corpus files mutated: bits flipped, bytes and markup inserted, runs deleted or repeated, files cut
short and spliced into each other. subtitle_convert turns a reader's unexpected exception into a
SubtitleError too; that net must stay unused, so the test fails when it logs. Bounded in examples,
so the file runs in seconds.
"""

import logging
from contextlib import contextmanager

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from subtitles.convert import SubtitleError, subtitle_convert

from .corpus import CORPUS

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

SEEDS = sorted(name for name, (data, _) in CORPUS.items() if data)
# What the readers look for, to insert where a random byte would rarely land.
TOKENS = st.sampled_from([
    b"-->", b" --> ", b"00:00:01,000", b"0:00:02.500", b",", b".", b":", b"\n", b"\r\n", b"\n\n", b"\r", b"\x00",
    b"\xff", b"\xfe", b"\xef\xbb\xbf", b"\x1a", b"<", b">", b"</", b"<i>", b"</i>", b"<b>", b"<br/>", b"<c.a>",
    b"<v Bob>", b"<00:00:01.500>", b"{", b"}", b"{\\an8}", b"{\\pos(10,20)}", b"{\\i1}", b"{\\r}", b"{\\p1}",
    b"{y:i}", b"{Y:b}", b"|", b"/", b"[", b"]", b"&", b"&amp;", b"&#0;", b"&#xD800;", b"&lt;", b"&nbsp;",
    b"<!--", b"-->", b"<![CDATA[", b"]]>", b"<!DOCTYPE tt>", b"<!ENTITY a 'b'>", b"&a;", b"<?xml?>",
    b'<span tts:fontStyle="italic">', b"</span>", b'<p begin="1s" end="2s">', b"</p>", b'dur="1e999s"',
    b'begin="99999999999999999999:00:00"', b'ttp:frameRate="0"', b'ttp:tickRate="1e-300"', b"<SYNC Start=1000>",
    b"<P Class=ENCC>", b"Dialogue: 0,0:00:01.00,0:00:02.00,Default,,0,0,0,,x\n", b"Style: ", b"[Events]",
    b"Format: Layer, Start", b"PlayResX: 0", b"WEBVTT\n\n", b"NOTE ", b"STYLE", b"REGION", b"line:0",
    b"position:120%", b"9" * 30, b"-1", b"0", b"\\N", b"\\h", b"[br]", b"\xe2\x80\x8b", b"\xf0\x9f\x98\x80",
    b" 9420", b" 942f", b" 942c", b" 94ad", b" 9429", b" 9425", b" 9452", b" 91ae", b" 97a1", b" c1c2", b" 8080",
    b"\t", b"[00:02.50]", b"<00:01.00>", b"[offset:-500]", b"[ar:x]", b"&eacute;", b"<<", b"<LAUGHING & WHOOPS!>",
])


@st.composite
def mutated_corpus_files(draw) -> bytes:
    data = bytearray(CORPUS[draw(st.sampled_from(SEEDS))][0])
    for _ in range(draw(st.integers(1, 8))):
        at = draw(st.integers(0, len(data)))
        kind = draw(st.sampled_from(["flip", "insert", "token", "delete", "repeat", "truncate", "splice"]))
        if kind == "flip" and at < len(data):
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif kind == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=8))
        elif kind == "token":
            data[at:at] = draw(TOKENS)
        elif kind == "delete":
            del data[at:at + draw(st.integers(1, 40))]
        elif kind == "repeat":
            run = data[at:at + draw(st.integers(1, 60))]
            data[at:at] = run * draw(st.integers(1, 20))
        elif kind == "truncate":
            del data[at:]
        elif kind == "splice":
            other = CORPUS[draw(st.sampled_from(SEEDS))][0]
            start = draw(st.integers(0, len(other)))
            data[at:at] = other[start:start + draw(st.integers(1, 200))]
    return bytes(data)


OPENINGS = st.sampled_from([
    b"", b"\xef\xbb\xbf", b"\xff\xfe", b"WEBVTT\n\n", b"1\n00:00:01,000 --> 00:00:02,000\n",
    b"0:00:01.000,0:00:02.000\n", b"[Script Info]\nScriptType: v4.00+\n\n[Events]\n",
    b'<tt xmlns="http://www.w3.org/ns/ttml"><body><div><p begin="1s" end="2s">', b"<SAMI><BODY><SYNC Start=1>",
    b"{1}{1}25\n{1}{2}", b"[1][2]", b"00:00:01:", b"Scenarist_SCC V1.0\n\n00:00:01:00\t9420 9452 ", b"[00:01.00]",
])


class _ReaderCrashes(logging.Handler):
    def __init__(self):
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        self.records.append(record)


@contextmanager
def _no_reader_crash():
    """Fail when subtitle_convert's net for reader bugs catches something (it logs the traceback)."""
    handler = _ReaderCrashes()
    logger = logging.getLogger("subtitles.convert")
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)
    assert not handler.records, handler.records[0].getMessage() + "\n" + str(handler.records[0].exc_info)


def _converts_or_refuses(data: bytes) -> None:
    with _no_reader_crash():
        try:
            result = subtitle_convert(data=data, fps=25, duration=10)
        except SubtitleError as error:
            assert str(error) and error.code
            return
    assert result.vtt.startswith("WEBVTT\n\n") and result.cues
    assert "\r" not in result.vtt and "\x00" not in result.vtt
    assert all(cue.end > cue.start >= 0 for cue in result.cues)
    assert subtitle_convert(data=result.vtt.encode()).vtt == result.vtt  # what we wrote reads back the same


@FUZZ
@given(st.binary(max_size=3000))
def test_random_bytes(data):
    _converts_or_refuses(data)


@FUZZ
@given(OPENINGS, st.binary(max_size=2000))
def test_random_bytes_behind_each_formats_opening(opening, data):
    _converts_or_refuses(opening + data)


@settings(FUZZ, max_examples=600)
@given(mutated_corpus_files())
def test_mutated_corpus_files(data):
    _converts_or_refuses(data)


@FUZZ
@given(mutated_corpus_files(), st.sampled_from(["utf-16-le", "utf-16-be", "cp1252", "gb18030"]))
def test_mutated_corpus_files_in_other_encodings(data, encoding):
    text = data.decode("utf-8", errors="replace")
    _converts_or_refuses(text.encode(encoding, errors="replace"))
