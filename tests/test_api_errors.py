"""Every API error, from every app's endpoints, in the one shape {"error": {code, message, fields}}."""

import json

import pytest
from rest_framework.test import APIClient

from tests.api_support import assert_error, make_video, throttle_clock, token_client  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


def test_unknown_api_urls_are_json_404(user):
    for path in ("/api/", "/api/v1/", "/api/v1/nope/", "/api/v1/videos/123/", "/api/v2/videos/", "/api/v1/videos"):
        assert_error(token_client(user).get(path), 404, "not_found")


@pytest.mark.parametrize(
    "method, path",
    [
        ("get", "/api/v1/videos/{video}/"),
        ("get", "/api/v1/notifications/"),
        ("post", "/api/v1/notifications/read-all/"),
        ("post", "/api/v1/notifications/ws-ticket/"),
        ("get", "/api/v1/notifications/stats/"),
        ("post", "/api/v1/videos/{video}/retry/"),
    ],
)
def test_anonymous_refusals_across_apps(user, method, path):
    video = make_video(user)
    response = getattr(APIClient(), method)(path.format(video=video.pk))
    assert response.status_code in (401, 404)
    assert_error(response, response.status_code)


def test_forbidden_and_not_found_across_apps(user):
    client = token_client(user)
    assert_error(client.get("/api/v1/notifications/stats/"), 403, "permission_denied")  # staff only
    assert_error(client.post("/api/v1/notifications/999999/read/"), 404, "not_found")
    assert_error(client.put("/api/v1/notifications/read-all/"), 405, "method_not_allowed")


def test_validation_errors_list_fields(user):
    error = assert_error(token_client(user).get("/api/v1/notifications/", {"unread": "maybe"}), 400, "invalid")
    assert list(error["fields"]) == ["unread"]


def test_unsupported_media_type_and_malformed_json(user):
    video = make_video(user)
    client = token_client(user)
    path = f"/api/v1/videos/{video.pk}/"
    assert_error(client.generic("PATCH", path, b"title=x", content_type="text/plain"), 415, "unsupported_media_type")
    error = assert_error(client.generic("PATCH", path, b"[1, 2", content_type="application/json"), 400, "parse_error")
    assert error["fields"] == {}


def test_throttled_requests_are_429(user, settings, throttle_clock):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "anon": "2/min", "user": "3/min"},
    }
    anonymous = APIClient(REMOTE_ADDR="198.51.100.7")
    assert [anonymous.get("/api/v1/videos/").status_code for _ in range(3)] == [200, 200, 429]
    response = anonymous.get("/api/v1/videos/")
    assert_error(response, 429, "throttled")
    assert "Retry-After" in response
    client = token_client(user)
    statuses = [client.get("/api/v1/notifications/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    # Another address is counted apart.
    assert APIClient(REMOTE_ADDR="198.51.100.8").get("/api/v1/videos/").status_code == 200


def test_nested_validation_errors_are_flattened():
    from rest_framework import exceptions

    from mediasite.api.errors import api_exception_handler

    exc = exceptions.ValidationError({"tags": {0: ["Too long."]}, "non_field_errors": ["Pick one."], "a": ["Bad."]})
    body = api_exception_handler(exc, {}).data
    assert body == {"error": {"code": "invalid", "message": "Pick one.", "fields": {"tags.0": ["Too long."], "a": ["Bad."]}}}
    body = api_exception_handler(exceptions.ValidationError("Just wrong."), {}).data
    assert body["error"]["message"] == "Just wrong." and body["error"]["fields"] == {}


def test_server_errors_under_api_are_json(rf):
    from mediasite.api.errors import server_error

    response = server_error(rf.get("/api/v1/videos/"))
    assert response.status_code == 500
    assert json.loads(response.content) == {"error": {"code": "server_error", "message": "Internal server error.", "fields": {}}}
