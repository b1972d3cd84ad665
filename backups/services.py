"""Backup and restore of a whole installation: its rows and every media object, with a manifest.

A backup (a directory, or an S3 bucket/prefix: backups.destinations) holds each media object once, by
content, and one folder per snapshot:

    DEST/objects/<sha256[:2]>/<sha256>            shared by the snapshots: a later one copies only what changed
    DEST/<UTC time>/db/<app_label.model>.json     the rows (Django's serializer, natural foreign keys)
    DEST/<UTC time>/manifest.json                 versions, row counts, checksums, key → sha256; written last

Rows are serialized by Django (to the microsecond) rather than pg_dump: the same backup comes from and goes to
PostgreSQL or SQLite, needs no pg_dump of the server's major version in the image, and carries the
migrations it was written under (restore refuses rows from code it does not have).

A backup taken while transcodes run is coherent as of the moment the rows are read: media is
copied first, then the rows in one transaction (REPEATABLE READ on PostgreSQL), then the objects
that appeared meanwhile, so every row points at objects the backup holds ("missing" in the
manifest names any that vanished all the same). Restore puts the objects, loads the rows in one
transaction and queues again the videos that were queued or processing: their tasks lived in the
broker, which is not backed up; a ready video plays the outputs its row points at.
"""

import datetime
import json
import platform
import re
import tempfile
from collections import Counter
from pathlib import Path

import django
from botocore.exceptions import ClientError
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core import serializers
from django.core.files.storage import default_storage, storages
from django.core.management import call_command
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from backups.destinations import Destination, destination_open, file_sha256
from mediasite.errors import StateConflict
from notifications.models import Notification
from subtitles.models import Subtitle
from videos import services as video_services
from videos import storage
from videos.models import Rendition, Video

FORMAT = 1
MEDIA_ROOT = "videos"  # every media object lives under it (videos.storage)
APP_LABELS = ("auth", "authtoken", "users", "videos", "subtitles", "notifications")
_SHA256 = re.compile(r"[0-9a-f]{64}")


class ExactJSONEncoder(DjangoJSONEncoder):
    """Django's JSON, with times to the microsecond: its own encoder keeps milliseconds (ECMA-262),
    which would move every created_at of a restored row (and the lists' cursors with them)."""

    def default(self, o):
        if isinstance(o, (datetime.datetime, datetime.time)):
            return o.isoformat()
        return super().default(o)


def backup_models() -> list:
    """The models whose rows make an installation, parents first (permissions come from migrate)."""
    return [
        model
        for label in APP_LABELS
        for model in apps.get_app_config(label).get_models()
        if not model._meta.proxy and model._meta.label != "auth.Permission"
    ]


def backup_create(*, dest: "Destination | str | Path") -> dict:
    """Take a snapshot into DEST (a directory or an S3 bucket/prefix); objects DEST already holds are not copied again."""
    dest = _opened(dest)
    previous_name = latest_snapshot(dest)
    previous = manifest_read(dest, previous_name) if previous_name else None
    known = previous["objects"] if previous else {}
    name = timezone.now().strftime("%Y%m%dT%H%M%S.%fZ")

    stats = Counter(copied=0, copied_bytes=0, unchanged=0, kept=0)
    objects: dict[str, dict] = {}
    # Objects of no video (deleted, or an upload not committed) belong to no row: left out.
    existing = {str(pk) for pk in Video.objects.values_list("pk", flat=True)}
    for key in storage.keys_under(MEDIA_ROOT):
        if storage.video_id_of(key) in existing:
            _copy_into(objects, key, dest, known, stats)
    with tempfile.TemporaryDirectory(prefix="backup-rows-") as scratch:
        (Path(scratch) / "db").mkdir()
        tables, referenced, video_ids = _rows_snapshot(Path(scratch) / "db")
        for table in tables.values():
            dest.put_file(f"{name}/{table['file']}", Path(scratch) / table["file"])
    for key in storage.keys_under(MEDIA_ROOT):  # written while the rows were read: a new attempt's outputs
        if key not in objects and storage.video_id_of(key) in video_ids:
            _copy_into(objects, key, dest, known, stats)
    objects = {key: entry for key, entry in objects.items() if storage.video_id_of(key) in video_ids}  # deleted meanwhile

    manifest = {
        "format": FORMAT,
        "snapshot": name,
        "created_at": timezone.now().isoformat(),
        "previous": previous["snapshot"] if previous else None,
        "versions": _versions(),
        "tables": tables,
        "objects": dict(sorted(objects.items())),
        "objects_stats": dict(stats),
        "missing": sorted(referenced - objects.keys()),
    }
    # Written last, whole: a snapshot without a manifest is an unfinished backup, never restored.
    dest.put_bytes(f"{name}/manifest.json", json.dumps(manifest, indent=1).encode())
    return manifest


def _opened(target) -> Destination:
    return destination_open(target) if isinstance(target, (str, Path)) else target


def latest_snapshot(dest: Destination) -> str | None:
    """The name of DEST's latest finished snapshot (one with a manifest), if any."""
    for name in reversed(dest.folders()):
        if name != "objects" and dest.exists(f"{name}/manifest.json"):
            return name
    return None


def manifest_read(dest: Destination, snapshot: str) -> dict:
    """The manifest of SNAPSHOT in DEST, refused unless it is one this code wrote and can trust the shape of."""
    where = f"{dest}/{snapshot}/manifest.json"
    try:
        manifest = json.loads(dest.read_bytes(f"{snapshot}/manifest.json"))
    except (ValueError, UnicodeDecodeError) as error:
        raise StateConflict(f"{where} does not parse ({error}): the backup is damaged.") from None
    problem = _manifest_problem(manifest)
    if problem:
        raise StateConflict(f"{where} is not a backup manifest this code reads: {problem}.")
    return manifest


def _manifest_problem(manifest) -> str | None:
    if not isinstance(manifest, dict):
        return "not an object"
    if manifest.get("format") != FORMAT:
        return f"format {manifest.get('format')!r}, not {FORMAT}"
    if not isinstance(manifest.get("snapshot"), str) or not isinstance(manifest.get("versions"), dict):
        return "no snapshot name or versions"
    migrations = manifest["versions"].get("migrations")
    if not isinstance(migrations, dict) or not all(isinstance(names, list) for names in migrations.values()):
        return "no migrations"
    labels = {model._meta.label_lower for model in backup_models()}
    tables, objects = manifest.get("tables"), manifest.get("objects")
    if not isinstance(tables, dict) or not isinstance(objects, dict):
        return "no tables or objects"
    for label, table in tables.items():
        # The file is named by its label only: a manifest cannot point the restore at another file.
        if label not in labels or not isinstance(table, dict) or table.get("file") != f"db/{label}.json":
            return f"table {label!r}"
        if not isinstance(table.get("rows"), int) or not _SHA256.fullmatch(str(table.get("sha256"))):
            return f"table {label!r}"
    for key, entry in objects.items():
        parts = key.split("/")
        if parts[0] != MEDIA_ROOT or len(parts) < 3 or any(part in ("", ".", "..") for part in parts):
            return f"object key {key!r}"
        if not isinstance(entry, dict) or not _SHA256.fullmatch(str(entry.get("sha256"))):
            return f"object {key!r}"
    return None


def _stored(sha256: str) -> str:
    return f"objects/{sha256[:2]}/{sha256}"


def _copy_into(objects: dict, key: str, dest: Destination, known: dict, stats: Counter) -> None:
    entry = known.get(key)
    if entry and storage.immutable_key(key) and dest.exists(_stored(entry["sha256"])):
        # Sources and attempt outputs are never rewritten: the previous backup's copy is this object.
        objects[key] = entry
        stats["kept"] += 1
        return
    with tempfile.TemporaryDirectory(prefix="backup-object-") as scratch:
        try:
            path = default_storage.local_file(key, Path(scratch))  # local media: the file itself, no copy
        except FileNotFoundError:
            return  # deleted since it was listed (an older attempt after a switch); a row pointing at it shows in "missing"
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") not in ("404", "NoSuchKey"):
                raise
            return
        sha256, size = file_sha256(path), path.stat().st_size
        if dest.exists(_stored(sha256)):
            stats["unchanged"] += 1
        else:
            dest.put_file(_stored(sha256), path)
            stats["copied"] += 1
            stats["copied_bytes"] += size
    objects[key] = {"sha256": sha256, "size": size}


def _rows_snapshot(folder: Path) -> tuple[dict, set[str], set[str]]:
    """Serialize every table from one snapshot of the database; return the tables, the keys rows point at
    and the videos' ids."""
    isolate = connection.vendor == "postgresql" and not connection.in_atomic_block
    tables = {}
    with transaction.atomic():
        if isolate:  # one snapshot for every table, not one per query
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        for model in backup_models():
            label = model._meta.label_lower
            path = folder / f"{label}.json"
            queryset = model._default_manager.order_by("pk")
            # Groups by name: migrate makes the role groups in the new installation, with ids of its own.
            data = serializers.serialize(
                "python", queryset.iterator(), use_natural_foreign_keys=True, use_natural_primary_keys=model is Group
            )
            with open(path, "w") as out:
                json.dump(data, out, cls=ExactJSONEncoder, indent=0)
            tables[label] = {"file": f"db/{path.name}", "rows": queryset.count(), "sha256": file_sha256(path)}
        video_ids = {str(pk) for pk in Video.objects.values_list("pk", flat=True)}
        referenced = {name for name in Video.objects.values_list("source", flat=True) if name}
        referenced |= set(Rendition.objects.values_list("playlist_key", flat=True))
        for original, vtt in Subtitle.objects.values_list("original_key", "vtt_key"):
            referenced |= {key for key in (original, vtt) if key}
    return tables, referenced, video_ids


def _versions() -> dict:
    recorder = MigrationRecorder(connection)
    migrations: dict[str, list[str]] = {}
    for app_label, name in sorted(recorder.applied_migrations()):
        migrations.setdefault(app_label, []).append(name)
    return {
        "django": django.get_version(),
        "python": platform.python_version(),
        "database": f"{connection.vendor} {connection.Database.__name__}",
        "storage": type(storages["default"]).__name__,
        "migrations": migrations,
    }


def _snapshot_of(src: Destination) -> tuple[Destination, str]:
    """The backup SRC is in and the snapshot to restore: SRC itself when it is one, else SRC's latest."""
    if src.exists("manifest.json"):
        return src.up()
    latest = latest_snapshot(src)
    if latest is None:
        raise StateConflict(f"No finished backup in {src} (no manifest.json).")
    return src, latest


def backup_restore(*, src: "Destination | str | Path") -> dict:
    """Restore a snapshot (SRC, or the latest in the backup SRC) into an empty, migrated installation.

    Every checksum is checked before anything is written, reading each object once to check it and
    once to put it: a damaged backup leaves the installation empty, and nothing is held in memory.
    """
    backup, snapshot = _snapshot_of(_opened(src))
    manifest = manifest_read(backup, snapshot)
    _refuse_unless_empty()
    _refuse_unknown_migrations(manifest["versions"]["migrations"])
    with tempfile.TemporaryDirectory(prefix="restore-") as scratch:
        fixtures = []
        for label, table in manifest["tables"].items():
            try:
                path = backup.local_file(f"{snapshot}/{table['file']}", Path(scratch))
            except FileNotFoundError:
                raise StateConflict(f"The rows of {label} are missing from the backup.") from None
            if file_sha256(path) != table["sha256"]:
                raise StateConflict(f"The rows of {label} do not match their checksum: the backup is damaged.")
            if table["rows"]:
                fixtures.append(str(path))
        for key, entry in manifest["objects"].items():
            try:
                damaged = backup.sha256(_stored(entry["sha256"])) != entry["sha256"]
            except FileNotFoundError:
                damaged = True
            if damaged:
                raise StateConflict(f"The object {key} is missing or damaged in the backup.")
        in_flight = _restore_into_installation(backup, manifest, fixtures, Path(scratch))
    for video_id in in_flight:
        video_services.video_resume(video_id=video_id)
    return {
        "snapshot": manifest["snapshot"],
        "rows": {label: table["rows"] for label, table in manifest["tables"].items()},
        "objects": len(manifest["objects"]),
        "requeued": len(in_flight),
    }


def _restore_into_installation(backup: Destination, manifest: dict, fixtures: list[str], scratch: Path) -> list:
    """Put the objects and load the rows; on any failure take the objects out again. Return the videos in flight."""
    put: list[str] = []
    try:
        for key, entry in manifest["objects"].items():
            path = backup.local_file(_stored(entry["sha256"]), scratch)  # a directory's file itself, or downloaded
            default_storage.put_file(key, path)
            put.append(key)
            if path.is_relative_to(scratch):
                path.unlink()
        with transaction.atomic():
            if fixtures:
                call_command("loaddata", *fixtures, verbosity=0)  # one transaction; resets the sequences
            return list(Video.objects.filter(status__in=Video.ACTIVE_STATUSES).values_list("pk", flat=True))
    except BaseException:
        for key in put:
            default_storage.delete(key)
        raise


def _refuse_unless_empty() -> None:
    found = [
        str(model._meta.verbose_name_plural)
        for model in (get_user_model(), Video, Notification)
        if model._default_manager.exists()
    ]
    if storage.keys_under(MEDIA_ROOT):
        found.append("media objects")
    if found:
        raise StateConflict(f"Restore goes into an empty installation; this one has {', '.join(found)}.")


def _refuse_unknown_migrations(migrations: dict[str, list[str]]) -> None:
    known = MigrationLoader(connection, ignore_no_migrations=True).disk_migrations
    unknown = [f"{app}.{name}" for app, names in migrations.items() for name in names if (app, name) not in known]
    if unknown:
        raise StateConflict(f"The backup was written by newer code (migrations {', '.join(unknown[:5])}): deploy it first.")
