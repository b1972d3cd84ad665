"""POST /api/v1/videos/<id>/captions/: who may ask, in which state, and that it is queued once, on commit."""

import uuid
from types import SimpleNamespace

import pytest
from rest_framework.test import APIClient

from subtitles import captioning
from videos.models import Video

from .conftest import make_video

pytestmark = pytest.mark.django_db


def _url(video) -> str:
    return f"/api/v1/videos/{video.pk}/captions/"


@pytest.fixture
def sent(monkeypatch):
    """The captions tasks the service sends (their .delay), recorded instead of reaching the broker."""
    sent = []
    monkeypatch.setattr("subtitles.tasks.subtitle_captions_generate", SimpleNamespace(delay=sent.append))
    return sent


@pytest.fixture
def ready_video(user):
    video = make_video(user, ready=True, has_audio=True, visibility=Video.Visibility.PRIVATE)
    yield video
    captioning.captions_request_done(video_id=video.pk)  # the pending flag lives in Redis, not in the test's transaction


def _client(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def test_owner_asks_and_one_task_is_queued_on_commit(user, ready_video, sent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = _client(user).post(_url(ready_video))
    assert response.status_code == 202, response.content
    assert response.json() == {"video_id": str(ready_video.pk), "status": "queued"}
    assert sent == [str(ready_video.pk)]

    again = _client(user).post(_url(ready_video))
    assert (again.status_code, again.json()["error"]["code"], again.json()["error"]["message"]) == (409, "conflict", "Captions for this video are already being made.")
    assert sent == [str(ready_video.pk)]

    captioning.captions_request_done(video_id=ready_video.pk)  # the task's end clears the flag
    with django_capture_on_commit_callbacks(execute=True):
        assert _client(user).post(_url(ready_video)).status_code == 202
    assert len(sent) == 2


def test_staff_may_ask_for_anyones_video(staff_user, ready_video, sent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert _client(staff_user).post(_url(ready_video)).status_code == 202
    assert sent == [str(ready_video.pk)]


@pytest.mark.parametrize("visibility, expected", [(Video.Visibility.PUBLIC, 403), (Video.Visibility.PRIVATE, 404)])
def test_another_user_may_not(user, other_user, sent, visibility, expected):
    video = make_video(user, ready=True, has_audio=True, visibility=visibility)
    assert _client(other_user).post(_url(video)).status_code == expected
    assert sent == []


def test_anonymous_may_not(user, sent):
    video = make_video(user, ready=True, has_audio=True, visibility=Video.Visibility.PUBLIC)
    assert _client().post(_url(video)).status_code in (401, 403)
    assert _client(user).post(f"/api/v1/videos/{uuid.uuid4()}/captions/").status_code == 404
    assert sent == []


@pytest.mark.parametrize("fields, message", [
    ({"status": Video.Status.PROCESSING}, "Captions can be made once the video is ready."),
    ({"status": Video.Status.FAILED}, "Captions can be made once the video is ready."),
    ({"ready": True, "has_audio": False}, "This video has no sound to make captions from."),
])
def test_a_video_not_ready_or_without_sound_is_refused_with_409(user, sent, fields, message):
    video = make_video(user, **fields)
    response = _client(user).post(_url(video))
    assert (response.status_code, response.json()["error"]["code"], response.json()["error"]["message"]) == (
        409, "conflict", message)
    assert sent == []


def test_subtitle_list_says_which_are_generated(user, ready_video):
    from subtitles import services

    from .corpus import SRT

    services.subtitle_save(video=ready_video, language="en", kind="captions", data=SRT.encode(), generated=True)
    services.subtitle_save(video=ready_video, language="fr", data=SRT.encode())
    listed = _client(user).get(f"/api/v1/videos/{ready_video.pk}/subtitles/").json()
    assert [(item["language"], item["generated"]) for item in listed] == [("en", True), ("fr", False)]


def test_the_task_logs_a_failure_and_clears_the_request(user, ready_video, settings, tmp_path):
    from subtitles.models import Subtitle
    from subtitles.tasks import subtitle_captions_generate

    settings.CAPTIONS_MODEL_DIR = str(tmp_path)  # no model there: the run fails
    captioning.captions_request(video=ready_video)
    assert captioning.captions_pending(video=ready_video)
    subtitle_captions_generate.apply(args=[str(ready_video.pk)])  # raises nothing: captions are an extra
    assert not captioning.captions_pending(video=ready_video)
    assert not Subtitle.objects.filter(video=ready_video).exists()


@pytest.mark.parametrize("case", ["auto off", "other task", "no audio", "has generated", "asks"])
def test_after_a_transcode_auto_captions_ask_only_for_a_ready_video_with_sound_and_none_yet(
    user, ready_video, settings, sent, case, django_capture_on_commit_callbacks
):
    from subtitles import services

    from .corpus import SRT

    settings.AUTO_CAPTIONS = case != "auto off"
    name = "videos.tasks.video_first_rendition" if case == "other task" else captioning.TRANSCODE_TASK
    if case == "no audio":
        Video.objects.filter(pk=ready_video.pk).update(has_audio=False)
    if case == "has generated":
        services.subtitle_save(video=ready_video, language="en", kind="captions", data=SRT.encode(), generated=True)
    with django_capture_on_commit_callbacks(execute=True):
        captioning.captions_after_transcode(sender=SimpleNamespace(name=name), args=(str(ready_video.pk),), kwargs={})
    assert sent == ([str(ready_video.pk)] if case == "asks" else [])


def test_captions_go_to_a_queue_of_their_own():
    from mediasite.celery import app

    route = app.amqp.router.route({}, "subtitles.tasks.subtitle_captions_generate", args=("x",))
    assert route["queue"].name == "captions"
