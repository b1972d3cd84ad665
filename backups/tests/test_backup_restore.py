"""Backup and restore as round trips: PostgreSQL and local media, S3 media restored to local storage, and
through a backup in an S3 bucket; bad addresses, keys and manifests refused."""

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
    transactional_db, s3_server, s3_storage, settings, tmp_path, user, clip_of, monkeypatch
):
    """A minute of 1080p (many read chunks) from S3 into a directory and an S3 backup, and out of that one
    to local storage, byte for byte."""
    import hashlib
    import tracemalloc

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
    # And to an S3 prefix (beside the media, in the same bucket), in parts: Python's heap never holds the file.
    s3_settings(settings, s3_server)
    dest = f"s3://{s3_storage}/backup"
    tracemalloc.start()
    try:
        assert call_backup(dest)["objects"] == manifest["objects"]
        backed_up_peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert backed_up_peak < source.stat().st_size / 2

    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "mediasite.backends.storage.SignedFileSystemStorage"}}
    empty_installation(settings, tmp_path, "local-media")
    tracemalloc.start()
    try:
        call_command("restore", dest, verbosity=0)
        restored_peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert restored_peak < source.stat().st_size / 2
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


def s3_settings(settings, s3_server) -> None:
    """The installation's own S3 settings name the test server (its media stays local)."""
    settings.S3_ENDPOINT_URL = s3_server["endpoint"]
    settings.S3_ACCESS_KEY_ID = s3_server["access_key"]
    settings.S3_SECRET_ACCESS_KEY = s3_server["secret_key"]


@pytest.mark.s3
def test_round_trip_through_an_s3_backup(
    transactional_db, transcode_settings, eager_celery, s3_server, s3_bucket, settings, tmp_path, user, other_user,
    clip, client, monkeypatch,
):
    from videos.tests.transcode_fixtures import all_keys

    ready, in_flight = installation(user, other_user, clip, monkeypatch)
    assert settings.STORAGES["default"]["BACKEND"].endswith("SignedFileSystemStorage")
    s3_settings(settings, s3_server)
    s3 = s3_server["client"]
    before = rows(leave_out={str(in_flight.pk)})
    dest = f"s3://{s3_bucket}/backups/site"
    call_command("backup", dest, verbosity=0)

    blobs = [key for key in all_keys(s3, s3_bucket) if key.startswith("backups/site/objects/")]
    [snapshot] = {key.split("/")[2] for key in all_keys(s3, s3_bucket)} - {"objects"}
    manifest = json.loads(s3.get_object(Bucket=s3_bucket, Key=f"backups/site/{snapshot}/manifest.json")["Body"].read())
    shas = {entry["sha256"] for entry in manifest["objects"].values()}
    assert sorted(blobs) == sorted(f"backups/site/objects/{sha[:2]}/{sha}" for sha in shas)
    assert manifest["objects_stats"]["copied"] == len(shas) and ready.source.name in manifest["objects"]
    assert f"backups/site/{snapshot}/db/videos.video.json" in all_keys(s3, s3_bucket)

    # A second backup copies nothing: the blobs it would write are there already (HEAD).
    second = call_backup(dest)
    assert second["objects_stats"]["copied"] == 0 and second["objects_stats"]["kept"] > 0
    assert [key for key in all_keys(s3, s3_bucket) if key.startswith("backups/site/objects/")] == blobs

    # A damaged blob refuses the restore, and nothing reaches the empty installation.
    victim = blobs[0]
    original = s3.get_object(Bucket=s3_bucket, Key=victim)["Body"].read()
    s3.put_object(Bucket=s3_bucket, Key=victim, Body=b"bit rot")
    empty_installation(settings, tmp_path, "media-restored")
    with pytest.raises(CommandError, match="missing or damaged"):
        call_command("restore", dest, verbosity=0)
    assert not Video.objects.exists() and default_storage.keys_under("videos") == []

    s3.put_object(Bucket=s3_bucket, Key=victim, Body=original)
    call_command("restore", f"{dest}/{second['snapshot']}", verbosity=0)  # one snapshot, named
    after = rows(leave_out={str(in_flight.pk)})
    for label in ("auth.user", "videos.video", "videos.rendition", "subtitles.subtitle"):
        assert after[label] == before[label], label
    assert after["notifications.notification"][: len(before["notifications.notification"])] == (
        before["notifications.notification"]
    )
    assert_plays(client, Video.objects.get(pk=ready.pk))


@pytest.mark.s3
@pytest.mark.django_db
def test_bad_s3_addresses_credentials_and_manifests_are_refused(s3_server, s3_bucket, settings, monkeypatch):
    from django.contrib.auth import get_user_model

    s3_settings(settings, s3_server)
    s3 = s3_server["client"]

    def refused(command, target, match, *options):
        with pytest.raises(CommandError, match=match):
            call_command(command, target, *options, verbosity=0)

    refused("backup", "s3://Bad_Bucket!/x", "not an S3 bucket name")
    refused("backup", "s3:///x", "not an S3 bucket name")
    refused("backup", f"s3://{s3_bucket}/a/../b", "may not hold")
    refused("restore", f"gs://{s3_bucket}/x", "not gs://")
    refused("backup", f"s3://ms-helper-missing-{uuid.uuid4().hex[:8]}/x", "there is no bucket")
    refused("backup", f"s3://{s3_bucket}/x", "refused the credentials", "--s3-secret-access-key", "wrong")
    refused("restore", f"s3://{s3_bucket}/x", "no bucket|Could not connect", "--s3-endpoint-url", "http://127.0.0.1:9")
    settings.BACKUP_S3_ACCESS_KEY_ID = "nobody"  # read when the command's options are made
    refused("restore", f"s3://{s3_bucket}/x", "refused the credentials")
    settings.BACKUP_S3_ACCESS_KEY_ID = None
    refused("restore", f"s3://{s3_bucket}/x", "No finished backup")

    s3.put_object(Bucket=s3_bucket, Key="x/20260101T000000.000000Z/manifest.json", Body=b'{"format": 1, "tabl')
    refused("restore", f"s3://{s3_bucket}/x", "does not parse")
    # A manifest that would point the restore at a file outside the backup.
    hostile = {
        "format": 1, "snapshot": "s", "versions": {"migrations": {}}, "objects": {},
        "tables": {"auth.user": {"file": "../../../etc/passwd", "rows": 1, "sha256": "0" * 64}},
    }
    s3.put_object(Bucket=s3_bucket, Key="y/20260101T000000.000000Z/manifest.json", Body=json.dumps(hostile).encode())
    refused("restore", f"s3://{s3_bucket}/y", "not a backup manifest")

    assert not get_user_model().objects.exists() and not Video.objects.exists()
    assert default_storage.keys_under("videos") == []
    assert sorted(obj["Key"] for obj in s3.list_objects_v2(Bucket=s3_bucket).get("Contents", [])) == [
        "x/20260101T000000.000000Z/manifest.json", "y/20260101T000000.000000Z/manifest.json",
    ]
