"""What a connected client is told and may ask for: snapshot, subscriptions, events, ping, counts."""

import dataclasses

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from django.utils import timezone

from notifications import presence
from notifications.events import SubtitleReady, TranscodeComplete, TranscodeProgress
from notifications.models import Notification
from notifications.services import event_publish, video_group

from .conftest import open_socket, session_headers

pytestmark = pytest.mark.django_db(transaction=True)

PROGRESS_KEYS = {"type"} | {f.name for f in dataclasses.fields(TranscodeProgress)}


async def _nothing_more(communicator):
    assert await communicator.receive_nothing(timeout=0.3)


def test_snapshot_has_unread_count_and_in_flight_videos(user, other_user, make_video):
    queued = make_video(user, status="queued")
    processing = make_video(user, status="processing", stage="transcoding", progress=42.5, progress_at=timezone.now())
    make_video(user, status="ready")
    make_video(other_user, status="processing")
    done = {"type": "transcode_complete", "video_id": "x", "title": "t", "renditions": [], "duration": 1.0}
    Notification.objects.create(recipient=user, type="transcode_complete", payload=done)
    Notification.objects.create(recipient=user, type="transcode_complete", payload=done, read_at=timezone.now())
    Notification.objects.create(recipient=other_user, type="transcode_complete", payload=done)

    user_headers = session_headers(user)

    @async_to_sync
    async def scenario():
        communicator, snapshot = await open_socket(user_headers)
        await communicator.disconnect()
        return snapshot

    snapshot = scenario()
    assert snapshot["unread_count"] == 1
    assert [n["event"] for n in snapshot["notifications"]] == [done]
    by_id = {v["video_id"]: v for v in snapshot["videos"]}
    assert set(by_id) == {str(queued.pk), str(processing.pk)}
    assert all(set(v) == PROGRESS_KEYS and v["type"] == "transcode_progress" for v in snapshot["videos"])
    assert by_id[str(processing.pk)] | {"timestamp": None} == {
        "type": "transcode_progress", "video_id": str(processing.pk), "status": "processing",
        "stage": "transcoding", "progress": 42.5, "speed": None, "eta_seconds": None, "timestamp": None,
        "playable": False, "renditions": [],
    }


def test_ping_and_bad_messages_do_not_disconnect(user):
    user_headers = session_headers(user)

    @async_to_sync
    async def scenario():
        communicator, _ = await open_socket(user_headers)
        replies = []
        await communicator.send_to(text_data="not json")
        replies.append(await communicator.receive_json_from(timeout=5))
        await communicator.send_json_to(["a", "list"])
        replies.append(await communicator.receive_json_from(timeout=5))
        await communicator.send_json_to({"type": "dance"})
        replies.append(await communicator.receive_json_from(timeout=5))
        await communicator.send_json_to({"type": "ping"})
        replies.append(await communicator.receive_json_from(timeout=5))
        await communicator.disconnect()
        return replies

    replies = scenario()
    assert [r["type"] for r in replies] == ["error", "error", "error", "pong"]


def test_subscribe_rules(user, other_user, make_video):
    own_private = make_video(user, visibility="private", status="processing")
    foreign_public = make_video(other_user, visibility="public", status="ready")
    foreign_unlisted = make_video(other_user, visibility="unlisted")
    foreign_private = make_video(other_user, visibility="private")

    user_headers = session_headers(user)

    @async_to_sync
    async def scenario():
        communicator, _ = await open_socket(user_headers)
        replies = {}
        for name, video_id in [
            ("own_private", own_private.pk), ("foreign_public", foreign_public.pk),
            ("foreign_unlisted", foreign_unlisted.pk), ("foreign_private", foreign_private.pk),
            ("malformed", "../etc"), ("missing", None),
        ]:
            await communicator.send_json_to({"type": "subscribe", "video_id": str(video_id) if video_id else None})
            replies[name] = await communicator.receive_json_from(timeout=5)
        # Still connected after the refusals.
        await communicator.send_json_to({"type": "ping"})
        replies["ping"] = await communicator.receive_json_from(timeout=5)
        await communicator.disconnect()
        return replies

    replies = scenario()
    for name in ("own_private", "foreign_public", "foreign_unlisted"):
        assert replies[name]["type"] == "subscribed", name
        assert set(replies[name]["state"]) == PROGRESS_KEYS
    assert replies["foreign_public"]["state"]["status"] == "ready"
    assert replies["foreign_public"]["state"]["progress"] == 100.0
    for name in ("foreign_private", "malformed", "missing"):
        assert replies[name]["type"] == "error", name
    assert replies["foreign_private"] == {"type": "error", "message": "No such video.", "video_id": str(foreign_private.pk)}
    assert replies["ping"] == {"type": "pong"}


def test_staff_may_subscribe_to_any_video(staff_user, user, make_video):
    video = make_video(user, visibility="private")

    staff_user_headers = session_headers(staff_user)

    @async_to_sync
    async def scenario():
        communicator, _ = await open_socket(staff_user_headers)
        await communicator.send_json_to({"type": "subscribe", "video_id": str(video.pk)})
        reply = await communicator.receive_json_from(timeout=5)
        await communicator.disconnect()
        return reply

    assert scenario()["type"] == "subscribed"


def test_watcher_gets_video_events_until_unsubscribed(user, other_user, make_video):
    video = make_video(other_user, visibility="public", status="processing")
    publish = sync_to_async(event_publish)

    def progress(value):
        return TranscodeProgress(video_id=str(video.pk), status="processing", stage="transcoding", progress=value)

    user_headers = session_headers(user)

    @async_to_sync
    async def scenario():
        communicator, _ = await open_socket(user_headers)
        await communicator.send_json_to({"type": "subscribe", "video_id": str(video.pk)})
        assert (await communicator.receive_json_from(timeout=5))["type"] == "subscribed"
        await publish(progress(10.0), user_ids=[other_user.pk], groups=[video_group(video.pk)], force=True)
        heard = await communicator.receive_json_from(timeout=5)
        await communicator.send_json_to({"type": "unsubscribe", "video_id": str(video.pk)})
        assert (await communicator.receive_json_from(timeout=5))["type"] == "unsubscribed"
        await publish(progress(20.0), user_ids=[other_user.pk], groups=[video_group(video.pk)], force=True)
        await _nothing_more(communicator)
        await communicator.disconnect()
        return heard

    heard = scenario()
    assert heard["type"] == "transcode_progress"
    assert heard["progress"] == 10.0


def test_owner_watching_own_video_hears_each_event_once(user, make_video):
    """The owner is in user.<id> and subscribed to video.<uuid>: one publish, one message."""
    video = make_video(user, status="processing")
    event = TranscodeComplete(video_id=str(video.pk), title="clip", renditions=["360p"], duration=2.0)

    user_headers = session_headers(user)

    @async_to_sync
    async def scenario():
        communicator, _ = await open_socket(user_headers)
        await communicator.send_json_to({"type": "subscribe", "video_id": str(video.pk)})
        await communicator.receive_json_from(timeout=5)
        await sync_to_async(event_publish)(event, user_ids=[user.pk], groups=[video_group(video.pk)])
        heard = await communicator.receive_json_from(timeout=5)
        await _nothing_more(communicator)
        await communicator.disconnect()
        return heard

    assert scenario() == event.to_message()
    assert Notification.objects.get(recipient=user).payload == event.to_message()


def test_user_events_reach_every_tab_of_that_user_only(user, other_user):
    event = SubtitleReady(video_id="v", subtitle_id=1, language="en")

    other_user_headers = session_headers(other_user)
    user_headers = session_headers(user)

    @async_to_sync
    async def scenario():
        tab1, _ = await open_socket(user_headers)
        tab2, _ = await open_socket(user_headers)
        stranger, _ = await open_socket(other_user_headers)
        await sync_to_async(event_publish)(event, user_ids=[user.pk])
        heard = [await tab1.receive_json_from(timeout=5), await tab2.receive_json_from(timeout=5)]
        await _nothing_more(stranger)
        for communicator in (tab1, tab2, stranger):
            await communicator.disconnect()
        return heard

    assert scenario() == [event.to_message()] * 2


def test_connections_are_counted_by_kind_while_open(user, staff_user):
    staff_user_headers = session_headers(staff_user)
    user_headers = session_headers(user)

    @async_to_sync
    async def scenario():
        before = await sync_to_async(presence.connection_counts)()
        sockets = [
            (await open_socket(user_headers))[0],
            (await open_socket(user_headers))[0],
            (await open_socket(staff_user_headers))[0],
        ]
        during = await sync_to_async(presence.connection_counts)()
        for communicator in sockets:
            await communicator.disconnect()
        after = await sync_to_async(presence.connection_counts)()
        return before, during, after

    before, during, after = scenario()
    assert {k: during[k] - before[k] for k in during} == {"total": 3, "user": 2, "staff": 1}
    assert after == before


def test_connections_of_a_dead_process_stop_counting(monkeypatch):
    """A process that died never unregisters; its entries lapse after CONNECTION_TTL."""
    before = presence.connection_counts()
    monkeypatch.setattr(presence, "CONNECTION_TTL", 1)
    presence._add({"specific.dead!1": "user", "specific.dead!2": "staff"})
    assert presence.connection_counts()["total"] == before["total"] + 2
    import time

    time.sleep(1.1)
    assert presence.connection_counts() == before
