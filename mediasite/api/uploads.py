"""Upload size limits, enforced before the body is read wherever the server lets us.

Two layers, because ASGI servers and Django see the body at different times:
- ``UploadLimitASGIMiddleware`` wraps the whole ASGI app: a declared Content-Length over the
  limit is answered 413 before Django reads (and spools to disk) a single byte; a chunked body
  is counted as it arrives and cut off at the limit.
- ``UploadLimitHandler`` is the first upload handler of the upload endpoint: it refuses by the
  declared length before parsing starts (any server, the test client included) and counts the
  bytes of each file while Django streams it to a temporary file.

And ``install_daphne_body_streaming`` keeps daphne from holding a whole body in memory (below).
"""

import asyncio
import functools
import io
import json
import logging
import os

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler

from .errors import PayloadTooLarge, error_body

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


# --- daphne: request bodies read from its spool file as the app asks, not queued whole ----------
#
# daphne (4.2) receives a body into a temporary file, then pushes all of it, 8 KB at a time, into
# an unbounded asyncio.Queue before the app reads a byte (django/daphne#483): a 1 GB upload costs
# more than 1 GB of memory in the web process (and twisted below it parses multipart bodies in
# memory too, see install_daphne_body_streaming). The queue below holds no body bytes: it reads the
# next chunk from daphne's file when the app calls receive(), so memory stays flat whatever the
# size. Installed from mediasite/asgi.py; websockets and small bodies keep daphne's own queue.

BODY_CHUNK = 1024 * 1024
PATCHED_DAPHNE_VERSIONS = {"4.2.3"}


class SpooledBodyQueue(asyncio.Queue):
    def __init__(self, body_file):
        super().__init__()
        self._body_file = body_file
        self._offset = 0
        self._body_pending = False

    def put_nowait(self, message):
        if message.get("type") == "http.request":
            self._body_pending = True  # daphne's copy of the chunk is dropped; get() rereads it
            return
        super().put_nowait(message)

    async def get(self):
        if not self._body_pending:
            return await super().get()
        try:
            self._body_file.seek(self._offset)
            chunk = self._body_file.read(BODY_CHUNK)
            size = os.fstat(self._body_file.fileno()).st_size
        except (ValueError, OSError):  # daphne closed the file: the client went away
            self._body_pending = False
            return {"type": "http.disconnect"}
        self._offset += len(chunk)
        more_body = self._offset < size
        self._body_pending = more_body
        return {"type": "http.request", "body": chunk, "more_body": more_body}


def install_daphne_body_streaming() -> bool:
    """Make daphne hand request bodies over from its spool file; False when daphne is not ours to patch."""
    try:
        import daphne
        from daphne.http_protocol import WebRequest
        from daphne.server import Server
    except ImportError:
        return False
    if daphne.__version__ not in PATCHED_DAPHNE_VERSIONS:
        logger.warning("daphne %s: request bodies are not streamed (patch made for %s)",
                       daphne.__version__, PATCHED_DAPHNE_VERSIONS)
        return False
    if getattr(Server.create_application, "streams_bodies", False):
        return True
    # Twisted parses every multipart POST into request.args with the email package before daphne
    # sees it: the whole body read into memory and copied several times (1.4 GB for a 100 MB
    # upload). daphne never reads request.args; Django parses the body itself, streaming.
    # (Twisted sets the flag per request in __init__; a read-only property keeps it off.)
    WebRequest._parsePOSTFormSubmission = property(lambda self: False, lambda self, value: None)

    def create_application(self, protocol, scope):
        # daphne 4.2.3's Server.create_application, with the input queue chosen per request.
        assert "application_instance" not in self.connections[protocol]
        body_file = getattr(protocol, "content", None)
        if body_file is not None and not isinstance(body_file, io.BytesIO):
            input_queue = SpooledBodyQueue(body_file)  # twisted spools bodies over 100 KB to a file
        else:
            input_queue = asyncio.Queue()
        scope.setdefault("asgi", {"version": "3.0"})
        application_instance = self.application(
            scope=scope, receive=input_queue.get, send=functools.partial(self.handle_reply, protocol)
        )
        if protocol not in self.connections:
            return None
        self.connections[protocol]["application_instance"] = asyncio.ensure_future(
            application_instance, loop=asyncio.get_event_loop()
        )
        return input_queue

    create_application.streams_bodies = True
    Server.create_application = create_application
    return True
