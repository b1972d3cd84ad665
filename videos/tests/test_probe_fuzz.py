"""Fuzzing parse_probe: any JSON gives a ProbeResult that keeps its promises, or a ProbeError.

ffprobe's JSON describes the uploaded file, and much of it (tags, side data, sizes, durations) is
whatever the file says. Two sources: arbitrary JSON values, and mutations of a realistic ffprobe
output (a phone video with a cover picture, audio, subtitles and rotation side data). Bounded in
examples, so the file runs in seconds.
"""

import copy
import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from videos.ffmpeg import ProbeError, parse_probe
from videos.ffmpeg.inputs import ACCEPTED_DEMUXERS
from videos.ffmpeg.probe import ProbeLimits, ProbeResult

FUZZ = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])

REALISTIC = {
    "streams": [
        {
            "index": 0, "codec_name": "hevc", "codec_type": "video", "profile": "Main 10",
            "width": 3840, "height": 2160, "coded_width": 3840, "coded_height": 2160,
            "sample_aspect_ratio": "1:1", "display_aspect_ratio": "16:9", "pix_fmt": "yuv420p10le",
            "r_frame_rate": "60/1", "avg_frame_rate": "359400/5993", "time_base": "1/600",
            "duration": "12.345000", "bit_rate": "45000000", "nb_frames": "740",
            "disposition": {"default": 1, "attached_pic": 0},
            "tags": {"rotate": "90", "language": "und", "handler_name": "Core Media Video"},
            "side_data_list": [
                {"side_data_type": "Display Matrix", "displaymatrix": "\n00000000: 0 65536 0\n", "rotation": -90},
                {"side_data_type": "DOVI configuration record", "dv_profile": 8},
            ],
        },
        {
            "index": 1, "codec_name": "aac", "codec_type": "audio", "sample_rate": "48000", "channels": 2,
            "channel_layout": "stereo", "duration": "12.330000", "bit_rate": "192000",
            "disposition": {"default": 1}, "tags": {"language": "eng"},
        },
        {"index": 2, "codec_name": "mjpeg", "codec_type": "video", "width": 600, "height": 600,
         "disposition": {"attached_pic": 1}},
        {"index": 3, "codec_name": "mov_text", "codec_type": "subtitle", "tags": {"language": "fra"}},
        {"index": 4, "codec_type": "data", "codec_tag_string": "mebx"},
    ],
    "format": {
        "filename": "clip.mov", "nb_streams": 5, "format_name": "mov,mp4,m4a,3gp,3g2,mj2",
        "duration": "12.345000", "size": "69541234", "bit_rate": "45066000",
        "tags": {"major_brand": "qt  ", "com.apple.quicktime.model": "iPhone 15 Pro"},
    },
}

KEYS = [
    "streams", "format", "index", "codec_type", "codec_name", "width", "height", "coded_width", "coded_height",
    "sample_aspect_ratio", "r_frame_rate", "avg_frame_rate", "pix_fmt", "duration", "bit_rate", "channels",
    "disposition", "attached_pic", "tags", "rotate", "side_data_list", "rotation", "format_name",
]
INTERESTING = st.sampled_from([
    None, True, False, 0, 1, 2, -1, 8192, 8193, 10**400, -(10**400), 1e308, -0.0, math.inf, -math.inf, math.nan,
    "", "0", "2", "N/A", "0/0", "1/0", "0:1", "-1/2", "30000/1001", "1000:1", "1:100000", "1e999", "-1e999",
    "1e100000000", "inf", "nan", "9" * 5000, "90", "-90", "270.4", "video", "audio", "attached_pic",
    "mov,mp4,m4a", "matroska,webm", "image2", "png_pipe", "srt", "hls", "yuv420p", [], {}, [{}], {"rotation": 90},
])
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12) | INTERESTING,
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=8), children, max_size=5),
    max_leaves=25,
)


def _containers(value, found=None) -> list:
    found = [] if found is None else found
    if isinstance(value, dict | list):
        found.append(value)
        for child in value.values() if isinstance(value, dict) else value:
            _containers(child, found)
    return found


@st.composite
def mutated_probes(draw):
    """The realistic ffprobe JSON with a few keys set, deleted or replaced anywhere in it."""
    data = copy.deepcopy(REALISTIC)
    for _ in range(draw(st.integers(1, 6))):
        containers = _containers(data)
        container = containers[draw(st.integers(0, len(containers) - 1))]
        value = copy.deepcopy(draw(INTERESTING | JSON))  # the sampled values are shared between examples
        if isinstance(container, dict):
            key = draw(st.sampled_from(sorted(set(KEYS) | set(container))))
            if draw(st.booleans()) or key not in container:
                container[key] = value
            else:
                del container[key]
        elif container:
            container[draw(st.integers(0, len(container) - 1))] = value
        else:
            container.append(value)
    return data


LIMITS = st.sampled_from([ProbeLimits(), ProbeLimits(max_side=1920, max_streams=5, max_duration=10.0)])


def _parses_or_refuses(data, limits: ProbeLimits) -> None:
    try:
        result = parse_probe(data, limits)
    except ProbeError as error:
        assert str(error)
        return
    assert isinstance(result, ProbeResult)
    assert 2 <= result.width <= limits.max_side and 2 <= result.height <= limits.max_side
    assert 2 <= result.coded_width <= limits.max_side and 2 <= result.coded_height <= limits.max_side
    assert math.isfinite(result.duration) and 0 < result.duration <= limits.max_duration
    assert result.demuxer in ACCEPTED_DEMUXERS
    assert result.rotation in (0, 90, 180, 270)
    assert result.fps is None or 1 <= result.fps <= 1000
    assert result.bit_rate is None or result.bit_rate > 0
    assert isinstance(result.pix_fmt, str) and isinstance(result.video_codec, str)
    assert result.audio_codec is None or isinstance(result.audio_codec, str)
    assert result.audio_channels >= 0 and result.video_index >= 0
    assert result.has_audio == (result.audio_index is not None)
    assert isinstance(result.needs_pixel_conversion, bool) and isinstance(result.is_portrait, bool)


def test_the_realistic_probe_parses():
    result = parse_probe(REALISTIC)
    assert (result.width, result.height, result.rotation, result.demuxer) == (2160, 3840, 270, "mov")
    assert (result.fps, result.audio_codec, result.audio_index) == (59.97, "aac", 1)


@FUZZ
@given(JSON, LIMITS)
def test_any_json_parses_or_is_a_probe_error(data, limits):
    _parses_or_refuses(data, limits)


@FUZZ
@given(st.fixed_dictionaries({"streams": st.lists(JSON, max_size=4), "format": JSON}), LIMITS)
def test_any_streams_and_format_parse_or_are_a_probe_error(data, limits):
    _parses_or_refuses(data, limits)


@FUZZ
@given(mutated_probes(), LIMITS)
def test_mutated_ffprobe_output_parses_or_is_a_probe_error(data, limits):
    _parses_or_refuses(data, limits)
