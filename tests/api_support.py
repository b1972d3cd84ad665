"""Helpers for the REST API tests: videos in any state, clients signed in either way, tiny clips."""

from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from videos.ffmpeg.runner import generate_clip

from tests.factories import RenditionFactory, VideoFactory
from videos.models import Video


def make_video(owner, *, status=Video.Status.QUEUED, visibility=Video.Visibility.PRIVATE, title=None, **fields):
    values = {"owner": owner, "status": status, "visibility": visibility, **({"title": title} if title else {})}
    if status == Video.Status.READY:
        values.update(ready=True, rendition=None, duration=1.0, width=64, height=48, fps=10.0)
    return VideoFactory(**values, **fields)


def make_ready_video(owner, *, visibility=Video.Visibility.PUBLIC, with_files=False, **fields):
    """A ready video with one rendition; with_files stores a poster and a master playlist."""
    video = make_video(owner, status=Video.Status.READY, visibility=visibility, **fields)
    RenditionFactory(video=video, width=64, height=48, bandwidth=200_000)
    if with_files:
        default_storage.save(video.poster_key, ContentFile(b"\xff\xd8\xff\xe0poster"))
        default_storage.save(video.master_playlist_key, ContentFile(b"#EXTM3U\n"))
    return video


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


def session_client(user, *, enforce_csrf=False) -> APIClient:
    client = APIClient(enforce_csrf_checks=enforce_csrf)
    client.force_login(user)
    return client


def make_clip(path: Path, *, seconds: float = 1.0, size: str = "64x48") -> Path:
    """A tiny real H.264 clip, silent, at an exact path (the suite's one generator: generate_clip)."""
    generate_clip(path, seconds=seconds, size=size, rate=10, audio=False, preset="ultrafast")
    return path


def assert_error(response, status: int, code: str | None = None) -> dict:
    """The response is an error in the API's one shape; returns its body's "error"."""
    assert response.status_code == status, (response.status_code, getattr(response, "content", b"")[:500])
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert set(error) == {"code", "message", "fields"}, error
    assert isinstance(error["message"], str) and error["message"]
    assert isinstance(error["fields"], dict)
    if code is not None:
        assert error["code"] == code, error
    return error


@pytest.fixture
def throttle_clock(monkeypatch):
    """Pin the rate limits' clock mid-window: a test that crosses a minute would see its counts reset."""
    import mediasite.api.throttles as throttles

    monkeypatch.setattr(throttles.time, "time", lambda: 1_800_000_030.0)
