"""Watchable seconds after the upload: a source that browsers play as it is becomes a first
rendition by a remux (no re-encode) before the ladder's pass starts; the ladder replaces it."""

import dataclasses
import re
import subprocess
import time
from urllib.parse import urlparse

import pytest
from django.core.files.storage import default_storage

from realtime.snapshot import connection_snapshot
from videos import storage
from videos.ffmpeg import ProbeResult, probe
from videos.ffmpeg import first as first_rendition
from videos.models import Video
from videos.transcode import first, pipeline

from .transcode_fixtures import eager_celery, transcode_settings, upload  # noqa: F401 (fixtures)

BROWSER_READY = dict(video_codec="h264", pix_fmt="yuv420p", rotation=0, has_audio=True, audio_codec="aac")


@pytest.fixture(scope="module")
def minute_1080p(clip_of):
    return clip_of(seconds=64, size="1920x1080", preset="ultrafast", crf=30)


def _local_get(client, url: str):
    parts = urlparse(url)
    return client.get(f"{parts.path}?{parts.query}" if parts.query else parts.path)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_minute_of_1080p_plays_before_its_ladder_is_encoded(transcode_settings, eager_celery, user, client,
                                                               minute_1080p, monkeypatch):
    transcode_settings.TRANSCODE_SEGMENT_SECONDS = 4
    seen = {}
    ladder_pass = pipeline._run

    def when_the_ladder_starts(cmd, duration, scratch, tracker):
        # What a viewer gets while the ladder is still to be encoded.
        video = Video.objects.get(pk=tracker.video_id)
        seen["status"], seen["playable_at"] = video.status, video.playable_at
        client.force_login(user)
        master = client.get(f"/videos/{video.pk}/hls/master.m3u8")
        seen["master"] = master.content.decode()
        variant = client.get(f"/videos/{video.pk}/hls/original/index.m3u8").content.decode()
        seen["variant"] = variant
        init, segment = re.search(r'URI="([^"]+)"', variant).group(1), [
            line for line in variant.splitlines() if line and not line.startswith("#")
        ][0]
        seen["segment"] = b"".join(_local_get(client, segment).streaming_content)
        seen["init"] = b"".join(_local_get(client, init).streaming_content)
        seen["detail"] = client.get(f"/api/v1/videos/{video.pk}/").json()
        return ladder_pass(cmd, duration, scratch, tracker)

    monkeypatch.setattr(pipeline, "_run", when_the_ladder_starts)
    video = upload(user, minute_1080p)
    video.refresh_from_db()

    assert seen["status"] == Video.Status.PROCESSING and seen["playable_at"] is not None
    assert 'RESOLUTION=1920x1080' in seen["master"] and 'CODECS="avc1.' in seen["master"]
    assert "mp4a.40.2" in seen["master"] and "TYPE=AUDIO" not in seen["master"]  # audio is in the segments
    assert seen["variant"].count("#EXTINF:") >= 7 and "#EXT-X-ENDLIST" in seen["variant"]
    assert seen["init"][4:8] == b"ftyp" and len(seen["segment"]) > 100_000
    detail = seen["detail"]
    assert detail["status"] == "processing" and detail["playback_url"] and detail["playable_at"]
    assert [r["name"] for r in detail["renditions"]] == ["original"]

    # The ladder then replaces it for new plays; its segments stay for players already on it.
    assert video.status == Video.Status.READY and video.playable_at == seen["playable_at"]
    assert [r.name for r in video.renditions.all()] == ["240p", "144p"]
    assert "original" not in client.get(f"/videos/{video.pk}/hls/master.m3u8").content.decode()


@pytest.fixture(scope="module")
def minute_mpeg2(tmp_path_factory):
    """A source browsers cannot play as it is: MPEG-2 video, AAC audio, in Matroska."""
    path = tmp_path_factory.mktemp("first") / "minute-mpeg2.mkv"
    subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=30:duration=60",
         "-f", "lavfi", "-i", "sine=frequency=440:duration=60", "-c:v", "mpeg2video", "-q:v", "5",
         "-c:a", "aac", str(path)], check=True,
    )
    return path


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_other_sources_get_a_fast_rung_published_as_it_is_written(transcode_settings, eager_celery, user, client,
                                                                 minute_mpeg2, monkeypatch):
    transcode_settings.TRANSCODE_SEGMENT_SECONDS = 2
    seen = {}
    publish = first._Publisher._publish

    def then_look(self, directory, **kwargs):
        publish(self, directory, **kwargs)
        client.force_login(user)
        seen["master"] = client.get(f"/videos/{self.video.pk}/hls/master.m3u8").content.decode()
        response = client.get(f"/videos/{self.video.pk}/hls/fast/index.m3u8")
        seen["variant"], seen["cache"] = response.content.decode(), response["Cache-Control"]
        seen["status"] = Video.objects.get(pk=self.video.pk).status
        seen["snapshot"] = connection_snapshot(user=user)["videos"]

    monkeypatch.setattr(first._Publisher, "_publish", then_look)
    video = upload(user, minute_mpeg2)
    video.refresh_from_db()

    # Playable after its first two segments, while ffmpeg still writes the other 28 and before
    # the ladder has even been claimed.
    assert seen["status"] == Video.Status.QUEUED
    [state] = seen["snapshot"]  # what a websocket client is told on connect
    assert (state["status"], state["playable"], state["renditions"]) == ("queued", True, ["fast"])
    assert "RESOLUTION=640x360" in seen["master"] and "mp4a.40.2" in seen["master"]
    assert "#EXT-X-PLAYLIST-TYPE:EVENT" in seen["variant"] and "#EXT-X-ENDLIST" not in seen["variant"]
    assert first.FIRST_SEGMENTS <= seen["variant"].count("#EXTINF:") < 25 and seen["cache"] == "private, no-cache"
    # Then the rest was stored, the playlist closed, and the ladder replaced it for new plays.
    [prefix] = {key.split("/hls/")[0] for key in storage.keys_under(f"videos/{video.pk}/first/")}
    final = default_storage.read_bytes(f"{prefix}/hls/fast/index.m3u8").decode()
    assert final.count("#EXTINF:") >= 29 and final.rstrip().endswith("#EXT-X-ENDLIST")
    assert video.status == Video.Status.READY and [r.name for r in video.renditions.all()] == ["240p", "144p"]


@pytest.mark.django_db(transaction=True)
def test_keyframes_far_apart_get_the_fast_rung_instead_of_a_remux(transcode_settings, eager_celery, user, tmp_path,
                                                                   monkeypatch):
    sparse = tmp_path / "sparse.mp4"
    subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30:duration=30",
         "-c:v", "libx264", "-preset", "ultrafast", "-g", "600", "-keyint_min", "600", "-sc_threshold", "0",
         "-pix_fmt", "yuv420p", str(sparse)], check=True,
    )
    assert first_rendition.remux_refusal(probe(sparse)) is None
    published, ladder_pass = [], pipeline._run

    def when_the_ladder_starts(cmd, duration, scratch, tracker):
        published.extend(Video.objects.get(pk=tracker.video_id).renditions.values_list("name", flat=True))
        return ladder_pass(cmd, duration, scratch, tracker)

    monkeypatch.setattr(pipeline, "_run", when_the_ladder_starts)
    video = upload(user, sparse)
    video.refresh_from_db()
    # One keyframe each 20 s: the remux was dropped (and what it stored removed), the fast rung
    # was published in its place before the ladder.
    assert published == ["fast"]
    assert video.status == Video.Status.READY and video.playable_at < video.ready_at
    deadline = time.monotonic() + 10
    while len({k.split("/")[3] for k in storage.keys_under(storage.first_root(video.pk))}) > 1:
        assert time.monotonic() < deadline, storage.keys_under(storage.first_root(video.pk))
        time.sleep(0.1)
    assert all("/hls/fast/" in key for key in storage.keys_under(storage.first_root(video.pk)))


@pytest.mark.django_db(transaction=True)
def test_a_failed_ladder_takes_its_first_rendition_with_it(transcode_settings, eager_celery, user, clip_of,
                                                            monkeypatch):
    source = clip_of(seconds=3, size="320x240", preset="ultrafast")

    def broken(self, *, source, out_dir):
        return ["ffmpeg", "-nostdin", "-v", "error", "-i", str(source), "-vf", "nosuchfilter", "-f", "null", "-"]

    monkeypatch.setattr(pipeline.Plan, "command", broken)
    video = upload(user, source)
    video.refresh_from_db()
    assert video.renditions.model.objects.filter(video=video).count() == 0
    # The owner sees a failed video with its retry, as before: no half-made video stays watchable.
    assert video.status == Video.Status.FAILED and video.playable_at is None and not video.renditions.exists()
    assert not video.is_playable


def test_which_sources_are_remuxed():
    info = ProbeResult(
        duration=10, width=1920, height=1080, coded_width=1920, coded_height=1080, fps=30.0, **BROWSER_READY,
    )
    assert first_rendition.remux_refusal(info) is None
    assert first_rendition.remux_refusal(dataclasses.replace(info, has_audio=False, audio_codec=None)) is None
    refusals = {
        "video codec hevc": dict(video_codec="hevc"),
        "pixel format yuv420p10le": dict(pix_fmt="yuv420p10le"),
        "pixel format yuv444p": dict(pix_fmt="yuv444p"),
        "rotated 90°": dict(rotation=90, width=1080, height=1920),
        "non-square pixels": dict(width=1440),
        "audio codec mp3": dict(audio_codec="mp3"),
    }
    for reason, change in refusals.items():
        assert first_rendition.remux_refusal(dataclasses.replace(info, **change)) == reason


def test_the_fast_rung_decodes_at_half_size_only_where_the_decoder_can_and_the_rung_is_covered(tmp_path):
    from videos.ffmpeg.ladder import ladder_for

    def decode_args(**change):
        facts = dict(duration=60, width=1920, height=1080, coded_width=1920, coded_height=1080, fps=30.0)
        info = ProbeResult(**{**facts, **BROWSER_READY, **change})
        [rung] = ladder_for(info, rungs=["360:800000"])[-1:]
        cmd = first_rendition.fast_rung_command(source=tmp_path / "in", probe=info, rung=rung, out_dir=tmp_path,
                                                segment_seconds=4)
        return cmd[:cmd.index("-i")][-2:] if "-lowres" in cmd[:cmd.index("-i")] else []

    assert decode_args(video_codec="mpeg2video") == ["-lowres", "1"]
    assert decode_args(video_codec="mpeg4", rotation=90, width=1080, height=1920) == ["-lowres", "1"]
    assert decode_args(video_codec="mpeg2video", width=640, height=480, coded_width=640, coded_height=480) == []
    for codec in ("h264", "hevc", "vp9", "prores"):  # their decoders refuse lowres, or have none
        assert decode_args(video_codec=codec) == []


@pytest.mark.django_db(transaction=True)
def test_a_source_shorter_than_two_segments_is_published_complete(transcode_settings, eager_celery, user, clip_of,
                                                                 monkeypatch):
    """Published by the last sync: its playlist is final, so it is read cached like any other."""
    transcode_settings.TRANSCODE_SEGMENT_SECONDS = 4
    seen, ladder_pass = [], pipeline._run

    def when_the_ladder_starts(cmd, duration, scratch, tracker):
        seen.extend(Video.objects.get(pk=tracker.video_id).renditions.values_list("name", "complete"))
        return ladder_pass(cmd, duration, scratch, tracker)

    monkeypatch.setattr(pipeline, "_run", when_the_ladder_starts)
    video = upload(user, clip_of(seconds=3, size="320x240", preset="ultrafast"))
    video.refresh_from_db()
    assert seen == [("original", True)] and video.status == Video.Status.READY
