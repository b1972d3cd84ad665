"""Where a backup lives: a directory or an S3 bucket/prefix, behind one small interface.

Names are relative to the backup's root and use "/" (`objects/ab/ab…`, `<snapshot>/manifest.json`),
so backups.services never asks which kind it reads or writes. Each kind checks that a name exists,
puts a local file or bytes at a name (whole or not at all), streams a checksum of what a name holds,
hands out a local path to read it from, and lists the folders at its root. A missing name is
FileNotFoundError; anything else that stops the destination is DestinationError, with a message
for the operator.

S3 is reached with boto3 at the installation's own endpoint and keys unless others are given
(`manage.py backup --s3-endpoint-url …`, BACKUP_S3_* in the environment), so a backup may go to
another S3 than the media's.
"""

import hashlib
import os
import re
import shutil
import tempfile
from contextlib import closing, contextmanager
from pathlib import Path, PurePosixPath
from typing import Protocol

import boto3
from boto3.exceptions import Boto3Error
from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings

from mediasite.errors import DomainError
from mediasite.s3_options import s3_client_config, s3_transfer_config

CHUNK = 1 << 20
# S3's rules for bucket names (3 to 63 lowercase letters, digits, dots and hyphens, alphanumeric at both ends).
_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
_MISSING = {"404", "NoSuchKey", "NotFound"}
_REFUSED = {"403", "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken", "ExpiredToken"}


class DestinationError(DomainError):
    """The backup destination cannot be used: a bad address, a missing bucket, refused credentials."""


class Destination(Protocol):
    def exists(self, name: str) -> bool: ...
    def put_file(self, name: str, path: Path) -> None: ...
    def put_bytes(self, name: str, data: bytes) -> None: ...
    def read_bytes(self, name: str) -> bytes: ...
    def sha256(self, name: str) -> str: ...
    def local_file(self, name: str, directory: Path) -> Path: ...
    def folders(self) -> list[str]: ...
    def up(self) -> tuple["Destination", str]: ...


def destination_open(
    target: str | Path,
    *,
    endpoint_url: str | None = None,
    access_key: str | None = None,
    secret_key: str | None = None,
    region: str | None = None,
) -> Destination:
    """The destination TARGET names: `s3://bucket/prefix` (checked to answer), or a directory."""
    text = str(target)
    scheme, found, rest = text.partition("://")
    if not found:
        return DirectoryDestination(Path(target))
    if scheme.lower() != "s3":
        raise DestinationError(f"{text}: a backup goes to a directory or to s3://bucket/prefix, not {scheme}://.")
    bucket, _, prefix = rest.partition("/")
    if not _BUCKET.fullmatch(bucket):
        raise DestinationError(f"{text}: {bucket!r} is not an S3 bucket name (s3://bucket/prefix).")
    parts = [part for part in prefix.split("/") if part]
    if any(part in (".", "..") for part in parts) or any(char in prefix for char in "?#\\"):
        raise DestinationError(f"{text}: the prefix may not hold '.', '..', '?', '#' or '\\'.")
    try:
        client = boto3.client(
            "s3",
            endpoint_url=endpoint_url or settings.S3_ENDPOINT_URL,
            aws_access_key_id=access_key or settings.S3_ACCESS_KEY_ID,
            aws_secret_access_key=secret_key or settings.S3_SECRET_ACCESS_KEY,
            region_name=region or settings.S3_REGION,
            config=s3_client_config(),
        )
    except (BotoCoreError, ValueError) as error:
        raise DestinationError(f"{text}: {error}") from None
    destination = S3Destination(client, bucket, "/".join(parts))
    destination.check()
    return destination


class DirectoryDestination:
    """A backup in a local directory (made when first written to)."""

    def __init__(self, root: Path):
        self.root = Path(root)

    def __str__(self) -> str:
        return str(self.root)

    def exists(self, name: str) -> bool:
        return (self.root / name).is_file()

    def put_file(self, name: str, path: Path) -> None:
        with self._replacing(name) as partial:
            shutil.copyfile(path, partial)

    def put_bytes(self, name: str, data: bytes) -> None:
        with self._replacing(name) as partial:
            Path(partial).write_bytes(data)

    @contextmanager
    def _replacing(self, name: str):
        # Written beside the target, then renamed: a reader never sees half a file.
        target = self.root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, partial = tempfile.mkstemp(dir=target.parent, prefix=".partial-")
        os.close(handle)
        try:
            yield partial
            os.replace(partial, target)
        except BaseException:
            os.unlink(partial)
            raise

    def read_bytes(self, name: str) -> bytes:
        return (self.root / name).read_bytes()

    def sha256(self, name: str) -> str:
        return file_sha256(self.root / name)

    def local_file(self, name: str, directory: Path) -> Path:
        """The stored file itself, with no copy."""
        path = self.root / name
        if not path.is_file():
            raise FileNotFoundError(path)
        return path

    def folders(self) -> list[str]:
        return sorted(path.name for path in self.root.iterdir() if path.is_dir()) if self.root.is_dir() else []

    def up(self) -> tuple["DirectoryDestination", str]:
        root = self.root.resolve()
        return DirectoryDestination(root.parent), root.name


class S3Destination:
    """A backup under a prefix of an S3 bucket (boto3; big objects go up and down in parts)."""

    def __init__(self, client, bucket: str, prefix: str):
        self.client, self.bucket, self.prefix = client, bucket, prefix.strip("/")

    def __str__(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}" if self.prefix else f"s3://{self.bucket}"

    def _key(self, name: str) -> str:
        return f"{self.prefix}/{name}" if self.prefix else name

    def check(self) -> None:
        """Refuse now, with a clear message, a bucket that is missing or credentials that are refused."""
        with self._errors():
            self.client.head_bucket(Bucket=self.bucket)

    def exists(self, name: str) -> bool:
        try:
            with self._errors(name):
                self.client.head_object(Bucket=self.bucket, Key=self._key(name))
        except FileNotFoundError:
            return False
        return True

    def put_file(self, name: str, path: Path) -> None:
        with self._errors():
            self.client.upload_file(str(path), self.bucket, self._key(name), Config=s3_transfer_config())

    def put_bytes(self, name: str, data: bytes) -> None:
        with self._errors():
            self.client.put_object(Bucket=self.bucket, Key=self._key(name), Body=data)

    def read_bytes(self, name: str) -> bytes:
        with self._errors(name):
            with closing(self.client.get_object(Bucket=self.bucket, Key=self._key(name))["Body"]) as body:
                return body.read()

    def sha256(self, name: str) -> str:
        """The checksum of what NAME holds, read as a stream (nothing kept in memory or on disk)."""
        digest = hashlib.sha256()
        with self._errors(name):
            with closing(self.client.get_object(Bucket=self.bucket, Key=self._key(name))["Body"]) as body:
                for chunk in body.iter_chunks(CHUNK):
                    digest.update(chunk)
        return digest.hexdigest()

    def local_file(self, name: str, directory: Path) -> Path:
        """Downloaded into DIRECTORY under NAME's last part (boto3's parallel ranged GETs)."""
        target = Path(directory) / PurePosixPath(name).name
        with self._errors(name):
            self.client.download_file(self.bucket, self._key(name), str(target), Config=s3_transfer_config())
        return target

    def folders(self) -> list[str]:
        start = f"{self.prefix}/" if self.prefix else ""
        names = []
        with self._errors():
            for page in self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=start, Delimiter="/"
            ):
                names += [entry["Prefix"][len(start):].rstrip("/") for entry in page.get("CommonPrefixes", [])]
        return sorted(names)

    def up(self) -> tuple["S3Destination", str]:
        if not self.prefix:
            raise DestinationError(f"{self}: a snapshot at a bucket's root has no backup above it.")
        parent, _, name = self.prefix.rpartition("/")
        return S3Destination(self.client, self.bucket, parent), name

    @contextmanager
    def _errors(self, name: str = ""):
        """Turn boto3's errors into FileNotFoundError (a missing NAME) or DestinationError, with what to check."""
        try:
            yield
        except ClientError as error:
            code = str(error.response.get("Error", {}).get("Code", ""))
            if name and code in _MISSING:
                raise FileNotFoundError(f"{self}/{name}") from None
            endpoint = self.client.meta.endpoint_url
            if code in _MISSING | {"NoSuchBucket"}:
                raise DestinationError(f"{self}: there is no bucket {self.bucket!r} at {endpoint}.") from None
            if code in _REFUSED:
                raise DestinationError(
                    f"{self}: {endpoint} refused the credentials ({code}); check the access key and secret "
                    "(--s3-access-key-id, --s3-secret-access-key or BACKUP_S3_*)."
                ) from None
            raise DestinationError(f"{self}: S3 at {endpoint} answered {code}: {error}") from None
        except (BotoCoreError, Boto3Error) as error:  # Boto3Error: a managed transfer's (S3UploadFailedError …)
            raise DestinationError(f"{self}: {error}") from None


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()
