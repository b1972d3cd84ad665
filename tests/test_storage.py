"""Media goes through default storage: a real S3 bucket when configured, signed local files otherwise."""

from urllib.parse import parse_qs, urlencode, urlparse, urlunparse

import pytest
import requests
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from mediasite.storage_backends import PublicEndpointS3Storage


def _tamper(url: str, **changes) -> str:
    parts = urlparse(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    query.update(changes)
    return urlunparse(parts._replace(query=urlencode(query)))


def test_file_lands_in_real_bucket_and_presigned_url_works(s3_storage, s3_server):
    key = default_storage.save("videos/00000000-0000-0000-0000-000000000001/source/clip.mp4", ContentFile(b"hello s3"))
    head = s3_server["client"].head_object(Bucket=s3_storage, Key=key)
    assert head["ContentLength"] == 8

    url = default_storage.url(key)
    assert url.startswith(s3_server["endpoint"])
    assert "X-Amz-Signature" in url
    assert requests.get(url, timeout=10).content == b"hello s3"

    tampered = _tamper(url, **{"X-Amz-Signature": "0" * 64})
    assert requests.get(tampered, timeout=10).status_code == 403
    other_key = url.replace("clip.mp4", "other.mp4")
    assert requests.get(other_key, timeout=10).status_code == 403


def test_presigned_urls_use_public_endpoint(s3_storage, s3_server, settings):
    options = {**settings.STORAGES["default"]["OPTIONS"], "public_endpoint_url": "http://media.example.com:9000"}
    storage = PublicEndpointS3Storage(**options)
    url = storage.url("videos/x/hls/master.m3u8")
    assert url.startswith("http://media.example.com:9000/" + s3_storage + "/videos/x/hls/master.m3u8?")


@pytest.mark.django_db
def test_local_media_signed_urls(client):
    key = default_storage.save("videos/00000000-0000-0000-0000-000000000002/thumbs/poster.jpg", ContentFile(b"jpeg"))
    url = default_storage.url(key)
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"jpeg"
    assert response["Content-Type"] == "image/jpeg"

    assert client.get(_tamper(url, signature="0" * 64)).status_code == 403
    assert client.get(_tamper(url, expires="1")).status_code == 403
    assert client.get(url.split("?")[0]).status_code == 403
    traversal = client.get("/media/../mediasite/settings.py?" + url.split("?")[1])
    assert traversal.status_code in (403, 404)


def test_local_media_urls_expire_after_their_lifetime(settings, monkeypatch, client):
    from mediasite import storage_backends

    storage = storage_backends.SignedFileSystemStorage(location=settings.MEDIA_ROOT)
    now = 1_800_000_030.0
    monkeypatch.setattr(storage_backends.time, "time", lambda: now)
    url = storage.url("videos/x/thumbs/poster.jpg", expire=120)
    query = parse_qs(urlparse(url).query)
    expires, signature = int(query["expires"][0]), query["signature"][0]
    assert expires == now + 120
    assert storage_backends.media_signature_valid("videos/x/thumbs/poster.jpg", expires, signature)
    assert not storage_backends.media_signature_valid("videos/x/thumbs/other.jpg", expires, signature)
    now += 121
    assert not storage_backends.media_signature_valid("videos/x/thumbs/poster.jpg", expires, signature)
    # Another secret signs differently: rotating SECRET_KEY revokes every link.
    now -= 121
    settings.SECRET_KEY = "another-secret-" + "x" * 50
    assert not storage_backends.media_signature_valid("videos/x/thumbs/poster.jpg", expires, signature)
