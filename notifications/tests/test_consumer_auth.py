"""Who may open the websocket: session cookies, single-use tickets, origins — through the real ASGI
stack and a real Redis channel layer."""

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from notifications.services import ws_ticket_create

from .conftest import ORIGIN, open_socket, refused_code, session_headers

pytestmark = pytest.mark.django_db(transaction=True)


def test_layer_is_real_redis():
    assert type(get_channel_layer()).__module__.startswith("channels_redis")


@async_to_sync
async def _ping(headers):
    communicator, _ = await open_socket(headers)
    await communicator.send_json_to({"type": "ping"})
    reply = await communicator.receive_json_from(timeout=5)
    await communicator.disconnect()
    return reply


def test_logged_in_user_gets_pong(user):
    assert _ping(session_headers(user)) == {"type": "pong"}


def test_anonymous_refused():
    assert async_to_sync(refused_code)([ORIGIN]) == 4401


def test_foreign_origin_refused(user):
    headers = session_headers(user)
    async_to_sync(refused_code)([(b"origin", b"http://evil.example"), headers[1]])


def test_missing_origin_refused(user):
    ticket = ws_ticket_create(user=user)
    async_to_sync(refused_code)([], f"/ws/notifications/?ticket={ticket}")


def test_ticket_opens_one_connection_only(user):
    ticket = ws_ticket_create(user=user)
    path = f"/ws/notifications/?ticket={ticket}"

    @async_to_sync
    async def scenario():
        communicator, snapshot = await open_socket([ORIGIN], path)
        await communicator.disconnect()
        return await refused_code([ORIGIN], path)

    assert scenario() == 4401


def test_ticket_race_has_one_winner(user):
    """Two connections racing with one ticket: GETDEL lets exactly one in."""
    path = f"/ws/notifications/?ticket={ws_ticket_create(user=user)}"

    @async_to_sync
    async def scenario():
        import asyncio

        from channels.testing import WebsocketCommunicator

        from mediasite.asgi import application

        communicators = [WebsocketCommunicator(application, path, headers=[ORIGIN]) for _ in range(2)]
        results = await asyncio.gather(*(c.connect(timeout=5) for c in communicators))
        for communicator in communicators:
            await communicator.disconnect()
        return [connected for connected, _ in results]

    assert sorted(scenario()) == [False, True]


def test_unknown_ticket_refused_even_with_a_session(user):
    """A ticket, when given, decides: a bad one is never rescued by the cookie."""
    headers = session_headers(user)
    assert async_to_sync(refused_code)(headers, "/ws/notifications/?ticket=not-a-ticket") == 4401


def test_ticket_of_deactivated_user_refused(user):
    ticket = ws_ticket_create(user=user)
    user.is_active = False
    user.save()
    assert async_to_sync(refused_code)([ORIGIN], f"/ws/notifications/?ticket={ticket}") == 4401


def test_ticket_expires(user, monkeypatch):
    from notifications import services

    monkeypatch.setattr(services, "WS_TICKET_TTL", 1)
    ticket = ws_ticket_create(user=user)
    ttl = services.redis_client().pttl(services._ticket_key(ticket))
    assert 0 < ttl <= 1000


def test_ticket_user_is_the_one_it_was_made_for(user, other_user, make_video):
    video = make_video(other_user, status="processing")
    ticket = ws_ticket_create(user=other_user)

    @async_to_sync
    async def scenario():
        communicator, snapshot = await open_socket([ORIGIN], f"/ws/notifications/?ticket={ticket}")
        await communicator.disconnect()
        return snapshot

    assert [v["video_id"] for v in scenario()["videos"]] == [str(video.pk)]
