"""Backup and restore as round trips: PostgreSQL and local media, then S3 media restored to local storage."""

import json
import shutil
import uuid

import pytest
from django.contrib.auth.models import Group
from django.core import serializers
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from backups.services import backup_models
from notifications.models import Notification
from subtitles import services as subtitle_services
from videos.models import Video
from videos.tests.transcode_fixtures import (  # noqa: F401 (fixtures)
    clip,
    eager_celery,
    transcode_settings,
    upload,
)

pytestmark = pytest.mark.slow

SRT = b"1\n00:00:00,000 --> 00:00:01,000\nBonjour\n\n2\n00:00:01,000 --> 00:00:02,000\nau revoir\n"


def rows(*, leave_out=()) -> dict[str, list]:
    """Every backed-up row, as the serializer writes it (groups by name: ids are the installation's)."""
    return {
        model._meta.label_lower: [
            row for row in serializers.serialize(
                "python", model._default_manager.order_by("name" if model is Group else "pk"),
                use_natural_foreign_keys=True, use_natural_primary_keys=model is Group,
            )
            if str(row.get("pk")) not in leave_out and str(row["fields"].get("video")) not in leave_out
        ]
        for model in backup_models()
    }


def installation(user, other_user, clip, monkeypatch):
    """A ready video with a subtitle, a notification, and a video caught processing by the backup."""
    ready = upload(user, clip, title="Ready one", visibility=Video.Visibility.PRIVATE)
    ready.refresh_from_db()
    assert ready.is_ready
    subtitle_services.subtitle_save(video=ready, language="fr", data=SRT, filename="fr.srt")
    Notification.objects.create(recipient=other_user, type="system_message", payload={"message": "hi"})
    with monkeypatch.context() as patch:
        patch.setattr("videos.services._enqueue_transcode", lambda video_id: None)  # its worker is lost with the old site
        in_flight = upload(other_user, clip, title="In flight")
    Video.objects.filter(pk=in_flight.pk).update(status=Video.Status.PROCESSING, attempt="gone", progress=40)
    return ready, in_flight


def empty_installation(settings, tmp_path, name):
    call_command("flush", interactive=False, verbosity=0)  # post_migrate makes permissions and role groups again
    settings.MEDIA_ROOT = tmp_path / name


def assert_plays(client, video) -> None:
    client.force_login(video.owner)
    assert client.get(f"/videos/{video.pk}/hls/master.m3u8").status_code == 200
    variant = client.get(f"/videos/{video.pk}/hls/144p/index.m3u8")
    assert variant.status_code == 200
    text = variant.content.decode()
    uris = [line for line in text.splitlines() if line and not line.startswith("#")]
    uris.append(text.split('#EXT-X-MAP:URI="')[1].split('"')[0])
    for uri in uris:
        response = client.get(uri)
        assert response.status_code == 200, uri
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert len(body) > 100


def test_round_trip_on_the_database_and_local_media(
    transactional_db, transcode_settings, eager_celery, settings, tmp_path, user, other_user, clip, client,
    monkeypatch,
):
    ready, in_flight = installation(user, other_user, clip, monkeypatch)
    stray = f"videos/{uuid.uuid4()}/source/orphan.mp4"  # of a video deleted or not yet committed: no row
    default_storage.put_bytes(stray, b"no row owns me")
    before = rows()
    dest = tmp_path / "backup"
    call_command("backup", str(dest), verbosity=0)
    [first] = [path for path in dest.iterdir() if path.name != "objects"]
    manifest = json.loads((first / "manifest.json").read_text())
    assert manifest["versions"]["database"].startswith(connection.vendor)
    assert manifest["tables"]["videos.video"]["rows"] == 2 and manifest["tables"]["subtitles.subtitle"]["rows"] == 1
    stats = manifest["objects_stats"]
    assert len(manifest["objects"]) > 10 and manifest["missing"] == []
    # Each content is stored once, by checksum (both videos have the same source).
    assert stats["copied"] == len({entry["sha256"] for entry in manifest["objects"].values()})
    assert stats["copied"] + stats["unchanged"] == len(manifest["objects"])
    assert ready.source.name in manifest["objects"] and stray not in manifest["objects"]

    # A second backup copies nothing: sources and outputs are kept unread, the rest is unchanged.
    second = call_backup(dest)
    assert second["objects_stats"]["copied"] == 0 and second["objects_stats"]["kept"] > 0
    assert second["objects"] == manifest["objects"] and second["previous"] == manifest["snapshot"]

    with pytest.raises(CommandError, match="empty installation"):
        call_command("restore", str(dest), verbosity=0)

    empty_installation(settings, tmp_path, "media-restored")
    assert not Video.objects.exists()
    call_command("restore", str(dest), verbosity=0)

    # The same rows; the video in flight at the backup has moved on since (below), and made a notification.
    after = rows(leave_out={str(in_flight.pk)})
    expected = rows_without(before, str(in_flight.pk))
    notifications = "notifications.notification"
    assert after[notifications][: len(expected[notifications])] == expected[notifications]
    assert {**after, notifications: []} == {**expected, notifications: []}
    restored = Video.objects.get(pk=ready.pk)
    assert_plays(client, restored)
    assert restored.subtitles.get().vtt_key
    # The video that was processing when the backup ran is queued again and, with eager Celery, transcoded.
    in_flight.refresh_from_db()
    assert in_flight.status == Video.Status.READY
    assert_plays(client, in_flight)


def rows_without(tables: dict, video_id: str) -> dict:
    return {
        label: [row for row in table if row.get("pk") != video_id and str(row["fields"].get("video")) != video_id]
        for label, table in tables.items()
    }


def call_backup(dest):
    from backups.services import backup_create

    return backup_create(dest=dest)


@pytest.mark.s3
def test_from_s3_to_local_storage(
    transactional_db, transcode_settings, eager_celery, s3_storage, settings, tmp_path, user, other_user, clip,
    client, monkeypatch,
):
    ready, in_flight = installation(user, other_user, clip, monkeypatch)
    assert settings.STORAGES["default"]["BACKEND"].endswith("S3Storage")
    before = rows(leave_out={str(in_flight.pk)})
    dest = tmp_path / "backup"
    manifest = call_backup(dest)
    assert manifest["versions"]["storage"] == "PublicEndpointS3Storage" and manifest["missing"] == []

    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "mediasite.backends.storage.SignedFileSystemStorage"}}
    empty_installation(settings, tmp_path, "local-media")
    call_command("restore", str(dest), verbosity=0)
    after = rows(leave_out={str(in_flight.pk)})
    assert after["videos.video"] == before["videos.video"] and after["subtitles.subtitle"] == before["subtitles.subtitle"]
    assert after["auth.user"] == before["auth.user"]
    assert_plays(client, Video.objects.get(pk=ready.pk))
    shutil.rmtree(dest)


@pytest.mark.s3
def test_a_real_size_source_goes_through_in_chunks(
    transactional_db, s3_storage, settings, tmp_path, user, clip_of, monkeypatch
):
    """A minute of 1080p (many read chunks) from S3 into the backup and back out to local storage, byte for byte."""
    import hashlib

    from django.core.files.storage import default_storage

    source = clip_of(seconds=64, size="1920x1080", preset="ultrafast", crf=30)
    with monkeypatch.context() as patch:
        patch.setattr("videos.services._enqueue_transcode", lambda video_id: None)
        video = upload(user, source, title="A minute of 1080p")
    Video.objects.filter(pk=video.pk).update(status=Video.Status.FAILED, failure_reason=Video.FailureReason.FFMPEG)
    expected = hashlib.sha256(source.read_bytes()).hexdigest()
    assert source.stat().st_size > 4 << 20

    manifest = call_backup(tmp_path / "backup")
    assert manifest["objects"][video.source.name] == {"sha256": expected, "size": source.stat().st_size}
    assert call_backup(tmp_path / "backup")["objects_stats"] == {"copied": 0, "copied_bytes": 0, "unchanged": 0, "kept": 1}

    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "mediasite.backends.storage.SignedFileSystemStorage"}}
    empty_installation(settings, tmp_path, "local-media")
    call_command("restore", str(tmp_path / "backup"), verbosity=0)
    restored = Video.objects.get(pk=video.pk)
    assert restored.status == Video.Status.FAILED  # as it was: failed videos are not transcoded again by a restore
    assert hashlib.sha256(default_storage.read_bytes(restored.source.name)).hexdigest() == expected


@pytest.mark.django_db(transaction=True)
def test_a_vanished_object_is_reported_and_a_damaged_backup_refused(settings, tmp_path, user, capsys):
    from django.core.files.base import ContentFile

    video = Video(owner=user, title="Gone source", status=Video.Status.FAILED)
    video.source.save("clip.mp4", ContentFile(b"source bytes"), save=False)
    video.save()
    kept = Video(owner=user, title="Kept", status=Video.Status.FAILED)
    kept.source.save("clip.mp4", ContentFile(b"other bytes"), save=False)
    kept.save()
    default_storage.delete(video.source.name)  # as if removed while the backup ran

    call_command("backup", str(tmp_path / "backup"))
    assert "point at 1 objects that vanished" in capsys.readouterr().err
    manifest = call_backup(tmp_path / "backup")
    assert manifest["missing"] == [video.source.name] and list(manifest["objects"]) == [kept.source.name]

    blob = tmp_path / "backup" / "objects" / manifest["objects"][kept.source.name]["sha256"][:2]
    next(blob.iterdir()).write_bytes(b"bit rot")
    empty_installation(settings, tmp_path, "empty-media")
    with pytest.raises(CommandError, match="missing or damaged"):
        call_command("restore", str(tmp_path / "backup"), verbosity=0)
    assert not Video.objects.exists() and default_storage.keys_under("videos") == []
