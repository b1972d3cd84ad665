"""daphne, patched: request bodies read from its spool file as the app asks, not queued whole.

daphne (4.2) receives a body into a temporary file, then pushes all of it, 8 KB at a time, into an
unbounded asyncio.Queue before the app reads a byte (upstream: django/daphne#483): a 1 GB upload
cost more than 1 GB of memory in the web process, and Twisted below it parsed multipart bodies in
memory too (1.4 GB for a 100 MB upload). The queue here holds no body bytes: it reads the next
chunk from daphne's file when the app calls receive(), so memory stays flat whatever the size
(bench/upload.py: a 1 GiB upload peaks at 123 MiB RSS). Installed from mediasite/asgi.py, for the
daphne versions it was written against only; websockets and small bodies keep daphne's own queue.
Delete this module when daphne streams bodies itself.
"""

import asyncio
import functools
import io
import logging
import os

logger = logging.getLogger(__name__)

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
