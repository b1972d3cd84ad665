#!/usr/bin/env python
"""Long-video benchmark: a real-length upload, ingest → ready, with its progress events timed.

    .venv/bin/python bench/long.py [FILE] [--seconds 600] [--size 1920x1080] [--rounds 1] [--preset veryfast]

Without FILE it generates a 1080p30 clip with audio of ten minutes. Then, per round:
(a) the pipeline on one worker (the Celery task run in this process, on a throwaway SQLite database
    and local storage): download, probe, the one ffmpeg pass, storyboard sheet, uploads, events;
(b) the same ffmpeg command alone, and the storyboard sheet step, on a local file.
Prints the largest and the p95 gap between the progress events the pipeline published, wall and
CPU seconds (this process and its children), the realtime factor, ffmpeg's peak RSS, and the
ratio a/b on wall time (target ≤ 1.10). Best of the rounds: other load only ever adds time.
"""

import argparse
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.support import percentile, status_kib  # noqa: E402
from bench.transcode import Timer  # noqa: E402


class PeakRss:
    """Sample the VmHWM (peak RSS) of this process's ffmpeg children while a block runs."""

    def __init__(self):
        self.peak_kib = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def _sample(self):
        me = str(os.getpid())
        while not self._stop.wait(0.2):
            for entry in Path("/proc").iterdir():
                if not entry.name.isdigit():
                    continue
                try:
                    stat = (entry / "stat").read_text()
                    if "(ffmpeg)" in stat and stat.rsplit(")", 1)[1].split()[1] == me:
                        self.peak_kib = max(self.peak_kib, status_kib(int(entry.name), "VmHWM"))
                except (OSError, IndexError):
                    pass


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("file", nargs="?", help="a video file (default: a generated clip)")
    parser.add_argument("--seconds", type=float, default=600)
    parser.add_argument("--size", default="1920x1080")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--preset", default=None, help="x264 preset (default: TRANSCODE_PRESET, veryfast)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="mediasite-bench-long-") as tmp:
        scratch = Path(tmp)
        os.environ.update(
            DJANGO_SETTINGS_MODULE="mediasite.settings", DATABASE_URL=f"sqlite:///{scratch / 'bench.sqlite3'}",
            MEDIA_ROOT=str(scratch / "media"), LOG_LEVEL="WARNING",
        )
        os.environ.pop("S3_BUCKET", None)
        if args.preset:
            os.environ["TRANSCODE_PRESET"] = args.preset
        import django

        django.setup()
        from django.contrib.auth import get_user_model
        from django.core.files import File
        from django.core.management import call_command

        from mediasite.celery import app as celery_app
        from videos import services, storage, transcode
        from videos.ffmpeg import make_output_dirs, probe, storyboard_sheet_command
        from videos.ffmpeg.runner import generate_clip, run
        from videos.models import Video

        call_command("migrate", verbosity=0)
        if args.file:
            source = Path(args.file).resolve()
        else:
            source = scratch / "source.mp4"
            print(f"Generating a {args.size} 30 fps clip of {args.seconds:g} s with audio…", flush=True)
            with Timer() as made:
                generate_clip(source, seconds=args.seconds, size=args.size, rate=30, crf=20, preset="ultrafast")
            print(f"  generated in {made.wall:.0f} s", flush=True)
        info = probe(source)
        plan = transcode.transcode_plan(info)
        print(f"Source: {info.width}x{info.height}, {info.fps} fps, {info.duration:.1f} s, "
              f"{source.stat().st_size / 1e6:.0f} MB; ladder {', '.join(r.name for r in plan.ladder)}; "
              f"preset {plan.preset}; storyboard {plan.storyboard.count} tiles\n", flush=True)

        owner = get_user_model().objects.create_user(username="bench")
        celery_app.conf.task_always_eager = True
        published: list[float] = []
        original = transcode.progress.publish_progress

        def spy(*a, **kw):
            published.append(time.monotonic())
            original(*a, **kw)

        transcode.progress.publish_progress = spy

        def pipeline():
            published.clear()
            with PeakRss() as rss, Timer() as timer, open(source, "rb") as handle:
                video = services.video_create(owner=owner, file=File(handle, name=source.name), title="long")
            video.refresh_from_db()
            if video.status != Video.Status.READY:
                raise SystemExit(f"The pipeline did not finish: {video.status} {video.error}")
            storage.delete_prefix(storage.video_prefix(video.pk))
            gaps = [b - a for a, b in zip(published, published[1:])]
            return timer, rss.peak_kib, gaps, len(published)

        def alone():
            out = scratch / "alone"
            make_output_dirs(out)
            with PeakRss() as rss, Timer() as timer:
                run(plan.command(source=source, out_dir=out), stderr_path=scratch / "alone.log")
                run(storyboard_sheet_command(out_dir=out, storyboard=plan.storyboard), stderr_path=scratch / "s.log")
            return timer, rss.peak_kib

        results_a, results_b = [], []
        for index in range(args.rounds):
            results_a.append(pipeline())
            results_b.append(alone())
            print(f"round {index + 1}: a {results_a[-1][0].wall:.1f} s, b {results_b[-1][0].wall:.1f} s", flush=True)
        a_timer, a_rss, gaps, events = min(results_a, key=lambda r: r[0].wall)
        b_timer, b_rss = min(results_b, key=lambda r: r[0].wall)

        print(f"\n{'':2}{'run':<40}{'wall s':>9}{'CPU s':>9}{'realtime':>10}{'ffmpeg peak RSS':>17}")
        for key, label, timer, rss in (("a", "pipeline: ingest → ready", a_timer, a_rss),
                                       ("b", "its ffmpeg command alone", b_timer, b_rss)):
            print(f"{key:<2}{label:<40}{timer.wall:>9.1f}{timer.cpu:>9.1f}{info.duration / timer.wall:>9.2f}x"
                  f"{rss / 1024:>13.0f} MiB")
        print(f"\nprogress events: {events}; largest gap {max(gaps):.2f} s, p95 {percentile(gaps, 95):.2f} s "
              f"(target: an event at least every 2 s)  {'OK' if max(gaps) <= 2 else 'MISSED'}")
        ratio = a_timer.wall / b_timer.wall
        print(f"a/b wall {ratio:.3f}  CPU {a_timer.cpu / b_timer.cpu:.3f}   (target ≤ 1.10: the pipeline's overhead)"
              f"  {'OK' if ratio <= 1.10 else 'MISSED'}   best of {args.rounds}; load average {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
