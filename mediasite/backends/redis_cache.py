"""Django's Redis cache backend, with one connection pool and one client per process.

Django keeps a cache object per async context, and under ASGI every request is a context of its
own: each request built a new RedisCacheClient, so a new connection pool, so a new TCP connection
to Redis with its handshake (and redis-py's package-version lookup), and each operation built a
new redis.Redis on top. Both are thread-safe, so every cache object of a process shares them here.
Upstream: Django ticket #35651 (RedisCacheClient connections are not reused across requests; its
patches, django/django#18459 and #19304, are open). Delete this module when Django ships the fix.
"""

import threading

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from django.utils.functional import cached_property

_clients: dict[tuple, "SharedRedisCacheClient"] = {}
_lock = threading.Lock()


class SharedRedisCacheClient(RedisCacheClient):
    def __init__(self, servers, **options):
        super().__init__(servers, **options)
        self._redis = {}
        self._redis_lock = threading.Lock()

    def _get_connection_pool(self, write):
        index = self._get_connection_pool_index(write)
        if index not in self._pools:
            with self._redis_lock:
                if index not in self._pools:
                    self._pools[index] = self._pool_class.from_url(self._servers[index], **self._pool_options)
        return self._pools[index]

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._redis.get(id(pool))
        if client is None:
            client = self._redis[id(pool)] = self._client(connection_pool=pool)
        return client


class SharedPoolRedisCache(RedisCache):
    @cached_property
    def _cache(self):
        key = (tuple(self._servers), repr(sorted(self._options.items())))
        with _lock:
            client = _clients.get(key)
            if client is None:
                client = _clients[key] = SharedRedisCacheClient(self._servers, **self._options)
        return client
