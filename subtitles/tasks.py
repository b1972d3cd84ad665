"""Celery tasks of subtitles: thin, take ids, call one service."""

import logging

from celery import shared_task
from django.conf import settings

from . import captioning

logger = logging.getLogger(__name__)


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=settings.TRANSCODE_SOFT_TIME_LIMIT,
    time_limit=settings.TRANSCODE_HARD_TIME_LIMIT,
)
def subtitle_captions_generate(video_id: str) -> None:
    """Make a video's captions from its speech (queue "captions"); a failure leaves the video as it was."""
    try:
        captioning.captions_make(video_id=video_id)
    except Exception:
        # Captions are an extra: the video plays on without them, and the owner may ask again.
        logger.exception("video %s: captions from speech failed", video_id)
    finally:
        captioning.captions_request_done(video_id=video_id)
