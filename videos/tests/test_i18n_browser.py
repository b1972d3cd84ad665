"""The pages' scripts in both languages, in Chromium: what static/js/ writes (the bell's panel, the
studio's row status and delete dialog, the player's controls and menus, the subtitles manager) comes
out in Simplified Chinese when the browser asks for it (Accept-Language: zh-CN), and as written in
English when it does not; no page shows an English word under zh-CN but names and format names.

One daphne and one Chromium for the module; each test sets the browser's language and resets it.
"""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from notifications.events import TranscodeComplete
from notifications.models import Notification
from tests.factories import VideoFactory

from .browser import chromium_path
from .live_pages import ONLINE, browser, press, server  # noqa: F401 (fixtures)
from .test_pages_browser import login
from .test_player_browser import VIDEO, menu_items, open_watch_page, video  # noqa: F401 (video is a fixture)
from .test_studio_browser import SRT, drop
from .transcode_fixtures import eager_celery, transcode_settings

pytestmark = [
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(chromium_path() is None, reason="Chromium is not installed"),
]
__all__ = ["eager_celery", "transcode_settings", "video"]  # fixtures, for pytest

CHINESE = "zh-hans"
DIALOG = "document.querySelector('dialog.confirm-dialog')"


def ask_for(browser, language: str) -> None:
    """Chromium asks for LANGUAGE (Accept-Language, and the JavaScript locale), or its own default.

    The cache is emptied first: /jsi18n/ revalidates by Last-Modified alone, which answers 304 to
    a page of the other language (test_the_catalogue_follows_a_change_of_language).
    """
    browser.call("Network.clearBrowserCache")
    if language == CHINESE:
        browser.call("Network.enable")
        browser.call("Network.setExtraHTTPHeaders", headers={"Accept-Language": "zh-CN,zh;q=0.9"})
        browser.call("Emulation.setLocaleOverride", locale="zh-CN")
    else:
        browser.call("Network.setExtraHTTPHeaders", headers={})
        browser.call("Emulation.setLocaleOverride")  # no locale: the override ends
        browser.call("Network.disable")


@pytest.fixture(params=["en", CHINESE])
def language(request, browser):
    """The page's language: English (Chromium's default) or Simplified Chinese (asked for)."""
    ask_for(browser, request.param)
    yield request.param
    if request.param == CHINESE:
        ask_for(browser, "en")


def says(language: str, english: str, chinese: str) -> str:
    return chinese if language == CHINESE else english


def test_the_notification_panel_speaks_the_page_language(server, browser, user, other_user, language):
    item = Notification.objects.create(
        recipient=user, type="transcode_complete",
        payload=TranscodeComplete(video_id="5b1e9b57-0000-4000-8000-000000000002", title="Holiday",
                                  renditions=["360p"], duration=6.0).to_message(),
    )  # fmt: skip
    Notification.objects.filter(pk=item.pk).update(created_at=timezone.now() - timedelta(minutes=5, seconds=5))

    login(browser, server, user)
    browser.navigate(server.url + "/")
    browser.wait_for(ONLINE, timeout=15)
    assert browser.evaluate("document.documentElement.lang") == says(language, "en", "zh-Hans")
    assert browser.evaluate("document.getElementById('connection-state').title") == says(
        language, "Live updates: connected", "实时更新：已连接"
    )
    browser.evaluate("window.mediasite.setUnreadCount(2)")
    assert browser.evaluate("document.getElementById('notification-count-label').textContent") == says(
        language, "2 unread", "2 条未读"
    )
    browser.evaluate("document.getElementById('notification-bell').click()")
    browser.wait_for("document.getElementById('notification-panel').dataset.loaded === 'true'", timeout=10)
    entry = "document.querySelector('.notification-item')"
    assert browser.evaluate(f"{entry}.querySelector('.notification-text').textContent") == says(
        language, "“Holiday” is ready to watch.", "“Holiday”已可观看。"
    )
    assert browser.evaluate(f"{entry}.querySelector('time').textContent") == says(language, "5 min ago", "5 分钟前")
    assert browser.evaluate(f"{entry}.querySelector('.visually-hidden').textContent") == says(
        language, "Unread: ", "未读："
    )
    assert browser.evaluate(f"{entry}.querySelector('[data-panel=mark-read]').textContent") == says(
        language, "Mark read", "标为已读"
    )

    # Someone with nothing yet: the panel's empty state.
    login(browser, server, other_user)
    browser.navigate(server.url + "/")
    browser.wait_for(ONLINE, timeout=15)
    browser.evaluate("document.getElementById('notification-bell').click()")
    browser.wait_for("document.getElementById('notification-panel').dataset.loaded === 'true'", timeout=10)
    empty = "document.querySelector('#notification-panel [data-panel=empty]')"
    assert browser.evaluate(f"{empty}.hidden") is False
    assert browser.evaluate(f"{empty}.textContent").startswith(says(language, "No notifications yet.", "还没有通知"))
    assert not [line for line in browser.console if "exceptionId" in line], browser.console


def test_the_studio_says_saved_and_asks_before_deleting_in_the_page_language(server, browser, user, language):
    video = VideoFactory(owner=user, title="Raw footage", ready=True)
    login(browser, server, user)
    browser.navigate(f"{server.url}/studio/")
    browser.wait_for(ONLINE, timeout=15)
    row = f"document.querySelector('.studio-row[data-video-id=\"{video.pk}\"]')"
    browser.evaluate(f"{row}.querySelector('input[name=title]').value = 'Harbour at dawn'")
    browser.evaluate(f"{row}.querySelector('[data-role=edit-form]').requestSubmit()")
    saved = says(language, "Saved.", "已保存。")
    browser.wait_for(f"{row}.querySelector('[data-role=row-status]').textContent === {json.dumps(saved)}", timeout=10)

    # The question is the script's own since the save (the new title), its buttons the page's.
    browser.evaluate(f"{row}.querySelector('[data-action=delete] button').click()")
    browser.wait_for(f"{DIALOG} && {DIALOG}.open", timeout=5)
    assert browser.evaluate("document.getElementById('confirm-text').textContent") == says(
        language, "Delete “Harbour at dawn” and all its files? This cannot be undone.",
        "要删除“Harbour at dawn”及其所有文件吗？此操作无法撤消。",
    )  # fmt: skip
    assert browser.evaluate(f"{DIALOG}.querySelector('[data-role=keep]').textContent") == says(language, "Keep", "保留")
    assert browser.evaluate(f"{DIALOG}.querySelector('[data-role=confirm]').textContent") == says(
        language, "Delete", "删除"
    )
    browser.evaluate(f"{DIALOG}.querySelector('[data-role=keep]').click()")
    browser.wait_for(f"!{DIALOG}.open", timeout=5)


def test_the_player_controls_speak_the_page_language(server, browser, user, video, language):
    open_watch_page(browser, server, user, video)
    labels = browser.evaluate(
        "['.player-play', '.player-mute', '.player-volume', '.player-seek-range', '.player-help-button',"
        " '.player-fullscreen', '.player-captions .player-menu-button']"
        ".map(selector => document.querySelector(selector).getAttribute('aria-label'))"
    )
    assert labels == [
        says(language, "Play", "播放"), says(language, "Mute", "静音"), says(language, "Volume", "音量"),
        says(language, "Seek", "播放进度"), says(language, "Keyboard shortcuts", "键盘快捷键"),
        says(language, "Full screen", "全屏"), says(language, "Captions: Off", "字幕：关闭"),
    ]  # fmt: skip
    quality = [text for text, _ in menu_items(browser, "player-quality")]
    assert quality[0].startswith(says(language, "Auto", "自动")) and quality[1:] == ["240p", "144p"]
    assert [text for text, _ in menu_items(browser, "player-captions")] == [says(language, "Off", "关闭"), "English"]
    assert [text for text, _ in menu_items(browser, "player-speed")] == [
        "0.5×", "0.75×", says(language, "Normal", "正常"), "1.25×", "1.5×", "2×",
    ]  # fmt: skip
    assert browser.evaluate("document.querySelector('.player-speed .player-menu-button').getAttribute('aria-label')") == (
        says(language, "Speed: 1×", "播放速度：1×")
    )

    browser.evaluate(f"{VIDEO}.muted = true")
    unmute = says(language, "Unmute", "取消静音")
    browser.wait_for(f"document.querySelector('.player-mute').getAttribute('aria-label') === {json.dumps(unmute)}",
                     timeout=5)

    # The shortcuts' help, opened with "?".
    browser.evaluate("document.querySelector('.player.has-controls').focus()")
    press(browser, "?", "Slash", 191, text="?", modifiers=8)
    browser.wait_for("!document.querySelector('.player-help').hidden", timeout=5)
    assert browser.evaluate("document.getElementById('player-help-title').textContent") == says(
        language, "Keyboard shortcuts", "键盘快捷键"
    )
    help_texts = browser.evaluate("Array.from(document.querySelectorAll('.player-help dd')).map(dd => dd.textContent)")
    assert help_texts[0] == says(language, "Play or pause", "播放或暂停")
    assert browser.evaluate("document.querySelector('.player-help-close').textContent") == says(language, "Close", "关闭")
    assert not [line for line in browser.console if "exceptionId" in line], browser.console


def test_the_subtitles_manager_speaks_the_page_language(server, browser, user, language):
    video = VideoFactory(owner=user, title="With words", ready=True)
    manager = "document.getElementById('subtitle-manager')"
    login(browser, server, user)
    browser.navigate(f"{server.url}/videos/{video.pk}/")
    browser.wait_for(f"!{manager}.hidden", timeout=15)

    drop(browser, "greeting.srt", SRT)
    asked = says(language, "Say which language “greeting.srt” is in, then add it.", "请注明“greeting.srt”的语言，然后再添加。")
    browser.wait_for(f"{manager}.querySelector('[data-role=error]').textContent === {json.dumps(asked)}", timeout=5)
    browser.call("Input.insertText", text="en")
    press(browser, "Enter", "Enter", 13, text="\r")
    browser.wait_for(f"{manager}.querySelectorAll('.subtitle-item').length === 1", timeout=10)
    assert browser.evaluate(f"{manager}.querySelector('[data-role=status]').textContent") == says(
        language, "Added “en”: 2 cues.", "已添加“en”：2 条字幕。"
    )
    item = f"{manager}.querySelector('.subtitle-item')"
    facts = browser.evaluate(f"{item}.querySelector('.meta').textContent")
    assert facts.startswith(says(language, " · en · subtitles · 2 cues · from ", " · en · 字幕 · 2 条字幕 · 转换自 ")), facts
    assert browser.evaluate(f"{item}.querySelector('a').textContent") == says(language, "Download", "下载")

    browser.evaluate(f"{item}.querySelector('[data-role=delete]').click()")
    browser.wait_for(f"{DIALOG} && {DIALOG}.open", timeout=5)
    assert browser.evaluate("document.getElementById('confirm-text').textContent") == says(
        language, "Delete the subtitles “en”?", "删除字幕“en”？"
    )
    assert browser.evaluate(f"{DIALOG}.querySelector('[data-role=confirm]').textContent") == says(language, "Delete", "删除")
    browser.evaluate(f"{DIALOG}.querySelector('[data-role=confirm]').click()")
    deleted = says(language, "Subtitles deleted.", "字幕已删除。")
    browser.wait_for(f"{manager}.querySelector('[data-role=list-status]').textContent === {json.dumps(deleted)}",
                     timeout=10)


def test_the_scripts_write_english_when_the_catalogue_does_not_load(server, browser, user):
    video = VideoFactory(owner=user, title="Raw footage", ready=True)
    ask_for(browser, CHINESE)
    browser.call("Network.setBlockedURLs", urls=["*/jsi18n/*"])
    try:
        login(browser, server, user)
        browser.call("Page.navigate", url="about:blank")  # the last test's page gone for certain
        browser.wait_for("location.href === 'about:blank'", timeout=10)
        browser.navigate(f"{server.url}/studio/")
        # The scripts ran (the socket is not what this is about: it may still be connecting).
        ready = "!!(window.mediasite && window.mediasite.setUnreadCount && window.mediasite.showVideoStatus)"
        try:
            browser.wait_for(ready, timeout=30)
        except TimeoutError:
            state = browser.evaluate("[location.href, document.readyState, typeof gettext,"
                                     " Array.from(document.scripts).map(s => s.src).join(' ')]")
            raise AssertionError(f"the page's scripts did not run: {state} {browser.console}") from None
        # No catalogue (it defines window.django), only static/js/i18n.js's English stand-ins.
        assert browser.evaluate("typeof window.django") == "undefined"
        assert browser.evaluate("gettext('Saved.')") == "Saved."
        row = f"document.querySelector('.studio-row[data-video-id=\"{video.pk}\"]')"
        browser.evaluate(f"{row}.querySelector('[data-role=edit-form]').requestSubmit()")
        browser.wait_for(f"{row}.querySelector('[data-role=row-status]').textContent === 'Saved.'", timeout=10)
        browser.evaluate("window.mediasite.setUnreadCount(2)")
        assert browser.evaluate("document.getElementById('notification-count-label').textContent") == "2 unread"
        assert not [line for line in browser.console if "exceptionId" in line], browser.console
    finally:
        browser.call("Network.setBlockedURLs", urls=[])
        ask_for(browser, "en")


def test_the_catalogue_follows_a_change_of_language(server, browser, user):
    from django.conf import settings

    ask_for(browser, "en")
    login(browser, server, user)
    browser.navigate(server.url + "/")
    browser.wait_for(ONLINE, timeout=15)
    assert browser.evaluate("document.getElementById('connection-state').title") == "Live updates: connected"
    # The header's switcher keeps the choice in a cookie; the catalogue is in the browser's cache.
    browser.set_cookie(name=settings.LANGUAGE_COOKIE_NAME, value=CHINESE, url=server.url)
    try:
        browser.navigate(server.url + "/")
        browser.wait_for(ONLINE, timeout=15)
        assert browser.evaluate("document.documentElement.lang") == "zh-Hans"
        assert browser.evaluate("document.getElementById('connection-state').title") == "实时更新：已连接"
    finally:
        browser.call("Network.deleteCookies", name=settings.LANGUAGE_COOKIE_NAME, url=server.url)


# Words a Chinese page may show in Latin letters: the brand, names the test made, the language
# switcher's "English", and the names of formats and units.
ALLOWED = {
    "mediasite", "alice", "English", "Harbour", "dawn", "With", "words",
    "SRT", "SubRip", "WebVTT", "VTT", "LRC", "SBV", "HLS", "MP4", "MOV", "MKV", "WebM", "ASS", "SSA", "TTML", "DFXP", "SAMI", "SCC",
    "kbps", "MiB", "GiB", "MB", "GB",
}
ENGLISH_WORDS = r"""Array.from(new Set(document.body.innerText.match(/[A-Za-z]{3,}/g) || []))"""


def test_no_page_shows_english_words_under_chinese(server, browser, user):
    from django.contrib.auth.models import Permission

    user.user_permissions.add(Permission.objects.get(codename="add_video"))
    VideoFactory(owner=user, title="Harbour at dawn", ready=True, visibility="public")
    # In flight, so that the watch page shows its status and not a player with no stream to play.
    watched = VideoFactory(owner=user, title="With words", status="processing", progress=30)
    ask_for(browser, CHINESE)
    try:
        found = {}
        browser.call("Network.clearBrowserCookies")
        browser.navigate(f"{server.url}/accounts/login/")
        found["login"] = browser.evaluate(ENGLISH_WORDS)
        login(browser, server, user)
        for name, path in [("list", "/"), ("studio", "/studio/"), ("upload", "/upload/"),
                           ("watch", f"/videos/{watched.pk}/")]:
            browser.navigate(server.url + path)
            browser.wait_for(ONLINE, timeout=15)
            if name == "upload":  # Uppy's Dashboard, in Uppy's own Chinese (@uppy/locales)
                browser.wait_for("!document.getElementById('uploader').hidden"
                                 " && !!document.querySelector('.uppy-Dashboard-AddFiles-title')", timeout=10)
            if name == "watch":
                browser.wait_for("!document.getElementById('subtitle-manager')"
                                 " || !document.getElementById('subtitle-manager').hidden", timeout=10)
            found[name] = browser.evaluate(ENGLISH_WORDS)
    finally:
        ask_for(browser, "en")
    english = {name: sorted(set(words) - ALLOWED) for name, words in found.items()}
    assert english == {name: [] for name in found}, english
