"""Serve local media behind the signed, expiring URLs of SignedFileSystemStorage."""

import mimetypes

from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponseForbidden
from django.views.decorators.http import require_GET

from mediasite.backends.storage import media_headers, media_signature_valid

MEDIA_HEADERS_DEFAULT = "application/octet-stream"


@require_GET
def media_serve(request, name):
    if not getattr(default_storage, "serves_own_urls", False):
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
    content_type, cache_control = media_headers(name)
    if content_type == MEDIA_HEADERS_DEFAULT:  # not a transcode output: a source, an original caption
        content_type = mimetypes.guess_type(name)[0] or content_type
    response = FileResponse(handle, content_type=content_type)
    response["Cache-Control"] = cache_control
    return response
