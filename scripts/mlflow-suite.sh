#!/usr/bin/env bash
# Run MLflow's own server-level test suite (../shared/mlflow-suite) against Pedigree,
# served the way that matches MLflow's semantics:
#
#   pedigree serve --multi-production --allow-unowned-artifacts --allow-external-promotion \
#     --external-artifact-roots '*' --no-review-gate
#
# (`--no-review-gate`: MLflow moves stages directly; the suite's anonymous client could not
# open a transition request, let alone approve one.)
#
# (`*`: like MLflow, a client may create an experiment whose artifact location is in any
# remote store, e.g. `s3://bucket/root`; it is recorded verbatim and never touched by the
# server. Local paths and `file:` stay refused.)
#
#   scripts/mlflow-suite.sh                      # target/debug/pedigree, the whole selection
#   scripts/mlflow-suite.sh -k registered_model  # extra arguments go to pytest
#   PEDIGREE_BIN=target/release/pedigree scripts/mlflow-suite.sh
#
# The reset before each test is a restart, never an endpoint: `mlflow-suite.sh --reset`
# (what the harness's PEDIGREE_RESET_CMD runs) stops the server it started (by the pid in
# its state directory), replaces the data directory with a copy of a template that
# `pedigree migrate` made once, and starts `pedigree serve` again. No reset code exists in
# the server, so no deployment can reach one; the copy skips the migrations, so a reset
# costs about as much as a process start.
#
# Environment: MLFLOW_SUITE_DIR (default ../shared/mlflow-suite), SUITE_VENV (default
# /tmp/mlflow-suite/venv), MLFLOW_SUITE_STATE (state directory, default a new temp dir),
# MLFLOW_SUITE_PORT (default a free port). The summary is the harness's own.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SELF="$ROOT/scripts/mlflow-suite.sh"

start_server() {
  local state="$1"
  rm -rf "$state/data"
  cp -a "$state/template" "$state/data"
  # The server outlives this short-lived reset command; its output goes to the log, so
  # the harness does not wait on our pipes.
  "$(cat "$state/bin")" serve --data "$state/data" --port "$(cat "$state/port")" \
    --multi-production --allow-unowned-artifacts --allow-external-promotion \
    --external-artifact-roots '*' --no-review-gate \
    >>"$state/server.log" 2>&1 </dev/null &
  echo $! >"$state/pid"
  disown $! 2>/dev/null || true
}

stop_server() {
  local state="$1" pid
  [ -f "$state/pid" ] || return 0
  pid="$(cat "$state/pid")"
  rm -f "$state/pid"
  # SIGKILL: the data directory is thrown away anyway, and a graceful stop would wait for
  # the clients' idle keep-alive connections.
  kill -9 "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 300); do
    kill -0 "$pid" 2>/dev/null || return 0
    # Exited but not yet reaped: its port is free already.
    [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" = Z ] && return 0
    sleep 0.01
  done
}

if [ "${1:-}" = "--reset" ]; then
  STATE="${2:?--reset needs the state directory}"
  stop_server "$STATE"
  start_server "$STATE"
  exit 0
fi

SUITE="${MLFLOW_SUITE_DIR:-$ROOT/../shared/mlflow-suite}"
BIN="${PEDIGREE_BIN:-$ROOT/target/debug/pedigree}"
case "$BIN" in /*) ;; *) BIN="$ROOT/$BIN" ;; esac
[ -x "$BIN" ] || { echo "mlflow-suite.sh: no binary at $BIN (cargo build -p pedigree-server)" >&2; exit 2; }
STATE="${MLFLOW_SUITE_STATE:-$(mktemp -d /tmp/pedigree-mlflow-suite.XXXXXX)}"
mkdir -p "$STATE"
PORT="${MLFLOW_SUITE_PORT:-$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')}"
echo "$BIN" >"$STATE/bin"
echo "$PORT" >"$STATE/port"
rm -rf "$STATE/template"
"$BIN" migrate --data "$STATE/template" >/dev/null
trap 'stop_server "$STATE"' EXIT
start_server "$STATE"
echo "mlflow-suite.sh: server on 127.0.0.1:$PORT, state in $STATE"

# The named gaps (scripts/mlflow-suite-gaps.txt) are deselected, and said so.
DESELECT=()
while IFS= read -r line; do
  id="${line%%#*}"
  id="${id%"${id##*[![:space:]]}"}"
  [ -n "$id" ] || continue
  echo "mlflow-suite.sh: deselected on purpose: $line"
  DESELECT+=(--deselect "$id")
done <"$ROOT/scripts/mlflow-suite-gaps.txt"

MLFLOW_SRC="$SUITE/mlflow-src" \
PEDIGREE_URL="http://127.0.0.1:$PORT" \
PEDIGREE_RESET_CMD="bash '$SELF' --reset '$STATE'" \
SUITE_VENV="${SUITE_VENV:-/tmp/mlflow-suite/venv}" \
  "$SUITE/run.sh" "${DESELECT[@]}" "$@"
