#!/usr/bin/env python
"""Time to playable: seconds from a stored upload to a playable video, then to the full ladder.

    .venv/bin/python bench/playable.py [STANDARD NONSTANDARD] [--minutes 10] [--size 1920x1080] [--rounds 1]
                                       [--skip-baselines] [--playable-only] [--redis-db 14] [--cache-dir DIR]

Without files it generates two 1080p30 clips with audio of MINUTES (kept in CACHE_DIR, default
$TMPDIR/mediasite-bench-playable, and reused by later runs): a standard one (H.264 yuv420p, AAC,
x264 ultrafast, keyframes every 250 frames at most, MP4) and a non-standard one (MPEG-2 video and
MP2 audio in MPEG-TS, as a broadcast recorder writes). Then starts the platform as `make run` does
— scripts/run.sh itself, isolated: a SQLite database, media and TMPDIR in a temporary folder, a
Redis database of its own, a free port — waits for /healthz and for the demo clip it ingests, and
uploads through POST /api/v1/videos/ with an API token, polling the detail every 0.25 s:

(a) the standard source alone, (b) the non-standard source alone: time to playable
    (playable_at − created_at, and the wall time from the upload's response to the first poll
    with a playback_url), time to ladder (ready_at − created_at), the platform's CPU seconds;
(c) the standard source again, and the non-standard one uploaded once the former is playable and
    its ladder encoding (progress > 0): the latter's time to playable must not wait for that ladder. Both
    are cancelled once it is playable (their ladders would only repeat a and b).
And, unless --skip-baselines, on the same files outside the platform: the raw remux
(`ffmpeg -c copy` into fMP4 HLS, standard source: the other one is what browsers do not play) and
the raw single pass (the ladder's one ffmpeg command, from videos.transcode.transcode_plan).
Prints wall and CPU seconds (children's rusage; the platform's: its process tree's), the issue's
targets — playable ≤ 10 s standard, ≤ 30 s non-standard, ladder ≤ 1.10 × the raw single pass —
and the ratios. Best of the rounds: other load only ever adds time. Times count from created_at,
when the upload is stored; a platform without first renditions is playable at ladder time.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.support import free_port  # noqa: E402
from bench.transcode import Timer  # noqa: E402

POLL = 0.25
TARGET_PLAYABLE = {"standard": 10.0, "nonstandard": 30.0}
TARGET_LADDER_RATIO = 1.10
TERMINAL = {"ready", "failed", "cancelled"}
TICK = os.sysconf("SC_CLK_TCK")


# --- sources ------------------------------------------------------------------------------------

def ensure_sources(cache: Path, *, minutes: float, size: str) -> tuple[Path, Path]:
    """The two generated sources for MINUTES at SIZE, made once and reused from CACHE."""
    from videos.ffmpeg.runner import generate_clip

    cache.mkdir(parents=True, exist_ok=True)
    seconds = minutes * 60
    tag = f"{minutes:g}min-{size}"
    standard, nonstandard = cache / f"standard-{tag}.mp4", cache / f"nonstandard-{tag}.ts"
    if not standard.exists():
        print(f"Generating the standard source ({size}, 30 fps, {seconds:g} s, H.264 ultrafast + AAC)…", flush=True)
        partial = standard.with_suffix(".part.mp4")
        with Timer() as made:
            # x264's default keyint is 250 frames: a keyframe at least every 8.3 s at 30 fps.
            generate_clip(partial, seconds=seconds, size=size, rate=30, crf=20, preset="ultrafast")
        partial.rename(standard)
        print(f"  {made.wall:.0f} s", flush=True)
    if not nonstandard.exists():
        print(f"Generating the non-standard source ({size}, 30 fps, {seconds:g} s, MPEG-2 + MP2 in MPEG-TS)…",
              flush=True)
        partial = nonstandard.with_suffix(".part.ts")
        with Timer() as made:
            subprocess.run(
                ["ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
                 "-f", "lavfi", "-i", f"testsrc2=size={size}:rate=30:duration={seconds}",
                 "-f", "lavfi", "-i", f"sine=frequency=440:beep_factor=4:sample_rate=48000:duration={seconds}",
                 "-c:v", "mpeg2video", "-b:v", "8M", "-maxrate", "10M", "-bufsize", "4M", "-g", "15",
                 "-pix_fmt", "yuv420p", "-c:a", "mp2", "-b:a", "192k", "-f", "mpegts", str(partial)],
                check=True,
            )
        partial.rename(nonstandard)
        print(f"  {made.wall:.0f} s", flush=True)
    return standard, nonstandard


def describe(path: Path) -> str:
    from videos.ffmpeg import probe

    info = probe(path)
    return (f"{path.name}: {info.width}x{info.height}, {info.fps:g} fps, {info.duration:.1f} s, "
            f"{path.stat().st_size / 1e6:.0f} MB")


# --- baselines ----------------------------------------------------------------------------------

def raw_remux(source: Path, scratch: Path) -> Timer:
    out = scratch / "remux"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    with Timer() as timer:
        subprocess.run(
            ["ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error", "-y", "-i", str(source), "-c", "copy",
             "-f", "hls", "-hls_segment_type", "fmp4", "-hls_time", "4", "-hls_playlist_type", "vod",
             "-hls_segment_filename", str(out / "seg_%05d.m4s"), str(out / "index.m3u8")],
            check=True,
        )
    shutil.rmtree(out)
    return timer


def raw_single_pass(source: Path, scratch: Path) -> Timer:
    """The ladder's one ffmpeg command, as the worker builds it, on a local file."""
    from videos.ffmpeg import make_output_dirs, probe
    from videos.ffmpeg.runner import run
    from videos.transcode import transcode_plan

    plan = transcode_plan(probe(source))
    out = scratch / "single-pass"
    shutil.rmtree(out, ignore_errors=True)
    make_output_dirs(out, plan.ladder)
    with Timer() as timer:
        run(plan.command(source=source, out_dir=out), stderr_path=scratch / "single-pass.log")
    shutil.rmtree(out)
    return timer


# --- the platform -------------------------------------------------------------------------------

def tree_cpu(root_pid: int) -> float:
    """CPU seconds of a live process tree: each member's own, plus its children already reaped."""
    children: dict[int, list[int]] = {}
    cpu: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid = int(entry.name)
        children.setdefault(int(fields[1]), []).append(pid)
        cpu[pid] = sum(int(x) for x in fields[11:15]) / TICK  # utime stime cutime cstime
    total, todo = 0.0, [root_pid]
    while todo:
        pid = todo.pop()
        total += cpu.get(pid, 0.0)
        todo += children.get(pid, [])
    return total


def tree_commands(root_pid: int) -> list[str]:
    commands, todo = [], [root_pid]
    while todo:
        pid = todo.pop()
        try:
            commands.append((Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")).decode())
            todo += [int(p) for p in subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)],
                                                    check=False, capture_output=True, text=True).stdout.split()]
        except OSError:
            pass
    return commands


def platform_env(scratch: Path, *, redis_db: int, name: str) -> dict:
    """The environment of an isolated scripts/run.sh in SCRATCH: a SQLite database, media and TMPDIR
    of its own (made here), a Redis database and channel prefix of its own, a free port, no S3."""
    (scratch / "tmp").mkdir(exist_ok=True)
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("S3_")},
        "DJANGO_SETTINGS_MODULE": "mediasite.settings",
        "DATABASE_URL": f"sqlite:///{scratch / 'db.sqlite3'}",
        "MEDIA_ROOT": str(scratch / "media"),
        "REDIS_URL": f"redis://127.0.0.1:6379/{redis_db}",
        "CHANNELS_PREFIX": f"bench-{name}-{scratch.name}",
        "PORT": str(free_port()),
        "TMPDIR": str(scratch / "tmp"),  # the beat schedule, upload spool files and transcode scratch
    }


class Platform:
    """scripts/run.sh with its own database, media, TMPDIR, Redis database and port."""

    def __init__(self, env: dict, scratch: Path):
        self.env, self.scratch, self.port = env, scratch, int(env["PORT"])
        self.log_path = scratch / "run.log"
        self.process: subprocess.Popen | None = None
        self.token = ""

    def __enter__(self):
        self.token = make_token(self.env)
        log = self.log_path.open("wb")
        # A session of its own: a Ctrl-C on this terminal reaches this script only, which stops run.sh.
        self.process = subprocess.Popen(["scripts/run.sh"], cwd=ROOT, env=self.env, stdout=log,
                                        stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 180
        while True:
            if self.process.poll() is not None:
                raise SystemExit(f"scripts/run.sh ended ({self.process.returncode}):\n{self.log_tail()}")
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=2).read()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit(f"/healthz did not answer in 180 s:\n{self.log_tail()}") from None
                time.sleep(0.3)
        return self

    def __exit__(self, *exc):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # run.sh stops its children (TERM, then KILL after 10 s)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)  # the session it leads: only what it started
                self.process.wait()

    def log_tail(self, lines: int = 30) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def cpu(self) -> float:
        return tree_cpu(self.process.pid)

    def first_worker(self) -> bool:
        """Whether a celery worker of run.sh's consumes the `first` queue."""
        for command in tree_commands(self.process.pid):
            words = command.split()
            if "celery" in command and "-Q" in words[:-1] and "first" in words[words.index("-Q") + 1].split(","):
                return True
        return False

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None) -> dict:
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", data=body, method=method,
                                         headers={"Authorization": f"Token {self.token}", **(headers or {})})
        with urllib.request.urlopen(request, timeout=3600) as response:
            return json.loads(response.read() or b"{}")

    def upload(self, path: Path, title: str) -> dict:
        boundary = uuid.uuid4().hex
        head = (f'--{boundary}\r\nContent-Disposition: form-data; name="title"\r\n\r\n{title}\r\n'
                f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{path.name}"\r\n'
                f"Content-Type: application/octet-stream\r\n\r\n").encode()
        tail = f"\r\n--{boundary}--\r\n".encode()
        size = len(head) + path.stat().st_size + len(tail)

        def body():
            yield head
            with path.open("rb") as handle:
                while chunk := handle.read(1 << 20):
                    yield chunk
            yield tail

        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}/api/v1/videos/", data=body(), method="POST",
            headers={"Authorization": f"Token {self.token}", "Content-Length": str(size),
                     "Content-Type": f"multipart/form-data; boundary={boundary}"},
        )
        try:
            with urllib.request.urlopen(request, timeout=3600) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as exc:
            raise SystemExit(f"upload of {path.name} refused: {exc.code} {exc.read()[:500]!r}") from None

    def detail(self, video_id: str) -> dict:
        return self.request("GET", f"/api/v1/videos/{video_id}/")

    def wait_idle(self, timeout: float = 600) -> None:
        """Until no video is queued or processing (the demo clip run.sh ingests, a cancelled one)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            rows = self.request("GET", "/api/v1/videos/")["results"]
            if all(row["status"] in TERMINAL for row in rows):
                return
            time.sleep(0.5)
        raise SystemExit(f"videos still in progress after {timeout:g} s:\n{self.log_tail()}")


def make_token(env: dict) -> str:
    code = (
        "import django; django.setup();"
        "from django.contrib.auth import get_user_model; from rest_framework.authtoken.models import Token;"
        "u = get_user_model().objects.create_user('bench-playable', password='pw-bench-playable');"
        "print(Token.objects.create(user=u).key)"
    )
    subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True,
                          capture_output=True, text=True).stdout.strip()


def when(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


class Watch:
    """One upload, polled: when it became playable and ready, seen from the API and from its fields."""

    def __init__(self, platform: Platform, source: Path, title: str):
        self.platform, self.title = platform, title
        self.cpu_before = platform.cpu()
        started = time.monotonic()
        video = platform.upload(source, title)
        self.uploaded = time.monotonic()
        self.upload_wall = self.uploaded - started
        self.id = video["id"]
        self.video = video
        self.playable_wall: float | None = None
        self.ready_wall: float | None = None
        self.renditions_at_playable: list[str] = []
        self.cpu_at_ready: float | None = None

    def poll(self) -> dict:
        video = self.video = self.platform.detail(self.id)
        now = time.monotonic() - self.uploaded
        if self.playable_wall is None and video["playback_url"]:
            self.playable_wall = now
            self.renditions_at_playable = [r["name"] for r in video["renditions"]]
        if self.ready_wall is None and video["status"] == "ready":
            self.ready_wall = now
            self.cpu_at_ready = self.platform.cpu()
        return video

    def until(self, done, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not done(self.poll()):
            if self.video["status"] in ("failed", "cancelled"):
                raise SystemExit(f"{self.title}: {self.video['status']}: {self.video['error']}\n"
                                 f"{self.platform.log_tail()}")
            if time.monotonic() > deadline:
                raise SystemExit(f"{self.title}: still {self.video['status']} after {timeout:g} s")
            time.sleep(POLL)

    def figures(self) -> dict:
        video = self.video
        created, playable, ready = when(video["created_at"]), when(video["playable_at"]), when(video["ready_at"])
        return {
            "playable": (playable - created).total_seconds() if playable else None,
            "playable_wall": self.playable_wall,
            "ladder": (ready - created).total_seconds() if ready else None,
            "ladder_wall": self.ready_wall,
            "cpu": (self.cpu_at_ready - self.cpu_before) if self.cpu_at_ready is not None else None,
            "upload_wall": self.upload_wall,
            "renditions": ",".join(self.renditions_at_playable) or "-",
            "playable_at_null": playable is None,
        }


def alone(platform: Platform, source: Path, title: str, timeout: float, *, playable_only: bool = False) -> dict:
    watch = Watch(platform, source, title)
    if not playable_only:
        watch.until(lambda v: v["status"] == "ready" and v["playback_url"], timeout)
        return watch.figures()
    watch.until(lambda v: v["playback_url"], timeout)
    cancel(platform, [watch])
    platform.wait_idle(timeout)
    result = watch.figures()
    result["ladder"] = result["ladder_wall"] = result["cpu"] = None
    return result


def cancel(platform: Platform, watches: list[Watch]) -> None:
    for watch in watches:
        if watch.video["status"] not in TERMINAL:
            try:
                platform.request("POST", f"/api/v1/videos/{watch.id}/cancel/")
            except urllib.error.HTTPError as exc:
                print(f"  cancel of {watch.title} answered {exc.code}", flush=True)


def behind_a_ladder(platform: Platform, standard: Path, nonstandard: Path, timeout: float) -> tuple[dict, dict]:
    """The non-standard source uploaded while the standard one's ladder encodes; both cancelled after."""
    first = Watch(platform, standard, "standard, then another upload")
    first.until(lambda v: v["playback_url"] and v["status"] == "processing" and v["stage"] == "transcoding"
                and v["progress"] > 0, timeout)
    ladder_progress = first.video["progress"]
    second = Watch(platform, nonstandard, "non-standard, behind a ladder")
    second.until(lambda v: v["playback_url"], timeout)
    first.poll()
    still_encoding = first.video["status"] != "ready"
    cancel(platform, [second, first])
    platform.wait_idle(timeout)
    result = second.figures()
    result["ladder"] = result["ladder_wall"] = result["cpu"] = None
    result["note"] = (f"uploaded at {ladder_progress:.0f} % of the other's ladder; "
                      f"that ladder {'still encoding' if still_encoding else 'FINISHED'} when it played")
    return first.figures(), result


# --- report -------------------------------------------------------------------------------------

def best(values):
    values = [v for v in values if v is not None]
    return min(values) if values else None


def fmt(value, width=9, digits=1) -> str:
    return f"{value:>{width}.{digits}f}" if value is not None else f"{'—':>{width}}"


def verdict(ok: bool | None) -> str:
    return "" if ok is None else ("OK" if ok else "MISSED")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("files", nargs="*", help="STANDARD NONSTANDARD video files (default: generated clips)")
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--size", default="1920x1080")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--skip-baselines", action="store_true", help="no raw remux or raw single pass")
    parser.add_argument("--redis-db", type=int, default=14, help="the platform's Redis database (default 14)")
    parser.add_argument("--cache-dir", type=Path, default=Path(tempfile.gettempdir()) / "mediasite-bench-playable")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (database, media, run.log)")
    parser.add_argument("--playable-only", action="store_true",
                        help="time to playable only: every video cancelled once playable, no raw single pass "
                             "(the ladders of ten-minute sources take most of an hour on two cores)")
    args = parser.parse_args()
    if len(args.files) not in (0, 2):
        parser.error("give both files, STANDARD and NONSTANDARD, or none")

    scratch = Path(tempfile.mkdtemp(prefix="mediasite-bench-playable-"))
    env = {**platform_env(scratch, redis_db=args.redis_db, name="playable"), "API_THROTTLE_UPLOADS": "1000/hour"}
    # The raw single pass builds its command from the same settings as the platform's worker.
    os.environ.update({k: env[k] for k in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL", "MEDIA_ROOT", "REDIS_URL")})
    for key in [k for k in os.environ if k.startswith("S3_")]:
        del os.environ[key]
    import django

    django.setup()

    if args.files:
        standard, nonstandard = (Path(f).resolve() for f in args.files)
    else:
        standard, nonstandard = ensure_sources(args.cache_dir, minutes=args.minutes, size=args.size)
    duration = args.minutes * 60
    print(f"{describe(standard)}\n{describe(nonstandard)}", flush=True)
    timeout = max(600.0, duration * 12)

    baselines: dict[str, list[Timer]] = {"remux": [], "single standard": [], "single nonstandard": []}
    runs: dict[str, list[dict]] = {"standard": [], "nonstandard": [], "behind": [], "behind-first": []}
    odd: list[str] = []
    try:
        with Platform(env, scratch) as platform:
            first_worker = platform.first_worker()
            print(f"platform on port {platform.port} (Redis db {args.redis_db}); first-rendition worker "
                  f"{'running' if first_worker else 'NOT running (expect playable at ladder time)'}; "
                  "waiting for the demo clip…", flush=True)
            platform.wait_idle(timeout)
            for index in range(args.rounds):
                if not args.skip_baselines:
                    baselines["remux"].append(raw_remux(standard, scratch))
                if not (args.skip_baselines or args.playable_only):
                    baselines["single standard"].append(raw_single_pass(standard, scratch))
                    baselines["single nonstandard"].append(raw_single_pass(nonstandard, scratch))
                runs["standard"].append(alone(platform, standard, "standard", timeout, playable_only=args.playable_only))
                runs["nonstandard"].append(alone(platform, nonstandard, "non-standard", timeout,
                                                 playable_only=args.playable_only))
                first, behind = behind_a_ladder(platform, standard, nonstandard, timeout)
                runs["behind-first"].append(first)
                runs["behind"].append(behind)
                print(f"round {index + 1}: playable standard {fmt(runs['standard'][-1]['playable'], 0)} s, "
                      f"non-standard {fmt(runs['nonstandard'][-1]['playable'], 0)} s, "
                      f"behind a ladder {fmt(behind['playable'], 0)} s", flush=True)
            log = platform.log_path.read_text(errors="replace").splitlines()
            odd = [line for line in log if any(w in line for w in ("ERROR", "Traceback", "CRITICAL", "WARNING"))]
    finally:
        if not args.keep:
            shutil.rmtree(scratch, ignore_errors=True)

    def best_timer(timers: list[Timer]) -> Timer | None:
        return min(timers, key=lambda t: t.wall) if timers else None

    remux = best_timer(baselines["remux"])
    single = {"standard": best_timer(baselines["single standard"]),
              "nonstandard": best_timer(baselines["single nonstandard"])}
    print(f"\n{args.minutes:g} min of {args.size} 30 fps per source; best of {args.rounds}; "
          f"{os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.2f}; "
          f"first-rendition worker {'yes' if first_worker else 'no'}; {datetime.now().astimezone():%Y-%m-%d %H:%M %Z}")
    print(f"\n{'baseline (outside the platform)':<44}{'wall s':>9}{'CPU s':>9}{'realtime':>10}")
    for label, timer in (("raw remux, standard (-c copy → fMP4 HLS)", remux),
                         ("raw single pass, standard", single["standard"]),
                         ("raw single pass, non-standard", single["nonstandard"])):
        if timer:
            print(f"{label:<44}{timer.wall:>9.1f}{timer.cpu:>9.1f}{duration / timer.wall:>9.1f}x")
    if not any(single.values()):
        print("(skipped)")

    print(f"\n{'platform (from created_at)':<32}{'playable':>9}{'poll':>8}{'target':>8}{'':>8}"
          f"{'ladder':>9}{'poll':>8}{'CPU s':>8}{'/single':>9}{'':>8}{'CPU/single':>11}  first renditions")
    for key, label in (("standard", "standard"), ("nonstandard", "non-standard"),
                       ("behind-first", "standard, then (c)"), ("behind", "non-standard behind a ladder")):
        rows = runs[key]
        if not rows:
            continue
        target = TARGET_PLAYABLE["standard" if key.startswith(("standard", "behind-first")) else "nonstandard"]
        playable, ladder = best(r["playable"] for r in rows), best(r["ladder"] for r in rows)
        base = single["standard" if key == "standard" else "nonstandard"] if key != "behind-first" else None
        ratio = ladder / base.wall if ladder is not None and base else None
        cpu = best(r["cpu"] for r in rows)
        cpu_ratio = cpu / base.cpu if cpu is not None and base else None
        print(f"{label:<32}{fmt(playable)}{fmt(best(r['playable_wall'] for r in rows), 8)}{target:>8.0f}"
              f"{verdict(playable <= target if playable is not None else None):>8}"
              f"{fmt(ladder)}{fmt(best(r['ladder_wall'] for r in rows), 8)}{fmt(best(r['cpu'] for r in rows), 8, 0)}"
              f"{fmt(ratio, 9, 3)}{verdict(ratio <= TARGET_LADDER_RATIO if ratio is not None else None):>8}{fmt(cpu_ratio, 11, 3)}"
              f"  {rows[-1]['renditions']}")
    for row in runs["behind"]:
        print(f"  behind a ladder: {row['note']}")
    nulls = [key for key, rows in runs.items() if any(r["playable_at_null"] for r in rows)]
    if nulls:
        print(f"  playable_at was null in the detail of: {', '.join(nulls)}")
    print(f"\ntargets: playable ≤ {TARGET_PLAYABLE['standard']:g} s standard, ≤ {TARGET_PLAYABLE['nonstandard']:g} s "
          f"non-standard (also behind a ladder); ladder ≤ {TARGET_LADDER_RATIO:.2f} × the raw single pass. "
          "'poll': wall s from the upload's response to the first poll that saw it; CPU s: the platform's "
          "process tree from the upload to ready (web, workers, ffmpeg); upload wall "
          f"{fmt(best(r['upload_wall'] for r in runs['standard']), 0)} / "
          f"{fmt(best(r['upload_wall'] for r in runs['nonstandard']), 0)} s.")
    if odd:
        print(f"\nrun.sh log: {len(odd)} warning/error lines, the first ones:")
        for line in odd[:8]:
            print(f"  {line[:220]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
