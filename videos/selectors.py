"""Reads of videos, and the one definition of who may see or change a video."""

from django.db.models import Q, QuerySet

from users.selectors import user_can_moderate

from .models import Video


def video_visible_filter(user) -> Q:
    """Videos this user may open: public and unlisted ones, plus their own (all for staff and moderators)."""
    if user_can_moderate(user):
        return Q()
    visible = Q(visibility__in=[Video.Visibility.PUBLIC, Video.Visibility.UNLISTED])
    if user is not None and user.is_authenticated:
        visible |= Q(owner_id=user.pk)
    return visible


def video_listed_filter(user) -> Q:
    """Videos shown in this user's lists: public ones and their own. Unlisted never appear to others."""
    listed = Q(visibility=Video.Visibility.PUBLIC)
    if user is not None and user.is_authenticated:
        listed |= Q(owner_id=user.pk)
    return listed


# What a list card or a list item shows: a page reads these columns, not the whole row and owner.
LIST_FIELDS = (
    "id", "title", "visibility", "status", "stage", "progress", "duration", "created_at", "output_prefix",
    "owner__id", "owner__username",
)


def video_list(*, user) -> QuerySet[Video]:
    return Video.objects.filter(video_listed_filter(user)).select_related("owner").only(*LIST_FIELDS)


# The same, as plain rows for the API's list (videos.serializers.list_item formats them).
LIST_ROW_FIELDS = (
    "id", "title", "visibility", "status", "progress", "duration", "created_at", "output_prefix",
    "owner_id", "owner__username",
)


def video_list_rows(*, user) -> QuerySet[dict]:
    """What video_list shows, as dicts: no model instance for a video or its owner (a list page's biggest cost)."""
    return Video.objects.filter(video_listed_filter(user)).values(*LIST_ROW_FIELDS)


def video_get_visible(*, user, video_id) -> Video | None:
    """The video if this user may see it, else None (callers answer 404, not 403, to hide it)."""
    return Video.objects.filter(video_visible_filter(user), pk=video_id).select_related("owner").first()


def video_can_edit(*, user, video: Video) -> bool:
    return user is not None and user.is_authenticated and (video.owner_id == user.pk or user_can_moderate(user))


def video_in_flight_for(*, user) -> QuerySet[Video]:
    """The user's videos that are queued or processing (for a websocket snapshot)."""
    return Video.objects.filter(owner_id=user.pk, status__in=Video.ACTIVE_STATUSES)
