"""Template tags of notifications for the browser pages (the unread counter in the header, the poll interval)."""

from django import template
from django.conf import settings

from ..selectors import notification_unread_count

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_notification_count(context) -> int:
    """The signed-in user's unread notifications, for the counter in the page header."""
    user = getattr(context.get("request"), "user", None)
    if user is None or not user.is_authenticated:
        return 0
    return notification_unread_count(user=user)



@register.simple_tag
def notification_poll_seconds() -> int:
    """How often a page polls the REST API where its websocket cannot connect (notifications.js)."""
    return settings.NOTIFICATIONS_POLL_SECONDS
