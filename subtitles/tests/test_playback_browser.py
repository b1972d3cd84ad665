"""A stock HLS player (hls.js in headless Chromium) lists the subtitle tracks and shows their cues.

The subtitles are added while the video is still transcoding, through the real worker and daphne.
Skipped without Chromium, like the other browser tests.
"""

import subprocess
import time

import pytest
from django.core.files import File

from subtitles import services as subtitle_services
from videos import services as video_services
from videos.models import Video
from videos.tests.test_pages_browser import (  # noqa: F401 (fixtures)
    _playback_view_exists, browser, login, media_env, process_env, server, storage_kind, worker,
)
from videos.tests.browser import chromium_path

pytestmark = [
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(chromium_path() is None, reason="Chromium is not installed"),
]

ENGLISH = b"1\n00:00:00,000 --> 00:00:02,500\nHello from the subtitles\n\n2\n00:00:02,500 --> 00:00:04,000\nBye\n"
FRENCH = b"WEBVTT\n\n00:00.000 --> 00:04.000\nBonjour\n"


@pytest.mark.parametrize("storage_kind", ["local", pytest.param("s3", marks=pytest.mark.s3)])
def test_hls_js_lists_and_shows_subtitles_added_while_transcoding(
    request, storage_kind, media_env, server, browser, user, tmp_path
):
    if not _playback_view_exists():
        pytest.skip("the HLS playlist view is not installed")
    if storage_kind == "s3":
        request.getfixturevalue("s3_storage")  # this process writes to the bucket the server reads
    worker_log = request.getfixturevalue("worker")
    clip = tmp_path / "clip.mp4"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25:duration=4",
         "-c:v", "libx264", "-pix_fmt", "yuv420p", "-y", str(clip)],
        check=True, timeout=60,
    )  # fmt: skip
    with open(clip, "rb") as handle:
        video = video_services.video_create(
            owner=user, file=File(handle, name="clip.mp4"), title="Subtitled", visibility=Video.Visibility.PUBLIC
        )
    subtitle_services.subtitle_save(video=video, language="en", data=ENGLISH, label="English", is_default=True)
    subtitle_services.subtitle_save(video=video, language="fr", data=FRENCH, label="Français")

    deadline = time.monotonic() + 120
    while Video.objects.get(pk=video.pk).status not in Video.TERMINAL_STATUSES:
        if time.monotonic() > deadline:
            pytest.fail(f"transcode did not finish:\n{worker_log.read_text()[-3000:]}")
        time.sleep(0.5)
    video.refresh_from_db()
    assert video.status == Video.Status.READY, video.error

    login(browser, server, user)
    browser.navigate(f"{server}/videos/{video.pk}/")
    browser.wait_for("window.mediasite && window.mediasite.hls && window.mediasite.hls.subtitleTracks.length === 2", timeout=30)
    tracks = browser.evaluate("window.mediasite.hls.subtitleTracks.map(t => [t.name, t.lang, t.default])")
    assert tracks == [["English", "en", True], ["Français", "fr", False]]

    browser.evaluate(
        "(() => { const hls = window.mediasite.hls; hls.subtitleDisplay = true; hls.subtitleTrack = 0;"
        " const v = document.getElementById('player'); v.muted = true; return v.play(); })()"
    )
    showing = (
        "Array.from(document.getElementById('player').textTracks).filter(t => t.mode === 'showing')"
        ".flatMap(t => Array.from(t.activeCues || [])).map(c => c.text)"
    )
    browser.wait_for(f"{showing}.includes('Hello from the subtitles')", timeout=30)
    # The cue times line up with the video: the second cue shows after 2.5 s.
    browser.wait_for(f"{showing}.includes('Bye') && document.getElementById('player').currentTime >= 2.5", timeout=30)
    if storage_kind == "s3":
        fetched = browser.evaluate("performance.getEntriesByType('resource').map(entry => entry.name)")
        vtt = [url for url in fetched if ".vtt" in url and "/subtitles/" in url]
        # The WebVTT comes straight from S3 on a presigned URL, not through Django.
        assert vtt and all(url.startswith(media_env["S3_ENDPOINT_URL"] + "/") and "Signature=" in url for url in vtt)
