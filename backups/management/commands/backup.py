from pathlib import Path

from django.core.management.base import BaseCommand

from backups.services import backup_create


class Command(BaseCommand):
    help = "Back up the database and every media object to DEST (a directory); objects already there are not copied again."

    def add_arguments(self, parser):
        parser.add_argument("dest", type=Path, help="backup directory (made if missing)")

    def handle(self, *args, **options):
        manifest = backup_create(dest=options["dest"])
        counts = ", ".join(f"{label} {table['rows']}" for label, table in manifest["tables"].items())
        objects = manifest["objects_stats"]
        self.stdout.write(f"Snapshot {manifest['snapshot']}: {counts}.")
        self.stdout.write(
            f"{len(manifest['objects'])} objects: {objects['copied']} copied ({objects['copied_bytes']} bytes), "
            f"{objects['unchanged']} unchanged, {objects['kept']} kept from the previous backup unread."
        )
        if manifest["missing"]:
            self.stderr.write(f"Rows point at {len(manifest['missing'])} objects that vanished during the backup: "
                              f"{', '.join(manifest['missing'][:10])}")
