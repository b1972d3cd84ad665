"""Local storage: Django receives each part PUT (a signed, expiring URL) and writes it to disk.

A session's parts are written at their offsets into one file in its staging folder, so complete
only renames that file to the source's key: no second copy of a big file.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import time
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.urls import reverse
from django.utils.crypto import constant_time_compare, salted_hmac

from .base import StoredPart, StrayUpload

_SIGNATURE_SALT = "mediasite.upload-part"
CHUNK = 1024 * 1024


def part_signature(session_id, number: int, expires: int) -> str:
    message = f"{session_id}:{number}:{expires}"
    return salted_hmac(_SIGNATURE_SALT, message, secret=settings.SECRET_KEY, algorithm="sha256").hexdigest()


def part_signature_valid(session_id, number: int, expires: int, signature: str) -> bool:
    return expires >= time.time() and constant_time_compare(part_signature(session_id, number, expires), signature)


def staging_root() -> Path:
    # Under MEDIA_ROOT by default: the same file system, so assembling is a rename.
    return Path(settings.UPLOAD_SESSION_DIR or Path(settings.MEDIA_ROOT) / "upload-sessions")


class _StagedFile(File):
    """The assembled file; FileSystemStorage moves a file that has a temporary path instead of copying it."""

    def temporary_file_path(self) -> str:
        return self.name


class LocalUploads:
    def __init__(self, store):
        self.store = store

    def _folder(self, session) -> Path:
        return staging_root() / str(session.id)

    def _data(self, session) -> Path:
        return self._folder(session) / "data"

    def start(self, session) -> str:
        self._folder(session).mkdir(parents=True, exist_ok=True)
        self._data(session).touch()
        return ""

    def part_url(self, session, number: int, expires_in: int) -> str:
        expires = int(time.time()) + expires_in
        path = reverse("upload-part-data", kwargs={"session_id": session.id, "number": number})
        return f"{path}?expires={expires}&signature={part_signature(session.id, number, expires)}"

    def write_part(self, session, number: int, stream, length: int) -> tuple[int, str]:
        """Write LENGTH bytes of STREAM at part NUMBER's offset; return (bytes read, MD5 hex).

        Reads one byte past LENGTH so that a body longer than declared is noticed.
        """
        digest = hashlib.md5(usedforsecurity=False)
        offset = (number - 1) * session.part_size
        received = 0
        fd = os.open(self._data(session), os.O_WRONLY)
        try:
            while received <= length:
                chunk = stream.read(min(CHUNK, length + 1 - received))
                if not chunk:
                    break
                if received + len(chunk) > length:
                    return received + len(chunk), ""
                os.pwrite(fd, chunk, offset + received)
                digest.update(chunk)
                received += len(chunk)
        finally:
            os.close(fd)
        return received, digest.hexdigest()

    def parts(self, session) -> list[StoredPart]:
        return [StoredPart(number=p.number, size=p.size, etag=p.etag) for p in session.parts.all()]

    def assemble(self, session, parts: list[StoredPart]) -> None:
        data = self._data(session)
        # Only the parts' bytes: a part sent longer once, then again right, must not leave a tail.
        os.truncate(data, sum(p.size for p in parts))
        with _StagedFile(open(data, "rb"), name=str(data)) as staged:
            saved = self.store.save(session.key, staged)
        if saved != session.key:
            self.store.delete(saved)
            raise RuntimeError(f"storage saved {session.key!r} as {saved!r}")
        shutil.rmtree(self._folder(session), ignore_errors=True)

    def stored_size(self, session) -> int:
        return self.store.size(session.key)

    def abort(self, session) -> None:
        shutil.rmtree(self._folder(session), ignore_errors=True)

    def strays(self, prefix: str) -> list[StrayUpload]:
        root = staging_root()
        if not root.is_dir():
            return []
        return [
            StrayUpload(key="", multipart_id=entry.name,
                        started_at=datetime.fromtimestamp(entry.stat().st_mtime, tz=UTC))
            for entry in os.scandir(root)
            if entry.is_dir()
        ]  # fmt: skip

    def abort_stray(self, stray: StrayUpload) -> None:
        shutil.rmtree(staging_root() / stray.multipart_id, ignore_errors=True)
