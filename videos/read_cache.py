"""Rendered API reads of videos, kept in the cache until anything they show changes.

Building a list page or a detail (the query, the model instances, signed URLs, DRF's rendering)
costs several times what returning stored bytes does. An entry is keyed by its reader (anonymous,
or the user's id and staff flag: all that visibility and ``can_edit`` depend on), the absolute URL
(the bodies hold absolute URLs; the query string holds the filters and the cursor) and the
negotiated media type, and it carries the *generation* it was built at.

Every write to a video, rendition, subtitle or user moves the generation: at once, and again when
its transaction commits, so that a read racing the write cannot keep rows from before the commit
under the new number. An entry of an older generation is rebuilt. Writes through the ORM are all
seen (saves, deletes with their cascades, and ``QuerySet.update``/``bulk_create`` through
``TrackedQuerySet``); one that bypasses it is seen within ``API_CACHE_SECONDS``, the longest an
entry lives, which also keeps the signed URLs inside valid for ``MEDIA_URL_EXPIRY`` minus that.
``API_CACHE_SECONDS=0`` builds every response.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db import models, transaction
from django.db.models.signals import post_delete, post_save
from django.http import HttpResponse

logger = logging.getLogger(__name__)

GENERATION_KEY = "api-read:generation"
ENTRY_PREFIX = "api-read:entry:"
# What API reads show: a change to any of these may change a cached body.
TRACKED_MODELS = ("videos.Video", "videos.Rendition", "subtitles.Subtitle", settings.AUTH_USER_MODEL)


def bump() -> None:
    """Move the generation now and, inside a transaction, once more after it commits."""
    _increment()
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(_increment)


def _increment() -> None:
    try:
        try:
            cache.incr(GENERATION_KEY)
        except ValueError:  # not there yet, or evicted
            _start()
    except Exception:  # Redis away: entries still end after API_CACHE_SECONDS
        logger.warning("could not move the API read generation", exc_info=True)


def _start() -> None:
    # From the clock, not from 1: a counter that was evicted and started again must not come back
    # to numbers that entries still alive were built at.
    cache.add(GENERATION_KEY, time.time_ns(), timeout=None)


class TrackedQuerySet(models.QuerySet):
    """Bulk writes, which send no model signals, move the generation too."""

    def update(self, **kwargs):
        rows = super().update(**kwargs)
        if rows:
            bump()
        return rows

    def bulk_create(self, objs, *args, **kwargs):
        created = super().bulk_create(objs, *args, **kwargs)
        if created:
            bump()
        return created

    def bulk_update(self, objs, fields, *args, **kwargs):
        rows = super().bulk_update(objs, fields, *args, **kwargs)
        if rows:
            bump()
        return rows


def _changed(sender, **kwargs) -> None:
    bump()


def connect() -> None:
    """Watch saves and deletes (cascades included) of everything an API read shows."""
    for label in TRACKED_MODELS:
        model = apps.get_model(label)
        post_save.connect(_changed, sender=model, dispatch_uid=f"read_cache.save.{label}")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"read_cache.delete.{label}")


def _entry_key(request) -> str:
    user = request.user
    reader = (f"user:{user.pk}:{'staff' if user.is_staff else ''}" if user and user.is_authenticated else "anon")
    identity = f"{reader}\n{request.build_absolute_uri()}\n{request.accepted_media_type}"
    return ENTRY_PREFIX + hashlib.sha256(identity.encode()).hexdigest()


def cached_read(view, request, build: Callable[[], HttpResponse]) -> HttpResponse:
    """The response ``build`` would give this reader for this URL, from the cache when still current.

    Called by a DRF view's GET handler after authentication, permissions and throttles ran.
    Only 200s are kept; errors are built every time.
    """
    seconds = settings.API_CACHE_SECONDS
    if not seconds:
        return build()
    key = _entry_key(request)
    try:
        found = cache.get_many([GENERATION_KEY, key])
    except Exception:
        logger.warning("API read cache unavailable", exc_info=True)
        return build()
    current = found.get(GENERATION_KEY)
    if current is None:
        _increment()  # starts it
        return build()
    entry = found.get(key)
    if entry is not None and entry[0] == current:
        return HttpResponse(entry[2], content_type=entry[1])
    response = view.finalize_response(request, build())
    response.render()
    if response.status_code == 200:
        try:
            cache.set(key, (current, response["Content-Type"], response.content), seconds)
        except Exception:
            logger.warning("API read cache unavailable", exc_info=True)
    return response
