"""The watch page's transcript panel and the owner's captions button, as the server renders them."""

import re

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

from videos.models import Video

from .conftest import make_video

pytestmark = pytest.mark.django_db

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)


def _page(user, video) -> str:
    client = Client()
    if user is not None:
        client.force_login(user)
    response = client.get(f"/videos/{video.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def test_the_owner_gets_the_panel_and_the_captions_button(user):
    video = make_video(user, ready=True, has_audio=True)
    page = _page(user, video)
    assert f'data-subtitles-url="/api/v1/videos/{video.pk}/subtitles/"' in page
    assert f'data-captions-url="/api/v1/videos/{video.pk}/captions/"' in page
    assert 'id="captions-request"' in page and "csrfmiddlewaretoken" in page
    assert '<script src="/static/js/transcript.js" defer></script>' in page
    assert finders.find("js/transcript.js") and finders.find("css/transcript.css")
    assert not INLINE_SCRIPT.search(page)  # the CSP forbids inline scripts


@pytest.mark.parametrize("who", ["other", "anonymous"])
def test_viewers_get_the_panel_without_the_button(user, other_user, who):
    video = make_video(user, ready=True, has_audio=True, visibility=Video.Visibility.PUBLIC)
    page = _page(other_user if who == "other" else None, video)
    assert 'id="transcript"' in page
    assert "data-captions-url" not in page and 'id="captions-request"' not in page


@pytest.mark.parametrize("fields", [{"ready": True, "has_audio": False}, {"status": Video.Status.PROCESSING}])
def test_no_button_for_a_video_without_sound_or_not_ready(user, fields):
    page = _page(user, make_video(user, **fields))
    assert 'id="captions-request"' not in page
