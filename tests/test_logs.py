"""Structured logs: JSON lines or text, each with the request id or the task id and the video id."""

import io
import json
import logging
import subprocess
import sys
import time
import uuid

import pytest
import requests
from pythonjsonlogger.json import JsonFormatter

from mediasite import logs
from mediasite.middleware.request_id import HEADER
from tests.api_support import make_clip
from tests.live_stack import ADMIN, ROOT, LiveStack


@pytest.fixture
def log_lines():
    """The lines the configured console handler writes during the test, as JSON objects."""
    handler = next(h for h in logging.getLogger().handlers if any(isinstance(f, logs.ContextFilter) for f in h.filters))
    options = {k: v for k, v in logs.logging_config(log_format="json", level="INFO")["formatters"]["json"].items()
               if k != "()"}
    stream, formatter = io.StringIO(), handler.formatter
    previous = handler.setStream(stream)
    handler.setFormatter(JsonFormatter(**options))
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        handler.setStream(previous)
        handler.setFormatter(formatter)


def test_a_response_carries_a_fresh_request_id(client):
    first, second = client.get("/healthz")[HEADER], client.get("/healthz")[HEADER]
    assert len(first) == 32 and int(first, 16) is not None and first != second


def test_a_sane_incoming_request_id_is_kept(client):
    assert client.get("/healthz", headers={HEADER: "lb-7f3a:42"})[HEADER] == "lb-7f3a:42"


@pytest.mark.parametrize("incoming", ["", "x" * 129, "two words", 'quo"te', "new\nline"])
def test_an_insane_incoming_request_id_is_replaced(client, incoming):
    kept = client.get("/healthz", HTTP_X_REQUEST_ID=incoming)[HEADER]
    assert kept != incoming and len(kept) == 32


@pytest.mark.django_db
def test_lines_of_a_request_carry_its_request_and_video_ids(client, log_lines):
    video_id = uuid.uuid4()
    response = client.get(f"/api/v1/videos/{video_id}/", headers={HEADER: "req-1"})
    assert response[HEADER] == "req-1"
    lines = [line for line in log_lines() if line.get("request_id") == "req-1"]
    access = [line for line in lines if line["logger"] == "mediasite.access"]
    assert len(access) == 1 and access[0]["status"] == response.status_code and access[0]["duration_ms"] >= 0
    assert access[0]["message"] == f"GET /api/v1/videos/{video_id}/ {response.status_code}"
    # Django logs a 4xx after the middleware chain has returned: the ids still reach that line.
    warning = [line for line in lines if line["logger"] == "django.request"]
    assert warning and warning[0]["level"] == "WARNING"
    assert {line["video_id"] for line in lines} == {str(video_id)}
    assert all(line["time"].endswith("+00:00") for line in lines)


def test_lines_outside_requests_and_tasks_have_no_ids(log_lines):
    logging.getLogger("mediasite.test").info("hello %s", "there")
    (line,) = [line for line in log_lines() if line["logger"] == "mediasite.test"]
    assert line["message"] == "hello there" and line["level"] == "INFO"
    assert not {"request_id", "task_id", "video_id"} & set(line)


@pytest.mark.django_db
def test_lines_of_a_task_carry_its_task_and_video_ids(log_lines):
    from videos.tasks import video_transcode

    video_id = str(uuid.uuid4())
    result = video_transcode.apply(args=[video_id], task_id="task-1")
    assert result.successful()
    (gone,) = [line for line in log_lines() if "is gone; nothing to transcode" in line["message"]]
    assert gone["task_id"] == "task-1" and gone["video_id"] == video_id
    assert logs.task_id.get() is None and logs.video_id.get() is None  # unbound once the task ends


def test_text_lines_show_the_ids_before_the_message():
    formatter = logs.TextFormatter("%(levelname)s %(name)s%(context)s %(message)s")
    record = logging.LogRecord("videos.tasks", logging.INFO, __file__, 1, "video failed", None, None)
    with logs.bound(task_id="t-9", video_id="v-1"):
        logs.ContextFilter().filter(record)
    assert formatter.format(record) == "INFO videos.tasks [task_id=t-9 video_id=v-1] video failed"
    bare = logging.LogRecord("x", logging.INFO, __file__, 1, "plain", None, None)
    assert formatter.format(bare) == "INFO x plain"


def test_an_unknown_log_format_is_refused():
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"], cwd=ROOT, capture_output=True, text=True,
        env={**_env_without_log_format(), "LOG_FORMAT": "xml", "DJANGO_SETTINGS_MODULE": "mediasite.settings"},
    )
    assert result.returncode != 0 and "LOG_FORMAT must be json or text" in result.stderr


def _env_without_log_format() -> dict:
    import os

    return {k: v for k, v in os.environ.items() if k != "LOG_FORMAT"}


def _json_lines(path) -> list[dict]:
    """The JSON lines of a process's output (Celery's start-up banner is printed, not logged)."""
    return [json.loads(line) for line in path.read_text().splitlines() if line.startswith("{")]


@pytest.mark.slow
def test_web_worker_and_beat_write_json_lines_and_an_ffmpeg_failure_once(tmp_path, settings):
    # 150 MB of address space: ffmpeg cannot even load its libraries, a real failed pass.
    stack = LiveStack(tmp_path, settings.REDIS_URL, LOG_FORMAT="json", TRANSCODE_MEMORY_LIMIT_MB="150")
    stack.start(beat=True)
    try:
        token = requests.post(f"{stack.url}/api/v1/auth/token/", data=dict(zip(("username", "password"), ADMIN)),
                              timeout=10).json()["token"]
        clip = make_clip(tmp_path / "clip.mp4", seconds=1)
        with open(clip, "rb") as handle:
            created = requests.post(f"{stack.url}/api/v1/videos/", headers={"Authorization": f"Token {token}"},
                                    files={"file": handle}, data={"title": "t"}, timeout=30)
        assert created.status_code == 201, created.text
        video_id, request_id = created.json()["id"], created.headers[HEADER]
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            status = requests.get(f"{stack.url}/api/v1/videos/{video_id}/", headers={"Authorization": f"Token {token}"},
                                  timeout=10).json()["status"]
            if status == "failed":
                break
            time.sleep(0.3)
        assert status == "failed"
        time.sleep(1)  # beat's first lines, the worker's last ones
    finally:
        stack.stop()

    web = stack.log("web").read_text().splitlines()
    assert all(line.startswith("{") for line in web), [line for line in web if not line.startswith("{")]
    web_lines = _json_lines(stack.log("web"))
    (upload,) = [line for line in web_lines if line.get("request_id") == request_id]
    assert upload["logger"] == "mediasite.access" and upload["status"] == 201

    worker = [line for line in _json_lines(stack.log("worker")) if line.get("video_id") == video_id]
    assert worker and all(line["task_id"] for line in worker)
    failures = [line for line in worker if "stderr tail:" in line["message"]]
    assert len(failures) == 1, failures
    assert failures[0]["logger"] == "videos.ffmpeg.runner" and failures[0]["level"] == "WARNING"
    assert "\ncommand: ffmpeg " in failures[0]["message"] and "-progress pipe:1" in failures[0]["message"]
    assert sum("stderr tail" in json.dumps(line) for line in _json_lines(stack.log("worker"))) == 1

    beat = _json_lines(stack.log("beat"))
    assert any(line["logger"] == "celery.beat" and "Starting" in line["message"] for line in beat)
