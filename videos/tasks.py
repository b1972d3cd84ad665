"""Celery tasks of videos: thin, take ids, call one service, own retries and the failure path."""

import logging
from botocore.exceptions import BotoCoreError, ConnectionError as BotoConnectionError
from celery import shared_task
from django.conf import settings
from django.core.files.storage import default_storage
from django.db import InterfaceError, OperationalError

from . import transcode
from .transcode.first import first_rendition_make
from .cleanup import orphan_keys

logger = logging.getLogger(__name__)

# Outages of the database or of S3 are worth another try; a broken file is not.
TRANSIENT_ERRORS = (OperationalError, InterfaceError, BotoConnectionError, BotoCoreError, ConnectionError)


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=settings.TRANSCODE_SOFT_TIME_LIMIT,
    time_limit=settings.TRANSCODE_HARD_TIME_LIMIT,
    max_retries=2,
    default_retry_delay=30,
)
def video_transcode(self, video_id: str) -> None:
    """Transcode one video; a fresh attempt id per run keeps redeliveries apart."""
    attempt = transcode.new_attempt()
    try:
        redelivered = bool((self.request.delivery_info or {}).get("redelivered"))
        transcode.transcode_attempt(video_id=video_id, attempt=attempt, redelivered=redelivered)
    except TRANSIENT_ERRORS as exc:
        if self.request.retries < self.max_retries and not self.request.is_eager:
            logger.warning("video %s: transient error, retrying: %s", video_id, exc)
            transcode.attempt_requeue(video_id=video_id, attempt=attempt)
            raise self.retry(exc=exc) from None
        transcode.attempt_fail(video_id=video_id, attempt=attempt, exc=exc)
    except Exception as exc:
        expected = isinstance(exc, transcode.EXPECTED_ERRORS)
        logger.log(logging.INFO if expected else logging.ERROR, "video %s failed", video_id, exc_info=not expected)
        transcode.attempt_fail(video_id=video_id, attempt=attempt, exc=exc)


@shared_task(acks_late=True, reject_on_worker_lost=True, soft_time_limit=settings.TRANSCODE_SOFT_TIME_LIMIT,
             time_limit=settings.TRANSCODE_HARD_TIME_LIMIT)
def video_first_rendition(video_id: str) -> None:
    """Make a video's first rendition (queue "first"); any failure only costs the head start."""
    first_rendition_make(video_id=video_id)


@shared_task
def storage_cleanup() -> int:
    """Delete objects that no video owns (older than an hour, so uploads in flight are safe)."""
    keys = orphan_keys(min_age=3600)
    for key in keys:
        default_storage.delete(key)
    if keys:
        logger.info("storage cleanup removed %d orphan objects", len(keys))
    return len(keys)
