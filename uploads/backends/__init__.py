"""Where a session's parts go: one interface, two backends (local disk through Django, or S3).

    backend = upload_backend()
    session.multipart_id = backend.start(session)
    backend.part_url(session, number, expires_in)   → where the client PUTs part NUMBER
    backend.parts(session)                          → the parts stored so far (resume)
    backend.assemble(session, parts)                → the source exists at session.key
    backend.stored_size(session)                    → its real size
    backend.abort(session), backend.strays(prefix), backend.abort_stray(stray)
"""

from __future__ import annotations

from django.core.files.storage import storages
from storages.backends.s3 import S3Storage

from .base import StoredPart, StrayUpload
from .local import LocalUploads
from .s3 import S3Uploads


def upload_backend() -> LocalUploads | S3Uploads:
    store = storages["default"]
    return S3Uploads(store) if isinstance(store, S3Storage) else LocalUploads(store)


__all__ = ["LocalUploads", "S3Uploads", "StoredPart", "StrayUpload", "upload_backend"]
