"""One synchronous Redis client per process for tickets and connection counts (the same Redis as the cache)."""

import functools

import redis
from django.conf import settings


@functools.lru_cache(maxsize=4)
def _client_for(url: str) -> redis.Redis:
    # Short timeouts: a scrape of /metrics or a websocket connect must fail fast, not hang, when Redis is away.
    return redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2, health_check_interval=30)


def redis_client() -> redis.Redis:
    return _client_for(settings.REDIS_URL)
