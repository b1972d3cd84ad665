"""A stock HLS player (hls.js in headless Chromium) lists the subtitle tracks and shows their cues.

The subtitles are added while the video is still transcoding, through the real worker and daphne.
Skipped without Chromium, like the other browser tests.
"""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.files import File
from django.db import connection
from django.test import Client

from subtitles import services as subtitle_services
from videos import services as video_services
from videos.models import Video

browser_support = pytest.importorskip("videos.tests.browser", reason="the browser test helpers are not installed")

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(browser_support.chromium_path() is None, reason="Chromium is not installed"),
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def process_env(request, settings, storage_kind):
    """The environment of the server and worker: this test's database, Redis, media (local or S3)."""
    db = connection.settings_dict
    if db["ENGINE"] != "django.db.backends.postgresql":
        pytest.skip("the server process needs a shared database (PostgreSQL)")
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    env = dict(
        os.environ, REDIS_URL=settings.REDIS_URL, MEDIA_ROOT=str(settings.MEDIA_ROOT), DEBUG="true",
        DATABASE_URL=f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
    )
    env.pop("S3_BUCKET", None)
    if storage_kind == "s3":
        server = request.getfixturevalue("s3_server")
        bucket = request.getfixturevalue("s3_storage")  # this process writes to the bucket the server reads
        env.update(S3_BUCKET=bucket, S3_ENDPOINT_URL=server["endpoint"], S3_ACCESS_KEY_ID=server["access_key"],
                   S3_SECRET_ACCESS_KEY=server["secret_key"])  # fmt: skip
    return env


def _process(args, env, log_path):
    with open(log_path, "wb") as log:
        return subprocess.Popen(
            args, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )


def _stop(process):
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture
def server(process_env, tmp_path):
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log_path = tmp_path / "daphne.log"
    process = _process(
        [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "mediasite.asgi:application"],
        process_env, log_path,
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"{url}/healthz", timeout=1)
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                _stop(process)
                pytest.fail(f"daphne did not start:\n{log_path.read_text()[-3000:]}")
            time.sleep(0.2)
    yield url
    _stop(process)


@pytest.fixture
def worker(server, process_env, tmp_path):
    log_path = tmp_path / "worker.log"
    process = _process(
        [sys.executable, "-m", "celery", "-A", "mediasite", "worker", "-Q", "transcode,default", "-P", "solo",
         "--without-heartbeat", "--without-gossip", "--without-mingle", "-n", f"subtitles-test-{os.getpid()}@%h"],
        process_env, log_path,
    )  # fmt: skip
    yield log_path
    _stop(process)


@pytest.fixture
def browser():
    chromium = browser_support.Browser(browser_support.chromium_path())
    yield chromium
    chromium.close()


def login(browser, server, user):
    client = Client()
    client.force_login(user)
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    browser.set_cookie(name=django_settings.SESSION_COOKIE_NAME, value=cookie, url=server)


ENGLISH = b"1\n00:00:00,000 --> 00:00:02,500\nHello from the subtitles\n\n2\n00:00:02,500 --> 00:00:04,000\nBye\n"
FRENCH = b"WEBVTT\n\n00:00.000 --> 00:04.000\nBonjour\n"


@pytest.mark.parametrize("storage_kind", ["local", pytest.param("s3", marks=pytest.mark.s3)])
def test_hls_js_lists_and_shows_subtitles_added_while_transcoding(
    storage_kind, process_env, server, worker, browser, user, tmp_path
):
    worker_log = worker
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
        assert vtt and all(url.startswith(process_env["S3_ENDPOINT_URL"] + "/") and "Signature=" in url for url in vtt)
