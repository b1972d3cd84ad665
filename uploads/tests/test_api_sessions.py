"""The session protocol on local storage: create, part URLs, PUTs to Django, resume, complete, abort."""

import hashlib

import pytest
from django.core.files.storage import default_storage

from tests.api_support import assert_error, session_client, token_client
from uploads.backends.local import staging_root
from uploads.models import UploadSession
from videos.models import Video

from .support import (
    UPLOADS,
    MiB,
    complete,
    create,
    part_urls,
    put_part,
    send_parts,
    varied_bytes,
)

pytestmark = pytest.mark.django_db

SIZE = 11 * MiB + 123  # three parts of 5 MiB, the last one ragged


@pytest.fixture(autouse=True)
def _small_parts(settings):
    settings.UPLOAD_SESSION_PART_SIZE = 5 * MiB


@pytest.fixture
def content():
    return varied_bytes(SIZE)


def test_a_session_becomes_a_queued_video(user, content, django_capture_on_commit_callbacks, monkeypatch):
    queued = []
    monkeypatch.setattr("videos.services._enqueue_transcode", queued.append)
    client = token_client(user)
    response = create(client, size=SIZE, filename="My Holiday.MP4", title="Holiday", visibility="unlisted")
    assert response.status_code == 201, response.json()
    session = response.json()
    assert response["Location"] == f"http://testserver/api/v1/uploads/{session['id']}/"
    assert (session["status"], session["part_size"], session["part_count"], session["video_id"]) == ("open", 5 * MiB, 3, None)
    assert session["filename"] == "My-Holiday.mp4"

    etags = send_parts(client, session, content, [1, 2, 3])
    assert etags[1] == hashlib.md5(content[: 5 * MiB]).hexdigest()  # the ETag S3 would give
    assert not Video.objects.exists()  # no video before complete

    with django_capture_on_commit_callbacks(execute=True):
        response = complete(client, session["id"], etags)
    assert response.status_code == 201, response.json()
    video = Video.objects.get(pk=response.json()["id"])
    assert response["Location"] == f"http://testserver/api/v1/videos/{video.pk}/"
    assert (video.status, video.title, video.visibility, video.owner) == ("queued", "Holiday", "unlisted", user)
    assert video.source.name == f"videos/{video.pk}/source/My-Holiday.mp4" and video.source_size == SIZE
    with default_storage.open(video.source.name, "rb") as stored:
        assert hashlib.sha256(stored.read()).digest() == hashlib.sha256(content).digest()
    assert queued == [video.pk]
    assert client.get(f"{UPLOADS}{session['id']}/").json()["status"] == "completed"
    assert client.get(f"{UPLOADS}{session['id']}/").json()["video_id"] == str(video.pk)
    assert not (staging_root() / session["id"]).exists()
    # A session completes once.
    assert_error(complete(client, session["id"]), 409, "conflict")


def test_resume_sends_only_the_missing_parts(user, content):
    client = token_client(user)
    session = create(client, size=SIZE).json()
    send_parts(client, session, content, [1, 3])
    assert client.get(f"{UPLOADS}{session['id']}/").json()["status"] == "open"
    stored = client.get(f"{UPLOADS}{session['id']}/parts/").json()
    assert [(p["number"], p["size"]) for p in stored] == [(1, 5 * MiB), (3, SIZE - 10 * MiB)]
    error = assert_error(complete(client, session["id"]), 400, "invalid")
    assert "missing (2)" in error["message"]
    send_parts(client, session, content, [2])
    response = complete(client, session["id"])  # without the ETags: storage's list is the truth
    assert response.status_code == 201, response.json()
    with default_storage.open(Video.objects.get().source.name, "rb") as stored:
        assert stored.read() == content


def test_a_part_sent_twice_replaces_the_first(user, content):
    client = token_client(user)
    session = create(client, size=SIZE).json()
    send_parts(client, session, varied_bytes(SIZE, b"other"), [2])
    etags = send_parts(client, session, content, [1, 2, 3])
    assert complete(client, session["id"], etags).status_code == 201
    with default_storage.open(Video.objects.get().source.name, "rb") as stored:
        assert stored.read() == content


def test_wrong_parts_and_sizes_are_refused(user, content):
    client = token_client(user)
    session = create(client, size=SIZE).json()
    assert_error(part_urls(client, session["id"], [0]), 400)
    error = assert_error(part_urls(client, session["id"], [4]), 400)
    assert "parts 1 to 3" in error["message"]
    urls = {item["number"]: item["url"] for item in part_urls(client, session["id"], [1, 2, 3]).json()}
    # A part shorter or longer than its place: refused before anything is recorded.
    error = assert_error(put_part(client, urls[1], content[:1000]), 400, "invalid")
    assert "exactly 5242880 bytes" in error["message"]
    assert_error(put_part(client, urls[3], content[-(SIZE - 10 * MiB) - 1:]), 400, "invalid")
    # A URL signed for another part, tampered or expired.
    assert_error(put_part(client, urls[1].replace("/parts/1/", "/parts/2/"), content[:5 * MiB]), 403, "permission_denied")
    assert_error(put_part(client, urls[1].replace("signature=", "signature=0"), content[:5 * MiB]), 403)
    assert client.get(f"{UPLOADS}{session['id']}/parts/").json() == []
    etags = send_parts(client, session, content, [1, 2, 3])
    # ETags the client names must be those stored, for every part, each once.
    error = assert_error(complete(client, session["id"], {**etags, 2: "0" * 32}), 400)
    assert "Part 2's ETag" in error["message"]
    assert_error(complete(client, session["id"], {1: etags[1], 2: etags[2]}), 400)
    assert complete(client, session["id"], etags).status_code == 201


def test_part_urls_expire(user, content, monkeypatch):
    import time

    client = token_client(user)
    session = create(client, size=SIZE).json()
    url = part_urls(client, session["id"], [1]).json()[0]["url"]
    later = time.time() + 3601
    monkeypatch.setattr("uploads.backends.local.time.time", lambda: later)
    error = assert_error(put_part(client, url, content[: 5 * MiB]), 403)
    assert "expired" in error["message"]


def test_sessions_are_private_to_their_owner(user, other_user, content):
    session = create(token_client(user), size=SIZE).json()
    other = token_client(other_user)
    for response in (
        other.get(f"{UPLOADS}{session['id']}/"),
        other.get(f"{UPLOADS}{session['id']}/parts/"),
        part_urls(other, session["id"], [1]),
        complete(other, session["id"]),
        other.post(f"{UPLOADS}{session['id']}/abort/"),
    ):
        assert_error(response, 404, "not_found")
    assert other.get(UPLOADS).json() == []
    assert [s["id"] for s in token_client(user).get(UPLOADS).json()] == [session["id"]]


def test_abort_deletes_the_parts(user, content, settings):
    client = token_client(user)
    session = create(client, size=SIZE).json()
    urls = part_urls(client, session["id"], [1, 2]).json()
    send_parts(client, session, content, [1])
    assert (staging_root() / session["id"]).exists()
    response = client.post(f"{UPLOADS}{session['id']}/abort/")
    assert response.status_code == 200 and response.json()["status"] == "aborted"
    assert not (staging_root() / session["id"]).exists()
    assert_error(put_part(client, urls[1]["url"], content[5 * MiB: 10 * MiB]), 409, "conflict")
    assert_error(complete(client, session["id"]), 409)
    assert client.post(f"{UPLOADS}{session['id']}/abort/").status_code == 200  # twice is harmless
    assert not [p for p in settings.MEDIA_ROOT.rglob("*") if p.is_file()]


def test_refusals(user, django_user_model):
    client = token_client(user)
    assert_error(create(client, size=0), 400)
    error = assert_error(create(client, size=SIZE, title=""), 400)
    assert "title" in error["fields"]
    assert_error(client.post(UPLOADS, {"filename": "a.mp4"}, format="json"), 400)
    from rest_framework.test import APIClient

    assert_error(create(APIClient(), size=SIZE), 401, "not_authenticated")
    assert_error(create(session_client(user, enforce_csrf=True), size=SIZE), 403)
    viewer = django_user_model.objects.create_user(username="viewer", password="pw-viewer-123")
    from users.services import user_role_set

    user_role_set(user=viewer, role="viewer")
    error = assert_error(create(token_client(viewer), size=SIZE), 403)
    assert not UploadSession.objects.exists()


def test_a_failure_after_assembly_leaves_nothing_behind(user, content, monkeypatch, settings):
    client = token_client(user)
    session = create(client, size=SIZE).json()
    etags = send_parts(client, session, content, [1, 2, 3])

    def refuse(**_):
        raise RuntimeError("database gone")

    monkeypatch.setattr("uploads.services.video_create_from_stored", refuse)
    with pytest.raises(RuntimeError):
        complete(client, session["id"], etags)
    assert UploadSession.objects.get(pk=session["id"]).status == "aborted"
    assert not Video.objects.exists()
    assert not [p for p in settings.MEDIA_ROOT.rglob("*") if p.is_file()]
