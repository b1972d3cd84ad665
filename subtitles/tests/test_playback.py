"""Subtitles in the HLS stream, through Django's playlist views and the real S3 server."""

import pytest
import requests
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from playback.subtitles import subtitle_tracks
from subtitles import services
from tests.factories import RenditionFactory
from videos.ffmpeg.hls import Variant, master_playlist
from videos.models import Video

from .conftest import make_video
from .corpus import SRT

pytestmark = pytest.mark.django_db

VARIANTS = [
    Variant(name="240p", uri="240p/index.m3u8", width=320, height=240, bandwidth=300_000,
            average_bandwidth=250_000, codecs="avc1.64000d"),
    Variant(name="480p", uri="480p/index.m3u8", width=640, height=480, bandwidth=900_000,
            average_bandwidth=800_000, codecs="avc1.64001e"),
]


def _store_master(video: Video) -> None:
    """What a transcode leaves: master.m3u8 in storage and the renditions' rows that playback reads."""
    default_storage.save(video.master_playlist_key, ContentFile(master_playlist(VARIANTS).encode()))
    video.renditions.all().delete()
    for variant in VARIANTS:
        RenditionFactory(video=video, name=variant.name, width=variant.width, height=variant.height,
                         bandwidth=variant.bandwidth, average_bandwidth=variant.average_bandwidth,
                         codecs=variant.codecs)


def _master(client, video) -> str:
    response = client.get(f"/videos/{video.pk}/hls/master.m3u8")
    assert response.status_code == 200, response.content
    return response.content.decode()


@pytest.mark.s3
def test_master_playlist_without_and_with_subtitles(s3_server, s3_storage, client, user):
    video = make_video(user, ready=True, duration=12.5)
    _store_master(video)
    without = _master(client, video)
    assert "TYPE=SUBTITLES" not in without and "SUBTITLES=" not in without

    english, _ = services.subtitle_save(
        video=video, language="en", data=SRT.encode(), label="English", is_default=True
    )
    services.subtitle_save(video=video, language="pt-BR", kind="captions", data=SRT.encode())
    text = _master(client, video)
    media = [line for line in text.splitlines() if line.startswith("#EXT-X-MEDIA:TYPE=SUBTITLES")]
    assert media == [
        f'#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",NAME="English",LANGUAGE="en",DEFAULT=YES,'
        f'AUTOSELECT=YES,URI="/videos/{video.pk}/hls/subtitles/en.subtitles.m3u8"',
        f'#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",NAME="pt-BR (CC)",LANGUAGE="pt-BR",DEFAULT=NO,'
        f'AUTOSELECT=YES,URI="/videos/{video.pk}/hls/subtitles/pt-BR.captions.m3u8"',
    ]
    stream_infs = [line for line in text.splitlines() if line.startswith("#EXT-X-STREAM-INF:")]
    assert len(stream_infs) == 2 and all(line.endswith('SUBTITLES="subs"') for line in stream_infs)

    playlist = client.get(f"/videos/{video.pk}/hls/subtitles/en.subtitles.m3u8")
    assert playlist.status_code == 200
    assert playlist["Content-Type"] == "application/vnd.apple.mpegurl"
    lines = playlist.content.decode().splitlines()
    assert lines[:6] == [
        "#EXTM3U", "#EXT-X-VERSION:3", "#EXT-X-TARGETDURATION:13", "#EXT-X-MEDIA-SEQUENCE:0",
        "#EXT-X-PLAYLIST-TYPE:VOD", "#EXTINF:12.500,",
    ]
    assert lines[7:] == ["#EXT-X-ENDLIST"]
    signed = lines[6]
    assert signed.startswith(f"{s3_server['endpoint']}/{s3_storage}/videos/{video.pk}/subtitles/en.subtitles.vtt?")
    segment = requests.get(signed, timeout=10)  # straight from S3, as a player fetches it
    assert segment.status_code == 200
    assert segment.headers["Content-Type"].startswith("text/vtt")
    with default_storage.open(english.vtt_key, "rb") as handle:
        assert segment.content == handle.read()
    assert segment.content.startswith(b"WEBVTT\n\n00:00:01.000 --> 00:00:02.500\nHello, world.\n")

    services.subtitle_delete(subtitle=english)
    text = _master(client, video)
    assert "en.subtitles.m3u8" not in text and "pt-BR.captions.m3u8" in text
    assert client.get(f"/videos/{video.pk}/hls/subtitles/en.subtitles.m3u8").status_code == 404


@pytest.mark.s3
def test_subtitle_added_while_transcoding_is_in_the_master_once_ready(s3_storage, client, user):
    video = make_video(user, status=Video.Status.PROCESSING)
    services.subtitle_save(video=video, language="fr", data=SRT.encode(), label="Français")
    assert client.get(f"/videos/{video.pk}/hls/master.m3u8").status_code == 404
    assert client.get(f"/videos/{video.pk}/hls/subtitles/fr.subtitles.m3u8").status_code == 404

    ready = make_video(user, ready=True)  # what a finished transcode leaves: a prefix and a master
    Video.objects.filter(pk=video.pk).update(
        status=Video.Status.READY, output_prefix=ready.output_prefix.replace(str(ready.pk), str(video.pk))
    )
    video.refresh_from_db()
    _store_master(video)
    text = _master(client, video)
    assert f'NAME="Français",LANGUAGE="fr",DEFAULT=NO,AUTOSELECT=YES,URI="/videos/{video.pk}/hls/subtitles/fr.subtitles.m3u8"' in text
    assert client.get(f"/videos/{video.pk}/hls/subtitles/fr.subtitles.m3u8").status_code == 200


def test_subtitle_playlists_follow_the_videos_visibility(client, user, other_user):
    video = make_video(user, ready=True, visibility=Video.Visibility.PRIVATE)
    services.subtitle_save(video=video, language="en", data=SRT.encode())
    url = f"/videos/{video.pk}/hls/subtitles/en.subtitles.m3u8"
    assert client.get(url).status_code == 404
    client.force_login(other_user)
    assert client.get(url).status_code == 404
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    assert "/media/videos/" in response.content.decode()  # the signed local media URL
    assert client.get(f"/videos/{video.pk}/hls/subtitles/de.subtitles.m3u8").status_code == 404


def test_track_names_are_unique_within_the_group(user):
    video = make_video(user)
    services.subtitle_save(video=video, language="en", data=SRT.encode(), label="English")
    services.subtitle_save(video=video, language="en-GB", data=SRT.encode(), label="English")
    services.subtitle_save(video=video, language="en", kind="captions", data=SRT.encode(), label="English")
    names = [track.name for track in subtitle_tracks(video)]
    assert names == ["English (CC)", "English", "English [en-GB subtitles]"]
