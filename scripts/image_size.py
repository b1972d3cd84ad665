#!/usr/bin/env python3
"""Estimate the runtime image's size where no Docker engine runs: its Debian packages, venv and code.

The runtime stage (Dockerfile) is python:3.11-slim-bookworm, Debian's packages from its
`apt-get install`, the builder's venv of requirements.txt and the build context that
.dockerignore lets through, with the static files collectstatic adds. Each part is sized from
what a Debian 12 machine can see:

- Debian packages: apt resolves the install list against an empty dpkg status, once with the base
  image's packages alone and once with the list added (`apt-get --simulate`, this machine's
  bookworm lists), so the difference is exactly what the layer adds. Sizes are each package's
  Installed-Size and, for the packages installed here, the files on disk less what the slim
  images' dpkg excludes drop (docs, man pages, locales: debuerreotype's .slimify-excludes).
- The venv: a throwaway one, built in a temporary directory from requirements.txt alone.
- /app: the build context copied as .dockerignore filters it, then collectstatic and
  `manage.py check` run in that copy with the throwaway venv — so the copy is also shown to be
  enough for Django to start.

Usage: .venv/bin/python scripts/image_size.py [--skip-venv]
"""

import argparse
import os
import re
import shutil
import stat as stat_module
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASE_IMAGE = "python:3.11-slim-bookworm"
MIB = 1024 * 1024

# debian:bookworm-slim is debootstrap's minbase: every Priority: required package, and apt; its
# /usr is merged by debootstrap, so usr-is-merged stands for the usrmerge package (and its Perl).
# python:3.11-slim-bookworm adds its runtime packages and keeps the libraries its build links
# against (docker-library/python, 3.11/slim-bookworm/Dockerfile: the build-deps below, found
# again by its ldd step; tkinter's are left out).
MINBASE_EXTRA = ("apt", "usr-is-merged")
PYTHON_SLIM_PACKAGES = (
    "ca-certificates", "netbase", "tzdata",
    "libbz2-1.0", "libdb5.3", "libffi8", "libgdbm6", "libgdbm-compat4", "liblzma5", "libncursesw6",
    "libtinfo6", "libreadline8", "libsqlite3-0", "libssl3", "libuuid1", "zlib1g",
)
# What the slim images' dpkg configuration never unpacks (debuerreotype, scripts/.slimify-excludes).
SLIM_EXCLUDED = re.compile(r"^/usr/share/(doc|info|linda|lintian/overrides|locale|man)/")
SLIM_KEPT = re.compile(r"^/usr/share/doc/[^/]+/copyright$")


def run(command: list[str], **kwargs) -> str:
    """Run a command and return its output, failing with its stderr."""
    result = subprocess.run(command, capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command[:3])} … failed ({result.returncode}):\n{result.stderr[-2000:]}")
    return result.stdout


# ---- Debian packages ----

def runtime_apt_packages(dockerfile: Path) -> list[str]:
    """Return the packages the Dockerfile's last stage installs with apt-get."""
    text = re.sub(r"\\\n", " ", dockerfile.read_text())
    stages = re.split(r"^FROM\s", text, flags=re.MULTILINE | re.IGNORECASE)
    packages = []
    for command in re.findall(r"apt-get\s+install\s+([^&;\n]+)", stages[-1]):
        packages += [word for word in command.split() if not word.startswith("-")]
    if not packages:
        raise SystemExit(f"no apt-get install in the last stage of {dockerfile}")
    return packages


def required_packages() -> list[str]:
    """Return this machine's archive's Priority: required and Essential packages (minbase)."""
    names, package = set(), None
    for line in run(["apt-cache", "dumpavail"]).splitlines():
        if line.startswith("Package: "):
            package = line.split()[1]
        elif line in ("Priority: required", "Essential: yes"):
            names.add(package)
    return sorted(names)


def apt_closure(packages: list[str]) -> set[str]:
    """Return every package apt installs for these on an empty system, without recommends."""
    with tempfile.TemporaryDirectory(prefix="image-size-") as scratch:
        status = Path(scratch) / "status"
        status.touch()
        output = run([
            "apt-get", "--simulate", "--no-install-recommends", "-o", f"Dir::State::status={status}",
            "-o", "Debug::NoLocking=1", "install", *packages,
        ])
    return {line.split()[1] for line in output.splitlines() if line.startswith("Inst ")}


def installed_size_kib(packages: set[str]) -> dict[str, int]:
    """Return each package's Installed-Size (KiB) from the archive's candidate version."""
    sizes, package = {}, None
    output = run(["apt-cache", "show", "--no-all-versions", *sorted(packages)])
    for line in output.splitlines():
        if line.startswith("Package: "):
            package = line.split()[1]
        elif line.startswith("Installed-Size: "):
            sizes[package] = int(line.split()[1])
    return sizes


def slim_bytes_on_disk(package: str, seen: set[tuple[int, int]]) -> int | None:
    """Return the bytes of a package's files installed here, less slim's excludes; None if absent.

    A file is counted once however many names it has (Mesa's drivers are hard links of one file).
    """
    listing = subprocess.run(["dpkg-query", "-L", package], capture_output=True, text=True)
    if listing.returncode != 0 or "is not installed" in listing.stderr:
        return None
    total = 0
    for path in listing.stdout.splitlines():
        if SLIM_EXCLUDED.match(path) and not SLIM_KEPT.match(path):
            continue
        try:
            stat = os.lstat(path)
        except OSError:
            continue
        if not stat_module.S_ISREG(stat.st_mode) or (stat.st_dev, stat.st_ino) in seen:
            continue
        seen.add((stat.st_dev, stat.st_ino))
        total += stat.st_size
    return total


def debian_layer(dockerfile: Path = ROOT / "Dockerfile", *, measure_disk: bool = True) -> dict:
    """Size the base image's Debian packages and what the runtime stage's apt-get adds to them."""
    for tool in ("apt-get", "apt-cache", "dpkg-query"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} is missing: the Debian part needs a Debian machine (bookworm)")
    wanted = runtime_apt_packages(dockerfile)
    base_request = [*required_packages(), *MINBASE_EXTRA, *PYTHON_SLIM_PACKAGES]
    base = apt_closure(base_request)
    added = apt_closure([*base_request, *wanted]) - base
    sizes = installed_size_kib(base | added)
    shared = apt_closure(wanted) & base
    seen = set()
    on_disk = {
        package: slim_bytes_on_disk(package, seen) if measure_disk else None
        for package in sorted(base) + sorted(added)
    }
    return {"wanted": wanted, "base": base, "added": added, "shared": shared, "sizes": sizes, "on_disk": on_disk}


def slim_ratio(packages: set[str], sizes: dict[str, int], on_disk: dict[str, int | None]) -> float:
    """Return the share of Installed-Size left on disk by slim, over the packages installed here."""
    measured = [package for package in packages if on_disk.get(package) is not None]
    declared = 1024 * sum(sizes.get(package, 0) for package in measured)
    return sum(on_disk[package] for package in measured) / declared if declared else 1.0


def cpython_bytes() -> int:
    """Return the bytes of this machine's CPython 3.11 install, pruned as docker-library prunes it.

    Its site-packages is left out but for pip, setuptools and wheel, which python:3.11-slim carries.
    """
    prefix = Path(sys.base_prefix)
    site = prefix / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}" / "site-packages"
    keep = ("pip", "setuptools", "wheel", "_distutils_hack")
    total = 0
    for directory, dirnames, filenames in os.walk(prefix):
        here = Path(directory)
        dirnames[:] = [
            name for name in dirnames
            if name not in ("test", "tests", "idle_test", "__pycache__", "tkinter", "idlelib")
            and not (here == site and not name.startswith(keep))
        ]
        for name in filenames:
            path = here / name
            if name.endswith((".pyc", ".pyo")) or (name.startswith("libpython") and name.endswith(".a")):
                continue
            if here == site or path.is_symlink():
                continue
            total += path.stat().st_size
    return total


# ---- the build context (.dockerignore) ----

def _pattern_regex(pattern: str) -> re.Pattern:
    """Translate a .dockerignore pattern (Go's filepath.Match plus `**`) into a regex."""
    out, i = "", 0
    while i < len(pattern):
        char = pattern[i]
        if pattern.startswith("**", i):
            i += 2
            if pattern.startswith("/", i):
                out, i = out + "(?:.*/)?", i + 1
            else:
                out += ".*"
            continue
        if char == "*":
            out += "[^/]*"
        elif char == "?":
            out += "[^/]"
        elif char == "[":
            end = pattern.index("]", i)
            body = pattern[i + 1:end]
            out += "[" + ("^" + body[1:] if body.startswith("^") or body.startswith("!") else body) + "]"
            i = end
        else:
            out += re.escape(char)
        i += 1
    return re.compile(out + r"\Z")


def dockerignore_rules(path: Path = ROOT / ".dockerignore") -> list[tuple[bool, re.Pattern]]:
    """Return (excludes, regex) per rule, in order: the last rule that matches decides."""
    rules = []
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        include = line.startswith("!")
        pattern = os.path.normpath(line.lstrip("!").strip()).lstrip("/")
        rules.append((not include, _pattern_regex(pattern)))
    return rules


def is_excluded(relative: str, rules) -> bool:
    """Tell whether Docker leaves a path out: a rule matches it or one of its parent directories."""
    parts = relative.split("/")
    candidates = ["/".join(parts[:n]) for n in range(1, len(parts) + 1)]
    excluded = False
    for excludes, regex in rules:
        if any(regex.match(candidate) for candidate in candidates):
            excluded = excludes
    return excluded


def context_files(root: Path = ROOT) -> list[str]:
    """Return the files (relative paths) that `docker build` sends with this .dockerignore."""
    rules = dockerignore_rules(root / ".dockerignore")
    reincludes = any(not excludes for excludes, _ in rules)
    files = []
    for directory, dirnames, filenames in os.walk(root):
        relative_dir = os.path.relpath(directory, root)
        prefix = "" if relative_dir == "." else relative_dir + "/"
        if not reincludes:  # nothing can come back from an excluded directory: skip its walk
            dirnames[:] = [name for name in dirnames if not is_excluded(prefix + name, rules)]
        files += [prefix + name for name in filenames if not is_excluded(prefix + name, rules)]
    return sorted(files)


# ---- the venv and /app ----

def directory_bytes(path: Path) -> int:
    """Return the bytes of the regular files under a directory."""
    return sum(entry.stat().st_size for entry in path.rglob("*") if entry.is_file() and not entry.is_symlink())


def distribution_sizes(site_packages: Path) -> dict[str, int]:
    """Return the bytes of each installed distribution, from its RECORD."""
    sizes = {}
    for record in site_packages.glob("*.dist-info/RECORD"):
        name = record.parent.name.removesuffix(".dist-info").rsplit("-", 1)[0].lower()
        total = 0
        for line in record.read_text().splitlines():
            file = site_packages / line.split(",", 1)[0]
            if file.is_file():
                total += file.stat().st_size
        sizes[name] = total
    return sizes


def build_venv(scratch: Path, dockerfile: Path = ROOT / "Dockerfile") -> Path:
    """Build a venv from requirements.txt alone, as the builder stage does; return its python."""
    venv = scratch / "venv"
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    run([sys.executable, "-m", "venv", str(venv)], env=env)
    pinned_pip = re.search(r"pip install pip==(\S+)", dockerfile.read_text())
    if pinned_pip:
        run([str(venv / "bin" / "pip"), "install", "--quiet", f"pip=={pinned_pip.group(1)}"], env=env)
    run([str(venv / "bin" / "pip"), "install", "--quiet", "-r", str(ROOT / "requirements.txt")], env=env)
    return venv / "bin" / "python"


def app_copy(scratch: Path, python: Path, dockerfile: Path = ROOT / "Dockerfile") -> tuple[int, int]:
    """Copy the build context, collect static files and check Django in it; return code and static bytes."""
    app = scratch / "app"
    files = context_files()
    for relative in files:
        target = app / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / relative, target)
    code = directory_bytes(app)
    env = {
        key: value for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_", "REDIS_", "S3_", "VIRTUAL_ENV"))
    }
    env.update(
        SECRET_KEY="image-size-estimate-only-this-key-signs-nothing-0123456789abcdef", DEBUG="false",
        DJANGO_SETTINGS_MODULE="mediasite.settings", PYTHONDONTWRITEBYTECODE="1",
    )
    # The Dockerfile's own collectstatic options (--ignore …), so the same files are collected.
    options = re.search(r"manage\.py collectstatic([^&;\n]*)", re.sub(r"\\\n", " ", dockerfile.read_text()))
    run([str(python), "manage.py", "collectstatic", *(options.group(1).split() if options else ["--noinput"]),
         "-v", "0"], cwd=app, env=env)
    run([str(python), "manage.py", "check"], cwd=app, env=env)
    return code, directory_bytes(app / "staticfiles")


# ---- report ----

def mib(n_bytes: float) -> str:
    return f"{n_bytes / MIB:7.1f} MiB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-venv", action="store_true", help="Debian packages only (no venv, no /app)")
    parser.add_argument("--top", type=int, default=8, help="largest packages and distributions to name")
    args = parser.parse_args()

    debian = debian_layer()
    sizes, added, base, on_disk = debian["sizes"], debian["added"], debian["base"], debian["on_disk"]
    base_kib = sum(sizes.get(package, 0) for package in base)
    added_kib = sum(sizes.get(package, 0) for package in added)
    added_ratio, base_ratio = slim_ratio(added, sizes, on_disk), slim_ratio(base, sizes, on_disk)
    added_slim, base_slim = added_kib * 1024 * added_ratio, base_kib * 1024 * base_ratio
    python_bytes = cpython_bytes()
    measured = sum(on_disk.get(package) is not None for package in added)

    print(f"Runtime image (linux/amd64) on {BASE_IMAGE}, estimated from this machine's Debian 12 lists\n")
    print(f"{BASE_IMAGE}                                 {mib(base_slim + python_bytes)}")
    print(f"  {len(base)} Debian packages (minbase, python's own): Installed-Size {mib(base_kib * 1024).strip()},"
          f" without docs/man/locales {mib(base_slim).strip()}")
    print(f"  CPython 3.11 in /usr/local (this machine's, pruned as the image is)   {mib(python_bytes)}")
    print(f"apt-get install {' '.join(debian['wanted'])} --no-install-recommends: {len(added)} packages")
    print(f"  Installed-Size                                          {mib(added_kib * 1024)}")
    print(f"  without docs/man/locales (slim's dpkg excludes)         {mib(added_slim)}"
          f"  (measured on the {measured} of {len(added)} installed here: x{added_ratio:.2f})")
    largest = sorted(added, key=lambda package: -sizes.get(package, 0))[: args.top]
    print("  largest (MiB): " + ", ".join(f"{package} {sizes[package] / 1024:.0f}" for package in largest))
    shared = sorted(debian["shared"])
    print(f"  already in {BASE_IMAGE}, not counted again ({len(shared)}): {' '.join(shared)}")
    if args.skip_venv:
        return

    with tempfile.TemporaryDirectory(prefix="image-size-") as scratch:
        python = build_venv(Path(scratch))
        site_packages = next((Path(scratch) / "venv" / "lib").glob("python3*/site-packages"))
        venv_bytes = directory_bytes(Path(scratch) / "venv")
        distributions = distribution_sizes(site_packages)
        tooling = sum(distributions.get(name, 0) for name in ("pip", "setuptools"))
        code, static = app_copy(Path(scratch), python)

    print(f"\n/opt/venv (a throwaway venv from requirements.txt only)   {mib(venv_bytes)}")
    print(f"  of which the venv's own pip and setuptools              {mib(tooling)}")
    top = sorted(distributions.items(), key=lambda item: -item[1])[: args.top]
    print("  largest: " + ", ".join(f"{name} {n / MIB:.0f}" for name, n in top) + " (MiB)")
    print(f"/app code (the context .dockerignore lets through)         {mib(code)}")
    print(f"/app/staticfiles (collectstatic, hashed and compressed)    {mib(static)}")
    added_total = added_slim + venv_bytes + code + static
    print(f"\nAdded to {BASE_IMAGE}: {mib(added_total).strip()} "
          f"(apt layer {mib(added_slim).strip()}, venv {mib(venv_bytes).strip()}, app {mib(code + static).strip()}).")
    print(f"Runtime image, uncompressed: about {mib(added_total + base_slim + python_bytes).strip()}.")


if __name__ == "__main__":
    main()
