"""Websocket fan-out benchmark: N authenticated clients on one daphne process, a broadcast from another.

    .venv/bin/python bench/websockets.py [--clients 100 500 1000] [--rounds 5]

For each N: a fresh daphne serves the app; N clients (N distinct users, each with a single-use
ticket) connect and read their snapshot; the web process's RSS is sampled before and after, which
gives the memory of an idle connection. Then a sender process (this script with --sender, a warm
Django process like a web or worker process) calls `system_message_broadcast` ROUNDS times, the
service behind `manage.py broadcast`; every client notes when the system message arrives.
Latency is receipt time minus the moment the service hands the message to the channel layer
(after storing it for every active user): Redis, the web process's fan-out, the socket. The
sender also reports how long the whole service call took, and the table gives p95 from the
event's own `timestamp` too, stamped before the N rows are stored.

Uses DATABASE_URL and REDIS_URL like the app (a throwaway SQLite database when DATABASE_URL is
unset); the channel layer gets a prefix of its own so nothing else on that Redis hears the run.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

# This file is named like the `websockets` library: drop its folder from the import path first.
HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
sys.path.insert(0, str(ROOT))

import argparse  # noqa: E402
import asyncio  # noqa: E402
import json  # noqa: E402
import resource  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import urllib.request  # noqa: E402
from datetime import datetime  # noqa: E402

import websockets  # noqa: E402

from bench.support import free_port, percentile, status_kib, stop  # noqa: E402

PYTHON = sys.executable
BIN = Path(PYTHON).parent
BENCH_PREFIX = "bench-ws"


def raise_file_limit() -> int:
    """Each connection is a socket at both ends; 1000 clients need well over the usual 1024 fds."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard != resource.RLIM_INFINITY else 65536
    resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return target








def setup_django(env: dict) -> None:
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mediasite.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def bench_users(count: int) -> list:
    """`count` active users named bench-NNNN (created once, reused), and no others active for the run."""
    from django.contrib.auth import get_user_model

    User = get_user_model()
    existing = set(User.objects.filter(username__startswith="bench-").values_list("username", flat=True))
    User.objects.bulk_create(
        User(username=f"bench-{i:05d}", password="!") for i in range(count) if f"bench-{i:05d}" not in existing
    )
    return list(User.objects.filter(username__startswith="bench-").order_by("username")[:count])


def start_daphne(port: int, env: dict) -> subprocess.Popen:
    log = open(Path(tempfile.gettempdir()) / f"bench-daphne-{port}.log", "wb")
    process = subprocess.Popen(
        [str(BIN / "daphne"), "-b", "127.0.0.1", "-p", str(port), "mediasite.asgi:application"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1).read()
            return process
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"daphne did not start, see {log.name}")
            time.sleep(0.2)


class Client:
    def __init__(self, url: str, origin: str):
        self.url, self.origin = url, origin  # url ends with "?ticket=": the ticket is made at connect time
        self.received: dict[int, tuple[float, float]] = {}  # round -> (receipt time, event timestamp)
        self.raw: list[tuple[float, str]] = []
        self.socket = None
        self.reader: asyncio.Task | None = None

    async def connect(self, user) -> None:
        from asgiref.sync import sync_to_async

        from notifications.services import ws_ticket_create

        ticket = await sync_to_async(ws_ticket_create)(user=user)
        self.socket = await websockets.connect(self.url + ticket, origin=self.origin, open_timeout=60, ping_interval=None,
                                               max_queue=None)
        snapshot = json.loads(await self.socket.recv())
        assert snapshot["type"] == "snapshot", snapshot
        self.reader = asyncio.create_task(self.read())

    async def read(self) -> None:
        # Only note the receipt here; parsing waits until the round is over, so the client's own
        # work does not queue up behind a thousand messages and inflate the figures.
        async for raw in self.socket:
            self.raw.append((time.time(), raw))

    def tally(self) -> None:
        for received, raw in self.raw:
            message = json.loads(raw)
            if message.get("type") == "system_message" and message["message"].startswith("bench round "):
                stamped = datetime.fromisoformat(message["timestamp"]).timestamp()
                self.received[int(message["message"].rsplit(" ", 1)[1])] = (received, stamped)
        self.raw.clear()

    async def close(self) -> None:
        if self.reader:
            self.reader.cancel()
        if self.socket:
            await self.socket.close()


async def run_one(n: int, rounds: int, env: dict) -> dict:
    from asgiref.sync import sync_to_async

    port = free_port()
    daphne = start_daphne(port, env)
    sender = await asyncio.create_subprocess_exec(
        PYTHON, __file__, "--sender", cwd=ROOT, env=env, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
    )
    try:
        origin, url = f"http://127.0.0.1:{port}", f"ws://127.0.0.1:{port}/ws/notifications/?ticket="
        users = await sync_to_async(bench_users)(n)
        # Warm the web process (imports, the first database connection) before sampling memory.
        warm = Client(url, origin)
        await warm.connect(users[0])
        await warm.close()
        await asyncio.sleep(1)
        rss_before = status_kib(daphne.pid, "VmRSS")

        clients = [Client(url, origin) for _ in users]
        # Handshakes in flight at once: each costs the web process two fresh database connections
        # (CONN_MAX_AGE=0), and daphne drops a handshake not accepted within 5 s.
        gate = asyncio.Semaphore(25)

        async def connect(client, user):
            async with gate:
                await client.connect(user)

        started = time.monotonic()
        await asyncio.gather(*(connect(c, u) for c, u in zip(clients, users)))
        connect_seconds = time.monotonic() - started
        await asyncio.sleep(2)
        rss_after = status_kib(daphne.pid, "VmRSS")

        reports = []
        for number in range(-1, rounds):  # round -1 warms the sender and is not counted
            sender.stdin.write(f"{number}\n".encode())
            await sender.stdin.drain()
            reports.append(json.loads(await sender.stdout.readline()))
            deadline = time.monotonic() + 10
            while sum(bool(c.raw) for c in clients) < n and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
            await asyncio.sleep(0.3)
            for client in clients:
                client.tally()
        sent_at = {r: reports[r + 1]["sent_at"] for r in range(rounds)}
        latencies = [(c.received[r][0] - sent_at[r]) * 1000 for c in clients for r in range(rounds) if r in c.received]
        with_store = [(c.received[r][0] - c.received[r][1]) * 1000 for c in clients for r in range(rounds)
                      if r in c.received]
        await asyncio.gather(*(c.close() for c in clients))
        return {
            "n": n,
            "connect_s": connect_seconds,
            "rss_delta_mib": (rss_after - rss_before) / 1024,
            "kib_per_conn": (rss_after - rss_before) / n,
            "service_ms": statistics.median(r["service_ms"] for r in reports[1:]),
            "p95_with_store": percentile(with_store, 95) if with_store else float("nan"),
            "received": len(latencies),
            "expected": n * rounds,
            "p50": statistics.median(latencies) if latencies else float("nan"),
            "p95": percentile(latencies, 95) if latencies else float("nan"),
            "p99": percentile(latencies, 99) if latencies else float("nan"),
            "max": max(latencies) if latencies else float("nan"),
            "per_round": [
                sorted((c.received[r][0] - sent_at[r]) * 1000 for c in clients if r in c.received)
                for r in range(rounds)
            ],
        }
    finally:
        sender.stdin.close()
        await sender.wait()
        stop(daphne)


def sender() -> None:
    """Broadcast `bench round N` for each N read from stdin; answer with the service call's duration."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mediasite.settings")
    import django

    django.setup()
    from notifications import services

    # Note when the stored message is handed to the channel layer: the start of "send to receipt".
    sent_at: list[float] = []
    group_send_all = services._group_send_all

    def timed_group_send_all(groups, message):
        sent_at.append(time.time())
        group_send_all(groups, message)

    services._group_send_all = timed_group_send_all
    for line in sys.stdin:
        started = time.time()
        services.system_message_broadcast(message=f"bench round {int(line)}", level="info")
        print(json.dumps({"service_ms": (time.time() - started) * 1000, "sent_at": sent_at[-1]}), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, nargs="+", default=[100, 500, 1000])
    parser.add_argument("--rounds", type=int, default=5, help="broadcasts per N")
    parser.add_argument("--verbose", action="store_true", help="also print each broadcast's first/median/last receipt")
    parser.add_argument("--sender", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.sender:
        return sender()

    limit = raise_file_limit()  # inherited by daphne and the broadcast processes
    env = dict(os.environ, CHANNELS_PREFIX=f"{BENCH_PREFIX}-{os.getpid()}", LOG_LEVEL="WARNING", DEBUG="true")
    scratch = tempfile.TemporaryDirectory(prefix="bench-ws-")
    env.setdefault("DATABASE_URL", f"sqlite:///{scratch.name}/bench.sqlite3")
    env.setdefault("DJANGO_SETTINGS_MODULE", "mediasite.settings")
    setup_django(env)

    from django.contrib.auth import get_user_model

    # A broadcast stores a row for every active user: keep the run's cost to its own users.
    others = get_user_model().objects.filter(is_active=True).exclude(username__startswith="bench-").count()
    print(f"open files limit {limit}; database {env['DATABASE_URL'].split('@')[-1]}; {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.1f}; {args.rounds} broadcasts per N; {others} other active users")
    print(f"{'N':>6} {'connect':>8} {'RSS +MiB':>9} {'KiB/conn':>9} {'service':>8} {'received':>11} "
          f"{'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'max ms':>7} {'p95 incl. store':>16}")
    for n in args.clients:
        r = asyncio.run(run_one(n, args.rounds, env))
        print(f"{r['n']:>6} {r['connect_s']:>7.1f}s {r['rss_delta_mib']:>9.1f} {r['kib_per_conn']:>9.1f} {r['service_ms']:>6.1f}ms "
              f"{r['received']:>5}/{r['expected']:<5} {r['p50']:>7.1f} {r['p95']:>7.1f} {r['p99']:>7.1f} "
              f"{r['max']:>7.1f} {r['p95_with_store']:>13.1f} ms  (load {os.getloadavg()[0]:.1f})", flush=True)
        if args.verbose:
            for number, times in enumerate(r["per_round"]):
                print(f"{'':>8}broadcast {number}: first {times[0]:.1f} ms, median {statistics.median(times):.1f} ms, "
                      f"last {times[-1]:.1f} ms, {len(times)} received")
    scratch.cleanup()


if __name__ == "__main__":
    main()
