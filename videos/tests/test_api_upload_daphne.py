"""Uploads through daphne itself: the body reaches Django from daphne's spool file, byte for byte.

mediasite/middleware/upload_limit.py replaces daphne's whole-body queue with reads from its spool file; the
test client never goes through daphne, so only a real server shows that bodies arrive intact.
"""

import hashlib
import subprocess

import pytest
import requests
from django.core.files.storage import default_storage
from rest_framework.authtoken.models import Token

from videos.models import Video

from .test_pages_browser import DaphneServer, media_env, process_env, storage_kind  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

MiB = 1024 * 1024


def padded_clip(path, size: int):
    """A real 1 s clip followed by a `free` box that pads the file to SIZE bytes of varied content."""
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=160x120:rate=10", "-t", "1",
         "-pix_fmt", "yuv420p", "-c:v", "libx264", "-preset", "ultrafast", "-movflags", "+faststart", str(path)],
        check=True,
    )  # fmt: skip
    head = path.read_bytes()
    pad = size - len(head)
    # Not zeros: a chunk read twice, skipped or out of order must change the digest.
    filler = hashlib.shake_256(b"mediasite").digest(pad - 16)
    path.write_bytes(head + (1).to_bytes(4, "big") + b"free" + pad.to_bytes(8, "big") + filler)
    return path


@pytest.fixture
def token(user):
    return Token.objects.create(user=user).key


def post_video(server, token, path):
    with path.open("rb") as body:
        return requests.post(
            f"{server.url}/api/v1/videos/",
            headers={"Authorization": f"Token {token}"},
            data={"title": "Through daphne"},
            files={"file": (path.name, body, "video/mp4")},
            timeout=120,
        )


def test_a_big_upload_arrives_intact(process_env, tmp_path, token):  # noqa: F811
    clip = padded_clip(tmp_path / "big.mp4", 24 * MiB + 12345)  # many 1 MiB reads and a ragged end
    server = DaphneServer(process_env, tmp_path / "daphne.log")
    server.start()
    try:
        response = post_video(server, token, clip)
    finally:
        server.stop()
    assert response.status_code == 201, response.text
    video = Video.objects.get(pk=response.json()["id"])
    assert video.source_size == clip.stat().st_size
    with default_storage.open(video.source.name, "rb") as stored:
        assert hashlib.sha256(stored.read()).digest() == hashlib.sha256(clip.read_bytes()).digest()


def test_an_upload_over_the_limit_is_refused_before_it_is_stored(process_env, tmp_path, token):  # noqa: F811
    clip = padded_clip(tmp_path / "big.mp4", 8 * MiB)
    server = DaphneServer({**process_env, "MAX_UPLOAD_SIZE": str(2 * MiB)}, tmp_path / "daphne.log")
    server.start()
    try:
        response = post_video(server, token, clip)
    finally:
        server.stop()
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"
    assert not Video.objects.exists()
