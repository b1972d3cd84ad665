"""The one place that makes storage keys. Keys are built from UUIDs only, never user names."""

import re
import uuid
from pathlib import PurePosixPath

from django.core.files.storage import default_storage

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_filename(name: str, *, default: str = "source") -> str:
    """Reduce an uploaded file name to a short, safe basename (extension kept)."""
    base = PurePosixPath(name.replace("\\", "/")).name
    stem, dot, ext = base.rpartition(".")
    if not dot:
        stem, ext = base, ""
    stem = _UNSAFE.sub("-", stem).strip(".-")[:80] or default
    ext = _UNSAFE.sub("", ext)[:10].lower()
    return f"{stem}.{ext}" if ext else stem


def video_prefix(video_id: uuid.UUID) -> str:
    return f"videos/{video_id}/"


def source_key(video_id: uuid.UUID, filename: str) -> str:
    return f"{video_prefix(video_id)}source/{safe_filename(filename)}"


def source_upload_to(instance, filename: str) -> str:
    """`upload_to` for Video.source."""
    return source_key(instance.pk, filename)


def output_prefix(video_id: uuid.UUID, attempt: str) -> str:
    """Prefix of one transcode attempt's outputs; the video points at it once the attempt succeeds."""
    return f"{video_prefix(video_id)}out/{attempt}/"


def first_prefix(video_id: uuid.UUID, token: str) -> str:
    """Prefix of a first rendition (videos/transcode/first.py): apart from the attempts, which it outlives."""
    return f"{first_root(video_id)}{token}/"


def first_root(video_id: uuid.UUID) -> str:
    return f"{video_prefix(video_id)}first/"


def video_id_of(key: str) -> str:
    """The id (as text) of the video a key of videos/<uuid>/… belongs to."""
    return key.split("/")[1]


def immutable_key(key: str) -> bool:
    """Whether the object at KEY is never rewritten once stored: a source, or a transcode attempt's output."""
    parts = key.split("/")
    return len(parts) > 3 and parts[0] == "videos" and parts[2] in ("source", "out")


def master_playlist_key(prefix: str) -> str:
    return f"{prefix}hls/master.m3u8"


def variant_playlist_key(prefix: str, rung: str) -> str:
    return f"{prefix}hls/{rung}/index.m3u8"


def poster_key(prefix: str) -> str:
    return f"{prefix}thumbs/poster.jpg"


def storyboard_image_key(prefix: str) -> str:
    return f"{prefix}thumbs/storyboard.jpg"


def storyboard_vtt_key(prefix: str) -> str:
    return f"{prefix}thumbs/storyboard.vtt"


def subtitle_vtt_key(video_id: uuid.UUID, language: str, kind: str) -> str:
    return f"{video_prefix(video_id)}subtitles/{safe_filename(language)}.{kind}.vtt"


def subtitle_original_key(video_id: uuid.UUID, language: str, kind: str, filename: str) -> str:
    ext = safe_filename(filename).rpartition(".")[2] or "txt"
    return f"{video_prefix(video_id)}subtitles/{safe_filename(language)}.{kind}.original.{ext}"


def keys_under(prefix: str) -> list[str]:
    """Every key below a prefix (the storage backend lists it: mediasite/backends/storage.py)."""
    return default_storage.keys_under(prefix)


def delete_prefix(prefix: str) -> int:
    """Delete every object under a prefix; return how many were deleted."""
    return default_storage.delete_prefix(prefix)
