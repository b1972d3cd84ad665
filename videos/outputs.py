"""Writing transcode outputs to media storage with the right headers, and removing stale ones."""

from __future__ import annotations

import logging
from pathlib import Path, PurePosixPath

from django.core.files import File
from django.core.files.storage import default_storage, storages
from storages.backends.s3 import S3Storage

from . import storage

logger = logging.getLogger(__name__)

# Objects under an attempt's prefix are never rewritten, so segments may be cached for good;
# playlists are small and rewritten by Django anyway.
IMMUTABLE = "private, max-age=31536000, immutable"
SHORT = "private, max-age=300"

CONTENT_TYPES = {
    ".m3u8": ("application/vnd.apple.mpegurl", SHORT),
    ".m4s": ("video/iso.segment", IMMUTABLE),
    ".mp4": ("video/mp4", IMMUTABLE),
    ".jpg": ("image/jpeg", IMMUTABLE),
    ".vtt": ("text/vtt; charset=utf-8", SHORT),
}


def headers_for(key: str) -> tuple[str, str]:
    """Return (Content-Type, Cache-Control) for an output key."""
    return CONTENT_TYPES.get(PurePosixPath(key).suffix.lower(), ("application/octet-stream", SHORT))


def put_file(key: str, path: Path) -> None:
    """Store a local file at exactly this key, with its Content-Type and Cache-Control."""
    content_type, cache_control = headers_for(key)
    backend = storages["default"]
    if isinstance(backend, S3Storage):
        # boto3's managed transfer: multipart for big files, and headers set per object,
        # which Storage.save() cannot do.
        backend.bucket.upload_file(
            str(path),
            backend._normalize_name(key),
            ExtraArgs={"ContentType": content_type, "CacheControl": cache_control},
        )
        return
    if backend.exists(key):
        backend.delete(key)
    with open(path, "rb") as handle:
        saved = backend.save(key, File(handle))
    if saved != key:  # storage renamed it: the key is the contract, so this is a bug worth a crash
        raise RuntimeError(f"storage saved {key} as {saved}")


def output_prefixes(video_id) -> list[str]:
    """Every attempt prefix that exists for a video (``videos/<uuid>/out/<attempt>/``)."""
    root = f"{storage.video_prefix(video_id)}out"
    try:
        dirs, _ = default_storage.listdir(root)
    except FileNotFoundError:
        return []
    return [f"{root}/{name}/" for name in dirs]


def delete_stale_outputs(video_id, *, keep: str = "") -> int:
    """Delete the outputs of every attempt of a video except the one at ``keep``."""
    deleted = 0
    for prefix in output_prefixes(video_id):
        if prefix != keep:
            deleted += storage.delete_prefix(prefix)
    if deleted:
        logger.info("video %s: removed %d stale output objects", video_id, deleted)
    return deleted
