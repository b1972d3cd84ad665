from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class StoredPart:
    number: int
    size: int
    etag: str  # hex MD5, without S3's quotes


@dataclass(frozen=True)
class StrayUpload:
    """Parts in storage that may belong to no open session (a crash between storage and commit)."""

    key: str
    multipart_id: str
    started_at: datetime


def bare_etag(etag: str) -> str:
    return etag.strip().strip('"').lower()
