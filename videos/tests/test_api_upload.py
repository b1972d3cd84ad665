"""Creating videos by multipart upload: streamed to disk, probed, size-limited, throttled."""

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from tests.api_support import assert_error, make_clip, session_client, token_client
from videos.models import Video

pytestmark = pytest.mark.django_db

LIST = "/api/v1/videos/"


@pytest.fixture(scope="module")
def clip_bytes(tmp_path_factory) -> bytes:
    return make_clip(tmp_path_factory.mktemp("clips") / "clip.mp4").read_bytes()


def upload(client, content: bytes, *, name="clip.mp4", content_type="video/mp4", **fields):
    data = {"file": SimpleUploadedFile(name, content, content_type=content_type), "title": "My clip", **fields}
    return client.post(LIST, data, format="multipart")


def test_upload_creates_a_queued_video(user, clip_bytes, django_capture_on_commit_callbacks, monkeypatch):
    queued = []
    monkeypatch.setattr("videos.services._enqueue_transcode", queued.append)
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(token_client(user), clip_bytes, description="Shot on a phone", visibility="unlisted")
    assert response.status_code == 201, response.json()
    body = response.json()
    video = Video.objects.get(pk=body["id"])
    assert response["Location"] == f"http://testserver/api/v1/videos/{video.pk}/"
    assert (body["status"], body["title"], body["description"], body["visibility"]) == (
        "queued", "My clip", "Shot on a phone", "unlisted",
    )
    assert body["source_name"] == "clip.mp4" and body["source_size"] == len(clip_bytes)
    assert video.owner == user and video.source.name == f"videos/{video.pk}/source/clip.mp4"
    with default_storage.open(video.source.name, "rb") as stored:
        assert stored.read() == clip_bytes
    assert queued == [video.pk]


def test_upload_type_is_decided_by_content_not_name(user, clip_bytes):
    # A real video under a misleading name and type is accepted …
    response = upload(token_client(user), clip_bytes, name="notes.txt", content_type="text/plain")
    assert response.status_code == 201
    assert response.json()["visibility"] == "private"
    # … and a text file that claims to be a video is not.
    response = upload(token_client(user), b"hello, I am not a video\n" * 100, name="movie.mp4")
    error = assert_error(response, 400, "invalid")
    assert list(error["fields"]) == ["file"] and "not a video" in error["fields"]["file"][0]


def test_upload_refusals(user, clip_bytes):
    client = token_client(user)
    error = assert_error(client.post(LIST, {"title": "no file"}, format="multipart"), 400)
    assert "file" in error["fields"]
    error = assert_error(upload(client, b"", name="empty.mp4"), 400)
    assert "file" in error["fields"]
    error = assert_error(upload(client, clip_bytes, title="", visibility="everyone"), 400)
    assert set(error["fields"]) == {"title", "visibility"}
    assert_error(client.post(LIST, {"title": "json"}, format="json"), 415, "unsupported_media_type")
    assert_error(upload(APIClient(), clip_bytes), 401, "not_authenticated")
    assert Video.objects.count() == 0


def test_upload_with_session_needs_csrf(user, clip_bytes):
    assert_error(upload(session_client(user, enforce_csrf=True), clip_bytes), 403, "permission_denied")
    assert upload(session_client(user), clip_bytes).status_code == 201


def test_upload_over_the_limit_is_413(user, clip_bytes, settings):
    settings.MAX_UPLOAD_SIZE = len(clip_bytes) - 1
    client = token_client(user)
    error = assert_error(upload(client, clip_bytes), 413, "too_large")
    assert str(settings.MAX_UPLOAD_SIZE) in error["message"]
    assert Video.objects.count() == 0


def test_upload_refused_by_declared_length_before_parsing(user, settings, monkeypatch):
    """A Content-Length over the limit is refused before any upload handler sees a byte."""
    settings.MAX_UPLOAD_SIZE = 10
    seen = []
    monkeypatch.setattr(
        "django.core.files.uploadhandler.TemporaryFileUploadHandler.receive_data_chunk",
        lambda self, data, start: seen.append(len(data)),
    )
    response = upload(token_client(user), b"x" * 2_000_000)
    assert_error(response, 413, "too_large")
    assert seen == []


def test_upload_is_streamed_to_a_temporary_file(user, clip_bytes, monkeypatch):
    from django.core.files.uploadedfile import TemporaryUploadedFile

    from videos import api

    probed = []
    original = api.probe
    monkeypatch.setattr(api, "probe", lambda path, limits: probed.append(path) or original(path, limits))
    real_init = TemporaryUploadedFile.__init__
    made = []
    monkeypatch.setattr(TemporaryUploadedFile, "__init__", lambda self, *a, **k: made.append(1) or real_init(self, *a, **k))
    assert upload(token_client(user), clip_bytes).status_code == 201
    assert made and probed and probed[0].startswith("/")


def test_upload_throttle(user, clip_bytes, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "uploads": "2/hour"},
    }
    client = token_client(user)
    assert upload(client, clip_bytes).status_code == 201
    assert upload(client, clip_bytes).status_code == 201
    response = upload(client, clip_bytes)
    assert_error(response, 429, "throttled")
    assert int(response["Retry-After"]) > 0
    assert client.get(LIST).status_code == 200  # reading is not an upload


@pytest.mark.s3
def test_upload_to_s3(user, clip_bytes, s3_storage, s3_server):
    response = upload(token_client(user), clip_bytes)
    assert response.status_code == 201
    video = Video.objects.get(pk=response.json()["id"])
    stored = s3_server["client"].get_object(Bucket=s3_storage, Key=video.source.name)
    assert stored["Body"].read() == clip_bytes
