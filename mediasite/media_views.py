"""Serve local media behind the signed, expiring URLs of SignedFileSystemStorage."""

import mimetypes

from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import default_storage, storages
from django.http import FileResponse, Http404, HttpResponseForbidden
from django.views.decorators.http import require_GET

from .storage_backends import SignedFileSystemStorage, media_signature_valid

mimetypes.add_type("application/vnd.apple.mpegurl", ".m3u8")
mimetypes.add_type("video/iso.segment", ".m4s")
mimetypes.add_type("text/vtt", ".vtt")


@require_GET
def media_serve(request, name):
    if not isinstance(storages["default"], SignedFileSystemStorage):
        raise Http404("Media is served by object storage.")
    try:
        expires = int(request.GET.get("expires", ""))
    except ValueError:
        return HttpResponseForbidden("Missing or malformed signature.")
    if not media_signature_valid(name, expires, request.GET.get("signature", "")):
        return HttpResponseForbidden("This link has expired or is not valid.")
    try:
        handle = default_storage.open(name, "rb")
    except (FileNotFoundError, SuspiciousFileOperation):
        raise Http404("No such file.") from None
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    response = FileResponse(handle, content_type=content_type)
    response["Cache-Control"] = "private, max-age=60"
    return response
