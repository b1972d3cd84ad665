"""Reads of upload sessions: a user sees only their own."""

from django.shortcuts import get_object_or_404

from .models import UploadSession


def upload_session_get(*, user, session_id) -> UploadSession:
    """The user's session, or 404 (another user's session does not exist for them)."""
    return get_object_or_404(UploadSession.objects.select_related("owner"), pk=session_id, owner_id=user.pk)


def upload_sessions_open(*, user):
    return UploadSession.objects.filter(owner_id=user.pk, status=UploadSession.Status.OPEN)
