"""Videos REST API: list, detail, patch, delete — happy paths and refusals."""

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from tests.api_support import assert_error, make_ready_video, make_video, session_client, token_client
from videos import storage
from videos.models import Video

pytestmark = pytest.mark.django_db

LIST = "/api/v1/videos/"


def detail(video) -> str:
    return f"/api/v1/videos/{video.pk}/"


def ids(response) -> set[str]:
    return {item["id"] for item in response.json()["results"]}


# --- list ------------------------------------------------------------------------------------


def test_list_shows_own_and_public_newest_first(user, other_user):
    own_private = make_video(user)
    others_public = make_ready_video(other_user)
    make_video(other_user)  # private: hidden
    make_video(other_user, visibility=Video.Visibility.UNLISTED)  # unlisted: never listed
    response = token_client(user).get(LIST)
    assert response.status_code == 200
    body = response.json()
    assert [item["id"] for item in body["results"]] == [str(others_public.pk), str(own_private.pk)]
    assert body["next"] is None and body["previous"] is None
    item = body["results"][0]
    assert item["owner"] == {"id": other_user.pk, "username": "bob"}
    assert item["url"] == f"http://testserver/api/v1/videos/{others_public.pk}/"
    assert item["poster_url"].startswith("http://testserver/media/videos/") and "signature=" in item["poster_url"]
    assert body["results"][1]["poster_url"] is None


def test_list_anonymous_sees_public_only(user):
    public = make_ready_video(user)
    make_video(user)
    make_video(user, visibility=Video.Visibility.UNLISTED)
    response = APIClient().get(LIST)
    assert response.status_code == 200
    assert ids(response) == {str(public.pk)}


def test_list_filters(user, other_user):
    mine_ready = make_ready_video(user, title="Holiday in Lisbon", visibility=Video.Visibility.PRIVATE)
    mine_queued = make_video(user, title="Board meeting")
    theirs = make_ready_video(other_user, title="Lisbon at night")
    client = token_client(user)
    assert ids(client.get(LIST, {"status": "ready"})) == {str(mine_ready.pk), str(theirs.pk)}
    assert ids(client.get(LIST, {"visibility": "private"})) == {str(mine_ready.pk), str(mine_queued.pk)}
    assert ids(client.get(LIST, {"mine": "true"})) == {str(mine_ready.pk), str(mine_queued.pk)}
    assert ids(client.get(LIST, {"q": "lisbon"})) == {str(mine_ready.pk), str(theirs.pk)}
    assert ids(client.get(LIST, {"q": "lisbon", "mine": "1"})) == {str(mine_ready.pk)}
    assert ids(APIClient().get(LIST, {"mine": "true"})) == set()


@pytest.mark.parametrize("params", [{"status": "nope"}, {"visibility": "secret"}, {"mine": "perhaps"}, {"q": "x" * 201}])
def test_list_rejects_bad_filters(user, params):
    error = assert_error(token_client(user).get(LIST, params), 400, "invalid")
    assert set(error["fields"]) == set(params)


def test_list_cursor_pagination(user):
    videos = [make_video(user) for _ in range(5)]
    client = token_client(user)
    first = client.get(LIST, {"page_size": 2}).json()
    assert [item["id"] for item in first["results"]] == [str(v.pk) for v in videos[::-1][:2]]
    seen = [item["id"] for item in first["results"]]
    page = first
    while page["next"]:
        page = client.get(page["next"]).json()
        seen += [item["id"] for item in page["results"]]
    assert seen == [str(v.pk) for v in reversed(videos)]
    assert_error(client.get(LIST, {"cursor": "garbage"}), 404, "not_found")


def count_queries_of(client, path) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return len(queries)


def test_list_query_count_is_pinned(user, other_user):
    """One query a page, however long: the token's account (and its role) come from the cache, and
    the rows are read with their owners' names."""
    client = token_client(user)
    make_ready_video(other_user)
    count_queries_of(client, LIST)  # the token's account is cached from here on
    few = count_queries_of(client, LIST)
    for index in range(25):
        make_ready_video(other_user) if index % 2 else make_video(user)
    assert len(client.get(LIST).json()["results"]) == 20
    assert count_queries_of(client, LIST) == few == 1
    assert count_queries_of(client, LIST + "?status=ready&mine=false") == 1
    assert count_queries_of(client, client.get(LIST).json()["next"]) == 1


def test_detail_query_count_is_pinned(user, other_user):
    """The video with its owner, its renditions, its subtitles: three queries, whoever asks."""
    from subtitles.models import Subtitle

    video = make_ready_video(other_user)
    Subtitle.objects.create(video=video, language="en", vtt_key=storage.subtitle_vtt_key(video.pk, "en", "subtitles"))
    client = token_client(user)
    count_queries_of(client, detail(video))  # the token's account and its groups are cached from here on
    with CaptureQueriesContext(connection) as queries:
        body = client.get(detail(video)).json()
    assert len(queries) == 3, [query["sql"] for query in queries]
    assert not any("auth_group" in query["sql"] or "authtoken" in query["sql"] for query in queries)
    assert len(body["renditions"]) == 1 and len(body["subtitles"]) == 1 and body["can_edit"] is False
    assert count_queries_of(APIClient(), detail(video)) == 3


def without_expiry(item: dict) -> dict:
    # A signed URL carries the moment it was signed in: compare where it points.
    return {**item, "poster_url": item["poster_url"] and item["poster_url"].split("?")[0]}


def test_list_item_is_the_detail_cut_short(user, other_user):
    """A list item (formatted from a row) says what the detail (formatted from the instance) says."""
    video = make_ready_video(other_user, with_files=True, title="Same either way")
    mine = make_video(user, status=Video.Status.PROCESSING, progress=40)
    client = token_client(user)
    items = {item["id"]: item for item in client.get(LIST).json()["results"]}
    for shown in (video, mine):
        item = items[str(shown.pk)]
        body = client.get(detail(shown)).json()
        assert list(item) == ["id", "title", "visibility", "status", "progress", "duration", "owner", "created_at",
                              "poster_url", "url"]
        assert without_expiry(item) == without_expiry({name: body[name] for name in item})
    assert items[str(video.pk)]["poster_url"].startswith(f"http://testserver/media/{video.poster_key}?expires=")
    assert items[str(mine.pk)]["progress"] == 40.0 and items[str(mine.pk)]["poster_url"] is None


# --- detail ----------------------------------------------------------------------------------


def test_detail_of_ready_video(user):
    video = make_ready_video(user, with_files=True)
    default_storage.save(video.storyboard_image_key, ContentFile(b"sprite"))
    response = token_client(user).get(detail(video))
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == str(video.pk)
    assert body["status"] == "ready" and body["progress"] == 100 and body["error"] == ""
    assert (body["duration"], body["width"], body["height"], body["fps"], body["has_audio"]) == (1.0, 64, 48, 10.0, False)
    assert body["renditions"] == [{"name": "240p", "codec": "h264", "width": 64, "height": 48, "bandwidth": 200000}]
    assert body["playback_url"] == f"http://testserver/videos/{video.pk}/hls/master.m3u8"
    assert body["can_edit"] is True
    assert body["subtitles"] == []
    # The signed URLs really fetch the objects.
    for url in (body["poster_url"], body["storyboard"]["image_url"]):
        assert APIClient().get(url).status_code == 200
    assert body["storyboard"]["vtt_url"].startswith("http://testserver/media/" + video.storyboard_vtt_key)


def test_detail_of_processing_and_failed_videos(user):
    processing = make_video(user, status=Video.Status.PROCESSING, stage=Video.Stage.TRANSCODING, progress=42.5)
    failed = make_video(user, status=Video.Status.FAILED, error="This file is not a video: it has no video track.")
    client = token_client(user)
    body = client.get(detail(processing)).json()
    assert (body["status"], body["stage"], body["progress"]) == ("processing", "transcoding", 42.5)
    assert body["playback_url"] is None and body["poster_url"] is None and body["storyboard"] is None
    assert body["renditions"] == []
    body = client.get(detail(failed)).json()
    assert body["status"] == "failed" and "no video track" in body["error"]


def test_detail_lists_subtitles(user):
    from subtitles.models import Subtitle

    video = make_ready_video(user)
    Subtitle.objects.create(
        video=video, language="pt-BR", label="Português", is_default=True,
        vtt_key=storage.subtitle_vtt_key(video.pk, "pt-BR", "subtitles"),
    )
    body = token_client(user).get(detail(video)).json()
    assert len(body["subtitles"]) == 1
    subtitle = body["subtitles"][0]
    assert subtitle["language"] == "pt-BR" and subtitle["label"] == "Português" and subtitle["is_default"]
    assert subtitle["kind"] == "subtitles" and "signature=" in subtitle["url"]


def test_detail_refusals(user, other_user):
    private = make_video(other_user)
    assert_error(token_client(user).get(detail(private)), 404, "not_found")
    assert_error(APIClient().get(detail(private)), 404, "not_found")
    assert_error(token_client(user).get("/api/v1/videos/00000000-0000-0000-0000-000000000000/"), 404)
    assert_error(token_client(user).get("/api/v1/videos/not-a-uuid/"), 404, "not_found")


def test_detail_can_edit_flag(user, other_user, staff_user):
    video = make_ready_video(user)
    assert token_client(other_user).get(detail(video)).json()["can_edit"] is False
    assert token_client(staff_user).get(detail(video)).json()["can_edit"] is True
    assert APIClient().get(detail(video)).json()["can_edit"] is False


# --- patch -----------------------------------------------------------------------------------


def test_patch_by_owner(user):
    video = make_video(user)
    response = token_client(user).patch(detail(video), {"title": "New title", "visibility": "public"}, format="json")
    assert response.status_code == 200
    assert response.json()["title"] == "New title" and response.json()["visibility"] == "public"
    video.refresh_from_db()
    assert (video.title, video.visibility, video.description) == ("New title", "public", "")


def test_patch_by_staff_and_with_form_data(user, staff_user):
    video = make_video(user)
    response = token_client(staff_user).patch(detail(video), {"description": "Checked."})
    assert response.status_code == 200
    video.refresh_from_db()
    assert video.description == "Checked."


def test_patch_ignores_read_only_fields(user):
    video = make_video(user)
    response = token_client(user).patch(detail(video), {"status": "ready", "owner": 99}, format="json")
    assert response.status_code == 200
    video.refresh_from_db()
    assert video.status == "queued" and video.owner == user


def test_patch_refusals(user, other_user):
    public = make_ready_video(other_user)
    private = make_video(other_user)
    assert_error(token_client(user).patch(detail(public), {"title": "x"}, format="json"), 403, "permission_denied")
    assert_error(token_client(user).patch(detail(private), {"title": "x"}, format="json"), 404, "not_found")
    assert_error(APIClient().patch(detail(public), {"title": "x"}, format="json"), 401, "not_authenticated")
    own = make_video(user)
    error = assert_error(token_client(user).patch(detail(own), {"visibility": "secret", "title": ""}, format="json"), 400)
    assert set(error["fields"]) == {"visibility", "title"}
    error = assert_error(token_client(user).patch(detail(own), {"title": "t" * 201}, format="json"), 400)
    assert "title" in error["fields"]
    assert_error(
        token_client(user).generic("PATCH", detail(own), "<xml/>", content_type="application/xml"), 415, "unsupported_media_type"
    )
    assert_error(token_client(user).generic("PATCH", detail(own), "{bad json", content_type="application/json"), 400, "parse_error")
    public.refresh_from_db()
    assert public.title != "x"


def test_session_auth_requires_csrf(user):
    video = make_video(user)
    client = session_client(user, enforce_csrf=True)
    error = assert_error(client.patch(detail(video), {"title": "x"}, format="json"), 403, "permission_denied")
    assert "CSRF" in error["message"]
    client.get("/api/v1/videos/")  # a safe request works without a token
    # With the token from the cookie, as a browser page sends it.
    from django.middleware.csrf import _get_new_csrf_string, _mask_cipher_secret

    secret = _get_new_csrf_string()
    client.cookies["csrftoken"] = secret
    response = client.patch(detail(video), {"title": "x"}, format="json", HTTP_X_CSRFTOKEN=_mask_cipher_secret(secret))
    assert response.status_code == 200


# --- delete ----------------------------------------------------------------------------------


def test_delete_by_owner_removes_every_object(user, django_capture_on_commit_callbacks):
    video = make_ready_video(user, with_files=True)
    default_storage.save(video.source.name, ContentFile(b"source"))
    assert storage.keys_under(storage.video_prefix(video.pk))
    with django_capture_on_commit_callbacks(execute=True):
        response = token_client(user).delete(detail(video))
    assert response.status_code == 204 and response.content == b""
    assert not Video.objects.filter(pk=video.pk).exists()
    assert storage.keys_under(storage.video_prefix(video.pk)) == []


def test_delete_by_staff(user, staff_user):
    video = make_video(user)
    assert token_client(staff_user).delete(detail(video)).status_code == 204
    assert not Video.objects.filter(pk=video.pk).exists()


def test_delete_refusals(user, other_user):
    public = make_ready_video(other_user)
    private = make_video(other_user)
    assert_error(token_client(user).delete(detail(public)), 403)
    assert_error(token_client(user).delete(detail(private)), 404)
    assert_error(APIClient().delete(detail(public)), 401)
    assert Video.objects.filter(pk__in=[public.pk, private.pk]).count() == 2


def test_method_not_allowed(user):
    video = make_video(user)
    assert_error(token_client(user).put(detail(video), {"title": "x"}, format="json"), 405, "method_not_allowed")
    assert_error(token_client(user).delete(LIST), 405, "method_not_allowed")
