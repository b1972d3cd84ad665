"""Subtitle files the tests write themselves, each with what converting it must give.

`Ok`: the detected format and encoding and every cue as (start, end, WebVTT text, settings).
`Err`: the error code and the exact message. The API tests upload every file here too.
"""

import codecs
from dataclasses import dataclass, field


@dataclass
class Ok:
    format: str
    encoding: str
    cues: list[tuple[str, str, str, str]]
    warnings: list[str] = field(default_factory=list)
    fps: float | None = None
    duration: float | None = None


@dataclass
class Err:
    code: str
    message: str
    fps: float | None = None
    max_bytes: int | None = None


def cue(start: str, end: str, text: str, settings: str = "") -> tuple[str, str, str, str]:
    return (start, end, text, settings)


SRT = (
    "1\n00:00:01,000 --> 00:00:02,500\nHello, world.\n\n"
    "2\n00:00:03,000 --> 00:00:04,000\nTwo lines\nof text.\n"
)
SRT_CUES = [
    cue("00:00:01.000", "00:00:02.500", "Hello, world."),
    cue("00:00:03.000", "00:00:04.000", "Two lines\nof text."),
]

ASS_HEADER = """[Script Info]
ScriptType: v4.00+
PlayResX: 1920
PlayResY: 1080

[V4+ Styles]
Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, Bold, Italic, \
Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, Alignment, MarginL, MarginR, \
MarginV, Encoding
Style: Default,Arial,48,&H00FFFFFF,&H000000FF,&H00000000,&H00000000,0,0,0,0,100,100,0,0,1,2,2,2,10,10,10,1
Style: Sign,Arial,48,&H00FFFFFF,&H000000FF,&H00000000,&H00000000,-1,0,0,0,100,100,0,0,1,2,2,8,10,10,10,1
Style: Note,Arial,48,&H00FFFFFF,&H000000FF,&H00000000,&H00000000,0,-1,0,0,100,100,0,0,1,2,2,3,10,10,10,1

[Events]
Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text
"""

SSA = """[Script Info]
ScriptType: v4.00

[V4 Styles]
Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, TertiaryColour, BackColour, Bold, Italic, \
BorderStyle, Outline, Shadow, Alignment, MarginL, MarginR, MarginV, AlphaLevel, Encoding
Style: Default,Arial,20,16777215,65535,65535,0,0,-1,1,2,2,6,10,10,10,0,0

[Events]
Format: Marked, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text
Dialogue: Marked=0,0:00:01.00,0:00:02.00,Default,,0000,0000,0000,,Top centre, italic by style
Dialogue: Marked=0,0:00:03.00,0:00:04.00,Default,,0000,0000,0000,,{\\a1}Bottom left
"""

TTML = """<?xml version="1.0" encoding="UTF-8"?>
<tt xmlns="http://www.w3.org/ns/ttml" xmlns:tts="http://www.w3.org/ns/ttml#styling"
    xmlns:ttp="http://www.w3.org/ns/ttml#parameter" ttp:tickRate="10000000" ttp:frameRate="25" xml:lang="en">
  <head>
    <styling>
      <style xml:id="italic" tts:fontStyle="italic"/>
      <style xml:id="left" tts:textAlign="left"/>
    </styling>
  </head>
  <body>
    <div begin="1s">
      <p begin="00:00:00.000" end="00:00:01.500">Hello<br/>
        <span style="italic">world</span> &amp; co</p>
      <p begin="20000000t" dur="1s" style="left"><span tts:fontWeight="bold">Bold</span> text</p>
      <p begin="00:00:04:12" end="00:00:05:00">Frames</p>
    </div>
  </body>
</tt>
"""

DFXP = """<tt xmlns="http://www.w3.org/2006/10/ttaf1" xmlns:tts="http://www.w3.org/2006/10/ttaf1#styling">
<body><div>
<p begin="1.5s" end="2500ms"><span tts:fontStyle="italic">Old namespace</span></p>
</div></body></tt>
"""

TTML_REGIONS = """<tt xmlns="http://www.w3.org/ns/ttml" xmlns:tts="http://www.w3.org/ns/ttml#styling">
<head><layout>
<region xml:id="upper" tts:origin="10% 5%" tts:extent="80% 20%"/>
<region xml:id="lower" tts:origin="10% 70%" tts:extent="80% 20%" tts:displayAlign="after"/>
<region xml:id="pixels" tts:origin="10px 5px" tts:extent="80px 20px"/>
</layout></head>
<body><div region="lower">
<p begin="1s" end="2s" region="upper">Up here</p>
<p begin="3s" end="4s">Down there</p>
<p begin="5s" end="6s" region="pixels" tts:textAlign="right">Pixels are not placed</p>
</div></body></tt>
"""

SAMI = """<SAMI>
<HEAD><TITLE>Demo</TITLE>
<STYLE TYPE="text/css"><!--
P { font-family: Arial; }
.ENCC { Name: English; lang: en-US; }
.FRCC { Name: French; lang: fr-FR; }
--></STYLE></HEAD>
<BODY>
<SYNC Start=1000><P Class=ENCC>Hello <i>there</i><br>friend
<P Class=FRCC>Bonjour
<SYNC Start=2500><P Class=ENCC>&nbsp;
<SYNC Start=3000><P Class=ENCC>Fish &amp; chips
<SYNC Start=4000><P Class=ENCC>&nbsp;
</BODY>
</SAMI>
"""

# Real-world TTML that XML refuses: HTML entities, a bare '&', '<<' as text, the tts: prefix undeclared.
TTML_IN_THE_WILD = """<?xml version="1.0" encoding="UTF-8"?>
<tt xml:lang="en" xmlns="http://www.w3.org/ns/ttml">
<head><styling><style xml:id="it" tts:fontStyle="italic"/></styling></head>
<body><div>
<p begin="00:00:01.000" end="00:00:02.000">&nbsp;&nbsp;Caf&eacute; &amp; bar &mdash; Fish & chips</p>
<p begin="00:00:03.000" end="00:00:04.000" style="it">&lt;&lt; &quot;Andy&apos;s&quot; << back &copy;&#160;&hellip;</p>
<p begin="00:00:05.000" end="00:00:06.000">&unknown; stays &amp;</p>
</div></body></tt>
"""

SAMI_SDH = """<SAMI><BODY>
<SYNC Start=1000><P Class=ENCC><LAUGHING & WHOOPS!>
<SYNC Start=2000><P Class=ENCC><font color=red>red</font> <unknown>hidden</unknown> <i>it</i>
<SYNC Start=3000><P Class=ENCC>&nbsp;
</BODY></SAMI>
"""


def _scc_text(text: str) -> str:
    """Characters as SCC code words: seven bits with odd parity, two to a word, padded with a null."""
    codes = [code | 0x80 if code.bit_count() % 2 == 0 else code for code in text.encode("ascii")]
    codes += [0x80] * (len(codes) % 2)
    return " ".join(f"{codes[index]:02x}{codes[index + 1]:02x}" for index in range(0, len(codes), 2))


SCC_HEADER = "Scenarist_SCC V1.0\n\n"
# Pop-on: erase the hidden memory (94ae), load (9420), row 14 (9452), text, row 15 (94f2), text, show (942f),
# later erase the screen (942c); then a caption on row 1 (9140) in italics (91ae). Codes are sent twice.
SCC_POP_ON = (
    f"{SCC_HEADER}00:00:01:00\t94ae 94ae 9420 9420 9452 9452 {_scc_text('Hello,')} 94f2 94f2 "
    f"{_scc_text('world!')} 942f 942f\n\n00:00:03:00\t942c 942c\n\n"
    f"00:00:04:00\t94ae 94ae 9420 9420 9140 9140 91ae 91ae {_scc_text('Up top')} 942f 942f\n\n"
    "00:00:05:15\t942c 942c\n"
)
# Roll-up, two rows (9425): each carriage return (94ad) rolls a new line in on row 15 (9470).
SCC_ROLL_UP = (
    f"{SCC_HEADER}00:00:01:00\t9425 9425 94ad 94ad 9470 9470 {_scc_text('FIRST LINE')}\n\n"
    f"00:00:02:00\t94ad 94ad 9470 9470 {_scc_text('SECOND & LAST')}\n\n00:00:03:00\t942c 942c\n"
)
# Paint-on (9429): text appears as it arrives, here in two bursts, until the screen is erased.
SCC_PAINT_ON = (
    f"{SCC_HEADER}00:00:01:00\t9429 9429 94d0 94d0 {_scc_text('Painted')}\n\n"
    f"00:00:02:00\t{_scc_text(' on')}\n\n00:00:03:00\t942c 942c\n"
)

LRC = """[ti:Song]
[ar:Someone]
[length: 03:20]

[00:01.00]First line
[00:03.50][00:09.00]Chorus, twice
[00:06.250]<00:06.25>Word <00:06.75>by <00:07.10>word
[00:08.00]
[00:12]Last
"""

CP1252_TEXT = "C’est déjà l’été — voilà “naïve” façade, 5 €."
GB_TEXT = "你好，世界！今天天气很好。我们一起去看电影吧。"
SJIS_TEXT = "こんにちは、世界。今日はいい天気ですね。一緒に映画を見に行きましょう。"
BIG5_TEXT = "你好，世界！今天天氣很好。我們一起去看電影吧。"


def _srt_of(text: str) -> str:
    return f"1\r\n00:00:01,000 --> 00:00:02,000\r\n{text}\r\n\r\n2\r\n00:00:03,000 --> 00:00:04,000\r\n{text}\r\n"


def _cues_of(text: str) -> list:
    return [cue("00:00:01.000", "00:00:02.000", text), cue("00:00:03.000", "00:00:04.000", text)]


CORPUS: dict[str, tuple[bytes, Ok | Err]] = {
    # --- SubRip -------------------------------------------------------------------------
    "srt_basic": (SRT.encode(), Ok("srt", "utf-8", SRT_CUES)),
    "srt_crlf": (SRT.replace("\n", "\r\n").encode(), Ok("srt", "utf-8", SRT_CUES)),
    "srt_cr_only": (SRT.replace("\n", "\r").encode(), Ok("srt", "utf-8", SRT_CUES)),
    "srt_no_final_newline": (SRT.rstrip("\n").encode(), Ok("srt", "utf-8", SRT_CUES)),
    "srt_utf8_bom": (codecs.BOM_UTF8 + SRT.encode(), Ok("srt", "utf-8-sig", SRT_CUES)),
    "srt_utf16le_bom": (codecs.BOM_UTF16_LE + SRT.encode("utf-16-le"), Ok("srt", "utf-16-le", SRT_CUES)),
    "srt_utf16be_bom": (codecs.BOM_UTF16_BE + SRT.encode("utf-16-be"), Ok("srt", "utf-16-be", SRT_CUES)),
    "srt_utf16le_no_bom": (SRT.encode("utf-16-le"), Ok("srt", "utf-16-le", SRT_CUES)),
    "srt_relaxed_timing": (
        # no cue numbers, one-digit hours, '.' and short fractions, coordinates after the times
        b"0:00:01.5 --> 0:00:02.25  X1:100 X2:200 Y1:10 Y2:20\nRelaxed\n\n00:00:03:000-->00:00:04:000\nColons\n",
        Ok("srt", "utf-8", [
            cue("00:00:01.500", "00:00:02.250", "Relaxed"),
            cue("00:00:03.000", "00:00:04.000", "Colons"),
        ]),
    ),
    "srt_out_of_order_and_overlapping": (
        b"1\n00:00:05,000 --> 00:00:06,000\nThird\n\n2\n00:00:01,000 --> 00:00:04,000\nFirst\n\n"
        b"3\n00:00:02,000 --> 00:00:03,000\nSecond, overlapping\n\n4\n00:00:01,000 --> 00:00:02,000\nFirst too\n",
        Ok("srt", "utf-8", [
            cue("00:00:01.000", "00:00:02.000", "First too"),
            cue("00:00:01.000", "00:00:04.000", "First"),
            cue("00:00:02.000", "00:00:03.000", "Second, overlapping"),
            cue("00:00:05.000", "00:00:06.000", "Third"),
        ]),
    ),
    "srt_html_tags": (
        "1\n00:00:01,000 --> 00:00:02,000\n<i>Italic</i> <B>bold</B> <u>under</u> <font color=\"#ff0000\">red</font>\n"
        "<em>em</em> <strong>strong</strong> <s>struck</s><br>broken\n\n"
        "2\n00:00:03,000 --> 00:00:04,000\n<i>unclosed <b>nested</i> stray</b> <script>alert(1)</script>\n"
        "I <3 you & a < b > c &amp; &eacute;t&eacute;\n".encode(),
        Ok("srt", "utf-8", [
            cue("00:00:01.000", "00:00:02.000",
                "<i>Italic</i> <b>bold</b> <u>under</u> red\n<i>em</i> <b>strong</b> struck\nbroken"),
            cue("00:00:03.000", "00:00:04.000",
                "<i>unclosed <b>nested</b></i> stray alert(1)\nI &lt;3 you &amp; a &lt; b &gt; c &amp; été"),
        ]),
    ),
    "srt_ass_tags": (
        b"1\n00:00:01,000 --> 00:00:02,000\n{\\an8}On top\n\n2\n00:00:03,000 --> 00:00:04,000\n"
        b"{\\an1}{\\i1}Bottom left{\\i0} {\\fs20\\c&H0000FF&}plain\n",
        Ok("srt", "utf-8", [
            cue("00:00:01.000", "00:00:02.000", "On top", "line:0"),
            cue("00:00:03.000", "00:00:04.000", "<i>Bottom left</i> plain", "position:5%,line-left align:left"),
        ]),
    ),
    "srt_blank_line_inside_cue": (
        b"1\n00:00:01,000 --> 00:00:02,000\nFirst paragraph\n\nsecond paragraph\n\n"
        b"2\n00:00:03,000 --> 00:00:04,000\nNext\n",
        Ok("srt", "utf-8", [
            cue("00:00:01.000", "00:00:02.000", "First paragraph\nsecond paragraph"),
            cue("00:00:03.000", "00:00:04.000", "Next"),
        ]),
    ),
    "srt_no_blank_lines_between_cues": (
        b"1\n00:00:01,000 --> 00:00:02,000\nOne\n2\n00:00:03,000 --> 00:00:04,000\nTwo\n",
        Ok("srt", "utf-8", [
            cue("00:00:01.000", "00:00:02.000", "One"), cue("00:00:03.000", "00:00:04.000", "Two"),
        ]),
    ),
    "srt_empty_and_zero_length_cues": (
        b"1\n00:00:01,000 --> 00:00:02,000\n\n2\n00:00:02,000 --> 00:00:02,000\nInstant\n\n"
        b"3\n00:00:03,000 --> 00:00:04,000\n<i> </i>\n\n4\n00:00:05,000 --> 00:00:06,000\nKept\n",
        Ok("srt", "utf-8", [cue("00:00:05.000", "00:00:06.000", "Kept")],
           warnings=["1 cue(s) lasting no time at all were left out."]),
    ),
    "srt_past_video_end": (
        SRT.encode(),
        Ok("srt", "utf-8", SRT_CUES, duration=3.5, warnings=[
            "1 cue(s) run past the end of the video at 0:03.500; the first at 0:03.000 (line 6). They were kept.",
        ]),
    ),
    "srt_starting_after_video_end": (
        SRT.encode(),
        Ok("srt", "utf-8", SRT_CUES, duration=2.0, warnings=[
            "2 cue(s) run past the end of the video at 0:02.000, 1 of them starting after it; "
            "the first at 0:01.000 (line 2). They were kept.",
        ]),
    ),
    "srt_single_arrow": (
        b"1\n00:00:01,000 --> 00:00:02,000\nFine\n\n2\n00:00:03,000 -> 00:00:04,000\nBroken\n",
        Err("malformed", "Line 6: malformed timing line '00:00:03,000 -> 00:00:04,000'; "
                         "expected one like '00:00:01,000 --> 00:00:02,500'."),
    ),
    "srt_seconds_out_of_range": (
        b"1\n00:00:61,000 --> 00:00:62,000\nBad\n",
        Err("malformed", "Line 2: malformed timing line '00:00:61,000 --> 00:00:62,000'; "
                         "expected one like '00:00:01,000 --> 00:00:02,500'."),
    ),
    "srt_letters_in_timestamp": (
        b"1\n00:00:01,000 --> 00:00:0x,000\nBad\n",
        Err("malformed", "Line 2: malformed timing line '00:00:01,000 --> 00:00:0x,000'; "
                         "expected one like '00:00:01,000 --> 00:00:02,500'."),
    ),
    "srt_ends_before_start": (
        b"1\n00:00:05,000 --> 00:00:04,000\nBackwards\n",
        Err("malformed", "Line 2: the cue ends (00:00:04.000) before it starts (00:00:05.000)."),
    ),
    "srt_text_before_first_cue": (
        b"Some notes about this file\n\n1\n00:00:01,000 --> 00:00:02,000\nHi\n",
        Err("malformed", "Line 1: expected a cue number or a timing line like '00:00:01,000 --> 00:00:02,500', "
                         "found 'Some notes about this file'."),
    ),
    "srt_number_without_timing": (
        b"1\n00:00:01,000 --> 00:00:02,000\nHi\n\n2\nNo timing here\n",
        Err("malformed", "Line 5: cue number 2 is not followed by a timing line like "
                         "'00:00:01,000 --> 00:00:02,500'."),
    ),
    "srt_only_empty_cues": (
        b"1\n00:00:01,000 --> 00:00:02,000\n\n2\n00:00:03,000 --> 00:00:04,000\n   \n",
        Err("no_cues", "The SubRip (SRT) file has no cues with text."),
    ),
    # pysrt's capability_tester.srt: tag names with underscores were shown as text, \N and \h literally.
    # As there (and in VLC), a tag HTML does not know is hidden when closed and shown when not.
    "srt_unknown_tags_with_underscores_and_prefixes": (
        b"1\n00:00:01,000 --> 00:00:02,000\n<invalid_tag>hidden tags</invalid_tag> <tag_uc par=5>kept text\n"
        b"<o:p>Word's</o:p> <x-y>too</x-y>, 2<3,5>1 shown</not_opened>\n",
        Ok("srt", "utf-8", [cue(
            "00:00:01.000", "00:00:02.000",
            "hidden tags &lt;tag_uc par=5&gt;kept text\nWord's too, 2&lt;3,5&gt;1 shown&lt;/not_opened&gt;",
        )]),
    ),
    # An SDH cue: angle brackets around a sound, not markup. HTML's tags are markup even unclosed.
    "srt_sdh_angle_brackets": (
        b"1\n00:00:01,000 --> 00:00:02,000\n<LAUGHING & WHOOPS!>\n\n"
        b"2\n00:00:03,000 --> 00:00:04,000\n<font color=red><MUSIC PLAYING> <i>la la</i>\n",
        Ok("srt", "utf-8", [
            cue("00:00:01.000", "00:00:02.000", "&lt;LAUGHING &amp; WHOOPS!&gt;"),
            cue("00:00:03.000", "00:00:04.000", "&lt;MUSIC PLAYING&gt; <i>la la</i>"),
        ]),
    ),
    "srt_ass_line_breaks_and_hard_spaces": (
        b"1\n00:00:01,000 --> 00:00:02,000\n{\\an8}forced\\Nbreak, hard\\hspace\n",
        Ok("srt", "utf-8", [cue("00:00:01.000", "00:00:02.000", "forced\nbreak, hard\xa0space", "line:0")]),
    ),
    # --- WebVTT -------------------------------------------------------------------------
    "vtt_full": (
        "WEBVTT - a title\nKind: captions\n\nNOTE a comment\nover two lines\n\nSTYLE\n::cue { color: red }\n\n"
        "REGION\nid:r1 width:40%\n\nintro\n00:01.000 --> 00:02.000 align:start line:10% position:20% region:r1 "
        "size:50% bogus:1 vertical:xx\n<v.loud Bob>Hi <c.yellow.bg_blue>there</c> <00:00:01.500>now\n\n"
        "00:00:00.500 --> 00:00:03.000 align:middle\n<ruby>漢<rt>kan</rt></ruby> <lang fr>oui</lang>\n".encode(),
        Ok("vtt", "utf-8", [
            cue("00:00:00.500", "00:00:03.000", "<ruby>漢<rt>kan</rt></ruby> <lang fr>oui</lang>", "align:center"),
            cue("00:00:01.000", "00:00:02.000",
                "<v.loud Bob>Hi <c.yellow.bg_blue>there</c> <00:00:01.500>now</v>",
                "align:start line:10% position:20% size:50%"),
        ]),
    ),
    "vtt_bom_crlf_no_final_newline": (
        codecs.BOM_UTF8 + b"WEBVTT\r\n\r\n00:00:01.000 --> 00:00:02.000\r\nOne\r\n\r\n"
                          b"00:00:03.000 --> 00:00:04.000\r\nTwo",
        Ok("vtt", "utf-8-sig", [
            cue("00:00:01.000", "00:00:02.000", "One"), cue("00:00:03.000", "00:00:04.000", "Two"),
        ]),
    ),
    "vtt_hours_and_stray_text": (
        b"WEBVTT\n\n01:00:00.000 --> 01:00:01.000\nAn hour in\n\nstray words\n\n"
        b"100:00:00.000 --> 100:00:01.000\nA hundred hours\n",
        Ok("vtt", "utf-8", [
            cue("01:00:00.000", "01:00:01.000", "An hour in"),
            cue("100:00:00.000", "100:00:01.000", "A hundred hours"),
        ], warnings=["Line 6: text outside any cue was skipped ('stray words')."]),
    ),
    "vtt_malformed_timestamp": (
        b"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nFine\n\n00:00:03.000 --> 00:00:04.0000\nBroken\n",
        Err("malformed", "Line 6: malformed timing line '00:00:03.000 --> 00:00:04.0000'; "
                         "expected one like '00:00:01.000 --> 00:00:02.500'."),
    ),
    "vtt_header_only": (b"WEBVTT\n\nNOTE nothing here\n", Err("no_cues", "The WebVTT file has no cues with text.")),
    "vtt_bad_header": (
        b"WEBVTTX\n\n00:00:01.000 --> 00:00:02.000\nHi\n",
        Err("malformed", "Line 1: expected a cue number or a timing line like '00:00:01,000 --> 00:00:02,500', "
                         "found 'WEBVTTX'."),
    ),
    # --- ASS / SSA ----------------------------------------------------------------------
    "ass_styles_and_tags": (
        (ASS_HEADER
         + "Dialogue: 0,0:00:01.00,0:00:02.50,Default,,0,0,0,,{\\i1}Hello{\\i0} world\\Nline\\htwo\n"
         + "Dialogue: 0,0:00:03.00,0:00:04.00,Sign,,0,0,0,,{\\pos(960,540)\\fad(200,200)}A sign\n"
         + "Comment: 0,0:00:03.00,0:00:04.00,Default,,0,0,0,,a comment is not shown\n"
         + "Dialogue: 0,0:00:05.00,0:00:06.00,Default,,0,0,0,,{\\an7\\b1}Top left{\\b0} <tag> & co\n"
         + "Dialogue: 0,0:00:05.00,0:00:06.00,Default,,0,0,0,,{\\p1}m 0 0 l 100 0 100 100{\\p0}\n"
         + "Dialogue: 0,0:00:07.00,0:00:08.00,Note,,0,0,0,,{\\u1\\blur3}Right{\\u0}, soft\\nbreak\n"
         + "Dialogue: 0,0:00:00.00,0:00:00.50,Default,,0,0,0,,{\\an5}Centre, a comma, kept\n").encode(),
        Ok("ass", "utf-8", [
            cue("00:00:00.000", "00:00:00.500", "Centre, a comma, kept", "line:50%,center"),
            cue("00:00:01.000", "00:00:02.500", "<i>Hello</i> world\nline\xa0two"),
            cue("00:00:03.000", "00:00:04.000", "<b>A sign</b>", "line:50%,start position:50%,center"),
            cue("00:00:05.000", "00:00:06.000", "<b>Top left</b> &lt;tag&gt; &amp; co",
                "line:0 position:5%,line-left align:left"),
            cue("00:00:07.000", "00:00:08.000", "<i><u>Right</u>, soft break</i>",
                "position:95%,line-right align:right"),
        ]),
    ),
    "ssa_v4": (
        SSA.encode(),
        Ok("ssa", "utf-8", [
            cue("00:00:01.000", "00:00:02.000", "<i>Top centre, italic by style</i>", "line:0"),
            cue("00:00:03.000", "00:00:04.000", "<i>Bottom left</i>", "position:5%,line-left align:left"),
        ]),
    ),
    "ass_malformed_time": (
        (ASS_HEADER + "Dialogue: 0,0:00:01.00,0:00:02.00,Default,,0,0,0,,Fine\n"
         + "Dialogue: 0,0:00:0x.00,0:00:04.00,Default,,0,0,0,,Broken\n").encode(),
        Err("malformed", "Line 15: malformed time '0:00:0x.00'; expected one like '0:00:01.50'."),
    ),
    "ass_short_dialogue": (
        (ASS_HEADER + "Dialogue: 0,0:00:01.00,0:00:02.00,Default\n").encode(),
        Err("malformed", "Line 14: the Dialogue line has 4 fields, expected 10 (Layer, Start, End, Style, Name, "
                         "MarginL, MarginR, MarginV, Effect, Text)."),
    ),
    "ass_no_events": (ASS_HEADER.encode(), Err("no_cues", "The Advanced SubStation Alpha (ASS) file has no cues with text.")),
    # --- SubViewer ----------------------------------------------------------------------
    "sbv_youtube": (
        b"0:00:01.000,0:00:02.000\nHello\nthere\n\n0:00:03.000,0:00:04.500\n<i>Second</i>\n",
        Ok("sbv", "utf-8", [
            cue("00:00:01.000", "00:00:02.000", "Hello\nthere"),
            cue("00:00:03.000", "00:00:04.500", "<i>Second</i>"),
        ]),
    ),
    "subviewer_2": (
        b"[INFORMATION]\n[TITLE]Demo\n[AUTHOR]Someone\n[END INFORMATION]\n[SUBTITLE]\n[COLF]&HFFFFFF,[STYLE]bd,"
        b"[SIZE]18,[FONT]Arial\n00:00:01.00,00:00:02.50\nFirst[br]line two\n\n00:00:03.00,00:00:04.00\nSecond\n",
        Ok("subviewer", "utf-8", [
            cue("00:00:01.000", "00:00:02.500", "First\nline two"),
            cue("00:00:03.000", "00:00:04.000", "Second"),
        ]),
    ),
    "sbv_malformed": (
        b"0:00:01.000,0:00:02.000\nFine\n\n0:00:03.000,0:00:4.5x\nBroken\n",
        Err("malformed", "Line 4: malformed timing line '0:00:03.000,0:00:4.5x'; "
                         "expected one like '0:00:01.000,0:00:02.500'."),
    ),
    # webvtt-py's invalid_timeframe.sbv: a typo in the start time made the line part of the cue before.
    "sbv_malformed_start_time": (
        b"0:00:01.000,0:00:02.000\nFine\n\n0:00:03.f00,0:00:04.000\nBroken\n",
        Err("malformed", "Line 4: malformed timing line '0:00:03.f00,0:00:04.000'; "
                         "expected one like '0:00:01.000,0:00:02.500'."),
    ),
    # --- TTML ---------------------------------------------------------------------------
    "ttml_styles_ticks_frames": (
        TTML.encode(),
        Ok("ttml", "utf-8", [
            cue("00:00:01.000", "00:00:02.500", "Hello\n<i>world</i> &amp; co"),
            cue("00:00:03.000", "00:00:04.000", "<b>Bold</b> text", "align:left"),
            cue("00:00:05.480", "00:00:06.000", "Frames"),
        ]),
    ),
    "ttml_regions": (
        TTML_REGIONS.encode(),
        Ok("ttml", "utf-8", [
            cue("00:00:01.000", "00:00:02.000", "Up here", "line:5%,start"),
            cue("00:00:03.000", "00:00:04.000", "Down there", "line:90%,end"),
            cue("00:00:05.000", "00:00:06.000", "Pixels are not placed", "align:right"),
        ]),
    ),
    "ttml_dfxp_namespace": (
        DFXP.encode("utf-16"),
        Ok("ttml", "utf-16-le", [cue("00:00:01.500", "00:00:02.500", "<i>Old namespace</i>")]),
    ),
    "ttml_not_well_formed": (
        b'<tt xmlns="http://www.w3.org/ns/ttml"><body><div>\n<p begin="1s" end="2s">Hi</div></body></tt>\n',
        Err("malformed", "Line 2: the TTML is not well-formed XML (mismatched tag at column 28)."),
    ),
    "ttml_p_without_end": (
        b'<tt xmlns="http://www.w3.org/ns/ttml"><body><div><p begin="1s">Forever</p></div></body></tt>',
        Err("malformed", "A TTML <p> (starting 1.000s) has no end or dur, so it has no end time."),
    ),
    "ttml_bad_time": (
        b'<tt xmlns="http://www.w3.org/ns/ttml"><body><div><p begin="soon" end="2s">Hi</p></div></body></tt>',
        Err("malformed", "Unsupported TTML time expression 'soon'; expected e.g. '00:00:01.500', "
                         "'00:00:01:12', '1.5s' or '15000000t'."),
    ),
    "ttml_in_the_wild": (
        TTML_IN_THE_WILD.encode(),
        Ok("ttml", "utf-8", [
            cue("00:00:01.000", "00:00:02.000", "Café &amp; bar — Fish &amp; chips"),
            cue("00:00:03.000", "00:00:04.000", "<i>&lt;&lt; \"Andy's\" &lt;&lt; back ©\xa0…</i>"),
            cue("00:00:05.000", "00:00:06.000", "&amp;unknown; stays &amp;"),
        ]),
    ),
    "ttml_entities": (
        b'<?xml version="1.0"?><!DOCTYPE tt [<!ENTITY a "aaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
        b'<tt xmlns="http://www.w3.org/ns/ttml"><body><div><p begin="1s" end="2s">&b;</p></div></body></tt>',
        Err("malformed", "TTML files with entity declarations are not accepted."),
    ),
    # --- SAMI ---------------------------------------------------------------------------
    "sami_two_languages": (
        SAMI.encode(),
        Ok("sami", "utf-8", [
            cue("00:00:01.000", "00:00:02.500", "Hello <i>there</i>\nfriend"),
            cue("00:00:03.000", "00:00:04.000", "Fish &amp; chips"),
        ]),  # the first track; FRCC is the second (test_convert checks the tracks)
    ),
    "sami_sdh_and_unknown_tags": (
        SAMI_SDH.encode(),
        Ok("sami", "utf-8", [
            cue("00:00:01.000", "00:00:02.000", "&lt;LAUGHING &amp; WHOOPS!&gt;"),
            cue("00:00:02.000", "00:00:03.000", "red hidden <i>it</i>"),
        ]),
    ),
    "sami_bad_start": (
        b"<SAMI><BODY>\n<SYNC Start=abc><P>Hi\n</BODY></SAMI>",
        Err("malformed", "Line 2: SYNC Start 'abc' is not a time in milliseconds."),
    ),
    # --- MicroDVD, MPL2, TMP ------------------------------------------------------------
    "microdvd_declared_fps": (
        b"{1}{1}25\n{25}{50}{y:i}Hello|world\n{75}{100}{Y:b}Bold|both\n",
        Ok("microdvd", "utf-8", [
            cue("00:00:01.000", "00:00:02.000", "<i>Hello</i>\nworld"),
            cue("00:00:03.000", "00:00:04.000", "<b>Bold\nboth</b>"),
        ]),
    ),
    "microdvd_video_fps": (
        b"{24}{48}One\n{72}{96}Two\n",
        Ok("microdvd", "utf-8", [cue("00:00:01.000", "00:00:02.000", "One"), cue("00:00:03.000", "00:00:04.000", "Two")],
           fps=24, warnings=["MicroDVD frames were converted at the video's frame rate (24 fps)."]),
    ),
    "microdvd_no_fps": (
        b"{24}{48}One\n",
        Err("fps_required", "MicroDVD subtitles count video frames, and neither the file ({1}{1}25) nor the video "
                            "gives the frame rate yet. Upload it once the video has been processed, or convert "
                            "it to SRT."),
    ),
    "microdvd_malformed_line": (
        b"{1}{1}25\n{25}{50}One\n{75}{1OO}Two\n",
        Err("malformed", "Line 3: expected a line like '{25}{75}Text', found '{75}{1OO}Two'."),
    ),
    "mpl2": (
        b"[10][25]/Hello|world\n[30][40]Second\n",
        Ok("mpl2", "utf-8", [
            cue("00:00:01.000", "00:00:02.500", "<i>Hello</i>\nworld"),
            cue("00:00:03.000", "00:00:04.000", "Second"),
        ]),
    ),
    "tmp": (
        b"00:00:01:Hello|world\n00:00:02=Next one\n",
        Ok("tmp", "utf-8", [
            cue("00:00:01.000", "00:00:02.000", "Hello\nworld"),
            cue("00:00:02.000", "00:00:03.536", "Next one"),
        ]),
    ),
    # --- SCC (CEA-608) -----------------------------------------------------------------
    # Times are at 29.97 frames a second, from when the last code of the caption is sent.
    "scc_pop_on": (
        SCC_POP_ON.encode(),
        Ok("scc", "utf-8", [
            cue("00:00:01.468", "00:00:03.003", "Hello,\nworld!", "line:83%,start"),
            cue("00:00:04.371", "00:00:05.506", "<i>Up top</i>", "line:5%,start"),
        ]),
    ),
    "scc_roll_up": (
        SCC_ROLL_UP.encode(),
        Ok("scc", "utf-8", [
            cue("00:00:01.001", "00:00:02.002", "FIRST LINE", "line:89%,start"),
            cue("00:00:02.002", "00:00:03.003", "SECOND &amp; LAST", "line:89%,start"),
        ]),
    ),
    "scc_paint_on": (
        SCC_PAINT_ON.encode(),
        Ok("scc", "utf-8", [cue("00:00:01.001", "00:00:03.003", "Painted on", "line:83%,start")]),
    ),
    "scc_without_header": (
        SCC_ROLL_UP.removeprefix(SCC_HEADER).encode(),
        Ok("scc", "utf-8", [
            cue("00:00:01.001", "00:00:02.002", "FIRST LINE", "line:89%,start"),
            cue("00:00:02.002", "00:00:03.003", "SECOND &amp; LAST", "line:89%,start"),
        ]),
    ),
    "scc_bad_code_word": (
        f"{SCC_HEADER}00:00:01:00\t9420 94zz 942f\n".encode(),
        Err("malformed", "Line 3: '94zz' is not an SCC code word (four hexadecimal digits, like 9420)."),
    ),
    "scc_bad_line": (
        f"{SCC_HEADER}00:00:01:00\t9420 942f\n\nHello there\n".encode(),
        Err("malformed", "Line 5: expected a line like '00:00:01:00<tab>9420 9420 94d0 c1c2 942f 942f', "
                         "found 'Hello there'."),
    ),
    "scc_frame_30": (
        f"{SCC_HEADER}00:00:01:30\t9420 9420 9452 9452 {_scc_text('Hi')} 942f 942f\n".encode(),
        Err("malformed", "The SCC file could not be read: Frame number must be 0-29 in SCC timecodes. "
                         "Invalid timecodes: 00:00:01:30 (frame 30)"),
    ),
    "scc_no_text": (f"{SCC_HEADER}00:00:01:00\t942c 942c\n".encode(),
                    Err("no_cues", "The Scenarist Closed Captions (SCC) file has no cues with text.")),
    # --- LRC ----------------------------------------------------------------------------
    "lrc": (
        LRC.encode(),
        Ok("lrc", "utf-8", [
            cue("00:00:01.000", "00:00:03.500", "First line"),
            cue("00:00:03.500", "00:00:06.250", "Chorus, twice"),
            cue("00:00:06.250", "00:00:08.000", "Word <00:00:06.750>by <00:00:07.100>word"),
            cue("00:00:09.000", "00:00:12.000", "Chorus, twice"),
            cue("00:00:12.000", "00:00:13.268", "Last"),
        ]),
    ),
    "lrc_offset": (
        b"[offset:+500]\n[00:01.00]One\n[00:02.00]Two\n",
        Ok("lrc", "utf-8", [cue("00:00:00.500", "00:00:01.500", "One"), cue("00:00:01.500", "00:00:02.701", "Two")]),
    ),
    "lrc_stray_text": (
        b"[00:01.00]One\nnot a lyric line\n[00:02.00]Two\n",
        Ok("lrc", "utf-8", [cue("00:00:01.000", "00:00:02.000", "One"), cue("00:00:02.000", "00:00:03.201", "Two")],
           warnings=["Line 2: a line without a time was skipped ('not a lyric line')."]),
    ),
    "lrc_bad_offset": (
        b"[offset:soon]\n[00:01.00]One\n",
        Err("malformed", "Line 1: the LRC offset 'soon' is not a number of milliseconds (like +500 or -250)."),
    ),
    # --- Legacy encodings ---------------------------------------------------------------
    "cp1252": (_srt_of(CP1252_TEXT).encode("cp1252"), Ok("srt", "cp1252", _cues_of(CP1252_TEXT))),
    "gb2312": (_srt_of(GB_TEXT).encode("gb2312"), Ok("srt", "gb18030", _cues_of(GB_TEXT))),
    "gbk": (_srt_of(GB_TEXT + "镕").encode("gbk"), Ok("srt", "gb18030", _cues_of(GB_TEXT + "镕"))),
    "shift_jis": (_srt_of(SJIS_TEXT).encode("shift_jis"), Ok("srt", "cp932", _cues_of(SJIS_TEXT))),
    "big5": (_srt_of(BIG5_TEXT).encode("big5"), Ok("srt", "big5", _cues_of(BIG5_TEXT))),
    "utf8_multilingual": (
        _srt_of("Ünïcödé ✓ 中文 日本語 한국어 עברית العربية 🎬").encode(),
        Ok("srt", "utf-8", _cues_of("Ünïcödé ✓ 中文 日本語 한국어 עברית العربية 🎬")),
    ),
    # --- Not subtitles at all -----------------------------------------------------------
    "empty": (b"", Err("empty", "The file is empty.")),
    "whitespace_only": (b" \r\n\t\n", Err("empty", "The file is empty.")),
    "bom_only": (codecs.BOM_UTF8, Err("empty", "The file is empty.")),
    "utf16_bom_only": (codecs.BOM_UTF16_LE + "\n".encode("utf-16-le"), Err("empty", "The file is empty.")),
    "png": (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, Err("binary", "This is a PNG image, not a subtitle file.")),
    "zip": (b"PK\x03\x04" + bytes(60), Err("binary", "This is a ZIP archive, not a subtitle file.")),
    "mp4": (b"\x00\x00\x00\x20ftypisom" + bytes(100), Err("binary", "This is an MP4/QuickTime video, not a subtitle file.")),
    "binary_with_nuls": (
        bytes((index * 37 + 11) % 256 for index in range(3000)),
        Err("binary", "The file contains binary data (NUL bytes), not subtitle text."),
    ),
    "binary_control_characters": (
        bytes(byte for byte in ((index * 73 + 5) % 256 for index in range(3000)) if byte),
        Err("binary", "The file is neither UTF-8 nor text in a known legacy encoding; it looks like binary data. "
                      "Save it as UTF-8 and upload it again."),
    ),
    "utf8_with_control_characters": (
        b"1\n00:00:01,000 --> 00:00:02,000\n" + b"\x01\x02\x03\x04 junk \x05\x06\x07\x08\n",
        Err("binary", "The file contains binary data (control characters), not subtitle text."),
    ),
    "bad_utf8_after_bom": (
        codecs.BOM_UTF8 + b"1\n00:00:01,000 --> 00:00:02,000\ncaf\xe9\n",
        Err("encoding", "The file is marked as UTF-8 by its byte-order mark but is not valid UTF-8 "
                        "(bad bytes at offset 35)."),
    ),
    "plain_prose": (
        b"Dear diary, today I wrote no subtitles at all.\nNone whatsoever.\n",
        Err("unknown_format", "Unrecognised subtitle format. Supported formats: SubRip (SRT), WebVTT, "
                              "Advanced SubStation Alpha (ASS), SubStation Alpha (SSA), SubViewer (SBV), "
                              "SubViewer 2, TTML/DFXP, SAMI, MicroDVD, MPL2, TMP, Scenarist Closed Captions (SCC), "
                              "LRC (lyrics)."),
    ),
    "html_page": (
        b"<!DOCTYPE html><html><body><p>Not subtitles</p></body></html>",
        Err("unknown_format", "The file is XML or HTML but neither TTML (<tt>) nor SAMI (<SAMI>)."),
    ),
    "too_large": (
        SRT.encode() * 20,
        Err("too_large", "The file is 2 KiB; subtitle files may be at most 1 KiB.", max_bytes=1024),
    ),
}
