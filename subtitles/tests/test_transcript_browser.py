"""The transcript panel in headless Chromium: a track's lines, the current one highlighted, click to seek, search.

One real upload (transcoded in-process), daphne serving the page, the owner's session. Skipped
without Chromium, like the other browser tests.
"""

import pytest
import redis
from django.conf import settings as django_settings

from subtitles import captioning
from subtitles import services as subtitle_services
from videos.models import Video
from videos.tests.transcode_fixtures import eager_celery, transcode_settings, upload

from .test_playback_browser import browser, browser_support, login, process_env, server

pytestmark = [
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(browser_support.chromium_path() is None, reason="Chromium is not installed"),
]
__all__ = ["browser", "eager_celery", "process_env", "server", "transcode_settings"]  # fixtures, for pytest

TRACK = (
    b"WEBVTT\n\n00:00:00.000 --> 00:00:01.200\nHello from the <i>transcript</i>\n\n"
    b"00:00:01.200 --> 00:00:02.500\nSecond line here\n\n"
    b"00:00:02.500 --> 00:00:04.000\nBye for now &amp; thanks\n"
)
LINES = "Array.from(document.querySelectorAll('#transcript-lines .transcript-line'))"
CURRENT = f"{LINES}.filter(li => li.classList.contains('is-current')).map(li => li.textContent)"


@pytest.fixture
def storage_kind():
    return "local"


def test_transcript_lines_follow_the_player_seek_on_click_and_search(
    transcode_settings, eager_celery, process_env, server, browser, user, clip_of
):
    video = upload(user, clip_of(seconds=4, size="320x240"), visibility=Video.Visibility.PUBLIC)
    video.refresh_from_db()
    assert video.status == Video.Status.READY, video.error
    subtitle_services.subtitle_save(video=video, language="en", data=TRACK, label="English", is_default=True)

    login(browser, server, user)
    browser.navigate(f"{server}/videos/{video.pk}/")
    browser.wait_for(f"{LINES}.length === 3", timeout=15)
    assert browser.evaluate(f"{LINES}.map(li => li.textContent)") == [
        "0:00Hello from the transcript", "0:01Second line here", "0:02Bye for now & thanks",
    ]
    browser.wait_for("document.getElementById('player').readyState >= 1", timeout=15)

    # A click seeks to the line's start and highlights it.
    browser.evaluate(f"{LINES}[1].querySelector('button').click()")
    assert browser.evaluate("document.getElementById('player').currentTime") == pytest.approx(1.2)
    assert browser.evaluate(CURRENT) == ["0:01Second line here"]
    # The player moving on (a seek from elsewhere: its own controls) moves the highlight.
    browser.evaluate("document.getElementById('player').currentTime = 3")
    browser.wait_for(f"JSON.stringify({CURRENT}) === JSON.stringify(['0:02Bye for now & thanks'])", timeout=10)

    # Search keeps the lines that match, with the match marked.
    browser.evaluate(
        "(() => { const s = document.getElementById('transcript-search'); s.value = 'LINE';"
        " s.dispatchEvent(new Event('input')); })()"
    )
    assert browser.evaluate(f"{LINES}.map(li => li.querySelector('mark').textContent)") == ["line"]
    assert browser.evaluate("document.getElementById('transcript-count').textContent") == "1 of 3 lines"

    # The owner's button asks the API (session and CSRF token) for captions from speech.
    try:
        browser.evaluate("document.getElementById('captions-request').click()")
        browser.wait_for("document.getElementById('captions-status').textContent.startsWith('Captions are being made')",
                         timeout=10)
        assert captioning.captions_pending(video=video)
    finally:
        captioning.captions_request_done(video_id=video.pk)
        redis.Redis.from_url(django_settings.REDIS_URL).delete("captions")  # the task no worker here takes
