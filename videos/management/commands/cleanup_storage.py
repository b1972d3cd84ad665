from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand

from videos.cleanup import orphan_keys


class Command(BaseCommand):
    help = "List stored objects that no video owns; remove them with --delete."

    def add_arguments(self, parser):
        parser.add_argument("--delete", action="store_true", help="delete the objects listed")
        parser.add_argument(
            "--min-age", type=float, default=3600,
            help="skip objects younger than this many seconds (uploads in flight); default 3600",
        )

    def handle(self, *args, **options):
        keys = orphan_keys(min_age=options["min_age"])
        for key in keys:
            self.stdout.write(key)
            if options["delete"]:
                default_storage.delete(key)
        verb = "deleted" if options["delete"] else "found (use --delete to remove them)"
        self.stdout.write(f"{len(keys)} orphan object(s) {verb}.")
