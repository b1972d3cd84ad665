"""The embedded default under load: daphne and a worker on one SQLite file, 8 API clients writing.

Before WAL, IMMEDIATE transactions and a busy timeout, this load made the worker hit "database is
locked" and retry videos. Real processes (as `make run` starts them), real uploads and transcodes.
"""

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

from tests.api_support import make_clip

from .test_pages_browser import DaphneServer

ROOT = Path(__file__).resolve().parents[2]
CLIENTS = 8
SECONDS = 20

pytestmark = pytest.mark.slow


def test_eight_writers_and_a_transcode_on_sqlite_leave_no_lock_errors(tmp_path, settings, clip_of):
    env = dict(
        os.environ, DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}", MEDIA_ROOT=str(tmp_path / "media"),
        REDIS_URL=settings.REDIS_URL, DEBUG="true", PYTHONUNBUFFERED="1", API_THROTTLE_USER="100000/minute",
        API_THROTTLE_UPLOADS="100000/minute", TRANSCODE_RUNGS="240:400000", TRANSCODE_PRESET="ultrafast",
        DJANGO_SUPERUSER_USERNAME="admin", DJANGO_SUPERUSER_PASSWORD="pw-admin-123",
    )
    env.pop("S3_BUCKET", None)
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "--noinput"], cwd=ROOT, env=env, check=True, capture_output=True)
    subprocess.run([*manage, "ensure_admin"], cwd=ROOT, env=env, check=True, capture_output=True)
    server = DaphneServer(env, tmp_path / "daphne.log")
    server.start()
    worker_log = tmp_path / "worker.log"
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "mediasite", "worker", "-Q", "transcode,default", "--concurrency", "1",
         "--without-gossip", "--without-mingle", "-n", f"sqlite-load-{os.getpid()}@%h"],
        cwd=ROOT, env=env, stdout=open(worker_log, "wb"), stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    try:
        token = requests.post(f"{server.url}/api/v1/auth/token/",
                              data={"username": "admin", "password": "pw-admin-123"}, timeout=10).json()["token"]
        headers = {"Authorization": f"Token {token}"}
        long_clip = clip_of(seconds=30, size="640x360", preset="ultrafast")
        with open(long_clip, "rb") as handle:
            first = requests.post(f"{server.url}/api/v1/videos/", headers=headers, files={"file": handle},
                                  data={"title": "the long one"}, timeout=60)
        assert first.status_code == 201, first.text
        tiny = make_clip(tmp_path / "tiny.mp4", seconds=0.5).read_bytes()

        statuses: list[int] = []
        lock = threading.Lock()
        deadline = time.monotonic() + SECONDS

        def client(index: int) -> None:
            session = requests.Session()
            session.headers.update(headers)
            round_ = 0
            while time.monotonic() < deadline:
                round_ += 1
                created = session.post(f"{server.url}/api/v1/videos/", files={"file": ("t.mp4", tiny)},
                                       data={"title": f"c{index}-{round_}"}, timeout=60)
                answers = [created.status_code]
                if created.status_code == 201:
                    vid = created.json()["id"]
                    answers.append(session.patch(f"{server.url}/api/v1/videos/{vid}/", json={"title": "renamed"},
                                                 timeout=60).status_code)
                answers.append(session.get(f"{server.url}/api/v1/videos/?mine=true", timeout=60).status_code)
                with lock:
                    statuses.extend(answers)

        threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert statuses and not [s for s in statuses if s >= 500], sorted(set(statuses))
        assert statuses.count(201) >= CLIENTS, statuses
        # The worker goes on transcoding what was queued; give it a moment on the long one.
        long_id = first.json()["id"]
        end = time.monotonic() + 120
        while time.monotonic() < end:
            state = requests.get(f"{server.url}/api/v1/videos/{long_id}/", headers=headers, timeout=10).json()
            if state["status"] in ("ready", "failed"):
                break
            time.sleep(1)
        assert state["status"] == "ready", state
        log = worker_log.read_text(errors="replace")
        assert "database is locked" not in log, log[-3000:]
        assert "database is locked" not in (tmp_path / "daphne.log").read_text(errors="replace")
    finally:
        server.stop()
        os.killpg(worker.pid, 15)
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, 9)
