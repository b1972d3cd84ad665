"""The notification REST endpoints, their permissions, and the OpenAPI schema that describes them."""

import datetime

import pytest
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from notifications import presence
from notifications.models import Notification
from notifications.services import _ticket_key, redis_client

pytestmark = pytest.mark.django_db

BASE = "/api/v1/notifications/"


@pytest.fixture
def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def _notify(user, n, *, read=False, minutes_ago=0):
    notification = Notification.objects.create(
        recipient=user, type="system_message", payload={"type": "system_message", "message": f"m{n}", "level": "info"},
        read_at=timezone.now() if read else None,
    )
    Notification.objects.filter(pk=notification.pk).update(
        created_at=timezone.now() - datetime.timedelta(minutes=minutes_ago)
    )
    return notification


def _all_pages(api, url):
    items = []
    while url:
        body = api.get(url).json()
        items += body["results"]
        url = body["next"]
    return items


def test_list_own_newest_first_paginated(api, user, other_user):
    for n in range(25):
        _notify(user, n, minutes_ago=n)
    _notify(other_user, 99)
    first = api.get(BASE).json()
    assert 0 < len(first["results"]) < 25 and first["next"]
    items = _all_pages(api, BASE)
    assert [item["payload"]["message"] for item in items] == [f"m{n}" for n in range(25)]
    assert set(items[0]) == {"id", "type", "payload", "created_at", "read_at"}


def test_list_unread_filter(api, user):
    unread = _notify(user, 1)
    read = _notify(user, 2, read=True)
    assert [i["id"] for i in _all_pages(api, BASE + "?unread=true")] == [unread.pk]
    assert [i["id"] for i in _all_pages(api, BASE + "?unread=false")] == [read.pk]
    assert {i["id"] for i in _all_pages(api, BASE)} == {unread.pk, read.pk}
    assert api.get(BASE + "?unread=maybe").status_code == 400


def test_mark_one_read(api, user, other_user):
    mine, theirs = _notify(user, 1), _notify(other_user, 2)
    response = api.post(f"{BASE}{mine.pk}/read/")
    assert response.status_code == 200
    assert response.json()["read_at"] is not None
    first_read_at = response.json()["read_at"]
    assert api.post(f"{BASE}{mine.pk}/read/").json()["read_at"] == first_read_at  # idempotent
    assert api.post(f"{BASE}{theirs.pk}/read/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_read_all_and_unread_count(api, user, other_user):
    for n in range(3):
        _notify(user, n)
    _notify(other_user, 9)
    assert api.get(BASE + "unread-count/").json() == {"unread_count": 3}
    assert api.post(BASE + "read-all/").json() == {"marked_read": 3, "unread_count": 0}
    assert api.get(BASE + "unread-count/").json() == {"unread_count": 0}
    assert Notification.objects.filter(recipient=other_user, read_at__isnull=True).count() == 1


def test_ws_ticket_is_short_lived_and_stored_in_redis(api, user):
    response = api.post(BASE + "ws-ticket/")
    assert response.status_code == 201
    body = response.json()
    assert body["url"] == f"/ws/notifications/?ticket={body['ticket']}"
    key = _ticket_key(body["ticket"])
    assert int(redis_client().get(key)) == user.pk
    assert 0 < redis_client().ttl(key) <= body["expires_in"] <= 60
    assert api.post(BASE + "ws-ticket/").json()["ticket"] != body["ticket"]


def test_anonymous_refused_everywhere():
    client = APIClient()
    for method, path in [("get", ""), ("post", "1/read/"), ("post", "read-all/"), ("get", "unread-count/"),
                         ("post", "ws-ticket/"), ("get", "stats/")]:
        assert getattr(client, method)(BASE + path).status_code in (401, 403), path


def test_stats_staff_only(api, staff_user):
    assert api.get(BASE + "stats/").status_code == 403
    before = presence.connection_counts()
    presence._add({"specific.test!stats-a": "user", "specific.test!stats-b": "staff"})
    try:
        staff = APIClient()
        staff.force_authenticate(staff_user)
        body = staff.get(BASE + "stats/").json()
    finally:
        presence._remove("specific.test!stats-a", "user")
        presence._remove("specific.test!stats-b", "staff")
    assert body == {"total": before["total"] + 2, "user": before["user"] + 1, "staff": before["staff"] + 1}


def test_connection_gauge_on_metrics(client):
    presence._add({"specific.test!metrics": "staff"})
    try:
        text = client.get("/metrics").content.decode()
    finally:
        presence._remove("specific.test!metrics", "staff")
    counts = presence.connection_counts()
    assert f'mediasite_websocket_connections{{kind="user"}} {float(counts["user"])}' in text
    assert f'mediasite_websocket_connections{{kind="staff"}} {float(counts["staff"] + 1)}' in text


def test_schema_describes_the_responses():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    paths = schema["paths"]

    def response_schema(path, method, code="200"):
        ref = paths[path][method]["responses"][code]["content"]["application/json"]["schema"]
        return ref

    def props(ref):
        name = ref["$ref"].rsplit("/", 1)[1]
        return set(schema["components"]["schemas"][name]["properties"])

    listed = props(response_schema("/api/v1/notifications/", "get"))
    assert {"results", "next"} <= listed
    assert "unread" in {p["name"] for p in paths["/api/v1/notifications/"]["get"]["parameters"]}
    item = props(response_schema("/api/v1/notifications/{notification_id}/read/", "post"))
    assert item == {"id", "type", "payload", "created_at", "read_at"}
    assert props(response_schema("/api/v1/notifications/read-all/", "post")) == {"marked_read", "unread_count"}
    assert props(response_schema("/api/v1/notifications/unread-count/", "get")) == {"unread_count"}
    assert props(response_schema("/api/v1/notifications/ws-ticket/", "post", "201")) == {"ticket", "expires_in", "url"}
    assert props(response_schema("/api/v1/notifications/stats/", "get")) == {"total", "user", "staff"}
