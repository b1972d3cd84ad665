"""DRF's token authentication, with the token's account kept in the cache.

The lookup (a join of token and user, two model instances) was a tenth of what a list page cost.
The cache holds the user's fields without the password hash, under a hash of the token, for
TOKEN_CACHE_SECONDS; a saved or deleted token or user drops its entry at once, so a revoked token
or a deactivated account stops working on the next request. (A module of its own: DRF imports
the authentication classes while its views module loads, so this one must not import views.)
"""

import hashlib
import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS
from django.db.models.signals import post_delete, post_save
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
            names, values, created = cached
            # Built as the ORM builds a row it read; the password field is deferred, not blank.
            user = get_user_model().from_db(DEFAULT_DB_ALIAS, names, values)
            token = Token.from_db(DEFAULT_DB_ALIAS, _TOKEN_FIELDS, [key, user.pk, created])
            token.user = user
            return user, token
        user, token = super().authenticate_credentials(key)
        if cached is None:
            names = [f.attname for f in user._meta.concrete_fields if f.attname != "password"]
            try:
                cache.set(cache_key, (names, [getattr(user, n) for n in names], token.created), TOKEN_CACHE_SECONDS)
            except Exception:
                logger.warning("token cache unavailable", exc_info=True)
        return user, token


def token_cache_key(key: str) -> str:
    # A hash: whoever can list the cache's keys must not read tokens off them.
    return "api-token:" + hashlib.sha256(key.encode()).hexdigest()


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
