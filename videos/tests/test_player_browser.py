"""The watch page's player in Chromium: quality, captions and speed menus; keyboard shortcuts and
their help; storyboard thumbnails on the seek bar; resume after a reload; native HLS without hls.js.

One daphne and one Chromium for the module; each test uploads a 16-second clip, transcoded
in-process to two rungs (240p, 144p), and adds an English subtitle track to its stream.
"""

import re

import pytest
from django.core.files.storage import default_storage

from subtitles import services as subtitle_services
from videos.models import Video

from .browser import chromium_path
from .live_pages import browser, press, server  # noqa: F401 (fixtures)
from .test_pages_browser import login
from .transcode_fixtures import eager_celery, transcode_settings, upload

pytestmark = [
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(chromium_path() is None, reason="Chromium is not installed"),
]
__all__ = ["eager_celery", "transcode_settings"]  # fixtures, for pytest

SECONDS = 16
TRACK = b"WEBVTT\n\n00:00:00.000 --> 00:00:16.000\nHello from the captions\n"
VIDEO = "document.getElementById('player')"
BOX = "document.querySelector('.player.has-controls')"
SHOWING = f"Array.from({VIDEO}.textTracks).filter(t => t.mode === 'showing').map(t => t.language)"



@pytest.fixture
def video(server, settings, transcode_settings, eager_celery, user, clip_of):
    """A ready video with two rungs and an English track, stored where daphne reads."""
    settings.MEDIA_ROOT = server.env["MEDIA_ROOT"]
    video = upload(user, clip_of(seconds=SECONDS, size="320x240"), visibility=Video.Visibility.PUBLIC)
    video.refresh_from_db()
    assert video.status == Video.Status.READY, video.error
    subtitle_services.subtitle_save(video=video, language="en", data=TRACK, label="English")
    return video


def open_watch_page(browser, server, user, video):
    """The watch page with the stream's levels and tracks known, and nothing remembered from earlier tests."""
    login(browser, server, user)
    browser.navigate(f"{server.url}/videos/{video.pk}/")
    browser.evaluate("localStorage.clear()")
    browser.navigate(f"{server.url}/videos/{video.pk}/")
    browser.wait_for(
        "window.mediasite && mediasite.hls && mediasite.hls.levels.length === 2"
        " && mediasite.hls.subtitleTracks.length === 1", timeout=20,
    )  # fmt: skip
    browser.wait_for(f"{VIDEO}.readyState >= 1 && !{VIDEO}.controls", timeout=20)


def menu_items(browser, menu: str) -> list:
    return browser.evaluate(
        f"Array.from(document.querySelectorAll('.{menu} [role=menuitemradio]'))"
        ".map(item => [item.textContent, item.getAttribute('aria-checked')])"
    )


def pick(browser, menu: str, label: str) -> None:
    """Open a menu with its button and click one of its choices, as a viewer would."""
    browser.evaluate(f"document.querySelector('.{menu} .player-menu-button').click()")
    assert browser.evaluate(f"document.querySelector('.{menu} [role=menu]').hidden") is False
    browser.evaluate(
        f"Array.from(document.querySelectorAll('.{menu} [role=menuitemradio]'))"
        f".find(item => item.textContent === {label!r}).click()"
    )


def button_text(browser, menu: str) -> str:
    return browser.evaluate(f"document.querySelector('.{menu} .player-menu-button').textContent")


def test_quality_captions_and_speed_menus(server, browser, user, video):
    open_watch_page(browser, server, user, video)
    # Every control is a real button or range with a name; the storyboard strip is gone.
    assert browser.evaluate(
        "Array.from(document.querySelectorAll('.player-bar > button, .player-menu-button, .player-controls input'))"
        ".filter(el => !(['BUTTON', 'INPUT'].includes(el.tagName) && el.getAttribute('aria-label'))).length"
    ) == 0
    assert browser.evaluate("document.querySelectorAll('.player-controls input[type=range]').length") == 2
    assert browser.evaluate("!document.getElementById('storyboard')")
    browser.evaluate(f"(() => {{ const v = {VIDEO}; v.muted = true; return v.play(); }})()")

    # Quality: Auto and each rung, tallest first; picking one makes hls.js play it.
    labels = [label for label, _ in menu_items(browser, "player-quality")]
    assert labels[0].startswith("Auto") and labels[1:] == ["240p", "144p"]
    small = browser.evaluate("mediasite.hls.levels.findIndex(level => level.height === 144)")
    pick(browser, "player-quality", "144p")
    browser.wait_for(f"mediasite.hls.currentLevel === {small} && {VIDEO}.videoHeight === 144", timeout=20)
    assert browser.evaluate("mediasite.hls.autoLevelEnabled") is False
    assert button_text(browser, "player-quality") == "144p"
    assert ["144p", "true"] in menu_items(browser, "player-quality")
    # Back to Auto, which names the rung it plays.
    browser.evaluate("document.querySelector('.player-quality .player-menu-button').click()")
    browser.evaluate("document.querySelector('.player-quality [data-value=\"-1\"]').click()")
    browser.wait_for("mediasite.hls.autoLevelEnabled", timeout=10)
    browser.wait_for(
        "/^Auto \\((240|144)p\\)$/.test(document.querySelector('.player-quality .player-menu-button').textContent)",
        timeout=20,
    )
    assert menu_items(browser, "player-quality")[0][1] == "true"

    # Captions: Off and the stream's track; the choice shows the track, and is remembered.
    assert [label for label, _ in menu_items(browser, "player-captions")] == ["Off", "English"]
    pick(browser, "player-captions", "English")
    browser.wait_for(f"JSON.stringify({SHOWING}) === '[\"en\"]'", timeout=10)
    # An icon (not the letters CC, which the button's name would have to contain), named in full.
    assert browser.evaluate("document.querySelector('.player-captions .player-menu-button').dataset.icon") == "captions"
    assert button_text(browser, "player-captions") == ""
    assert browser.evaluate("document.querySelector('.player-captions .player-menu-button').getAttribute('aria-label')") == (
        "Captions: English"
    )
    assert browser.evaluate("localStorage.getItem('mediasite.captions')") == "en"
    browser.wait_for(
        f"Array.from({VIDEO}.textTracks).flatMap(t => Array.from(t.activeCues || [])).some(c => c.text === 'Hello from the captions')",
        timeout=20,
    )
    pick(browser, "player-captions", "Off")
    browser.wait_for(f"{SHOWING}.length === 0", timeout=10)
    assert browser.evaluate("localStorage.getItem('mediasite.captions')") == "off"
    assert ["Off", "true"] in menu_items(browser, "player-captions")

    # Speed.
    pick(browser, "player-speed", "1.5×")
    assert browser.evaluate(f"{VIDEO}.playbackRate") == 1.5
    browser.wait_for("document.querySelector('.player-speed .player-menu-button').textContent === '1.5×'", timeout=5)
    # The menu closed and gave focus back to its button.
    assert browser.evaluate("document.activeElement === document.querySelector('.player-speed .player-menu-button')")
    assert not [line for line in browser.console if "exceptionId" in line], browser.console


def storyboard_cues(video) -> list[tuple[float, float, str]]:
    """(start, end, 'x,y,w,h') of each thumbnail of the video's storyboard WebVTT."""
    with default_storage.open(video.storyboard_vtt_key) as handle:
        text = handle.read().decode()
    stamp = r"(\d+):(\d+):(\d+\.\d+)"
    cues = []
    for match in re.finditer(stamp + r" --> " + stamp + r"\n\S+#xywh=(\d+,\d+,\d+,\d+)", text):
        h1, m1, s1, h2, m2, s2, xywh = match.groups()
        cues.append((int(h1) * 3600 + int(m1) * 60 + float(s1), int(h2) * 3600 + int(m2) * 60 + float(s2), xywh))
    return cues


def thumbnail_position(cues, seconds: float) -> tuple[str, str, str]:
    """The (background-position, width, height) the thumbnail of that second has in the sprite."""
    x, y, w, h = next(xywh for start, end, xywh in cues if start <= seconds < end).split(",")
    return f"{-int(x)}px {-int(y)}px", f"{w}px", f"{h}px"


THUMB = "document.querySelector('.player-thumb')"
THUMB_STYLE = "(() => { const s = document.querySelector('.player-thumb-image').style;" \
              " return [s.backgroundPosition, s.width, s.height]; })()"


def test_keyboard_shortcuts_help_storyboard_thumbnails_and_resume(server, browser, user, video):
    open_watch_page(browser, server, user, video)
    browser.evaluate("document.activeElement.blur()")

    press(browser, " ", "Space", 32, text=" ")
    browser.wait_for(f"!{VIDEO}.paused", timeout=10)
    press(browser, "k", "KeyK", 75, text="k")
    browser.wait_for(f"{VIDEO}.paused", timeout=10)

    browser.evaluate(f"{VIDEO}.currentTime = 2")
    press(browser, "ArrowRight", "ArrowRight", 39)
    assert browser.evaluate(f"{VIDEO}.currentTime") == pytest.approx(7)
    press(browser, "j", "KeyJ", 74, text="j")
    assert browser.evaluate(f"{VIDEO}.currentTime") == pytest.approx(0)

    assert browser.evaluate(f"{VIDEO}.muted") is False
    press(browser, "m", "KeyM", 77, text="m")
    assert browser.evaluate(f"{VIDEO}.muted") is True
    browser.wait_for("document.querySelector('.player-mute').getAttribute('aria-label') === 'Unmute'", timeout=5)

    # c turns the captions on (the stream's only track), and off again.
    press(browser, "c", "KeyC", 67, text="c")
    browser.wait_for(f"JSON.stringify({SHOWING}) === '[\"en\"]'", timeout=10)
    press(browser, "c", "KeyC", 67, text="c")
    browser.wait_for(f"{SHOWING}.length === 0", timeout=10)

    # ? opens the help with focus on its button; Escape closes it.
    press(browser, "?", "Slash", 191, text="?", modifiers=8)
    assert browser.evaluate("document.querySelector('.player-help').hidden") is False
    assert browser.evaluate("document.activeElement.textContent") == "Close"
    assert "Full screen" in browser.evaluate("document.querySelector('.player-help').textContent")
    press(browser, "Escape", "Escape", 27)
    assert browser.evaluate("document.querySelector('.player-help').hidden") is True

    # f puts the player (video and controls) in full screen, and takes it out.
    press(browser, "f", "KeyF", 70, text="f")
    browser.wait_for(f"document.fullscreenElement === {BOX}", timeout=5)
    browser.wait_for("document.querySelector('.player-fullscreen').getAttribute('aria-label') === 'Exit full screen'",
                     timeout=5)
    press(browser, "f", "KeyF", 70, text="f")
    browser.wait_for("document.fullscreenElement === null", timeout=5)

    # Shortcuts stay out of text fields.
    browser.evaluate("(() => { const i = document.createElement('input'); i.id = 'typing'; i.style.cssText = 'position: fixed; top: 0; left: 0'; document.body.appendChild(i); i.focus(); })()")
    press(browser, "m", "KeyM", 77, text="m")
    assert browser.evaluate(f"{VIDEO}.muted") is True
    assert browser.evaluate("document.getElementById('typing').value") == "m"
    browser.evaluate("document.getElementById('typing').remove()")

    # Hovering the seek bar shows the storyboard's thumbnail of that moment.
    cues = storyboard_cues(video)
    assert len(cues) == SECONDS // 2
    browser.wait_for(f"{BOX}.dataset.storyboard === 'ready'", timeout=10)
    box = browser.evaluate(
        "(() => { const r = document.querySelector('.player-seek').getBoundingClientRect();"
        " return [r.left, r.top, r.width, r.height]; })()"
    )
    browser.call("Input.dispatchMouseEvent", type="mouseMoved", x=box[0] + box[2] * 0.75, y=box[1] + box[3] / 2)
    browser.wait_for(f"!{THUMB}.hidden", timeout=5)
    at = float(browser.evaluate(f"{THUMB}.dataset.time"))
    assert at == pytest.approx(SECONDS * 0.75, abs=0.5)
    assert browser.evaluate(THUMB_STYLE) == list(thumbnail_position(cues, at))
    assert thumbnail_position(cues, at)[0] != "0px 0px"
    browser.call("Input.dispatchMouseEvent", type="mouseMoved", x=5, y=5)
    browser.wait_for(f"{THUMB}.hidden", timeout=5)
    # And on keyboard focus of the seek bar, the thumbnail of where the video is.
    browser.evaluate(f"{VIDEO}.currentTime = 5")
    browser.wait_for(f"!{VIDEO}.seeking", timeout=5)
    browser.evaluate("document.querySelector('.player-seek-range').focus()")
    browser.wait_for(f"!{THUMB}.hidden", timeout=5)
    assert browser.evaluate(THUMB_STYLE) == list(thumbnail_position(cues, 5))

    # Leave at 12 s: a reload comes back there, and offers to start over.
    key = f"mediasite.resume.{video.pk}"
    browser.evaluate(f"{VIDEO}.currentTime = 12")
    browser.wait_for(f"localStorage.getItem({key!r}) === '12.0'", timeout=10)
    browser.navigate(f"{server.url}/videos/{video.pk}/")
    browser.wait_for(f"Math.abs({VIDEO}.currentTime - 12) < 0.5", timeout=20)
    assert browser.evaluate("document.querySelector('.player-notice').textContent") == "Resumed at 0:12. Start over"
    # Near the end there is nothing to resume: the next visit starts at the start. (Set from another
    # page: leaving the watch page stores where it was.)
    browser.navigate(f"{server.url}/")
    assert browser.evaluate(f"localStorage.getItem({key!r})") == "12.0"
    browser.evaluate(f"localStorage.setItem({key!r}, '15.5')")
    browser.navigate(f"{server.url}/videos/{video.pk}/")
    browser.wait_for(f"{VIDEO}.readyState >= 1", timeout=20)
    assert browser.evaluate(f"{VIDEO}.currentTime") < 1
    assert browser.evaluate("document.querySelector('.player-notice').hidden") is True
    assert not [line for line in browser.console if "exceptionId" in line], browser.console


def test_native_hls_keeps_the_controls_but_quality(server, browser, user, video):
    """Where hls.js is absent and the browser plays HLS itself (Safari; Chromium too, these days)."""
    login(browser, server, user)
    browser.call("Network.enable")
    browser.call("Network.setBlockedURLs", urls=["*/hls.min.js"])
    try:
        browser.navigate(f"{server.url}/videos/{video.pk}/")
        assert browser.evaluate("typeof window.Hls") == "undefined"
        assert browser.evaluate(f"{VIDEO}.src").endswith(f"/videos/{video.pk}/hls/master.m3u8")
        browser.wait_for(f"{VIDEO}.readyState >= 1", timeout=20)
        assert browser.evaluate(f"!{VIDEO}.controls && !!document.querySelector('.player-play')") is True
        # No levels API: the browser picks the quality, and there is no menu for it.
        assert browser.evaluate("document.querySelector('.player-quality').hidden") is True
        browser.evaluate(f"(() => {{ const v = {VIDEO}; v.muted = true; }})()")
        browser.evaluate("document.activeElement.blur()")
        press(browser, "k", "KeyK", 75, text="k")
        browser.wait_for(f"{VIDEO}.currentTime > 1", timeout=20)
        pick(browser, "player-speed", "2×")
        assert browser.evaluate(f"{VIDEO}.playbackRate") == 2
        press(browser, "l", "KeyL", 76, text="l")
        browser.wait_for(f"{VIDEO}.currentTime > 11", timeout=10)
    finally:
        browser.call("Network.setBlockedURLs", urls=[])
        browser.call("Page.navigate", url="about:blank")  # ends the native player's requests
