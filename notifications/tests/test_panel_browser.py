"""The bell's panel in Chromium: it opens, lists, marks read, follows events live, and falls back
to polling the REST API where the websocket is blocked, then goes back to the socket.

One daphne (polling every second, so the fallback is seen in seconds) and one Chromium for the module.
"""

import pytest

from notifications.events import SystemMessage, TranscodeComplete, TranscodeFailed
from notifications.models import Notification
from notifications.services import event_publish
from videos.tests.browser import chromium_path
from videos.tests.live_pages import (  # noqa: F401 (browser and server are fixtures)
    ONLINE,
    WebsocketRefusingProxy,
    browser,
    press,
    server,
)
from videos.tests.test_pages_browser import login

pytestmark = [
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(chromium_path() is None, reason="Chromium is not installed"),
]

PANEL_OPEN = "!document.getElementById('notification-panel').hidden"
ITEM_TEXTS = "Array.from(document.querySelectorAll('.notification-item .notification-text')).map(e => e.textContent)"
UNREAD_IDS = "Array.from(document.querySelectorAll('.notification-item.is-unread')).map(e => Number(e.dataset.id))"
COUNT = "document.getElementById('notification-count').textContent"
STATE = "document.getElementById('connection-state').dataset.state"
TOASTS = "Array.from(document.querySelectorAll('#toasts .toast')).map(e => e.textContent)"

SERVER_ENV = {"NOTIFICATIONS_POLL_SECONDS": "1"}  # for live_pages.server


def store(user, event, read=False):
    from django.utils import timezone

    return Notification.objects.create(
        recipient=user, type=event.type, payload=event.to_message(), read_at=timezone.now() if read else None
    )


def open_with_keyboard(browser):
    browser.evaluate("document.getElementById('notification-bell').focus()")
    press(browser, "Enter", "Enter", 13, text="\r")
    browser.wait_for(PANEL_OPEN, timeout=5)
    browser.wait_for("document.getElementById('notification-panel').dataset.loaded === 'true'", timeout=5)


def test_panel_opens_lists_marks_read_and_follows_events_live(server, browser, user):
    first = store(user, SystemMessage(message="Maintenance tonight", level="warning"), read=True)
    second = store(user, TranscodeFailed(video_id="5b1e9b57-0000-4000-8000-000000000001", title="Old", error="Not a video."))
    third = store(user, TranscodeComplete(video_id="5b1e9b57-0000-4000-8000-000000000002", title="Holiday",
                                          renditions=["360p"], duration=6.0))
    login(browser, server, user)
    browser.navigate(server.url + "/")
    browser.wait_for(ONLINE, timeout=15)
    bell = "document.getElementById('notification-bell')"
    assert browser.evaluate(f"{bell}.getAttribute('aria-expanded')") == "false"
    assert browser.evaluate(f"{bell}.getAttribute('aria-controls')") == "notification-panel"
    assert browser.evaluate(COUNT) == "2"

    open_with_keyboard(browser)
    assert browser.evaluate(f"{bell}.getAttribute('aria-expanded')") == "true"
    # Newest first, unread marked.
    assert browser.evaluate(ITEM_TEXTS) == [
        "“Holiday” is ready to watch.", "“Old” failed: Not a video.", "Maintenance tonight",
    ]
    assert browser.evaluate(UNREAD_IDS) == [third.pk, second.pk]
    assert browser.evaluate("document.querySelector('.notification-item a').getAttribute('href')") == (
        "/videos/5b1e9b57-0000-4000-8000-000000000002/"
    )

    browser.evaluate(f"document.querySelector('.notification-item[data-id=\"{second.pk}\"] [data-panel=mark-read]').click()")
    browser.wait_for(f"JSON.stringify({UNREAD_IDS}) === '[{third.pk}]'", timeout=5)
    assert browser.evaluate(COUNT) == "1"
    second.refresh_from_db()
    assert second.read_at is not None

    # Live: the event reaches the open panel over the socket, newest on top, with a toast.
    event_publish(TranscodeComplete(video_id="5b1e9b57-0000-4000-8000-000000000003", title="Fresh",
                                    renditions=["720p"], duration=60.0), user_ids=[user.pk])
    browser.wait_for(f"{ITEM_TEXTS}[0] === '“Fresh” is ready to watch.'", timeout=5)
    assert browser.evaluate(COUNT) == "2"
    assert "“Fresh” is ready to watch." in browser.evaluate(TOASTS)
    assert len(browser.evaluate(UNREAD_IDS)) == 2

    browser.evaluate("document.querySelector('[data-panel=read-all]').click()")
    browser.wait_for(f"{UNREAD_IDS}.length === 0", timeout=5)
    assert browser.evaluate(COUNT) == "0"
    assert not Notification.objects.filter(recipient=user, read_at__isnull=True).exists()
    assert first.pk  # the read one stayed read and listed
    assert len(browser.evaluate(ITEM_TEXTS)) == 4

    # Escape closes it and gives the focus back to the bell.
    browser.evaluate("document.querySelector('[data-panel=read-all]').focus()")
    press(browser, "Escape", "Escape", 27)
    browser.wait_for(f"!({PANEL_OPEN})", timeout=5)
    assert browser.evaluate(f"{bell}.getAttribute('aria-expanded')") == "false"
    assert browser.evaluate(f"document.activeElement === {bell}") is True
    assert not [line for line in browser.console if "Error" in line], browser.console


def test_empty_panel_says_what_will_appear(server, browser, user):
    login(browser, server, user)
    browser.navigate(server.url + "/")
    browser.wait_for(ONLINE, timeout=15)
    open_with_keyboard(browser)
    assert browser.evaluate("document.querySelector('#notification-panel [data-panel=empty]').hidden") is False
    assert browser.evaluate("document.querySelector('[data-panel=more]').hidden") is True


def test_blocked_websocket_falls_back_to_polling_and_goes_back_to_the_socket(server, browser, user):
    # What a proxy that refuses websockets does: the handshake never reaches the server.
    proxy = WebsocketRefusingProxy(server.port)
    try:
        login(browser, server, user)  # cookies are per host, not per port: the proxy's pages see it
        browser.navigate(proxy.url + "/")
        browser.wait_for(f"{STATE} === 'polling'", timeout=10)
        assert proxy.refused >= 2
        open_with_keyboard(browser)
        mode = "document.querySelector('#notification-panel [data-panel=mode]')"
        assert browser.evaluate(f"{mode}.hidden") is False
        assert browser.evaluate(f"{mode}.textContent") == "Live updates unavailable — refreshing every 1 s"

        # Nobody hears this over the socket: the page learns it from the API.
        event_publish(TranscodeFailed(video_id="5b1e9b57-0000-4000-8000-000000000004", title="Blocked",
                                      error="Source unreadable."), user_ids=[user.pk])
        browser.wait_for(f"{COUNT} === '1'", timeout=5)
        browser.wait_for(f"{ITEM_TEXTS}[0] === '“Blocked” failed: Source unreadable.'", timeout=5)
        assert "“Blocked” failed: Source unreadable." in browser.evaluate(TOASTS)
        assert browser.evaluate(STATE) == "polling"

        # The proxy lets websockets through again: the next poll's try opens the socket, polling stops.
        proxy.refusing = False
        browser.wait_for(ONLINE, timeout=5)
        assert browser.evaluate(f"{mode}.hidden") is True
        event_publish(SystemMessage(message="Back live"), user_ids=[user.pk])
        browser.wait_for(f"{COUNT} === '2'", timeout=5)
        assert "Back live" in browser.evaluate(TOASTS)
    finally:
        browser.navigate("about:blank#done")
        proxy.close()


def test_opening_a_notifications_video_marks_it_read(server, browser, user):
    import time

    from tests.factories import VideoFactory

    video = VideoFactory(owner=user, title="Opened", ready=True)
    note = store(user, TranscodeComplete(video_id=str(video.pk), title="Opened", renditions=["240p"], duration=2.0))
    login(browser, server, user)
    browser.navigate(server.url + "/")
    browser.wait_for(ONLINE, timeout=15)
    open_with_keyboard(browser)
    browser.evaluate("document.querySelector('.notification-item a.notification-text').click()")
    browser.wait_for(f"location.pathname === '/videos/{video.pk}/' && document.readyState === 'complete'", timeout=10)
    deadline = time.monotonic() + 5
    while note.read_at is None and time.monotonic() < deadline:
        time.sleep(0.1)
        note.refresh_from_db()
    assert note.read_at is not None
    assert browser.evaluate(COUNT) == "0"


def test_failed_polls_back_off_and_recover(server, browser, user):
    proxy = WebsocketRefusingProxy(server.port)
    mode = "document.querySelector('#notification-panel [data-panel=mode]').textContent"
    try:
        login(browser, server, user)
        browser.navigate(proxy.url + "/")
        browser.wait_for(f"{STATE} === 'polling'", timeout=10)
        # Keep-alive connections would carry on past the failure: new ones only from here.
        proxy.failing = True
        proxy.close_connections()
        browser.wait_for(f"{mode} === 'Live updates unavailable — refreshing every 2 s'", timeout=5)
        browser.wait_for(f"{mode} === 'Live updates unavailable — refreshing every 4 s'", timeout=5)
        proxy.failing = False
        browser.wait_for(f"{mode} === 'Live updates unavailable — refreshing every 1 s'", timeout=8)
        assert browser.evaluate(STATE) == "polling"
    finally:
        browser.navigate("about:blank#done")
        proxy.close()


def test_panel_shows_older_notifications_on_request(server, browser, user):
    for index in range(25):
        store(user, SystemMessage(message=f"Note {index:02d}"))
    login(browser, server, user)
    browser.navigate(server.url + "/")
    browser.wait_for(ONLINE, timeout=15)
    open_with_keyboard(browser)
    texts = browser.evaluate(ITEM_TEXTS)
    assert texts == [f"Note {index:02d}" for index in range(24, 4, -1)]
    browser.evaluate("document.querySelector('[data-panel=more]').click()")
    browser.wait_for(f"{ITEM_TEXTS}.length === 25", timeout=5)
    assert browser.evaluate(ITEM_TEXTS)[20:] == ["Note 04", "Note 03", "Note 02", "Note 01", "Note 00"]
    assert browser.evaluate("document.querySelector('[data-panel=more]').hidden") is True


# A socket that opens at once and says what the test tells it to (window.fakeSocket.say), in place
# of the page's real one: the order of messages the server can produce, made certain.
FAKE_SOCKET = """
window.WebSocket = class {
  constructor(url) { this.url = url; this.readyState = 0; this.listeners = {}; window.fakeSocket = this;
                     setTimeout(() => { this.readyState = 1; this.emit('open', {}); }, 0); }
  addEventListener(type, listener) { (this.listeners[type] = this.listeners[type] || []).push(listener); }
  emit(type, event) { (this.listeners[type] || []).forEach(listener => listener(event)); }
  say(message) { this.emit('message', {data: JSON.stringify(message)}); }
  send() {}
  close() {}
};
window.WebSocket.OPEN = 1;
"""


def test_an_event_the_snapshot_already_counted_is_not_counted_twice(server, browser, user):
    """The server holds events that arrive while it reads the snapshot and sends them after it: one
    stored just before the read is both in the snapshot's count and sent as an event."""
    event = {"type": "system_message", "message": "Maintenance at noon", "level": "info",
             "timestamp": "2026-12-08T00:00:00.123456+00:00"}
    script = browser.call("Page.addScriptToEvaluateOnNewDocument", source=FAKE_SOCKET)["identifier"]
    try:
        login(browser, server, user)
        browser.navigate(server.url + "/")
        browser.wait_for("window.fakeSocket && window.fakeSocket.readyState === 1", timeout=10)
        browser.evaluate(
            "fakeSocket.say({type: 'snapshot', unread_count: 1, videos: [],"
            f" notifications: [{{id: 7, created_at: {event['timestamp']!r}, event: {event!r}}}]}})"
        )
        browser.wait_for(f"{COUNT} === '1'", timeout=5)
        browser.evaluate(f"fakeSocket.say({event!r})")  # the held copy
        browser.wait_for("Array.from(document.querySelectorAll('#toasts .toast')).length > 0", timeout=5)
        assert browser.evaluate(COUNT) == "1"
        # A new event after the snapshot still counts.
        browser.evaluate(f"fakeSocket.say({dict(event, timestamp='2026-12-08T00:00:01+00:00')!r})")
        browser.wait_for(f"{COUNT} === '2'", timeout=5)
    finally:
        browser.call("Page.removeScriptToEvaluateOnNewDocument", identifier=script)
        browser.navigate("about:blank#done")
