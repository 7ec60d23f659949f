#!/usr/bin/env bash
# Build Pedigree: the hydrate wasm, the static site and the `pedigree` server binary.
#
#   scripts/build-site.sh [debug|release]     (default: debug)
#
# Output:
#   target/site/pkg/pedigree.{js,wasm,css}    the browser bundle
#   target/site/*                              everything from public/
#   target/<debug|release>/pedigree            the server (serves target/site;
#                                              LEPTOS_SITE_ROOT overrides)
#
# This is the pipeline cargo-leptos would run, done by hand (see README).
# Needs wasm-bindgen at the Cargo.lock version (scripts/setup.sh installs it).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

MODE="${1:-debug}"
case "$MODE" in
  debug)
    WASM_PROFILE=dev
    WASM_DIR=debug
    SERVER_FLAGS=()
    ;;
  release)
    WASM_PROFILE=wasm-release
    WASM_DIR=wasm-release
    SERVER_FLAGS=(--release)
    ;;
  *)
    echo "usage: scripts/build-site.sh [debug|release]" >&2
    exit 64
    ;;
esac

export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
# Must match the name in .cargo/config.toml: the server links /pkg/<name>.{js,wasm,css}.
export LEPTOS_OUTPUT_NAME=pedigree
NAME="$LEPTOS_OUTPUT_NAME"
SITE="target/site"
PKG="$SITE/pkg"

LOG_PREFIX=build-site
# shellcheck source=scripts/lib.sh
source "$ROOT/scripts/lib.sh"
T0="$(now)"

# --- check wasm-bindgen against Cargo.lock ---------------------------------------
WANT="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/"/, "", $3); print $3; exit }' Cargo.lock 2>/dev/null || true)"
HAVE="$(wasm-bindgen --version 2>/dev/null | awk '{ print $2 }' || true)"
if [ -z "$HAVE" ]; then
  echo "build-site.sh: wasm-bindgen not found; run scripts/setup.sh" >&2
  exit 1
fi
if [ -n "$WANT" ] && [ "$HAVE" != "$WANT" ]; then
  echo "build-site.sh: wasm-bindgen CLI is $HAVE but Cargo.lock has $WANT; run scripts/setup.sh" >&2
  exit 1
fi

# --- 1. the hydrate wasm -----------------------------------------------------------
t="$(now)"
log "frontend -> wasm32 ($WASM_PROFILE)"
cargo build -p frontend --lib --target wasm32-unknown-unknown --target-dir target/front \
  --profile "$WASM_PROFILE"
WASM="target/front/wasm32-unknown-unknown/$WASM_DIR/frontend.wasm"
[ -f "$WASM" ] || {
  echo "build-site.sh: $WASM was not produced" >&2
  exit 1
}
log "   frontend: $(elapsed "$t") s"

# --- 2. wasm-bindgen -----------------------------------------------------------------
t="$(now)"
rm -rf "$PKG"
mkdir -p "$PKG"
wasm-bindgen --target web --out-dir "$PKG" --out-name "$NAME" "$WASM"
# Leptos' hydration scripts load <name>.wasm, not wasm-bindgen's <name>_bg.wasm.
mv "$PKG/${NAME}_bg.wasm" "$PKG/$NAME.wasm"
log "   wasm-bindgen: $(elapsed "$t") s"

# --- 3. wasm-opt (release only) ------------------------------------------------------
# Only binaryen >= 116 is safe: Debian's wasm-opt 108 silently breaks the wasm
# (it then fails in the browser with "WebAssembly.Table.set(): Argument 1 is invalid").
if [ "$MODE" = release ]; then
  t="$(now)"
  WASM_OPT=""
  for cand in "$ROOT/node_modules/.bin/wasm-opt" "$(command -v wasm-opt || true)"; do
    [ -n "$cand" ] && [ -x "$cand" ] || continue
    ver="$("$cand" --version 2>/dev/null | sed -n 's/^wasm-opt version \([0-9]*\).*/\1/p')"
    if [ -n "$ver" ] && [ "$ver" -ge 116 ]; then
      WASM_OPT="$cand"
      break
    fi
    log "   ignoring $cand (binaryen ${ver:-unknown} is too old)"
  done
  if [ -n "$WASM_OPT" ]; then
    log "wasm-opt -Oz ($WASM_OPT)"
    before="$(stat -c %s "$PKG/$NAME.wasm")"
    "$WASM_OPT" -Oz --enable-bulk-memory --enable-nontrapping-float-to-int \
      "$PKG/$NAME.wasm" -o "$PKG/$NAME.opt.wasm"
    mv "$PKG/$NAME.opt.wasm" "$PKG/$NAME.wasm"
    log "   wasm-opt: $before -> $(stat -c %s "$PKG/$NAME.wasm") bytes, $(elapsed "$t") s"
  else
    log "   WARNING: no usable wasm-opt (run scripts/setup.sh for npm binaryen); wasm left unoptimised"
  fi
fi

# --- 4. style and public assets --------------------------------------------------------
if [ -f style/main.css ]; then
  cp style/main.css "$PKG/$NAME.css"
else
  echo "build-site.sh: style/main.css not found" >&2
  exit 1
fi
if [ -d public ]; then
  # Copy public/ (dotfiles included) without touching pkg/.
  cp -R public/. "$SITE/"
fi

# --- 5. the server ---------------------------------------------------------------------
t="$(now)"
log "pedigree-server ($MODE)"
cargo build -p pedigree-server "${SERVER_FLAGS[@]}"
BIN="target/$MODE/pedigree"
[ -x "$BIN" ] || {
  echo "build-site.sh: $BIN was not produced" >&2
  exit 1
}
log "   server: $(elapsed "$t") s"

log "done in $(elapsed "$T0") s: $BIN, site in $SITE ($(du -sh "$SITE" | cut -f1))"
ls -l "$PKG"
