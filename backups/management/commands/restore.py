from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from backups.services import backup_restore
from mediasite.errors import DomainError


class Command(BaseCommand):
    help = "Restore a backup (a snapshot directory, or a backup directory: its latest) into an empty, migrated installation."

    def add_arguments(self, parser):
        parser.add_argument("src", type=Path, help="backup directory or one snapshot in it")

    def handle(self, *args, **options):
        try:
            result = backup_restore(src=options["src"])
        except DomainError as error:
            raise CommandError(str(error)) from None
        counts = ", ".join(f"{label} {rows}" for label, rows in result["rows"].items())
        self.stdout.write(f"Restored {result['snapshot']}: {counts}; {result['objects']} objects.")
        if result["requeued"]:
            self.stdout.write(f"{result['requeued']} video(s) in flight at the backup queued again.")
