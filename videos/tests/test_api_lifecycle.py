"""retry/ and cancel/: the transcoder's life-cycle services behind the API, 409 on a wrong state."""

import pytest
from rest_framework.test import APIClient

from tests.api_support import assert_error, make_ready_video, make_video, token_client
from videos.models import Video

pytestmark = pytest.mark.django_db


def url(video, action: str) -> str:
    return f"/api/v1/videos/{video.pk}/{action}/"


@pytest.fixture
def enqueued(monkeypatch):
    calls = []
    monkeypatch.setattr("videos.services._enqueue_transcode", calls.append)
    return calls


@pytest.mark.parametrize("state", [Video.Status.FAILED, Video.Status.CANCELLED])
def test_retry(user, state, enqueued, django_capture_on_commit_callbacks):
    video = make_video(user, status=state, error="ffmpeg failed")
    with django_capture_on_commit_callbacks(execute=True):
        response = token_client(user).post(url(video, "retry"))
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["status"], body["error"], body["progress"]) == ("queued", "", 0)
    assert enqueued == [video.pk]


@pytest.mark.parametrize("state", [Video.Status.QUEUED, Video.Status.PROCESSING, Video.Status.READY])
def test_retry_refused_in_other_states(user, state, enqueued):
    video = make_video(user, status=state)
    error = assert_error(token_client(user).post(url(video, "retry")), 409, "conflict")
    assert "failed or cancelled" in error["message"]
    video.refresh_from_db()
    assert video.status == state and enqueued == []


def test_cancel_queued_and_processing(user, staff_user):
    queued = make_video(user)
    response = token_client(user).post(url(queued, "cancel"))
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    processing = make_video(user, status=Video.Status.PROCESSING)
    response = token_client(staff_user).post(url(processing, "cancel"))
    assert response.status_code == 200
    processing.refresh_from_db()
    assert processing.cancel_requested  # the worker stops ffmpeg and marks it cancelled


@pytest.mark.parametrize("state", [Video.Status.READY, Video.Status.FAILED, Video.Status.CANCELLED])
def test_cancel_refused_in_other_states(user, state):
    video = make_video(user, status=state)
    assert_error(token_client(user).post(url(video, "cancel")), 409, "conflict")


@pytest.mark.parametrize("action", ["retry", "cancel"])
def test_lifecycle_refusals(user, other_user, action):
    public = make_ready_video(other_user)
    private = make_video(other_user, status=Video.Status.FAILED)
    assert_error(token_client(user).post(url(public, action)), 403, "permission_denied")
    assert_error(token_client(user).post(url(private, action)), 404, "not_found")
    assert_error(APIClient().post(url(private, action)), 401, "not_authenticated")
    assert_error(token_client(user).get(url(private, action)), 405, "method_not_allowed")
