import pytest
from django.core.files.base import ContentFile

from videos.models import Video


@pytest.mark.django_db
def test_video_admin_list_shows_status_and_progress(client, staff_user, user):
    staff_user.is_superuser = True
    staff_user.save()
    video = Video(owner=user, title="Holiday clip", status=Video.Status.PROCESSING, progress=42.5)
    video.source.save("clip.mp4", ContentFile(b"x"), save=False)
    video.save()
    client.force_login(staff_user)
    response = client.get("/admin/videos/video/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Holiday clip" in html
    assert '<progress value="42" max="100"' in html
    assert "Processing" in html
    detail = client.get(f"/admin/videos/video/{video.pk}/change/")
    assert detail.status_code == 200


@pytest.mark.django_db
def test_admin_refuses_non_staff(client, user):
    client.force_login(user)
    response = client.get("/admin/videos/video/")
    assert response.status_code == 302


# ---- batch actions: confirmation first, then the services, then a message with counts ----------

CHANGELIST = "/admin/videos/video/"


def make_video(owner, title, *, status=Video.Status.READY, **fields):
    video = Video(owner=owner, title=title, status=status, **fields)
    video.source.save("clip.mp4", ContentFile(b"x"), save=False)
    video.save()
    return video


def act(client, action, videos, **extra):
    data = {"action": action, "_selected_action": [str(video.pk) for video in videos], **extra}
    return client.post(CHANGELIST, data, follow=True)


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


@pytest.fixture
def admin_client_of(client, staff_user):
    staff_user.is_superuser = True
    staff_user.save()
    client.force_login(staff_user)
    return client


@pytest.fixture
def enqueued(monkeypatch):
    """The transcode tasks the services send (their .delay), recorded instead of reaching the broker."""
    from types import SimpleNamespace

    sent = []
    for name in ("video_transcode", "video_first_rendition"):
        monkeypatch.setattr(f"videos.tasks.{name}", SimpleNamespace(delay=lambda pk, name=name: sent.append((name, pk))))
    return sent


@pytest.mark.django_db
def test_retranscode_asks_first_and_changes_nothing(admin_client_of, user, enqueued):
    video = make_video(user, "Ready one")
    response = act(admin_client_of, "retranscode_videos", [video])
    assert response.status_code == 200
    assert "admin/videos/video/action_confirmation.html" in [t.name for t in response.templates]
    html = response.content.decode()
    assert "Ready one" in html and 'name="post" value="yes"' in html and "1 video(s): 1 ready" in html
    video.refresh_from_db()
    assert video.status == Video.Status.READY and enqueued == []


@pytest.mark.django_db
def test_retranscode_confirmed_queues_through_the_service(
    admin_client_of, user, enqueued, django_capture_on_commit_callbacks
):
    ready = make_video(user, "Ready", output_prefix="videos/x/out/a/")
    failed = make_video(user, "Failed", status=Video.Status.FAILED, error="boom",
                        failure_reason=Video.FailureReason.FFMPEG, attempt_count=3)
    running = make_video(user, "Running", status=Video.Status.PROCESSING)
    with django_capture_on_commit_callbacks(execute=True):
        response = act(admin_client_of, "retranscode_videos", [ready, failed, running], post="yes")
    assert messages_of(response) == ["Retranscode: 2 queued, 1 already queued or processing."]
    for video in (ready, failed):
        video.refresh_from_db()
        assert video.status == Video.Status.QUEUED and video.attempt_count == 0
    failed.refresh_from_db()
    assert failed.error == "" and failed.failure_reason == ""
    running.refresh_from_db()
    assert running.status == Video.Status.PROCESSING
    transcodes = sorted(pk for name, pk in enqueued if name == "video_transcode")
    assert transcodes == sorted([str(ready.pk), str(failed.pk)])


@pytest.mark.django_db
def test_retry_counts_the_refusals_of_the_service(
    admin_client_of, user, enqueued, django_capture_on_commit_callbacks
):
    failed = make_video(user, "Failed", status=Video.Status.FAILED)
    ready = make_video(user, "Ready")
    with django_capture_on_commit_callbacks(execute=True):
        response = act(admin_client_of, "retry_videos", [failed, ready], post="yes")
    assert response.status_code == 200
    [message] = messages_of(response)
    assert message.startswith("Retry: 1 queued, 1 refused.")
    assert "Only failed or cancelled videos can be retried; this one is ready. (1)" in message
    assert [m.level_tag for m in response.context["messages"]] == ["warning"]
    ready.refresh_from_db()
    failed.refresh_from_db()
    assert ready.status == Video.Status.READY and failed.status == Video.Status.QUEUED
    assert [pk for name, pk in enqueued if name == "video_transcode"] == [str(failed.pk)]


@pytest.mark.django_db
def test_change_visibility_asks_which_then_updates(admin_client_of, user):
    private = make_video(user, "Private", visibility=Video.Visibility.PRIVATE)
    public = make_video(user, "Public", visibility=Video.Visibility.PUBLIC)
    response = act(admin_client_of, "change_visibility", [private, public])
    assert 'name="visibility"' in response.content.decode()
    response = act(admin_client_of, "change_visibility", [private, public], post="yes", visibility="bogus")
    assert "action_confirmation.html" in response.templates[0].name  # asked again, with the error
    private.refresh_from_db()
    assert private.visibility == Video.Visibility.PRIVATE
    response = act(admin_client_of, "change_visibility", [private, public], post="yes", visibility="public")
    assert messages_of(response) == ["Visibility: 1 already public, 1 made public."]
    private.refresh_from_db()
    assert private.visibility == Video.Visibility.PUBLIC


@pytest.mark.django_db
def test_delete_asks_then_deletes_rows_and_stored_objects(admin_client_of, user, django_capture_on_commit_callbacks):
    from django.core.files.storage import default_storage

    from videos import storage

    videos = [make_video(user, f"Clip {n}") for n in range(2)]
    kept = make_video(user, "Kept")
    response = act(admin_client_of, "delete_videos", videos)
    assert "cannot be undone" in response.content.decode()
    assert Video.objects.count() == 3
    with django_capture_on_commit_callbacks(execute=True):
        response = act(admin_client_of, "delete_videos", videos, post="yes")
    assert messages_of(response) == ["Delete: 2 deleted."]
    assert list(Video.objects.all()) == [kept]
    for video in videos:
        assert default_storage.keys_under(storage.video_prefix(video.pk)) == []
    assert default_storage.keys_under(storage.video_prefix(kept.pk)) != []
    assert "delete_selected" not in response.content.decode()  # Django's own delete skips the storage


@pytest.mark.django_db
def test_batch_actions_refused_without_staff_or_permission(client, user, staff_user, enqueued):
    video = make_video(user, "Ready")
    client.force_login(user)  # not staff: the admin sends them to its login page
    response = client.post(CHANGELIST, {"action": "delete_videos", "_selected_action": [str(video.pk)], "post": "yes"})
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    from django.contrib.auth.models import Permission

    client.force_login(staff_user)  # staff, but may only view videos: no action runs
    staff_user.user_permissions.add(Permission.objects.get(codename="view_video"))
    for action in ("delete_videos", "retranscode_videos", "change_visibility"):
        response = act(client, action, [video], post="yes", visibility="public")
        assert response.status_code == 200 and messages_of(response) == []
        assert "action_confirmation.html" not in response.templates[0].name
    staff_user.user_permissions.add(Permission.objects.get(codename="change_video"))
    response = act(client, "delete_videos", [video], post="yes")  # may change, not delete
    assert messages_of(response) == ["No action selected."]
    video.refresh_from_db()
    assert video.status == Video.Status.READY and video.visibility == Video.Visibility.PRIVATE and enqueued == []


@pytest.mark.django_db
def test_failed_by_reason_filter(admin_client_of, user):
    make_video(user, "Broken ffmpeg", status=Video.Status.FAILED, failure_reason=Video.FailureReason.FFMPEG)
    make_video(user, "Stalled one", status=Video.Status.FAILED, failure_reason=Video.FailureReason.STALLED)
    make_video(user, "Fine one")
    html = admin_client_of.get(CHANGELIST).content.decode()
    assert "By failed, by reason" in html and "ffmpeg error (1)" in html and "Any reason (2)" in html
    html = admin_client_of.get(CHANGELIST, {"failed": "ffmpeg"}).content.decode()
    assert "Broken ffmpeg" in html and "Stalled one" not in html and "Fine one" not in html
    html = admin_client_of.get(CHANGELIST, {"failed": "any"}).content.decode()
    assert "Broken ffmpeg" in html and "Stalled one" in html and "Fine one" not in html


@pytest.mark.django_db
def test_user_page_leads_to_that_users_videos(admin_client_of, user, other_user, enqueued,
                                              django_capture_on_commit_callbacks):
    mine = make_video(user, "Alice's clip", status=Video.Status.FAILED)
    make_video(other_user, "Bob's clip", status=Video.Status.FAILED)
    html = admin_client_of.get(f"/admin/auth/user/{user.pk}/change/").content.decode()
    link = f"{CHANGELIST}?owner__id__in={user.pk}"
    assert f'<a href="{link}">1 video(s)</a>' in html
    response = admin_client_of.post(
        "/admin/auth/user/", {"action": "act_on_videos", "_selected_action": [str(user.pk)]}
    )
    assert response.status_code == 302 and response["Location"] == link
    html = admin_client_of.get(link).content.decode()
    assert "Alice&#x27;s clip" in html and "Bob&#x27;s clip" not in html
    # The actions apply there, to that owner's videos (the filter stays in the URL the forms post to).
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client_of.post(
            link, {"action": "retranscode_videos", "_selected_action": [str(mine.pk)], "post": "yes"}, follow=True
        )
    assert messages_of(response) == ["Retranscode: 1 queued."]
