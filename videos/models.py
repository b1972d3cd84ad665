import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from . import storage


class Video(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        PROCESSING = "processing", _("Processing")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    class Stage(models.TextChoices):
        NONE = "", "—"
        DOWNLOADING = "downloading", _("Downloading")
        PROBING = "probing", _("Probing")
        TRANSCODING = "transcoding", _("Transcoding")
        UPLOADING = "uploading", _("Uploading")

    class Visibility(models.TextChoices):
        PRIVATE = "private", _("Private")
        UNLISTED = "unlisted", _("Unlisted")
        PUBLIC = "public", _("Public")

    class FailureReason(models.TextChoices):
        NONE = "", "—"
        UNREADABLE = "unreadable", _("Not a video or unreadable")
        FFMPEG = "ffmpeg", _("ffmpeg error")
        TIMEOUT = "timeout", _("Time limit")
        STALLED = "stalled", _("Stalled")
        WORKER_LOST = "worker_lost", _("Worker lost")
        STORAGE = "storage", _("Storage error")
        INTERNAL = "internal", _("Internal error")

    TERMINAL_STATUSES = (Status.READY, Status.FAILED, Status.CANCELLED)
    RETRYABLE_STATUSES = (Status.FAILED, Status.CANCELLED)
    ACTIVE_STATUSES = (Status.QUEUED, Status.PROCESSING)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="videos")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    visibility = models.CharField(max_length=10, choices=Visibility.choices, default=Visibility.PRIVATE)

    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED, db_index=True)
    stage = models.CharField(max_length=12, choices=Stage.choices, default=Stage.NONE, blank=True)
    progress = models.FloatField(default=0)
    error = models.TextField(blank=True)
    failure_reason = models.CharField(max_length=12, choices=FailureReason.choices, default="", blank=True)
    cancel_requested = models.BooleanField(default=False)
    # The attempt now running; a redelivered or stale task sees it is not the current one.
    attempt = models.CharField(max_length=32, blank=True)
    # Attempts started since the upload or the last retry; the watchdog stops requeueing at the limit.
    attempt_count = models.PositiveSmallIntegerField(default=0)

    source = models.FileField(upload_to=storage.source_upload_to, max_length=500)
    source_name = models.CharField(max_length=255, blank=True)
    source_size = models.BigIntegerField(null=True, blank=True)

    duration = models.FloatField(null=True, blank=True)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    fps = models.FloatField(null=True, blank=True)
    has_audio = models.BooleanField(null=True, blank=True)

    # Pointer to the outputs of the attempt that succeeded; switched last, in one transaction.
    output_prefix = models.CharField(max_length=300, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    processing_started_at = models.DateTimeField(null=True, blank=True)
    progress_at = models.DateTimeField(null=True, blank=True)
    # The running attempt's worker proves itself alive here every few seconds (videos.liveness).
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    ready_at = models.DateTimeField(null=True, blank=True)
    # When the first rendition could be played (a remux published while the ladder encodes, or
    # the ladder itself); kept from then on, while the video stays watchable.
    playable_at = models.DateTimeField(null=True, blank=True)
    # Wall seconds of the attempt that made the outputs (for the duration and realtime metrics).
    transcode_seconds = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        permissions = [("moderate_video", "Can see, edit, hide or delete anyone's video")]
        indexes = [
            # The lists' order (cursor pagination): a page is an index range read, not a sort of all rows.
            models.Index(fields=["-created_at", "-id"], name="video_newest_first"),
            models.Index(fields=["visibility", "-created_at"]),
            models.Index(fields=["owner", "-created_at"]),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_ready(self) -> bool:
        return self.status == self.Status.READY and bool(self.output_prefix)

    @property
    def is_playable(self) -> bool:
        """Ready, or in flight with a first rendition published (playback builds from the rows)."""
        if self.status == self.Status.READY:
            return bool(self.output_prefix)
        return self.status in self.ACTIVE_STATUSES and self.playable_at is not None

    @property
    def master_playlist_key(self) -> str:
        return storage.master_playlist_key(self.output_prefix) if self.output_prefix else ""

    @property
    def poster_key(self) -> str:
        return storage.poster_key(self.output_prefix) if self.output_prefix else ""

    @property
    def storyboard_image_key(self) -> str:
        return storage.storyboard_image_key(self.output_prefix) if self.output_prefix else ""

    @property
    def storyboard_vtt_key(self) -> str:
        return storage.storyboard_vtt_key(self.output_prefix) if self.output_prefix else ""


class Rendition(models.Model):
    class Codec(models.TextChoices):
        H264 = "h264", "H.264"
        AV1 = "av1", "AV1"

    video = models.ForeignKey(Video, on_delete=models.CASCADE, related_name="renditions")
    name = models.CharField(max_length=32)
    codec = models.CharField(max_length=8, choices=Codec.choices, default=Codec.H264)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    bandwidth = models.PositiveIntegerField(help_text="Peak bits per second, as in the master playlist.")
    # What the master playlist says of it (audio included in the bandwidths), so that playback
    # builds the master from rows instead of reading master.m3u8 back from storage.
    average_bandwidth = models.PositiveIntegerField(default=0)
    codecs = models.CharField(max_length=64, blank=True, help_text='Video codec as in CODECS, e.g. "avc1.64001f".')
    frame_rate = models.FloatField(null=True, blank=True)
    playlist_key = models.CharField(max_length=300)
    # The audio is in the variant's own segments (the remuxed first rendition), not a shared rendition.
    muxed_audio = models.BooleanField(default=False)
    # False while a first rendition is still being written: its playlist grows and is read uncached.
    complete = models.BooleanField(default=True)

    class Meta:
        ordering = ["-height", "codec"]
        constraints = [models.UniqueConstraint(fields=["video", "name"], name="rendition_unique_name")]

    def __str__(self) -> str:
        return f"{self.name} ({self.codec} {self.width}x{self.height})"
