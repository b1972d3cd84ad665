"""Liveness of transcode attempts: a heartbeat apart from progress, and the watchdog that reads it.

Progress says ffmpeg moves; the heartbeat says the worker lives. Apart, they tell a lost worker
(no heartbeat for TRANSCODE_WORKER_LOST_SECONDS: put the video back in the queue as a new attempt)
from a hung ffmpeg (heartbeat fresh, no progress for TRANSCODE_STALL_TIMEOUT: fail it). The
watchdog runs as a thread in each Celery worker's main process, which never runs tasks itself,
so it is never queued behind the transcode it watches (a beat task was, with one worker).
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import tempfile
import threading
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, close_old_connections, connection, transaction
from django.db.models import Q
from django.utils import timezone

from . import outputs
from .lifecycle import video_move
from .models import Video

logger = logging.getLogger(__name__)

Reason = Video.FailureReason


def new_attempt() -> str:
    return uuid.uuid4().hex[:12]


class Heartbeat:
    """Write ``heartbeat_at`` of the attempt every TRANSCODE_HEARTBEAT_SECONDS from a thread of its own."""

    def __init__(self, video_id, attempt: str):
        self.video_id, self.attempt = video_id, attempt
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"heartbeat-{attempt}", daemon=True)

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        try:
            while not self._stop.wait(settings.TRANSCODE_HEARTBEAT_SECONDS):
                try:
                    alive = Video.objects.filter(
                        pk=self.video_id, attempt=self.attempt, status=Video.Status.PROCESSING
                    ).update(heartbeat_at=timezone.now())
                except DatabaseError as exc:
                    # The database went away (restart, killed backend): reconnect at the next beat.
                    logger.warning("video %s: heartbeat not written: %s", self.video_id, exc)
                    connection.close()
                    continue
                if not alive:
                    return  # superseded, cancelled or finished: the attempt's own checks stop it
        finally:
            connection.close()


def heartbeat_is_fresh(video: Video) -> bool:
    """True when the video's current attempt showed life within TRANSCODE_WORKER_LOST_SECONDS."""
    beat = video.heartbeat_at or video.progress_at
    return beat is not None and timezone.now() - beat < timedelta(seconds=settings.TRANSCODE_WORKER_LOST_SECONDS)


def videos_watch() -> dict[str, int]:
    """Requeue videos whose worker is gone, fail those that hang or ran out of attempts, resend lost tasks."""
    now = timezone.now()
    lost_before = now - timedelta(seconds=settings.TRANSCODE_WORKER_LOST_SECONDS)
    stalled_before = now - timedelta(seconds=settings.TRANSCODE_STALL_TIMEOUT)
    suspects = Video.objects.filter(status=Video.Status.PROCESSING).filter(
        Q(heartbeat_at__lt=lost_before)
        | Q(heartbeat_at__isnull=True, progress_at__lt=lost_before)
        | Q(progress_at__lt=stalled_before)
    )
    counts = {"requeued": 0, "failed": 0, "resent": _resend_stale_queued(now)}
    for pk in suspects.values_list("pk", flat=True):
        outcome = _judge(pk, lost_before=lost_before, stalled_before=stalled_before)
        if outcome:
            counts[outcome] += 1
    return counts


def _resend_stale_queued(now) -> int:
    """Send the task again for videos queued longer than TRANSCODE_QUEUED_RESEND_SECONDS.

    A queued task can be lost (a Redis without persistence restarted, a publish that failed after
    the row committed), and nothing else would ever pick its video up. A resend of one that was
    not lost is harmless: the first delivery claims the video, the other finds it taken.
    """
    from .services import _enqueue_transcode

    seconds = settings.TRANSCODE_QUEUED_RESEND_SECONDS
    if not seconds:
        return 0
    waiting = Video.objects.filter(status=Video.Status.QUEUED, updated_at__lt=now - timedelta(seconds=seconds))
    resent = 0
    for pk in list(waiting.values_list("pk", flat=True)[:100]):
        # updated_at moves, so each waiting video is sent again at most once per period, and by
        # one watchdog only (the others' update finds it moved).
        if waiting.filter(pk=pk).update(updated_at=timezone.now()):
            _enqueue_transcode(pk)
            resent += 1
    if resent:
        logger.info("sent the transcode task again for %d videos queued over %d s", resent, seconds)
    return resent


def _judge(pk, *, lost_before, stalled_before) -> str | None:
    with transaction.atomic():
        # skip_locked: a row held by a worker cut off mid-transaction must not stop the whole pass.
        video = Video.objects.select_for_update(skip_locked=True).filter(pk=pk, status=Video.Status.PROCESSING).first()
        if video is None:
            return None
        beat = video.heartbeat_at or video.progress_at
        if beat is not None and beat < lost_before:
            if video.attempt_count < settings.TRANSCODE_MAX_ATTEMPTS:
                _requeue_lost(video)
                return "requeued"
            _fail(
                video, Reason.WORKER_LOST,
                f"The worker transcoding this video stopped {video.attempt_count} times (a lost machine or "
                "one out of memory, most likely), so it was given up. Retry to start it again.",
            )
            return "failed"
        if video.progress_at is not None and video.progress_at < stalled_before:
            minutes = max(1, settings.TRANSCODE_STALL_TIMEOUT // 60)
            _fail(video, Reason.STALLED, f"Transcoding stalled: ffmpeg made no progress for {minutes} minutes. "
                  "Retry to start it again.")
            return "failed"
    return None


def _requeue_lost(video: Video) -> None:
    from .services import _enqueue_transcode

    logger.warning("video %s: worker of attempt %s is gone; queued again (attempt %d of %d)",
                   video.pk, video.attempt, video.attempt_count + 1, settings.TRANSCODE_MAX_ATTEMPTS)
    # A new attempt id: should the lost worker wake up, it finds itself superseded.
    video_move(video, Video.Status.QUEUED, attempt=new_attempt())
    transaction.on_commit(lambda: _enqueue_transcode(video.pk))


def _fail(video: Video, reason: str, message: str) -> None:
    logger.warning("video %s failed by the watchdog (%s): %s", video.pk, reason, message)
    # A new attempt id: a live but hung attempt stops at its next check and drops its outputs.
    video_move(video, Video.Status.FAILED, attempt=new_attempt(), error=message, reason=reason)
    keep = video.output_prefix
    transaction.on_commit(lambda: outputs.delete_stale_outputs(video.pk, keep=keep))


SCRATCH_RE = re.compile(r"^mediasite-(\d+)-")


def scratch_prefix() -> str:
    """Name an attempt's scratch folder after its process, so that a dead one's can be found."""
    return f"mediasite-{os.getpid()}-"


def scratch_cleanup() -> list[str]:
    """Remove the scratch folders of attempts whose process is gone (a SIGKILL leaves them, sources and all)."""
    root = settings.TRANSCODE_SCRATCH_DIR or tempfile.gettempdir()
    removed = []
    for entry in os.scandir(root):
        match = SCRATCH_RE.match(entry.name)
        if not match or not entry.is_dir(follow_symlinks=False):
            continue
        try:
            os.kill(int(match[1]), 0)
            continue  # that process still runs
        except ProcessLookupError:
            pass
        except PermissionError:
            continue  # someone else's process
        shutil.rmtree(entry.path, ignore_errors=True)
        removed.append(entry.path)
    return removed


class Watchdog(threading.Thread):
    """Run videos_watch every TRANSCODE_WATCHDOG_SECONDS in a worker's main process."""

    def __init__(self):
        super().__init__(name="transcode-watchdog", daemon=True)
        self.stopped = threading.Event()

    def run(self) -> None:
        for path in scratch_cleanup():
            logger.warning("removed the scratch folder of a lost attempt: %s", path)
        while True:
            try:
                counts = videos_watch()
                if any(counts.values()):
                    logger.info("transcode watchdog: %s", counts)
            except DatabaseError as exc:  # the database away (or this host cut off): one line a pass
                logger.warning("transcode watchdog pass failed: %s", exc)
            except Exception:
                logger.exception("transcode watchdog pass failed")
            finally:
                # Pool children are forked from this process: leave no open database socket to inherit.
                close_old_connections()
                connection.close()
            if self.stopped.wait(settings.TRANSCODE_WATCHDOG_SECONDS):
                return


_watchdog: Watchdog | None = None


def watchdog_start(**_) -> None:
    """Start the watchdog thread once per worker (connected to Celery's worker_ready)."""
    global _watchdog
    if _watchdog is None:
        _watchdog = Watchdog()
        _watchdog.start()


def watchdog_stop(**_) -> None:
    if _watchdog is not None:
        _watchdog.stopped.set()
