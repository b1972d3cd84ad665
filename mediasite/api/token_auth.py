"""DRF's token authentication, with the token's account kept in the cache.

The lookup (a join of token and user, two model instances) was a tenth of what a list page cost.
The cache holds the user's fields without the password hash, under a hash of the token, for
TOKEN_CACHE_SECONDS; a saved or deleted token or user drops its entry at once, so a revoked token
or a deactivated account stops working on the next request. (A module of its own: DRF imports
the authentication classes while its views module loads, so this one must not import views.)

The entry also holds the names of the account's groups, which decide its role: the query that
read them was one of the four a video's detail took (bench/api.py, issue 12). They are handed
over as ``user._role_groups``, where the role selectors (users.selectors) look before they query,
and an entry is dropped whenever its account joins or leaves a group, or a group of it is renamed
or deleted.
"""

import hashlib
import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete
from django.dispatch import receiver
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token

logger = logging.getLogger(__name__)

TOKEN_CACHE_SECONDS = 60
_TOKEN_FIELDS = ["key", "user_id", "created"]


class CachedTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key):
        cache_key = token_cache_key(key)
        try:
            cached = cache.get(cache_key)
        except Exception:
            logger.warning("token cache unavailable", exc_info=True)
            cached = False
        if cached:
            names, values, created, groups = cached
            # Built as the ORM builds a row it read; the password field is deferred, not blank.
            user = get_user_model().from_db(DEFAULT_DB_ALIAS, names, values)
            user._role_groups = set(groups)
            token = Token.from_db(DEFAULT_DB_ALIAS, _TOKEN_FIELDS, [key, user.pk, created])
            token.user = user
            return user, token
        user, token = super().authenticate_credentials(key)
        if cached is None:
            groups = list(user.groups.values_list("name", flat=True))
            user._role_groups = set(groups)
            names = [f.attname for f in user._meta.concrete_fields if f.attname != "password"]
            entry = (names, [getattr(user, n) for n in names], token.created, groups)
            try:
                cache.set(cache_key, entry, TOKEN_CACHE_SECONDS)
            except Exception:
                logger.warning("token cache unavailable", exc_info=True)
        return user, token


def token_cache_key(key: str) -> str:
    # A hash: whoever can list the cache's keys must not read tokens off them.
    # v2: entries hold the account's group names too.
    return "api-token:v2:" + hashlib.sha256(key.encode()).hexdigest()


def forget(keys) -> None:
    try:
        cache.delete_many([token_cache_key(key) for key in keys])
    except Exception:  # Redis away: what it held ends within TOKEN_CACHE_SECONDS of its return
        logger.warning("token cache unavailable", exc_info=True)


@receiver([post_save, post_delete], sender=Token, dispatch_uid="api.forget_token")
def forget_token(sender, instance, **kwargs) -> None:
    forget([instance.key])


@receiver([post_save, post_delete], sender=settings.AUTH_USER_MODEL, dispatch_uid="api.forget_user_token")
def forget_user_token(sender, instance, **kwargs) -> None:
    # A deleted user's token goes by cascade, which sends a post_delete of its own.
    forget(Token.objects.filter(user_id=instance.pk).values_list("key", flat=True))


def forget_users(user_ids) -> None:
    keys = list(Token.objects.filter(user_id__in=list(user_ids)).values_list("key", flat=True))
    forget(keys)
    # Again once committed: a request meanwhile may have cached the groups as they were before.
    transaction.on_commit(lambda: forget(keys))


@receiver(m2m_changed, dispatch_uid="api.forget_member_token")
def forget_member_token(sender, instance, action, reverse, pk_set, **kwargs) -> None:
    """An account joined or left a group (user.groups or group.user_set): its role may have changed."""
    if sender is not get_user_model().groups.through or action not in ("post_add", "post_remove", "pre_clear"):
        return
    if not reverse:
        forget_users([instance.pk])
    elif action == "pre_clear":
        forget_users(instance.user_set.values_list("pk", flat=True))
    else:
        forget_users(pk_set)


@receiver(post_save, sender=Group, dispatch_uid="api.forget_renamed_group_tokens")
@receiver(pre_delete, sender=Group, dispatch_uid="api.forget_deleted_group_tokens")
def forget_group_tokens(sender, instance, created=False, **kwargs) -> None:
    """A group renamed or deleted: its members' roles may have changed (before a delete, while they are known)."""
    if not created:
        forget_users(instance.user_set.values_list("pk", flat=True))
