"""S3 multipart uploads: the client PUTs each part to a presigned UploadPart URL, straight to S3."""

from __future__ import annotations

import mimetypes

from botocore.exceptions import ClientError

from .base import StoredPart, StrayUpload, bare_etag


class S3Uploads:
    def __init__(self, store):
        self.store = store
        self.bucket = store.bucket_name
        self.client = store.connection.meta.client

    def _key(self, session) -> str:
        return self.store._normalize_name(session.key)

    def start(self, session) -> str:
        content_type = mimetypes.guess_type(session.filename)[0] or "application/octet-stream"
        answer = self.client.create_multipart_upload(Bucket=self.bucket, Key=self._key(session), ContentType=content_type)
        return answer["UploadId"]

    def part_url(self, session, number: int, expires_in: int) -> str:
        # Signed for the host name browsers use (S3_PUBLIC_ENDPOINT_URL); signing is local.
        signer = getattr(self.store, "_public_client", self.client)
        return signer.generate_presigned_url(
            "upload_part",
            Params={"Bucket": self.bucket, "Key": self._key(session), "UploadId": session.multipart_id,
                    "PartNumber": number},
            ExpiresIn=expires_in,
        )  # fmt: skip

    def parts(self, session) -> list[StoredPart]:
        paginator = self.client.get_paginator("list_parts")
        pages = paginator.paginate(Bucket=self.bucket, Key=self._key(session), UploadId=session.multipart_id)
        return [
            StoredPart(number=part["PartNumber"], size=part["Size"], etag=bare_etag(part["ETag"]))
            for page in pages
            for part in page.get("Parts", [])
        ]

    def assemble(self, session, parts: list[StoredPart]) -> None:
        self.client.complete_multipart_upload(
            Bucket=self.bucket,
            Key=self._key(session),
            UploadId=session.multipart_id,
            MultipartUpload={"Parts": [{"PartNumber": p.number, "ETag": f'"{p.etag}"'} for p in parts]},
        )

    def stored_size(self, session) -> int:
        return self.client.head_object(Bucket=self.bucket, Key=self._key(session))["ContentLength"]

    def abort(self, session) -> None:
        """Drop the session's parts; S3 frees their space at once."""
        if not session.multipart_id:
            return
        try:
            self.client.abort_multipart_upload(Bucket=self.bucket, Key=self._key(session), UploadId=session.multipart_id)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") not in {"NoSuchUpload", "404"}:
                raise

    def strays(self, prefix: str) -> list[StrayUpload]:
        paginator = self.client.get_paginator("list_multipart_uploads")
        return [
            StrayUpload(key=upload["Key"], multipart_id=upload["UploadId"], started_at=upload["Initiated"])
            for page in paginator.paginate(Bucket=self.bucket, Prefix=self.store._normalize_name(prefix))
            for upload in page.get("Uploads", [])
        ]

    def abort_stray(self, stray: StrayUpload) -> None:
        try:
            self.client.abort_multipart_upload(Bucket=self.bucket, Key=stray.key, UploadId=stray.multipart_id)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") not in {"NoSuchUpload", "404"}:
                raise
