"""The websocket through the real ASGI stack (origin check, session auth) and a real Redis layer."""

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.conf import settings

from mediasite.asgi import application

pytestmark = pytest.mark.django_db(transaction=True)

ORIGIN = (b"origin", b"http://127.0.0.1:8000")


def _session_cookie(client) -> tuple[bytes, bytes]:
    value = client.cookies[settings.SESSION_COOKIE_NAME].value
    return (b"cookie", f"{settings.SESSION_COOKIE_NAME}={value}".encode())


@async_to_sync
async def _exchange(headers, message=None):
    """Connect, optionally send one message and read the reply; return (connected, close code, reply)."""
    communicator = WebsocketCommunicator(application, "/ws/notifications/", headers=headers)
    connected, code = await communicator.connect(timeout=5)
    reply = None
    if connected and message is not None:
        await communicator.send_json_to(message)
        reply = await communicator.receive_json_from(timeout=5)
    await communicator.disconnect()
    return connected, code, reply


def test_layer_is_real_redis():
    assert type(get_channel_layer()).__module__.startswith("channels_redis")


def test_logged_in_user_gets_pong(client, user):
    client.force_login(user)
    connected, _, reply = _exchange([ORIGIN, _session_cookie(client)], {"type": "ping"})
    assert connected
    assert reply == {"type": "pong"}


def test_anonymous_refused():
    connected, code, _ = _exchange([ORIGIN])
    assert not connected
    assert code == 4401


def test_foreign_origin_refused(client, user):
    client.force_login(user)
    connected, _, _ = _exchange([(b"origin", b"http://evil.example"), _session_cookie(client)])
    assert not connected
