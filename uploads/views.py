"""The part PUTs of local storage: what S3 does for presigned UploadPart URLs, served by Django.

No session cookie and no token: the URL's signature, bound to the session, the part and an
expiry, is the permission, as with S3. The body is streamed to disk, never held in memory.
"""

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.utils.translation import gettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from mediasite.api.errors import json_error
from mediasite.errors import StateConflict

from . import services
from .backends import LocalUploads, upload_backend
from .backends.local import part_signature_valid
from .models import UploadSession


@csrf_exempt
@require_http_methods(["PUT"])
def upload_part_put(request, session_id, number):
    try:
        expires = int(request.GET.get("expires", ""))
    except ValueError:
        expires = 0
    if not part_signature_valid(session_id, number, expires, request.GET.get("signature", "")):
        return json_error(request, status_code=403, code="permission_denied",
                          message=gettext("This part URL has expired or is not valid: ask for a new one."))  # fmt: skip
    length = request.META.get("CONTENT_LENGTH", "")
    if not length.isdigit():
        return json_error(request, status_code=411, code="length_required", message=gettext("Send the part with a Content-Length."))
    session = UploadSession.objects.filter(pk=session_id).first()
    if session is None or not isinstance(upload_backend(), LocalUploads):  # with S3, parts go to S3
        return json_error(request, status_code=404, code="not_found", message=gettext("No such upload session."))
    try:
        part = services.upload_part_receive(session=session, number=number, stream=request, length=int(length))
    except services.SessionExpired as error:
        return json_error(request, status_code=410, code="expired", message=str(error))
    except StateConflict as error:
        return json_error(request, status_code=409, code="conflict", message=str(error))
    except ValidationError as error:
        return json_error(request, status_code=400, code="invalid", message=" ".join(error.messages))
    response = HttpResponse(status=200)
    response["ETag"] = f'"{part.etag}"'
    return response
