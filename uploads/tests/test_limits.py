"""Limits and quotas: size, storage quota (at create and again at complete), open sessions."""

import pytest

from tests.api_support import assert_error, token_client
from tests.factories import VideoFactory
from uploads.models import UploadSession
from uploads.services import part_size_for
from videos.models import Video

from .support import UPLOADS, MiB, complete, create, send_parts, varied_bytes

pytestmark = pytest.mark.django_db

SIZE = 6 * MiB


@pytest.fixture(autouse=True)
def _small_parts(settings):
    settings.UPLOAD_SESSION_PART_SIZE = 5 * MiB


def test_a_file_over_the_session_limit_is_refused_at_create(user, settings):
    settings.UPLOAD_SESSION_MAX_SIZE = SIZE - 1
    error = assert_error(create(token_client(user), size=SIZE), 413, "too_large")
    assert str(SIZE - 1) in error["message"]
    assert not UploadSession.objects.exists()


def test_the_one_request_upload_says_to_use_a_session(user, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MAX_UPLOAD_SIZE = 10
    response = token_client(user).post(
        "/api/v1/videos/", {"file": SimpleUploadedFile("a.mp4", b"x" * 2000), "title": "t"}, format="multipart"
    )
    error = assert_error(response, 413, "too_large")
    assert "upload session (POST /api/v1/uploads/)" in error["message"]


def test_quota_is_checked_before_any_byte_is_sent(user, settings):
    settings.USER_STORAGE_QUOTA = 10 * MiB
    VideoFactory(owner=user, source_size=3 * MiB)
    client = token_client(user)
    assert create(client, size=SIZE).status_code == 201  # 3 + 6 of 10 MiB
    # The open session's 6 MiB count as promised: 3 + 6 + 6 > 10.
    error = assert_error(create(client, size=SIZE), 413, "too_large")
    assert "storage quota of 10.5 MB" in error["message"] and "in uploads in progress" in error["message"]
    # The admin's per-user quota overrides the setting.
    user.profile.storage_quota = 100 * MiB
    user.profile.save()
    assert create(token_client(user), size=SIZE).status_code == 201


def test_quota_is_checked_again_at_complete(user, settings):
    client = token_client(user)
    content = varied_bytes(SIZE)
    session = create(client, size=SIZE).json()
    etags = send_parts(client, session, content, [1, 2])
    settings.USER_STORAGE_QUOTA = SIZE + 1
    VideoFactory(owner=user, source_size=2)  # uploaded meanwhile, another way
    assert_error(complete(client, session["id"], etags), 413, "too_large")
    assert not Video.objects.filter(pk=session["id"]).exists()
    assert client.get(f"{UPLOADS}{session['id']}/").json()["status"] == "open"  # still there to finish
    Video.objects.all().delete()
    assert complete(client, session["id"], etags).status_code == 201


def test_open_sessions_are_limited(user, other_user, settings):
    settings.UPLOAD_SESSION_MAX_OPEN = 2
    client = token_client(user)
    first = create(client, size=SIZE).json()
    assert create(client, size=SIZE).status_code == 201
    error = assert_error(create(client, size=SIZE), 409, "conflict")
    assert "2 upload sessions open" in error["message"]
    assert create(token_client(other_user), size=SIZE).status_code == 201  # per user
    client.post(f"{UPLOADS}{first['id']}/abort/")
    assert create(client, size=SIZE).status_code == 201


def test_part_size_grows_for_very_large_files(settings):
    settings.UPLOAD_SESSION_PART_SIZE = 16 * MiB
    assert part_size_for(1) == 16 * MiB
    assert part_size_for(10_000 * 16 * MiB) == 16 * MiB
    assert part_size_for(10_000 * 16 * MiB + 1) == 17 * MiB
    settings.UPLOAD_SESSION_PART_SIZE = 1024
    assert part_size_for(SIZE) == 5 * MiB  # S3's smallest part
