"""Roles decide who uploads and who moderates, the same way in the API, the pages, the admin and the websocket."""

import pytest
from asgiref.sync import async_to_sync
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from notifications.tests.conftest import open_socket, session_headers
from tests.api_support import assert_error, make_clip, token_client
from users.models import Profile
from users.roles import Role
from users.selectors import user_role
from users.services import user_role_set
from videos import services
from videos.models import Video

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def clip_bytes(tmp_path_factory) -> bytes:
    return make_clip(tmp_path_factory.mktemp("clips") / "clip.mp4").read_bytes()


def _user(django_user_model, name, role):
    user = django_user_model.objects.create_user(username=name, password=f"pw-{name}-123")
    user_role_set(user=user, role=role)
    return django_user_model.objects.get(pk=user.pk)  # fresh: no cached permissions


def _video(owner, **fields):
    fields.setdefault("title", "clip")
    fields.setdefault("source", f"videos/{owner.pk}/source/clip.mp4")
    return Video.objects.create(owner=owner, **fields)


def _upload(client, content, **fields):
    data = {"file": SimpleUploadedFile("clip.mp4", content, content_type="video/mp4"), "title": "t", **fields}
    return client.post("/api/v1/videos/", data, format="multipart")


def test_a_new_account_gets_the_default_role_and_a_profile(django_user_model, settings):
    alice = django_user_model.objects.create_user(username="alice")
    assert user_role(alice) == Role.UPLOADER and Profile.objects.filter(user=alice).exists()
    settings.DEFAULT_USER_ROLE = "viewer"
    bob = django_user_model.objects.create_user(username="bob")
    assert user_role(bob) == Role.VIEWER
    admin = django_user_model.objects.create_superuser(username="root", password="x")
    assert user_role(admin) == Role.STAFF and not admin.groups.exists()


def test_viewers_watch_but_do_not_upload(django_user_model, clip_bytes, other_user):
    viewer = _user(django_user_model, "viewer", Role.VIEWER)
    public = _video(other_user, visibility="public", status="ready")
    client = token_client(viewer)
    assert client.get(f"/api/v1/videos/{public.pk}/").status_code == 200
    error = assert_error(_upload(client, clip_bytes), 403)
    assert "not upload" in error["message"] and not Video.objects.filter(owner=viewer).exists()
    with pytest.raises(PermissionDenied):  # the service itself refuses: ingest, the admin, anything
        services.video_create(owner=viewer, file=SimpleUploadedFile("c.mp4", clip_bytes), title="t")
    pages = Client()
    pages.force_login(viewer)
    assert pages.get("/upload/").status_code == 403
    assert b'href="/upload/"' not in pages.get("/").content


def test_uploaders_upload_and_change_only_their_own(django_user_model, clip_bytes, other_user):
    uploader = _user(django_user_model, "up", Role.UPLOADER)
    client = token_client(uploader)
    assert _upload(client, clip_bytes).status_code == 201
    foreign = _video(other_user, visibility="public")
    assert client.patch(f"/api/v1/videos/{foreign.pk}/", {"title": "mine now"}, format="json").status_code == 403
    assert client.delete(f"/api/v1/videos/{foreign.pk}/").status_code == 403
    pages = Client()
    pages.force_login(uploader)
    assert b'href="/upload/"' in pages.get("/").content


def test_moderators_see_hide_and_delete_anyones_video(django_user_model, other_user):
    moderator = _user(django_user_model, "mod", Role.MODERATOR)
    private = _video(other_user, visibility="private")
    public = _video(other_user, visibility="public", title="to hide")
    client = token_client(moderator)
    assert client.get(f"/api/v1/videos/{private.pk}/").status_code == 200
    response = client.patch(f"/api/v1/videos/{public.pk}/", {"visibility": "private"}, format="json")
    assert response.status_code == 200 and response.json()["visibility"] == "private"
    assert client.delete(f"/api/v1/videos/{private.pk}/").status_code == 204
    assert not Video.objects.filter(pk=private.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_the_websocket_follows_the_same_rules(django_user_model, other_user):
    moderator = _user(django_user_model, "mod", Role.MODERATOR)
    viewer = _user(django_user_model, "viewer", Role.VIEWER)
    private = _video(other_user, visibility="private", status="processing")
    headers = {"mod": session_headers(moderator), "viewer": session_headers(viewer)}

    @async_to_sync
    async def subscribe(who):
        communicator, _ = await open_socket(headers[who])
        await communicator.send_json_to({"type": "subscribe", "video_id": str(private.pk)})
        reply = await communicator.receive_json_from(timeout=5)
        await communicator.disconnect()
        return reply["type"]

    assert subscribe("mod") == "subscribed"
    assert subscribe("viewer") == "error"


def test_storage_quota_refuses_what_would_exceed_it(user, clip_bytes, settings):
    settings.USER_STORAGE_QUOTA = len(clip_bytes) * 2 - 1
    client = token_client(user)
    assert _upload(client, clip_bytes).status_code == 201
    error = assert_error(_upload(client, clip_bytes), 413)
    assert "storage quota" in error["message"]
    Profile.objects.filter(user=user).update(storage_quota=10 * len(clip_bytes))  # the admin's per-user setting
    assert _upload(client, clip_bytes).status_code == 201


def test_the_admin_shows_roles_and_profiles(django_user_model, client):
    root = django_user_model.objects.create_superuser(username="root", password="x")
    viewer = _user(django_user_model, "viewer", Role.VIEWER)
    client.force_login(root)
    listing = client.get("/admin/auth/user/").content.decode()
    assert "Role" in listing and "viewer" in listing
    page = client.get(f"/admin/auth/user/{viewer.pk}/change/").content.decode()
    assert "Display name" in page and "Storage quota" in page
