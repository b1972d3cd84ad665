"""Open websocket connections, counted in Redis across every web process.

Each connection is a member of a sorted set per kind, scored with the time it stops counting.
A per-process heartbeat pushes that time forward for the process's own connections, so a web
process that dies without closing its sockets drops out of the count within CONNECTION_TTL.
"""

from __future__ import annotations

import asyncio
import logging
import time

from asgiref.sync import sync_to_async

from mediasite.backends.redis_client import redis_client

logger = logging.getLogger(__name__)

KINDS = ("user", "staff")
CONNECTION_TTL = 60
HEARTBEAT_INTERVAL = CONNECTION_TTL / 3

_local: dict[str, str] = {}  # channel name -> kind, for this process's open connections
_heartbeat: asyncio.Task | None = None


def _key(kind: str) -> str:
    return f"mediasite:ws-connections:{kind}"


def _add(connections: dict[str, str]) -> None:
    deadline = time.time() + CONNECTION_TTL
    pipe = redis_client().pipeline(transaction=False)
    for kind in KINDS:
        members = {name: deadline for name, k in connections.items() if k == kind}
        if members:
            pipe.zadd(_key(kind), members)
    pipe.execute()


def _remove(channel_name: str, kind: str) -> None:
    redis_client().zrem(_key(kind), channel_name)


def connection_counts() -> dict[str, int]:
    """Open connections in total and per kind, across all web processes."""
    now = time.time()
    pipe = redis_client().pipeline(transaction=False)
    for kind in KINDS:
        pipe.zremrangebyscore(_key(kind), "-inf", now)
        pipe.zcard(_key(kind))
    results = pipe.execute()
    counts = {kind: int(results[2 * i + 1]) for i, kind in enumerate(KINDS)}
    return {"total": sum(counts.values()), **counts}


async def _beat() -> None:
    while _local:
        await asyncio.sleep(HEARTBEAT_INTERVAL)
        try:
            await sync_to_async(_add, thread_sensitive=False)(dict(_local))
        except Exception:  # a Redis hiccup must not end the heartbeat for good
            logger.exception("could not refresh websocket connection counts")


async def connection_register(*, channel_name: str, kind: str) -> None:
    global _heartbeat
    _local[channel_name] = kind
    await sync_to_async(_add, thread_sensitive=False)({channel_name: kind})
    loop = asyncio.get_running_loop()
    if _heartbeat is None or _heartbeat.done() or _heartbeat.get_loop() is not loop:
        _heartbeat = loop.create_task(_beat())


async def connection_unregister(*, channel_name: str) -> None:
    global _heartbeat
    kind = _local.pop(channel_name, None)
    if kind is not None:
        await sync_to_async(_remove, thread_sensitive=False)(channel_name, kind)
    if not _local and _heartbeat is not None:
        # Tests open and close event loops; a heartbeat left pending would outlive its loop.
        _heartbeat.cancel()
        _heartbeat = None
