"""The converter against the corpus: every file's cues, or its exact error. No database needed."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from subtitles.convert import SubtitleError, language_normalize, subtitle_convert
from subtitles.convert.cues import ms_to_vtt

from .corpus import CORPUS, Err, Ok


def _convert(data: bytes, expected):
    kwargs = {"fps": expected.fps}
    if isinstance(expected, Ok) and expected.duration:
        kwargs["duration"] = expected.duration
    if isinstance(expected, Err) and expected.max_bytes:
        kwargs["max_bytes"] = expected.max_bytes
    return subtitle_convert(data=data, **kwargs)


@pytest.mark.parametrize("name", [name for name, (_, expected) in CORPUS.items() if isinstance(expected, Ok)])
def test_corpus_converts_cue_by_cue(name):
    data, expected = CORPUS[name]
    result = _convert(data, expected)
    got = [(ms_to_vtt(cue.start), ms_to_vtt(cue.end), cue.text, cue.settings) for cue in result.cues]
    assert got == expected.cues
    assert (result.format, result.encoding, result.warnings) == (expected.format, expected.encoding, expected.warnings)


@pytest.mark.parametrize("name", [name for name, (_, expected) in CORPUS.items() if isinstance(expected, Err)])
def test_corpus_refuses_with_a_clear_error(name):
    data, expected = CORPUS[name]
    with pytest.raises(SubtitleError) as caught:
        _convert(data, expected)
    assert (caught.value.code, str(caught.value)) == (expected.code, expected.message)


@pytest.mark.parametrize("name", [name for name, (_, expected) in CORPUS.items() if isinstance(expected, Ok)])
def test_output_is_normalised_webvtt_that_reads_back_the_same(name):
    data, expected = CORPUS[name]
    result = _convert(data, expected)
    assert result.vtt.startswith("WEBVTT\n\n")
    assert result.vtt.endswith("\n") and "\r" not in result.vtt and "\ufeff" not in result.vtt
    again = subtitle_convert(data=result.vtt.encode("utf-8"))
    assert (again.format, again.encoding, again.vtt) == ("vtt", "utf-8", result.vtt)


def test_written_webvtt_layout():
    data, _ = CORPUS["srt_ass_tags"]
    assert subtitle_convert(data=data).vtt == (
        "WEBVTT\n\n"
        "00:00:01.000 --> 00:00:02.000 line:0\nOn top\n\n"
        "00:00:03.000 --> 00:00:04.000 position:5%,line-left align:left\n<i>Bottom left</i> plain\n"
    )


def test_cue_text_never_ends_a_cue_early():
    data = b"1\n00:00:01,000 --> 00:00:02,000\nan arrow --> inside\n"
    with pytest.raises(SubtitleError, match="Line 3: malformed timing line"):
        subtitle_convert(data=data)
    vtt = subtitle_convert(data=b"1\n00:00:01,000 --> 00:00:02,000\nan arrow -> inside\n").vtt
    assert "an arrow -&gt; inside" in vtt


def test_file_declared_frame_rate_wins_over_the_videos():
    result = subtitle_convert(data=b"{1}{1}25\n{25}{50}One\n", fps=50)
    assert [(cue.start, cue.end) for cue in result.cues] == [(1000, 2000)]
    assert result.warnings == []


def test_size_limit_is_checked_before_anything_else():
    with pytest.raises(SubtitleError) as caught:
        subtitle_convert(data=b"\x89PNG" + bytes(5000), max_bytes=4096)
    assert caught.value.code == "too_large"


@pytest.mark.parametrize(
    ("tag", "expected"),
    [("en", "en"), ("EN-us", "en-US"), ("pt_BR", "pt-BR"), ("zh-hant-tw", "zh-Hant-TW"), ("eng", "en"),
     ("sr-Latn", "sr-Latn"), ("es-419", "es-419"), ("und", "und")],
)
def test_language_tags_are_normalised(tag, expected):
    assert language_normalize(tag) == expected


@pytest.mark.parametrize("tag", ["", "   ", "english", "en-", "xx-12345678", "en US", "../etc", "e" * 40])
def test_invalid_language_tags_are_refused(tag):
    with pytest.raises(SubtitleError) as caught:
        language_normalize(tag)
    assert caught.value.code == "language"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2000))
def test_any_bytes_give_webvtt_or_a_subtitle_error(data):
    _converts_or_refuses(data)


_LINES = st.sampled_from([
    "1", "2", "", "WEBVTT", "00:00:01,000 --> 00:00:02,000", "00:00:03.000 --> 00:00:01.000", "-->",
    "<i>hi", "</b>", "{\\an8}x", "[Events]", "Dialogue: 0,0:00:01.00,0:00:02.00,Default,,0,0,0,,Hi",
    "{1}{1}25", "{10}{20}x", "[1][2]x", "0:00:01.000,0:00:02.000", "<SAMI>", "<SYNC Start=10>x",
    '<tt xmlns="http://www.w3.org/ns/ttml"><body><p begin="1s" end="2s">x</p></body></tt>', "NOTE", "&amp;",
])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_LINES | st.text(max_size=30), max_size=30), st.sampled_from(["\n", "\r\n"]))
def test_any_subtitle_like_text_gives_webvtt_or_a_subtitle_error(lines, newline):
    _converts_or_refuses(newline.join(lines).encode("utf-8"))


def _converts_or_refuses(data: bytes) -> None:
    try:
        result = subtitle_convert(data=data, fps=25, duration=10)
    except SubtitleError as error:
        assert str(error)
        return
    assert result.vtt.startswith("WEBVTT\n\n") and result.cues
    assert subtitle_convert(data=result.vtt.encode()).vtt == result.vtt


def test_a_sami_file_with_two_languages_gives_a_track_for_each():
    data, _ = CORPUS["sami_two_languages"]
    result = subtitle_convert(data=data)
    tracks = [(track.language, track.name, [(cue.start, cue.end, cue.text) for cue in track.cues])
              for track in result.tracks]
    assert tracks == [
        ("en-US", "English", [(1000, 2500, "Hello <i>there</i>\nfriend"), (3000, 4000, "Fish &amp; chips")]),
        ("fr-FR", "French", [(1000, 2469, "Bonjour")]),  # its only SYNC: a reading time
    ]
    assert (result.vtt, result.cues) == (result.tracks[0].vtt, result.tracks[0].cues)
    assert result.warnings == []


def test_each_language_of_a_sami_file_keeps_its_own_timeline():
    data = (b"<SAMI><HEAD><STYLE><!-- .EN { lang: en; } .DE { Name: Deutsch; lang: de-DE; } .XX { color: red; }"
            b" --></STYLE></HEAD><BODY>\n<SYNC Start=1000><P Class=EN>One\n<SYNC Start=1500><P Class=DE>Eins\n"
            b"<SYNC Start=2000><P Class=XX>Ex\n<SYNC Start=3000><P Class=EN>&nbsp;<P Class=DE>&nbsp;\n"
            b"<SYNC Start=4000><P Class=XX>&nbsp;</BODY></SAMI>")
    result = subtitle_convert(data=data)
    assert [(track.language, track.name, [(cue.start, cue.end) for cue in track.cues]) for track in result.tracks] == [
        ("en", "", [(1000, 3000)]), ("de-DE", "Deutsch", [(1500, 3000)]), ("", "XX", [(2000, 4000)]),
    ]


def test_a_sami_file_of_one_language_is_one_track_in_the_uploaders_language():
    data = (b"<SAMI><HEAD><STYLE>.FR { lang: fr-FR; }</STYLE></HEAD>"
            b"<BODY><SYNC Start=1000><P Class=FR>Salut</BODY></SAMI>")
    (track,) = subtitle_convert(data=data).tracks
    assert (track.language, track.name, [cue.text for cue in track.cues]) == ("", "", ["Salut"])


def test_a_sami_file_of_many_languages_keeps_the_first_sixteen():
    syncs = "".join(f"<P Class=L{index}>text {index}" for index in range(40))
    result = subtitle_convert(data=f"<SAMI><BODY><SYNC Start=1000>{syncs}</BODY></SAMI>".encode())
    assert [track.name for track in result.tracks] == [f"L{index}" for index in range(16)]
    assert result.warnings == ["The SAMI file holds 40 languages (P classes); the first 16 were kept."]


def test_subviewer_1_times_are_not_read_as_lrc():
    # '[00:00:01]' is hours, minutes and seconds there; LRC's '[mm:ss.xx]' has a '.' before its fraction.
    with pytest.raises(SubtitleError) as caught:
        subtitle_convert(data=b"[00:00:01]\nHello\n[00:00:03]\n")
    assert caught.value.code == "unknown_format"
