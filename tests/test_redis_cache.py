"""The cache backend (mediasite.redis_cache): every cache object of a process, one per request
context under ASGI, shares one connection pool and client instead of opening its own connection."""

import threading

import pytest
from django.core.cache import caches


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


@pytest.mark.parametrize("rounds", [1, 3])
def test_cache_objects_in_new_contexts_share_one_pool_and_open_no_new_connections(rounds):
    def use_cache():
        cache = caches["default"]
        cache.set("redis-cache-test", 1, 5)
        assert cache.get("redis-cache-test") == 1
        return cache._cache.get_client()

    clients = []
    for _ in range(rounds):
        clients += in_fresh_threads(use_cache, 20)  # sequential rounds: the pool's idle connections are reused
    assert len({id(client) for client in clients}) == 1
    assert len({id(cache) for cache in in_fresh_threads(lambda: caches["default"], 5)}) == 5  # still one per context
    assert clients[0].connection_pool._created_connections <= 20
