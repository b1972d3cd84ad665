"""Helpers for talking to the real ASGI application over a WebsocketCommunicator."""

import pytest
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from mediasite.asgi import application
from videos.models import Video

ORIGIN = (b"origin", b"http://127.0.0.1:8000")


def session_headers(user) -> list[tuple[bytes, bytes]]:
    """Headers of a browser logged in as this user (a fresh session each call; call outside async code)."""
    client = Client()
    client.force_login(user)
    value = client.cookies[settings.SESSION_COOKIE_NAME].value
    return [ORIGIN, (b"cookie", f"{settings.SESSION_COOKIE_NAME}={value}".encode())]


async def open_socket(headers, path="/ws/notifications/"):
    """Connect and read the snapshot; returns (communicator, snapshot). Fails the test if refused."""
    communicator = WebsocketCommunicator(application, path, headers=headers)
    connected, code = await communicator.connect(timeout=5)
    if not connected:
        await communicator.disconnect()
    assert connected, f"refused with {code}"
    snapshot = await communicator.receive_json_from(timeout=5)
    assert snapshot["type"] == "snapshot"
    return communicator, snapshot


async def refused_code(headers, path="/ws/notifications/"):
    """Try to connect; returns the close code when refused, fails the test when accepted."""
    communicator = WebsocketCommunicator(application, path, headers=headers)
    connected, code = await communicator.connect(timeout=5)
    # As a server does after a refusal: tell the consumer the socket is gone and wait for it to
    # end, so that no task of it is left for the event loop to cancel when the test's loop closes.
    await communicator.disconnect()
    assert not connected
    return code


@pytest.fixture
def make_video():
    def make(owner, **fields):
        fields.setdefault("title", "clip")
        fields.setdefault("source", "videos/test/source/clip.mp4")
        return Video.objects.create(owner=owner, **fields)

    return make


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """The user fixtures hash a password each; the default hasher costs ~0.3 s a user."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
