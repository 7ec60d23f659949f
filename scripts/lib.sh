#!/usr/bin/env bash
# Helpers the scripts share. Source it; set LOG_PREFIX first for `log`.
#
#   now / elapsed T0          wall-clock seconds, and the time since T0 ("12.3")
#   log MSG...                "[$LOG_PREFIX] MSG"
#   free_port                 a TCP port on 127.0.0.1 nothing listens on right now
#   wait_http URL PID SECS    poll URL until it answers 2xx, PID exits, or SECS pass
#   stop_pid PID              TERM, up to 10 s of grace, then KILL (its group too)
#   junit_counts FILE...      "PASSED FAILED SKIPPED" summed over JUnit XML reports

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
log() { echo "[${LOG_PREFIX:-pedigree}] $*"; }

free_port() {
  if command -v python3 >/dev/null 2>&1; then
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()' && return 0
  fi
  local p _
  for _ in $(seq 1 200); do
    p=$((20000 + RANDOM % 30000))
    # A refused connection means the port is free.
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      echo "$p"
      return 0
    fi
  done
  echo "free_port: no free port found" >&2
  return 1
}

wait_http() {
  local url="$1" pid="$2" limit="$3" t0 code=""
  t0="$(date +%s)"
  while [ $(($(date +%s) - t0)) -lt "$limit" ]; do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "the server exited before it became ready" >&2
      return 1
    fi
    code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$url" || true)"
    case "$code" in 2??) return 0 ;; esac
    sleep 0.2
  done
  echo "no 2xx from $url within ${limit}s (last status: ${code:-none})" >&2
  return 1
}

stop_pid() {
  local pid="$1" _
  [ -n "$pid" ] || return 0
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}

# Counts test cases in JUnit XML (what nextest, Playwright and pytest all write): a case
# with <failure> or <error> failed, one with <skipped> was skipped, the rest passed. A
# missing or unreadable report counts as one failure, never as zero tests.
junit_counts() {
  python3 - "$@" <<'PY'
import sys
import xml.etree.ElementTree as ET

passed = failed = skipped = 0
for path in sys.argv[1:]:
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError) as e:
        print(f"junit_counts: cannot read {path}: {e}", file=sys.stderr)
        failed += 1
        continue
    for case in root.iter("testcase"):
        tags = {child.tag for child in case}
        if tags & {"failure", "error"}:
            failed += 1
        elif "skipped" in tags:
            skipped += 1
        else:
            passed += 1
print(passed, failed, skipped)
PY
}
