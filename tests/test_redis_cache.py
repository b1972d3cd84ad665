"""The cache backend (mediasite.backends.redis_cache): every cache object of a process, one per request
context under ASGI, shares one connection pool and client instead of opening its own connection."""

import threading

from django.core.cache import caches

from mediasite.backends.redis_client import redis_client


def in_fresh_threads(function, count: int) -> list:
    """Run function in count new threads, each with no cache object yet, as ASGI requests are."""
    results = [None] * count

    def run(index):
        results[index] = function()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def connections_opened() -> int:
    """Connections the Redis server has accepted since it started (all clients)."""
    return redis_client().info("stats")["total_connections_received"]


def test_cache_objects_in_new_contexts_share_one_pool_and_open_no_new_connections():
    # Three rounds: one would open 20 connections with or without the shared pool, and pass either way.
    rounds = 3

    def use_cache():
        cache = caches["default"]
        cache.set("redis-cache-test", 1, 5)
        assert cache.get("redis-cache-test") == 1
        return cache

    in_fresh_threads(use_cache, 1)  # the process's pool exists
    before = connections_opened()
    caches_seen = []
    for _ in range(rounds):
        caches_seen += in_fresh_threads(use_cache, 20)  # sequential rounds: the pool's idle connections are reused
    # At most one connection for each of the 20 threads at once, whatever the rounds: without the
    # shared pool each cache object of a context opened its own (20 × rounds).
    assert connections_opened() - before <= 20
    assert len({id(cache) for cache in caches_seen}) == 20 * rounds  # still one cache object per context
