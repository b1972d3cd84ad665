"""Expired and abandoned sessions are aborted, on local disk and on S3: no parts left behind."""

from datetime import timedelta

import pytest
import requests
from django.utils import timezone

from tests.api_support import assert_error, token_client
from uploads import tasks
from uploads.backends.local import staging_root
from uploads.models import UploadSession

from .support import UPLOADS, MiB, complete, create, part_urls, send_parts, varied_bytes

pytestmark = pytest.mark.django_db

SIZE = 11 * MiB


@pytest.fixture(autouse=True)
def _small_parts(settings):
    settings.UPLOAD_SESSION_PART_SIZE = 5 * MiB


def _expire(session_id):
    UploadSession.objects.filter(pk=session_id).update(expires_at=timezone.now() - timedelta(seconds=1))


def _started(client, content):
    session = create(client, size=SIZE).json()
    send_parts(client, session, content, [1, 2])
    return session


def test_the_beat_job_aborts_expired_sessions_on_disk(user, settings):
    client = token_client(user)
    content = varied_bytes(SIZE)
    expired, alive = _started(client, content), _started(client, content)
    _expire(expired["id"])
    assert tasks.upload_sessions_expire() == 1
    assert UploadSession.objects.get(pk=expired["id"]).status == "expired"
    assert not UploadSession.objects.get(pk=expired["id"]).parts.exists()
    assert not (staging_root() / expired["id"]).exists()
    assert (staging_root() / alive["id"]).exists()
    error = assert_error(part_urls(client, expired["id"], [3]), 410, "expired")
    assert "start a new session" in error["message"]
    assert_error(complete(client, expired["id"]), 410, "expired")
    client.post(f"{UPLOADS}{alive['id']}/abort/")
    assert not [p for p in settings.MEDIA_ROOT.rglob("*") if p.is_file()]


def test_a_session_found_expired_is_aborted_there_and_then(user):
    client = token_client(user)
    session = _started(client, varied_bytes(SIZE))
    _expire(session["id"])
    assert_error(client.get(f"{UPLOADS}{session['id']}/parts/"), 410, "expired")
    assert not (staging_root() / session["id"]).exists()
    assert UploadSession.objects.get(pk=session["id"]).status == "expired"


def test_stray_staging_folders_are_removed(user):
    (staging_root() / "0a4b2e9c-0000-0000-0000-000000000000").mkdir(parents=True)
    (staging_root() / "0a4b2e9c-0000-0000-0000-000000000000" / "data").write_bytes(b"x" * 100)
    client = token_client(user)
    session = _started(client, varied_bytes(SIZE))
    from uploads.services import upload_sessions_expire

    upload_sessions_expire(stray_age=3600)  # too young to be a stray yet
    assert len(list(staging_root().iterdir())) == 2
    upload_sessions_expire(stray_age=0)
    assert [p.name for p in staging_root().iterdir()] == [session["id"]]  # an open session's stay


@pytest.mark.s3
def test_expiry_leaves_no_multipart_upload_in_s3(user, s3_storage, s3_server):
    s3 = s3_server["client"]
    client = token_client(user)
    content = varied_bytes(SIZE)
    expired, alive = _started(client, content), _started(client, content)
    assert len(s3.list_multipart_uploads(Bucket=s3_storage).get("Uploads", [])) == 2
    handed_out = part_urls(client, expired["id"], [3]).json()[0]["url"]
    _expire(expired["id"])
    # A crash between S3 and the database: a multipart upload that no session knows.
    stray = s3.create_multipart_upload(Bucket=s3_storage, Key="videos/0a4b2e9c-0000-0000-0000-000000000000/source/x.mp4")
    from uploads.services import upload_sessions_expire

    assert upload_sessions_expire(stray_age=0) == 1
    uploads = s3.list_multipart_uploads(Bucket=s3_storage).get("Uploads", [])
    assert [u["UploadId"] for u in uploads] == [UploadSession.objects.get(pk=alive["id"]).multipart_id]
    assert stray["UploadId"] not in {u["UploadId"] for u in uploads}
    assert_error(part_urls(client, expired["id"], [3]), 410, "expired")
    # A URL handed out before is dead too: S3 no longer knows the upload.
    assert requests.put(handed_out, data=content[-MiB:], timeout=10).status_code == 404
    client.post(f"{UPLOADS}{alive['id']}/abort/")
    assert s3.list_multipart_uploads(Bucket=s3_storage).get("Uploads", []) == []
    assert s3.list_objects_v2(Bucket=s3_storage).get("KeyCount", 0) == 0
