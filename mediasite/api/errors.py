"""One error shape for every API error: ``{"error": {"code", "message", "fields"}}``."""

import logging

from django.core.exceptions import (
    PermissionDenied,
    RequestDataTooBig,
    TooManyFieldsSent,
)
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.settings import api_settings
from rest_framework.views import set_rollback

from mediasite.errors import StateConflict, TooLarge

logger = logging.getLogger(__name__)


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = gettext_lazy("The request conflicts with the current state of the resource.")
    default_code = "conflict"


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = gettext_lazy("The request body is larger than this server accepts.")
    default_code = "too_large"


def error_body(code: str, message: str, fields: dict | None = None) -> dict:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def _flatten(detail, prefix: str = "") -> dict[str, list[str]]:
    """Turn DRF's nested error detail into ``{"field" or "field.sub.0": [messages]}``."""
    if isinstance(detail, dict):
        flat: dict[str, list[str]] = {}
        for key, value in detail.items():
            flat.update(_flatten(value, f"{prefix}.{key}" if prefix else str(key)))
        return flat
    if isinstance(detail, list) and any(isinstance(item, (dict, list)) for item in detail):
        flat = {}
        for index, value in enumerate(detail):
            flat.update(_flatten(value, f"{prefix}.{index}" if prefix else str(index)))
        return flat
    items = detail if isinstance(detail, list) else [detail]
    return {prefix: [str(item) for item in items]} if items else {}


def _validation_body(exc: exceptions.ValidationError) -> dict:
    detail = exc.detail if isinstance(exc.detail, (dict, list)) else [exc.detail]
    fields = _flatten(detail if isinstance(detail, dict) else {api_settings.NON_FIELD_ERRORS_KEY: detail})
    general = fields.pop(api_settings.NON_FIELD_ERRORS_KEY, None)
    if general:
        message = " ".join(general)
    elif fields:
        field, messages = next(iter(fields.items()))
        message = gettext("Some fields are not valid.") if len(fields) > 1 else f"{field}: {messages[0]}"
    else:
        message = gettext("The request is not valid.")
    return error_body("invalid", message, fields)


def _code_of(exc: exceptions.APIException) -> str:
    detail = exc.detail
    if isinstance(detail, exceptions.ErrorDetail) and detail.code:
        return str(detail.code)
    return exc.default_code


def api_exception_handler(exc, context):
    """REST_FRAMEWORK's EXCEPTION_HANDLER: every error, from any app's views, leaves in one shape."""
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, StateConflict):
        exc = Conflict(str(exc))
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, TooLarge):
        exc = PayloadTooLarge(str(exc))
    elif isinstance(exc, RequestDataTooBig):
        exc = PayloadTooLarge()
    elif isinstance(exc, TooManyFieldsSent):
        exc = exceptions.ParseError(gettext("The request has too many fields."))
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(as_serializer_error(exc))
    if not isinstance(exc, exceptions.APIException):
        return None  # a 500: Django's handler500 answers, and the error is logged

    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))

    if isinstance(exc, exceptions.ValidationError):
        body = _validation_body(exc)
    else:
        body = error_body(_code_of(exc), str(exc.detail))
    set_rollback()
    return Response(body, status=exc.status_code, headers=headers)


def json_error(request, *, status_code: int, code: str, message: str) -> JsonResponse:
    return JsonResponse(error_body(code, message), status=status_code)


@csrf_exempt  # any method, cookie or not: the answer is the same 404
def api_not_found(request, *args, **kwargs):
    """Catch-all under /api/: unknown URLs answer JSON in the error shape, never an HTML page."""
    return json_error(request, status_code=404, code="not_found", message=gettext("No such API endpoint."))


def server_error(request, *args, **kwargs):
    """handler500: JSON under /api/, Django's default page elsewhere."""
    if request.path.startswith("/api/"):
        return json_error(request, status_code=500, code="server_error", message=gettext("Internal server error."))
    from django.views.defaults import server_error as default_server_error

    return default_server_error(request, *args, **kwargs)


def bad_request(request, exception, *args, **kwargs):
    """handler400: JSON under /api/ (e.g. a body over DATA_UPLOAD_MAX_MEMORY_SIZE outside DRF)."""
    if request.path.startswith("/api/"):
        if isinstance(exception, RequestDataTooBig):
            return json_error(request, status_code=413, code="too_large", message=str(PayloadTooLarge.default_detail))
        return json_error(request, status_code=400, code="bad_request", message=gettext("The request is not valid."))
    from django.views.defaults import bad_request as default_bad_request

    return default_bad_request(request, exception, *args, **kwargs)
