"""Upload throughput: a 1 GB video through daphne in one POST, or in parts through an upload session.

    .venv/bin/python bench/upload.py [--size-mb 1024] [--s3]
    .venv/bin/python bench/upload.py --session [--size-mb 1024] [--rounds 3] [--connections 6] [--part-mb 16]

Single POST (the default): makes a real video of SIZE: a tiny H.264 MP4 (moov first) followed by a
top-level `free` box of zeros, so ffprobe accepts it at upload time like any camera file. Starts
`daphne mediasite.asgi:application` in production mode with its own database (BENCH_DATABASE_URL,
default postgres://postgres@127.0.0.1:5432/ms_bench_upload, recreated) and local media storage in
a temporary folder, or — with --s3 — a fresh bucket on the S3 server at S3_TEST_ENDPOINT
(default http://127.0.0.1:8333, the dev `weed mini`). Then streams the multipart body from disk
with a declared Content-Length and prints the throughput and the web process's RSS: at rest,
the peak while the upload went through (sampled every 20 ms, and the kernel's high-water mark),
and the growth. Target: peak under 200 MB, i.e. independent of the file size. Needs free disk
of about 4× SIZE (the server spools the body to temporary files before it reaches storage).

--session (always on S3): the same daphne, and the same file but padded with random bytes, goes
up as the upload page sends it (static/js/uploader.js): POST /api/v1/uploads/, part URLs asked
for 24 at a time, the parts PUT straight to S3 over CONNECTIONS keep-alive connections (Uppy's
limit, 6), complete with every part's ETag. The baseline, in the same run and to the same bucket:
a plain boto3 multipart upload of the same file (`upload_file`, the same part size and the same
number of threads). Each round runs both, in alternating order; the best round of each is
compared. Prints wall seconds, throughput, this process's CPU seconds and daphne's CPU seconds
during each upload, and the ratio session/boto3. Targets: ratio ≥ 0.9 (the session costs the
uploader nothing worth measuring: a few API requests), and daphne ≤ 1 CPU second per upload (the
bytes never pass through it). Starts a `weed mini` of its own when nothing answers on :8333.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/ms_bench_upload"
CHUNK = 1024 * 1024
MiB = 1024 * 1024
S3_ENDPOINT = os.environ.get("S3_TEST_ENDPOINT", "http://127.0.0.1:8333")
S3_KEYS = (os.environ.get("S3_TEST_ACCESS_KEY", "testkey"), os.environ.get("S3_TEST_SECRET_KEY", "testsecret"))
URL_BATCH = 24  # part URLs per request, as static/js/uploader.js asks for them

from bench.support import free_port, recreate_database, status_kib, stop  # noqa: E402
from mediasite.s3_options import s3_client_config  # noqa: E402


def make_big_video(path: Path, size: int, *, random_padding: bool = False) -> None:
    """A playable 2 s clip, then a `free` box that pads the file to SIZE bytes (zeros: a sparse hole,
    or RANDOM_PADDING: real bytes on disk, as a camera file has)."""
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
        if random_padding:
            left = size - head - 16
            while left:
                left -= handle.write(os.urandom(min(CHUNK, left)))
        handle.truncate(size)  # without random padding the rest of the box is a hole: zeros, no disk blocks




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


def cpu_seconds(pid: int) -> float:
    """User and system CPU seconds that process PID has used so far (/proc/PID/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime


def _port_open(host: str, port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.3)
        return sock.connect_ex((host, port)) == 0


@contextlib.contextmanager
def s3_server():
    """A boto3 client for the S3 server at S3_ENDPOINT: the one running, or a `weed mini` started here."""
    import boto3

    client = boto3.client("s3", endpoint_url=S3_ENDPOINT, aws_access_key_id=S3_KEYS[0],
                          aws_secret_access_key=S3_KEYS[1], region_name="us-east-1", config=s3_client_config())
    url = urllib.parse.urlsplit(S3_ENDPOINT)
    process = None
    if not _port_open(url.hostname, url.port or 80):
        data = Path(tempfile.mkdtemp(prefix="bench-weed-"))
        weed = shutil.which("weed") or str(BIN / "weed")
        env = dict(os.environ, AWS_ACCESS_KEY_ID=S3_KEYS[0], AWS_SECRET_ACCESS_KEY=S3_KEYS[1])
        process = subprocess.Popen(
            [weed, "mini", f"-dir={data}", f"-ip={url.hostname}", f"-ip.bind={url.hostname}"],
            env=env, stdout=(data / "weed.log").open("wb"), stderr=subprocess.STDOUT, cwd=data,
            start_new_session=True,
        )  # fmt: skip
        for _ in range(200):
            with contextlib.suppress(Exception):
                client.list_buckets()
                break
            time.sleep(0.3)
        else:
            raise SystemExit(f"weed mini did not start: {(data / 'weed.log').read_text()[-2000:]}")
    try:
        yield client
    finally:
        if process is not None:
            os.killpg(process.pid, 15)
            process.wait(timeout=30)
            shutil.rmtree(data, ignore_errors=True)


def empty_bucket(s3, bucket: str) -> None:
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for obj in page.get("Contents", []):
            s3.delete_object(Bucket=bucket, Key=obj["Key"])
    for page in s3.get_paginator("list_multipart_uploads").paginate(Bucket=bucket):
        for upload in page.get("Uploads", []):
            s3.abort_multipart_upload(Bucket=bucket, Key=upload["Key"], UploadId=upload["UploadId"])


class Api:
    """The REST API over one keep-alive connection, as the upload page's fetch() calls use it."""

    def __init__(self, port: int, token: str):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
        self.headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}

    def post(self, path: str, body: dict | None = None) -> dict:
        self.conn.request("POST", f"/api/v1/{path}", body=json.dumps(body or {}), headers=self.headers)
        response = self.conn.getresponse()
        data = json.loads(response.read() or b"null")
        if response.status >= 300:
            raise RuntimeError(f"POST {path}: HTTP {response.status} {data}")
        return data


class PartSender:
    """PUTs parts to presigned URLs, one keep-alive connection per thread (a browser's connection pool)."""

    def __init__(self, video: Path):
        self.fd = os.open(video, os.O_RDONLY)
        self.local = threading.local()

    def put(self, url: str, offset: int, length: int) -> str:
        parts = urllib.parse.urlsplit(url)
        conn = getattr(self.local, "conn", None)
        if conn is None:
            conn = self.local.conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=600)
        body = os.pread(self.fd, length, offset)
        conn.request("PUT", f"{parts.path}?{parts.query}", body=body, headers={"Content-Length": str(length)})
        response = conn.getresponse()
        response.read()
        if response.status != 200:
            raise RuntimeError(f"part PUT: HTTP {response.status}")
        return response.getheader("ETag")

    def close(self) -> None:
        os.close(self.fd)


def session_upload(port: int, token: str, video: Path, connections: int, daphne_pid: int) -> dict:
    """Upload VIDEO through an upload session, as the upload page does.

    Returns the video id, the part count and daphne's CPU seconds in each step (its requests run
    one at a time, so each step's CPU is the reading around it).
    """
    api = Api(port, token)
    size = video.stat().st_size
    web_cpu = {"create": 0.0, "part URLs": 0.0, "complete": 0.0}

    def call(step: str, path: str, body: dict):
        before = cpu_seconds(daphne_pid)
        answer = api.post(path, body)
        web_cpu[step] += cpu_seconds(daphne_pid) - before
        return answer

    session = call("create", "uploads/", {"filename": video.name, "size": size, "title": "Bench session"})
    sid, part_size, count = session["id"], session["part_size"], session["part_count"]
    sender = PartSender(video)
    etags: dict[int, object] = {}
    try:
        with ThreadPoolExecutor(connections) as pool:
            for first in range(1, count + 1, URL_BATCH):
                numbers = list(range(first, min(first + URL_BATCH, count + 1)))
                for item in call("part URLs", f"uploads/{sid}/part-urls/", {"numbers": numbers}):
                    offset = (item["number"] - 1) * part_size
                    etags[item["number"]] = pool.submit(sender.put, item["url"], offset, item["size"])
            parts = [{"number": n, "etag": future.result()} for n, future in sorted(etags.items())]
    finally:
        sender.close()
    video_body = call("complete", f"uploads/{sid}/complete/", {"parts": parts})
    api.conn.close()
    return {"video": video_body["id"], "parts": count, "web_cpu": web_cpu}


def boto3_upload(s3, bucket: str, video: Path, part_size: int, connections: int) -> None:
    """The baseline: a plain boto3 multipart upload of VIDEO, the same part size and threads."""
    from boto3.s3.transfer import TransferConfig

    config = TransferConfig(multipart_threshold=part_size, multipart_chunksize=part_size,
                            max_concurrency=connections, use_threads=True)  # fmt: skip
    s3.upload_file(str(video), bucket, f"baseline/{uuid.uuid4().hex}/{video.name}", Config=config)


def measure(daphne_pid: int, upload) -> dict:
    """Wall, this process's CPU and daphne's CPU seconds while UPLOAD() runs."""
    web_before, own_before, started = cpu_seconds(daphne_pid), time.process_time(), time.perf_counter()
    result = upload()
    wall = time.perf_counter() - started
    return {"wall": wall, "cpu": time.process_time() - own_before, "web_cpu": cpu_seconds(daphne_pid) - web_before,
            "result": result}


def run_sessions(args, env: dict, s3, bucket: str, video: Path, port: int, token: str, daphne) -> bool:
    size = video.stat().st_size
    part_size = int(env["UPLOAD_SESSION_PART_SIZE"])
    mib = size / MiB
    runs = {"session": [], "boto3": []}
    for round_number in range(1, args.rounds + 1):
        order = ("session", "boto3") if round_number % 2 else ("boto3", "session")
        for kind in order:
            if kind == "session":
                run = measure(daphne.pid, lambda: session_upload(port, token, video, args.connections, daphne.pid))
            else:
                run = measure(daphne.pid, lambda: boto3_upload(s3, bucket, video, part_size, args.connections))
            runs[kind].append(run)
            steps = ""
            if kind == "session":
                steps = " (" + ", ".join(f"{step} {cpu:.2f}" for step, cpu in run["result"]["web_cpu"].items()) + ")"
            print(f"  round {round_number} {kind:7}: {run['wall']:6.2f} s wall, {mib / run['wall']:5.0f} MiB/s, "
                  f"this process {run['cpu']:5.2f} CPU s, daphne {run['web_cpu']:4.2f} CPU s{steps}", flush=True)
            empty_bucket(s3, bucket)
    best = {kind: min(found, key=lambda run: run["wall"]) for kind, found in runs.items()}
    ratio = best["boto3"]["wall"] / best["session"]["wall"]
    web_cpu = max(run["web_cpu"] for run in runs["session"])
    parts = best["session"]["result"]["parts"]
    print(f"upload of {mib:.0f} MiB to S3 ({bucket}), {parts} parts of {part_size // MiB} MiB, "
          f"{args.connections} connections, best of {args.rounds} rounds:")
    for kind, label in (("session", "upload session (API + presigned part PUTs)"), ("boto3", "boto3 multipart upload")):
        run = best[kind]
        print(f"  {label:44} {run['wall']:6.2f} s wall, {mib / run['wall']:5.0f} MiB/s "
              f"({size * 8 / run['wall'] / 1e6:.0f} Mbit/s), this process {run['cpu']:5.2f} CPU s, "
              f"daphne {run['web_cpu']:4.2f} CPU s")
    passed = ratio >= 0.9 and web_cpu <= 1.0
    print(f"  ratio session/boto3 {ratio:.2f} (target ≥ 0.9); daphne CPU during a session upload at most "
          f"{web_cpu:.2f} s over {args.rounds} rounds (target ≤ 1 s) → {'PASS' if passed else 'FAIL'}")
    return passed


def run_single_post(args, env: dict, bucket: str | None, video: Path, port: int, token: str, daphne) -> bool:
    size = video.stat().st_size
    peak = [0]
    sampled = threading.Event()

    def sample() -> None:
        while not sampled.is_set():
            try:
                peak[0] = max(peak[0], status_kib(daphne.pid, "VmRSS"))
            except FileNotFoundError:
                return
            time.sleep(0.02)

    rest = status_kib(daphne.pid, "VmRSS")
    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    status, body, elapsed = upload(port, token, video)
    sampled.set()
    sampler.join()
    hwm = status_kib(daphne.pid, "VmHWM")
    mib = size / 1024 / 1024
    print(f"upload of {mib:.0f} MiB to {'S3 (' + bucket + ')' if bucket else 'local storage'} "
          f"through daphne: HTTP {status}, video {body.get('id', body)}")
    print(f"  time {elapsed:.1f} s, throughput {mib / elapsed:.0f} MiB/s ({size * 8 / elapsed / 1e6:.0f} Mbit/s)")
    print(f"  web process RSS: at rest {rest / 1024:.0f} MiB, peak during upload {peak[0] / 1024:.0f} MiB "
          f"(kernel high-water mark {hwm / 1024:.0f} MiB), growth {(peak[0] - rest) / 1024:.0f} MiB")
    peak_mb = hwm * 1024 / 1e6  # the target is in MB (10^6 bytes); the figures above are MiB
    passed = peak_mb < 200 and status == 201
    print(f"  target: peak RSS < 200 MB ({peak_mb:.0f} MB), independent of the file size → {'PASS' if passed else 'FAIL'}")
    return passed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mb", type=int, default=1024)
    parser.add_argument("--s3", action="store_true", help="store on the S3 server instead of the local disk")
    parser.add_argument("--session", action="store_true",
                        help="an upload session straight to S3 against a plain boto3 multipart upload")
    parser.add_argument("--rounds", type=int, default=3, help="--session: rounds of both uploads")
    parser.add_argument("--connections", type=int, default=6, help="--session: parallel part PUTs (Uppy: 6)")
    parser.add_argument("--part-mb", type=int, default=16, help="--session: part size (UPLOAD_SESSION_PART_SIZE)")
    args = parser.parse_args()
    if args.size_mb <= 0 or args.rounds <= 0 or args.connections <= 0 or args.part_mb < 5:
        parser.error("sizes, rounds and connections must be positive, parts at least 5 MiB (S3's smallest)")
    size = args.size_mb * 1024 * 1024
    use_s3 = args.s3 or args.session

    work = Path(tempfile.mkdtemp(prefix="bench-upload-"))
    video = work / "big.mp4"
    make_big_video(video, size, random_padding=args.session)

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
        "UPLOAD_SESSION_PART_SIZE": str(args.part_mb * MiB),
    }
    bucket = None
    daphne = log = None
    with contextlib.ExitStack() as stack:
        try:
            if use_s3:
                s3 = stack.enter_context(s3_server())
                bucket = f"bench-upload-{uuid.uuid4().hex[:8]}"
                s3.create_bucket(Bucket=bucket)
                env.update(S3_BUCKET=bucket, S3_ENDPOINT_URL=S3_ENDPOINT, S3_ACCESS_KEY_ID=S3_KEYS[0],
                           S3_SECRET_ACCESS_KEY=S3_KEYS[1])  # fmt: skip
            recreate_database(db_url)
            token = make_token(env)

            port = free_port()
            log = (work / "daphne.log").open("wb")
            daphne = subprocess.Popen(
                [str(BIN / "daphne"), "-b", "127.0.0.1", "-p", str(port), "mediasite.asgi:application"],
                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
            )
            for _ in range(300):
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1).read()
                    break
                except OSError:
                    time.sleep(0.2)
            # Warm the API path (imports, the database pool) before measuring.
            warm = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/videos/",
                                          headers={"Authorization": f"Token {token}"})
            urllib.request.urlopen(warm).read()
            if args.session:
                passed = run_sessions(args, env, s3, bucket, video, port, token, daphne)
            else:
                passed = run_single_post(args, env, bucket, video, port, token, daphne)
        finally:
            if daphne is not None:
                stop(daphne)
            if log is not None:
                log.close()
            if bucket:
                empty_bucket(s3, bucket)
                s3.delete_bucket(Bucket=bucket)
            subprocess.run(["rm", "-rf", str(work)], check=False)
            import redis

            redis.Redis.from_url(env["REDIS_URL"]).delete("transcode")  # the tasks nobody will run
    sys.exit(0 if passed else 1)


if __name__ == "__main__":
    main()
