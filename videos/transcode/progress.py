"""Progress of a running attempt: reported throttled, persisted once a second, and the "should we stop?" check."""

from __future__ import annotations

import logging
import threading
import time
from contextlib import contextmanager

from django.db import DatabaseError, connection
from django.utils import timezone

from notifications.events import TranscodeProgress
from notifications.services import event_publish, video_group

from ..models import Video

logger = logging.getLogger(__name__)

PERSIST_INTERVAL = 1.0  # progress reaches the database at most once a second
CANCEL_CHECK_INTERVAL = 0.5
# While an attempt runs its state goes out at least this often, whatever step it is in: steps
# without reports of their own (measuring 750 segments, the storyboard sheet, a slow download)
# left gaps of 3.3 s in a ten-minute 1080p encode (bench/long.py).
TICK_SECONDS = 1.0

Stage = Video.Stage


class TranscodeCancelled(Exception):
    """The owner cancelled the video."""


class TranscodeSuperseded(Exception):
    """Another attempt took over the video, or the video was deleted."""


def _unless_database_away(query):
    """Run a progress write or check; None when the database is away (killed backend, restart).

    Progress can wait for the next write, and the connection is closed so that it reconnects:
    a lost database connection costs a second of progress, not the whole encode.
    """
    try:
        return query()
    except DatabaseError as exc:
        logger.warning("database away during a transcode, reconnecting: %s", exc)
        connection.close()
        return None


class ProgressTracker:
    """Publishes progress (throttled by the notifications service), persists it once a second,
    and answers "should we stop?" from the database twice a second."""

    def __init__(self, video: Video, attempt: str):
        self.video_id = video.pk
        self.owner_id = video.owner_id
        self.attempt = attempt
        self.stage = Stage.NONE
        self.percent = 0.0
        self.superseded = False
        # A first rendition was published (read again with each stop check): the ticks say so.
        self.playable = video.playable_at is not None
        self._persisted_at = 0.0
        self._checked_at = 0.0
        self._published_at = 0.0
        self._speed = self._eta = None
        self._lock = threading.Lock()  # a tick and an update never send out of order

    def set_stage(self, stage: str, percent: float | None = None) -> None:
        self.stage = stage
        self.update(self.percent if percent is None else percent, force=True)

    def update(self, percent: float, *, speed=None, eta=None, force: bool = False) -> None:
        self.percent = max(self.percent, round(percent, 1))
        now = time.monotonic()
        if force or now - self._persisted_at >= PERSIST_INTERVAL:
            self._persisted_at = now
            fields = {"stage": self.stage, "progress": self.percent, "progress_at": timezone.now()}
            updated = _unless_database_away(
                lambda: Video.objects.filter(pk=self.video_id, attempt=self.attempt).update(**fields)
            )
            if updated == 0:
                self.superseded = True
                raise TranscodeSuperseded
        self._speed, self._eta = speed, eta
        self._publish(force=force)

    @contextmanager
    def ticking(self):
        """Send the current state again whenever nothing went out for TICK_SECONDS, until the block ends."""
        stop = threading.Event()

        def tick() -> None:
            # Checked four times a TICK_SECONDS and sent once 3/4 of it passed: no gap is longer.
            while not stop.wait(TICK_SECONDS / 4):
                if self.stage and time.monotonic() - self._published_at >= TICK_SECONDS * 3 / 4:
                    self._publish(force=False)

        thread = threading.Thread(target=tick, name=f"progress-{self.attempt}", daemon=True)
        thread.start()
        try:
            yield self
        finally:
            stop.set()
            thread.join(timeout=5)

    def _publish(self, *, force: bool) -> None:
        with self._lock:
            sent = publish_progress(
                self.video_id, self.owner_id, status=Video.Status.PROCESSING, stage=self.stage,
                progress=self.percent, speed=self._speed, eta=self._eta, force=force, playable=self.playable,
            )
            if sent is not False:
                self._published_at = time.monotonic()

    def should_stop(self) -> bool:
        now = time.monotonic()
        if now - self._checked_at < CANCEL_CHECK_INTERVAL:
            return False
        self._checked_at = now
        row = _unless_database_away(
            lambda: Video.objects.filter(pk=self.video_id).values("attempt", "cancel_requested", "playable_at").first()
            or {}
        )
        if row is None:
            return False  # the database is away; ffmpeg goes on and the next check asks again
        self.playable = row.get("playable_at") is not None
        if row.get("attempt") != self.attempt:
            self.superseded = True
            return True
        return row["cancel_requested"]

    def check(self) -> None:
        self._checked_at = 0.0
        if self.should_stop():
            raise TranscodeSuperseded if self.superseded else TranscodeCancelled


def publish_progress(video_id, owner_id, *, status, stage, progress, speed=None, eta=None, force=False,
                     playable=False) -> bool:
    """Send a progress event; False when the throttle (or a channel layer that is away) dropped it."""
    return event_publish(
        TranscodeProgress(
            video_id=str(video_id), status=status, stage=stage, progress=progress, speed=speed, eta_seconds=eta,
            playable=playable,
        ),
        user_ids=[owner_id], groups=[video_group(video_id)], force=force,
    )
