"""Rendered API reads of videos, kept in the cache until anything they show changes.

Building a list page or a detail (the query, the model instances, signed URLs, DRF's rendering)
costs several times what returning stored bytes does. An entry is keyed by its reader (anonymous,
or the user's id and staff flag: all that visibility and ``can_edit`` depend on), the absolute URL
(the bodies hold absolute URLs; the query string holds the filters and the cursor) and the
negotiated media type, and it carries the *generations* it was built at:

- list pages: one generation, moved by every write to a video, rendition, subtitle or user;
- a video's detail: that video's own generation, moved by writes to it, its renditions and its
  subtitles, and one for all details, moved by writes to users (owner names, staff flags) and by
  bulk writes too wide to name their videos. So one running transcode, which writes its progress
  every second, retires every list page but only its own video's detail.

A write moves them at once, and again when its transaction commits, so that a read racing the
write cannot keep rows from before the commit under the new number; an entry whose generations
are not the current ones is rebuilt. Writes through the ORM are all seen (saves, deletes with their
cascades, and ``QuerySet.update``/``bulk_create``/``bulk_update`` through ``TrackedQuerySet``); one
that bypasses it is seen within ``API_CACHE_SECONDS``, the longest an entry lives, which also
keeps the signed URLs inside valid for ``MEDIA_URL_EXPIRY`` minus that. ``API_CACHE_SECONDS=0``
builds every response.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Iterable

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db import models, transaction
from django.db.models.signals import post_delete, post_save
from django.http import HttpResponse

logger = logging.getLogger(__name__)

LISTS_KEY = "api-read:generation:lists"
ALL_DETAILS_KEY = "api-read:generation:details"
ENTRY_PREFIX = "api-read:entry:"
# A video's generation outlives any entry built at it; one not written to for this long goes.
VIDEO_KEY_SECONDS = 24 * 3600
# A bulk write over more videos than this moves all details instead of naming each.
MAX_NAMED_VIDEOS = 100


def video_key(video_id) -> str:
    return f"api-read:generation:video:{video_id}"


def changed(video_ids: Iterable | None) -> None:
    """Retire what a write may show in: every list page, and the details of video_ids (None: all).

    At once, and when inside a transaction once more after it commits.
    """
    keys = [LISTS_KEY, *([ALL_DETAILS_KEY] if video_ids is None else {video_key(v) for v in video_ids})]
    _move(keys)
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(lambda: _move(keys))


def _move(keys: list[str]) -> None:
    try:
        for key in keys:
            try:
                cache.incr(key)
            except ValueError:  # not there yet, or expired
                _start(key)
    except Exception:  # Redis away: entries still end after API_CACHE_SECONDS
        logger.warning("could not move the API read generations", exc_info=True)


def _start(key: str) -> None:
    # From the clock, not from 1: a generation that expired or was evicted and started again must
    # not come back to numbers that entries still alive were built at.
    timeout = VIDEO_KEY_SECONDS if key.startswith(video_key("")) else None
    if not cache.add(key, time.time_ns(), timeout=timeout):
        cache.incr(key)  # another process started it meanwhile: still move it


class TrackedQuerySet(models.QuerySet):
    """Bulk writes, which send no model signals, retire cached reads too.

    ``video_field`` names the video a row belongs to (``pk`` for videos themselves).
    """

    video_field = "video_id"

    def update(self, **kwargs):
        # Which videos, read before the write: the write may change the very fields filtered on.
        ids = list(self.order_by().values_list(self.video_field, flat=True).distinct()[: MAX_NAMED_VIDEOS + 1])
        rows = super().update(**kwargs)
        if rows:
            changed(None if len(ids) > MAX_NAMED_VIDEOS else ids)
        return rows

    def bulk_create(self, objs, *args, **kwargs):
        created = super().bulk_create(objs, *args, **kwargs)
        if created:
            changed(self._videos_of(created))
        return created

    def bulk_update(self, objs, fields, *args, **kwargs):
        objs = list(objs)
        rows = super().bulk_update(objs, fields, *args, **kwargs)
        if rows:
            changed(self._videos_of(objs))
        return rows

    def _videos_of(self, objs) -> set | None:
        ids = {getattr(obj, self.video_field) for obj in objs}
        return None if len(ids) > MAX_NAMED_VIDEOS else ids


class VideoQuerySet(TrackedQuerySet):
    video_field = "pk"


def _video_changed(sender, instance, **kwargs) -> None:
    changed([instance.pk])


def _part_changed(sender, instance, **kwargs) -> None:
    changed([instance.video_id])


def _user_changed(sender, instance, **kwargs) -> None:
    changed(None)


# What API reads show: a change to any of these may change a cached body.
RECEIVERS = {
    "videos.Video": _video_changed,
    "videos.Rendition": _part_changed,
    "subtitles.Subtitle": _part_changed,
    settings.AUTH_USER_MODEL: _user_changed,
}


def connect() -> None:
    """Watch saves and deletes (cascades included) of everything an API read shows."""
    for label, receiver in RECEIVERS.items():
        model = apps.get_model(label)
        post_save.connect(receiver, sender=model, dispatch_uid=f"read_cache.save.{label}")
        post_delete.connect(receiver, sender=model, dispatch_uid=f"read_cache.delete.{label}")


def retire_all() -> None:
    """Retire every cached read (tests start from here: their rows roll back without a signal)."""
    changed(None)


def _entry_key(request) -> str:
    user = request.user
    reader = (f"user:{user.pk}:{'staff' if user.is_staff else ''}" if user and user.is_authenticated else "anon")
    identity = f"{reader}\n{request.build_absolute_uri()}\n{request.accepted_media_type}"
    return ENTRY_PREFIX + hashlib.sha256(identity.encode()).hexdigest()


def cached_read(view, request, build: Callable[[], HttpResponse], *, video_id=None) -> HttpResponse:
    """The response ``build`` would give this reader for this URL, from the cache when still current.

    Called by a DRF view's GET handler after authentication, permissions and throttles ran, with
    ``video_id`` for one video's detail. Only 200s are kept; errors are built every time.
    """
    seconds = settings.API_CACHE_SECONDS
    if not seconds:
        return build()
    keys = [LISTS_KEY] if video_id is None else [ALL_DETAILS_KEY, video_key(video_id)]
    entry_key = _entry_key(request)
    try:
        found = cache.get_many([*keys, entry_key])
    except Exception:
        logger.warning("API read cache unavailable", exc_info=True)
        return build()
    generations = tuple(found.get(key) for key in keys)
    if None in generations:
        _move([key for key in keys if found.get(key) is None])  # starts them
        return build()
    entry = found.get(entry_key)
    if entry is not None and entry[0] == generations:
        return HttpResponse(entry[2], content_type=entry[1])
    response = view.finalize_response(request, build())
    response.render()
    if response.status_code == 200:
        try:
            cache.set(entry_key, (generations, response["Content-Type"], response.content), seconds)
        except Exception:
            logger.warning("API read cache unavailable", exc_info=True)
    return response
