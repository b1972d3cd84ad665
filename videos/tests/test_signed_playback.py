"""Signed playback for API clients: the API's playback_url plays with no cookie and no header.

A private video's URL carries a signed, expiring token bound to that video, carried on to the
variant, audio and subtitle playlists; public and unlisted videos need none. Played here by a
client with nothing but the URL, and by ffprobe through a live server.
"""

import re
import subprocess
import time
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import signing
from django.test import Client

from subtitles.services import subtitle_save
from tests.api_support import token_client
from videos import playback_links as playback
from videos.models import Video

from .transcode_fixtures import clip, eager_celery, transcode_settings, upload  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

SRT = b"1\n00:00:00,000 --> 00:00:01,500\nHello\n"


@pytest.fixture
def private_video(transcode_settings, eager_celery, user, clip):
    video = upload(user, clip, visibility=Video.Visibility.PRIVATE)
    video.refresh_from_db()
    assert video.is_ready, video.error
    subtitle_save(video=video, language="en", data=SRT)
    return video


def _playback_url(user, video) -> str:
    response = token_client(user).get(f"/api/v1/videos/{video.pk}/")
    assert response.status_code == 200
    return response.json()["playback_url"]


def _path(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def test_a_token_only_client_plays_its_private_video(private_video, user):
    url = _playback_url(user, private_video)
    token = parse_qs(urlsplit(url).query)["token"][0]
    anonymous = Client()  # no session, no Authorization header: only the URL
    master = anonymous.get(_path(url))
    assert master.status_code == 200, master.content
    text = master.content.decode()
    playlists = re.findall(r'URI="([^"]+)"', text) + [l for l in text.splitlines() if l and not l.startswith("#")]
    assert len(playlists) == 4  # audio, subtitles, two rungs
    for playlist in playlists:
        assert parse_qs(urlsplit(playlist).query)["token"] == [token], playlist
        response = anonymous.get(playlist)
        assert response.status_code == 200, (playlist, response.status_code)
        body = response.content.decode()
        media = [l for l in body.splitlines() if l and not l.startswith("#")]
        assert media and all(anonymous.get(m).status_code == 200 for m in media[:2])  # signed /media/ URLs
    # Without the token, the same client sees nothing.
    assert anonymous.get(urlsplit(url).path).status_code == 404


def test_public_and_unlisted_urls_need_no_token(private_video, user):
    for visibility in (Video.Visibility.PUBLIC, Video.Visibility.UNLISTED):
        Video.objects.filter(pk=private_video.pk).update(visibility=visibility)
        url = _playback_url(user, private_video)
        assert "token" not in url and Client().get(_path(url)).status_code == 200


def test_others_get_no_token_and_bad_tokens_are_refused(private_video, user, other_user, clip):
    assert token_client(other_user).get(f"/api/v1/videos/{private_video.pk}/").status_code == 404
    url = _playback_url(user, private_video)
    token = parse_qs(urlsplit(url).query)["token"][0]
    path = urlsplit(url).path
    anonymous = Client()
    tampered = token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]
    assert anonymous.get(path, {"token": tampered}).status_code == 403
    assert anonymous.get(path, {"token": "nonsense"}).status_code == 403

    # Bound to its video: another (public, even) video refuses it.
    other = upload(other_user, clip, visibility=Video.Visibility.PRIVATE, title="other")
    assert anonymous.get(f"/videos/{other.pk}/hls/master.m3u8", {"token": token}).status_code == 403

    # Expired: refused, even though it was signed by us.
    expired = signing.dumps({"v": str(private_video.pk), "e": int(time.time()) - 1}, salt=playback.TOKEN_SALT)
    assert anonymous.get(path, {"token": expired}).status_code == 403
    assert anonymous.get(f"/videos/{private_video.pk}/hls/240p/index.m3u8", {"token": expired}).status_code == 403


def test_a_token_lives_as_long_as_the_signed_segment_urls(private_video, user, settings):
    url = _playback_url(user, private_video)
    payload = signing.loads(parse_qs(urlsplit(url).query)["token"][0], salt=playback.TOKEN_SALT)
    expected = time.time() + settings.MEDIA_URL_EXPIRY + 2 * private_video.duration
    assert payload["v"] == str(private_video.pk) and abs(payload["e"] - expected) < 5


def test_ffprobe_plays_a_private_video_from_its_signed_url(private_video, user, live_server):
    url = _playback_url(user, private_video).replace("http://testserver", live_server.url)
    result = subprocess.run(
        ["ffprobe", "-v", "error", "-count_frames", "-show_entries", "stream=codec_type,width,height,nb_read_frames",
         "-of", "csv=p=0", url],
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    rows = [row.split(",") for row in result.stdout.split()]
    assert ["video", "320", "240", "60"] in rows
