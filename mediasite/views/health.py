"""Liveness and readiness endpoints for orchestrators and load balancers."""

import logging
import time

from django.core.files.storage import default_storage
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from mediasite.backends.redis_client import redis_client

logger = logging.getLogger(__name__)

READINESS_PROBE_KEY = "_health/readyz-probe"


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def check_redis() -> None:
    redis_client().ping()


def check_storage() -> None:
    # exists() is a HEAD on S3: it proves the endpoint answers, the credentials work and the
    # bucket is there, without writing anything.
    default_storage.exists(READINESS_PROBE_KEY)


CHECKS = {"database": check_database, "redis": check_redis, "storage": check_storage}


@require_GET
@never_cache
def healthz(request):
    return JsonResponse({"status": "ok"})


@require_GET
@never_cache
def readyz(request):
    results, failed = {}, []
    for name, check in CHECKS.items():
        started = time.perf_counter()
        try:
            check()
        except Exception as exc:  # any failure of a dependency means "not ready", with its reason
            logger.warning("readiness check %s failed: %s", name, exc)
            results[name] = {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}
            failed.append(name)
        else:
            results[name] = {"ok": True, "ms": round((time.perf_counter() - started) * 1000, 1)}
    body = {"status": "unavailable" if failed else "ok", "failed": failed, "checks": results}
    return JsonResponse(body, status=503 if failed else 200)
