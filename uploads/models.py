import math
import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from videos.models import Video


class UploadSession(models.Model):
    """A resumable upload: parts go to storage one by one, and complete makes the video."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        COMPLETED = "completed", _("Completed")
        ABORTED = "aborted", _("Aborted")
        EXPIRED = "expired", _("Expired")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="upload_sessions")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True)
    # The id the video gets at complete: the source is assembled straight at its key, so completing
    # moves no bytes (S3 CompleteMultipartUpload, a rename on local disk).
    video_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    key = models.CharField(max_length=500, help_text="Storage key of the source once complete.")
    filename = models.CharField(max_length=255)
    size = models.BigIntegerField(help_text="Bytes the client declared; the stored object must have exactly these.")
    part_size = models.BigIntegerField()
    # S3's UploadId; empty with local storage, where Django receives the parts itself.
    multipart_id = models.CharField(max_length=1024, blank=True)

    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    visibility = models.CharField(max_length=10, choices=Video.Visibility.choices, default=Video.Visibility.PRIVATE)

    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["owner", "status"])]

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_status_display().lower()})"

    @property
    def part_count(self) -> int:
        return max(1, math.ceil(self.size / self.part_size))

    def part_length(self, number: int) -> int:
        """Bytes part NUMBER must have: the part size, and what remains for the last one."""
        if number < self.part_count:
            return self.part_size
        return self.size - (self.part_count - 1) * self.part_size


class UploadPart(models.Model):
    """A part that Django received and wrote to disk (local storage; S3 keeps its own list)."""

    session = models.ForeignKey(UploadSession, on_delete=models.CASCADE, related_name="parts")
    number = models.PositiveIntegerField()
    size = models.BigIntegerField()
    etag = models.CharField(max_length=64, help_text="MD5 of the part, hex, as S3 gives it.")
    received_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["number"]
        constraints = [models.UniqueConstraint(fields=["session", "number"], name="upload_part_unique_number")]

    def __str__(self) -> str:
        return f"part {self.number}"
