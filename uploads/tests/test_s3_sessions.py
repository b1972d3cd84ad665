"""The same protocol on a real S3 server: parts go to presigned UploadPart URLs, never through Django."""

import hashlib

import pytest
import requests

from tests.api_support import assert_error, token_client
from uploads.models import UploadSession
from videos.models import Video

from .support import UPLOADS, MiB, complete, create, part_urls, send_parts, varied_bytes

pytestmark = [pytest.mark.django_db, pytest.mark.s3]

SIZE = 11 * MiB + 5


@pytest.fixture(autouse=True)
def _small_parts(settings):
    settings.UPLOAD_SESSION_PART_SIZE = 5 * MiB


def test_a_session_on_s3(user, s3_storage, s3_server):
    s3 = s3_server["client"]
    client = token_client(user)
    content = varied_bytes(SIZE)
    session = create(client, size=SIZE, filename="clip.mp4").json()
    urls = part_urls(client, session["id"], [1, 2, 3]).json()
    assert all(item["url"].startswith(s3_server["endpoint"] + "/") for item in urls)
    etags = send_parts(client, session, content, [1, 3])
    stored = client.get(f"{UPLOADS}{session['id']}/parts/").json()
    assert [(p["number"], p["size"], p["etag"]) for p in stored] == [
        (1, 5 * MiB, etags[1]), (3, SIZE - 10 * MiB, etags[3]),
    ]  # fmt: skip
    assert_error(complete(client, session["id"]), 400)
    etags |= send_parts(client, session, content, [2])
    response = complete(client, session["id"], etags)
    assert response.status_code == 201, response.json()
    video = Video.objects.get(pk=response.json()["id"])
    assert video.status == "queued" and video.source_size == SIZE
    body = s3.get_object(Bucket=s3_storage, Key=video.source.name)["Body"].read()
    assert hashlib.sha256(body).digest() == hashlib.sha256(content).digest()
    assert s3.list_multipart_uploads(Bucket=s3_storage).get("Uploads", []) == []


def test_wrong_sizes_sent_to_s3_are_refused_at_complete(user, s3_storage):
    client = token_client(user)
    content = varied_bytes(SIZE)
    session = create(client, size=SIZE).json()
    urls = {item["number"]: item["url"] for item in part_urls(client, session["id"], [1, 2, 3]).json()}
    # S3 takes a part of any size; complete checks each against its place in the file.
    assert requests.put(urls[2], data=content[: 6 * MiB], timeout=30).status_code == 200
    etags = send_parts(client, session, content, [1, 3])
    error = assert_error(complete(client, session["id"]), 400)
    assert "Part 2 has 6291456 bytes; it must have 5242880" in error["message"]
    assert not Video.objects.exists()
    etags |= send_parts(client, session, content, [2])  # sent again, right
    response = complete(client, session["id"], etags)
    assert response.status_code == 201, response.json()


def test_abort_on_s3_frees_the_parts(user, s3_storage, s3_server):
    s3 = s3_server["client"]
    client = token_client(user)
    session = create(client, size=SIZE).json()
    send_parts(client, session, varied_bytes(SIZE), [1])
    upload_id = UploadSession.objects.get(pk=session["id"]).multipart_id
    assert client.post(f"{UPLOADS}{session['id']}/abort/").json()["status"] == "aborted"
    assert s3.list_multipart_uploads(Bucket=s3_storage).get("Uploads", []) == []
    with pytest.raises(s3.exceptions.NoSuchUpload):
        s3.list_parts(Bucket=s3_storage, Key=UploadSession.objects.get().key, UploadId=upload_id)
