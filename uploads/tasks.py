"""Celery tasks of uploads: the beat job that aborts expired sessions."""

from celery import shared_task

from . import services


@shared_task
def upload_sessions_expire() -> int:
    """Abort sessions past their expiry and parts that no open session owns (beat, every 10 minutes)."""
    return services.upload_sessions_expire()
