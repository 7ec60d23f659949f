#!/usr/bin/env bash
# The browser tests: loads the demo registry into a fresh data directory, serves it with
# `pedigree serve` on a free port, runs Playwright (system Chromium) against it, stops it.
#
#   scripts/e2e.sh [--pedigree BIN] [--junit FILE] [playwright args...]
#
# BIN defaults to target/debug/pedigree (build it with scripts/build-site.sh debug). The
# JUnit report (default: end2end/test-results/junit.xml) is what scripts/test.sh counts.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
LOG_PREFIX=e2e
# shellcheck source=scripts/lib.sh
source "$ROOT/scripts/lib.sh"

BIN="$ROOT/target/debug/pedigree"
JUNIT="$ROOT/end2end/test-results/junit.xml"
while [ $# -gt 0 ]; do
  case "$1" in
    --pedigree) BIN="$2"; shift 2 ;;
    --junit) JUNIT="$2"; shift 2 ;;
    *) break ;;
  esac
done
export PATH="$ROOT/node_modules/.bin:$PATH"
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
export CHROMIUM_PATH="${CHROMIUM_PATH:-/usr/bin/chromium}"
unset PEDIGREE_DATABASE_URL PEDIGREE_DATA PEDIGREE_PORT

[ -x "$BIN" ] || { log "no Pedigree binary at $BIN"; exit 1; }
[ -x "$CHROMIUM_PATH" ] || { log "$CHROMIUM_PATH not found: browser tests cannot run"; exit 1; }

WORK="$(mktemp -d "${TMPDIR:-/tmp}/pedigree-e2e.XXXXXX")"
SERVER_PID=""
cleanup() {
  stop_pid "$SERVER_PID"
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

log "loading the demo registry into $WORK/data"
if ! "$BIN" demo --data "$WORK/data" >"$WORK/demo.log" 2>&1; then
  cat "$WORK/demo.log"
  log "pedigree demo failed"
  exit 1
fi
PORT="$(free_port)"
BASE_URL="http://127.0.0.1:$PORT"
log "starting pedigree serve on $BASE_URL"
setsid "$BIN" serve --data "$WORK/data" --host 127.0.0.1 --port "$PORT" \
  >"$WORK/server.log" 2>&1 </dev/null &
SERVER_PID=$!
t_ready="$(now)"
if ! wait_http "$BASE_URL/health" "$SERVER_PID" 60; then
  tail -n 80 "$WORK/server.log" || true
  exit 1
fi
log "server ready in $(elapsed "$t_ready") s"

rm -f "$JUNIT"
rc=0
# Specs that set up users and grants run the CLI against the served data directory.
(cd end2end && BASE_URL="$BASE_URL" PEDIGREE_JUNIT="$JUNIT" PEDIGREE_E2E_BIN="$BIN" \
  PEDIGREE_E2E_DATA="$WORK/data" npx --no-install playwright test "$@") || rc=$?
if [ "$rc" -ne 0 ]; then
  log "playwright exit $rc; server log (last 80 lines):"
  tail -n 80 "$WORK/server.log" || true
fi
exit "$rc"
