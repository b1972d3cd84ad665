import uuid

from django.core.management.base import BaseCommand, CommandError

from videos import services
from videos.models import Video


class Command(BaseCommand):
    help = "Transcode videos again: by id, or every failed one with --failed."

    def add_arguments(self, parser):
        parser.add_argument("ids", nargs="*", help="video ids (UUIDs)")
        parser.add_argument("--failed", action="store_true", help="every failed video")

    def handle(self, *args, **options):
        if not options["ids"] and not options["failed"]:
            raise CommandError("Give video ids, or --failed.")
        try:
            ids = {str(uuid.UUID(value)) for value in options["ids"]}
        except ValueError:
            raise CommandError("Video ids are UUIDs.") from None
        videos = list(Video.objects.filter(pk__in=ids))
        missing = ids - {str(video.pk) for video in videos}
        if missing:
            raise CommandError(f"No such video: {', '.join(sorted(missing))}")
        if options["failed"]:
            videos += [video for video in Video.objects.filter(status=Video.Status.FAILED) if video not in videos]
        for video in videos:
            before = video.status
            video = services.video_retranscode(video=video)
            note = "already queued or processing" if video.status == before else f"{before} → queued"
            self.stdout.write(f"{video.pk} {video.title!r}: {note}")
        self.stdout.write(f"{len(videos)} video(s).")
