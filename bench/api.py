"""REST API throughput: the video list and detail endpoints against /healthz, on one daphne process.

    .venv/bin/python bench/api.py [--videos 1000] [--concurrency 32] [--seconds 10] [--rounds 3]

Seeds a database of its own (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/ms_bench_api,
recreated each run) with VIDEOS videos of several owners — most of them public and ready, with
renditions — then starts `daphne mediasite.asgi:application` in production mode (DEBUG off) and
drives it with CONCURRENCY keep-alive HTTP/1.1 connections, ROUNDS times SECONDS per endpoint
(the endpoints in turn, round after round, so that a slow spell of the machine is shared).
Every response is built: there is no read cache.

- /healthz                         the ceiling: the same server, middleware and thread hop, no work
- GET /api/v1/videos/              first page, 20 per page, token-authenticated (own + public)
- GET /api/v1/videos/?cursor=…     a page deeper in the list (cursor pagination)
- GET /api/v1/videos/<id>/         detail of a ready video (renditions, subtitles, signed URLs)

It prints requests per second, p50/p95 latency and each endpoint's ratio to the ceiling (target:
≥ 0.5). --writes-per-second N adds what N running transcodes write meanwhile (a progress update
each a second).

Rate limits stay on, with a rate no client reaches, so their Redis round trip is measured.
daphne runs on CPU 0 and the load generator on the other CPUs (--no-pin: anywhere); PostgreSQL
and Redis are where the system puts them.
Database connections come from a psycopg pool (DATABASE_POOL=true), as a deployment should run;
--no-pool measures Django's default under ASGI, a new PostgreSQL connection for every request.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.support import free_port, percentile, recreate_database, stop  # noqa: E402
BIN = Path(sys.executable).parent
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/ms_bench_api"


def seed(env: dict, videos: int) -> tuple[str, list[str]]:
    """Migrate and fill the database; return an API token and the ids of ready public videos."""
    subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)
    os.environ.update(env)
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from rest_framework.authtoken.models import Token

    from subtitles.models import Subtitle
    from videos import storage
    from videos.models import Rendition, Video

    User = get_user_model()
    owners = [User.objects.create_user(username=f"owner{i}", password="pw-bench-123") for i in range(10)]
    reader = owners[0]
    rows, renditions, subtitles = [], [], []
    rng = random.Random(7)
    for index in range(videos):
        video_id = uuid.uuid4()
        ready = index % 10 != 0
        visibility = "public" if index % 5 else rng.choice(["private", "unlisted"])
        prefix = storage.output_prefix(video_id, "a1") if ready else ""
        rows.append(
            Video(
                id=video_id, owner=owners[index % len(owners)], title=f"Video number {index}",
                description="A benchmark video. " * 5, visibility=visibility,
                status="ready" if ready else "processing", progress=100 if ready else 40.0,
                source=storage.source_key(video_id, "clip.mp4"), source_name="clip.mp4", source_size=123_456_789,
                duration=61.5, width=1920, height=1080, fps=30.0, has_audio=True, output_prefix=prefix,
            )
        )
        if ready:
            for name, width, height, bandwidth in (("1080p", 1920, 1080, 5_000_000), ("720p", 1280, 720, 2_800_000),
                                                   ("480p", 854, 480, 1_400_000), ("360p", 640, 360, 800_000)):
                renditions.append(Rendition(video_id=video_id, name=name, width=width, height=height,
                                            bandwidth=bandwidth, playlist_key=storage.variant_playlist_key(prefix, name)))
            subtitles.append(Subtitle(video_id=video_id, language="en", label="English",
                                      vtt_key=storage.subtitle_vtt_key(video_id, "en", "subtitles")))
    Video.objects.bulk_create(rows, batch_size=500)
    Rendition.objects.bulk_create(renditions, batch_size=1000)
    Subtitle.objects.bulk_create(subtitles, batch_size=1000)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # planner statistics, as autovacuum would have gathered them
    ready_public = [str(v.id) for v in rows if v.status == "ready" and v.visibility == "public"]
    return Token.objects.create(user=reader).key, ready_public


async def _worker(host, port, paths, headers: bytes, deadline: float, latencies: list, errors: list) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    index = random.randrange(len(paths))
    try:
        while time.perf_counter() < deadline:
            path = paths[index % len(paths)]
            index += 1
            started = time.perf_counter()
            writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n".encode() + headers + b"\r\n")
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head[9:12])
            length = 0
            for line in head.split(b"\r\n"):
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - started)
            if status != 200:
                errors.append(status)
            if b"connection: close" in head.lower():
                writer.close()
                reader, writer = await asyncio.open_connection(host, port)
    finally:
        writer.close()


async def load(port: int, paths: list[str], headers: dict, concurrency: int, seconds: float) -> dict:
    raw_headers = b"".join(f"{k}: {v}\r\n".encode() for k, v in headers.items())
    latencies: list[float] = []
    errors: list[int] = []
    started = time.perf_counter()
    deadline = started + seconds
    await asyncio.gather(*(
        _worker("127.0.0.1", port, paths, raw_headers, deadline, latencies, errors) for _ in range(concurrency)
    ))
    return {"latencies": latencies, "errors": errors, "elapsed": time.perf_counter() - started}


def summary(slices: list[dict]) -> dict:
    """One endpoint's figures over all its measured slices."""
    latencies = [value for part in slices for value in part["latencies"]]
    errors = [value for part in slices for value in part["errors"]]
    return {
        "requests": len(latencies), "rps": len(latencies) / sum(part["elapsed"] for part in slices),
        "errors": len(errors), "error_codes": sorted(set(errors)),
        "p50_ms": percentile(latencies, 50) * 1000, "p95_ms": percentile(latencies, 95) * 1000,
    }


@contextmanager
def progress_writes(per_second: float):
    """Meanwhile, what running transcodes write: per_second progress updates of processing videos
    (the transcode tracker persists each one's progress once a second, by QuerySet.update)."""
    if not per_second:
        yield
        return
    from django.db import connection

    from videos.models import Video

    video_ids = list(Video.objects.filter(status="processing").values_list("pk", flat=True))
    done = threading.Event()

    def write() -> None:
        count = 0
        while not done.wait(1 / per_second):
            Video.objects.filter(pk=video_ids[count % len(video_ids)]).update(progress=count % 100 + 0.5)
            count += 1
        connection.close()

    writer = threading.Thread(target=write)
    writer.start()
    try:
        yield
    finally:
        done.set()
        writer.join()


def wait_until_up(port: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"daphne exited with {process.returncode}")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1).read()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("daphne did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--videos", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=10.0, help="of each endpoint in each round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-pool", action="store_true", help="a new database connection per request")
    parser.add_argument("--no-pin", action="store_true", help="leave daphne and the load on any CPU")
    parser.add_argument("--writes-per-second", type=float, default=0.0,
                        help="progress writes meanwhile, as that many running transcodes make (each moves the cache)")
    args = parser.parse_args()

    db_url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB)
    media = tempfile.mkdtemp(prefix="bench-api-media-")
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("S3_")},
        "DJANGO_SETTINGS_MODULE": "mediasite.settings",
        "DATABASE_URL": db_url,
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14"),
        "DEBUG": "false",
        "SECRET_KEY": "bench-" + "k" * 60,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "false",
        "MEDIA_ROOT": media,
        "LOG_LEVEL": "WARNING",
        "API_THROTTLE_USER": "100000000/min",
        "API_THROTTLE_ANON": "100000000/min",
        "DATABASE_POOL": "false" if args.no_pool else "true",
    }
    recreate_database(db_url)
    print(f"seeding {args.videos} videos into {db_url.split('@')[-1]} …", flush=True)
    token, ready_ids = seed(env, args.videos)

    passes = [("as deployed (every response built)", {})]
    # The server under test on a CPU of its own, the load generator on the others: otherwise they
    # take turns on one, and each figure moves by ±15 % from run to run on two CPUs.
    args.pin = not args.no_pin and os.cpu_count() >= 2 and hasattr(os, "sched_setaffinity")
    if args.pin:
        os.sched_setaffinity(0, set(range(1, os.cpu_count())))
    reports = [(title, measure({**env, **overrides}, media, token, ready_ids, args)) for title, overrides in passes]
    print(f"\ndaphne, 1 process, {os.cpu_count()} CPUs, {args.videos} videos in PostgreSQL, "
          f"{args.concurrency} connections, {args.rounds} rounds of {args.seconds:g} s each, "
          f"DB connections {'new per request' if args.no_pool else 'pooled (DATABASE_POOL=true)'}, "
          f"{args.writes_per_second:g} progress writes/s meanwhile, "
          f"{'daphne on CPU 0, the load on the others' if args.pin else 'no CPU pinning'}")
    for title, results in reports:
        ceiling = results[0][1]["rps"]
        print(f"\n{title}")
        print(f"{'endpoint':<22}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'errors':>8}{'ratio':>8}")
        for name, result in results:
            print(f"{name:<22}{result['rps']:>9.0f}{result['p50_ms']:>9.1f}{result['p95_ms']:>9.1f}"
                  f"{result['errors']:>8}{result['rps'] / ceiling:>8.2f}")
    results = reports[0][1]
    worst = min(result["rps"] / results[0][1]["rps"] for _, result in results[1:])
    print(f"\nlowest ratio to /healthz, as deployed: {worst:.2f} (target ≥ 0.5) → {'PASS' if worst >= 0.5 else 'FAIL'}")


def measure(env: dict, media: str, token: str, ready_ids: list[str], args) -> list[tuple[str, dict]]:
    """Start daphne with env, measure every scenario, stop it."""
    port = free_port()
    log_path = Path(media) / f"daphne-{port}.log"
    log = open(log_path, "wb")  # a file, not a pipe nobody reads: that would block daphne
    server_cpus = {0} if args.pin else None
    daphne = subprocess.Popen(
        [str(BIN / "daphne"), "-b", "127.0.0.1", "-p", str(port), "mediasite.asgi:application"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        preexec_fn=(lambda: os.sched_setaffinity(0, server_cpus)) if server_cpus else None,
    )
    try:
        wait_until_up(port, daphne)
        auth = {"Authorization": f"Token {token}"}
        first_page = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/videos/", headers=auth)
        page = json.loads(urllib.request.urlopen(first_page).read())
        assert len(page["results"]) == 20, page
        deeper = page["next"]
        for _ in range(10):  # ten pages in
            deeper = json.loads(urllib.request.urlopen(urllib.request.Request(deeper, headers=auth)).read())["next"]
        deeper_path = deeper.split(str(port), 1)[1]
        scenarios = [
            ("/healthz (ceiling)", ["/healthz"], {}),
            ("list, first page", ["/api/v1/videos/"], auth),
            ("list, 11th page", [deeper_path], auth),
            ("detail", [f"/api/v1/videos/{video_id}/" for video_id in ready_ids[:200]], auth),
        ]
        # Warm up every path (imports, caches, the database connection), then measure.
        for _, paths, headers in scenarios:
            asyncio.run(load(port, paths, headers, 4, 1.0))
        # Rounds of every endpoint in turn, so that a slow minute of the machine falls on all of them.
        slices: dict[str, list[dict]] = {name: [] for name, _, _ in scenarios}
        for round_number in range(args.rounds):
            for name, paths, headers in scenarios:
                with progress_writes(args.writes_per_second):
                    slices[name].append(asyncio.run(load(port, paths, headers, args.concurrency, args.seconds)))
            print(f"  round {round_number + 1}/{args.rounds}: " + ", ".join(
                f"{name} {len(parts[-1]['latencies']) / parts[-1]['elapsed']:.0f}" for name, parts in slices.items()
            ) + " req/s", flush=True)
        results = [(name, summary(parts)) for name, parts in slices.items()]
        if any(result["errors"] for _, result in results):
            print("errors:", {name: result["error_codes"] for name, result in results if result["errors"]})
            print(log_path.read_text()[-3000:])
        return results
    finally:
        stop(daphne)


if __name__ == "__main__":
    main()
