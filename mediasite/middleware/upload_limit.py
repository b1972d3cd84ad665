"""Upload size limits, enforced before the body is read wherever the server lets us.

Two layers, because ASGI servers and Django see the body at different times:
- ``UploadLimitASGIMiddleware`` wraps the whole ASGI app: a declared Content-Length over the
  limit is answered 413 before Django reads (and spools to disk) a single byte; a chunked body
  is counted as it arrives and cut off at the limit.
- ``UploadLimitHandler`` is the first upload handler of the upload endpoint: it refuses by the
  declared length before parsing starts (any server, the test client included) and counts the
  bytes of each file while Django streams it to a temporary file.

The body itself reaches Django from daphne's spool file: mediasite/patches/daphne_streaming.py.
"""

import json
import logging

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler

from mediasite.api.errors import PayloadTooLarge, error_body

logger = logging.getLogger(__name__)

# Room for the multipart boundaries and the small text fields around the file.
MULTIPART_OVERHEAD = 1024 * 1024


def body_limit() -> int:
    return settings.MAX_UPLOAD_SIZE + MULTIPART_OVERHEAD


def _too_large() -> PayloadTooLarge:
    return PayloadTooLarge(
        f"The upload is larger than the limit of {settings.MAX_UPLOAD_SIZE} bytes for one request: "
        "upload it through an upload session (POST /api/v1/uploads/), part by part."
    )


class UploadLimitHandler(FileUploadHandler):
    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        if content_length and content_length > body_limit():
            raise _too_large()
        return None  # let the next handlers parse as usual

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > settings.MAX_UPLOAD_SIZE:
            raise _too_large()
        return raw_data

    def file_complete(self, file_size):
        return None


class UploadLimitASGIMiddleware:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        limit = body_limit()
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            return await self._send_413(send)

        received = 0
        cut_off = False

        async def counting_receive():
            nonlocal received, cut_off
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    cut_off = True
                    # Django treats a disconnect while reading the body as an aborted request
                    # and answers nothing; the 413 is sent below instead.
                    return {"type": "http.disconnect"}
            return message

        await self.app(scope, counting_receive, send)
        if cut_off:
            await self._send_413(send)

    @staticmethod
    async def _send_413(send):
        body = json.dumps(error_body("too_large", str(_too_large().detail))).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
