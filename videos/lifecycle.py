"""The life cycle of a video, in one place: queued → processing → ready | failed | cancelled.

``video_move`` checks that a move is allowed, resets the fields that belong to the new state,
saves, and publishes the one event of that state. Callers hold the row (select_for_update in a
transaction) and ask it to move; nobody else assigns ``status``.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext

from mediasite.errors import StateConflict
from notifications.events import TranscodeComplete, TranscodeFailed, TranscodeProgress
from notifications.services import event_publish, video_group

from .models import Video

Status = Video.Status
Stage = Video.Stage

MOVES: dict[str, set[str]] = {
    Status.QUEUED: {Status.PROCESSING, Status.CANCELLED},
    # processing → processing: a new attempt takes over from one whose worker is gone.
    Status.PROCESSING: {Status.PROCESSING, Status.QUEUED, Status.READY, Status.FAILED, Status.CANCELLED},
    Status.READY: {Status.QUEUED},
    Status.FAILED: {Status.QUEUED},
    Status.CANCELLED: {Status.QUEUED},
}


def video_move(
    video: Video,
    to: str,
    *,
    attempt: str | None = None,
    error: str = "",
    reason: str = Video.FailureReason.NONE,
    renditions: list[str] | None = None,
    refused: str | None = None,
) -> Video:
    """Move a locked video to ``to`` and publish its event; StateConflict when the move is not allowed.

    ``attempt`` sets the attempt id (a claim, or a new id that supersedes a running one);
    ``error``/``reason`` go with ``failed``; ``renditions`` (names) with ``ready``'s event;
    ``refused`` is the message of the conflict, for people.
    """
    if to not in MOVES[video.status]:
        raise StateConflict(
            refused
            or gettext("A %(status)s video cannot become %(to)s.")
            % {"status": video.get_status_display().lower(), "to": Status(to).label.lower()}
        )
    now = timezone.now()
    if to in (Status.FAILED, Status.CANCELLED) and video.playable_at:
        # A first rendition published while the ladder was to come goes with the failure: the
        # owner sees a failed (or cancelled) video with its retry, not a half-made one that plays.
        # (A requeue or a takeover keeps it: it belongs to no attempt.)
        video.renditions.all().delete()
        video.playable_at = None
    video.status, video.stage = to, Stage.NONE
    if attempt is not None:
        video.attempt = attempt
    if to == Status.QUEUED:
        video.progress, video.error, video.failure_reason, video.cancel_requested = 0, "", Video.FailureReason.NONE, False
    elif to == Status.PROCESSING:
        video.progress, video.error, video.failure_reason = 0, "", Video.FailureReason.NONE
        video.attempt_count += 1
        video.processing_started_at = video.progress_at = video.heartbeat_at = now
    elif to == Status.READY:
        video.progress = 100
        video.playable_at = video.playable_at or now
        video.progress_at = video.ready_at = now
    elif to == Status.FAILED:
        video.error, video.failure_reason, video.cancel_requested = error, reason, False
    elif to == Status.CANCELLED:
        video.cancel_requested = False
    video.save()
    _publish(video, renditions)
    return video


def _publish(video: Video, renditions: list[str] | None) -> None:
    targets = {"user_ids": [video.owner_id], "groups": [video_group(video.pk)]}
    if video.status == Status.READY:
        event = TranscodeComplete(
            video_id=str(video.pk), title=video.title, renditions=renditions or [], duration=video.duration
        )
        event_publish(event, **targets)
    elif video.status == Status.FAILED:
        event_publish(TranscodeFailed(video_id=str(video.pk), title=video.title, error=video.error), **targets)
    elif video.status != Status.PROCESSING:  # a claim: the pipeline reports its first stage at once
        state = TranscodeProgress(
            video_id=str(video.pk), status=video.status, stage=video.stage, progress=video.progress
        )
        event_publish(state, **targets, force=True)
