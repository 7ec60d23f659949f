#!/usr/bin/env bash
# Create the two Python venvs that run the MLflow client compatibility tests:
#
#   ${PEDIGREE_VENV_DIR:-$HOME/.cache/pedigree/venvs}/mlflow-3   (tests/mlflow/requirements-3.txt)
#   ${PEDIGREE_VENV_DIR:-$HOME/.cache/pedigree/venvs}/mlflow-2   (tests/mlflow/requirements-2.txt)
#
#   scripts/mlflow-venvs.sh            # create or refresh both
#   scripts/mlflow-venvs.sh 3          # only the MLflow 3 venv (or: 2)
#
# Idempotent: a venv whose stamp file holds the sha256 of its requirements file is
# left alone; otherwise it is rebuilt from scratch. Needs python3 (3.10+) with the
# venv module and access to PyPI. Prints how long each step took. No stdin.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV_DIR="${PEDIGREE_VENV_DIR:-$HOME/.cache/pedigree/venvs}"
PYTHON="${PYTHON:-python3}"

LOG_PREFIX=mlflow-venvs
# shellcheck source=scripts/lib.sh
source "$ROOT/scripts/lib.sh"

which_ones=()
for arg in "$@"; do
  case "$arg" in
    2 | 3) which_ones+=("$arg") ;;
    -h | --help)
      sed -n '2,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    *)
      echo "mlflow-venvs.sh: unknown argument '$arg'" >&2
      exit 64
      ;;
  esac
done
[ "${#which_ones[@]}" -gt 0 ] || which_ones=(3 2)

if ! "$PYTHON" -c 'import venv, ensurepip' 2>/dev/null; then
  echo "mlflow-venvs.sh: $PYTHON lacks the venv/ensurepip modules (Debian: apt-get install python3-venv)" >&2
  exit 1
fi

export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1

# ensure_venv MAJOR: build $VENV_DIR/mlflow-MAJOR unless its stamp matches.
ensure_venv() {
  local major="$1"
  local req="$ROOT/tests/mlflow/requirements-$major.txt"
  local dir="$VENV_DIR/mlflow-$major"
  local stamp="$dir/.requirements.sha256"
  local want have=""
  [ -f "$req" ] || { echo "mlflow-venvs.sh: missing $req" >&2; return 1; }
  want="$(sha256sum "$req" | awk '{print $1}')"
  [ -f "$stamp" ] && have="$(cat "$stamp")"
  if [ "$want" = "$have" ] && [ -x "$dir/bin/python" ]; then
    log "mlflow-$major: up to date ($dir)"
    return 0
  fi
  local t0
  t0="$(now)"
  log "mlflow-$major: creating $dir from ${req#"$ROOT"/}"
  rm -rf "$dir"
  mkdir -p "$VENV_DIR"
  "$PYTHON" -m venv "$dir"
  "$dir/bin/python" -m pip install --quiet --upgrade pip </dev/null
  "$dir/bin/python" -m pip install --quiet -r "$req" </dev/null
  "$dir/bin/python" -c 'import mlflow, sklearn, pandas, pytest
print("mlflow", mlflow.__version__, "scikit-learn", sklearn.__version__, "pandas", pandas.__version__)'
  # The stamp goes last: an interrupted install is redone next time.
  echo "$want" >"$stamp"
  log "mlflow-$major: ready in $(elapsed "$t0") s"
}

T0="$(now)"
for major in "${which_ones[@]}"; do
  ensure_venv "$major"
done
log "done in $(elapsed "$T0") s"
