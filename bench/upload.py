"""Upload throughput and web-process memory: a 1 GB video through POST /api/v1/videos/ on daphne.

    .venv/bin/python bench/upload.py [--size-mb 1024] [--s3]

Makes a real video of SIZE: a tiny H.264 MP4 (moov first) followed by a top-level `free` box of
zeros, so ffprobe accepts it at upload time like any camera file. Starts `daphne
mediasite.asgi:application` in production mode with its own database (DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/ms_bench_upload, recreated) and local media storage in a
temporary folder, or — with --s3 — a fresh bucket on the S3 server at S3_TEST_ENDPOINT
(default http://127.0.0.1:8333, the dev `weed mini`). Then streams the multipart body from disk
with a declared Content-Length and prints the throughput and the web process's RSS: at rest,
the peak while the upload went through (sampled every 20 ms, and the kernel's high-water mark),
and the growth. Target: peak under 200 MB, i.e. independent of the file size. Needs free disk
of about 4× SIZE (the server spools the body to temporary files before it reaches storage).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/ms_bench_upload"
CHUNK = 1024 * 1024

from bench.support import free_port, recreate_database, status_kib, stop  # noqa: E402






def make_big_video(path: Path, size: int) -> None:
    """A playable 2 s clip, then a `free` box that pads the file to SIZE bytes (read as zeros)."""
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=25", "-t", "2",
         "-pix_fmt", "yuv420p", "-c:v", "libx264", "-preset", "ultrafast", "-movflags", "+faststart", str(path)],
        check=True,
    )
    head = path.stat().st_size
    pad = size - head
    with path.open("r+b") as handle:
        handle.seek(head)
        # A 64-bit box: size 1 means "the real size follows in 8 bytes".
        handle.write((1).to_bytes(4, "big") + b"free" + pad.to_bytes(8, "big"))
        handle.truncate(size)  # the rest of the box is a hole: zeros, no disk blocks




def make_token(env: dict) -> str:
    code = (
        "import django; django.setup();"
        "from django.contrib.auth import get_user_model; from rest_framework.authtoken.models import Token;"
        "u = get_user_model().objects.create_user('uploader', password='pw-bench-123');"
        "print(Token.objects.create(user=u).key)"
    )
    subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True,
                          capture_output=True, text=True).stdout.strip()


def upload(port: int, token: str, video: Path) -> tuple[int, dict, float]:
    boundary = uuid.uuid4().hex
    fields = {"title": "Big upload", "visibility": "private"}
    preamble = b"".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ) + (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{video.name}"\r\n'
        f"Content-Type: video/mp4\r\n\r\n"
    ).encode()
    epilogue = f"\r\n--{boundary}--\r\n".encode()
    length = len(preamble) + video.stat().st_size + len(epilogue)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=3600)
    started = time.perf_counter()
    conn.putrequest("POST", "/api/v1/videos/")
    conn.putheader("Authorization", f"Token {token}")
    conn.putheader("Content-Type", f"multipart/form-data; boundary={boundary}")
    conn.putheader("Content-Length", str(length))
    conn.endheaders()
    conn.send(preamble)
    with video.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            conn.send(chunk)
    conn.send(epilogue)
    response = conn.getresponse()
    body = json.loads(response.read() or b"{}")
    return response.status, body, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mb", type=int, default=1024)
    parser.add_argument("--s3", action="store_true", help="store on the S3 server instead of the local disk")
    args = parser.parse_args()
    size = args.size_mb * 1024 * 1024

    work = Path(tempfile.mkdtemp(prefix="bench-upload-"))
    video = work / "big.mp4"
    make_big_video(video, size)

    db_url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("S3_")},
        "DJANGO_SETTINGS_MODULE": "mediasite.settings",
        "DATABASE_URL": db_url,
        "DATABASE_POOL": "true",
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13"),
        "DEBUG": "false",
        "SECRET_KEY": "bench-" + "u" * 60,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "false",
        "MEDIA_ROOT": str(work / "media"),
        "TMPDIR": str(work),  # daphne's and Django's spool files land here, and go with it
        "LOG_LEVEL": "WARNING",
        "MAX_UPLOAD_SIZE": str(size + CHUNK),
    }
    bucket = None
    if args.s3:
        import boto3

        endpoint = os.environ.get("S3_TEST_ENDPOINT", "http://127.0.0.1:8333")
        keys = (os.environ.get("S3_TEST_ACCESS_KEY", "testkey"), os.environ.get("S3_TEST_SECRET_KEY", "testsecret"))
        bucket = f"bench-upload-{uuid.uuid4().hex[:8]}"
        s3 = boto3.client("s3", endpoint_url=endpoint, aws_access_key_id=keys[0], aws_secret_access_key=keys[1],
                          region_name="us-east-1")
        s3.create_bucket(Bucket=bucket)
        env.update(S3_BUCKET=bucket, S3_ENDPOINT_URL=endpoint, S3_ACCESS_KEY_ID=keys[0], S3_SECRET_ACCESS_KEY=keys[1])
    recreate_database(db_url)
    token = make_token(env)

    port = free_port()
    log = (work / "daphne.log").open("wb")
    daphne = subprocess.Popen(
        [str(BIN / "daphne"), "-b", "127.0.0.1", "-p", str(port), "mediasite.asgi:application"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    peak = [0]
    sampled = threading.Event()

    def sample() -> None:
        while not sampled.is_set():
            try:
                peak[0] = max(peak[0], status_kib(daphne.pid, "VmRSS"))
            except FileNotFoundError:
                return
            time.sleep(0.02)

    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1).read()
                break
            except OSError:
                time.sleep(0.2)
        # Warm the API path (imports, the database pool) before taking the resting RSS.
        warm = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/videos/",
                                      headers={"Authorization": f"Token {token}"})
        urllib.request.urlopen(warm).read()
        rest = status_kib(daphne.pid, "VmRSS")
        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        status, body, elapsed = upload(port, token, video)
        sampled.set()
        sampler.join()
        hwm = status_kib(daphne.pid, "VmHWM")
        mib = size / 1024 / 1024
        print(f"upload of {mib:.0f} MiB to {'S3 (' + bucket + ')' if args.s3 else 'local storage'} "
              f"through daphne: HTTP {status}, video {body.get('id', body)}")
        print(f"  time {elapsed:.1f} s, throughput {mib / elapsed:.0f} MiB/s ({size * 8 / elapsed / 1e6:.0f} Mbit/s)")
        print(f"  web process RSS: at rest {rest / 1024:.0f} MiB, peak during upload {peak[0] / 1024:.0f} MiB "
              f"(kernel high-water mark {hwm / 1024:.0f} MiB), growth {(peak[0] - rest) / 1024:.0f} MiB")
        peak_mb = hwm * 1024 / 1e6  # the target is in MB (10^6 bytes); the figures above are MiB
        verdict = "PASS" if peak_mb < 200 and status == 201 else "FAIL"
        print(f"  target: peak RSS < 200 MB ({peak_mb:.0f} MB), independent of the file size → {verdict}")
    finally:
        stop(daphne)
        log.close()
        if bucket:
            paginator = s3.get_paginator("list_objects_v2")
            for page in paginator.paginate(Bucket=bucket):
                for obj in page.get("Contents", []):
                    s3.delete_object(Bucket=bucket, Key=obj["Key"])
            s3.delete_bucket(Bucket=bucket)
        subprocess.run(["rm", "-rf", str(work)], check=False)
        import redis

        redis.Redis.from_url(env["REDIS_URL"]).delete("transcode")  # the task nobody will run


if __name__ == "__main__":
    main()
