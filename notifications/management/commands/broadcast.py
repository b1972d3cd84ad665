from django.core.management.base import BaseCommand, CommandError

from notifications.events import Level
from notifications.services import system_message_broadcast


class Command(BaseCommand):
    help = "Send a system message to every connected user and store it for every active user."

    def add_arguments(self, parser):
        parser.add_argument("message")
        parser.add_argument("--level", choices=Level.values, default=Level.INFO)

    def handle(self, *args, message, level, **options):
        try:
            stored = system_message_broadcast(message=message, level=level)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"Broadcast {level} message; stored for {stored} users.")
