"""Find stored objects that no video owns (for `manage.py cleanup_storage` and the beat job)."""

from __future__ import annotations

from datetime import timedelta

from django.core.files.storage import default_storage
from django.utils import timezone

from . import storage
from .models import Video

ROOT = "videos"


def orphan_keys(*, min_age: float = 0) -> list[str]:
    """Keys under videos/ that belong to no video, or to no live attempt of one.

    Objects younger than ``min_age`` seconds are left alone: an upload may be in flight
    before its row commits.
    """
    videos = {
        str(pk): (source, output_prefix, status, attempt)
        for pk, source, output_prefix, status, attempt in Video.objects.values_list(
            "pk", "source", "output_prefix", "status", "attempt"
        )
    }
    try:
        dirs, files = default_storage.listdir(ROOT)
    except FileNotFoundError:
        return []
    candidates = [f"{ROOT}/{name}" for name in files]
    for name in dirs:
        keys = storage.keys_under(f"{ROOT}/{name}/")
        owner = videos.get(name)
        if owner is None:
            candidates += keys
        else:
            candidates += [key for key in keys if not _owned(key, name, *owner)]
    if min_age > 0:
        cutoff = timezone.now() - timedelta(seconds=min_age)
        candidates = [key for key in candidates if _modified(key) < cutoff]
    return sorted(candidates)


def _owned(key: str, video_id: str, source: str, output_prefix: str, status: str, attempt: str) -> bool:
    prefix = f"{ROOT}/{video_id}/"
    if key.startswith(f"{prefix}source/"):
        return key == source
    if key.startswith(f"{prefix}out/"):
        if output_prefix and key.startswith(output_prefix):
            return True
        # The attempt running now is writing its outputs.
        live = status in Video.ACTIVE_STATUSES and attempt
        return bool(live) and key.startswith(storage.output_prefix(video_id, attempt))
    if key.startswith(f"{prefix}first/"):
        # A first rendition is played while its video is in flight; once the ladder replaced it (or
        # the video failed) it goes, an hour after it was written (min_age): time for the players
        # that started on it to play on.
        return status in Video.ACTIVE_STATUSES
    # Subtitles belong to the subtitles app, which deletes its own objects.
    return key.startswith(f"{prefix}subtitles/")


def _modified(key: str):
    try:
        return default_storage.get_modified_time(key)
    except (FileNotFoundError, NotImplementedError):
        return timezone.now()
