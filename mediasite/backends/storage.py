"""Media storage backends, local and S3, behind one interface (the shape of Zulip's upload backends).

Callers never ask which backend is in use. Each one puts a file or bytes at an exact key with its
Content-Type and Cache-Control, reads, lists and deletes a prefix, and hands out short-lived
signed URLs, so private media stays private. `serves_own_urls` says whether Django serves those
URLs (local files, mediasite/views/media.py) or the object store does.
"""

import os
import threading
import time
from functools import cached_property
from pathlib import Path, PurePosixPath

import boto3
from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.encoding import filepath_to_uri
from storages.backends.s3 import S3Storage
from storages.utils import clean_name

_SIGNATURE_SALT = "mediasite.media-url"

# Objects under a transcode attempt's prefix are never rewritten, so segments may be cached for
# good; playlists and captions are small and may be replaced.
IMMUTABLE = "private, max-age=31536000, immutable"
SHORT = "private, max-age=300"

MEDIA_HEADERS = {
    ".m3u8": ("application/vnd.apple.mpegurl", SHORT),
    ".m4s": ("video/iso.segment", IMMUTABLE),
    ".mp4": ("video/mp4", IMMUTABLE),
    ".jpg": ("image/jpeg", IMMUTABLE),
    ".vtt": ("text/vtt; charset=utf-8", SHORT),
}


def media_headers(key: str) -> tuple[str, str]:
    """(Content-Type, Cache-Control) of a media object, from its key's suffix."""
    return MEDIA_HEADERS.get(PurePosixPath(key).suffix.lower(), ("application/octet-stream", SHORT))


def media_signature(name: str, expires: int) -> str:
    return salted_hmac(_SIGNATURE_SALT, f"{name}:{expires}", secret=settings.SECRET_KEY, algorithm="sha256").hexdigest()


def media_signature_valid(name: str, expires: int, signature: str) -> bool:
    if expires < time.time():
        return False
    return constant_time_compare(media_signature(name, expires), signature)


class SignedFileSystemStorage(FileSystemStorage):
    """Local storage whose URLs expire and are signed, like S3 presigned URLs.

    Keys are exact: a put replaces what was there (allow_overwrite, Django 5.1) instead of saving
    under another name. Headers are not stored with local files; media_serve derives them from
    the key as put_file would have set them.
    """

    serves_own_urls = True

    def __init__(self, **kwargs):
        kwargs.setdefault("allow_overwrite", True)
        super().__init__(**kwargs)

    def url(self, name, expire=None):
        expires = int(time.time()) + (expire or settings.MEDIA_URL_EXPIRY)
        return f"{settings.MEDIA_URL}{filepath_to_uri(name)}?expires={expires}&signature={media_signature(name, expires)}"

    def put_file(self, key: str, path: Path, *, content_type: str = "", cache_control: str = "") -> None:
        with open(path, "rb") as handle:
            self._put(key, File(handle))

    def put_bytes(self, key: str, data: bytes, *, content_type: str = "", cache_control: str = "") -> None:
        self._put(key, ContentFile(data))

    def _put(self, key: str, content) -> None:
        saved = self.save(key, content)
        if saved != key:  # the key is the contract: a renamed object is a bug worth a crash
            raise RuntimeError(f"storage saved {key!r} as {saved!r}")

    def read_bytes(self, key: str) -> bytes:
        with self.open(key, "rb") as handle:
            return handle.read()

    def local_file(self, key: str, directory: Path) -> Path:
        """A local path to read the object from: the stored file itself, with no copy."""
        path = Path(self.path(key))
        if not path.is_file():
            raise FileNotFoundError(key)
        return path

    def keys_under(self, prefix: str) -> list[str]:
        root = Path(self.path(prefix.rstrip("/")))
        base = Path(self.location)
        return sorted(
            (Path(folder) / name).relative_to(base).as_posix()
            for folder, _, files in os.walk(root)
            for name in files
        )

    def delete_prefix(self, prefix: str) -> int:
        keys = self.keys_under(prefix)
        for key in keys:
            self.delete(key)
        root = Path(self.path(prefix.rstrip("/")))
        for folder, _, _ in sorted(os.walk(root), key=lambda entry: len(entry[0]), reverse=True):
            try:
                os.rmdir(folder)  # empty folders only; one that gained a file meanwhile stays
            except OSError:
                pass
        return len(keys)


class PublicEndpointS3Storage(S3Storage):
    """S3 storage that signs URLs for the host name browsers use, which may differ from ours.

    Signing is local (no request to S3), so a second client costs nothing per URL.
    """

    serves_own_urls = False

    def put_file(self, key: str, path: Path, *, content_type: str = "", cache_control: str = "") -> None:
        # boto3's managed transfer: multipart for big files, and headers set per object, which
        # Storage.save() cannot do.
        self.bucket.upload_file(str(path), self._normalize_name(clean_name(key)),
                                ExtraArgs=self._headers(key, content_type, cache_control))

    def put_bytes(self, key: str, data: bytes, *, content_type: str = "", cache_control: str = "") -> None:
        self.bucket.put_object(Key=self._normalize_name(clean_name(key)), Body=data,
                               **self._headers(key, content_type, cache_control))

    @staticmethod
    def _headers(key: str, content_type: str, cache_control: str) -> dict:
        default_type, default_cache = media_headers(key)
        return {"ContentType": content_type or default_type, "CacheControl": cache_control or default_cache}

    def read_bytes(self, key: str) -> bytes:
        with self.open(key, "rb") as handle:
            return handle.read()

    def local_file(self, key: str, directory: Path) -> Path:
        """A local path to read the object from: downloaded into directory (boto3's parallel ranged GETs)."""
        target = Path(directory) / f"source{PurePosixPath(key).suffix[:10]}"
        self.bucket.download_file(self._normalize_name(clean_name(key)), str(target))
        return target

    def keys_under(self, prefix: str) -> list[str]:
        # One listing request per 1000 keys, instead of a request per "directory".
        start = self._normalize_name(clean_name(prefix.rstrip("/"))) + "/"
        strip = len(self.location.strip("/")) + 1 if self.location else 0
        return [obj.key[strip:] for obj in self.bucket.objects.filter(Prefix=start)]

    def delete_prefix(self, prefix: str) -> int:
        keys = self.keys_under(prefix)
        for at in range(0, len(keys), 1000):  # DeleteObjects takes up to 1000 keys a request
            batch = [{"Key": self._normalize_name(clean_name(key))} for key in keys[at:at + 1000]]
            self.bucket.delete_objects(Delete={"Objects": batch, "Quiet": True})
        return len(keys)

    def __init__(self, **settings_overrides):
        self.public_endpoint_url = settings_overrides.pop("public_endpoint_url", None)
        super().__init__(**settings_overrides)
        self._shared_connection = None
        self._shared_connection_lock = threading.Lock()

    @property
    def connection(self):
        """One boto3 S3 resource for the whole process, not one per thread.

        django-storages keeps a connection per thread (threading.local), and under ASGI each
        request runs in a thread of its own, so every request built a new boto3 session and
        client: 0.09–0.22 CPU s each, which made daphne spend ~1 CPU s on the API requests of one
        1 GiB upload session (bench/upload.py --session; 0.11 s with one client). Upstream:
        jschneier/django-storages#1472 (open). The client under it is thread-safe; the storage
        already shares its Bucket resource across threads.
        """
        if self._shared_connection is None:
            with self._shared_connection_lock:
                if self._shared_connection is None:
                    self._shared_connection = self._create_session().resource(
                        "s3", region_name=self.region_name, use_ssl=self.use_ssl, endpoint_url=self.endpoint_url,
                        config=self.client_config, verify=self.verify,
                    )
        return self._shared_connection

    def __getstate__(self):
        state = super().__getstate__()
        state.pop("_shared_connection", None)
        state.pop("_shared_connection_lock", None)
        return state

    def __setstate__(self, state):
        super().__setstate__(state)
        self._shared_connection = None
        self._shared_connection_lock = threading.Lock()

    @cached_property
    def _public_client(self):
        if not self.public_endpoint_url or self.public_endpoint_url == self.endpoint_url:
            return self.connection.meta.client
        return boto3.session.Session().client(
            "s3",
            endpoint_url=self.public_endpoint_url,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
            region_name=self.region_name,
            config=self.client_config,
        )

    def url(self, name, parameters=None, expire=None, http_method=None):
        params = dict(parameters or {}, Bucket=self.bucket_name, Key=self._normalize_name(clean_name(name)))
        return self._public_client.generate_presigned_url(
            "get_object", Params=params, ExpiresIn=expire or self.querystring_expire, HttpMethod=http_method
        )


__all__ = ["SignedFileSystemStorage", "PublicEndpointS3Storage", "media_headers", "media_signature_valid"]
