"""Checks of the deployment files, which no Docker engine here can run."""

import importlib.util
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = ROOT / "compose.yaml"
DOCKERFILE = ROOT / "Dockerfile"
ENV_EXAMPLE = ROOT / ".env.example"

APP_SERVICES = ("web", "worker", "beat")
LONG_RUNNING = (*APP_SERVICES, "postgres", "redis", "minio")


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load(COMPOSE.read_text())


@pytest.fixture(scope="module")
def dockerfile_lines():
    text = DOCKERFILE.read_text()
    # Join continuation lines so each instruction is one line.
    text = re.sub(r"\\\n\s*", " ", text)
    return [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def _instructions(lines, name):
    return [line for line in lines if line.split(None, 1)[0].upper() == name]


def _env_example_names():
    names = set()
    for line in ENV_EXAMPLE.read_text().splitlines():
        match = re.match(r"#?\s*([A-Z][A-Z0-9_]*)=", line)
        if match:
            names.add(match.group(1))
    return names


def test_compose_has_every_role(compose):
    services = compose["services"]
    for name in (*LONG_RUNNING, "createbuckets", "migrate"):
        assert name in services, name


def test_compose_commands_match_design(compose):
    services = compose["services"]
    assert services["web"]["command"][:1] == ["daphne"]
    assert "mediasite.asgi:application" in services["web"]["command"]
    worker = " ".join(services["worker"]["command"])
    assert worker.startswith("celery -A mediasite worker") and "-Q transcode,default" in worker
    assert " ".join(services["beat"]["command"]).startswith("celery -A mediasite beat")


def test_long_running_services_have_healthchecks(compose):
    for name in LONG_RUNNING:
        check = compose["services"][name].get("healthcheck")
        assert check and check.get("test") and not check.get("disable"), name


def test_web_healthcheck_hits_healthz_without_curl(compose):
    test = compose["services"]["web"]["healthcheck"]["test"]
    assert test[1] == "python" and "/healthz" in " ".join(test)


def test_images_are_pinned(compose):
    services = compose["services"]
    assert re.fullmatch(r"quay\.io/minio/minio:RELEASE\.\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ", services["minio"]["image"])
    assert re.fullmatch(r"quay\.io/minio/mc:RELEASE\.\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ", services["createbuckets"]["image"])
    assert services["postgres"]["image"].startswith("postgres:16")
    assert services["redis"]["image"].startswith("redis:7")
    for name, service in services.items():
        image = service.get("image", "")
        assert not image.endswith(":latest") or "build" in service, name


def test_app_services_wait_for_healthy_dependencies(compose):
    for name in APP_SERVICES:
        depends = compose["services"][name]["depends_on"]
        for dependency in ("postgres", "redis", "minio"):
            assert depends[dependency]["condition"] == "service_healthy", (name, dependency)
        assert depends["createbuckets"]["condition"] == "service_completed_successfully"
        assert depends["migrate"]["condition"] == "service_completed_successfully"


def test_app_services_configured_from_env_file(compose):
    for name in APP_SERVICES:
        service = compose["services"][name]
        assert service["env_file"] == ".env"
        env = service["environment"]
        assert env["S3_ENDPOINT_URL"] == "http://minio:9000"
        assert "http://localhost:9000" in env["S3_PUBLIC_ENDPOINT_URL"]
        assert "@postgres:5432/" in env["DATABASE_URL"]
        assert env["REDIS_URL"].startswith("redis://redis:6379")


def test_stateful_services_use_named_volumes(compose):
    volumes = compose["volumes"]
    for name in ("postgres", "redis", "minio"):
        mounts = compose["services"][name]["volumes"]
        assert any(mount.split(":", 1)[0] in volumes for mount in mounts), name


def test_env_example_lists_design_variables():
    names = _env_example_names()
    design = {
        "DATABASE_URL", "REDIS_URL", "S3_BUCKET", "S3_ENDPOINT_URL", "S3_PUBLIC_ENDPOINT_URL",
        "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY", "S3_REGION", "SECRET_KEY", "DEBUG", "ALLOWED_HOSTS",
    }
    assert design <= names, design - names


def test_env_example_lists_what_compose_interpolates():
    code = "\n".join(line for line in COMPOSE.read_text().splitlines() if not line.lstrip().startswith("#"))
    variables = set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)", code))
    missing = variables - _env_example_names()
    assert not missing, missing


def test_env_example_lists_what_settings_read():
    settings = ROOT / "mediasite" / "settings.py"
    if not settings.exists():
        pytest.skip("no settings module")
    text = settings.read_text()
    read = set(re.findall(r"env(?:\.\w+)?\(\s*[\"']([A-Z][A-Z0-9_]*)[\"']", text))
    read |= set(re.findall(r"environ(?:\.get)?[\(\[]\s*[\"']([A-Z][A-Z0-9_]*)[\"']", text))
    missing = read - _env_example_names()
    assert not missing, missing


def test_dockerfile_is_multi_stage(dockerfile_lines):
    stages = _instructions(dockerfile_lines, "FROM")
    assert len(stages) >= 2
    assert all("python:3.11-slim" in line for line in stages)
    assert any("--from=" in line for line in _instructions(dockerfile_lines, "COPY"))


def test_dockerfile_runtime_is_hardened(dockerfile_lines):
    final = dockerfile_lines[max(i for i, line in enumerate(dockerfile_lines) if line.upper().startswith("FROM ")):]
    runs = " ".join(_instructions(final, "RUN"))
    assert "ffmpeg" in runs and "--no-install-recommends" in runs
    assert "collectstatic" in runs
    users = _instructions(final, "USER")
    assert users and users[-1].split()[1] not in ("root", "0")
    healthcheck = _instructions(final, "HEALTHCHECK")
    assert healthcheck and "/healthz" in healthcheck[0] and "curl" not in healthcheck[0]
    assert _instructions(final, "EXPOSE") == ["EXPOSE 8000"]
    assert "daphne" in _instructions(final, "CMD")[-1]


def test_dockerignore_keeps_secrets_and_venv_out():
    entries = (ROOT / ".dockerignore").read_text().split()
    for entry in (".git", ".venv", ".env"):
        assert entry in entries


def test_compose_config_is_valid(tmp_path):
    """Debian's docker-compose validates the file offline against the compose schema."""
    tool = shutil.which("docker-compose")
    if tool is None:
        pytest.skip("docker-compose is not installed")
    # env_file must exist: validate with the example as the .env a user would copy.
    shutil.copy(COMPOSE, tmp_path / "compose.yaml")
    shutil.copy(ENV_EXAMPLE, tmp_path / ".env")
    result = subprocess.run(
        [tool, "-f", "compose.yaml", "config", "-q"], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr


def _image_size():
    """Load scripts/image_size.py, which sizes the image and lists its build context."""
    spec = importlib.util.spec_from_file_location("image_size", ROOT / "scripts" / "image_size.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def context():
    return _image_size().context_files(ROOT)


def test_dockerignore_keeps_tests_benchmarks_caches_and_docs_out(context):
    entries = (ROOT / ".dockerignore").read_text().split()
    for entry in ("tests", "**/tests", "bench", "**/__pycache__", ".pytest_cache", "frontend", "*.md", ".github"):
        assert entry in entries, entry
    left_out = ("tests/", "bench/", "frontend/", "scripts/", "deploy/", ".github/", ".venv/", ".git/", ".pytest_cache/")
    for path in context:
        assert not path.startswith(left_out), path
        assert "/tests/" not in path and "__pycache__" not in path and "node_modules" not in path, path
        assert not path.endswith(".pyc") and not ("/" not in path and path.endswith(".md")), path
        assert path not in ("conftest.py", "pytest.ini", ".env"), path


def test_the_build_context_keeps_what_the_image_runs(context):
    """The runtime needs manage.py (compose's migrate), the project, templates, static files and requirements."""
    for path in ("manage.py", "mediasite/settings.py", "mediasite/asgi.py", "mediasite/celery.py",
                 "templates/base.html", "requirements.txt"):
        assert path in context, path
    assert any(path.startswith("static/vendor/") for path in context)
    for app in ("videos", "subtitles", "notifications", "users", "uploads", "playback", "realtime", "backups"):
        assert f"{app}/__init__.py" in context, app
    assert any(path.startswith("videos/migrations/") for path in context)


def test_context_files_follow_dockerignore_rules(tmp_path):
    """Patterns are relative to the root, `**` spans directories, `!` brings a path back."""
    for path in ("tests/a.py", "app/tests/b.py", "app/tests.py", "app/views.py", "README.md", "docs/x/README.md",
                 ".env", ".env.example", "frontend/node_modules/x.js", "node_modules/y.js", "keep/bench/z.py"):
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text("x")
    (tmp_path / ".dockerignore").write_text("# comment\n/tests\n**/tests\n*.md\n.env*\n!.env.example\n**/node_modules\nbench\n")
    assert _image_size().context_files(tmp_path) == [
        ".dockerignore", ".env.example", "app/tests.py", "app/views.py", "docs/x/README.md", "keep/bench/z.py",
    ]


def _apt_knows_ffmpeg() -> bool:
    if shutil.which("apt-cache") is None:
        return False
    return subprocess.run(["apt-cache", "show", "ffmpeg"], capture_output=True).returncode == 0


@pytest.mark.skipif(not _apt_knows_ffmpeg(), reason="no apt, or no package lists (apt-get update): the Debian part needs them")
def test_image_size_counts_ffmpeg_and_what_the_base_image_has_once():
    debian = _image_size().debian_layer(DOCKERFILE, measure_disk=False)
    assert debian["wanted"] == ["ffmpeg"]
    assert {"ffmpeg", "libavcodec59"} <= debian["added"]
    assert {"libc6", "zlib1g", "libssl3"} <= debian["shared"] <= debian["base"]
    assert not debian["added"] & debian["base"]
    assert all(debian["sizes"][package] > 0 for package in ("ffmpeg", "libavcodec59"))
