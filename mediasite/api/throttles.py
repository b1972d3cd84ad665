"""Rate limits in Redis: one counter per client and fixed window, so a check is one round trip.

DRF's own throttles keep every request's timestamp in one cache value, which grows with the rate
and is rewritten on every request; a counter costs the same at 10/min and at 10,000/min.
Rates come from REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] (read per request, so tests and
settings overrides apply).
"""

import time

from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle

from mediasite.backends.redis_client import redis_client

KEY_PREFIX = "mediasite:throttle:"
_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """'120/min' → (120, 60)."""
    count, period = rate.split("/")
    return int(count), _PERIODS[period.strip()[0]]


class RedisRateThrottle(BaseThrottle):
    scope = ""

    def get_ident_key(self, request, view) -> str | None:
        """The client this request counts against; None means this throttle does not apply."""
        raise NotImplementedError

    def allow_request(self, request, view) -> bool:
        rate = api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)
        ident = self.get_ident_key(request, view)
        if not rate or ident is None:
            return True
        limit, window = parse_rate(rate)
        now = time.time()
        key = f"{KEY_PREFIX}{self.scope}:{ident}:{int(now // window)}"
        pipe = redis_client().pipeline(transaction=False)
        pipe.incr(key)
        pipe.expire(key, window + 1)
        count = pipe.execute()[0]
        self._wait = window - (now % window)
        return count <= limit

    def wait(self) -> float | None:
        return getattr(self, "_wait", None)


class AnonThrottle(RedisRateThrottle):
    """Anonymous clients, by address."""

    scope = "anon"

    def get_ident_key(self, request, view):
        return None if request.user and request.user.is_authenticated else self.get_ident(request)


class UserThrottle(RedisRateThrottle):
    """Signed-in users, by account."""

    scope = "user"

    def get_ident_key(self, request, view):
        return request.user.pk if request.user and request.user.is_authenticated else None


class UploadThrottle(RedisRateThrottle):
    """Video uploads, per account (anonymous users cannot upload)."""

    scope = "uploads"

    def get_ident_key(self, request, view):
        if request.method != "POST":
            return None
        return request.user.pk if request.user and request.user.is_authenticated else self.get_ident(request)


class LoginThrottle(RedisRateThrottle):
    """Password attempts on the token endpoint, by address."""

    scope = "auth"

    def get_ident_key(self, request, view):
        return self.get_ident(request) if request.method == "POST" else None


def throttle_reset() -> None:
    """Forget every counter (tests start from zero)."""
    client = redis_client()
    keys = list(client.scan_iter(match=f"{KEY_PREFIX}*", count=1000))
    if keys:
        client.delete(*keys)
