"""Writes of upload sessions: create, sign part URLs, receive local parts, complete, abort, expire."""

from __future__ import annotations

import logging
import math
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext

from mediasite.errors import DomainError, StateConflict, TooLarge
from users.selectors import user_can_upload
from videos import storage
from videos.models import Video
from videos.services import UPLOAD_REFUSED, video_create_from_stored, video_quota_check

from .backends import StoredPart, upload_backend
from .backends.base import bare_etag
from .models import UploadPart, UploadSession

logger = logging.getLogger(__name__)

MiB = 1024 * 1024
# S3's rules for multipart uploads: parts of at least 5 MiB (the last one excepted), 10,000 at most.
MIN_PART_SIZE = 5 * MiB
MAX_PARTS = 10_000
# How old a stray multipart upload or staging folder must be before the sweep removes it: one
# younger may belong to a session whose row is not committed yet, or be the S3 transfer of a
# one-request upload (minutes, at the speed of the storage).
STRAY_AGE = 6 * 3600


class SessionExpired(DomainError):
    """The session's time ran out: its parts are gone (the API answers 410)."""


def part_size_for(size: int) -> int:
    """UPLOAD_SESSION_PART_SIZE, grown in whole MiB when SIZE would need more than 10,000 parts."""
    part = max(MIN_PART_SIZE, settings.UPLOAD_SESSION_PART_SIZE)
    if math.ceil(size / part) > MAX_PARTS:
        part = math.ceil(size / MAX_PARTS / MiB) * MiB
    return part


def upload_session_create(
    *, owner, filename: str, size: int, title: str, description: str = "", visibility: str = Video.Visibility.PRIVATE
) -> UploadSession:
    """Open a session for a file of SIZE bytes, refused now if its size or the owner's quota says no."""
    if not user_can_upload(owner):
        raise PermissionDenied(UPLOAD_REFUSED)
    if size <= 0:
        raise ValidationError(gettext("The file is empty."), code="empty")
    if size > settings.UPLOAD_SESSION_MAX_SIZE:
        raise TooLarge(gettext("The file is larger than the %(limit)s byte limit.") % {"limit": settings.UPLOAD_SESSION_MAX_SIZE})
    backend = upload_backend()
    with transaction.atomic():
        # One creation at a time per user, so that two at once cannot both pass the limits below.
        get_user_model().objects.select_for_update().filter(pk=owner.pk).first()
        # Sessions past their expiry count for nothing, even before the beat job closes them.
        open_sessions = UploadSession.objects.filter(
            owner=owner, status=UploadSession.Status.OPEN, expires_at__gt=timezone.now()
        )
        if open_sessions.count() >= settings.UPLOAD_SESSION_MAX_OPEN:
            raise StateConflict(
                gettext(
                    "You have %(count)s upload sessions open, the most allowed: complete or abort one first."
                ) % {"count": settings.UPLOAD_SESSION_MAX_OPEN}
            )
        reserved = open_sessions.aggregate(total=Sum("size"))["total"] or 0
        video_quota_check(owner=owner, size=size, reserved=reserved)
        session = UploadSession(
            owner=owner,
            filename=storage.safe_filename(filename),
            size=size,
            part_size=part_size_for(size),
            title=title,
            description=description,
            visibility=visibility,
            expires_at=timezone.now() + timedelta(seconds=settings.UPLOAD_SESSION_EXPIRY),
        )
        session.key = storage.source_key(session.video_id, session.filename)
        session.full_clean(exclude=["multipart_id"])
        session.multipart_id = backend.start(session)
        session.save()
    return session


def upload_session_require_open(session: UploadSession) -> None:
    """Refuse a session that has ended; one whose time ran out is aborted here and then refused."""
    if session.status == UploadSession.Status.OPEN and session.expires_at <= timezone.now():
        _end(session, UploadSession.Status.EXPIRED)
    if session.status == UploadSession.Status.EXPIRED:
        raise SessionExpired(
            gettext(
                "This upload session expired at %(time)s UTC and its parts were deleted: start a new session."
            ) % {"time": f"{session.expires_at:%Y-%m-%d %H:%M}"}
        )
    if session.status != UploadSession.Status.OPEN:
        raise StateConflict(_session_is(session))


def _session_is(session: UploadSession) -> str:
    return gettext("This upload session is %(status)s.") % {"status": session.get_status_display().lower()}


def upload_part_urls(*, session: UploadSession, numbers: list[int]) -> list[dict]:
    """Signed URLs to PUT the given parts to, valid UPLOAD_PART_URL_EXPIRY seconds (and not past the session)."""
    upload_session_require_open(session)
    _check_numbers(session, numbers)
    left = (session.expires_at - timezone.now()).total_seconds()
    expires_in = max(1, int(min(settings.UPLOAD_PART_URL_EXPIRY, left)))
    backend = upload_backend()
    expires_at = timezone.now() + timedelta(seconds=expires_in)
    return [
        {"number": n, "url": backend.part_url(session, n, expires_in), "size": session.part_length(n),
         "expires_at": expires_at}
        for n in numbers
    ]  # fmt: skip


def upload_session_parts(*, session: UploadSession) -> list[StoredPart]:
    """The parts stored so far, as storage itself lists them (S3) or as Django received them (local)."""
    upload_session_require_open(session)
    latest = {part.number: part for part in upload_backend().parts(session)}
    return [latest[number] for number in sorted(latest)]


def upload_part_receive(*, session: UploadSession, number: int, stream, length: int) -> StoredPart:
    """Write one part PUT to Django (local storage) at its place in the session's file."""
    upload_session_require_open(session)
    _check_numbers(session, [number])
    expected = session.part_length(number)
    if length != expected:
        raise ValidationError(
            gettext("Part %(number)s must be exactly %(expected)s bytes; this one declares %(length)s.")
            % {"number": number, "expected": expected, "length": length}
        )
    try:
        received, etag = upload_backend().write_part(session, number, stream, length)
    except FileNotFoundError:  # aborted or expired meanwhile: its folder is gone
        session.refresh_from_db()
        upload_session_require_open(session)
        raise
    if received != expected:
        raise ValidationError(
            gettext("Part %(number)s must be exactly %(expected)s bytes; %(received)s arrived.")
            % {"number": number, "expected": expected, "received": received}
        )
    with transaction.atomic():
        # Under the session's lock, as complete and abort take it: a PUT still writing when the
        # session was aborted (or completed) must not leave a part row behind for it.
        locked = UploadSession.objects.select_for_update().get(pk=session.pk)
        upload_session_require_open(locked)
        UploadPart.objects.update_or_create(session=locked, number=number, defaults={"size": received, "etag": etag})
    return StoredPart(number=number, size=received, etag=etag)


def upload_session_complete(*, session: UploadSession, parts: list[dict] | None = None) -> Video:
    """Check the parts, assemble the source at its key, and make the queued video (transcode on commit).

    PARTS, when given, are the client's ``{"number", "etag"}`` of every part, as S3 wants them.
    A refusal before assembly leaves the session open to fix (send a part again, free quota).
    """
    upload_session_require_open(session)
    backend = upload_backend()
    assembled = False
    try:
        with transaction.atomic():
            session = UploadSession.objects.select_for_update().get(pk=session.pk)
            if session.status != UploadSession.Status.OPEN:  # another request ended it meanwhile
                raise StateConflict(_session_is(session))
            stored = _resolve_parts(backend.parts(session), parts)
            _check_parts(session, stored, parts)
            video_quota_check(owner=session.owner, size=sum(part.size for part in stored))
            backend.assemble(session, stored)
            assembled = True
            real_size = backend.stored_size(session)
            if real_size != session.size:
                raise ValidationError(
                    gettext("The stored file has %(size)s bytes, not the %(declared)s declared.")
                    % {"size": real_size, "declared": session.size},
                    code="size_mismatch",
                )
            video = video_create_from_stored(
                owner=session.owner,
                video_id=session.video_id,
                source_key=session.key,
                source_name=session.filename,
                size=real_size,
                title=session.title,
                description=session.description,
                visibility=session.visibility,
            )
            session.parts.all().delete()
            session.status = UploadSession.Status.COMPLETED
            session.ended_at = timezone.now()
            session.save(update_fields=["status", "ended_at"])
    except Exception:
        if assembled:
            # The parts became one object that no video owns: nothing is left to resume.
            backend.abort(session)
            storage.delete_prefix(storage.video_prefix(session.video_id))
            UploadSession.objects.filter(pk=session.pk).update(
                status=UploadSession.Status.ABORTED, ended_at=timezone.now()
            )
        raise
    return video


def upload_session_abort(*, session: UploadSession) -> UploadSession:
    """Delete the session's parts and close it; aborting twice is harmless."""
    if session.status in (UploadSession.Status.ABORTED, UploadSession.Status.EXPIRED):
        return session
    if session.status == UploadSession.Status.COMPLETED:
        raise StateConflict(gettext("This upload session is completed: delete the video instead."))
    return _end(session, UploadSession.Status.ABORTED)


def upload_sessions_expire(*, stray_age: float = STRAY_AGE) -> int:
    """Abort open sessions past their expiry, then parts in storage that no open session owns."""
    ended = 0
    for session in UploadSession.objects.filter(status=UploadSession.Status.OPEN, expires_at__lte=timezone.now()):
        _end(session, UploadSession.Status.EXPIRED)
        ended += 1
    backend = upload_backend()
    known = {
        multipart_id or str(pk)
        for pk, multipart_id in UploadSession.objects.filter(status=UploadSession.Status.OPEN).values_list(
            "pk", "multipart_id"
        )
    }
    cutoff = timezone.now() - timedelta(seconds=stray_age)
    sources_root = storage.video_prefix("").partition("/")[0] + "/"  # "videos/": sources are assembled there
    strays = [
        s for s in backend.strays(sources_root)
        if s.multipart_id not in known and (not s.key or "/source/" in s.key)  # never a worker's outputs
    ]  # fmt: skip
    for stray in strays:
        if stray.started_at <= cutoff:
            backend.abort_stray(stray)
            logger.info("aborted a stray upload %s %s", stray.key, stray.multipart_id)
    if ended:
        logger.info("expired %d upload sessions", ended)
    return ended


def _end(session: UploadSession, status: str) -> UploadSession:
    with transaction.atomic():
        locked = UploadSession.objects.select_for_update().get(pk=session.pk)
        if locked.status == UploadSession.Status.OPEN:
            upload_backend().abort(locked)
            locked.parts.all().delete()
            locked.status = status
            locked.ended_at = timezone.now()
            locked.save(update_fields=["status", "ended_at"])
    session.status, session.ended_at = locked.status, locked.ended_at
    return session


def _check_numbers(session: UploadSession, numbers: list[int]) -> None:
    wrong = [n for n in numbers if not 1 <= n <= session.part_count]
    if wrong:
        raise ValidationError(
            gettext("This upload has parts 1 to %(count)s; there is no part %(numbers)s.")
            % {"count": session.part_count, "numbers": ", ".join(map(str, wrong[:10]))}
        )


def _resolve_parts(stored: list[StoredPart], claimed: list[dict] | None) -> list[StoredPart]:
    """One part per number. A store may list a part sent twice twice (SeaweedFS does, S3 does not):
    the client's ETag then says which one it meant."""
    etags = {} if claimed is None else {int(item["number"]): bare_etag(str(item["etag"])) for item in claimed}
    candidates: dict[int, list[StoredPart]] = {}
    for part in stored:
        candidates.setdefault(part.number, []).append(part)
    chosen = []
    for number, parts in sorted(candidates.items()):
        if number in etags:
            parts = [part for part in parts if part.etag == etags[number]] or parts[:1]
        elif len({part.etag for part in parts}) > 1:
            raise ValidationError(
                gettext("Part %(number)s was stored more than once: complete with every part's number and ETag.")
                % {"number": number}
            )
        chosen.append(parts[-1])
    return chosen


def _check_parts(session: UploadSession, stored: list[StoredPart], claimed: list[dict] | None) -> None:
    count = session.part_count
    numbers = {part.number for part in stored}
    missing = sorted(set(range(1, count + 1)) - numbers)
    if missing:
        shown = ", ".join(map(str, missing[:20])) + (" …" if len(missing) > 20 else "")
        raise ValidationError(
            gettext("%(missing)s of %(count)s parts are missing (%(numbers)s): upload them, then complete again.")
            % {"missing": len(missing), "count": count, "numbers": shown},
            code="parts_missing",
        )
    extra = sorted(numbers - set(range(1, count + 1)))
    if extra:
        raise ValidationError(
            gettext("This upload has %(count)s parts; part %(number)s is not one of them.") % {"count": count, "number": extra[0]}
        )
    if claimed is not None:
        etags = {int(item["number"]): bare_etag(str(item["etag"])) for item in claimed}
        if sorted(etags) != list(range(1, count + 1)) or len(claimed) != count:
            raise ValidationError(gettext("List every part, 1 to %(count)s, each once.") % {"count": count})
        for part in stored:
            if etags[part.number] != part.etag:
                raise ValidationError(
                    gettext("Part %(number)s's ETag is not the one stored: upload it again or send the stored one.")
                    % {"number": part.number},
                    code="etag_mismatch",
                )
    for part in stored:
        if part.size != session.part_length(part.number):
            raise ValidationError(
                gettext("Part %(number)s has %(size)s bytes; it must have %(expected)s: upload it again.")
                % {"number": part.number, "size": part.size, "expected": session.part_length(part.number)},
                code="part_size",
            )
