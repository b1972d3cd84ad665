#!/usr/bin/env bash
# Run the whole suite against real PostgreSQL and Redis on 127.0.0.1 and a real S3 server (weed mini).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/mediasite}"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379/0}"

# Chromium runs the browser tests (hls.js playback, live pages), docker-compose validates
# compose.yaml offline and espeak-ng speaks for the captions-from-speech tests; without them
# those tests are skipped.
scripts/ensure_debian_packages.sh ffmpeg=ffmpeg ffprobe=ffmpeg chromium=chromium? docker-compose=docker-compose? \
  espeak-ng=espeak-ng?
scripts/compile_messages.sh
ensure_redis "$REDIS_URL"
trap '[ -n "$STARTED_REDIS_PID" ] && kill "$STARTED_REDIS_PID" 2>/dev/null; true' EXIT

.venv/bin/pytest "$@"
