"""The pages in a real browser: headless Chromium against daphne, events through real Redis.

Skipped when no Chromium is installed (`apt-get install chromium`, or CHROMIUM=/path).
"""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from notifications.events import TranscodeFailed, TranscodeProgress
from notifications.services import event_publish
from videos.models import Video

from .browser import Browser, chromium_path

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(chromium_path() is None, reason="Chromium is not installed"),
]


ONLINE = "document.getElementById('connection-state').dataset.state === 'online'"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _database_url() -> str:
    """The test database, as a URL the server process can use (committed rows only)."""
    db = connection.settings_dict
    if db["ENGINE"] != "django.db.backends.postgresql":
        pytest.skip("the server process needs a shared database (PostgreSQL)")
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def storage_kind():
    """Where the server and worker keep media; tests parametrize it to run on S3 as well."""
    return "local"


@pytest.fixture
def media_env(request, storage_kind):
    if storage_kind == "local":
        return {}
    s3_server, bucket = request.getfixturevalue("s3_server"), request.getfixturevalue("s3_bucket")
    # Browsers fetch segments straight from S3 with presigned URLs (cross-origin, CORS).
    return {
        "S3_BUCKET": bucket,
        "S3_ENDPOINT_URL": s3_server["endpoint"],
        "S3_ACCESS_KEY_ID": s3_server["access_key"],
        "S3_SECRET_ACCESS_KEY": s3_server["secret_key"],
    }


@pytest.fixture
def process_env(settings, media_env):
    env = dict(
        os.environ,
        DATABASE_URL=_database_url(),
        REDIS_URL=settings.REDIS_URL,
        MEDIA_ROOT=str(settings.MEDIA_ROOT),
        DEBUG="true",
        PYTHONUNBUFFERED="1",
    )
    env.pop("S3_BUCKET", None)
    env.update(media_env)
    return env


class DaphneServer:
    """daphne serving the app as in production; `restart` keeps the port, like a redeploy."""

    def __init__(self, env: dict, log_path: Path):
        self.env, self.log_path = env, log_path
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = None

    def start(self, timeout: float = 60) -> None:
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(self.port), "mediasite.asgi:application"],
                cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        deadline = time.monotonic() + timeout
        while True:
            try:
                urllib.request.urlopen(f"{self.url}/healthz", timeout=1)
                return
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    pytest.fail(f"daphne did not start:\n{self.log_path.read_text()[-3000:]}")
                time.sleep(0.2)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def server(process_env, tmp_path):
    """daphne on the test database, media root and Redis."""
    daphne = DaphneServer(process_env, tmp_path / "daphne.log")
    daphne.start()
    yield daphne
    daphne.stop()


def _start_worker(env: dict, log_path: Path, queues: str) -> subprocess.Popen:
    with open(log_path, "ab") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "mediasite", "worker", "-Q", queues,
             "-P", "solo", "--without-heartbeat", "--without-gossip", "--without-mingle",
             "-n", f"web-test-{queues.split(',')[0]}-{os.getpid()}@%h"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip


def _stop_worker(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture
def worker(server, process_env, tmp_path):  # noqa: ARG001 (started after the server)
    """A Celery worker as in production (the ladder's queues), sharing the server's database and media."""
    log_path = tmp_path / "worker.log"
    process = _start_worker(process_env, log_path, "transcode,default")
    yield log_path
    _stop_worker(process)


@pytest.fixture
def browser():
    chromium = Browser(chromium_path())
    yield chromium
    chromium.close()


def login(browser, server, user):
    client = Client()
    client.force_login(user)
    browser.set_cookie(
        name=settings.SESSION_COOKIE_NAME, value=client.cookies[settings.SESSION_COOKIE_NAME].value, url=server.url
    )


def make_video(owner, **fields):
    fields.setdefault("title", "Browser clip")
    fields.setdefault("source", "videos/test/source/clip.mp4")
    return Video.objects.create(owner=owner, **fields)


def test_pages_load_their_scripts_without_errors(server, browser, user):
    make_video(user, visibility=Video.Visibility.PUBLIC, status=Video.Status.PROCESSING, progress=30)
    login(browser, server, user)

    for path in ("/", "/upload/"):
        browser.navigate(server.url + path)
        # The site's stylesheet, once (the upload page adds Uppy's).
        assert browser.evaluate("document.querySelectorAll('link[rel=stylesheet][href*=\"css/site.\"]').length") == 1
        browser.wait_for(ONLINE, timeout=15)
    assert not [line for line in browser.console if "Error" in line], browser.console


def test_watch_page_follows_transcode_progress_live(server, browser, user):
    video = make_video(user, status=Video.Status.PROCESSING, stage=Video.Stage.TRANSCODING, progress=5)
    login(browser, server, user)
    browser.navigate(f"{server.url}/videos/{video.pk}/")
    browser.wait_for(ONLINE, timeout=15)

    event_publish(
        TranscodeProgress(
            video_id=str(video.pk), status="processing", stage="transcoding", progress=55.4, speed=2.0, eta_seconds=90
        ),
        user_ids=[user.pk],
        force=True,
    )
    browser.wait_for("document.querySelector('[data-role=progress]').value === 55", timeout=10)
    assert browser.evaluate("document.querySelector('form[action$=\"/retry/\"]').hidden") is True
    text = browser.evaluate("document.querySelector('[data-role=progress-text]').textContent")
    assert text == "Transcoding 55%"
    assert browser.evaluate("document.querySelector('[data-role=eta]').textContent") == "about 2 min left · 2.0× realtime"

    Video.objects.filter(pk=video.pk).update(status=Video.Status.FAILED, error="Not a video.")
    event_publish(TranscodeFailed(video_id=str(video.pk), title=video.title, error="Not a video."), user_ids=[user.pk])
    browser.wait_for("document.querySelector('[data-role=status]').dataset.status === 'failed'", timeout=10)
    assert browser.evaluate("document.querySelector('[data-role=error]').textContent") == "Not a video."
    # The owner's buttons follow the status: retry instead of cancel.
    assert browser.evaluate("document.querySelector('form[action$=\"/retry/\"]').hidden") is False
    assert browser.evaluate("document.querySelector('form[action$=\"/cancel/\"]').hidden") is True
    assert browser.evaluate("document.getElementById('notification-count').textContent") == "1"


def test_watch_page_reconnects_and_catches_up(server, browser, user):
    """The server restarts while a video finishes: the page reconnects, learns it, shows it."""
    video = make_video(user, status=Video.Status.PROCESSING, progress=50)
    login(browser, server, user)
    browser.navigate(f"{server.url}/videos/{video.pk}/")
    browser.wait_for(ONLINE, timeout=15)

    server.stop()
    # Offline, or already polling the API after two refused reconnects (notifications.js).
    browser.wait_for("document.getElementById('connection-state').dataset.state !== 'online'", timeout=15)
    # Nobody is connected to hear this: the page must learn it from the state it is sent on reconnect.
    Video.objects.filter(pk=video.pk).update(status=Video.Status.FAILED, error="Worker lost.")
    server.start()

    browser.wait_for("(document.querySelector('[data-role=error]') || {}).textContent === 'Worker lost.'", timeout=45)
    assert browser.evaluate("document.querySelector('[data-role=status]').dataset.status") == "failed"


def _playback_view_exists() -> bool:
    from django.urls import Resolver404, resolve

    try:
        resolve("/videos/00000000-0000-0000-0000-000000000000/hls/master.m3u8")
        return True
    except Resolver404:
        return False


@pytest.mark.parametrize("storage_kind", ["local", pytest.param("s3", marks=pytest.mark.s3)])
def test_upload_in_the_browser_then_watch_it_transcode_and_play(
    request, storage_kind, media_env, server, browser, user, tmp_path
):
    """The whole path a person takes: upload form, live progress, then the HLS player plays."""
    if not _playback_view_exists():
        pytest.skip("the HLS playlist view is not installed")
    worker = request.getfixturevalue("worker")
    clip = tmp_path / "browser clip.mp4"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25:duration=3",
         "-f", "lavfi", "-i", "sine=frequency=440:duration=3",
         "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", "-y", str(clip)],
        check=True, timeout=60,
    )  # fmt: skip
    login(browser, server, user)
    browser.navigate(f"{server.url}/upload/")

    document = browser.call("DOM.getDocument")
    file_input = browser.call("DOM.querySelector", nodeId=document["root"]["nodeId"], selector="input[type=file]")
    browser.call("DOM.setFileInputFiles", nodeId=file_input["nodeId"], files=[str(clip)])
    browser.evaluate(
        "document.querySelector('[name=title]').value = 'Browser upload';"
        "document.querySelector('[name=visibility]').value = 'unlisted';"
        "document.querySelector('#upload-form button[type=submit]').click()"
    )

    # upload.js posts with XMLHttpRequest and then opens the watch page.
    browser.wait_for("/^\\/videos\\/[0-9a-f-]{36}\\/$/.test(location.pathname)", timeout=30)
    video = Video.objects.get()
    assert (video.title, video.visibility, video.owner) == ("Browser upload", "unlisted", user)
    assert "queued for transcoding" in browser.evaluate("document.body.textContent")

    # The worker transcodes; transcode_complete makes the page reload with the player.
    try:
        browser.wait_for("!!document.getElementById('player')", timeout=90)
    except TimeoutError:
        video.refresh_from_db()
        pytest.fail(f"no player; video {video.status}: {video.error}\n{worker.read_text()[-3000:]}")
    browser.wait_for("window.mediasite && window.mediasite.hls && window.mediasite.hls.levels.length > 0", timeout=20)
    browser.evaluate("(() => { const v = document.getElementById('player'); v.muted = true; return v.play(); })()")
    browser.wait_for("document.getElementById('player').currentTime > 1", timeout=30)
    assert browser.evaluate("document.getElementById('player-error').hidden") is True
    fetched = browser.evaluate("performance.getEntriesByType('resource').map(entry => entry.name)")
    segments = [url for url in fetched if ".m4s" in url]
    assert segments
    if storage_kind == "s3":
        # Segments come straight from S3 on presigned URLs, not through Django.
        assert all(url.startswith(media_env["S3_ENDPOINT_URL"] + "/") and "Signature=" in url for url in segments)
    # The seek bar's thumbnails come from the storyboard WebVTT and its sprite (test_player_browser.py).
    browser.wait_for("document.querySelector('.player').dataset.storyboard === 'ready'", timeout=10)


FIRST_SOURCES = {
    # H.264/AAC: remuxed as it is, at its own size.
    "remux": (["-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25:duration=30", "-f", "lavfi", "-i",
               "sine=frequency=440:duration=30", "-c:v", "libx264", "-preset", "ultrafast", "-g", "50",
               "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest"], "thirty.mp4"),
    # MPEG-2: a fast 360p rung, played while it is still being written (a growing EVENT playlist).
    "fast": (["-f", "lavfi", "-i", "testsrc2=size=854x480:rate=25:duration=150", "-f", "lavfi", "-i",
              "sine=frequency=440:duration=150", "-c:v", "mpeg2video", "-q:v", "6", "-c:a", "mp2", "-shortest"],
             "long.mkv"),
}


@pytest.mark.parametrize(
    ("storage_kind", "kind"),
    [("local", "remux"), ("local", "fast"), pytest.param("s3", "remux", marks=pytest.mark.s3)],
)
def test_the_first_rendition_plays_while_the_ladder_waits_and_plays_on_through_it(
    request, storage_kind, kind, process_env, server, browser, user, tmp_path
):
    """Watchable before the ladder: the waiting page becomes the player live, and stays it."""
    from django.core.files import File

    from videos import services

    if storage_kind == "s3":
        request.getfixturevalue("s3_storage")  # this process stores the upload where the workers read

    args, name = FIRST_SOURCES[kind]
    clip = tmp_path / name
    subprocess.run(["ffmpeg", "-v", "error", *args, "-y", str(clip)], check=True, timeout=120)
    with open(clip, "rb") as handle:
        video = services.video_create(owner=user, file=File(handle, name=name), title="First")
    login(browser, server, user)
    browser.navigate(f"{server.url}/videos/{video.pk}/")
    browser.wait_for(ONLINE, timeout=20)
    assert browser.evaluate("!document.getElementById('player')")
    browser.evaluate("window.stayed = true")  # gone if the page reloads

    logs = tmp_path / "workers.log"
    first = _start_worker(process_env, logs, "first")  # no ladder worker yet: the ladder waits
    ladder = None
    try:
        try:
            browser.wait_for("!!document.getElementById('player')", timeout=60)
            browser.wait_for("window.mediasite && window.mediasite.hls && window.mediasite.hls.levels.length > 0",
                             timeout=20)
        except TimeoutError:
            pytest.fail(f"no player before the ladder\n{logs.read_text()[-3000:]}")
        # The player made live has the same controls as one the page renders (player.js).
        assert browser.evaluate("!!document.querySelector('.player.has-controls .player-play')") is True
        video.refresh_from_db()
        assert video.status == Video.Status.QUEUED and video.playable_at is not None
        if kind == "fast":  # still being written: hls.js sees a live playlist, and starts at its start
            browser.wait_for("!!(window.mediasite.hls.levels[0].details)", timeout=20)
            assert browser.evaluate("window.mediasite.hls.levels[0].details.live") is True
        browser.evaluate("(() => { const v = document.getElementById('player'); v.muted = true; return v.play(); })()")
        browser.wait_for("document.getElementById('player').currentTime > 1", timeout=30)
        assert browser.evaluate("document.getElementById('player').currentTime") < 10
        assert browser.evaluate("window.mediasite.hls.levels.map(l => l.height)") == [360]

        ladder = _start_worker(process_env, logs, "transcode,default")
        deadline = time.monotonic() + 300
        while video.status != Video.Status.READY and time.monotonic() < deadline:
            time.sleep(0.5)
            video.refresh_from_db()
        assert video.status == Video.Status.READY, logs.read_text()[-3000:]
        browser.wait_for("document.querySelector('[data-role=status]').dataset.status === 'ready'", timeout=20)
        # Same page, same player, still playing: the ladder's completion broke nothing.
        at = browser.evaluate("document.getElementById('player').currentTime")
        browser.wait_for(f"document.getElementById('player').currentTime > {at + 1}", timeout=20)
        assert browser.evaluate("window.stayed === true && document.getElementById('player-error').hidden") is True
    finally:
        for process in (first, ladder):
            if process is not None:
                _stop_worker(process)
