"""Helpers for the upload session tests: a client that speaks the protocol, bytes of known content."""

from __future__ import annotations

import hashlib
from urllib.parse import urlsplit

import requests

MiB = 1024 * 1024
UPLOADS = "/api/v1/uploads/"


def varied_bytes(size: int, seed: bytes = b"mediasite") -> bytes:
    """SIZE bytes that are not zeros: a part written twice, skipped or out of place changes them."""
    return hashlib.shake_256(seed).digest(size)


def create(client, *, size: int, filename="clip.mp4", title="Resumed", **fields):
    return client.post(UPLOADS, {"filename": filename, "size": size, "title": title, **fields}, format="json")


def part_urls(client, session_id, numbers):
    return client.post(f"{UPLOADS}{session_id}/part-urls/", {"numbers": list(numbers)}, format="json")


def put_part(client, url: str, data: bytes):
    """PUT one part: through the test client when the URL is Django's own, with requests when it is S3's."""
    parts = urlsplit(url)
    if parts.hostname == "testserver":
        return client.generic("PUT", f"{parts.path}?{parts.query}", data, content_type="application/octet-stream")
    return requests.put(url, data=data, timeout=60)


def etag_of(response) -> str:
    return (response.headers["ETag"] if hasattr(response, "headers") else response["ETag"]).strip('"')


def send_parts(client, session: dict, content: bytes, numbers) -> dict[int, str]:
    """PUT the given parts of CONTENT; returns their ETags by number."""
    urls = {item["number"]: item["url"] for item in part_urls(client, session["id"], numbers).json()}
    etags = {}
    for number in numbers:
        start = (number - 1) * session["part_size"]
        response = put_part(client, urls[number], content[start:start + session["part_size"]])
        assert response.status_code == 200, (number, response.status_code, getattr(response, "content", b"")[:300])
        etags[number] = etag_of(response)
    return etags


def complete(client, session_id, etags: dict[int, str] | None = None):
    body = {} if etags is None else {"parts": [{"number": n, "etag": e} for n, e in sorted(etags.items())]}
    return client.post(f"{UPLOADS}{session_id}/complete/", body, format="json")
