"""The whole walk a new user takes, in Chromium, in English and in Chinese (Accept-Language zh-CN):
sign in, upload with the resumable uploader, watch the transcode's progress, play, switch quality,
add subtitles and turn the captions on, edit the video in My videos, delete it. Real daphne, a real
Celery worker, a real ffmpeg transcode. Screenshots of each page at phone and desktop width are
kept with the run's artefacts (TEST_ARTIFACTS_DIR, default var/test-artifacts/).
"""

import re
from base64 import b64decode

import pytest

from subtitles.models import Subtitle
from videos.models import Video

from .browser import chromium_path
from .live_pages import press
from .test_accessibility_browser import ARTIFACTS
from .test_pages_browser import browser, login, media_env, process_env, server, storage_kind, worker  # noqa: F401
from .test_player_browser import menu_items
from .test_player_browser import pick as pick_from_menu
from .test_studio_browser import DROP
from .test_upload_browser import UPLOAD_BUTTON, WATCH_PAGE, click
from .test_upload_browser import pick as pick_files

pytestmark = [
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(chromium_path() is None, reason="Chromium is not installed"),
]

CHINESE = re.compile(r"[\u4e00-\u9fff]")
# The highest progress the watch page has shown, kept across its reload when the video is ready.
PROGRESS_RECORDER = """
setInterval(() => {
  const bar = document.querySelector('[data-role=progress]');
  if (!bar || bar.closest('[hidden]')) return;
  const seen = Number(sessionStorage.getItem('progress-seen') || 0);
  if (bar.value > seen) sessionStorage.setItem('progress-seen', String(bar.value));
}, 50);
"""
SRT = "1\n00:00:00,000 --> 00:00:08,000\nA walk by the sea\n"


def text(browser, selector: str) -> str:
    return browser.evaluate(f"document.querySelector({selector!r}).textContent.trim()")


def shoot(browser, language: str, page: str) -> None:
    for width, height, mobile, name in ((360, 740, True, "phone"), (1280, 800, False, "desktop")):
        browser.call("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1, mobile=mobile)
        shot = browser.call("Page.captureScreenshot", format="png", captureBeyondViewport=True)
        path = ARTIFACTS / "walk" / language / f"{page}-{name}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b64decode(shot["data"]))
    browser.call("Emulation.clearDeviceMetricsOverride")


@pytest.mark.parametrize("language", ["en", "zh-CN"])
def test_sign_in_upload_watch_progress_play_switch_edit_delete(language, server, worker, browser, user, clip_of):
    chinese = language == "zh-CN"
    says = (lambda value: bool(CHINESE.search(value))) if chinese else (lambda value: not CHINESE.search(value))
    browser.call("Network.enable")
    browser.call("Network.setExtraHTTPHeaders", headers={"Accept-Language": "zh-CN,zh;q=0.9" if chinese else "en"})
    browser.call("Emulation.setLocaleOverride", locale="zh-CN" if chinese else "en-US")
    browser.call("Page.addScriptToEvaluateOnNewDocument", source=PROGRESS_RECORDER)
    login(browser, server, user)

    # Upload: the resumable uploader, one file, public.
    browser.navigate(f"{server.url}/upload/")
    browser.wait_for("!!(window.mediasite && window.mediasite.uppy)", timeout=15)
    assert browser.evaluate("document.documentElement.lang") == ("zh-Hans" if chinese else "en")
    assert says(text(browser, "main h1")) and says(text(browser, ".site-nav a[href=\"/studio/\"]"))
    shoot(browser, language, "upload")
    clip = clip_of(seconds=8, size="1280x720", preset="ultrafast", name="Walk by the sea.mp4")
    pick_files(browser, clip)
    browser.wait_for("window.mediasite.uppy.getFiles().length === 1", timeout=10)
    browser.evaluate("(() => { const s = document.getElementById('uploader-visibility'); s.value = 'public';"
                     " s.dispatchEvent(new Event('change')); })()")
    click(browser, UPLOAD_BUTTON)
    browser.wait_for(WATCH_PAGE, timeout=60)
    video = Video.objects.get()
    assert (video.title, video.visibility, video.owner) == ("Walk by the sea", "public", user)

    # Progress while the worker transcodes, then the player, without a reload by hand.
    shoot(browser, language, "watch-processing")
    try:
        browser.wait_for("!!document.querySelector('.player.has-controls')", timeout=120)
    except TimeoutError:
        video.refresh_from_db()
        pytest.fail(f"no player; video {video.status}: {video.error}\n{worker.read_text()[-3000:]}")
    assert float(browser.evaluate("sessionStorage.getItem('progress-seen') || '0'")) > 0

    # Subtitles added on the page, then the captions menu has them (the playlist is read again).
    browser.wait_for("!document.getElementById('subtitle-manager').hidden", timeout=15)
    browser.evaluate("document.querySelector('#subtitle-manager [name=language]').value = 'en'")
    browser.evaluate(f"({DROP.format()})('sea.srt', {SRT!r})")
    browser.wait_for("document.querySelectorAll('#subtitle-manager .subtitle-item').length === 1", timeout=15)
    assert says(text(browser, "#subtitle-manager [data-role=status]"))
    assert Subtitle.objects.filter(video=video, language="en").exists()
    browser.navigate(f"{server.url}/videos/{video.pk}/")
    browser.wait_for("window.mediasite && mediasite.hls && mediasite.hls.levels.length > 1"
                     " && mediasite.hls.subtitleTracks.length === 1", timeout=20)

    # Play; a lower quality; the captions on.
    browser.evaluate("(() => { const v = document.getElementById('player'); v.muted = true; return v.play(); })()")
    browser.wait_for("document.getElementById('player').currentTime > 0.5", timeout=30)
    qualities = [label for label, _ in menu_items(browser, "player-quality")]
    assert says(qualities[0])  # "Auto" / "自动"
    lowest = qualities[-1]
    height = int(lowest.rstrip("p"))
    pick_from_menu(browser, "player-quality", lowest)
    browser.wait_for(f"document.getElementById('player').videoHeight === {height}", timeout=30)
    captions = [label for label, _ in menu_items(browser, "player-captions")]
    assert says(captions[0]) and captions[1:] == ["en"]  # "Off" / "关闭", then the track (named by its language)
    pick_from_menu(browser, "player-captions", "en")
    browser.wait_for("Array.from(document.getElementById('player').textTracks).some(t => t.mode === 'showing')",
                     timeout=10)
    assert says(browser.evaluate("document.querySelector('.player-fullscreen').getAttribute('aria-label')"))
    shoot(browser, language, "watch")

    # My videos: a new title, typed and saved with the keyboard.
    browser.navigate(f"{server.url}/studio/")
    row = f"document.querySelector('.studio-row[data-video-id=\"{video.pk}\"]')"
    browser.evaluate(f"{row}.querySelector('summary').click()")
    browser.wait_for(f"document.activeElement === {row}.querySelector('input[name=title]')", timeout=5)
    browser.evaluate(f"{row}.querySelector('input[name=title]').select()")
    browser.call("Input.insertText", text="Harbour walk")
    press(browser, "Enter", "Enter", 13, text="\r")
    status = f"{row}.querySelector('[data-role=row-status]').textContent"
    browser.wait_for(f"{status} !== '' && !{status}.endsWith('…')", timeout=10)
    assert says(browser.evaluate(status))
    video.refresh_from_db()
    assert video.title == "Harbour walk"
    shoot(browser, language, "studio")

    # Delete, confirmed in the dialog.
    browser.evaluate(f"{row}.querySelector('[data-action=delete] button').click()")
    dialog = "document.querySelector('dialog.confirm-dialog')"
    browser.wait_for(f"{dialog} && {dialog}.open", timeout=5)
    assert says(browser.evaluate(f"{dialog}.textContent"))
    shoot(browser, language, "studio-delete")
    browser.evaluate(f"{dialog}.querySelector('[data-role=confirm]').click()")
    browser.wait_for(f"{row} === null", timeout=15)
    assert not Video.objects.filter(pk=video.pk).exists()
    assert says(browser.evaluate("document.getElementById('toasts').textContent"))
