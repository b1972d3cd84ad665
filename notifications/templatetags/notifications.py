"""Template tags of notifications for the browser pages (the unread counter in the header)."""

from django import template

from ..selectors import notification_unread_count

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_notification_count(context) -> int:
    """The signed-in user's unread notifications, for the counter in the page header."""
    user = getattr(context.get("request"), "user", None)
    if user is None or not user.is_authenticated:
        return 0
    return notification_unread_count(user=user)

