"""Media goes through default storage: a real S3 bucket when configured, signed local files otherwise."""

from urllib.parse import parse_qs, urlencode, urlparse, urlunparse

import pytest
import requests
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from mediasite.backends.storage import PublicEndpointS3Storage


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
    from mediasite.backends import storage as storage_backends

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


# ---- The one interface, on both backends ------------------------------------------------------


@pytest.fixture(params=["local", "s3"])
def media_storage(request):
    """The default storage as each deployment has it: local files, then the real S3 server."""
    if request.param == "s3":
        request.getfixturevalue("s3_storage")
    return default_storage


def test_put_replaces_at_the_exact_key_and_reads_back(media_storage, tmp_path):
    source = tmp_path / "segment.m4s"
    source.write_bytes(b"first")
    media_storage.put_file("videos/a/out/1/hls/720p/seg_00000.m4s", source)
    source.write_bytes(b"second")
    media_storage.put_file("videos/a/out/1/hls/720p/seg_00000.m4s", source)
    media_storage.put_bytes("videos/a/subtitles/en.subtitles.vtt", b"WEBVTT\n", content_type="text/vtt")
    media_storage.put_bytes("videos/a/subtitles/en.subtitles.vtt", b"WEBVTT\n\nreplaced\n")
    assert media_storage.read_bytes("videos/a/out/1/hls/720p/seg_00000.m4s") == b"second"
    assert media_storage.read_bytes("videos/a/subtitles/en.subtitles.vtt") == b"WEBVTT\n\nreplaced\n"
    assert media_storage.keys_under("videos/a/") == [
        "videos/a/out/1/hls/720p/seg_00000.m4s", "videos/a/subtitles/en.subtitles.vtt",
    ]


def test_keys_and_deletes_stay_inside_their_prefix(media_storage):
    for key in ("videos/a/out/1/x.jpg", "videos/a/out/1/hls/y.m3u8", "videos/a/out/12/z.jpg", "videos/ab/w.jpg"):
        media_storage.put_bytes(key, b"x")
    assert sorted(media_storage.keys_under("videos/a/out/1/")) == ["videos/a/out/1/hls/y.m3u8", "videos/a/out/1/x.jpg"]
    assert media_storage.delete_prefix("videos/a/out/1/") == 2
    assert sorted(media_storage.keys_under("videos/a")) == ["videos/a/out/12/z.jpg"]
    assert media_storage.keys_under("videos/missing/") == [] and media_storage.delete_prefix("videos/missing/") == 0
    assert media_storage.exists("videos/ab/w.jpg")


def test_s3_objects_carry_the_headers_of_their_kind(s3_storage, s3_server, tmp_path):
    source = tmp_path / "index.m3u8"
    source.write_text("#EXTM3U\n")
    default_storage.put_file("v/hls/index.m3u8", source)
    default_storage.put_file("v/hls/seg.m4s", source)
    default_storage.put_bytes("v/poster.jpg", b"jpeg", cache_control="no-store")
    client = s3_server["client"]
    heads = {key: client.head_object(Bucket=s3_storage, Key=key) for key in ("v/hls/index.m3u8", "v/hls/seg.m4s", "v/poster.jpg")}
    assert heads["v/hls/index.m3u8"]["ContentType"] == "application/vnd.apple.mpegurl"
    assert heads["v/hls/seg.m4s"]["CacheControl"] == "private, max-age=31536000, immutable"
    assert (heads["v/poster.jpg"]["ContentType"], heads["v/poster.jpg"]["CacheControl"]) == ("image/jpeg", "no-store")


def test_local_media_is_served_with_the_headers_s3_would_send(client):
    default_storage.put_bytes("videos/b/out/1/hls/720p/seg_00001.m4s", b"segment")
    url = urlparse(default_storage.url("videos/b/out/1/hls/720p/seg_00001.m4s"))
    response = client.get(f"{url.path}?{url.query}")
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"segment"
    assert response["Content-Type"] == "video/iso.segment"
    assert response["Cache-Control"] == "private, max-age=31536000, immutable"
