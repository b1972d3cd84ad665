#!/usr/bin/env bash
# Start mediasite on its embedded defaults: web (daphne) and worker (celery, with beat) until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379/0}"
HOST="${HOST:-127.0.0.1}"
PORT="${PORT:-8000}"
PY=.venv/bin/python
pids=()

stop_all() {
  trap - INT TERM EXIT
  set +e  # a process that is already gone is no reason to stop stopping the others
  echo "Stopping mediasite…"
  for pid in "${pids[@]}"; do kill_tree TERM "$pid"; done
  for _ in $(seq 100); do
    alive=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && break
    sleep 0.1
  done
  for pid in "${pids[@]}"; do kill_tree KILL "$pid"; done
  wait 2>/dev/null || true
}
interrupted=""
trap 'interrupted=1' INT TERM  # ends the `wait -n` below; the shutdown happens there
trap stop_all EXIT

scripts/ensure_debian_packages.sh ffmpeg=ffmpeg ffprobe=ffmpeg
ensure_redis "$REDIS_URL"
[ -n "$STARTED_REDIS_PID" ] && pids+=("$STARTED_REDIS_PID")

scripts/compile_messages.sh
$PY manage.py migrate --noinput
$PY manage.py ensure_admin
# First start on an empty database: a generated demo clip shows the whole pipeline at work.
$PY manage.py ingest --demo --if-empty || echo "Demo clip not ingested (see above); uploads still work."

.venv/bin/celery -A mediasite worker -B -Q transcode,default --concurrency "${WORKER_CONCURRENCY:-1}" \
  --loglevel INFO --schedule "${TMPDIR:-/tmp}/mediasite-celerybeat-schedule" -n "ladder@%h" &
pids+=($!)
# First renditions (a remux or a fast rung, seconds long) on a worker of their own, so that a new
# upload plays at once even while another video's ladder keeps the worker above busy.
.venv/bin/celery -A mediasite worker -Q first --concurrency 1 --loglevel INFO -n "first@%h" &
pids+=($!)
# Captions from speech on a worker of their own at the lowest CPU priority: the two above always
# come first, and captions take only the CPU they leave.
nice -n 19 .venv/bin/celery -A mediasite worker -Q captions --concurrency 1 --loglevel INFO -n "captions@%h" &
pids+=($!)
.venv/bin/daphne -b "$HOST" -p "$PORT" mediasite.asgi:application &
pids+=($!)

echo "mediasite is starting on http://$HOST:$PORT/ (admin at /admin/). Press Ctrl-C to stop."
status=0
wait -n || status=$?  # Ctrl-C, or one of the processes ended on its own
stop_all
if [ -n "$interrupted" ]; then exit 0; fi
echo "A process ended on its own (status $status); stopped the others." >&2
exit "$status"
