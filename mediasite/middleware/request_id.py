"""The request id: one per HTTP request, on every log line of it and in the X-Request-ID header."""

import logging
import re
import time
import uuid

from django.core.signals import request_finished

from mediasite import logs

access_logger = logging.getLogger("mediasite.access")

HEADER = "X-Request-ID"
# A proxy's id is kept so that its logs and ours join up; anything else (too long, spaces, quotes,
# newlines that would forge log lines) is replaced by one of ours.
SANE = re.compile(r"[A-Za-z0-9._:@/+=-]{1,128}")


class RequestIdMiddleware:
    """Bind the request id (and the video id of /videos/<uuid>/… views) for the request's logs,
    and log one access line per request with its status and duration.

    Sync-only like mediasite.middleware.sync_chain, so that the chain stays in one thread under ASGI; it is
    the outermost middleware, so every log line of the request, Django's own included, has the id.
    """

    sync_capable = True
    async_capable = False

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get(HEADER, "")
        request.request_id = incoming if SANE.fullmatch(incoming) else uuid.uuid4().hex
        # Not reset on the way out of the chain: Django logs a 4xx or 5xx response after the chain
        # has returned (BaseHandler.get_response), and that line needs the ids too. They are cleared
        # when the response is closed (request_finished), which a thread reused by WSGI needs.
        logs.request_id.set(request.request_id)
        logs.video_id.set(None)
        started = time.monotonic()
        response = self.get_response(request)
        response[HEADER] = request.request_id
        # daphne's access log is plain text without the ids; this line is the one to keep.
        access_logger.info(
            "%s %s %s", request.method, request.path, response.status_code,
            extra={"status": response.status_code, "duration_ms": round(1000 * (time.monotonic() - started), 1)},
        )
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        # Every URL about one video names it video_id (pages, API, playlists, subtitles).
        video_id = view_kwargs.get("video_id")
        if isinstance(video_id, uuid.UUID):
            logs.video_id.set(str(video_id))
        return None


def _unbind(**_) -> None:
    logs.request_id.set(None)
    logs.video_id.set(None)


request_finished.connect(_unbind, dispatch_uid="mediasite.middleware.request_id")
