#!/usr/bin/env python
"""The pages in Chromium over loopback: time to first frame on the watch page, and the JavaScript
each page loads besides hls.js.

    .venv/bin/python bench/pages.py [--rounds 5] [--seconds 30] [--size 1280x720] [--redis-db 15]

Starts the platform as `make run` does (scripts/run.sh, isolated as bench/playable.py does it),
uploads a generated clip through the API and waits until its ladder is ready. Then, in headless
Chromium, best of the rounds:

- **time to first frame**: from the navigation to the watch page to the first frame the player
  presents (requestVideoFrameCallback, the video started muted once the page has loaded), against a
  **baseline** measured the same way in the same run: a bare page of the same origin with only a
  <video>, hls.js and the same master playlist (no site chrome, no player of ours, no socket);
- **JavaScript bytes** of each page (list, owner, My videos, upload, watch, login), as the browser
  decoded them, hls.js apart, with the number of scripts.

Wall times over loopback on a shared 2-core VM move by ±30 %: read the ratio, not the milliseconds.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The project instead of bench/ itself: bench/websockets.py would shadow the websockets package.
sys.path[0] = str(ROOT)

from bench.playable import Platform, platform_env  # noqa: E402
from videos.tests.browser import Browser, chromium_path  # noqa: E402

HLS = "/static/vendor/hls/hls.min.js"
# Starts the page's video muted as soon as it exists and records when its first frame is presented
# (epoch ms, comparable with this process's clock). Injected before the page's own scripts run.
FIRST_FRAME_PROBE = """
document.addEventListener('DOMContentLoaded', () => {
  const video = document.querySelector('video');
  if (!video) return;
  video.muted = true;
  video.requestVideoFrameCallback(() => { window.__firstFrame = performance.timeOrigin + performance.now(); });
  const start = () => video.play().catch(() => {});
  start();
  video.addEventListener('loadedmetadata', start);
});
"""
BARE_PAGE = f"""<!doctype html><html><head><title>bare</title></head><body>
<video id="bare" playsinline muted style="width:640px"></video>
<script src="{HLS}"></script></body></html>"""
BARE_ATTACH = """(() => {
  const video = document.getElementById('bare');
  video.requestVideoFrameCallback(() => { window.__firstFrame = performance.timeOrigin + performance.now(); });
  const hls = new Hls({startPosition: 0});
  hls.loadSource(%s);
  hls.attachMedia(video);
  hls.on(Hls.Events.MANIFEST_PARSED, () => video.play().catch(() => {}));
})()"""
SCRIPTS = """performance.getEntriesByType('resource').filter(e => e.initiatorType === 'script')
  .map(e => ({url: new URL(e.name).pathname, bytes: e.decodedBodySize, transfer: e.transferSize}))"""


def generate_clip(path: Path, seconds: float, size: str) -> None:
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", f"testsrc2=size={size}:rate=30:duration={seconds}",
         "-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}", "-c:v", "libx264", "-preset", "veryfast",
         "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", str(path)],
        check=True,
    )  # fmt: skip


def login(browser: Browser, base: str) -> None:
    browser.navigate(f"{base}/accounts/login/")
    browser.evaluate(
        "(() => { const f = document.querySelector('main form');"
        " f.username.value = 'bench-playable'; f.password.value = 'pw-bench-playable'; f.submit(); })()"
    )
    browser.wait_for("location.pathname === '/' && document.readyState === 'complete'", timeout=30)


def first_frame(browser: Browser, url: str, *, bare_master: str | None = None) -> float:
    """Milliseconds from the navigation to the first presented frame."""
    browser.call("Page.navigate", url="about:blank")
    browser.wait_for("location.href === 'about:blank'", timeout=30, interval=0.005)
    started = time.time() * 1000
    if bare_master is None:
        browser.call("Page.navigate", url=url)
    else:
        # The bare page, written into a document of the site's origin (a 404 page): same origin,
        # same hls.js file and playlists, nothing else.
        browser.call("Page.navigate", url=url)
        # Polled every 5 ms: these round trips are the baseline's only extra over a page of its own.
        browser.wait_for("document.readyState === 'complete'", timeout=30, interval=0.005)
        browser.evaluate(f"document.open(); document.write({json.dumps(BARE_PAGE)}); document.close(); true")
        browser.wait_for("typeof Hls === 'function'", timeout=30, interval=0.005)
        browser.evaluate(BARE_ATTACH % json.dumps(bare_master))
    browser.wait_for("window.__firstFrame !== undefined", timeout=60, interval=0.005)
    return browser.evaluate("window.__firstFrame") - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--size", default="1280x720")
    parser.add_argument("--redis-db", type=int, default=15)
    args = parser.parse_args()
    chromium = chromium_path()
    if chromium is None:
        raise SystemExit("Chromium is needed (Debian's chromium package)")

    scratch = Path(tempfile.mkdtemp(prefix="mediasite-bench-pages-"))
    env = platform_env(scratch, redis_db=args.redis_db, name="pages")
    clip = scratch / "clip.mp4"
    generate_clip(clip, args.seconds, args.size)

    with Platform(env, scratch) as platform:
        base = f"http://127.0.0.1:{platform.port}"
        platform.wait_idle()
        video = platform.upload(clip, "Bench clip")
        platform.request("PATCH", f"/api/v1/videos/{video['id']}/", json.dumps({"visibility": "public"}).encode(),
                         {"Content-Type": "application/json"})
        deadline = time.monotonic() + 600
        while (detail := platform.detail(video["id"]))["status"] != "ready":
            if detail["status"] in ("failed", "cancelled") or time.monotonic() > deadline:
                raise SystemExit(f"the clip did not become ready: {detail['status']} {detail.get('error')}")
            time.sleep(0.5)
        watch = f"{base}/videos/{video['id']}/"
        master = f"{base}/videos/{video['id']}/hls/master.m3u8"

        browser = Browser(chromium)
        try:
            login(browser, base)
            browser.call("Page.addScriptToEvaluateOnNewDocument", source=FIRST_FRAME_PROBE)
            browser.call("Network.enable")
            browser.call("Network.setCacheDisabled", cacheDisabled=True)  # every round a first visit
            ours, bare = [], []
            for _ in range(args.rounds):
                ours.append(first_frame(browser, watch))
                bare.append(first_frame(browser, f"{base}/bench-bare-page/", bare_master=master))
            pages = {"list": "/", "owner": "/u/bench-playable/", "My videos": "/studio/", "upload": "/upload/",
                     "watch": f"/videos/{video['id']}/"}
            sizes = {}
            for name, path in pages.items():
                browser.navigate(base + path)
                time.sleep(1)  # deferred scripts and what they load
                sizes[name] = browser.evaluate(SCRIPTS)
            browser.call("Network.clearBrowserCookies")
            browser.navigate(base + "/accounts/login/")
            sizes["login"] = browser.evaluate(SCRIPTS)
        finally:
            browser.close()

    best_ours, best_bare = min(ours), min(bare)
    print(f"watch page of a {args.seconds:g} s {args.size} clip, ladder ready, over loopback, cache disabled, "
          f"best of {args.rounds} rounds:")
    print(f"  time to first frame, our watch page  {best_ours:7.0f} ms   (rounds: {', '.join(f'{v:.0f}' for v in ours)})")
    print(f"  time to first frame, bare hls.js page {best_bare:6.0f} ms   (rounds: {', '.join(f'{v:.0f}' for v in bare)})")
    print(f"  ratio ours / bare {best_ours / best_bare:.2f}")
    print("JavaScript each page loads besides hls.js (decoded bytes; scripts):")
    for name, scripts in sizes.items():
        others = [s for s in scripts if s["url"] != HLS and not s["url"].endswith("/hls.min.js")]
        hls = [s for s in scripts if s["url"].endswith("/hls.min.js")]
        listed = ", ".join(f"{Path(s['url']).name} {s['bytes'] / 1024:.1f}" for s in sorted(others, key=lambda s: -s["bytes"]))
        print(f"  {name:10s} {sum(s['bytes'] for s in others) / 1024:7.1f} KiB in {len(others):2d} scripts"
              f"{' (+ hls.js %.0f KiB)' % (hls[0]['bytes'] / 1024) if hls else ''}: {listed}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
