from django.core.management.base import BaseCommand, CommandError

from backups.destinations import destination_open
from backups.management.s3_arguments import add_s3_arguments, s3_options
from backups.services import backup_create
from mediasite.errors import DomainError


class Command(BaseCommand):
    help = (
        "Back up the database and every media object to DEST (a directory or s3://bucket/prefix); "
        "objects already there are not copied again."
    )

    def add_arguments(self, parser):
        parser.add_argument("dest", help="backup directory (made if missing) or s3://bucket/prefix")
        add_s3_arguments(parser)

    def handle(self, *args, **options):
        try:
            manifest = backup_create(dest=destination_open(options["dest"], **s3_options(options)))
        except DomainError as error:
            raise CommandError(str(error)) from None
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
