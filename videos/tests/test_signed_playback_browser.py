"""hls.js in Chromium plays a private video from its API playback_url alone: no cookie, no header."""

import json

import pytest

from tests.api_support import token_client
from videos.models import Video

from .browser import chromium_path
from .test_pages_browser import browser, media_env, process_env, server, storage_kind  # noqa: F401 (fixtures)
from .transcode_fixtures import clip, eager_celery, transcode_settings, upload  # noqa: F401 (fixtures)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(chromium_path() is None, reason="Chromium is not installed"),
]


def test_hls_js_plays_a_private_video_from_its_signed_url(transcode_settings, eager_celery, user, clip,
                                                          server, browser):
    video = upload(user, clip, visibility=Video.Visibility.PRIVATE)
    video.refresh_from_db()
    assert video.is_ready, video.error
    url = token_client(user).get(f"/api/v1/videos/{video.pk}/").json()["playback_url"]
    assert "token=" in url
    url = url.replace("http://testserver", server.url)

    browser.navigate(f"{server.url}/")  # anonymous: no session cookie in this browser
    assert browser.evaluate("document.cookie") == ""
    browser.evaluate(
        "new Promise((resolve, reject) => { const s = document.createElement('script');"
        " s.src = '/static/vendor/hls/hls.min.js'; s.onload = resolve; s.onerror = reject; document.head.append(s); })"
    )
    browser.evaluate(
        "(() => { const v = document.createElement('video'); v.id = 'signed'; v.muted = true;"
        " document.body.append(v); window.failures = [];"
        " const hls = new Hls(); hls.on(Hls.Events.ERROR, (e, d) => d.fatal && window.failures.push(d.details));"
        f" hls.loadSource({json.dumps(url)}); hls.attachMedia(v); v.play().catch(() => {{}}); return true; }})()"
    )
    browser.wait_for("document.getElementById('signed').currentTime > 1 || window.failures.length > 0", timeout=30)
    assert browser.evaluate("window.failures") == []
    # Without the token the same page gets nothing.
    status = browser.evaluate(f"fetch({json.dumps(url.split('?')[0])}).then(r => r.status)")
    assert status == 404
