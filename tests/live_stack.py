"""The processes of a deployment, as compose starts them, on a throwaway SQLite file and media folder."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ADMIN = ("admin", "pw-admin-123")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LiveStack:
    """migrate, then daphne (compose's flags), a Celery worker and optionally beat; each logs to a file."""

    def __init__(self, tmp_path: Path, redis_url: str, **env: str):
        self.dir = tmp_path
        self.env = dict(
            os.environ, DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}", MEDIA_ROOT=str(tmp_path / "media"),
            REDIS_URL=redis_url, CELERY_BROKER_URL=redis_url, DEBUG="true", PYTHONUNBUFFERED="1",
            TRANSCODE_RUNGS="240:400000", TRANSCODE_PRESET="ultrafast",
            DJANGO_SUPERUSER_USERNAME=ADMIN[0], DJANGO_SUPERUSER_PASSWORD=ADMIN[1], **env,
        )
        for name in ("S3_BUCKET", "CELERY_TASK_ALWAYS_EAGER"):
            self.env.pop(name, None)
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.processes: dict[str, subprocess.Popen] = {}

    def log(self, name: str) -> Path:
        return self.dir / f"{name}.log"

    def start(self, *, worker: bool = True, beat: bool = False) -> LiveStack:
        manage = [sys.executable, "manage.py"]
        subprocess.run([*manage, "migrate", "--noinput"], cwd=ROOT, env=self.env, check=True, capture_output=True)
        subprocess.run([*manage, "ensure_admin"], cwd=ROOT, env=self.env, check=True, capture_output=True)
        self._spawn("web", [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(self.port),
                            "--access-log", os.devnull, "mediasite.asgi:application"])
        if worker:
            self._spawn("worker", [sys.executable, "-m", "celery", "-A", "mediasite", "worker", "-Q", "transcode,default",
                                   "--concurrency", "1", "--without-gossip", "--without-mingle", "--loglevel", "INFO",
                                   "-n", f"live-{os.getpid()}-{self.port}@%h"])
        if beat:
            self._spawn("beat", [sys.executable, "-m", "celery", "-A", "mediasite", "beat", "--loglevel", "INFO",
                                 "--schedule", str(self.dir / "celerybeat-schedule")])
        self._wait_for_web()
        return self

    def _spawn(self, name: str, cmd: list[str]) -> None:
        with open(self.log(name), "ab") as log:
            self.processes[name] = subprocess.Popen(
                cmd, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )

    def _wait_for_web(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                urllib.request.urlopen(f"{self.url}/healthz", timeout=1)
                return
            except OSError:
                if self.processes["web"].poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    pytest.fail(f"daphne did not start:\n{self.log('web').read_text()[-3000:]}")
                time.sleep(0.2)

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
        for process in self.processes.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
