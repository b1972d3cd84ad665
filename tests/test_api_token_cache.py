"""Token authentication with the account cached (mediasite.api.token_auth): no query once cached,
and a revoked token, a deactivated account or a changed staff flag counts on the very next request."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token

from mediasite.api.token_auth import CachedTokenAuthentication, token_cache_key
from tests.api_support import assert_error, token_client

pytestmark = pytest.mark.django_db

NOTIFICATIONS = "/api/v1/notifications/unread-count/"


def queries_of(client, path) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return [query["sql"] for query in queries]


def test_a_cached_token_takes_no_query(user):
    client = token_client(user)
    assert any("authtoken_token" in sql for sql in queries_of(client, NOTIFICATIONS))
    assert not any("authtoken_token" in sql or "auth_user" in sql for sql in queries_of(client, NOTIFICATIONS))


def test_the_cached_account_is_the_account_without_its_password_hash(user):
    key = Token.objects.create(user=user).key
    authentication = CachedTokenAuthentication()
    _, fresh = authentication.authenticate_credentials(key)
    stored = cache.get(token_cache_key(key))
    assert user.password not in repr(stored) and key not in token_cache_key(key)
    with CaptureQueriesContext(connection) as queries:
        cached, token = authentication.authenticate_credentials(key)
    assert len(queries) == 0
    assert (cached.pk, cached.username, cached.is_staff, cached.is_active) == (user.pk, "alice", False, True)
    assert token.key == key and token.user is cached and token.created == fresh.created
    # Deferred, not blank: reading it loads it, and saving the account cannot overwrite it.
    assert cached.get_deferred_fields() == {"password"}
    cached.first_name = "Alice"
    cached.save()
    user.refresh_from_db()
    assert user.first_name == "Alice" and user.check_password("pw-alice-123")
    assert cached.password == user.password


def test_a_deleted_token_is_refused_at_once(user):
    client = token_client(user)
    queries_of(client, NOTIFICATIONS)
    Token.objects.filter(user=user).delete()
    assert_error(client.get(NOTIFICATIONS), 401, "authentication_failed")


def test_a_deactivated_or_deleted_account_is_refused_at_once(user, other_user):
    client = token_client(user)
    queries_of(client, NOTIFICATIONS)
    user.is_active = False
    user.save()
    assert_error(client.get(NOTIFICATIONS), 401, "authentication_failed")
    other = token_client(other_user)
    queries_of(other, NOTIFICATIONS)
    other_user.delete()
    assert_error(other.get(NOTIFICATIONS), 401, "authentication_failed")


def test_an_unknown_token_is_refused_and_not_cached(user):
    client = token_client(user)
    client.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)
    for _ in range(2):
        assert_error(client.get(NOTIFICATIONS), 401, "authentication_failed")
    assert cache.get(token_cache_key("0" * 40)) is None


def test_the_accounts_role_comes_cached_and_a_change_of_group_counts_at_once(user, other_user):
    """The token's entry holds the account's groups (no role query), dropped whenever they change."""
    from django.contrib.auth.models import Group

    from tests.api_support import make_video
    from users.roles import Role
    from users.services import user_role_set

    private = make_video(other_user)
    path = f"/api/v1/videos/{private.pk}/"
    client = token_client(user)
    assert client.get(path).status_code == 404
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 404
    assert not any("auth_group" in query["sql"] for query in queries)

    user_role_set(user=user, role=Role.MODERATOR)  # user.groups: remove, then add
    assert client.get(path).status_code == 200
    moderators = Group.objects.get(name=Role.MODERATOR)
    moderators.user_set.remove(user)  # the other side of the relation
    assert client.get(path).status_code == 404
    moderators.user_set.add(user)
    assert client.get(path).json()["can_edit"] is True
    moderators.name = "former moderators"
    moderators.save()
    assert client.get(path).status_code == 404
    moderators.name = Role.MODERATOR
    moderators.save()
    assert client.get(path).status_code == 200
    moderators.user_set.clear()
    assert client.get(path).status_code == 404
    moderators.user_set.add(user)
    assert client.get(path).status_code == 200
    moderators.delete()
    assert client.get(path).status_code == 404
