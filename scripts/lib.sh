# Helpers shared by run.sh and test.sh.

redis_answers() {
  .venv/bin/python - "$1" <<'PY' 2>/dev/null
import sys, redis
redis.Redis.from_url(sys.argv[1], socket_connect_timeout=1).ping()
PY
}

# Start a throwaway local Redis when none answers at $1 and redis-server is installed.
# Sets STARTED_REDIS_PID when it started one.
ensure_redis() {
  local url="$1"
  STARTED_REDIS_PID=""
  if redis_answers "$url"; then
    return 0
  fi
  case "$url" in
    redis://127.0.0.1:6379*|redis://localhost:6379*) ;;
    *) echo "Redis does not answer at $url." >&2; return 1 ;;
  esac
  if ! command -v redis-server >/dev/null; then
    echo "Redis does not answer at $url and redis-server is not installed (apt-get install redis-server)." >&2
    return 1
  fi
  echo "Starting a local Redis on 127.0.0.1:6379…"
  redis-server --bind 127.0.0.1 --port 6379 --save "" --appendonly no --loglevel warning &
  STARTED_REDIS_PID=$!
  for _ in $(seq 50); do
    redis_answers "$url" && return 0
    sleep 0.1
  done
  echo "Redis did not start." >&2
  return 1
}

# Send a signal to a process and all its descendants.
kill_tree() {
  local sig="$1" pid="$2" child
  for child in $(ps -o pid= --ppid "$pid" 2>/dev/null); do
    kill_tree "$sig" "$child"
  done
  kill "-$sig" "$pid" 2>/dev/null || true
}
