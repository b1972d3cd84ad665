"""My videos (the studio) and its forms, through the test client: what a browser without scripts gets."""

import re

import pytest
from django.urls import reverse

from tests.factories import VideoFactory
from videos.models import Video

pytestmark = pytest.mark.django_db


def test_studio_requires_login(client):
    response = client.get("/studio/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/studio/")


def test_studio_lists_only_ones_own_videos_of_every_visibility_and_status(client, user, other_user):
    mine = [
        VideoFactory(owner=user, title="Private draft", visibility="private", status="failed", error="Bad source."),
        VideoFactory(owner=user, title="Unlisted one", visibility="unlisted", status="processing", progress=40),
        VideoFactory(owner=user, title="Public one", visibility="public", ready=True),
    ]
    VideoFactory(owner=other_user, title="Someone else's", visibility="public", ready=True)
    client.force_login(user)

    page = client.get("/studio/").content.decode()

    for video in mine:
        assert f'data-video-id="{video.pk}"' in page
        assert reverse("video-edit", args=[video.pk]) in page
    assert "Someone else" not in page
    # Every row has both forms (studio.js shows them as the status changes live), each hidden unless
    # its status allows it: retry for the failed video, cancel for the one in flight.
    for video, retry_shown, cancel_shown in [(mine[0], True, False), (mine[1], False, True), (mine[2], False, False)]:
        row = re.search(rf'<li class="studio-row" data-video-id="{video.pk}".*?</li>', page, re.S).group(0)
        retry = re.search(r'<form[^>]*data-action="retry"[^>]*>', row).group(0)
        cancel = re.search(r'<form[^>]*data-action="cancel"[^>]*>', row).group(0)
        assert (" hidden" not in retry, " hidden" not in cancel) == (retry_shown, cancel_shown), video.title
    assert 'aria-current="page">My videos' in page


def test_studio_search_and_empty_state(client, user):
    VideoFactory(owner=user, title="Holiday at the lake")
    client.force_login(user)
    assert "Holiday at the lake" in client.get("/studio/?q=lake").content.decode()
    none = client.get("/studio/?q=mountain").content.decode()
    assert "None of your videos match “mountain”" in none


def test_studio_of_a_user_without_videos_says_what_to_do(client, user):
    client.force_login(user)
    assert "You have no videos yet" in client.get("/studio/").content.decode()


def test_edit_form_saves_and_goes_back_to_the_studio(client, user):
    video = VideoFactory(owner=user, title="Old", visibility="private")
    client.force_login(user)

    response = client.post(
        reverse("video-edit", args=[video.pk]),
        {"title": "New title", "description": "Two\nlines", "visibility": "unlisted", "next": "/studio/?page=1"},
    )

    assert response.status_code == 302 and response["Location"] == "/studio/?page=1"
    video.refresh_from_db()
    assert (video.title, video.description, video.visibility) == ("New title", "Two\nlines", "unlisted")


def test_edit_form_refuses_a_blank_title_and_an_unknown_visibility(client, user):
    video = VideoFactory(owner=user, title="Kept", visibility="private")
    client.force_login(user)

    response = client.post(
        reverse("video-edit", args=[video.pk]), {"title": "", "visibility": "everyone", "next": "/studio/"}, follow=True
    )

    text = response.content.decode()
    assert "Title: This field is required." in text
    assert "Select a valid choice" in text
    video.refresh_from_db()
    assert (video.title, video.visibility) == ("Kept", "private")


def test_edit_of_someone_elses_video_is_404(client, user, other_user):
    video = VideoFactory(owner=other_user, title="Theirs", visibility="public", ready=True)
    client.force_login(user)
    response = client.post(reverse("video-edit", args=[video.pk]), {"title": "Mine now", "visibility": "public"})
    assert response.status_code == 404
    video.refresh_from_db()
    assert video.title == "Theirs"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/studio/", "javascript:alert(1)"])
def test_forms_never_go_back_to_another_site(client, user, target):
    video = VideoFactory(owner=user, title="Clip", status=Video.Status.FAILED)
    client.force_login(user)
    response = client.post(reverse("video-retry", args=[video.pk]), {"next": target})
    assert response["Location"] == reverse("video-watch", args=[video.pk])


def test_delete_and_retry_from_the_studio_go_back_to_it(client, user):
    failed = VideoFactory(owner=user, title="Failed", status=Video.Status.FAILED)
    gone = VideoFactory(owner=user, title="Gone")
    client.force_login(user)

    assert client.post(reverse("video-retry", args=[failed.pk]), {"next": "/studio/"})["Location"] == "/studio/"
    assert client.post(reverse("video-delete", args=[gone.pk]), {"next": "/studio/"})["Location"] == "/studio/"
    failed.refresh_from_db()
    assert failed.status == Video.Status.QUEUED
    assert not Video.objects.filter(pk=gone.pk).exists()
