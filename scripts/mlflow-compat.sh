#!/usr/bin/env bash
# Run tests/mlflow/workflow.py with the real MLflow 3.x and 2.x Python clients
# against a freshly started server, one server per client.
#
#   scripts/mlflow-compat.sh                              # Pedigree (target/debug/pedigree) on SQLite
#   scripts/mlflow-compat.sh --pedigree target/release/pedigree
#   scripts/mlflow-compat.sh --database-url postgres://u:p@127.0.0.1/db   # caller gives a fresh database
#   scripts/mlflow-compat.sh --mlflow-server              # a real MLflow server (the reference)
#   scripts/mlflow-compat.sh --junit-dir DIR              # also keep each client's JUnit report there
#
# Pedigree: `BIN user alice` and `BIN token --user alice` make the credentials, then
# `BIN serve --port P --data DIR [--database-url URL]`. The 3.x client gets the token
# as MLFLOW_TRACKING_TOKEN (bearer), the 2.x client as MLFLOW_TRACKING_USERNAME=alice /
# MLFLOW_TRACKING_PASSWORD (basic). On SQLite each client gets a fresh data directory;
# with --database-url both clients share the database, so they also share one data
# directory and the user is created once.
#
# The venvs come from scripts/mlflow-venvs.sh (PEDIGREE_VENV_DIR). Logs go to a temp
# directory that is kept when something fails. Ends with the line
# `mlflow-compat: N passed, M failed` and exits non-zero when any client failed.
set -euo pipefail

CALLER_PWD="$PWD"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

BIN="target/debug/pedigree"
DATABASE_URL=""
MLFLOW_SERVER=0
JUNIT_DIR=""
READY_TIMEOUT="${MLFLOW_COMPAT_READY_TIMEOUT:-60}"

usage() { sed -n '2,20p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

while [ $# -gt 0 ]; do
  case "$1" in
    --pedigree)
      [ $# -ge 2 ] || { echo "mlflow-compat.sh: --pedigree needs a path" >&2; exit 64; }
      BIN="$2"
      case "$BIN" in /*) ;; *) BIN="$CALLER_PWD/$BIN" ;; esac
      shift 2
      ;;
    --pedigree=*)
      BIN="${1#*=}"
      case "$BIN" in /*) ;; *) BIN="$CALLER_PWD/$BIN" ;; esac
      shift
      ;;
    --database-url)
      [ $# -ge 2 ] || { echo "mlflow-compat.sh: --database-url needs a URL" >&2; exit 64; }
      DATABASE_URL="$2"
      shift 2
      ;;
    --database-url=*)
      DATABASE_URL="${1#*=}"
      shift
      ;;
    --mlflow-server)
      MLFLOW_SERVER=1
      shift
      ;;
    --junit-dir)
      [ $# -ge 2 ] || { echo "mlflow-compat.sh: --junit-dir needs a directory" >&2; exit 64; }
      JUNIT_DIR="$2"
      case "$JUNIT_DIR" in /*) ;; *) JUNIT_DIR="$CALLER_PWD/$JUNIT_DIR" ;; esac
      shift 2
      ;;
    -h | --help)
      usage
      exit 0
      ;;
    *)
      echo "mlflow-compat.sh: unknown argument '$1'" >&2
      usage >&2
      exit 64
      ;;
  esac
done

if [ "$MLFLOW_SERVER" = 1 ] && [ -n "$DATABASE_URL" ]; then
  echo "mlflow-compat.sh: --database-url is for Pedigree, not with --mlflow-server" >&2
  exit 64
fi
if [ "$MLFLOW_SERVER" = 0 ] && [ ! -x "$BIN" ]; then
  echo "mlflow-compat.sh: no Pedigree binary at $BIN (build it with cargo build, or pass --pedigree)" >&2
  exit 1
fi

LOG_PREFIX=mlflow-compat
# shellcheck source=scripts/lib.sh
source "$ROOT/scripts/lib.sh"

VENV_DIR="${PEDIGREE_VENV_DIR:-$HOME/.cache/pedigree/venvs}"
bash "$ROOT/scripts/mlflow-venvs.sh" </dev/null

# Never let a developer's settings leak into the servers or the clients.
unset PEDIGREE_DATABASE_URL PEDIGREE_DATA PEDIGREE_PORT PEDIGREE_HOST
unset MLFLOW_TRACKING_URI MLFLOW_TRACKING_TOKEN MLFLOW_TRACKING_USERNAME MLFLOW_TRACKING_PASSWORD \
  MLFLOW_TRACKING_INSECURE_TLS MLFLOW_REGISTRY_URI MLFLOW_EXPERIMENT_NAME MLFLOW_EXPERIMENT_ID MLFLOW_RUN_ID

WORK="$(mktemp -d "${TMPDIR:-/tmp}/pedigree-mlflow-compat.XXXXXX")"
SERVER_PID=""
KEEP_WORK=0

stop_server() {
  [ -n "$SERVER_PID" ] || return 0
  # The server was started with setsid: its pid is its process group id.
  if kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM -- "-$SERVER_PID" 2>/dev/null || kill -TERM "$SERVER_PID" 2>/dev/null || true
    local _
    for _ in $(seq 1 100); do
      kill -0 "$SERVER_PID" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL -- "-$SERVER_PID" 2>/dev/null || true
  fi
  # Reap it; a group member that outlived the leader gets the KILL too.
  wait "$SERVER_PID" 2>/dev/null || true
  kill -KILL -- "-$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""
}

# shellcheck disable=SC2317  # invoked by the EXIT trap
cleanup() {
  local rc=$?
  stop_server
  if [ "$KEEP_WORK" = 1 ] || [ "$rc" != 0 ]; then
    log "logs kept in $WORK"
  else
    rm -rf "$WORK"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM


# wait_ready URL LOG: poll GET URL until it answers 200, the server dies, or the time is up.
wait_ready() {
  local url="$1" server_log="$2" t0 deadline
  t0="$(now)"
  deadline=$((SECONDS + READY_TIMEOUT))
  while [ "$SECONDS" -lt "$deadline" ]; do
    if curl -fsS -o /dev/null --max-time 2 "$url" 2>/dev/null; then
      log "server ready in $(elapsed "$t0") s"
      return 0
    fi
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
      log "server exited before it was ready; last lines of $server_log:"
      tail -n 40 "$server_log" >&2 || true
      return 1
    fi
    sleep 0.2
  done
  log "server not ready after ${READY_TIMEOUT} s; last lines of $server_log:"
  tail -n 40 "$server_log" >&2 || true
  return 1
}

# pedigree ARGS...: one Pedigree command on this client's data dir (and database).
pedigree() {
  local db=()
  [ -z "$DATABASE_URL" ] || db=(--database-url "$DATABASE_URL")
  "$BIN" "$@" --data "$DATA_DIR" "${db[@]}" </dev/null
}

TOTAL_PASSED=0
TOTAL_FAILED=0
MADE_USERS=""
SUMMARY=()

# run_client MAJOR [SUITE]: start a server, run tests/mlflow/SUITE.py (default: workflow)
# with the MLflow MAJOR client, stop it. `workflow` runs with --no-review-gate (the plain
# MLflow semantics it checks, alice promoting her own versions); `governed` runs with the
# review gate on and a second user, bob, an approver.
run_client() {
  local major="$1" suite="${2:-workflow}"
  local -a SERVE_FLAGS=(--no-review-gate)
  [ "$suite" = workflow ] || SERVE_FLAGS=()
  local py="$VENV_DIR/mlflow-$major/bin/python"
  local port server_log test_log t0 rc=0
  local -a client_env=()
  # Functions called from an `if` run without errexit: every step checks itself.
  t0="$(now)"
  port="$(free_port)"
  local label="$major"
  [ "$suite" = workflow ] || label="$major-$suite"
  server_log="$WORK/server-$label.log"
  test_log="$WORK/pytest-$label.log"
  local junit="${JUNIT_DIR:-$WORK}/mlflow-$label.xml"
  rm -f "$junit"

  if [ "$MLFLOW_SERVER" = 1 ]; then
    local dir="$WORK/mlflow-$major"
    mkdir -p "$dir"
    log "client $major: starting mlflow server on 127.0.0.1:$port"
    MLFLOW_DISABLE_TELEMETRY=true DO_NOT_TRACK=true setsid "$VENV_DIR/mlflow-3/bin/mlflow" server \
      --backend-store-uri "sqlite:///$dir/mlflow.db" \
      --artifacts-destination "$dir/artifacts" --serve-artifacts \
      --host 127.0.0.1 --port "$port" --workers 1 \
      </dev/null >"$server_log" 2>&1 &
    SERVER_PID=$!
  else
    if [ -z "$DATABASE_URL" ]; then
      DATA_DIR="$WORK/data-$label"
    else
      DATA_DIR="$WORK/data"
    fi
    mkdir -p "$DATA_DIR"
    # On SQLite every run has its own data directory; a shared database keeps its users.
    [ -n "$DATABASE_URL" ] || MADE_USERS=""
    if [[ " $MADE_USERS " != *" alice "* ]]; then
      if ! pedigree user add alice >"$WORK/user-$label.log" 2>&1; then
        log "client $major: 'pedigree user add alice' failed:"
        cat "$WORK/user-$label.log" >&2
        return 1
      fi
      MADE_USERS="$MADE_USERS alice"
    fi
    if [ "$suite" = governed ] && [[ " $MADE_USERS " != *" bob "* ]]; then
      if ! { pedigree user add bob && pedigree grant approver --user bob; } >"$WORK/bob-$label.log" 2>&1; then
        log "client $major: creating the approver bob failed:"
        cat "$WORK/bob-$label.log" >&2
        return 1
      fi
      MADE_USERS="$MADE_USERS bob"
    fi
    local token
    if ! token="$(pedigree token create --user alice 2>"$WORK/token-$major.log")"; then
      log "client $major: 'pedigree token create --user alice' failed:"
      cat "$WORK/token-$major.log" >&2
      return 1
    fi
    token="$(tr -d '[:space:]' <<<"$token")"
    [ -n "$token" ] || { log "client $major: 'pedigree token' printed no secret"; return 1; }
    if [ "$suite" = governed ]; then
      local bob_token
      bob_token="$(pedigree token create --user bob 2>>"$WORK/token-$label.log" | tr -d '[:space:]')"
      [ -n "$bob_token" ] || { log "client $major: no token for bob"; return 1; }
      client_env=(PEDIGREE_ALICE_TOKEN="$token" PEDIGREE_BOB_TOKEN="$bob_token")
    elif [ "$major" = 3 ]; then
      client_env=(MLFLOW_TRACKING_TOKEN="$token")
    else
      client_env=(MLFLOW_TRACKING_USERNAME=alice MLFLOW_TRACKING_PASSWORD="$token")
    fi
    local db=()
    [ -z "$DATABASE_URL" ] || db=(--database-url "$DATABASE_URL")
    log "client $major: starting $BIN serve on 127.0.0.1:$port (data $DATA_DIR${DATABASE_URL:+, external database})"
    RUST_LOG="${RUST_LOG:-info}" setsid "$BIN" serve --port "$port" --data "$DATA_DIR" "${db[@]}" "${SERVE_FLAGS[@]}" \
      </dev/null >"$server_log" 2>&1 &
    SERVER_PID=$!
  fi

  if ! wait_ready "http://127.0.0.1:$port/health" "$server_log"; then
    stop_server
    return 1
  fi

  local client_version
  client_version="$("$py" -c 'from importlib.metadata import version; print(version("mlflow"))')"
  log "client $major: running tests/mlflow/$suite.py with mlflow $client_version"
  env "${client_env[@]}" \
    MLFLOW_TRACKING_URI="http://127.0.0.1:$port" \
    MLFLOW_HTTP_REQUEST_MAX_RETRIES=0 \
    MLFLOW_HTTP_REQUEST_TIMEOUT=30 \
    MLFLOW_DISABLE_TELEMETRY=true DO_NOT_TRACK=true \
    PYTHONDONTWRITEBYTECODE=1 \
    "$py" -m pytest -q -p no:cacheprovider -W ignore::DeprecationWarning \
    --junitxml "$junit" -o junit_family=xunit2 \
    "tests/mlflow/$suite.py" </dev/null 2>&1 | tee "$test_log" || rc=$?
  local t_stop
  t_stop="$(now)"
  stop_server
  log "client $major: server stopped in $(elapsed "$t_stop") s"

  # Counted from pytest's JUnit report, not its prose; no report counts as a failure.
  local passed failed skipped
  read -r passed failed skipped < <(junit_counts "$junit")
  # A run that failed without a failing test (no tests: exit 5, a crash, an
  # interrupted session) still counts as one failure.
  if [ "$rc" != 0 ] && [ "$failed" = 0 ]; then
    failed=1
  fi
  if [ "$rc" = 0 ] && [ "$passed" = 0 ]; then
    failed=1
    rc=5
  fi
  TOTAL_PASSED=$((TOTAL_PASSED + passed))
  TOTAL_FAILED=$((TOTAL_FAILED + failed))
  SUMMARY+=("client $label: $passed passed, $failed failed (pytest exit $rc) in $(elapsed "$t0") s")
  log "${SUMMARY[-1]}"
  [ "$rc" = 0 ]
}

STATUS=0
SUITES=(workflow)
# The review gate is Pedigree's: a real MLflow server has none to test.
[ "$MLFLOW_SERVER" = 1 ] || SUITES+=(governed)
for major in 3 2; do
  for suite in "${SUITES[@]}"; do
    label="$major"
    [ "$suite" = workflow ] || label="$major-$suite"
    if ! run_client "$major" "$suite"; then
      STATUS=1
      # A server that never came up ran no test: count it as a failure.
      if [ "${#SUMMARY[@]}" -eq 0 ] || [[ "${SUMMARY[-1]}" != "client $label:"* ]]; then
        TOTAL_FAILED=$((TOTAL_FAILED + 1))
        SUMMARY+=("client $label: server or credentials failed, no test ran")
      fi
    fi
  done
done

for s in "${SUMMARY[@]}"; do log "$s"; done
[ "$STATUS" = 0 ] || KEEP_WORK=1
echo "mlflow-compat: $TOTAL_PASSED passed, $TOTAL_FAILED failed"
exit "$STATUS"
