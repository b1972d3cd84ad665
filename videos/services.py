"""Writes of videos: create, delete, and the transcode life cycle."""

import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext, gettext_lazy

from mediasite.errors import StateConflict, TooLarge
from users.selectors import user_can_upload, user_storage_quota

from . import metrics, storage
from .lifecycle import video_move
from .models import Video

logger = logging.getLogger(__name__)


def _enqueue_transcode(video_id) -> None:
    from .tasks import video_first_rendition, video_transcode

    if settings.FIRST_RENDITIONS:
        video_first_rendition.delay(str(video_id))  # its own queue: never behind another video's ladder
    video_transcode.delay(str(video_id))


UPLOAD_REFUSED = gettext_lazy("Your account may watch videos but not upload them: ask an administrator for the uploader role.")


def video_create(
    *,
    owner,
    file: File,
    title: str,
    description: str = "",
    visibility: str = Video.Visibility.PRIVATE,
) -> Video:
    """Store an upload as a new queued video and enqueue its transcode once the row is committed."""
    if not user_can_upload(owner):
        raise PermissionDenied(UPLOAD_REFUSED)
    if file.size is not None and file.size > settings.MAX_UPLOAD_SIZE:
        raise TooLarge(
            gettext(
                "The file is larger than the %(limit)s byte limit of one request: "
                "upload it through an upload session (POST /api/v1/uploads/)."
            ) % {"limit": settings.MAX_UPLOAD_SIZE}
        )
    if not file.size:
        raise ValidationError(gettext("The file is empty."), code="empty")
    video_quota_check(owner=owner, size=file.size or 0)
    video = Video(
        owner=owner,
        title=title,
        description=description,
        visibility=visibility,
        source_name=storage.safe_filename(file.name or "source"),
        source_size=file.size,
    )
    video.full_clean(exclude=["source"])
    video.source.save(file.name or "source", file, save=False)
    _video_save_queued(video)
    return video


def video_create_from_stored(
    *,
    owner,
    video_id,
    source_key: str,
    source_name: str,
    size: int,
    title: str,
    description: str = "",
    visibility: str = Video.Visibility.PRIVATE,
) -> Video:
    """Make a queued video of a source already stored at its key (an upload session's), transcode on commit."""
    if not user_can_upload(owner):
        raise PermissionDenied(UPLOAD_REFUSED)
    video_quota_check(owner=owner, size=size)
    video = Video(
        id=video_id,
        owner=owner,
        title=title,
        description=description,
        visibility=visibility,
        source=source_key,
        source_name=source_name,
        source_size=size,
    )
    video.full_clean(exclude=["source"])
    _video_save_queued(video)
    return video


def video_quota_check(*, owner, size: int, reserved: int = 0) -> None:
    """Refuse SIZE more bytes past the owner's storage quota (RESERVED: promised to uploads in flight)."""
    quota = user_storage_quota(owner)
    if not quota:
        return
    used = Video.objects.filter(owner=owner).aggregate(used=Sum("source_size"))["used"] or 0
    if used + reserved + size > quota:
        if reserved:
            refusal = gettext(
                "This upload would exceed your storage quota of %(quota)s (%(used)s used, %(reserved)s in "
                "uploads in progress): delete videos or ask an administrator for more."
            )
        else:
            refusal = gettext(
                "This upload would exceed your storage quota of %(quota)s (%(used)s used): "
                "delete videos or ask an administrator for more."
            )
        raise TooLarge(refusal % {"quota": _size(quota), "used": _size(used), "reserved": _size(reserved)})


def _video_save_queued(video: Video) -> None:
    try:
        with transaction.atomic():
            video.save()
            transaction.on_commit(lambda: _enqueue_transcode(video.pk))
    except Exception:
        # The row never existed: the stored source must not stay behind as an orphan.
        storage.delete_prefix(storage.video_prefix(video.pk))
        raise
    metrics.UPLOAD_BYTES.inc(video.source_size or 0)


def _size(n: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1000
    return str(n)


def video_delete(*, video: Video) -> None:
    """Delete a video and, once that is committed, every object under its prefix."""
    prefix = storage.video_prefix(video.pk)
    with transaction.atomic():
        video.delete()
        transaction.on_commit(lambda: storage.delete_prefix(prefix))


def video_update(*, video: Video, **changes) -> Video:
    """Change a video's title, description or visibility; other fields are not editable here."""
    editable = {"title", "description", "visibility"}
    unknown = set(changes) - editable
    if unknown:
        raise ValueError(f"Not editable: {', '.join(sorted(unknown))}")
    for field, value in changes.items():
        setattr(video, field, value)
    video.full_clean(exclude=["source"])
    video.save(update_fields=[*changes, "updated_at"])
    return video


def _requeue(video: Video, *, refused: str | None = None) -> None:
    video.attempt_count = 0  # a person asked: the watchdog's budget of attempts starts again
    video_move(video, Video.Status.QUEUED, refused=refused)
    transaction.on_commit(lambda: _enqueue_transcode(video.pk))


def video_retry(*, video: Video) -> Video:
    """Queue a failed or cancelled video for a new transcode."""
    with transaction.atomic():
        video = Video.objects.select_for_update().get(pk=video.pk)
        refused = gettext("Only failed or cancelled videos can be retried; this one is %(status)s.") % {
            "status": video.get_status_display().lower()
        }
        if video.status not in Video.RETRYABLE_STATUSES:
            raise StateConflict(refused)
        _requeue(video, refused=refused)
    return video


def video_retranscode(*, video: Video) -> Video:
    """Transcode a video again whatever its state (after a ladder change, say).

    A ready video keeps its current outputs until the new ones replace them.
    """
    with transaction.atomic():
        video = Video.objects.select_for_update().get(pk=video.pk)
        if video.status in Video.ACTIVE_STATUSES:
            return video
        _requeue(video)
    return video


def video_resume(*, video_id) -> None:
    """Queue again a video restored queued or processing (backups.services): its task did not come with it."""
    with transaction.atomic():
        video = Video.objects.select_for_update().filter(pk=video_id).first()
        if video is None or video.status not in Video.ACTIVE_STATUSES:
            return
        if video.status == Video.Status.PROCESSING:
            video_move(video, Video.Status.QUEUED)  # that attempt's worker belonged to the old installation
        transaction.on_commit(lambda: _enqueue_transcode(video.pk))


def video_cancel(*, video: Video) -> Video:
    """Cancel a queued or processing video; a running ffmpeg stops within two seconds."""
    with transaction.atomic():
        video = Video.objects.select_for_update().get(pk=video.pk)
        if video.status == Video.Status.QUEUED:
            # Nothing runs yet: cancel at once; a task that still arrives finds nothing to do. A
            # first rendition made meanwhile goes with it.
            video_move(video, Video.Status.CANCELLED)
            first = storage.first_root(video.pk)
            transaction.on_commit(lambda: storage.delete_prefix(first))
        elif video.status == Video.Status.PROCESSING:
            # Cooperative: the worker's progress loop sees the flag, stops ffmpeg, and marks it cancelled.
            video.cancel_requested = True
            video.save(update_fields=["cancel_requested", "updated_at"])
        else:
            raise StateConflict(
                gettext("Only queued or processing videos can be cancelled; this one is %(status)s.")
                % {"status": video.get_status_display().lower()}
            )
    return video
