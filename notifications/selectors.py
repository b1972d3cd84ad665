"""Reads of notifications."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import Notification


def notification_list(*, user, unread: bool | None = None) -> QuerySet[Notification]:
    """This user's notifications, newest first; `unread` keeps only unread (True) or read (False) ones."""
    notifications = Notification.objects.filter(recipient=user)
    if unread is not None:
        notifications = notifications.filter(read_at__isnull=unread)
    return notifications.order_by("-created_at", "-id")


def notification_get(*, user, notification_id: int) -> Notification | None:
    return Notification.objects.filter(recipient=user, pk=notification_id).first()


def notification_unread_count(*, user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()
