#!/usr/bin/env bash
# Set up, build (release) and run Pedigree with a demo registry on embedded SQLite.
#
#   scripts/run-demo.sh [extra `pedigree serve` flags]
#
# The demo registry is loaded into ./pedigree-data (or $PEDIGREE_DATA) the first
# time only: when that directory already holds pedigree.db it is served as it is.
# Delete the directory to start over. Stop the server with Ctrl-C.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"

bash scripts/setup.sh --no-browser
bash scripts/build-site.sh release

BIN="$ROOT/target/release/pedigree"
DATA="${PEDIGREE_DATA:-./pedigree-data}"

if [ -n "${PEDIGREE_DATABASE_URL:-}" ]; then
  echo "[run-demo] PEDIGREE_DATABASE_URL is set: serving that database as it is" \
    "(load the demo into it with: $BIN demo)"
elif [ -f "$DATA/pedigree.db" ]; then
  echo "[run-demo] $DATA/pedigree.db exists: serving the registry already there" \
    "(delete $DATA to reload the demo)"
else
  echo "[run-demo] loading the demo registry into $DATA"
  "$BIN" demo --data "$DATA"
fi

# The address to print: flags win over the environment, as in `pedigree serve`.
HOST=127.0.0.1
PORT="${PEDIGREE_PORT:-3000}"
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  case "${args[i]}" in
    --port) PORT="${args[i + 1]:-$PORT}" ;;
    --port=*) PORT="${args[i]#--port=}" ;;
    --host) HOST="${args[i + 1]:-$HOST}" ;;
    --host=*) HOST="${args[i]#--host=}" ;;
  esac
done
[ "$HOST" != 0.0.0.0 ] || HOST=127.0.0.1
echo
echo "[run-demo] Pedigree dashboard: http://$HOST:$PORT   (Ctrl-C stops it)"
echo
# Signed-in users without a grant only read, so each demo user acts in the role the demo
# gave them (the passwords and tokens were printed when the demo loaded).
exec "$BIN" serve --data "$DATA" --default-role viewer "$@"
