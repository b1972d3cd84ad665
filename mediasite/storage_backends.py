"""Media storage backends: both hand out short-lived signed URLs, so private media stays private."""

import time
from functools import cached_property

import boto3
from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.encoding import filepath_to_uri
from storages.backends.s3 import S3Storage
from storages.utils import clean_name

_SIGNATURE_SALT = "mediasite.media-url"


def media_signature(name: str, expires: int) -> str:
    return salted_hmac(_SIGNATURE_SALT, f"{name}:{expires}", secret=settings.SECRET_KEY, algorithm="sha256").hexdigest()


def media_signature_valid(name: str, expires: int, signature: str) -> bool:
    if expires < time.time():
        return False
    return constant_time_compare(media_signature(name, expires), signature)


class SignedFileSystemStorage(FileSystemStorage):
    """Local storage whose URLs expire and are signed, like S3 presigned URLs."""

    def url(self, name, expire=None):
        expires = int(time.time()) + (expire or settings.MEDIA_URL_EXPIRY)
        return f"{settings.MEDIA_URL}{filepath_to_uri(name)}?expires={expires}&signature={media_signature(name, expires)}"


class PublicEndpointS3Storage(S3Storage):
    """S3 storage that signs URLs for the host name browsers use, which may differ from ours.

    Signing is local (no request to S3), so a second client costs nothing per URL.
    """

    def __init__(self, **settings_overrides):
        self.public_endpoint_url = settings_overrides.pop("public_endpoint_url", None)
        super().__init__(**settings_overrides)

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


__all__ = ["SignedFileSystemStorage", "PublicEndpointS3Storage", "media_signature_valid"]
