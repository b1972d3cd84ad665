"""Writes about users: roles (group membership), profiles, the groups themselves."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.db import transaction

from .models import Profile
from .roles import GROUP_PERMISSIONS, Role


def role_groups_ensure(**_) -> None:
    """Create the role groups with exactly their permissions (after every migrate and flush)."""
    for role in GROUP_PERMISSIONS:
        _role_group(role, refresh=True)


def _role_group(role: str, *, refresh: bool = False) -> Group:
    group, created = Group.objects.get_or_create(name=role)
    if created or refresh:
        wanted = []
        for dotted in GROUP_PERMISSIONS[role]:
            app_label, codename = dotted.split(".")
            permission = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
            if permission is not None:  # not yet there during the very first migrate of that app
                wanted.append(permission)
        group.permissions.set(wanted)
    return group


def user_role_set(*, user, role: str) -> None:
    """Give the user this role: one role group (staff is the account's is_staff flag)."""
    role = Role(role)
    with transaction.atomic():
        user.groups.remove(*Group.objects.filter(name__in=[r.value for r in GROUP_PERMISSIONS]))
        if role == Role.STAFF:
            if not user.is_staff:
                user.is_staff = True
                user.save(update_fields=["is_staff"])
            return
        user.groups.add(_role_group(role))
    # Django caches permissions on the user object, and users.selectors its role groups.
    for cache in ("_perm_cache", "_user_perm_cache", "_group_perm_cache", "_role_groups"):
        user.__dict__.pop(cache, None)


def user_joined(*, sender, instance, created: bool, raw: bool = False, **_) -> None:
    """A new account gets its profile and the DEFAULT_USER_ROLE (connected to User's post_save)."""
    from django.conf import settings

    if not created or raw:
        return
    Profile.objects.get_or_create(user=instance)
    if not instance.is_staff:
        user_role_set(user=instance, role=settings.DEFAULT_USER_ROLE)
