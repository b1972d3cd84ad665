"""The browser pages: list, upload, watch, delete, login — rendered through the test client."""

import re
import shutil
import subprocess
import uuid

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

from notifications.models import Notification
from tests.factories import VideoFactory
from videos.models import Video

pytestmark = pytest.mark.django_db

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)


def make_video(owner, *, title="Clip", visibility=Video.Visibility.PUBLIC, status=Video.Status.QUEUED, **fields):
    return VideoFactory(owner=owner, title=title, visibility=visibility, status=status, **fields)


def make_ready_video(owner, **fields):
    return VideoFactory(owner=owner, title=fields.pop("title", "Clip"), visibility=fields.pop("visibility", "public"),
                        ready=True, **fields)


@pytest.fixture(scope="session")
def tiny_clip(tmp_path_factory):
    """A real one-second video, so upload checks that probe the content accept it."""
    if shutil.which("ffmpeg") is None:
        pytest.skip("ffmpeg is not installed")
    path = tmp_path_factory.mktemp("clips") / "tiny clip.mp4"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=64x48:rate=10:duration=1",
         "-c:v", "libx264", "-pix_fmt", "yuv420p", "-y", str(path)],
        check=True, timeout=60,
    )  # fmt: skip
    return path.read_bytes()


def upload_file(content, name="tiny clip.mp4"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type="video/mp4")


@pytest.fixture
def no_enqueue(monkeypatch):
    """Record transcode enqueues instead of sending them to a broker."""
    enqueued = []
    monkeypatch.setattr("videos.services._enqueue_transcode", lambda video_id: enqueued.append(video_id))
    return enqueued


def assert_no_inline_script(response):
    html = response.content.decode()
    assert not INLINE_SCRIPT.search(html), INLINE_SCRIPT.search(html).group(0)
    assert not re.search(r"<[^>]+\son[a-z]+\s*=", html, re.IGNORECASE), "inline event handler"


# ---- list ------------------------------------------------------------------------------------


def test_list_shows_public_videos_and_own_videos(client, user, other_user):
    mine_private = make_video(user, title="My private", visibility=Video.Visibility.PRIVATE)
    theirs_public = make_video(other_user, title="Their public")
    theirs_private = make_video(other_user, title="Their private", visibility=Video.Visibility.PRIVATE)
    theirs_unlisted = make_video(other_user, title="Their unlisted", visibility=Video.Visibility.UNLISTED)
    client.force_login(user)

    response = client.get("/")

    assert response.status_code == 200
    html = response.content.decode()
    assert mine_private.title in html and theirs_public.title in html
    assert theirs_private.title not in html and theirs_unlisted.title not in html
    assert_no_inline_script(response)


def test_list_for_anonymous_shows_only_public(client, user):
    make_video(user, title="Open video")
    make_video(user, title="Hidden video", visibility=Video.Visibility.PRIVATE)

    html = client.get("/").content.decode()

    assert "Open video" in html and "Hidden video" not in html
    assert "notifications.js" not in html  # anonymous users have no websocket


def test_list_shows_status_badge_and_progress(client, user):
    video = make_video(user, status=Video.Status.PROCESSING, stage=Video.Stage.TRANSCODING, progress=42.4)
    client.force_login(user)

    html = client.get("/").content.decode()

    assert f'data-video-id="{video.pk}"' in html
    assert 'class="badge status-processing"' in html
    assert '<progress max="100" value="42"' in html
    assert "Transcoding 42%" in html
    assert "js/list.js" in html and "js/notifications.js" in html


def test_list_query_count_does_not_grow_with_videos(client, user, django_assert_max_num_queries):
    client.force_login(user)
    make_ready_video(user)
    with django_assert_max_num_queries(8) as few:
        client.get("/")
    for index in range(10):
        make_ready_video(user, title=f"Clip {index}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/")


def test_list_paginates(client, user):
    for index in range(30):
        make_video(user, title=f"Paged clip {index:02d}")
    first = client.get("/").content.decode()
    second = client.get("/?page=2").content.decode()
    assert "Paged clip 29" in first and "Paged clip 00" not in first
    assert "Paged clip 00" in second and "Page 2 of 2" in second


# ---- watch -----------------------------------------------------------------------------------


def test_watch_page_of_ready_video_has_player_and_signed_media(client, user):
    video = make_ready_video(user, description="Line one\nLine two")

    response = client.get(reverse("video-watch", args=[video.pk]))

    assert response.status_code == 200
    html = response.content.decode()
    assert f'data-master-url="/videos/{video.pk}/hls/master.m3u8"' in html
    assert '<video id="player"' in html
    assert "vendor/hls/hls.min.js" in html and "js/watch.js" in html
    poster = re.search(r'poster="([^"]+)"', html).group(1)
    assert f"videos/{video.pk}/out/a1/thumbs/poster.jpg" in poster and "signature=" in poster
    assert "thumbs/storyboard.vtt" in re.search(r'data-storyboard-vtt="([^"]+)"', html).group(1)
    assert "thumbs/storyboard.jpg" in re.search(r'data-storyboard-image="([^"]+)"', html).group(1)
    assert "240p" in html and "Line one<br>Line two" in html
    assert_no_inline_script(response)


def test_watch_page_of_video_in_flight_shows_live_progress(client, user):
    video = make_video(user, status=Video.Status.PROCESSING, stage=Video.Stage.TRANSCODING, progress=10)
    client.force_login(user)

    html = client.get(reverse("video-watch", args=[video.pk])).content.decode()

    assert '<video id="player"' not in html
    assert 'id="pending"' in html and 'data-status="processing"' in html
    assert '<progress max="100" value="10"' in html
    assert 'data-websocket-path="/ws/notifications/"' in html


def test_watch_page_of_failed_video_shows_the_error(client, user):
    video = make_video(user, status=Video.Status.FAILED, error="This file is not a video.")
    client.force_login(user)

    html = client.get(reverse("video-watch", args=[video.pk])).content.decode()

    assert "Transcoding failed" in html and "This file is not a video." in html


@pytest.mark.parametrize(
    ("visibility", "viewer", "expected"),
    [
        ("private", "owner", 200),
        ("private", "staff", 200),
        ("private", "other", 404),
        ("private", "anonymous", 404),
        ("unlisted", "other", 200),
        ("unlisted", "anonymous", 200),
        ("public", "anonymous", 200),
    ],
)
def test_watch_page_access(client, user, other_user, staff_user, visibility, viewer, expected):
    video = make_ready_video(user, visibility=visibility)
    viewers = {"owner": user, "staff": staff_user, "other": other_user}
    if viewer in viewers:
        client.force_login(viewers[viewer])

    response = client.get(reverse("video-watch", args=[video.pk]))

    assert response.status_code == expected
    if expected == 404:
        assert video.title.encode() not in response.content


def test_watch_page_of_unknown_video_is_404(client):
    assert client.get(f"/videos/{uuid.uuid4()}/").status_code == 404


def test_owner_sees_delete_button_others_do_not(client, user, other_user):
    video = make_ready_video(user)
    client.force_login(other_user)
    assert b"Delete video" not in client.get(reverse("video-watch", args=[video.pk])).content
    client.force_login(user)
    assert b"Delete video" in client.get(reverse("video-watch", args=[video.pk])).content


# ---- upload ----------------------------------------------------------------------------------


def test_upload_page_requires_login(client):
    response = client.get("/upload/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/upload/")


def test_upload_page_renders_form(client, user):
    client.force_login(user)
    response = client.get("/upload/")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'enctype="multipart/form-data"' in html
    for name in ("file", "title", "description", "visibility"):
        assert f'name="{name}"' in html
    assert "js/upload.js" in html
    assert_no_inline_script(response)


def test_upload_through_the_page_creates_a_queued_video(client, user, tiny_clip, no_enqueue,
                                                        django_capture_on_commit_callbacks):
    client.force_login(user)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/upload/", {
            "file": upload_file(tiny_clip), "title": "Holiday", "description": "Sea", "visibility": "unlisted",
        })  # fmt: skip

    video = Video.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("video-watch", args=[video.pk])
    assert (video.owner, video.title, video.description, video.visibility) == (user, "Holiday", "Sea", "unlisted")
    assert video.status == Video.Status.QUEUED
    assert video.source.name.startswith(f"videos/{video.pk}/source/")
    assert video.source.read() == tiny_clip
    assert no_enqueue == [video.pk]
    followed = client.get(response["Location"])
    assert "queued for transcoding" in followed.content.decode()


def test_upload_by_xhr_answers_json_with_the_watch_page(client, user, tiny_clip, no_enqueue):
    client.force_login(user)

    response = client.post(
        "/upload/", {"file": upload_file(tiny_clip), "title": "By script", "visibility": "private"},
        headers={"X-Requested-With": "XMLHttpRequest"},
    )  # fmt: skip

    video = Video.objects.get()
    assert response.status_code == 201
    assert response.json() == {"id": str(video.pk), "location": f"/videos/{video.pk}/"}


def test_upload_without_title_or_file_shows_errors(client, user, no_enqueue):
    client.force_login(user)

    response = client.post("/upload/", {"title": "", "visibility": "public"})

    assert response.status_code == 400
    assert response.context["form"].errors.keys() == {"file", "title"}
    assert not Video.objects.exists()


def test_upload_of_empty_file_reports_the_service_error(client, user, no_enqueue):
    client.force_login(user)

    response = client.post("/upload/", {"file": upload_file(b"", name="empty.mp4"), "title": "Empty"})

    assert response.status_code == 400
    assert response.context["form"].errors["file"]
    assert not Video.objects.exists()


@pytest.mark.s3
def test_upload_through_the_page_stores_the_source_in_s3(client, user, tiny_clip, no_enqueue, s3_storage, s3_server):
    client.force_login(user)

    response = client.post("/upload/", {"file": upload_file(tiny_clip), "title": "To S3", "visibility": "public"})

    video = Video.objects.get()
    assert response.status_code == 302
    stored = s3_server["client"].get_object(Bucket=s3_storage, Key=video.source.name)
    assert stored["Body"].read() == tiny_clip


# ---- delete ----------------------------------------------------------------------------------


def test_owner_deletes_a_video_from_its_page(client, user, django_capture_on_commit_callbacks):
    video = make_ready_video(user)
    client.force_login(user)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("video-delete", args=[video.pk]))

    assert response.status_code == 302 and response["Location"] == "/"
    assert not Video.objects.filter(pk=video.pk).exists()


@pytest.mark.parametrize("visibility", ["public", "private"])
def test_others_cannot_delete(client, user, other_user, visibility):
    video = make_ready_video(user, visibility=visibility)
    client.force_login(other_user)

    assert client.post(reverse("video-delete", args=[video.pk])).status_code == 404
    assert client.get(reverse("video-delete", args=[video.pk])).status_code in (404, 405)
    assert Video.objects.filter(pk=video.pk).exists()


def test_owner_retries_a_failed_video(client, user, no_enqueue, django_capture_on_commit_callbacks):
    video = make_video(user, status=Video.Status.FAILED, error="Broken.")
    client.force_login(user)
    page = client.get(reverse("video-watch", args=[video.pk])).content.decode()
    assert re.search(r'<form[^>]*/retry/"[^>]*data-show-for="failed cancelled">', page)  # shown
    assert re.search(r'<form[^>]*/cancel/"[^>]*hidden>', page)  # hidden

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("video-retry", args=[video.pk]))

    video.refresh_from_db()
    assert response.status_code == 302 and response["Location"] == reverse("video-watch", args=[video.pk])
    assert video.status == Video.Status.QUEUED
    assert no_enqueue == [video.pk]


def test_retry_of_a_ready_video_explains_why_not(client, user, no_enqueue):
    video = make_ready_video(user)
    client.force_login(user)

    response = client.post(reverse("video-retry", args=[video.pk]), follow=True)

    video.refresh_from_db()
    assert video.status == Video.Status.READY and not no_enqueue
    assert "Only failed or cancelled videos can be retried" in response.content.decode()


def test_owner_cancels_a_queued_video(client, user):
    video = make_video(user, status=Video.Status.QUEUED)
    client.force_login(user)

    client.post(reverse("video-cancel", args=[video.pk]))

    video.refresh_from_db()
    assert video.status == Video.Status.CANCELLED


@pytest.mark.parametrize("action", ["video-retry", "video-cancel"])
def test_others_cannot_retry_or_cancel(client, user, other_user, action):
    video = make_video(user, status=Video.Status.FAILED, visibility=Video.Visibility.PUBLIC)
    client.force_login(other_user)

    assert client.post(reverse(action, args=[video.pk])).status_code == 404
    video.refresh_from_db()
    assert video.status == Video.Status.FAILED


# ---- login, logout, header -------------------------------------------------------------------


def test_login_and_logout_pages(client, user):
    page = client.get("/accounts/login/")
    assert page.status_code == 200 and b'name="password"' in page.content

    response = client.post("/accounts/login/", {"username": "alice", "password": "pw-alice-123"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert b"Log out" in client.get("/").content

    assert client.post("/accounts/logout/").status_code == 302
    assert b"Log in" in client.get("/").content


def test_login_with_wrong_password_is_refused(client, user):
    response = client.post("/accounts/login/", {"username": "alice", "password": "wrong"})
    assert response.status_code == 200 and response.context["form"].errors


def test_header_counts_unread_notifications(client, user, other_user):
    Notification.objects.create(recipient=user, type="system_message", payload={"message": "hi"})
    Notification.objects.create(recipient=user, type="system_message", payload={"message": "ho"})
    Notification.objects.create(recipient=other_user, type="system_message", payload={"message": "x"})
    client.force_login(user)

    html = client.get("/").content.decode()

    assert re.search(r'id="notification-count"[^>]*data-count="2"', html)


def test_vendored_player_and_page_scripts_are_static_files():
    for name in ("vendor/hls/hls.min.js", "vendor/hls/LICENSE", "js/notifications.js", "js/watch.js",
                 "js/list.js", "js/upload.js", "css/site.css", "js/player.js", "js/player-menus.js",
                 "js/player-tracks.js", "css/player.css", "js/transcript.js", "css/transcript.css",
                 "js/notification-panel.js"):  # fmt: skip
        assert finders.find(name), name
