"""Settings load from the environment alone, with embedded defaults."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PRINT = (
    "import django, json; django.setup(); from django.conf import settings as s; "
    "print(json.dumps({'engine': s.DATABASES['default']['ENGINE'], 'db': str(s.DATABASES['default']['NAME']), "
    "'storage': s.STORAGES['default']['BACKEND'], 'options': {k: v for k, v in "
    "s.STORAGES['default'].get('OPTIONS', {}).items() if k not in ('client_config', 'transfer_config')}, 'redis': s.REDIS_URL, "
    "'debug': s.DEBUG, 'broker': s.CELERY_BROKER_URL, 'visibility': s.CELERY_BROKER_TRANSPORT_OPTIONS, "
    "'hard': s.TRANSCODE_HARD_TIME_LIMIT}))"
)
CONFIG_VARS = ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DEBUG", "ALLOWED_HOSTS") + tuple(
    k for k in os.environ if k.startswith("S3_")
)


def _run(code: str, **env) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in CONFIG_VARS}
    clean.update(DJANGO_SETTINGS_MODULE="mediasite.settings", **env)
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=60)


def _settings(**env) -> dict:
    result = _run(PRINT, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_embedded_defaults():
    loaded = _settings()
    assert loaded["engine"] == "django.db.backends.sqlite3"
    assert loaded["storage"] == "mediasite.backends.storage.SignedFileSystemStorage"
    assert loaded["redis"] == loaded["broker"] == "redis://127.0.0.1:6379/0"
    assert loaded["debug"] is True
    assert loaded["visibility"]["visibility_timeout"] > loaded["hard"]


def test_database_and_s3_from_environment():
    loaded = _settings(
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/mediasite",
        S3_BUCKET="media",
        S3_ENDPOINT_URL="http://minio:9000",
        S3_PUBLIC_ENDPOINT_URL="http://localhost:9000",
        S3_ACCESS_KEY_ID="key",
        S3_SECRET_ACCESS_KEY="secret",
        REDIS_URL="redis://redis:6379/2",
    )
    assert loaded["engine"] == "django.db.backends.postgresql"
    assert loaded["db"] == "mediasite"
    assert loaded["storage"] == "mediasite.backends.storage.PublicEndpointS3Storage"
    options = loaded["options"]
    assert options["bucket_name"] == "media"
    assert options["endpoint_url"] == "http://minio:9000"
    assert options["public_endpoint_url"] == "http://localhost:9000"
    assert options["addressing_style"] == "path" and options["signature_version"] == "s3v4"
    assert loaded["broker"] == "redis://redis:6379/2"


def test_production_refuses_development_secret():
    result = _run(PRINT, DEBUG="false")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_passes_check_deploy():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={
            **{k: v for k, v in os.environ.items() if k not in CONFIG_VARS},
            "DEBUG": "false",
            "SECRET_KEY": "x7!" + "k2Qz9vL0pW4rT8yU1iO5aS3dF6gH0jK9lZ2xC7vB4nM1qE8wR",
            "ALLOWED_HOSTS": "video.example.com",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
