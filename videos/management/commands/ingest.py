import tempfile
import threading
import time
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections

from mediasite.errors import DomainError
from videos import services
from videos.ffmpeg.runner import generate_clip
from videos.models import Video
from videos.tasks import video_transcode

DEMO_TITLE = "Demo clip (generated test pattern)"


class Command(BaseCommand):
    help = "Add a video file as a new video and queue its transcode (--demo makes a short test clip)."

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", help="video file to ingest")
        parser.add_argument("--title", help="title (default: the file name)")
        parser.add_argument("--owner", help="username of the owner (default: the first superuser)")
        parser.add_argument("--visibility", default=Video.Visibility.PRIVATE, choices=Video.Visibility.values)
        parser.add_argument("--wait", action="store_true", help="print progress until the video is ready or fails")
        parser.add_argument("--timeout", type=float, default=0, help="with --wait: give up after this many seconds")
        parser.add_argument("--inline", action="store_true", help="transcode in this process instead of a worker")
        parser.add_argument("--demo", action="store_true", help="ingest a generated 6-second test clip")
        parser.add_argument("--if-empty", action="store_true", help="do nothing when any video exists")

    def handle(self, *args, **options):
        if options["if_empty"] and Video.objects.exists():
            self.stdout.write("Videos exist already; nothing ingested.")
            return
        owner = self._owner(options["owner"])
        with tempfile.TemporaryDirectory(prefix="mediasite-ingest-") as scratch:
            if options["demo"]:
                path = Path(scratch) / "demo.mp4"
                generate_clip(path, seconds=6, size="1280x720", rate=30)
                title = options["title"] or DEMO_TITLE
                visibility = options["visibility"] if options["visibility"] != "private" else Video.Visibility.PUBLIC
            elif options["path"]:
                path = Path(options["path"])
                if not path.is_file():
                    raise CommandError(f"No such file: {path}")
                title = options["title"] or path.stem[:200]
                visibility = options["visibility"]
            else:
                raise CommandError("Give a PATH to ingest, or --demo.")
            video = self._create(owner, path, title, visibility, inline=options["inline"])
        self.stdout.write(f"Video {video.pk} queued: {video.title!r} (owner {owner.username})")
        if options["wait"] or options["inline"]:
            self._wait(video, timeout=options["timeout"], verbose=options["wait"])

    def _owner(self, username):
        User = get_user_model()
        if username:
            try:
                return User.objects.get(username=username)
            except User.DoesNotExist:
                raise CommandError(f"No user named {username!r}.") from None
        owner = User.objects.filter(is_superuser=True).order_by("pk").first()
        if owner is None:
            raise CommandError("No superuser exists: pass --owner USER or run createsuperuser first.")
        return owner

    def _create(self, owner, path, title, visibility, *, inline):
        with open(path, "rb") as handle:
            try:
                video = services.video_create(
                    owner=owner, file=File(handle, name=path.name), title=title, visibility=visibility
                )
            except ValidationError as exc:
                raise CommandError("; ".join(exc.messages)) from None
            except DomainError as exc:
                raise CommandError(str(exc)) from None
        if inline:
            # For use without a worker; the queued message then finds the video done and does nothing.
            self._worker = threading.Thread(target=self._transcode_here, args=(video.pk,), daemon=True)
            self._worker.start()
        return video

    @staticmethod
    def _transcode_here(video_id):
        try:
            video_transcode.apply(args=[str(video_id)])
        finally:
            close_old_connections()

    def _wait(self, video, *, timeout, verbose):
        started = time.monotonic()
        last = None
        while True:
            video.refresh_from_db()
            line = f"{video.status:<10} {video.stage or '-':<12} {video.progress:5.1f}%"
            if verbose and line != last:
                self.stdout.write(line)
                last = line
            if video.status in Video.TERMINAL_STATUSES:
                break
            if timeout and time.monotonic() - started > timeout:
                raise CommandError(f"Gave up waiting after {timeout:.0f} s; the video is {video.status}.")
            time.sleep(0.5)
        worker = getattr(self, "_worker", None)
        if worker is not None:
            worker.join()
        if video.status != Video.Status.READY:
            raise CommandError(f"Video {video.pk} {video.status}: {video.error or 'no reason given'}")
        renditions = ", ".join(f"{r.name} {r.width}x{r.height}" for r in video.renditions.all())
        self.stdout.write(self.style.SUCCESS(f"Video {video.pk} ready: {renditions}"))
