"""Backup and restore of a whole installation: its rows and every media object, with a manifest.

A backup directory holds each media object once, by content, and one folder per snapshot:

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
import hashlib
import json
import os
import platform
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

from mediasite.errors import StateConflict
from notifications.models import Notification
from subtitles.models import Subtitle
from videos import services as video_services
from videos import storage
from videos.models import Rendition, Video

FORMAT = 1
MEDIA_ROOT = "videos"  # every media object lives under it (videos.storage)
APP_LABELS = ("auth", "authtoken", "users", "videos", "subtitles", "notifications")
CHUNK = 1 << 20


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


def backup_create(*, dest: Path) -> dict:
    """Take a snapshot into DEST; objects whose checksum DEST already holds are not copied again."""
    dest = Path(dest)
    store = dest / "objects"
    store.mkdir(parents=True, exist_ok=True)
    previous = latest_manifest(dest)
    known = previous["objects"] if previous else {}
    name = timezone.now().strftime("%Y%m%dT%H%M%S.%fZ")
    snapshot = dest / name
    (snapshot / "db").mkdir(parents=True)

    stats = Counter(copied=0, copied_bytes=0, unchanged=0, kept=0)
    objects: dict[str, dict] = {}
    # Objects of no video (deleted, or an upload not committed) belong to no row: left out.
    existing = {str(pk) for pk in Video.objects.values_list("pk", flat=True)}
    for key in storage.keys_under(MEDIA_ROOT):
        if storage.video_id_of(key) in existing:
            _copy_into(objects, key, store, known, stats)
    tables, referenced, video_ids = _rows_snapshot(snapshot / "db")
    for key in storage.keys_under(MEDIA_ROOT):  # written while the rows were read: a new attempt's outputs
        if key not in objects and storage.video_id_of(key) in video_ids:
            _copy_into(objects, key, store, known, stats)
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
    # Written last, atomically: a folder without a manifest is an unfinished backup, never restored.
    partial = snapshot / "manifest.json.partial"
    partial.write_text(json.dumps(manifest, indent=1))
    os.replace(partial, snapshot / "manifest.json")
    return manifest


def latest_manifest(dest: Path) -> dict | None:
    manifests = sorted(Path(dest).glob("*/manifest.json"))
    return json.loads(manifests[-1].read_text()) if manifests else None


def _stored(store: Path, sha256: str) -> Path:
    return store / sha256[:2] / sha256


def _copy_into(objects: dict, key: str, store: Path, known: dict, stats: Counter) -> None:
    entry = known.get(key)
    if entry and storage.immutable_key(key) and _stored(store, entry["sha256"]).is_file():
        # Sources and attempt outputs are never rewritten: the previous backup's copy is this object.
        objects[key] = entry
        stats["kept"] += 1
        return
    digest, size = hashlib.sha256(), 0
    with tempfile.NamedTemporaryFile(dir=store, prefix=".partial-", delete=False) as out:
        try:
            with default_storage.open(key, "rb") as source:
                for chunk in iter(lambda: source.read(CHUNK), b""):
                    digest.update(chunk)
                    out.write(chunk)
                    size += len(chunk)
        except (FileNotFoundError, ClientError):
            # Deleted since it was listed (an older attempt after a switch); a row that still
            # points at it shows in the manifest's "missing".
            os.unlink(out.name)
            return
        except BaseException:
            os.unlink(out.name)
            raise
    target = _stored(store, digest.hexdigest())
    if target.is_file():
        os.unlink(out.name)
        stats["unchanged"] += 1
    else:
        target.parent.mkdir(exist_ok=True)
        os.replace(out.name, target)
        stats["copied"] += 1
        stats["copied_bytes"] += size
    objects[key] = {"sha256": digest.hexdigest(), "size": size}


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
            tables[label] = {"file": f"db/{path.name}", "rows": queryset.count(), "sha256": _file_sha256(path)}
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


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _snapshot_folder(src: Path) -> Path:
    src = Path(src)
    if (src / "manifest.json").is_file():
        return src
    manifests = sorted(src.glob("*/manifest.json"))
    if not manifests:
        raise StateConflict(f"No finished backup in {src} (no manifest.json).")
    return manifests[-1].parent


def backup_restore(*, src: Path) -> dict:
    """Restore a snapshot (SRC, or the latest in the backup directory SRC) into an empty, migrated installation."""
    snapshot = _snapshot_folder(src)
    manifest = json.loads((snapshot / "manifest.json").read_text())
    store = snapshot.parent / "objects"
    _refuse_unless_empty()
    _refuse_unknown_migrations(manifest["versions"]["migrations"])
    for label, table in manifest["tables"].items():
        if _file_sha256(snapshot / table["file"]) != table["sha256"]:
            raise StateConflict(f"The rows of {label} do not match their checksum: the backup is damaged.")

    # Everything is checked before anything is written: a damaged backup leaves the installation empty.
    for key, entry in manifest["objects"].items():
        path = _stored(store, entry["sha256"])
        if not path.is_file() or _file_sha256(path) != entry["sha256"]:
            raise StateConflict(f"The object {key} is missing or damaged in the backup.")
    for key, entry in manifest["objects"].items():
        default_storage.put_file(key, _stored(store, entry["sha256"]))
    fixtures = [str(snapshot / table["file"]) for table in manifest["tables"].values() if table["rows"]]
    with transaction.atomic():
        if fixtures:
            call_command("loaddata", *fixtures, verbosity=0)  # one transaction; resets the sequences
        in_flight = list(Video.objects.filter(status__in=Video.ACTIVE_STATUSES).values_list("pk", flat=True))
    for video_id in in_flight:
        video_services.video_resume(video_id=video_id)
    return {
        "snapshot": manifest["snapshot"],
        "rows": {label: table["rows"] for label, table in manifest["tables"].items()},
        "objects": len(manifest["objects"]),
        "requeued": len(in_flight),
    }


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
