"""How an attempt ends when it does not succeed: a reason and a message for people, and the state it leaves."""

from __future__ import annotations

import logging

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import DatabaseError, transaction
from django.utils.translation import gettext_noop

from .. import storage
from ..ffmpeg import FFmpegError, ProbeError
from ..lifecycle import video_move
from ..models import Video

logger = logging.getLogger(__name__)

Reason = Video.FailureReason


def failure_of(exc: BaseException) -> tuple[str, str]:
    """Return (reason, message for people) for an exception that ended an attempt."""
    if isinstance(exc, ProbeError):
        return Reason.UNREADABLE, str(exc)
    if isinstance(exc, FFmpegError):
        detail = f" ({exc.cause})" if exc.cause else ""
        return Reason.FFMPEG, f"The video could not be converted; the file may be damaged or unusual{detail}."
    if isinstance(exc, SoftTimeLimitExceeded):
        minutes = settings.TRANSCODE_SOFT_TIME_LIMIT // 60
        return Reason.TIMEOUT, f"Transcoding took longer than the {minutes}-minute limit and was stopped."
    if isinstance(exc, (OSError, DatabaseError)) or type(exc).__module__.startswith(("botocore", "boto3")):
        return Reason.STORAGE, gettext_noop("Media storage could not be reached while transcoding; try again later.")
    return Reason.INTERNAL, gettext_noop("An internal error stopped the transcode; the worker log has the details.")


EXPECTED_ERRORS = (ProbeError, FFmpegError, SoftTimeLimitExceeded)


def attempt_requeue(*, video_id, attempt: str) -> None:
    """Put a video back in the queue after a transient error (the task retries it)."""
    with transaction.atomic():
        video = _current(video_id, attempt)
        if video is not None:
            video_move(video, Video.Status.QUEUED)
    _delete_quietly(storage.output_prefix(video_id, attempt))


def attempt_fail(*, video_id, attempt: str, exc: BaseException) -> None:
    """Mark the attempt's video failed with a readable reason and remove the attempt's objects."""
    reason, message = failure_of(exc)
    prefix = storage.output_prefix(video_id, attempt)
    with transaction.atomic():
        video = _current(video_id, attempt)
        current = video is not None
        if current:
            video_move(video, Video.Status.FAILED, error=message, reason=reason)
    # Partial objects go whatever happened to the row: nothing of a failed attempt stays, nor
    # the first rendition that went with the failure.
    _delete_quietly(prefix)
    if current:
        _delete_quietly(storage.first_root(video_id))
        logger.warning("video %s failed (%s): %s", video_id, reason, message)


def attempt_cancelled(*, video_id, attempt: str) -> None:
    """Finish a cancelled attempt: status cancelled, its objects removed."""
    with transaction.atomic():
        video = Video.objects.select_for_update().filter(pk=video_id, attempt=attempt).first()
        cancelled = video is not None and video.status in Video.ACTIVE_STATUSES
        if cancelled:
            video_move(video, Video.Status.CANCELLED)
    storage.delete_prefix(storage.output_prefix(video_id, attempt))
    if cancelled:
        _delete_quietly(storage.first_root(video_id))


def _delete_quietly(prefix: str) -> None:
    """Remove a failed attempt's objects; storage may be the very thing that failed (then the next
    attempt's clean-up of stale outputs, or cleanup_storage, removes them)."""
    try:
        storage.delete_prefix(prefix)
    except Exception as exc:
        logger.warning("could not remove %s now (%s); it goes with the next attempt's clean-up", prefix, exc)


def _current(video_id, attempt: str) -> Video | None:
    """The video, locked, if this attempt is still its running one."""
    video = Video.objects.select_for_update().filter(pk=video_id).first()
    if video is None or video.attempt != attempt or video.status != Video.Status.PROCESSING:
        return None
    return video
