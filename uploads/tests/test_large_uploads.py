"""A real-size upload through sessions, on daphne as in production, local storage and S3.

A few hundred MB of generated 1080p video go up part by part; at about 40 % one part's connection
drops mid-body; the client then asks which parts are stored and sends only the others, four at a
time. The stored
source must be the file, byte for byte. Throughput and the web process's memory, CPU and bytes read
are printed (`pytest -s`), and with S3 the web process must not have read the file's bytes.
"""

import hashlib
import json
import os
import shutil
import socket
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from django.core.files.storage import default_storage
from rest_framework.authtoken.models import Token

from bench.support import status_kib
from uploads.backends.local import staging_root
from videos.models import Video
from videos.tests.test_pages_browser import DaphneServer, media_env, process_env  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True), pytest.mark.timeout(900)]

MiB = 1024 * 1024
# About 4 MB a second of lossless 1080p: 75 s make some 300 MB (UPLOAD_TEST_SECONDS to change it).
SECONDS = int(os.environ.get("UPLOAD_TEST_SECONDS", "75"))


@pytest.fixture(scope="module")
def big_clip(tmp_path_factory):
    path = tmp_path_factory.mktemp("large") / "big.mkv"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=1920x1080:rate=30", "-t", str(SECONDS),
         "-pix_fmt", "yuv420p", "-c:v", "libx264", "-preset", "ultrafast", "-qp", "0", str(path)],
        check=True, timeout=600,
    )  # fmt: skip
    yield path
    path.unlink(missing_ok=True)


@pytest.fixture(params=["local", pytest.param("s3", marks=pytest.mark.s3)])
def storage_kind(request):
    return request.param


def _proc(pid: int) -> dict:
    ticks = os.sysconf("SC_CLK_TCK")
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return {"cpu_s": (int(fields[11]) + int(fields[12])) / ticks,
            "rss_kib": status_kib(pid, "VmRSS"), "hwm_kib": status_kib(pid, "VmHWM")}  # fmt: skip


class CountingProxy:
    """A TCP relay in front of daphne that counts the bytes clients send it (what the web process receives)."""

    def __init__(self, target_port: int):
        self.target_port = target_port
        self.received = 0
        self._lock = threading.Lock()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            threading.Thread(target=self._pump, args=(client, upstream, True), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client, False), daemon=True).start()

    def _pump(self, source, sink, count):
        try:
            while data := source.recv(MiB):
                if count:
                    with self._lock:
                        self.received += len(data)
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def close(self):
        self._listener.close()


def _put(url: str, clip: Path, offset: int, size: int) -> str:
    with clip.open("rb") as source:
        source.seek(offset)
        response = requests.put(url, data=source.read(size), timeout=120)
    assert response.status_code == 200, (response.status_code, response.text[:300])
    return response.headers["ETag"].strip('"')


def _put_and_drop(url: str, clip: Path, offset: int, size: int) -> None:
    """Send the headers and half the part's body, then close: the connection dropped."""
    target = urlsplit(url)
    with clip.open("rb") as source, socket.create_connection((target.hostname, target.port), timeout=30) as sock:
        source.seek(offset)
        head = f"PUT {target.path}?{target.query} HTTP/1.1\r\nHost: {target.netloc}\r\nContent-Length: {size}\r\n\r\n"
        sock.sendall(head.encode() + source.read(size // 2))
    time.sleep(0.5)


def _warm_up(url, api) -> None:
    """One tiny session opened and aborted, so that the figures are of the upload, not of first imports."""
    session = api.post(f"{url}/api/v1/uploads/", json={"filename": "w.mp4", "size": 1, "title": "w"}).json()
    api.post(f"{url}/api/v1/uploads/{session['id']}/part-urls/", json={"numbers": [1]})
    api.get(f"{url}/api/v1/uploads/{session['id']}/parts/")
    api.post(f"{url}/api/v1/uploads/{session['id']}/abort/")


def _sha256_of_stored(key: str, storage_kind: str, request) -> str:
    digest = hashlib.sha256()
    if storage_kind == "local":
        with default_storage.open(key, "rb") as stored:
            while chunk := stored.read(8 * MiB):
                digest.update(chunk)
    else:
        body = request.getfixturevalue("s3_server")["client"].get_object(
            Bucket=request.getfixturevalue("s3_bucket"), Key=key)["Body"]
        for chunk in body.iter_chunks(8 * MiB):
            digest.update(chunk)
    return digest.hexdigest()


def test_a_large_upload_resumes_after_a_drop(storage_kind, process_env, big_clip, user, tmp_path, request):  # noqa: F811
    size = big_clip.stat().st_size
    api = requests.Session()
    api.headers["Authorization"] = f"Token {Token.objects.create(user=user).key}"
    server = DaphneServer(process_env, tmp_path / "daphne.log")
    server.start()
    proxy = CountingProxy(server.port)
    url = f"http://127.0.0.1:{proxy.port}"
    try:
        _warm_up(url, api)
        before = _proc(server.process.pid)
        started = time.monotonic()
        received_before = proxy.received
        response = api.post(f"{url}/api/v1/uploads/", json={"filename": big_clip.name, "size": size, "title": "Big"})
        assert response.status_code == 201, response.text
        session = response.json()
        uploads = f"{url}/api/v1/uploads/{session['id']}"
        count, part_size = session["part_count"], session["part_size"]
        numbers = list(range(1, count + 1))
        urls = {i["number"]: i["url"] for i in api.post(f"{uploads}/part-urls/", json={"numbers": numbers}).json()}
        if storage_kind == "s3":
            assert all(url.startswith(process_env["S3_ENDPOINT_URL"]) for url in urls.values())

        sent: list[int] = []
        etags = {}
        puts_start = _proc(server.process.pid)
        dropped = round(count * 0.4)
        for number in numbers[: dropped - 1]:
            etags[number] = _put(urls[number], big_clip, (number - 1) * part_size, part_size)
            sent.append(number)
        _put_and_drop(urls[dropped], big_clip, (dropped - 1) * part_size, part_size)

        # The client starts again: it asks what is stored and sends only the rest.
        stored = api.get(f"{uploads}/parts/").json()
        assert [p["number"] for p in stored] == numbers[: dropped - 1]
        missing = sorted(set(numbers) - {p["number"] for p in stored})
        fresh = {i["number"]: i["url"] for i in api.post(f"{uploads}/part-urls/", json={"numbers": missing}).json()}
        # Four at a time, as browsers send them.
        with ThreadPoolExecutor(4) as pool:
            done = pool.map(lambda n: (n, _put(fresh[n], big_clip, (n - 1) * part_size, part_size)), missing)
            for number, etag in done:
                etags[number] = etag
                sent.append(number)
        upload_seconds = time.monotonic() - started
        puts_end = _proc(server.process.pid)

        response = api.post(f"{uploads}/complete/", json={"parts": [{"number": n, "etag": e} for n, e in etags.items()]})
        assert response.status_code == 201, response.text
        after = _proc(server.process.pid)
        received = proxy.received - received_before
    finally:
        proxy.close()
        server.stop()
    assert sorted(sent) == numbers  # no part stored twice; the dropped one was sent once whole
    video = Video.objects.get(pk=response.json()["id"])
    assert (video.status, video.source_size) == ("queued", size)
    with big_clip.open("rb") as source:
        expected = hashlib.file_digest(source, "sha256").hexdigest()
    try:
        assert _sha256_of_stored(video.source.name, storage_kind, request) == expected
    finally:
        if storage_kind == "local":  # a few hundred MB in the test's media folder
            shutil.rmtree(Path(process_env["MEDIA_ROOT"]) / "videos", ignore_errors=True)
    if storage_kind == "local":
        assert not (Path(process_env["MEDIA_ROOT"]) / "upload-sessions" / session["id"]).exists()
        assert not staging_root().joinpath(session["id"]).exists()
    else:
        s3 = request.getfixturevalue("s3_server")["client"]
        assert s3.list_multipart_uploads(Bucket=request.getfixturevalue("s3_bucket")).get("Uploads", []) == []

    figures = {
        "storage": storage_kind,
        "size_mib": round(size / MiB, 1),
        "parts": count,
        "part_mib": part_size // MiB,
        "throughput_mib_s": round(size / MiB / upload_seconds, 1),
        "web_rss_growth_mib": round((after["hwm_kib"] - before["rss_kib"]) / 1024, 1),
        "web_cpu_s": round(after["cpu_s"] - before["cpu_s"], 2),
        "web_received_mib": round(received / MiB, 2),
        "web_cpu_during_parts_s": round(puts_end["cpu_s"] - puts_start["cpu_s"], 2),
    }
    print("\nupload session figures:", json.dumps(figures))
    if storage_kind == "s3":
        # The bytes went from the client to S3: the web process read none of them.
        assert received < MiB, figures  # the API requests only
        assert puts_end["cpu_s"] - puts_start["cpu_s"] < 1, figures
    else:
        assert received >= size, figures
