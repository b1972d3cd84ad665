"""The one synchronous Redis client of a process: tickets, presence, rate limits, readiness, broker gauges.

One connection pool per process instead of one per caller (there were four). The cache has its
own pool through Django's backend (mediasite/backends/redis_cache.py) and the channel layer its own.
"""

import functools

import redis
from django.conf import settings


@functools.lru_cache(maxsize=4)
def _client_for(url: str) -> redis.Redis:
    # Short timeouts: a scrape of /metrics or a websocket connect must fail fast, not hang, when Redis is away.
    return redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2, health_check_interval=30)


def redis_client() -> redis.Redis:
    return _client_for(settings.REDIS_URL)
