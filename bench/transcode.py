#!/usr/bin/env python
"""Transcode benchmark: our one-pass pipeline against the MediaCMS way (one ffmpeg per rung).

    .venv/bin/python bench/transcode.py [FILE] [--seconds 20] [--size 1920x1080] [--storage s3|local] [--repeat N]

(a) the whole pipeline, ingest to ready: store the upload, download it to scratch, probe, the one
    ffmpeg pass, upload every output, database updates and events;
(b) the same ffmpeg command that the pipeline built, alone, on a local file;
(c) one ffmpeg per rung with the same encoder settings, plus a separate poster/storyboard pass.
Without FILE it generates a 1080p30 clip of 20 s. Runs on a throwaway SQLite database, and on
the dev S3 server when it answers (else local storage). Prints wall and CPU seconds (this
process and its children) and the ratios a/b (our overhead) and c/a (what a single decode saves).
"""

import argparse
import os
import resource
import socket
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

S3_ENDPOINT = os.environ.get("BENCH_S3_ENDPOINT", "http://127.0.0.1:8333")


def cpu_seconds() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


class Timer:
    def __enter__(self):
        self.wall, self.cpu = time.monotonic(), cpu_seconds()
        return self

    def __exit__(self, *exc):
        self.wall, self.cpu = time.monotonic() - self.wall, cpu_seconds() - self.cpu


def s3_answers() -> bool:
    host, _, port = S3_ENDPOINT.split("//")[1].partition(":")
    try:
        with socket.create_connection((host, int(port or 80)), timeout=0.5):
            return True
    except OSError:
        return False


def configure(scratch: Path, storage: str) -> str:
    os.environ.update(
        DJANGO_SETTINGS_MODULE="mediasite.settings",
        DATABASE_URL=f"sqlite:///{scratch / 'bench.sqlite3'}",
        MEDIA_ROOT=str(scratch / "media"),
        LOG_LEVEL="WARNING",
    )
    if storage == "s3":
        import boto3

        bucket = f"bench-{uuid.uuid4().hex[:12]}"
        keys = {"aws_access_key_id": os.environ.get("BENCH_S3_KEY", "testkey"),
                "aws_secret_access_key": os.environ.get("BENCH_S3_SECRET", "testsecret")}
        boto3.client("s3", endpoint_url=S3_ENDPOINT, region_name="us-east-1", **keys).create_bucket(Bucket=bucket)
        os.environ.update(S3_BUCKET=bucket, S3_ENDPOINT_URL=S3_ENDPOINT, S3_ACCESS_KEY_ID=keys["aws_access_key_id"],
                          S3_SECRET_ACCESS_KEY=keys["aws_secret_access_key"])
        return f"S3 ({S3_ENDPOINT}, bucket {bucket})"
    return f"local files ({scratch / 'media'})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("file", nargs="?", help="a video file (default: a generated clip)")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--size", default="1920x1080")
    parser.add_argument("--rate", type=int, default=30)
    parser.add_argument("--repeat", type=int, default=1, help="rounds of a, b, c; the fastest of each is shown")
    parser.add_argument("--storage", choices=["s3", "local"], default="s3" if s3_answers() else "local")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="mediasite-bench-") as tmp:
        scratch = Path(tmp)
        where = configure(scratch, args.storage)

        import django

        django.setup()
        from django.contrib.auth import get_user_model
        from django.core.files import File
        from django.core.management import call_command

        from mediasite.celery import app as celery_app
        from videos import services, storage, transcode
        from videos.ffmpeg import make_output_dirs, probe
        from bench.baseline import rung_command, thumbnails_command
        from videos.ffmpeg.runner import generate_clip, run
        from videos.models import Video

        call_command("migrate", verbosity=0)
        if args.file:
            source = Path(args.file).resolve()
        else:
            source = scratch / "source.mp4"
            print(f"Generating a {args.size} {args.rate} fps clip of {args.seconds:g} s…", flush=True)
            # A camera-like, fairly high bitrate source, so decoding costs what it costs in life.
            generate_clip(source, seconds=args.seconds, size=args.size, rate=args.rate, crf=18, preset="veryfast")
        info = probe(source)
        plan = transcode.transcode_plan(info)
        print(f"Source: {source.name}, {info.width}x{info.height}, {info.fps} fps, {info.duration:.1f} s, "
              f"audio: {'yes' if info.has_audio else 'no'}, {source.stat().st_size / 1e6:.1f} MB")
        print(f"Ladder: {', '.join(f'{r.name} {r.width}x{r.height}' for r in plan.ladder)}; "
              f"x264 preset {plan.preset}; storage: {where}\n", flush=True)

        owner = get_user_model().objects.create_user(username="bench")
        celery_app.conf.task_always_eager = True  # the task runs on commit, in this process
        load_before = os.getloadavg()[0]

        def pipeline():
            with Timer() as timer, open(source, "rb") as handle:
                video = services.video_create(owner=owner, file=File(handle, name=source.name), title="bench")
            video.refresh_from_db()
            if video.status != Video.Status.READY:
                raise SystemExit(f"The pipeline did not finish: {video.status} {video.error}")
            stored = len(storage.keys_under(video.output_prefix))
            storage.delete_prefix(storage.video_prefix(video.pk))
            return timer, stored

        def alone():
            out = scratch / "b"
            make_output_dirs(out)
            with Timer() as timer:
                run(plan.command(source=source, out_dir=out), stderr_path=scratch / "b.log")
            return timer

        def per_rung():
            out = scratch / "c"
            make_output_dirs(out, plan.ladder)
            with Timer() as timer:
                for rung in plan.ladder:
                    cmd = rung_command(source=source, probe=info, rung=rung, out_dir=out,
                                       segment_seconds=plan.segment_seconds, preset=plan.preset)
                    run(cmd, stderr_path=scratch / f"c-{rung.name}.log")
                run(thumbnails_command(source=source, probe=info, ladder=plan.ladder, out_dir=out,
                                       storyboard=plan.storyboard), stderr_path=scratch / "c-thumbs.log")
            return timer

        runs = {"a": [], "b": [], "c": []}
        for index in range(args.repeat):
            timer, outputs = pipeline()
            runs["a"].append(timer)
            runs["b"].append(alone())
            runs["c"].append(per_rung())
            print(f"round {index + 1}: a {runs['a'][-1].wall:.1f} s, b {runs['b'][-1].wall:.1f} s, "
                  f"c {runs['c'][-1].wall:.1f} s", flush=True)
        # The fastest of the rounds: other load on the machine only ever adds time.
        a, b, c = (min(runs[key], key=lambda timer: timer.wall) for key in "abc")

        rows = [
            ("a", "pipeline: ingest → ready (one ffmpeg)", a),
            ("b", "the pipeline's ffmpeg command alone", b),
            ("c", f"one ffmpeg per rung ({len(plan.ladder)}) + thumbnails", c),
        ]
        print(f"{'':2}{'run':<44}{'wall s':>9}{'CPU s':>9}")
        for key, label, timer in rows:
            print(f"{key:<2}{label:<44}{timer.wall:>9.2f}{timer.cpu:>9.2f}")
        print()
        print(f"a/b wall {a.wall / b.wall:.3f}  CPU {a.cpu / b.cpu:.3f}   (target ≤ 1.15: our overhead)"
              f"  {'OK' if a.wall / b.wall <= 1.15 else 'MISSED'}")
        print(f"c/a wall {c.wall / a.wall:.3f}  CPU {c.cpu / a.cpu:.3f}   (target ≥ 1.25: single decode wins)"
              f"  {'OK' if c.wall / a.wall >= 1.25 else 'MISSED'}")
        print(f"realtime factor of (a): {info.duration / a.wall:.2f}x; {outputs} objects stored per run; "
              f"best of {args.repeat}; load average {load_before:.2f} before, {os.getloadavg()[0]:.2f} after")
        if args.storage == "s3":
            from django.core.files.storage import default_storage

            default_storage.bucket.delete()  # emptied after each pipeline run
    return 0


if __name__ == "__main__":
    sys.exit(main())
