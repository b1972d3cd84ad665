"""HLS playback through Django: permission checks, signed URIs, and a stock HLS client playing it."""

import re
import subprocess
from urllib.parse import urlsplit

import pytest
import requests

from playback import videos as playback
from videos.ffmpeg.hls import SubtitleTrack
from videos.models import Video

from .transcode_fixtures import (  # noqa: F401 (fixtures)
    clip, eager_celery, pipeline, silent_clip, transcode_settings, upload,
)

pytestmark = [pytest.mark.s3, pytest.mark.slow]


@pytest.fixture
def private_video(pipeline, user, clip):
    video = upload(user, clip, visibility=Video.Visibility.PRIVATE)
    video.refresh_from_db()
    assert video.is_ready
    return video


def test_master_playlist_for_the_owner(private_video, client, user):
    client.force_login(user)
    response = client.get(f"/videos/{private_video.pk}/hls/master.m3u8")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.apple.mpegurl"
    text = response.content.decode()
    assert text.startswith("#EXTM3U")
    assert f'URI="/videos/{private_video.pk}/hls/audio/index.m3u8"' in text
    assert re.search(r'BANDWIDTH=\d+,AVERAGE-BANDWIDTH=\d+,RESOLUTION=320x240,FRAME-RATE=30.000,CODECS="avc1\.[0-9a-f]{6},mp4a\.40\.2",AUDIO="audio"', text)
    assert f"\n/videos/{private_video.pk}/hls/144p/index.m3u8\n" in text


def test_private_video_is_hidden_from_others(private_video, client, other_user):
    assert client.get(f"/videos/{private_video.pk}/hls/master.m3u8").status_code == 404
    client.force_login(other_user)
    assert client.get(f"/videos/{private_video.pk}/hls/master.m3u8").status_code == 404
    assert client.get(f"/videos/{private_video.pk}/hls/240p/index.m3u8").status_code == 404


def test_variant_playlist_uris_are_presigned_s3_urls_that_work(private_video, client, user):
    client.force_login(user)
    response = client.get(f"/videos/{private_video.pk}/hls/240p/index.m3u8")
    assert response.status_code == 200 and "private" in response["Cache-Control"]
    text = response.content.decode()
    init = re.search(r'#EXT-X-MAP:URI="([^"]+)"', text).group(1)
    segments = [line for line in text.splitlines() if line and not line.startswith("#")]
    assert len(segments) == 2
    for url in [init, *segments]:
        assert "X-Amz-Signature=" in url and private_video.output_prefix in urlsplit(url).path
        fetched = requests.get(url, timeout=10)
        assert fetched.status_code == 200 and len(fetched.content) > 100
    unsigned = init.split("?")[0]
    assert requests.get(unsigned, timeout=10).status_code == 403  # private stays private


def test_unknown_rendition_and_unready_video_are_404(private_video, client, user):
    client.force_login(user)
    assert client.get(f"/videos/{private_video.pk}/hls/1080p/index.m3u8").status_code == 404
    Video.objects.filter(pk=private_video.pk).update(status=Video.Status.PROCESSING, playable_at=None)
    assert client.get(f"/videos/{private_video.pk}/hls/master.m3u8").status_code == 404


def test_master_playlist_carries_subtitle_renditions(private_video):
    text = playback.master_playlist_text(
        private_video, subtitles=[SubtitleTrack(language="fr", name="Français", uri="/subs/fr.m3u8")]
    )
    assert '#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",NAME="Français",LANGUAGE="fr"' in text
    assert text.count('SUBTITLES="subs"') == 2


def test_local_storage_serves_working_signed_urls(transactional_db, transcode_settings, eager_celery, user, silent_clip, client):
    video = upload(user, silent_clip, visibility=Video.Visibility.PUBLIC)
    video.refresh_from_db()
    assert video.is_ready
    text = client.get(f"/videos/{video.pk}/hls/144p/index.m3u8").content.decode()
    segment = next(line for line in text.splitlines() if line and not line.startswith("#"))
    assert segment.startswith(f"/media/{video.output_prefix}hls/144p/seg_00001.m4s?expires=")
    response = client.get(segment)
    assert response.status_code == 200 and response["Content-Type"] == "video/iso.segment"


def test_a_stock_hls_client_plays_it(pipeline, user, clip, live_server):
    video = upload(user, clip, visibility=Video.Visibility.PUBLIC)
    url = f"{live_server.url}/videos/{video.pk}/hls/master.m3u8"
    result = subprocess.run(
        ["ffprobe", "-v", "error", "-count_frames", "-show_entries", "stream=codec_type,width,height,nb_read_frames",
         "-of", "csv=p=0", url],
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    rows = [row.split(",") for row in result.stdout.split()]
    videos = [row for row in rows if row[0] == "video"]
    assert ["video", "320", "240", "60"] in videos and ["video", "192", "144", "60"] in videos
    assert any(row[0] == "audio" and int(row[-1]) > 0 for row in rows)


def test_master_playlist_is_built_from_the_rows_as_the_worker_wrote_it(private_video):
    """Playback builds the master from the renditions' rows; videos from before read master.m3u8: the same text."""
    from_rows = playback.master_playlist_text(private_video, subtitles=[])
    assert all(r.codecs.startswith("avc1.") and r.average_bandwidth for r in private_video.renditions.all())
    private_video.renditions.update(codecs="")  # as transcoded before the rows held it
    assert playback.master_playlist_text(private_video, subtitles=[]) == from_rows
