#!/usr/bin/env bash
# Throwaway PostgreSQL 15 cluster for tests.
#
# Source this file, then:
#   pg_start   # initdb + start on a free 127.0.0.1 port (trust auth);
#              # exports PEDIGREE_TEST_PG_URL=postgres://postgres@127.0.0.1:PORT/postgres
#   pg_stop    # stop the cluster and delete its files (safe to call twice)
#
# pg_start returns 2 (and sets PG_SKIP_REASON) when PostgreSQL 15 cannot be used
# here at all (binaries or the postgres user missing), and 1 when it is there but
# failed to start (the server log is printed).
#
# Run directly for a smoke test: `bash scripts/pg.sh` starts a cluster, runs
# `select version()` through psql, and stops it again.

PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"
PG_TMP=""
PG_PORT=""
PG_SKIP_REASON=""

# free_port comes from lib.sh.
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# Run a PostgreSQL binary as the postgres user when we are root (initdb refuses
# root), or as ourselves otherwise.
_pg_as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

pg_start() {
  local bin
  for bin in initdb pg_ctl postgres; do
    if [ ! -x "$PG_BIN/$bin" ]; then
      PG_SKIP_REASON="$PG_BIN/$bin not found (install the postgresql-15 package)"
      return 2
    fi
  done
  if [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1; then
    PG_SKIP_REASON="running as root but there is no 'postgres' user to run the server as"
    return 2
  fi

  PG_TMP="$(mktemp -d "${TMPDIR:-/tmp}/pedigree-pg.XXXXXX")"
  mkdir -p "$PG_TMP/data" "$PG_TMP/sock"
  if [ "$(id -u)" -eq 0 ]; then
    # The postgres user must be able to reach and own everything below PG_TMP.
    chown -R postgres:postgres "$PG_TMP"
  fi
  chmod 700 "$PG_TMP" "$PG_TMP/data"

  if ! _pg_as_owner "$PG_BIN/initdb" -D "$PG_TMP/data" -U postgres --auth=trust -E UTF8 \
      --no-sync >"$PG_TMP/initdb.log" 2>&1; then
    echo "pg_start: initdb failed:" >&2
    cat "$PG_TMP/initdb.log" >&2
    return 1
  fi

  local attempt
  for attempt in 1 2 3; do
    PG_PORT="$(free_port)" || return 1
    if _pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_TMP/data" -l "$PG_TMP/sock/server.log" -w -t 60 \
        -o "-p $PG_PORT -k $PG_TMP/sock -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c max_connections=200" \
        start >"$PG_TMP/pg_ctl.log" 2>&1; then
      export PEDIGREE_TEST_PG_URL="postgres://postgres@127.0.0.1:$PG_PORT/postgres"
      return 0
    fi
    # Most likely the port was taken between choosing and binding it: try another.
    echo "pg_start: start on port $PG_PORT failed (attempt $attempt)" >&2
  done
  echo "pg_start: PostgreSQL did not start; server log:" >&2
  cat "$PG_TMP/pg_ctl.log" "$PG_TMP/sock/server.log" >&2 2>/dev/null || true
  return 1
}

pg_stop() {
  if [ -n "$PG_TMP" ] && [ -d "$PG_TMP" ]; then
    if [ -f "$PG_TMP/data/postmaster.pid" ]; then
      _pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_TMP/data" -m fast -w -t 30 stop >/dev/null 2>&1 ||
        _pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_TMP/data" -m immediate -w -t 30 stop >/dev/null 2>&1 ||
        true
    fi
    rm -rf "$PG_TMP"
  fi
  PG_TMP=""
  PG_PORT=""
  unset PEDIGREE_TEST_PG_URL
}

# Smoke test when executed rather than sourced.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  trap pg_stop EXIT
  rc=0
  pg_start || rc=$?
  if [ "$rc" -eq 2 ]; then
    echo "SKIPPING PostgreSQL: $PG_SKIP_REASON"
    exit 0
  fi
  [ "$rc" -eq 0 ] || exit "$rc"
  echo "PostgreSQL is up: $PEDIGREE_TEST_PG_URL (files in $PG_TMP)"
  PSQL="$(command -v psql || echo "$PG_BIN/psql")"
  "$PSQL" "$PEDIGREE_TEST_PG_URL" -v ON_ERROR_STOP=1 -Atc "select version()"
fi
