"""Browsing in Chromium: search, pagination and owner pages by keyboard, and a 360 px wide header
with every link on screen and focus visible. One daphne and one Chromium for the module."""

import base64
import os
from pathlib import Path

import pytest

from tests.factories import VideoFactory
from videos.models import Video
from videos.views import PAGE_SIZE

from .browser import chromium_path
from .live_pages import (  # noqa: F401 (browser and server are fixtures)
    ONLINE,
    boxes_outside_viewport,
    browser,
    press,
    server,
)
from .test_pages_browser import login

pytestmark = [
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(chromium_path() is None, reason="Chromium is not installed"),
]

TITLES = "Array.from(document.querySelectorAll('.video-card .title')).map(e => e.textContent)"
# The header's own links and buttons (the closed panel's are not on screen, by design).
HEADER_CONTROLS = ".site-header a:not(#notification-panel *), .site-header button:not(#notification-panel *)"



@pytest.fixture
def phone(browser):
    browser.call("Emulation.setDeviceMetricsOverride", width=360, height=740, deviceScaleFactor=2, mobile=True)
    yield browser
    browser.call("Emulation.clearDeviceMetricsOverride")


def test_search_then_page_through_the_results_and_open_an_owner_page(server, browser, user, other_user):
    for index in range(PAGE_SIZE + 2):
        VideoFactory(owner=user, title=f"Harbour walk {index:02d}", visibility=Video.Visibility.PUBLIC)
    VideoFactory(owner=other_user, title="Mountain HARBOUR", visibility=Video.Visibility.PUBLIC, ready=True,
                 duration=75.0)
    VideoFactory(owner=other_user, title="Bob private harbour", visibility=Video.Visibility.PRIVATE)
    login(browser, server, user)
    browser.navigate(server.url + "/")

    # Type the words and press Enter, as a person would.
    browser.evaluate("document.getElementById('search-q').focus()")
    browser.call("Input.insertText", text="harbour mountain")
    press(browser, "Enter", "Enter", 13, text="\r")
    browser.wait_for("location.search === '?q=harbour+mountain'", timeout=10)
    browser.wait_for("document.readyState === 'complete'", timeout=10)
    assert browser.evaluate(TITLES) == ["Mountain HARBOUR"]
    assert browser.evaluate("document.querySelector('.video-card .duration').textContent") == "1:15"

    browser.navigate(server.url + "/?q=Harbour")
    assert len(browser.evaluate(TITLES)) == PAGE_SIZE
    assert browser.evaluate("document.querySelector('.result-count').textContent") == (
        f"{PAGE_SIZE + 3} videos match “Harbour”"
    )
    browser.evaluate("document.querySelector('.pagination a[rel=next]').click()")
    browser.wait_for("location.search === '?q=Harbour&page=2'", timeout=10)
    browser.wait_for("document.readyState === 'complete'", timeout=10)
    assert browser.evaluate(TITLES) == ["Harbour walk 02", "Harbour walk 01", "Harbour walk 00"]
    assert browser.evaluate("document.querySelector('.pagination [aria-current=page]').textContent") == "2"

    browser.navigate(server.url + "/?q=Mountain")
    browser.evaluate("document.querySelector('.video-card .owner').click()")
    browser.wait_for("location.pathname === '/u/bob/'", timeout=10)
    browser.wait_for("document.readyState === 'complete'", timeout=10)
    # alice on bob's page: his public video only.
    assert browser.evaluate(TITLES) == ["Mountain HARBOUR"]
    assert browser.evaluate("document.querySelector('h1').textContent") == "Videos by bob"


def test_header_at_phone_width_keeps_every_link_on_screen_and_in_reach_of_the_keyboard(
    server, phone, django_user_model
):
    # A long name is where the old header lost "Log out" off the right edge.
    person = django_user_model.objects.create_user(username="alexandra.montgomery-smythe", password="pw-x-12345")
    login(phone, server, person)
    phone.navigate(server.url + "/")
    phone.wait_for(ONLINE, timeout=15)
    assert phone.evaluate("window.innerWidth") == 360
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360  # nothing scrolls sideways
    names = phone.evaluate(f"Array.from(document.querySelectorAll({HEADER_CONTROLS!r})).map(e => e.textContent.trim())")
    assert {"mediasite", "Videos", "Upload", "alexandra.montgomery-smythe", "Log out"} <= set(names)
    assert boxes_outside_viewport(phone, HEADER_CONTROLS) == []

    # Tab reaches each of them in turn, and each shows where the focus is.
    reached = []
    phone.evaluate("document.activeElement && document.activeElement.blur()")
    for _ in range(len(names)):
        press(phone, "Tab", "Tab", 9)
        reached.append(phone.evaluate(
            "(() => { const el = document.activeElement; const style = getComputedStyle(el);"
            " return {inHeader: !!el.closest('.site-header'), outline: style.outlineStyle,"
            " width: parseFloat(style.outlineWidth)}; })()"
        ))
    assert all(item["inHeader"] for item in reached), reached
    assert all(item["outline"] != "none" and item["width"] >= 2 for item in reached), reached

    # The bell's panel opens inside the screen too.
    phone.evaluate("document.getElementById('notification-bell').click()")
    phone.wait_for("document.getElementById('notification-panel').dataset.loaded === 'true'", timeout=5)
    assert boxes_outside_viewport(phone, "#notification-panel") == []
    shots = os.environ.get("BROWSER_SCREENSHOTS")
    if shots:  # for a person to look at: BROWSER_SCREENSHOTS=DIR
        data = phone.call("Page.captureScreenshot", format="png")["data"]
        Path(shots, "header-360-panel.png").write_bytes(base64.b64decode(data))
