"""Signing in to the API: tokens from username and password, or from manage.py; sessions with CSRF."""

import io

import pytest
from django.core.management import call_command
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.api_support import assert_error, throttle_clock  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db

TOKEN = "/api/v1/auth/token/"


def test_token_from_password_authenticates_requests(user):
    response = APIClient().post(TOKEN, {"username": "alice", "password": "pw-alice-123"}, format="json")
    assert response.status_code == 200
    token = response.json()["token"]
    assert token == Token.objects.get(user=user).key
    # The same token again, not a new one each time.
    assert APIClient().post(TOKEN, {"username": "alice", "password": "pw-alice-123"}).json()["token"] == token
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/v1/videos/", {"mine": "true"}).status_code == 200
    assert client.post("/api/v1/videos/", {}, format="multipart").status_code == 400  # signed in: validation runs


def test_token_refusals(user):
    client = APIClient()
    error = assert_error(client.post(TOKEN, {"username": "alice", "password": "wrong"}, format="json"), 400, "invalid")
    assert "Unable to log in" in error["message"]
    error = assert_error(client.post(TOKEN, {"username": "alice"}, format="json"), 400, "invalid")
    assert error["fields"] == {"password": ["This field is required."]}
    assert_error(client.get(TOKEN), 405, "method_not_allowed")
    user.is_active = False
    user.save()
    assert_error(client.post(TOKEN, {"username": "alice", "password": "pw-alice-123"}), 400)


def test_bad_token_is_401(user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    response = client.get("/api/v1/videos/")
    assert_error(response, 401, "authentication_failed")
    assert response["WWW-Authenticate"] == "Token"


def test_password_guessing_is_throttled(user, settings, throttle_clock):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "auth": "3/min"},
    }
    client = APIClient()
    for _ in range(3):
        assert client.post(TOKEN, {"username": "alice", "password": "guess"}).status_code == 400
    response = client.post(TOKEN, {"username": "alice", "password": "pw-alice-123"})
    assert_error(response, 429, "throttled")
    assert int(response["Retry-After"]) == 30  # the rest of the pinned window


def test_manage_py_issues_a_token(user):
    """DRF's `manage.py drf_create_token USERNAME` (documented in the README) prints the user's token."""
    out = io.StringIO()
    call_command("drf_create_token", "alice", stdout=out)
    key = Token.objects.get(user=user).key
    assert key in out.getvalue()
    call_command("drf_create_token", "alice", "--reset", stdout=out)
    assert Token.objects.get(user=user).key != key


def test_session_reads_without_csrf_but_writes_need_it(user):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(user)
    assert client.get("/api/v1/videos/").status_code == 200
    error = assert_error(client.post("/api/v1/notifications/read-all/"), 403, "permission_denied")
    assert "CSRF" in error["message"]
