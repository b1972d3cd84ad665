"""Production hardening: CSP on our pages, Swagger UI from our own static files, secure settings,
and upload bodies over the limit refused at the ASGI layer before they are read."""

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mediasite.middleware.upload_limit import UploadLimitASGIMiddleware
from mediasite.middleware.csp import build_policy

ROOT = Path(__file__).resolve().parent.parent


def directives(policy: str) -> dict[str, list[str]]:
    return {part.split()[0]: part.split()[1:] for part in policy.split("; ")}


@pytest.mark.django_db
def test_pages_and_api_carry_the_csp(client):
    for path in ("/", "/api/docs/", "/api/v1/videos/", "/healthz"):
        response = client.get(path)
        policy = directives(response["Content-Security-Policy"])
        assert policy["script-src"] == ["'self'"], path
        assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
        assert "blob:" in policy["worker-src"] and "blob:" in policy["media-src"]


def test_csp_allows_the_public_s3_endpoint(settings):
    settings.S3_BUCKET = "media"
    settings.S3_PUBLIC_ENDPOINT_URL = "https://media.example.com:9000/"
    policy = directives(build_policy())
    for name in ("media-src", "connect-src", "img-src"):
        assert "https://media.example.com:9000" in policy[name]
    assert "'unsafe-inline'" not in policy["script-src"] and "'unsafe-eval'" not in policy["script-src"]
    settings.S3_BUCKET = ""
    assert "https://media.example.com:9000" not in build_policy()


@pytest.mark.django_db
def test_swagger_ui_is_served_from_our_static_files(client):
    page = client.get("/api/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower() and "https://" not in html
    assert "<script>" not in html  # the init script is a separate file, as the CSP requires
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200 and "/api/schema/" in script.content.decode()
    bundle = client.get("/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js")
    assert bundle.status_code == 200


@pytest.mark.django_db
def test_schema_is_served(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    schema = json.loads(response.content)
    assert schema["openapi"].startswith("3.")
    paths = schema["paths"]
    for path in ("/api/v1/auth/token/", "/api/v1/videos/", "/api/v1/videos/{video_id}/",
                 "/api/v1/videos/{video_id}/retry/", "/api/v1/videos/{video_id}/cancel/"):
        assert path in paths
    error = {"$ref": "#/components/schemas/Error"}
    for path, operations in paths.items():
        for method, operation in operations.items():
            assert operation["responses"]["404"]["content"]["application/json"]["schema"] == error, (path, method)
            assert "429" in operation["responses"], (path, method)


PRODUCTION_PROBE = """
import django, json
django.setup()
from django.conf import settings as s
from django.test import Client
r = Client().get('/no-such-page/', secure=True)
print(json.dumps({
    'session_secure': s.SESSION_COOKIE_SECURE, 'csrf_secure': s.CSRF_COOKIE_SECURE,
    'hsts': s.SECURE_HSTS_SECONDS, 'ssl_redirect': s.SECURE_SSL_REDIRECT, 'debug': s.DEBUG,
    'renderers': s.REST_FRAMEWORK['DEFAULT_RENDERER_CLASSES'],
    'status': r.status_code, 'body': r.content.decode()[:2000],
    'hsts_header': r.headers.get('Strict-Transport-Security', ''), 'csp': r.headers.get('Content-Security-Policy', ''),
}))
"""


def test_production_mode_is_hardened():
    env = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "SECRET_KEY", "ALLOWED_HOSTS")}
    env.update(
        DJANGO_SETTINGS_MODULE="mediasite.settings", DEBUG="false", ALLOWED_HOSTS="testserver",
        SECRET_KEY="p" * 20 + "-q7!Zr2kLm9xWv4bNt8yHs3dFg6jK0aQe5cR",
    )
    result = subprocess.run([sys.executable, "-c", PRODUCTION_PROBE], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout.strip().splitlines()[-1])
    assert loaded["session_secure"] and loaded["csrf_secure"] and loaded["ssl_redirect"]
    assert loaded["hsts"] >= 31536000 and "max-age=" in loaded["hsts_header"]
    assert loaded["debug"] is False
    assert loaded["renderers"] == ["rest_framework.renderers.JSONRenderer"]  # no browsable API pages
    assert loaded["status"] == 404 and "Traceback" not in loaded["body"] and "URLconf" not in loaded["body"]
    assert "script-src 'self'" in loaded["csp"]


# --- the ASGI upload guard ---------------------------------------------------------------------


class Recorder:
    def __init__(self, body_chunks):
        self.chunks = list(body_chunks)
        self.reads = 0
        self.sent = []

    async def receive(self):
        self.reads += 1
        if not self.chunks:
            return {"type": "http.disconnect"}
        chunk = self.chunks.pop(0)
        return {"type": "http.request", "body": chunk, "more_body": bool(self.chunks)}

    async def send(self, message):
        self.sent.append(message)


async def _reading_app(scope, receive, send):
    """Reads the whole body like Django's ASGIHandler, then answers 200 (or nothing if aborted)."""
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return
        if not message.get("more_body"):
            break
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})


def _run(headers, chunks):
    recorder = Recorder(chunks)
    scope = {"type": "http", "method": "POST", "path": "/api/v1/videos/", "headers": headers}
    asyncio.run(UploadLimitASGIMiddleware(_reading_app)(scope, recorder.receive, recorder.send))
    return recorder


def test_asgi_guard_refuses_a_declared_length_without_reading(settings):
    settings.MAX_UPLOAD_SIZE = 1000
    too_big = str(1000 + 2 * 1024 * 1024).encode()
    recorder = _run([(b"content-length", too_big)], [b"x" * 10])
    assert recorder.reads == 0
    assert recorder.sent[0]["status"] == 413
    assert json.loads(recorder.sent[1]["body"])["error"]["code"] == "too_large"


def test_asgi_guard_cuts_off_a_chunked_body(settings):
    settings.MAX_UPLOAD_SIZE = 1000
    chunk = b"x" * (512 * 1024)
    recorder = _run([], [chunk] * 10)
    assert recorder.reads < 10
    assert [m.get("status") for m in recorder.sent if m["type"] == "http.response.start"] == [413]


def test_asgi_guard_passes_normal_requests(settings):
    settings.MAX_UPLOAD_SIZE = 1000
    recorder = _run([(b"content-length", b"20")], [b"a" * 10, b"b" * 10])
    assert recorder.sent[0]["status"] == 200 and recorder.sent[1]["body"] == b"ok"
