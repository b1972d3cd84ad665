"""Every page and state in Chromium, at phone (360 px) and desktop width, light and dark: axe-core
reports no serious or critical violation, nothing runs off the side of the screen, and a keyboard
user sees where the focus is on everything Tab reaches. A screenshot of each is kept (artefacts).

axe-core is vendored in tests/vendor/axe-core (scripts/vendor_axe.sh pins it) and injected into
each page over the DevTools protocol, so the pages' Content-Security-Policy stays as it is.
"""

import json
import os
from base64 import b64decode
from pathlib import Path

import pytest

from notifications.events import TranscodeComplete
from notifications.services import event_publish
from tests.factories import VideoFactory
from videos.models import Video

from .browser import chromium_path
from .live_pages import ONLINE, browser, server  # noqa: F401 (fixtures)
from .test_pages_browser import login
from .test_player_browser import VIDEO, video  # noqa: F401 (a real transcoded video with a track)
from .transcode_fixtures import eager_celery, transcode_settings  # noqa: F401 (fixtures of `video`)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(chromium_path() is None, reason="Chromium is not installed"),
]

AXE = (Path(__file__).resolve().parents[2] / "tests/vendor/axe-core/axe.min.js").read_text()
# Where the run keeps what it made for people to look at (CI can upload the folder).
ARTIFACTS = Path(os.environ.get("TEST_ARTIFACTS_DIR", Path(__file__).resolve().parents[2] / "var/test-artifacts"))

WIDTHS = {"phone": (360, 740, True), "desktop": (1280, 800, False)}
SCHEMES = ("light", "dark")


def set_view(browser, width_name: str, scheme: str) -> None:
    width, height, mobile = WIDTHS[width_name]
    browser.call("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1, mobile=mobile)
    browser.call("Emulation.setEmulatedMedia", features=[{"name": "prefers-color-scheme", "value": scheme}])


def reset_view(browser) -> None:
    browser.call("Emulation.clearDeviceMetricsOverride")
    browser.call("Emulation.setEmulatedMedia", features=[])


def axe_violations(browser) -> list[dict]:
    """axe's WCAG 2.1 A/AA violations of impact serious or critical, as {rule, impact, help, nodes}."""
    if not browser.evaluate("typeof window.axe === 'object'"):
        browser.evaluate(AXE + "; true")
    result = browser.evaluate(
        "axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']},"
        " resultTypes: ['violations']}).then(r => r.violations.filter(v => v.impact === 'serious'"
        " || v.impact === 'critical').map(v => ({rule: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ' — ' + n.failureSummary)})))",
        timeout=60,
    )
    return result


def overflow(browser, width: int) -> list:
    """What sticks out past the screen's right edge (the page scrolls sideways), or [] when nothing does.

    Against the device's width, not innerWidth: a phone widens its layout viewport to fit what overflows."""
    return browser.evaluate(
        f"""document.documentElement.scrollWidth <= {width} + 1 ? [] :
        Array.from(document.querySelectorAll('body *')).filter(el => {{
          const box = el.getBoundingClientRect();
          return box.width > 0 && box.right > {width} + 1 && getComputedStyle(el).position !== 'fixed';
        }}).slice(0, 8).map(el => el.tagName + '.' + el.className + ' ' + Math.round(el.getBoundingClientRect().right))"""
    )


def page_is_dark(browser) -> bool:
    """Whether the page's background is dark (relative luminance under 0.2)."""
    return browser.evaluate(
        """(() => { const [r, g, b] = getComputedStyle(document.documentElement).backgroundColor.match(/\\d+/g).map(Number);
          const f = c => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
          return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b) < 0.2; })()"""
    )


def unfocused_looking(browser, limit: int = 60) -> list:
    """Tab through the page: the elements that get the focus without a visible outline or ring."""
    from .live_pages import press

    browser.evaluate("document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0)")
    seen, bad = [], []
    for _ in range(limit):
        press(browser, "Tab", "Tab", 9)
        info = browser.evaluate(
            """(() => { const el = document.activeElement; if (!el || el === document.body) return null;
              const s = getComputedStyle(el);
              const ring = (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== 'none';
              return {key: el.tagName + '#' + el.id + '.' + el.className + ':' + (el.textContent || el.value || '').trim().slice(0, 30),
                      ring: ring}; })()"""
        )
        if info is None or info["key"] in seen:
            break
        seen.append(info["key"])
        if not info["ring"]:
            bad.append(info["key"])
    return bad


def check(browser, name: str, *, keyboard: bool = True) -> list[str]:
    """axe, sideways overflow and focus rings of the page as it is now, at every width and scheme;
    a screenshot of each. Returns the problems found, each prefixed with where."""
    problems = []
    for width_name in WIDTHS:
        for scheme in SCHEMES:
            set_view(browser, width_name, scheme)
            where = f"{name} [{width_name}, {scheme}]"
            problems += [f"{where}: axe {v['rule']} ({v['impact']}): {v['help']}: {v['nodes']}" for v in axe_violations(browser)]
            if width_name == "phone":
                problems += [f"{where}: runs off the screen: {el}" for el in overflow(browser, WIDTHS["phone"][0])]
            if scheme == "dark" and not page_is_dark(browser):
                problems.append(f"{where}: prefers-color-scheme: dark is not followed")
            shot = browser.call("Page.captureScreenshot", format="png", captureBeyondViewport=True)
            path = ARTIFACTS / "screenshots" / f"{name}-{width_name}-{scheme}.png"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(b64decode(shot["data"]))
    if keyboard:
        set_view(browser, "desktop", "light")
        problems += [f"{name}: focus not visible on {key}" for key in unfocused_looking(browser)]
    return problems


@pytest.fixture
def walk_end(browser):
    yield
    reset_view(browser)


def test_every_page_and_state_passes_axe_fits_a_phone_and_shows_the_focus(server, browser, user, video, walk_end):
    problems = []
    failed = VideoFactory(owner=user, title="Broken upload", status=Video.Status.FAILED,
                          error="The file is not a video ffmpeg can read.")
    queued = VideoFactory(owner=user, title="Waiting for a worker", status=Video.Status.PROCESSING, progress=35,
                          stage="transcoding", visibility="unlisted")

    browser.navigate(f"{server.url}/accounts/login/")
    problems += check(browser, "login")
    browser.navigate(f"{server.url}/")
    problems += check(browser, "list-anonymous")

    login(browser, server, user)
    event_publish(TranscodeComplete(video_id=str(video.pk), title=video.title, renditions=["240p"], duration=16.0),
                  user_ids=[user.pk])
    browser.navigate(f"{server.url}/")
    browser.wait_for(ONLINE, timeout=15)
    problems += check(browser, "list")
    browser.evaluate("document.getElementById('notification-bell').click()")
    browser.wait_for("document.querySelectorAll('.notification-item').length > 0", timeout=10)
    problems += check(browser, "notification-panel", keyboard=False)

    browser.navigate(f"{server.url}/u/{user.username}/")
    problems += check(browser, "owner-page")
    browser.navigate(f"{server.url}/?q=nothing+matches+this")
    problems += check(browser, "search-empty", keyboard=False)

    browser.navigate(f"{server.url}/studio/")
    browser.wait_for(ONLINE, timeout=15)
    problems += check(browser, "studio")
    browser.evaluate(f"document.querySelector('.studio-row[data-video-id=\"{failed.pk}\"] summary').click()")
    problems += check(browser, "studio-edit", keyboard=False)
    browser.evaluate(f"document.querySelector('.studio-row[data-video-id=\"{failed.pk}\"] [data-action=delete] button').click()")
    browser.wait_for("document.querySelector('dialog.confirm-dialog').open", timeout=5)
    problems += check(browser, "studio-delete-dialog", keyboard=False)
    browser.evaluate("document.querySelector('dialog.confirm-dialog [data-role=keep]').click()")

    browser.navigate(f"{server.url}/upload/")
    browser.wait_for("document.querySelector('.uppy-Dashboard') !== null", timeout=15)
    problems += check(browser, "upload")

    browser.navigate(f"{server.url}/videos/{failed.pk}/")
    problems += check(browser, "watch-failed")
    browser.navigate(f"{server.url}/videos/{queued.pk}/")
    problems += check(browser, "watch-processing")
    browser.navigate(f"{server.url}/videos/{video.pk}/")
    browser.wait_for(f"{VIDEO}.readyState >= 1 && !{VIDEO}.controls", timeout=20)
    browser.wait_for("document.querySelectorAll('#transcript-lines li').length > 0", timeout=15)
    browser.wait_for("!document.getElementById('subtitle-manager').hidden", timeout=15)
    problems += check(browser, "watch")
    browser.evaluate("document.querySelector('.player-quality').click()")
    problems += check(browser, "watch-quality-menu", keyboard=False)

    assert not problems, json.dumps(problems, indent=1, ensure_ascii=False)
