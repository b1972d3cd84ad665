"""The one place that publishes events: store them where needed, throttle progress, send to groups."""

from __future__ import annotations

import asyncio
import logging
import secrets
import threading
import time
import uuid
from collections.abc import Iterable

import redis
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from .events import Event, SystemMessage, TranscodeProgress
from .models import Notification
from mediasite.backends.redis_client import redis_client

logger = logging.getLogger(__name__)

STAFF_GROUP = "staff"
# Every open websocket hears this group, so a system message is one group_send, not one per user.
# Its members are one relay channel per web process, not the connections (notifications/fanout.py).
USERS_GROUP = "users"
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

# What a channel layer whose Redis is away raises (redis-py's own errors are no OSError).
LAYER_AWAY_ERRORS = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError, asyncio.TimeoutError)


class _LayerOutage:
    """Per-process memory that the channel layer is away, so that progress ticks stop trying it.

    Measured with Redis restarted under a transcode (videos/tests/test_faults_services.py): a
    refused group_send fails in a few ms but logged a 60-line traceback for each group of each
    tick; a hung Redis (stopped, or a partition) holds every group_send for the layer's 15 s socket
    timeout, so each tick stopped the encode's progress loop for 30 s. While the layer is away,
    ticks are dropped untried for a pause; the events that matter (stage changes, completions,
    failures) are always tried. Clients lose their websocket with the layer and reconnect to a
    snapshot, so a dropped tick costs nothing.

    The pause follows what a try costs: a refused connection fails in milliseconds, so it is tried
    again after PAUSE_MIN and a restarted Redis hears progress within that; only a try that hung
    (SLOW_FAILURE or more) doubles the pause, up to PAUSE_MAX. Doubling on every failure let a few
    refusals during a 4 s restart grow the pause to 16 s, and a loaded CI host saw no progress at
    all between the restart and the end of the encode.
    """

    PAUSE_MIN, PAUSE_MAX, SLOW_FAILURE = 1.0, 30.0, 1.0

    def __init__(self):
        self._lock = threading.Lock()
        self.since: float | None = None  # when the first send of this outage failed
        self._pause = 0.0
        self._retry_at = 0.0
        self._dropped = 0

    def skip(self) -> bool:
        """True when a progress tick should be dropped without trying the layer."""
        if self.since is None:
            return False
        with self._lock:
            if self.since is None or time.monotonic() >= self._retry_at:
                return False
            self._dropped += 1
            return True

    def failed(self, exc: BaseException, *, took: float = 0.0) -> None:
        """Note a failed send; `took` is how long the try waited before it failed."""
        with self._lock:
            now, first = time.monotonic(), self.since is None
            if first:
                self.since = now
            if took < self.SLOW_FAILURE:
                self._pause = self.PAUSE_MIN
            else:
                self._pause = min(self.PAUSE_MAX, max(self.PAUSE_MIN, self._pause) * 2)
            self._retry_at = now + self._pause
            self._dropped += 1
        if first:
            logger.warning("channel layer unreachable, progress events are dropped until it answers: %s: %s",
                           type(exc).__name__, exc)

    def recovered(self) -> None:
        if self.since is None:
            return
        with self._lock:
            if self.since is None:
                return
            away, dropped = time.monotonic() - self.since, self._dropped
            self.since, self._dropped = None, 0
        logger.warning("channel layer reachable again after %.1f s; %d event sends were dropped", away, dropped)


layer_outage = _LayerOutage()


def _group_send_all(groups: list[str], message: dict) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    # One publish may reach a connection through several groups (its owner's user.<id> and a
    # video.<uuid> it subscribed to, or staff): every copy carries the same id and the consumer
    # forwards only the first. Filtering at the receiver stays right whatever groups a caller names.
    envelope = {"type": "event.message", "id": uuid.uuid4().hex, "event": message}
    for group in groups:
        # A broken channel layer must never fail the work that publishes.
        started = time.monotonic()
        try:
            async_to_sync(layer.group_send)(group, envelope)
        except LAYER_AWAY_ERRORS as exc:
            layer_outage.failed(exc, took=time.monotonic() - started)
            return  # the other groups live on the same Redis: each try could wait out its timeout
        except Exception:
            logger.exception("could not send %s to %s", message.get("type"), group)
        else:
            layer_outage.recovered()


def event_publish(
    event: Event,
    *,
    user_ids: Iterable[int] = (),
    groups: Iterable[str] = (),
    force: bool = False,
) -> bool:
    """Send an event to these users' groups and any extra groups; store it for them if it is stored.

    Returns False when a progress tick was dropped (by the throttle, or while the channel layer is away).
    """
    user_ids = list(dict.fromkeys(user_ids))
    if isinstance(event, TranscodeProgress):
        if not progress_throttle.allow(event.video_id, force=force):
            return False
        if not force and layer_outage.skip():
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


def system_message_broadcast(*, message: str, level: str = "info") -> int:
    """Store a system message for every active user and send it to every open connection.

    Returns how many notifications were stored.
    """
    if not message.strip():
        raise ValueError("The message is empty.")
    event = SystemMessage(message=message, level=level)
    payload = event.to_message()
    user_ids = get_user_model().objects.filter(is_active=True).values_list("pk", flat=True)
    with transaction.atomic():
        created = Notification.objects.bulk_create(
            (Notification(recipient_id=user_id, type=event.type, payload=payload) for user_id in user_ids.iterator()),
            batch_size=1000,
        )
        event_publish(event, groups=[USERS_GROUP])
    return len(created)


def notification_mark_read(*, notification: Notification) -> Notification:
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def notification_mark_all_read(*, user) -> int:
    """Mark every unread notification of this user read; returns how many changed."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(read_at=timezone.now())


# --- Websocket tickets ------------------------------------------------------------------------
# API clients cannot send a session cookie and must not put a long-lived token in a URL (URLs end
# up in proxy logs), so they trade their token for a ticket that opens one websocket, once, soon.
WS_TICKET_TTL = 30


def _ticket_key(ticket: str) -> str:
    return f"mediasite:ws-ticket:{ticket}"


def ws_ticket_create(*, user) -> str:
    ticket = secrets.token_urlsafe(32)
    redis_client().set(_ticket_key(ticket), user.pk, ex=WS_TICKET_TTL)
    return ticket


def ws_ticket_redeem(*, ticket: str):
    """The active user this ticket was made for, or None; the ticket is spent either way.

    GETDEL is one atomic command: two connections racing with one ticket cannot both win, which a
    cache get() followed by delete() would allow.
    """
    if not ticket or len(ticket) > 100:
        return None
    user_id = redis_client().getdel(_ticket_key(ticket))
    if user_id is None:
        return None
    return get_user_model().objects.filter(pk=int(user_id), is_active=True).first()
