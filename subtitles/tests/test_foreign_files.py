"""Subtitle files from other projects' test suites, uploaded through the REST API: WebVTT or a clear 400.

The files come from pinned source distributions on PyPI, downloaded once into .venv/samples as data
(never installed): webvtt-py's samples (WebVTT, SRT and SBV, valid and broken), pysubs2's (ASS with
attached fonts and images, TTML including Apple's), pysrt's (UTF-8/16/32 with byte-order marks,
Windows-1252, a tag and position "capability tester"), srt's (ASCII and GB2312) and
captionstransformer's (TTML and a YouTube transcript). FILES names every subtitle file they ship
with the outcome it must have, and a test checks that none is left out.

An accepted file's stored WebVTT must parse (our strict reading, and webvtt-py's strict one) and
hold, cue by cue, the times and text that an independent reader finds in the original: webvtt-py
(loaded from its sdist) for WebVTT, SRT and SBV; pysubs2 for TTML; for ASS, where pysubs2 is what
our reader builds on, a plain reading of the Dialogue lines. Cues without text or lasting no time
are left out of the reference as we leave them out of the WebVTT (with a warning for the latter).
"""

import html
import importlib.util
import io
import re
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path

import pysubs2
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from conftest import public_package_files
from subtitles.models import Subtitle

from .conftest import make_video

pytestmark = pytest.mark.django_db

# name in the test ids: (requirement, folder of the unpacked sdist)
PACKAGES = {
    "webvtt-py": ("webvtt-py==0.6.0", "webvtt_py-0.6.0"),
    "pysubs2": ("pysubs2==1.8.1", "pysubs2-1.8.1"),
    "pysrt": ("pysrt==1.1.2", "pysrt-1.1.2"),
    "srt": ("srt==3.5.3", "srt-3.5.3"),
    "captionstransformer": ("captionstransformer==1.2.1", "captionstransformer-1.2.1"),
}
SUBTITLE_SUFFIXES = {".srt", ".vtt", ".ass", ".ssa", ".sbv", ".sub", ".ttml", ".dfxp", ".smi", ".sami"}
MAYBE_SUBTITLE_SUFFIXES = {".xml", ".txt"}  # only when the content says so


@dataclass(frozen=True)
class Accepted:
    format: str
    encoding: str = "utf-8"  # what detection must find: what the file's name or its project says
    decode_as: str = ""  # the codec the reference reads the bytes with, when not `encoding`
    reference: str = ""  # "webvtt-py", "pysubs2" or "dialogue-lines"; by default chosen by extension
    cues: tuple[tuple[str, str, str], ...] = ()  # (start, end, text), where no reference reads it as we do
    why: str = ""
    shown: tuple[str, ...] = ()  # angle-bracket text the reference strips as tags and we show, as VLC does


@dataclass(frozen=True)
class Refused:
    message: str  # the exact message for the uploader
    why: str


UNRECOGNISED = (
    "Unrecognised subtitle format. Supported formats: SubRip (SRT), WebVTT, Advanced SubStation Alpha (ASS), "
    "SubStation Alpha (SSA), SubViewer (SBV), SubViewer 2, TTML/DFXP, SAMI, MicroDVD, MPL2, TMP, "
    "Scenarist Closed Captions (SCC), LRC (lyrics)."
)
NO_ASS_CUES = "The Advanced SubStation Alpha (ASS) file has no cues with text."
SBV_LAST_CUE_BACKWARDS = (
    "webvtt-py's SBV samples all end with a cue that ends before it starts (0:00:17.484,0:00:16.543); "
    "webvtt-py does not check, we refuse such a typo with its line rather than guess"
)

FILES: dict[str, Accepted | Refused] = {
    # --- webvtt-py: tests/samples -------------------------------------------------------
    "webvtt-py/tests/samples/captions_with_bom.vtt": Accepted("vtt", "utf-8-sig"),
    "webvtt-py/tests/samples/comments.vtt": Accepted("vtt"),
    "webvtt-py/tests/samples/cue_tags.vtt": Accepted("vtt"),
    "webvtt-py/tests/samples/empty.vtt": Refused("The file is empty.", "zero bytes"),
    "webvtt-py/tests/samples/invalid.vtt": Accepted(
        "srt", reference="pysubs2",
        why="no WEBVTT header, so webvtt-py refuses it as WebVTT; by content it is SRT without cue numbers",
    ),
    "webvtt-py/tests/samples/invalid_format.sbv": Refused(UNRECOGNISED, "one line of text, no times"),
    "webvtt-py/tests/samples/invalid_format1.srt": Refused(UNRECOGNISED, "a cue number alone"),
    "webvtt-py/tests/samples/invalid_format2.srt": Refused(UNRECOGNISED, "one line of text, no times"),
    "webvtt-py/tests/samples/invalid_format3.srt": Refused(UNRECOGNISED, "a cue number and text, no times"),
    "webvtt-py/tests/samples/invalid_format4.srt": Refused(
        "The SubRip (SRT) file has no cues with text.", "text, then a timing line that has no text"
    ),
    "webvtt-py/tests/samples/invalid_timeframe.sbv": Refused(
        "Line 7: malformed timing line '0:00:13.f89,0:00:15.489'; expected one like '0:00:01.000,0:00:02.500'.",
        "a letter in a time",
    ),
    "webvtt-py/tests/samples/invalid_timeframe.srt": Accepted(
        "srt",
        cues=(
            ("00:00:00.500", "00:00:07.000", "Caption text #1"),
            ("00:00:07.000", "00:00:11.890", "Caption text #2"),
            ("00:00:11.890", "00:00:16.320", "Caption text #3"),
            ("00:00:16.320", "00:00:21.580", "Caption text #4"),
            ("00:00:21.580", "00:00:23.880", "Caption text #5"),
        ),
        why="'00:00:11:890' has a colon before the milliseconds, as SRT writers in the wild do: we read it, "
        "webvtt-py and pysubs2 skip the cue",
    ),
    "webvtt-py/tests/samples/invalid_timeframe.vtt": Refused(
        "Line 6: malformed timing line '00:00:07.000 --> 00:00:1d.890'; "
        "expected one like '00:00:01.000 --> 00:00:02.500'.",
        "a letter in a time (webvtt-py skips the cue unless strict)",
    ),
    "webvtt-py/tests/samples/invalid_timeframe_in_cue_text.vtt": Accepted(
        "vtt", why="a timing line right after another starts a cue; the first is empty and left out"
    ),
    "webvtt-py/tests/samples/metadata_headers.vtt": Accepted("vtt"),
    "webvtt-py/tests/samples/metadata_headers_multiline.vtt": Accepted("vtt"),
    "webvtt-py/tests/samples/missing_caption_text.sbv": Refused(
        "Line 12: the cue ends (00:00:16.543) before it starts (00:00:17.484).", SBV_LAST_CUE_BACKWARDS
    ),
    "webvtt-py/tests/samples/missing_caption_text.srt": Accepted("srt", why="the cue without text is left out"),
    "webvtt-py/tests/samples/missing_caption_text.vtt": Accepted("vtt", why="the cue without text is left out"),
    "webvtt-py/tests/samples/missing_timeframe.sbv": Refused(
        "Line 12: the cue ends (00:00:16.543) before it starts (00:00:17.484).", SBV_LAST_CUE_BACKWARDS
    ),
    "webvtt-py/tests/samples/missing_timeframe.srt": Refused(
        "Line 5: cue number 2 is not followed by a timing line like '00:00:01,000 --> 00:00:02,500'.",
        "a cue without its timing line",
    ),
    "webvtt-py/tests/samples/missing_timeframe.vtt": Accepted(
        "vtt", why="a block without a timing line is skipped with a warning, as WebVTT parsers do"
    ),
    "webvtt-py/tests/samples/netflix_chicas_del_cable.vtt": Accepted("vtt"),
    "webvtt-py/tests/samples/no_captions.vtt": Refused("The WebVTT file has no cues with text.", "a header alone"),
    "webvtt-py/tests/samples/non_padded_timestamps.vtt": Accepted(
        "vtt", why="'0:0:3.540' and '1:2:7.950': pysubs2 reads none of these times, webvtt-py does"
    ),
    "webvtt-py/tests/samples/one_caption.srt": Accepted("srt"),
    "webvtt-py/tests/samples/one_caption.vtt": Accepted("vtt"),
    "webvtt-py/tests/samples/regions.vtt": Accepted("vtt"),
    "webvtt-py/tests/samples/sample.sbv": Refused(
        "Line 14: the cue ends (00:00:16.543) before it starts (00:00:17.484).", SBV_LAST_CUE_BACKWARDS
    ),
    "webvtt-py/tests/samples/sample.srt": Accepted("srt"),
    "webvtt-py/tests/samples/sample.vtt": Accepted("vtt"),
    "webvtt-py/tests/samples/styles.vtt": Accepted("vtt"),
    "webvtt-py/tests/samples/styles_colours.srt": Accepted("srt"),
    "webvtt-py/tests/samples/styles_colours.vtt": Accepted("vtt"),
    "webvtt-py/tests/samples/styles_with_comments.vtt": Accepted("vtt"),
    "webvtt-py/tests/samples/two_captions.sbv": Accepted("sbv"),
    "webvtt-py/tests/samples/using_identifiers.vtt": Accepted("vtt"),
    "webvtt-py/tests/samples/youtube_dl.vtt": Accepted("vtt"),
    # --- pysubs2: tests/data --------------------------------------------------------------
    "pysubs2/tests/data/subtitle_with_attached_fonts_aegisub.ass": Accepted("ass", "utf-8-sig"),
    "pysubs2/tests/data/subtitle_with_attached_fonts_no_events.ass": Refused(NO_ASS_CUES, "no Dialogue lines"),
    "pysubs2/tests/data/subtitle_with_attached_fonts_pysubs2_ref.ass": Accepted("ass"),
    "pysubs2/tests/data/subtitle_with_attached_images_aegisub.ass": Refused(
        NO_ASS_CUES, "its one Dialogue line has no text"
    ),
    "pysubs2/tests/data/subtitle_with_attached_images_pysubs2_ref.ass": Refused(
        NO_ASS_CUES, "its one Dialogue line has no text"
    ),
    "pysubs2/tests/data/ttml_example.ass": Accepted("ass"),
    "pysubs2/tests/data/ttml_example.ttml": Accepted("ttml"),
    "pysubs2/tests/data/ttml_example2.ass": Accepted("ass"),
    "pysubs2/tests/data/ttml_example2.ttml": Accepted("ttml"),
    "pysubs2/tests/data/ttml_example_apple.ass": Accepted("ass"),
    "pysubs2/tests/data/ttml_example_apple.ttml": Refused(
        "Unsupported TTML time expression '3:58.640'; expected e.g. '00:00:01.500', '00:00:01:12', '1.5s' "
        "or '15000000t'.",
        "Apple Music's lyrics TTML: times without units or hours are not TTML, and its nested begin times "
        "are absolute where TTML makes them relative to the parent, so reading it would mean guessing",
    ),
    # --- pysrt: tests/static --------------------------------------------------------------
    "pysrt/tests/static/bom-utf-16-be.srt": Accepted("srt", "utf-16-be"),
    "pysrt/tests/static/bom-utf-16-le.srt": Accepted("srt", "utf-16-le"),
    "pysrt/tests/static/bom-utf-32-be.srt": Accepted("srt", "utf-32-be"),
    "pysrt/tests/static/bom-utf-32-le.srt": Accepted("srt", "utf-32-le"),
    "pysrt/tests/static/bom-utf-8.srt": Accepted("srt", "utf-8-sig"),
    "pysrt/tests/static/capability_tester.srt": Accepted(
        "srt", "utf-8-sig",
        shown=("<invalid_tag_unclosed>", "</invalid_tag_not_opened>", "<invalid_tag_uc par=5>", "</xxxxx>", "<yyyy>"),
        why="two cues lasting no time are left out with a warning; unknown tags are hidden when closed and "
        "shown when not, as the file asks",
    ),
    "pysrt/tests/static/empty.srt": Accepted("srt", "utf-8-sig", why="'empty' are two cues without text, left out"),
    "pysrt/tests/static/invalid.srt": Accepted(
        "srt", cues=(("00:00:01.000", "00:00:10.000", "This subtitle is invalid"),),
        why="times without milliseconds: pysrt refuses them when strict, webvtt-py and pysubs2 find no cue; "
        "the fraction is optional for us",
    ),
    "pysrt/tests/static/no-indexes.srt": Accepted(
        "srt", "utf-8-sig", reference="pysubs2", why="no cue numbers, which webvtt-py requires"
    ),
    "pysrt/tests/static/utf-8.srt": Accepted("srt"),
    "pysrt/tests/static/windows-1252.srt": Accepted("srt", "cp1252"),
    # --- srt: srt_tools/tests/files -------------------------------------------------------
    "srt/srt_tools/tests/files/ascii.srt": Accepted("srt"),
    "srt/srt_tools/tests/files/gb2312.srt": Accepted("srt", "gb18030", decode_as="gb2312"),
    # --- captionstransformer ----------------------------------------------------------------
    "captionstransformer/test.xml": Refused(
        "The file is XML or HTML but neither TTML (<tt>) nor SAMI (<SAMI>).",
        "YouTube's timedtext transcript (<transcript><text start dur>), a format we do not read",
    ),
    "captionstransformer/tutu.xml": Accepted("ttml"),
}


def _path(file_id: str) -> Path:
    package, _, relative = file_id.partition("/")
    requirement, folder = PACKAGES[package]
    return public_package_files(requirement) / folder / relative


def test_every_subtitle_file_of_the_packages_has_an_expected_outcome():
    found = set()
    for package, (requirement, folder) in PACKAGES.items():
        root = public_package_files(requirement) / folder
        for path in root.rglob("*"):
            if not path.is_file() or any(part.endswith(".egg-info") for part in path.parts):
                continue
            suffix = path.suffix.lower()
            if suffix in SUBTITLE_SUFFIXES or (suffix in MAYBE_SUBTITLE_SUFFIXES and _looks_like_subtitles(path)):
                found.add(f"{package}/{path.relative_to(root).as_posix()}")
    assert found == set(FILES)


def _looks_like_subtitles(path: Path) -> bool:
    head = path.read_bytes()[:2048].decode("utf-8", "replace").lower()
    return "-->" in head or re.search(r"<(tt|transcript|sami)[\s>]", head) is not None


@pytest.fixture
def uploader(django_user_model):
    # No password: hashing one (as the shared `user` fixture does) would be most of each test's time.
    return django_user_model.objects.create_user(username="uploader")


@pytest.mark.parametrize("file_id", list(FILES))
def test_foreign_file_gives_webvtt_or_a_clear_400(uploader, file_id):
    expected = FILES[file_id]
    path = _path(file_id)
    data = path.read_bytes()
    video = make_video(uploader, ready=True)
    client = APIClient()
    client.force_authenticate(uploader)
    url = f"/api/v1/videos/{video.pk}/subtitles/"
    upload = SimpleUploadedFile(path.name, data, content_type="application/octet-stream")
    response = client.post(url, {"file": upload, "language": "en"}, format="multipart")

    if isinstance(expected, Refused):
        assert response.status_code == 400, f"accepted a broken file ({expected.why}): {response.content[:300]}"
        assert response.json() == {"error": {
            "code": "invalid", "message": f"file: {expected.message}", "fields": {"file": [expected.message]},
        }}
        assert not Subtitle.objects.filter(video=video).exists()
        return

    assert response.status_code == 201, f"refused a valid file: {response.content[:300]}"
    body = response.json()
    assert (body["source_format"], body["source_encoding"]) == (expected.format, expected.encoding)
    download = client.get(f"{url}{body['id']}/download/")
    assert download.status_code == 200
    vtt = b"".join(download.streaming_content).decode("utf-8")
    ours = _webvtt_cues(vtt)
    assert body["cue_count"] == len(ours)
    assert len(_webvtt_py().from_buffer(io.StringIO(vtt), format="vtt", strict=True).captions) == len(ours)

    if expected.cues:
        wanted = [(_ms(start), _ms(end), text) for start, end, text in expected.cues]
    else:
        text = data.decode(expected.decode_as or expected.encoding).lstrip("\ufeff")
        for index, shown in enumerate(expected.shown):  # out of the reference's reach while it strips tags
            text = text.replace(shown, f"\x00{index}\x00")
        wanted = _reference_cues(path.suffix.lower(), text, expected.reference)
        for index, shown in enumerate(expected.shown):
            wanted = [(start, end, body.replace(f"\x00{index}\x00", shown)) for start, end, body in wanted]
    assert [(start, end, _plain(text)) for start, end, text in ours] == wanted


# ---- our output, read strictly -------------------------------------------------------------------

_VTT_TIME = r"\d{2,}:[0-5]\d:[0-5]\d\.\d{3}"
_VTT_TIMING = re.compile(rf"^({_VTT_TIME}) --> ({_VTT_TIME})(?: \S.*)?$")


def _webvtt_cues(vtt: str) -> list[tuple[int, int, str]]:
    """(start ms, end ms, text) of each cue of the WebVTT we wrote; every block must be a valid cue."""
    assert vtt.startswith("WEBVTT\n\n") and vtt.endswith("\n") and "\r" not in vtt
    cues = []
    for block in vtt[len("WEBVTT\n\n"):].rstrip("\n").split("\n\n"):
        timing, *lines = block.split("\n")
        match = _VTT_TIMING.match(timing)
        assert match, f"not a cue timing line: {timing!r}"
        start, stop = _ms(match.group(1)), _ms(match.group(2))
        assert start <= stop, timing
        assert lines and all(line.strip() for line in lines) and not any("-->" in line for line in lines), block
        cues.append((start, stop, "\n".join(lines)))
    return cues


def _ms(clock: str) -> int:
    hours, minutes, seconds = clock.strip().split(":")
    return round((int(hours) * 3600 + int(minutes) * 60 + float(seconds)) * 1000)


# ---- the independent readers -----------------------------------------------------------------------

READER_BY_SUFFIX = {
    ".vtt": "webvtt-py", ".srt": "webvtt-py", ".sbv": "webvtt-py",
    ".ttml": "pysubs2", ".xml": "pysubs2",
    ".ass": "dialogue-lines", ".ssa": "dialogue-lines",
}


def _reference_cues(suffix: str, text: str, reader: str) -> list[tuple[int, int, str]]:
    reader = reader or READER_BY_SUFFIX[suffix]
    if reader == "webvtt-py":
        format_ = {".vtt": "vtt", ".srt": "srt", ".sbv": "sbv"}[suffix]
        captions = _webvtt_py().from_buffer(io.StringIO(text), format=format_).captions
        cues = [(c.start_time.in_milliseconds(), c.end_time.in_milliseconds(), c.raw_text) for c in captions]
    elif reader == "pysubs2":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            events = pysubs2.SSAFile.from_string(text).events
        cues = [(event.start, event.end, event.text) for event in events if not event.is_comment]
    else:
        cues = _dialogue_lines(text)
    # What we leave out on purpose: cues with nothing to show, or lasting no time.
    kept = [(start, end, _plain(body)) for start, end, body in cues if end > start and _plain(body)]
    return sorted(kept, key=lambda cue: (cue[0], cue[1]))  # stable, as ours: equal times keep file order


def _dialogue_lines(text: str) -> list[tuple[int, int, str]]:
    """The Dialogue lines of an ASS/SSA script, read by the [Events] Format line."""
    fields, cues = None, []
    for line in text.split("\n"):
        key, _, value = line.partition(":")
        if key.strip() == "Format" and "Text" in value:
            fields = [name.strip() for name in value.split(",")]
        elif key.strip() == "Dialogue" and fields:
            values = dict(zip(fields, value.split(",", len(fields) - 1)))
            cues.append((_ms(values["Start"]), _ms(values["End"]), values["Text"]))
    return cues


def _plain(text: str) -> str:
    """Text as a viewer reads it: without tags, ASS override blocks and escapes, whitespace collapsed."""
    text = re.sub(r"\{\\[^{}]*\}", "", text)
    text = text.replace("\\N", " ").replace("\\n", " ").replace("\\h", " ")
    text = re.sub(r"</?[A-Za-z][^<>]*>|<\d[\d:.]*>", "", text)
    return " ".join(html.unescape(text).replace("\xa0", " ").split())


def _webvtt_py():
    """webvtt-py, imported from its sdist under a name of its own (it is data here, not a dependency)."""
    name = "webvtt_py_reference"
    if name not in sys.modules:
        requirement, folder = PACKAGES["webvtt-py"]
        package = public_package_files(requirement) / folder / "webvtt"
        spec = importlib.util.spec_from_file_location(
            name, package / "__init__.py", submodule_search_locations=[str(package)]
        )
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]
