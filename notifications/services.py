"""The one place that publishes events: store them where needed, throttle progress, send to groups."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from .events import Event, TranscodeProgress
from .models import Notification

logger = logging.getLogger(__name__)

STAFF_GROUP = "staff"
# Progress for one video goes out at most this often; the last state is never dropped because
# stage changes, 100 % and terminal events are sent with force=True.
PROGRESS_INTERVAL = 0.5


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def video_group(video_id) -> str:
    return f"video.{video_id}"


class _ProgressThrottle:
    """Per-process memory of when each video's progress was last sent.

    One transcode runs in one worker process, so a process-local clock is exact for it.
    """

    def __init__(self, interval: float):
        self.interval = interval
        self._last: dict[str, float] = {}
        self._lock = threading.Lock()

    def allow(self, key: str, *, force: bool) -> bool:
        now = time.monotonic()
        with self._lock:
            if not force and now - self._last.get(key, float("-inf")) < self.interval:
                return False
            self._last[key] = now
            if len(self._last) > 10_000:  # a long-lived worker must not grow without bound
                self._last = {k: v for k, v in self._last.items() if now - v < 60}
            return True

    def forget(self, key: str) -> None:
        with self._lock:
            self._last.pop(key, None)


progress_throttle = _ProgressThrottle(PROGRESS_INTERVAL)


def _group_send_all(groups: list[str], message: dict) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    for group in groups:
        try:
            async_to_sync(layer.group_send)(group, {"type": "event.message", "event": message})
        except Exception:  # a broken channel layer must never fail the work that publishes
            logger.exception("could not send %s to %s", message.get("type"), group)


def event_publish(
    event: Event,
    *,
    user_ids: Iterable[int] = (),
    groups: Iterable[str] = (),
    force: bool = False,
) -> bool:
    """Send an event to these users' groups and any extra groups; store it for them if it is stored.

    Returns False when a progress tick was dropped by the throttle.
    """
    user_ids = list(dict.fromkeys(user_ids))
    if isinstance(event, TranscodeProgress):
        if not progress_throttle.allow(event.video_id, force=force):
            return False
    elif getattr(event, "video_id", None):
        progress_throttle.forget(event.video_id)

    message = event.to_message()
    if event.stored and user_ids:
        Notification.objects.bulk_create(
            Notification(recipient_id=user_id, type=event.type, payload=message) for user_id in user_ids
        )
    targets = [user_group(user_id) for user_id in user_ids] + list(groups)
    # Inside a transaction, send only once it commits, so nobody hears of a state that rolled back.
    transaction.on_commit(lambda: _group_send_all(targets, message))
    return True
