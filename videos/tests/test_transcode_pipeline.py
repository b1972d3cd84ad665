"""The whole transcode pipeline: real ffmpeg on tiny clips, PostgreSQL, eager Celery, real S3."""

import re
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from mediasite.errors import StateConflict
from videos import services, storage, transcode
from videos.cleanup import orphan_keys
from videos.models import Video
from videos.tasks import video_transcode

from .transcode_fixtures import (  # noqa: F401 (fixtures)
    all_keys, clip, eager_celery, pipeline, silent_clip, transcode_settings, upload, user_events,
)

pytestmark = [pytest.mark.s3, pytest.mark.slow]


def test_upload_becomes_ready_with_a_playable_ladder(pipeline, s3_server, user, clip, user_events):
    video = upload(user, clip)
    video.refresh_from_db()
    assert video.status == Video.Status.READY, video.error
    assert (video.stage, video.progress, video.duration, video.has_audio) == ("", 100, pytest.approx(2.0, abs=0.1), True)
    assert [(r.name, r.width, r.height, r.codec) for r in video.renditions.all()] == [
        ("240p", 320, 240, "h264"), ("144p", 192, 144, "h264"),
    ]
    prefix = video.output_prefix
    assert prefix == storage.output_prefix(video.pk, video.attempt)
    client = s3_server["client"]
    keys = all_keys(client, pipeline)
    expected = {
        video.source.name, f"{prefix}hls/master.m3u8", f"{prefix}hls/audio/index.m3u8", f"{prefix}hls/audio/init.mp4",
        f"{prefix}thumbs/poster.jpg", f"{prefix}thumbs/storyboard.jpg", f"{prefix}thumbs/storyboard.vtt",
    }
    for rung in ("240p", "144p"):
        expected |= {f"{prefix}hls/{rung}/{name}" for name in ("index.m3u8", "init.mp4", "seg_00001.m4s", "seg_00002.m4s")}
    assert expected <= set(keys)
    first = f"videos/{video.pk}/first/"  # the first rendition, kept for players on it (cleanup.py)
    assert all(key == video.source.name or key.startswith((prefix, first)) for key in keys)

    # Every URI in every playlist exists.
    master = client.get_object(Bucket=pipeline, Key=f"{prefix}hls/master.m3u8")
    assert master["ContentType"] == "application/vnd.apple.mpegurl"
    text = master["Body"].read().decode()
    assert 'RESOLUTION=320x240' in text and 'CODECS="avc1.' in text and re.search(r"BANDWIDTH=\d+", text)
    for playlist in re.findall(r"^(\S+/index\.m3u8)$", text, re.M) + ["audio/index.m3u8"]:
        body = client.get_object(Bucket=pipeline, Key=f"{prefix}hls/{playlist}")["Body"].read().decode()
        assert body.startswith("#EXTM3U") and "#EXT-X-ENDLIST" in body
        folder = playlist.rsplit("/", 1)[0]
        for uri in re.findall(r'URI="([^"]+)"', body) + [l for l in body.splitlines() if l and not l.startswith("#")]:
            assert f"{prefix}hls/{folder}/{uri}" in keys
    segment = client.head_object(Bucket=pipeline, Key=f"{prefix}hls/240p/seg_00001.m4s")
    assert segment["ContentType"] == "video/iso.segment" and "immutable" in segment["CacheControl"]
    poster = client.get_object(Bucket=pipeline, Key=f"{prefix}thumbs/poster.jpg")
    assert poster["ContentType"] == "image/jpeg" and poster["Body"].read()[:3] == b"\xff\xd8\xff"
    vtt = client.get_object(Bucket=pipeline, Key=f"{prefix}thumbs/storyboard.vtt")["Body"].read().decode()
    assert vtt.startswith("WEBVTT") and "storyboard.jpg#xywh=0,0,160,120" in vtt

    events = user_events.drain()
    types = [event["type"] for event in events]
    assert types[-1] == "transcode_complete" and types.count("transcode_complete") == 1
    assert set(types[:-1]) == {"transcode_progress", "rendition_ready"} and "transcode_failed" not in types
    # An H.264/AAC source is remuxed into a first rendition, published before the ladder's pass.
    # ... by its own task, before the ladder's attempt claims the video.
    at = types.index("rendition_ready")
    ready = events[at]
    assert (ready["rendition"], ready["width"], ready["height"]) == ("original", 320, 240)
    ticks = [event for event in events if event["type"] == "transcode_progress"]
    after = [event for event in events[at:] if event["type"] == "transcode_progress"]
    assert after and all(tick["playable"] for tick in after) and after[0]["progress"] < 10
    assert any(key.startswith(first) and key.endswith("hls/original/index.m3u8") for key in keys)
    assert [r.name for r in video.renditions.all()] == ["240p", "144p"]  # replaced for new plays
    progress = [event["progress"] for event in ticks]
    assert progress == sorted(progress)
    stages = [event["stage"] for event in ticks]
    assert [s for i, s in enumerate(stages) if i == 0 or stages[i - 1] != s] == [
        "downloading", "probing", "transcoding", "uploading",
    ]
    assert events[-1]["renditions"] == ["240p", "144p"] and events[-1]["video_id"] == str(video.pk)


def test_video_without_audio(pipeline, user, silent_clip):
    video = upload(user, silent_clip)
    video.refresh_from_db()
    assert video.status == Video.Status.READY and video.has_audio is False
    assert [(r.width, r.height) for r in video.renditions.all()] == [(256, 144)]
    assert not storage.keys_under(f"{video.output_prefix}hls/audio/")


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("notes.mp4", b"just some text, not a video\n" * 40, "not a video"),
        ("noise.mov", bytes(range(256)) * 300, "not a video"),
        ("truncated.mp4", None, "damaged"),
    ],
)
def test_bad_files_fail_cleanly_leaving_only_the_source(pipeline, s3_server, user, clip, user_events, tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content if content is not None else clip.read_bytes()[: clip.stat().st_size // 3])
    video = upload(user, path)
    video.refresh_from_db()
    assert video.status == Video.Status.FAILED
    assert message in video.error and "Traceback" not in video.error
    assert video.failure_reason == Video.FailureReason.UNREADABLE
    assert all_keys(s3_server["client"], pipeline) == [video.source.name]
    events = user_events.drain()
    # A truncated H.264 file still remuxes, so it played for a moment; its failure took that along.
    first = ["rendition_ready"] if name == "truncated.mp4" else []
    assert [e["type"] for e in events if e["type"] != "transcode_progress"] == [*first, "transcode_failed"]
    assert events[-1]["type"] == "transcode_failed" and message in events[-1]["error"]
    assert video.playable_at is None and not video.renditions.exists()


def test_zero_byte_upload_is_refused(pipeline, user, tmp_path):
    empty = tmp_path / "empty.mp4"
    empty.touch()
    with pytest.raises(ValidationError, match="empty"):
        upload(user, empty)
    assert not Video.objects.exists()


def test_ffmpeg_failure_is_reported_and_partial_outputs_removed(pipeline, s3_server, user, clip, monkeypatch):
    def broken(self, *, source, out_dir):
        return ["ffmpeg", "-nostdin", "-loglevel", "error", "-i", str(source), "-vf", "nosuchfilter", "-f", "null", "-"]

    monkeypatch.setattr(transcode.Plan, "command", broken)
    video = upload(user, clip)
    video.refresh_from_db()
    assert video.status == Video.Status.FAILED and video.failure_reason == Video.FailureReason.FFMPEG
    assert "could not be converted" in video.error and "nosuchfilter" in video.error
    assert all_keys(s3_server["client"], pipeline) == [video.source.name]


def test_cancel_stops_ffmpeg_and_leaves_no_outputs(pipeline, s3_server, user, clip, monkeypatch, user_events):
    seen = {}
    original = transcode.progress.ProgressTracker.set_stage

    def cancel_when_transcoding(self, stage, percent=None):
        original(self, stage, percent)
        if stage == Video.Stage.TRANSCODING:
            services.video_cancel(video=Video.objects.get(pk=self.video_id))
            seen["flag"] = Video.objects.get(pk=self.video_id).cancel_requested

    monkeypatch.setattr(transcode.progress.ProgressTracker, "set_stage", cancel_when_transcoding)
    video = upload(user, clip)
    video.refresh_from_db()
    assert seen["flag"] is True
    assert video.status == Video.Status.CANCELLED and not video.cancel_requested and not video.output_prefix
    assert all_keys(s3_server["client"], pipeline) == [video.source.name]
    events = user_events.drain()
    assert events[-1]["type"] == "transcode_progress" and events[-1]["status"] == "cancelled"
    assert not [e for e in events if e["type"] in ("transcode_complete", "transcode_failed")]

    monkeypatch.setattr(transcode.progress.ProgressTracker, "set_stage", original)
    services.video_retry(video=video)
    video.refresh_from_db()
    assert video.status == Video.Status.READY


def test_cancel_and_retry_rules(transactional_db, user):
    video = Video.objects.create(owner=user, title="t", source="videos/x/source/c.mp4")
    services.video_cancel(video=video)
    video.refresh_from_db()
    assert video.status == Video.Status.CANCELLED
    with pytest.raises(StateConflict, match="Only queued or processing"):
        services.video_cancel(video=video)
    Video.objects.filter(pk=video.pk).update(status=Video.Status.PROCESSING)
    services.video_cancel(video=video)
    video.refresh_from_db()
    assert video.status == Video.Status.PROCESSING and video.cancel_requested
    with pytest.raises(StateConflict, match="Only failed or cancelled"):
        services.video_retry(video=video)


def test_task_run_twice_and_stale_attempt_leave_one_consistent_set(pipeline, s3_server, user, clip):
    video = upload(user, clip)
    video.refresh_from_db()
    first_prefix = video.output_prefix
    keys = all_keys(s3_server["client"], pipeline)

    video_transcode(str(video.pk))  # redelivered after success: nothing to do
    video.refresh_from_db()
    assert video.output_prefix == first_prefix and all_keys(s3_server["client"], pipeline) == keys

    # Another attempt is processing and its worker shows life: a duplicate delivery does nothing.
    Video.objects.filter(pk=video.pk).update(status=Video.Status.PROCESSING, attempt="alive0000000",
                                             heartbeat_at=timezone.now())
    video_transcode(str(video.pk))
    video.refresh_from_db()
    assert (video.status, video.attempt, video.output_prefix) == (Video.Status.PROCESSING, "alive0000000", first_prefix)

    # A worker died mid-transcode: the video says processing, its heartbeat is old, and the dead
    # attempt left objects. The re-delivered task takes over.
    default_storage.save(f"{storage.output_prefix(video.pk, 'deadbeef0000')}hls/240p/seg_00001.m4s", ContentFile(b"x"))
    Video.objects.filter(pk=video.pk).update(status=Video.Status.PROCESSING, attempt="deadbeef0000",
                                             heartbeat_at=timezone.now() - timedelta(minutes=2))
    video_transcode(str(video.pk))  # the re-queued task
    video.refresh_from_db()
    assert video.status == Video.Status.READY and video.output_prefix not in (first_prefix, "")
    out_prefixes = {key.split("/out/")[1].split("/")[0] for key in all_keys(s3_server["client"], pipeline) if "/out/" in key}
    assert out_prefixes == {video.attempt}
    assert video.renditions.count() == 2


def test_attempt_superseded_midway_drops_its_outputs(pipeline, s3_server, user, clip, monkeypatch):
    original = transcode.pipeline._upload

    def takeover_before_upload(out_dir, prefix, tracker):
        Video.objects.filter(pk=tracker.video_id).update(attempt="newer0000000")
        original(out_dir, prefix, tracker)

    monkeypatch.setattr(transcode.pipeline, "_upload", takeover_before_upload)
    video = upload(user, clip)
    video.refresh_from_db()
    assert video.status == Video.Status.PROCESSING and video.attempt == "newer0000000"
    # The first rendition belongs to no attempt: the video stays watchable on it.
    first = storage.first_root(video.pk)
    assert [key for key in all_keys(s3_server["client"], pipeline) if not key.startswith(first)] == [video.source.name]
    assert video.is_playable


def test_retranscode_replaces_outputs(pipeline, s3_server, user, clip):
    video = upload(user, clip)
    video.refresh_from_db()
    first = video.output_prefix
    call_command("retranscode", str(video.pk))
    video.refresh_from_db()
    assert video.status == Video.Status.READY and video.output_prefix != first
    assert not storage.keys_under(first)


def test_cleanup_storage_lists_and_deletes_orphans(pipeline, s3_server, user, clip):
    video = upload(user, clip)
    video.refresh_from_db()
    orphans = [
        "videos/00000000-0000-0000-0000-000000000000/source/gone.mp4",
        f"{storage.output_prefix(video.pk, 'oldattempt00')}hls/master.m3u8",
        f"{storage.video_prefix(video.pk)}source/other.mp4",
    ]
    for key in orphans:
        default_storage.save(key, ContentFile(b"x"))
    # The first rendition of a ready video is one too: it goes an hour after it was written.
    orphans += storage.keys_under(storage.first_root(video.pk))
    assert len(orphans) > 3 and orphan_keys(min_age=3600) == []
    assert orphan_keys() == sorted(orphans)
    call_command("cleanup_storage", "--min-age", "0")
    assert orphan_keys() == sorted(orphans)
    call_command("cleanup_storage", "--min-age", "0", "--delete")
    assert orphan_keys() == []
    assert video.source.name in all_keys(s3_server["client"], pipeline)
    assert default_storage.exists(video.master_playlist_key)


def test_ingest_command_waits_and_reports(pipeline, user, clip, tmp_path, capsys):
    call_command("ingest", str(clip), "--title", "From CLI", "--owner", user.username, "--wait")
    out = capsys.readouterr().out
    assert "ready: 240p 320x240, 144p 192x144" in out
    assert Video.objects.get(title="From CLI").status == Video.Status.READY
    bad = tmp_path / "bad.mp4"
    bad.write_text("nope " * 100)
    with pytest.raises(CommandError, match="failed: This file is not a video"):
        call_command("ingest", str(bad), "--owner", user.username, "--wait")


def test_metrics_report_durations_realtime_factor_and_failures(pipeline, user, clip, client, tmp_path):
    upload(user, clip)
    bad = tmp_path / "bad.mp4"
    bad.write_text("nope " * 100)
    upload(user, bad)
    text = client.get("/metrics").content.decode()
    assert 'mediasite_transcode_duration_seconds_count 1.0' in text
    assert re.search(r'mediasite_transcode_realtime_factor_bucket\{le="\+Inf"\} 1\.0', text)
    assert 'mediasite_transcode_failed_videos{reason="unreadable"} 1.0' in text
    assert 'mediasite_videos{status="ready"} 1.0' in text


def test_soft_time_limit_stops_ffmpeg_and_fails_with_a_reason(pipeline, s3_server, user, clip, monkeypatch):
    from celery.exceptions import SoftTimeLimitExceeded

    original = transcode.progress.ProgressTracker.update

    def time_is_up(self, percent, **kwargs):
        if self.stage == Video.Stage.TRANSCODING and not kwargs.get("force"):
            raise SoftTimeLimitExceeded()  # what Celery raises inside the task at the soft limit
        original(self, percent, **kwargs)

    monkeypatch.setattr(transcode.progress.ProgressTracker, "update", time_is_up)
    video = upload(user, clip)
    video.refresh_from_db()
    assert video.status == Video.Status.FAILED and video.failure_reason == Video.FailureReason.TIMEOUT
    assert "minute limit" in video.error
    assert all_keys(s3_server["client"], pipeline) == [video.source.name]
