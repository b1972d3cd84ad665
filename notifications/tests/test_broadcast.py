"""System messages: one service behind `manage.py broadcast` and the admin, reaching every connection."""

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from django.core.management import CommandError, call_command

from notifications.models import Notification
from notifications.services import system_message_broadcast

from .conftest import open_socket, session_headers

pytestmark = pytest.mark.django_db(transaction=True)


def _messages(user):
    return [(n.type, n.payload["message"], n.payload["level"]) for n in Notification.objects.filter(recipient=user)]


def test_broadcast_command_reaches_every_connection_and_stores_for_active_users(user, other_user, staff_user,
                                                                                 django_user_model):
    retired = django_user_model.objects.create_user(username="retired", password="x", is_active=False)
    headers = [session_headers(u) for u in (user, user, staff_user)]  # two tabs of one user, and staff

    @async_to_sync
    async def scenario():
        sockets = [(await open_socket(h))[0] for h in headers]
        await sync_to_async(call_command)("broadcast", "Maintenance at 22:00", "--level", "warning")
        heard = [await s.receive_json_from(timeout=5) for s in sockets]
        for s in sockets:
            assert await s.receive_nothing(timeout=0.3)  # once each, though staff is in several groups
            await s.disconnect()
        return heard

    heard = scenario()
    assert [(m["type"], m["message"], m["level"]) for m in heard] == [
        ("system_message", "Maintenance at 22:00", "warning")
    ] * 3
    assert set(heard[0]) == {"type", "message", "level", "timestamp"}
    for u in (user, other_user, staff_user):  # other_user was not connected: stored all the same
        assert _messages(u) == [("system_message", "Maintenance at 22:00", "warning")]
    assert _messages(retired) == []


def test_broadcast_rejects_bad_input(user):
    with pytest.raises(CommandError):
        call_command("broadcast", "hi", "--level", "shouting")
    with pytest.raises(CommandError):
        call_command("broadcast", "   ")
    with pytest.raises(ValueError):
        system_message_broadcast(message="hi", level="shouting")
    assert Notification.objects.count() == 0


def test_admin_broadcast_uses_the_same_service(client, staff_user, user):
    staff_user.is_superuser = True
    staff_user.save()
    client.force_login(staff_user)
    changelist = client.get("/admin/notifications/notification/")
    assert "/admin/notifications/notification/broadcast/" in changelist.content.decode()
    assert client.get("/admin/notifications/notification/broadcast/").status_code == 200
    response = client.post("/admin/notifications/notification/broadcast/", {"message": "Hello all", "level": "info"})
    assert response.status_code == 302
    assert _messages(user) == [("system_message", "Hello all", "info")]
    assert client.post("/admin/notifications/notification/broadcast/", {"message": "x", "level": "loud"}).status_code == 200


def test_admin_broadcast_needs_permission(client, staff_user):
    client.force_login(staff_user)  # staff without the add permission
    assert client.post("/admin/notifications/notification/broadcast/", {"message": "x", "level": "info"}).status_code == 403
    assert Notification.objects.count() == 0


def test_one_relay_per_process_joins_the_users_group_and_leaves_with_the_last_connection(user, other_user):
    from channels.layers import get_channel_layer

    from notifications import fanout
    from notifications.services import USERS_GROUP

    headers = [session_headers(u) for u in (user, other_user)]

    @async_to_sync
    async def scenario():
        layer = get_channel_layer()
        group_key = layer._group_key(USERS_GROUP)
        members = [await layer.connection(layer.consistent_hash(USERS_GROUP)).zcard(group_key)]
        sockets = [(await open_socket(h))[0] for h in headers]
        members.append(await layer.connection(layer.consistent_hash(USERS_GROUP)).zcard(group_key))
        await sockets[0].disconnect()
        members.append(await layer.connection(layer.consistent_hash(USERS_GROUP)).zcard(group_key))
        await sockets[1].disconnect()
        members.append(await layer.connection(layer.consistent_hash(USERS_GROUP)).zcard(group_key))
        return members, fanout._relay

    members, relay = scenario()
    before = members[0]
    assert members[1:] == [before + 1, before + 1, before]  # one relay channel, not one per connection
    assert relay is None
