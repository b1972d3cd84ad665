"""Reads about users: their role, what it allows, their quota."""

from __future__ import annotations

from django.conf import settings

from .roles import Role


def user_role(user) -> str:
    """The highest role this user holds (an anonymous visitor is a viewer)."""
    if user is None or not user.is_authenticated:
        return Role.VIEWER
    if user.is_staff or user.is_superuser:
        return Role.STAFF
    groups = _role_groups(user)
    for role in (Role.MODERATOR, Role.UPLOADER):
        if role in groups:
            return role
    return Role.VIEWER


def user_can_upload(user) -> bool:
    return user is not None and user.is_active and user_role(user) != Role.VIEWER


def user_can_moderate(user) -> bool:
    """Staff and moderators may see, edit, hide and delete anyone's video."""
    return user is not None and user.is_active and user_role(user) in (Role.MODERATOR, Role.STAFF)


def _role_groups(user) -> set[str]:
    # One query for the user's groups, once per user object (a request's): has_perm would take two
    # (user and group permissions), a quarter of what an API detail cost (bench/api.py, profiled).
    # An API token's account comes with them already (mediasite.api.token_auth): no query at all.
    names = getattr(user, "_role_groups", None)
    if names is None:
        names = user._role_groups = set(user.groups.values_list("name", flat=True))
    return names


def user_display_name(user) -> str:
    profile = getattr(user, "profile", None)
    return (profile.display_name if profile else "") or user.get_username()


def user_storage_quota(user) -> int:
    """Bytes of sources this user may keep; 0 means no limit."""
    profile = getattr(user, "profile", None)
    if profile is not None and profile.storage_quota is not None:
        return profile.storage_quota
    return settings.USER_STORAGE_QUOTA
