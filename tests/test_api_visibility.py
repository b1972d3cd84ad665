"""Who sees what: private / unlisted / public × owner / other / anonymous / staff ×
list / detail / playlist / subtitles — and media that only signed URLs open."""

import re

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from rest_framework.test import APIClient

from subtitles.models import Subtitle
from tests.api_support import make_ready_video, session_client
from videos import storage
from videos.models import Video

pytestmark = pytest.mark.django_db

MASTER = (
    "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-INDEPENDENT-SEGMENTS\n"
    '#EXT-X-STREAM-INF:BANDWIDTH=200000,AVERAGE-BANDWIDTH=150000,RESOLUTION=64x48,CODECS="avc1.640016"\n'
    "240p/index.m3u8\n"
)
VARIANT = (
    "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:1\n#EXT-X-PLAYLIST-TYPE:VOD\n"
    '#EXT-X-MAP:URI="init.mp4"\n#EXTINF:1.000,\nseg_00001.m4s\n#EXT-X-ENDLIST\n'
)
VTT = "WEBVTT\n\n00:00.000 --> 00:01.000\nHello\n"

# Who may open a video of each visibility (detail, playlists, subtitles) …
CAN_OPEN = {
    "private": {"owner", "staff"},
    "unlisted": {"owner", "other", "anonymous", "staff"},
    "public": {"owner", "other", "anonymous", "staff"},
}
# … and in whose list it appears: public ones and one's own, never anyone's unlisted or private.
LISTED_FOR = {
    "private": {"owner"},
    "unlisted": {"owner"},
    "public": {"owner", "other", "anonymous", "staff"},
}


def stored_video(owner, visibility) -> Video:
    video = make_ready_video(owner, visibility=visibility, with_files=True)
    prefix = video.output_prefix
    default_storage.delete(video.master_playlist_key)
    default_storage.save(video.master_playlist_key, ContentFile(MASTER.encode()))
    default_storage.save(storage.variant_playlist_key(prefix, "240p"), ContentFile(VARIANT.encode()))
    default_storage.save(f"{prefix}hls/240p/init.mp4", ContentFile(b"init"))
    default_storage.save(f"{prefix}hls/240p/seg_00001.m4s", ContentFile(b"segment"))
    subtitle = Subtitle.objects.create(
        video=video, language="en", label="English", vtt_key=storage.subtitle_vtt_key(video.pk, "en", "subtitles")
    )
    default_storage.save(subtitle.vtt_key, ContentFile(VTT.encode()))
    return video


@pytest.fixture
def clients(user, other_user, staff_user):
    # Session clients, as a browser: the playlists are plain Django views that know the session only.
    return {
        "owner": session_client(user),
        "other": session_client(other_user),
        "anonymous": APIClient(),
        "staff": session_client(staff_user),
    }


@pytest.mark.parametrize("visibility", ["private", "unlisted", "public"])
def test_visibility_matrix(visibility, user, clients):
    video = stored_video(user, visibility)
    for actor, client in clients.items():
        allowed = actor in CAN_OPEN[visibility]
        where = f"{visibility} video, {actor}"

        listed = {item["id"] for item in client.get("/api/v1/videos/").json()["results"]}
        assert (str(video.pk) in listed) == (actor in LISTED_FOR[visibility]), f"list: {where}"

        detail = client.get(f"/api/v1/videos/{video.pk}/")
        assert detail.status_code == (200 if allowed else 404), f"detail: {where}"

        master = client.get(f"/videos/{video.pk}/hls/master.m3u8")
        assert master.status_code == (200 if allowed else 404), f"playlist: {where}"
        variant = client.get(f"/videos/{video.pk}/hls/240p/index.m3u8")
        assert variant.status_code == (200 if allowed else 404), f"variant playlist: {where}"

        subtitles = client.get(f"/api/v1/videos/{video.pk}/subtitles/")
        assert subtitles.status_code == (200 if allowed else 404), f"subtitles: {where}"
        subtitle_playlist = client.get(f"/videos/{video.pk}/hls/subtitles/en.subtitles.m3u8")
        assert subtitle_playlist.status_code == (200 if allowed else 404), f"subtitle playlist: {where}"

        if allowed:
            body = detail.json()
            assert [s["language"] for s in body["subtitles"]] == ["en"]
            assert body["storyboard"] is not None and body["poster_url"]
            assert "en.subtitles.m3u8" in master.content.decode()
            # The signed URLs Django handed out open the media, from any client.
            segment_url = re.search(r"^(\S*seg_00001\.m4s\S*)$", variant.content.decode(), re.M).group(1)
            assert b"".join(APIClient().get(segment_url).streaming_content) == b"segment"
            assert APIClient().get(body["poster_url"]).status_code == 200
            assert APIClient().get(body["subtitles"][0]["url"]).status_code == 200


@pytest.mark.parametrize("visibility", ["private", "unlisted", "public"])
def test_only_owner_and_staff_change_or_delete(visibility, user, clients):
    video = stored_video(user, visibility)
    for actor, client in clients.items():
        patch = client.patch(f"/api/v1/videos/{video.pk}/", {"title": f"by {actor}"}, format="json")
        delete = client.delete(f"/api/v1/videos/{video.pk}/subtitles/999999/")
        if actor in ("owner", "staff"):
            assert patch.status_code == 200
        elif actor == "anonymous":
            assert patch.status_code == 401
        else:
            assert patch.status_code == (403 if actor in CAN_OPEN[visibility] else 404)
        assert delete.status_code in {"owner": (404,), "staff": (404,), "anonymous": (401,), "other": (403, 404)}[actor]
    video.refresh_from_db()
    assert video.title == "by staff"


def test_media_needs_a_fresh_signed_url(user, clients):
    video = stored_video(user, "private")
    poster_url = clients["owner"].get(f"/api/v1/videos/{video.pk}/").json()["poster_url"]
    assert APIClient().get(poster_url).status_code == 200
    bare = f"/media/{video.poster_key}"
    assert APIClient().get(bare).status_code == 403
    forged = re.sub(r"signature=[0-9a-f]+", "signature=" + "0" * 64, poster_url)
    assert APIClient().get(forged).status_code == 403
    other_key = poster_url.replace("poster.jpg", "storyboard.jpg")  # a signature is for one object
    assert APIClient().get(other_key).status_code == 403
    expired = re.sub(r"expires=\d+", "expires=1000", poster_url)
    assert APIClient().get(expired).status_code == 403
