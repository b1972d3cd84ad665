"""What a websocket client is told on connect and which videos it may watch (videos' state)."""

from __future__ import annotations

import uuid

from notifications.events import TranscodeProgress
from notifications.selectors import notification_list
from videos.models import Video
from videos.selectors import video_get_visible, video_in_flight_for

SNAPSHOT_NOTIFICATIONS = 10


def video_state_message(video: Video) -> dict:
    """A video's current state in the `transcode_progress` shape, as a client would have heard it."""
    at = video.progress_at or video.updated_at
    return TranscodeProgress(
        video_id=str(video.pk),
        status=video.status,
        stage=video.stage,
        progress=100.0 if video.status == Video.Status.READY else float(video.progress),
        playable=video.is_playable,
        renditions=[rendition.name for rendition in video.renditions.all()],
        timestamp=at.isoformat(),
    ).to_message()


def video_watchable(*, user, video_id) -> Video | None:
    """The video whose events this user may subscribe to, or None (unknown, malformed or not visible)."""
    try:
        video_uuid = uuid.UUID(str(video_id))
    except ValueError:
        return None
    return video_get_visible(user=user, video_id=video_uuid)


def connection_snapshot(*, user) -> dict:
    """What a client is sent on connect, so a reconnect misses no state.

    Progress ticks are not stored, so in-flight videos are described by their current state; a
    video that finished while the client was away shows up among the unread notifications.
    """
    unread = notification_list(user=user, unread=True)
    return {
        "type": "snapshot",
        "unread_count": unread.count(),
        "videos": [
            video_state_message(video)
            for video in video_in_flight_for(user=user).prefetch_related("renditions").order_by("created_at")
        ],
        "notifications": [
            {"id": n.pk, "created_at": n.created_at.isoformat(), "event": n.payload}
            for n in unread[:SNAPSHOT_NOTIFICATIONS]
        ],
    }
