"""Faults with real processes: a worker killed mid-encode, a hung ffmpeg, a database connection cut.

Real Celery workers (prefork, as `make run` starts them) on the test PostgreSQL database, Redis
and a local media folder; a SIGKILL of the whole process group is what a lost host or an
OOM-killed container does. Liveness timings are shortened by settings, not faked.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from notifications.models import Notification
from videos.models import Video

from .transcode_fixtures import upload

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def _database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"] != "django.db.backends.postgresql":
        pytest.skip("the worker processes need a shared database (PostgreSQL)")
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class Workers:
    """Start Celery workers in process groups of their own; kill or stop them."""

    def __init__(self, settings, tmp_path):
        self.tmp_path = tmp_path
        self.scratch = tmp_path / "scratch"
        self.scratch.mkdir()
        self.env = dict(
            os.environ,
            DATABASE_URL=_database_url(),
            REDIS_URL=settings.REDIS_URL,
            MEDIA_ROOT=str(settings.MEDIA_ROOT),
            TRANSCODE_SCRATCH_DIR=str(self.scratch),
            PYTHONUNBUFFERED="1",
            TRANSCODE_RUNGS="720:2800000,480:1400000,360:800000",
            TRANSCODE_SEGMENT_SECONDS="2",
            TRANSCODE_PRESET="ultrafast",
            TRANSCODE_HEARTBEAT_SECONDS="1",
            TRANSCODE_WATCHDOG_SECONDS="1",
            TRANSCODE_WORKER_LOST_SECONDS="6",
        )
        self.env.pop("S3_BUCKET", None)
        self.running: list[tuple[subprocess.Popen, Path]] = []

    def start(self, name: str, queues: str = "transcode,default", **env) -> subprocess.Popen:
        log = self.tmp_path / f"{name}.log"
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "mediasite", "worker", "-Q", queues,
             "--concurrency", "1", "--without-gossip", "--without-mingle", "-n", f"{name}-{os.getpid()}@%h"],
            cwd=ROOT, env={**self.env, **env}, stdout=open(log, "wb"), stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        self.running.append((process, log))
        return process

    def kill_tree(self, process: subprocess.Popen) -> None:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()

    def logs(self) -> str:
        return "\n".join(f"--- {log.name}\n{log.read_text(errors='replace')[-3000:]}" for _, log in self.running)

    def stop_all(self) -> None:
        for process, _ in self.running:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()


@pytest.fixture
def workers(settings, tmp_path):
    pool = Workers(settings, tmp_path)
    yield pool
    pool.stop_all()


@pytest.fixture(scope="module")
def forty_seconds_720p(clip_of):
    return clip_of(seconds=40, size="1280x720", preset="ultrafast", crf=30)


def _wait_for(predicate, *, timeout: float, what: str, workers: Workers):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    pytest.fail(f"{what} did not happen within {timeout} s\n{workers.logs()}")


def _state(video):
    video.refresh_from_db()
    return video


def _out_prefixes(settings, video) -> list[str]:
    out = Path(settings.MEDIA_ROOT) / "videos" / str(video.pk) / "out"
    return sorted(p.name for p in out.iterdir()) if out.exists() else []


def _ffmpeg_pids_in(pgid: int, name: str = "ffmpeg") -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if os.getpgid(int(entry.name)) == pgid and (entry / "comm").read_text().strip() == name:
                    pids.append(int(entry.name))
            except (OSError, ProcessLookupError):
                pass
    return pids


def test_worker_killed_mid_encode_heals_without_a_retry(settings, workers, user, forty_seconds_720p):
    first = workers.start("first")
    video = upload(user, forty_seconds_720p)
    _wait_for(lambda: _state(video).stage == "transcoding" and video.progress >= 10, timeout=120,
              what="the encode reaching 10 %", workers=workers)
    assert _ffmpeg_pids_in(first.pid), "ffmpeg should be running in the worker's process group"
    lost_attempt = video.attempt
    workers.kill_tree(first)  # main process, its pool child and ffmpeg at once
    _wait_for(lambda: not _ffmpeg_pids_in(first.pid), timeout=10, what="ffmpeg ending", workers=workers)

    workers.start("second")
    _wait_for(lambda: _state(video).status == Video.Status.READY, timeout=180,
              what="the video becoming ready on the second worker", workers=workers)
    assert video.attempt != lost_attempt and video.attempt_count == 2 and not video.error
    assert _out_prefixes(settings, video) == [video.attempt]  # exactly one output set
    assert Notification.objects.filter(recipient=user, type="transcode_complete").count() == 1
    assert not list(workers.scratch.iterdir()), "the lost attempt's scratch folder is left behind"


def test_hung_ffmpeg_fails_as_stalled_and_is_not_retried(settings, workers, user, forty_seconds_720p, tmp_path):
    # A stand-in ffmpeg that starts and then never writes a byte: the worker lives, progress does not.
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    (fake_bin / "ffmpeg").write_text("#!/bin/sh\nexec sleep 600\n")
    (fake_bin / "ffmpeg").chmod(0o755)
    hung = workers.start("hung", PATH=f"{fake_bin}:{os.environ['PATH']}", TRANSCODE_STALL_TIMEOUT="8")
    video = upload(user, forty_seconds_720p)
    _wait_for(lambda: _ffmpeg_pids_in(hung.pid, "sleep"), timeout=60, what="the stand-in starting", workers=workers)
    _wait_for(lambda: _state(video).status == Video.Status.FAILED, timeout=90,
              what="the hung video failing", workers=workers)
    assert video.failure_reason == Video.FailureReason.STALLED and "no progress" in video.error
    assert video.attempt_count == 1
    time.sleep(3)  # the live attempt notices it was superseded, stops its ffmpeg and drops its outputs
    assert _state(video).status == Video.Status.FAILED and _out_prefixes(settings, video) == []
    _wait_for(lambda: not _ffmpeg_pids_in(hung.pid, "sleep"), timeout=10, what="the hung ffmpeg ending", workers=workers)


def test_database_connection_killed_mid_encode_reconnects_and_finishes(settings, workers, user, forty_seconds_720p):
    workers.start("pg")
    video = upload(user, forty_seconds_720p)
    _wait_for(lambda: _state(video).stage == "transcoding" and video.progress >= 10, timeout=120,
              what="the encode reaching 10 %", workers=workers)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        killed = cursor.rowcount
    assert killed >= 1
    _wait_for(lambda: _state(video).status == Video.Status.READY, timeout=180,
              what="the video becoming ready", workers=workers)
    assert video.attempt_count == 1, "the encode should go on, not start again"


RABBITMQ = os.environ.get("RABBITMQ_TEST_URL", "amqp://guest:guest@127.0.0.1:5672//")


def _rabbitmq_answers() -> bool:
    from kombu import Connection

    try:
        with Connection(RABBITMQ, connect_timeout=2) as conn:
            conn.ensure_connection(max_retries=1)
        return True
    except Exception:
        return False


def test_on_rabbitmq_a_killed_worker_s_video_resumes_at_once_elsewhere(settings, workers, user, forty_seconds_720p,
                                                                      monkeypatch):
    """RabbitMQ redelivers the unacknowledged task the moment the dead worker's connection drops;
    the other worker sees the running attempt stop beating and takes over, long before the watchdog."""
    if not _rabbitmq_answers():
        pytest.skip(f"RabbitMQ does not answer at {RABBITMQ}")
    from kombu import Connection

    from videos.tasks import video_transcode

    queue = f"transcode-test-{os.getpid()}"
    env = {"CELERY_BROKER_URL": RABBITMQ, "TRANSCODE_WORKER_LOST_SECONDS": "600"}
    hosts = [workers.start(name, queues=queue, **env) for name in ("rabbit-a", "rabbit-b")]

    def enqueue(video_id):
        with Connection(RABBITMQ) as conn:
            video_transcode.apply_async(args=[str(video_id)], queue=queue, connection=conn)

    monkeypatch.setattr("videos.services._enqueue_transcode", enqueue)
    try:
        video = upload(user, forty_seconds_720p)
        _wait_for(lambda: _state(video).stage == "transcoding" and video.progress >= 10, timeout=120,
                  what="the encode reaching 10 %", workers=workers)
        running = next(host for host in hosts if _ffmpeg_pids_in(host.pid))
        workers.kill_tree(running)
        killed_at = time.monotonic()
        _wait_for(lambda: _state(video).attempt_count == 2, timeout=60, what="the take-over", workers=workers)
        taken_over = time.monotonic() - killed_at
        print(f"taken over {taken_over:.1f} s after the kill")
        assert taken_over < 30  # three heartbeats of 1 s, plus the worker's own start of the task
        _wait_for(lambda: _state(video).status == Video.Status.READY, timeout=120,
                  what="the video becoming ready on the other worker", workers=workers)
        # Well before TRANSCODE_WORKER_LOST_SECONDS: the redelivery did it, not the watchdog.
        assert video.attempt_count == 2 and time.monotonic() - killed_at < 100
        assert _out_prefixes(settings, video) == [video.attempt]
        assert Notification.objects.filter(recipient=user, type="transcode_complete").count() == 1
    finally:
        workers.stop_all()
        with Connection(RABBITMQ) as conn:
            conn.default_channel.queue_delete(queue)
