from django.core.management.base import BaseCommand, CommandError

from backups.destinations import destination_open
from backups.management.s3_arguments import add_s3_arguments, s3_options
from backups.services import backup_restore
from mediasite.errors import DomainError


class Command(BaseCommand):
    help = (
        "Restore a backup (a snapshot, or a backup: its latest; a directory or s3://bucket/prefix) "
        "into an empty, migrated installation."
    )

    def add_arguments(self, parser):
        parser.add_argument("src", help="backup directory or s3://bucket/prefix, or one snapshot in it")
        add_s3_arguments(parser)

    def handle(self, *args, **options):
        try:
            result = backup_restore(src=destination_open(options["src"], **s3_options(options)))
        except DomainError as error:
            raise CommandError(str(error)) from None
        counts = ", ".join(f"{label} {rows}" for label, rows in result["rows"].items())
        self.stdout.write(f"Restored {result['snapshot']}: {counts}; {result['objects']} objects.")
        if result["requeued"]:
            self.stdout.write(f"{result['requeued']} video(s) in flight at the backup queued again.")
