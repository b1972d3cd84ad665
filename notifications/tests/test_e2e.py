"""End to end with real processes: daphne serves the app, a Celery worker transcodes a generated
two-second clip, and `websockets` clients hear it through real Redis, across processes."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import requests
from django.db import connection
from rest_framework.authtoken.models import Token
from websockets.sync.client import connect

from notifications.events import EventType, event_from_message

ROOT = Path(__file__).resolve().parents[2]
STAGES = ["downloading", "probing", "transcoding", "uploading"]

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _test_database_url() -> str:
    """The test database as a URL for the other processes: they see what this test commits."""
    db = connection.settings_dict
    if db["ENGINE"] != "django.db.backends.postgresql":
        pytest.skip("the processes need a shared database (PostgreSQL)")
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def processes(settings, tmp_path):
    """daphne and a Celery worker on the test database, this test's Redis and a temporary MEDIA_ROOT."""
    env = dict(
        os.environ,
        DATABASE_URL=_test_database_url(),
        REDIS_URL=settings.REDIS_URL,
        MEDIA_ROOT=str(tmp_path / "media"),
        DEBUG="true",
        PYTHONUNBUFFERED="1",
        TRANSCODE_RUNGS="240:400000,144:200000",
        TRANSCODE_SEGMENT_SECONDS="1",
        TRANSCODE_PRESET="ultrafast",
    )
    env.pop("S3_BUCKET", None)
    port = _free_port()
    logs = {name: tmp_path / f"{name}.log" for name in ("daphne", "worker")}
    commands = {
        "daphne": [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "mediasite.asgi:application"],
        "worker": [sys.executable, "-m", "celery", "-A", "mediasite", "worker", "-Q", "transcode,default",
                   "--pool", "solo", "--without-heartbeat", "--without-gossip", "--without-mingle",
                   "-n", f"notifier-e2e-{os.getpid()}@%h"],
    }  # fmt: skip
    running = {
        name: subprocess.Popen(command, cwd=ROOT, env=env, stdout=open(logs[name], "wb"), stderr=subprocess.STDOUT)
        for name, command in commands.items()
    }

    def tails() -> str:
        return "\n".join(f"--- {name}\n{path.read_text(errors='replace')[-3000:]}" for name, path in logs.items())

    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"{base}/healthz", timeout=1)
            break
        except OSError:
            if running["daphne"].poll() is not None or time.monotonic() > deadline:
                for process in running.values():
                    _stop(process)
                pytest.fail(f"daphne did not start\n{tails()}")
            time.sleep(0.2)
    yield {"base": base, "ws": f"ws://127.0.0.1:{port}/ws/notifications/", "tails": tails}
    for process in running.values():
        _stop(process)


@pytest.fixture(scope="module")
def two_second_clip(clip_of):
    return clip_of(seconds=2, size="320x240")


class Listener:
    """A websocket client of /ws/notifications/, authenticated with a ticket from the REST API."""

    def __init__(self, processes, token: str):
        self.processes, self.token = processes, token
        self.socket = None

    def open(self) -> dict:
        """Connect with a fresh ticket; return the snapshot."""
        response = requests.post(
            f"{self.processes['base']}/api/v1/notifications/ws-ticket/",
            headers={"Authorization": f"Token {self.token}"}, timeout=10,
        )
        assert response.status_code == 201, response.text
        url = f"{self.processes['ws']}?ticket={response.json()['ticket']}"
        self.socket = connect(url, origin=self.processes["base"], open_timeout=10).__enter__()
        snapshot = self.receive()
        assert snapshot["type"] == "snapshot"
        return snapshot

    def receive(self, timeout: float = 60) -> dict:
        try:
            return json.loads(self.socket.recv(timeout=timeout))
        except TimeoutError:
            pytest.fail(f"no message within {timeout} s\n{self.processes['tails']()}")

    def send(self, message: dict) -> None:
        self.socket.send(json.dumps(message))

    def close(self) -> None:
        if self.socket is not None:
            self.socket.close()


def _assert_progress_in_order(events: list[dict]) -> None:
    assert events, "no progress event arrived"
    for event in events:
        assert event_from_message(event)  # exactly the fields DESIGN.md defines
    progress = [e["progress"] for e in events]
    assert progress == sorted(progress), progress
    stages = [STAGES.index(e["stage"]) for e in events if e["stage"] in STAGES]
    assert stages == sorted(stages), [e["stage"] for e in events]
    assert {e["status"] for e in events} <= {"queued", "processing"}


def test_worker_progress_reaches_websocket_clients_through_redis(processes, user, two_second_clip):
    token = Token.objects.create(user=user).key
    watcher, reconnecter = Listener(processes, token), Listener(processes, token)
    try:
        watcher.open()
        reconnecter.open()
        with open(two_second_clip, "rb") as clip:
            response = requests.post(
                f"{processes['base']}/api/v1/videos/", headers={"Authorization": f"Token {token}"},
                files={"file": ("clip.mp4", clip, "video/mp4")}, data={"title": "E2E clip"}, timeout=30,
            )
        assert response.status_code == 201, response.text
        video_id = response.json()["id"]
        # The owner also subscribes to the video's group: each event must still arrive once.
        watcher.send({"type": "subscribe", "video_id": video_id})

        # The reconnecter drops out as soon as the transcode is under way and comes back at once.
        while (event := reconnecter.receive())["type"] != EventType.TRANSCODE_PROGRESS or event["progress"] <= 0:
            pass
        reconnecter.close()
        snapshot = reconnecter.open()

        heard = []
        while not heard or heard[-1]["type"] not in (EventType.TRANSCODE_COMPLETE, EventType.TRANSCODE_FAILED):
            heard.append(watcher.receive())
        try:  # nothing more: no second completion, no progress after it
            heard.append(json.loads(watcher.socket.recv(timeout=1.5)))
        except TimeoutError:
            pass

        # The reconnected client ends knowing the final state: it either hears the completion
        # live, or finds it among the unread notifications of its snapshot.
        in_snapshot = [n["event"] for n in snapshot["notifications"] if n["event"]["type"] == "transcode_complete"]
        if in_snapshot:
            final = in_snapshot[0]
        else:
            assert [v["video_id"] for v in snapshot["videos"]] == [video_id]
            while (final := reconnecter.receive())["type"] in (EventType.TRANSCODE_PROGRESS,
                                                               EventType.RENDITION_READY):
                assert final["video_id"] == video_id
    finally:
        watcher.close()
        reconnecter.close()

    events = [e for e in heard if e["type"] not in ("subscribed",)]
    assert [e for e in events if e["type"] not in EventType.values] == []
    progress = [e for e in events if e["type"] == EventType.TRANSCODE_PROGRESS]
    completes = [e for e in events if e["type"] == EventType.TRANSCODE_COMPLETE]
    assert len(completes) == 1, f"{events}\n{processes['tails']()}"
    assert events[-1] == completes[0], "nothing may follow the completion"
    _assert_progress_in_order(progress)
    assert len(progress) >= 3
    assert all(e["video_id"] == video_id for e in events)
    complete = event_from_message(completes[0])
    assert complete.title == "E2E clip"
    assert sorted(complete.renditions) == ["144p", "240p"]
    assert 1.5 < complete.duration < 2.5
    assert final["type"] == EventType.TRANSCODE_COMPLETE and final["video_id"] == video_id
    print(f"heard {len(progress)} progress events, {[e['stage'] for e in progress]}; reconnect "
          f"{'found the completion in its snapshot' if in_snapshot else 'saw the video in flight, then the completion'}")
