"""Caption samples from pycaption's test suite, uploaded through the REST API: WebVTT or a clear 400.

pycaption's sdist (pinned, downloaded once into .venv/samples as data) ships its samples as pytest
fixtures in tests/fixtures/*.py: SCC from broadcasts (pop-on, roll-up, paint-on, and the
regressions of real files), DFXP/TTML as found in the wild (HTML entities, unescaped '<<', frame
and tick timing, styles, regions) and SAMI (several languages, entities). Every fixture that
returns a string literal is a sample; they are found with `ast`, never imported or run.

The reference is pycaption's own reading of each sample. For DFXP and SAMI it is independent of
ours (BeautifulSoup's html.parser, where ours is expat and a scanner); for SCC it is the reader
ours is built on, so there the comparison checks what we make of its captions. Compared, track by
track: each cue's start, end and text as a viewer reads it, except the end of each SAMI language's
last cue: the last SYNC gives none, pycaption shows it 4 s and we a reading time. SAMPLES names
every sample that does not read as pycaption reads it, with what we do and why.
"""

import ast
import html
import re
import warnings
from dataclasses import dataclass

import pycaption
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from conftest import public_package_files
from subtitles.convert import language_normalize
from subtitles.models import Subtitle

from .conftest import make_video

pytestmark = pytest.mark.django_db

REQUIREMENT, FOLDER = "pycaption==2.3.14", "pycaption-2.3.14"
MODULES = {"scc": "scc", "dfxp": "ttml", "sami": "sami"}  # fixture module: the format we must detect
READERS = {"scc": pycaption.SCCReader, "dfxp": pycaption.DFXPReader, "sami": pycaption.SAMIReader}


@dataclass(frozen=True)
class Refused:
    message: str  # the message for the uploader; with `prefix`, how it starts (pycaption's details follow)
    why: str
    prefix: bool = False


@dataclass(frozen=True)
class Ours:
    cues: tuple[tuple[int, int, str], ...]  # (start ms, end ms, text) of the one track
    why: str


LONG_LINE = Refused(
    "The SCC file could not be read: 32 character limit for caption cue in scc file. Lines longer than 32: around ",
    "pycaption decodes a row longer than CEA-608's 32 columns and refuses the file, as its own tests expect",
    prefix=True,
)

SAMPLES: dict[str, Refused | Ours] = {
    # --- SCC --------------------------------------------------------------------------------
    "scc/sample_scc_empty": Refused(
        "The Scenarist Closed Captions (SCC) file has no cues with text.", "a header alone"
    ),
    "scc/sample_scc_flashing_cue": Refused(
        'The SCC file could not be read: Unsupported cue duration around 00:00:20.433 for line beginning with '
        '"ADDITIONAL FUNDING WAS PROVIDED BY:". Duration must be at least 0.05 seconds.',
        "a caption shown for less than 0.05 s: pycaption refuses it",
    ),
    "scc/sample_scc_with_unknown_commands": Refused(
        "Line 3: '942x' is not an SCC code word (four hexadecimal digits, like 9420).",
        "words that are not hexadecimal; pycaption skips them and finds no captions",
    ),
    "scc/sample_scc_special_and_extended_characters": Refused(
        "The Scenarist Closed Captions (SCC) file has no cues with text.",
        "characters loaded but never displayed (no end of caption): pycaption finds no captions either",
    ),
    "scc/sample_scc_frame_30": Refused(
        "The SCC file could not be read: Frame number must be 0-29 in SCC timecodes. Invalid timecodes: "
        "00:00:09:30 (frame 30)",
        "frame 30 in a 30-frame timecode",
    ),
    **{f"scc/{name}": LONG_LINE for name in (
        "sample_scc_with_line_too_long", "sample_scc_with_line_indented_past_the_last_column",
        "sample_scc_pac_pointing_back_over_a_full_row_with_less_text",
        "sample_scc_roll_up_next_line_without_a_carriage_return",
        "sample_scc_indented_line_on_the_same_row_without_a_pac", "sample_scc_text_before_its_pac_on_the_same_row",
        "sample_scc_caption_opening_with_a_blank_line_then_continuing_its_row",
        "sample_scc_two_cues_the_second_continuing_its_row", "sample_scc_long_line_after_a_row_change",
        "sample_scc_long_line_after_a_repositioning", "sample_scc_roll_up_long_line_after_a_carriage_return",
        "sample_scc_pop_on_text_then_paint_on_line_without_a_pac",
        "sample_scc_long_line_then_a_line_continuing_its_row",
        "sample_scc_pac_resending_a_continued_row_in_full_past_the_last_column",
        "sample_scc_text_before_its_pac_on_another_row",
        "sample_scc_pac_resending_a_row_in_full_then_a_line_continuing_it",
    )},
    # --- DFXP/TTML --------------------------------------------------------------------------
    "dfxp/sample_dfxp_empty": Refused("The TTML/DFXP file has no cues with text.", "a body without paragraphs"),
    "dfxp/sample_dfxp_invalid_but_supported_positioning_output": Refused(
        "Line 29: the TTML is not well-formed XML (duplicate attribute at column 66).",
        "pycaption's writer output with an attribute given twice: not XML, and which value counts is a guess",
    ),
    "dfxp/sample_dfxp_incorrect_time_format": Refused(
        "Unsupported TTML time expression '0:05'; expected e.g. '00:00:01.500', '00:00:01:12', '1.5s' "
        "or '15000000t'.",
        "a time without hours or units; pycaption refuses it too",
    ),
    "dfxp/sample_dfxp_missing_begin": Refused(
        "A TTML <p> (starting 0.000s) has no end or dur, so it has no end time.",
        "no times at all; pycaption refuses it too",
    ),
    "dfxp/sample_dfxp_missing_end_and_dur": Refused(
        "Unsupported TTML time expression ''; expected e.g. '00:00:01.500', '00:00:01:12', '1.5s' or '15000000t'.",
        "an empty end time; pycaption refuses it too",
    ),
    "dfxp/sample_dfxp_with_inline_style": Ours(
        ((9209, 12312, "This is italic, bold , underline, everything together in one tag, and nested."),),
        "'bold\\n    </span>, ': XML's white space before the comma is a space, pycaption drops it",
    ),
    "dfxp/sample_dfxp_multiple_regions_input": Ours(
        ((2700, 5700, "Hello there!"), (5700, 6210, "How are you?"),
         (7700, 9210, ">> I'm fine, thank you << replied someone. >>And now we're going to have fun<<"),
         (10707, 11210, "What do you have in mind?"), (12900, 13900, "To write random words here!")),
        "the line break before a <span> is a space in XML; pycaption drops it",
    ),
    "dfxp/sample_dfxp_invalid_positioning_value_template": Ours(
        ((9209, 12312, "( clock ticking )"),),
        "a template whose region origin is '{origin}': we leave the region's place out, pycaption refuses the file",
    ),
    # --- SAMI -------------------------------------------------------------------------------
    "sami/sample_sami_empty": Refused("The SAMI file has no cues with text.", "SYNCs without text"),
    "sami/sample_sami_missing_start": Refused(
        "Line 18: SYNC Start '' is not a time in milliseconds.", "a SYNC without its time; pycaption refuses it too"
    ),
    "sami/sample_sami_with_multiple_p": Ours(
        ((133, 1337, "1st paragraph.\n2nd paragraph."), (1337, 3275, "3rd paragraph.")),
        "two paragraphs of one language in a SYNC are one cue of two lines; pycaption makes two cues",
    ),
    "sami/sample_sami_including_html5_entityref": Ours(
        ((1301, 2502, "★_★"),), "'&starf;' is an HTML5 entity; pycaption shows it as written"
    ),
}


def _samples() -> dict[str, str]:
    """Every fixture of pycaption's fixture modules that returns a string literal, by module/name."""
    root = public_package_files(REQUIREMENT) / FOLDER / "tests" / "fixtures"
    samples = {}
    for module in MODULES:
        for node in ast.parse((root / f"{module}.py").read_text()).body:
            if isinstance(node, ast.FunctionDef) and isinstance(node.body[-1], ast.Return):
                value = node.body[-1].value
                if isinstance(value, ast.Constant) and isinstance(value.value, str):
                    samples[f"{module}/{node.name}"] = value.value
    return samples


def test_the_samples_are_found_and_every_exception_names_one():
    samples = _samples()
    assert {name.partition("/")[0] for name in samples} == set(MODULES)
    assert len(samples) > 150
    assert set(SAMPLES) <= set(samples)


@pytest.fixture(scope="module")
def samples():
    return _samples()


@pytest.fixture
def uploader(django_user_model):
    return django_user_model.objects.create_user(username="uploader")


# The ids come from the fixture modules; listing them needs the sdist, so it is fetched at collection.
@pytest.mark.parametrize("name", sorted(_samples()))
def test_pycaption_sample_gives_webvtt_or_a_clear_400(uploader, samples, name):
    text = samples[name]
    module = name.partition("/")[0]
    expected = SAMPLES.get(name)
    video = make_video(uploader, ready=True)
    client = APIClient()
    client.force_authenticate(uploader)
    url = f"/api/v1/videos/{video.pk}/subtitles/"
    upload = SimpleUploadedFile(f"{name.rpartition('/')[2]}.{module}", text.encode(), "application/octet-stream")
    response = client.post(url, {"file": upload, "language": "en"}, format="multipart")

    if isinstance(expected, Refused):
        assert response.status_code == 400, f"accepted a file to refuse ({expected.why}): {response.content[:300]}"
        (message,) = response.json()["error"]["fields"]["file"]
        assert message.startswith(expected.message) if expected.prefix else message == expected.message
        assert not Subtitle.objects.filter(video=video).exists()
        return

    assert response.status_code == 201, f"refused a sample: {response.content[:300]}"
    body = response.json()
    assert body["source_format"] == MODULES[module]
    ours = {}
    for subtitle in [body, *body["other_subtitles"]]:
        download = client.get(f"{url}{subtitle['id']}/download/")
        vtt = b"".join(download.streaming_content).decode("utf-8")
        ours[subtitle["language"]] = _cues(vtt)
        assert subtitle["cue_count"] == len(ours[subtitle["language"]])
    if isinstance(expected, Ours):
        assert list(ours.values()) == [[(start, end, " ".join(text.split())) for start, end, text in expected.cues]]
        return
    theirs = _pycaption_tracks(module, text)
    if len(theirs) == 1:
        theirs = {body["language"]: next(iter(theirs.values()))}  # one language: the uploader's
    last_open = module == "sami"
    assert {language: _comparable(cues, last_open) for language, cues in ours.items()} == {
        language: _comparable(cues, last_open) for language, cues in theirs.items()
    }


def _pycaption_tracks(module: str, text: str) -> dict[str, list[tuple[int, int, str]]]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        captions = READERS[module]().read(text)
    tracks = {}
    for language in captions.get_languages():
        cues = [(round(caption.start / 1000), round(caption.end / 1000), " ".join(caption.get_text().split()))
                for caption in captions.get_captions(language)]
        tracks[language_normalize(language)] = [cue for cue in cues if cue[2] and cue[1] > cue[0]]
    return tracks


def _comparable(cues: list[tuple[int, int, str]], last_open: bool) -> list[tuple[int, int | None, str]]:
    cues = sorted(cues)
    if last_open and cues:
        cues[-1] = (cues[-1][0], None, cues[-1][2])
    return cues


def _cues(vtt: str) -> list[tuple[int, int, str]]:
    assert vtt.startswith("WEBVTT\n\n")
    cues = []
    for block in vtt[len("WEBVTT\n\n"):].rstrip("\n").split("\n\n"):
        timing, *lines = block.split("\n")
        start, _, end = timing.split(" ")[:3]
        cues.append((_ms(start), _ms(end), _plain("\n".join(lines))))
    return cues


def _ms(clock: str) -> int:
    hours, minutes, seconds = clock.split(":")
    return round((int(hours) * 3600 + int(minutes) * 60 + float(seconds)) * 1000)


def _plain(markup: str) -> str:
    """Cue text as a viewer reads it: WebVTT tags gone, escapes decoded, white space collapsed."""
    text = re.sub(r"<[^<>]*>", "", markup)  # our own markup only: text '<' is escaped
    return " ".join(html.unescape(text).replace("\xa0", " ").split())
