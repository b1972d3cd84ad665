"""One daphne and one Chromium for a whole test module, for short browser tests of the pages.

The per-test fixtures of test_pages_browser.py start both for every test (about 3 s); a module
of many short checks shares them instead. Rows are committed (transactional tests), so the
server process sees them; each test logs in again, as its users are new.
"""

import contextlib
import os
import socket
import threading

import pytest
from django.conf import settings
from django.db import connection

from .browser import Browser, chromium_path
from .test_pages_browser import DaphneServer

ONLINE = "document.getElementById('connection-state').dataset.state === 'online'"


def shared_database_url() -> str:
    """The test database, as a URL the server process can use; skips the module on SQLite."""
    db = connection.settings_dict
    if db["ENGINE"] != "django.db.backends.postgresql":
        pytest.skip("the server process needs a shared database (PostgreSQL)")
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def start_module_server(tmp_path_factory, **extra_env) -> DaphneServer:
    root = tmp_path_factory.mktemp("pages")
    env = dict(
        os.environ,
        DATABASE_URL=shared_database_url(),
        REDIS_URL=settings.REDIS_URL,
        MEDIA_ROOT=str(root / "media"),
        DEBUG="true",
        PYTHONUNBUFFERED="1",
        **extra_env,
    )
    env.pop("S3_BUCKET", None)
    server = DaphneServer(env, root / "daphne.log")
    server.start()
    return server


def start_module_browser() -> Browser:
    return Browser(chromium_path())


@pytest.fixture(scope="module")
def server(django_db_setup, tmp_path_factory, request):  # the test database must exist first
    """One daphne for the test module, with the module's SERVER_ENV settings if it has any."""
    daphne = start_module_server(tmp_path_factory, **getattr(request.module, "SERVER_ENV", {}))
    yield daphne
    daphne.stop()


@pytest.fixture(scope="module")
def browser():
    """One Chromium for the test module."""
    chromium = start_module_browser()
    yield chromium
    chromium.close()


def boxes_outside_viewport(browser, selector: str) -> list:
    """The elements matching `selector` that are not wholly inside the viewport, or have no box."""
    return browser.evaluate(
        f"""Array.from(document.querySelectorAll({selector!r})).map(el => {{
            const box = el.getBoundingClientRect();
            return {{text: (el.textContent || el.getAttribute('aria-label') || el.tagName).trim().slice(0, 40),
                     left: box.left, right: box.right, top: box.top, bottom: box.bottom,
                     width: box.width, height: box.height}};
        }}).filter(b => !(b.width > 0 && b.height > 0 && b.left >= 0 && b.top >= 0
                          && b.right <= window.innerWidth && b.bottom <= window.innerHeight))"""
    )


def press(browser, key: str, code: str, key_code: int, text: str = "", modifiers: int = 0) -> None:
    """A real key press (down and up) at the focused element, as a keyboard user would."""
    params = {"key": key, "code": code, "windowsVirtualKeyCode": key_code, "modifiers": modifiers}
    browser.call("Input.dispatchKeyEvent", type="keyDown", text=text, **params)
    browser.call("Input.dispatchKeyEvent", type="keyUp", **params)


class WebsocketRefusingProxy:
    """A TCP proxy in front of a server that answers websocket handshakes 403 while `refusing`,
    as some corporate proxies do, and passes everything else through (or fails it while `failing`).

    Chromium's own request blocking (Network.setBlockedURLs) lets websockets through, so the
    pages' fallback is tested behind a real proxy instead. Chromium opens a connection of its own
    for each websocket, so the first request of each connection is the one to look at.
    """

    def __init__(self, target_port: int):
        self.target_port = target_port
        self.refusing = True
        self.refused = 0
        self.failing = False  # answer every new request 503, as a proxy whose upstream is away
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._sockets: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            self._sockets.append(client)
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        head = b""
        with contextlib.suppress(OSError):
            while b"\r\n\r\n" not in head and len(head) < 65536:
                chunk = client.recv(65536)
                if not chunk:
                    break
                head += chunk
            if self.failing:
                client.sendall(b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                client.close()
                return
            if self.refusing and b"upgrade: websocket" in head.lower():
                self.refused += 1
                client.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                client.close()
                return
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            self._sockets.append(upstream)
            upstream.sendall(head)
            threading.Thread(target=self._pipe, args=(upstream, client), daemon=True).start()
            self._pipe(client, upstream)

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while chunk := source.recv(65536):
                sink.sendall(chunk)
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_WR)

    def close_connections(self) -> None:
        """End the open connections (a browser's keep-alive ones), as a proxy restart would."""
        sockets, self._sockets = self._sockets, []
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            with contextlib.suppress(OSError):
                sock.close()

    def close(self) -> None:
        self._listener.close()
        self.close_connections()
