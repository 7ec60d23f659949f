#!/usr/bin/env bash
# Install what this machine lacks to build, run and test Pedigree; skip what is there.
#
#   scripts/setup.sh                  # everything, including Chromium for the browser tests
#   scripts/setup.sh --no-browser     # skip Chromium and the end2end npm packages
#
# Safe to run again and again: each step checks first and prints how long it took.
# Needs no stdin. Installing Chromium needs root (or sudo).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

WITH_BROWSER=1
for arg in "$@"; do
  case "$arg" in
    --no-browser) WITH_BROWSER=0 ;;
    -h | --help)
      sed -n '2,8p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    *)
      echo "setup.sh: unknown argument '$arg'" >&2
      exit 64
      ;;
  esac
done

export CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}"
export PATH="$CARGO_HOME/bin:$PATH"
export DEBIAN_FRONTEND=noninteractive
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
export npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false

LOG_PREFIX=setup
# shellcheck source=scripts/lib.sh
source "$ROOT/scripts/lib.sh"

# step NAME FUNCTION: run one step and print its duration.
step() {
  local name="$1" t0
  shift
  t0="$(now)"
  log "-- $name"
  "$@"
  log "   $name: $(elapsed "$t0") s"
}

as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo -n "$@"
  else
    echo "setup.sh: '$*' needs root (or sudo)" >&2
    return 1
  fi
}

APT_UPDATED=0
apt_install() {
  if [ "$APT_UPDATED" -eq 0 ]; then
    as_root apt-get update -q </dev/null
    APT_UPDATED=1
  fi
  as_root apt-get install -y -q --no-install-recommends "$@" </dev/null
}

sha256_of() { sha256sum "$1" | cut -d' ' -f1; }

# ---------------------------------------------------------------------------
rust_wasm_target() {
  command -v cargo >/dev/null 2>&1 || {
    echo "setup.sh: cargo not found; install a Rust toolchain (rustup) first" >&2
    return 1
  }
  local sysroot
  sysroot="$(rustc --print sysroot)"
  if [ -d "$sysroot/lib/rustlib/wasm32-unknown-unknown" ]; then
    log "   wasm32-unknown-unknown target present"
  else
    rustup target add wasm32-unknown-unknown </dev/null
  fi
}

# The wasm-bindgen CLI must be exactly the version of the wasm-bindgen crate in Cargo.lock.
wasm_bindgen_version() {
  local v=""
  if [ -f Cargo.lock ]; then
    v="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/"/, "", $3); print $3; exit }' Cargo.lock)"
  fi
  if [ -z "$v" ]; then
    # No lock file yet: use the exact pin from the workspace manifest.
    v="$(sed -n 's/^wasm-bindgen *= *"=\([0-9.]*\)".*/\1/p' Cargo.toml | head -1)"
  fi
  [ -n "$v" ] || {
    echo "setup.sh: cannot tell which wasm-bindgen version the workspace uses" >&2
    return 1
  }
  echo "$v"
}

wasm_bindgen_cli() {
  local want have=""
  want="$(wasm_bindgen_version)"
  if command -v wasm-bindgen >/dev/null 2>&1; then
    have="$(wasm-bindgen --version 2>/dev/null | awk '{ print $2 }')"
  fi
  if [ "$have" = "$want" ]; then
    log "   wasm-bindgen $have present"
    return 0
  fi
  log "   installing wasm-bindgen-cli $want (found: ${have:-none}); this takes several minutes"
  # The tool's own speed hardly matters; its build time does.
  export CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16
  if ! cargo install wasm-bindgen-cli --version "$want" --locked --force </dev/null; then
    # The published lock file pins a webpki-roots release that the registry may
    # not serve. The failed attempt has unpacked the source: install from a copy
    # of it with that one dependency moved to a release that is there.
    log "   locked install failed; installing from source with webpki-roots 1.0.10"
    local src tmp
    src="$(find "$CARGO_HOME"/registry/src -mindepth 2 -maxdepth 2 -type d \
      -name "wasm-bindgen-cli-$want" 2>/dev/null | head -1)"
    [ -n "$src" ] || {
      echo "setup.sh: source of wasm-bindgen-cli $want not found under $CARGO_HOME/registry/src" >&2
      return 1
    }
    tmp="$(mktemp -d)"
    cp -r "$src"/. "$tmp"
    (cd "$tmp" && cargo update -p webpki-roots --precise 1.0.10 </dev/null &&
      cargo install --path . --locked --force </dev/null)
    rm -rf "$tmp"
  fi
  have="$(wasm-bindgen --version | awk '{ print $2 }')"
  [ "$have" = "$want" ] || {
    echo "setup.sh: wasm-bindgen is $have after the install, expected $want" >&2
    return 1
  }
}

# Playwright 1.65 needs Node.js 20 or newer (Debian 12's own nodejs package is 18).
node_js() {
  local major
  if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    echo "setup.sh: Node.js >= 20 with npm is required; install it first" >&2
    return 1
  fi
  major="$(node -p 'process.versions.node.split(".")[0]')"
  if [ "$major" -lt 20 ]; then
    echo "setup.sh: Node.js $(node --version) is too old; 20 or newer is required" >&2
    return 1
  fi
  log "   node $(node --version), npm $(npm --version) present"
}

system_chromium() {
  if [ -x /usr/bin/chromium ]; then
    log "   /usr/bin/chromium present"
  else
    # Never Debian's binaryen: its wasm-opt corrupts the release wasm.
    apt_install chromium chromium-driver
  fi
}

# npm_ci DIR: `npm ci` unless node_modules already matches package-lock.json.
npm_ci() {
  local dir="$1" stamp want
  stamp="$dir/node_modules/.pedigree-lock.sha256"
  want="$(sha256_of "$dir/package-lock.json")"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    log "   $dir/node_modules up to date"
    return 0
  fi
  (cd "$dir" && npm ci --no-audit --no-fund </dev/null)
  echo "$want" >"$stamp"
}

T0="$(now)"
step "rust wasm target" rust_wasm_target
step "wasm-bindgen-cli" wasm_bindgen_cli
step "node.js" node_js
step "npm ci (root: binaryen)" npm_ci .
if [ "$WITH_BROWSER" -eq 1 ]; then
  step "chromium" system_chromium
  step "npm ci (end2end: playwright)" npm_ci end2end
fi
log "setup done in $(elapsed "$T0") s"
