#!/usr/bin/env bash
# Idempotent set-up for building and testing Sagebox on a Debian machine (run as root, or with sudo available).
#   1. the system libraries the Swift build links against (apt, only when one is missing);
#   2. a Python venv at .venv/ with the pinned end-to-end test clients from e2e/requirements.txt
#      (skipped when .venv/ already matches the requirements file, by a stamp holding its hash).
# Re-running it on a machine that is already set up takes well under a second.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

log() { printf 'setup: %s\n' "$*" >&2; }

SUDO=""
if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi

is_installed() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

apt_install() {
    log "installing Debian packages: $*"
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -q
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@"
}

# --- 1. system libraries -------------------------------------------------------------------------------
APT_PACKAGES=(libarchive-dev libcurl4-openssl-dev libsqlite3-dev zlib1g-dev)
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
    is_installed "$pkg" || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
    apt_install "${missing[@]}"
fi

# --- 2. Python venv ------------------------------------------------------------------------------------
PYTHON="${PYTHON:-python3}"
VENV="$ROOT/.venv"
REQS="$ROOT/e2e/requirements.txt"
STAMP="$VENV/.sagebox-requirements.sha256"

if ! command -v "$PYTHON" >/dev/null 2>&1; then
    apt_install python3 python3-venv
fi
if ! "$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 9) else 1)'; then
    log "need Python >= 3.9 (sagemaker 2.257.7), found: $("$PYTHON" --version 2>&1)"
    exit 1
fi

want="$( { sha256sum "$REQS" | cut -d' ' -f1; "$PYTHON" -c 'import sys; print(sys.version)'; } | sha256sum | cut -d' ' -f1)"

if [ -x "$VENV/bin/python" ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want" ] \
        && "$VENV/bin/python" -c 'import boto3, pytest' >/dev/null 2>&1; then
    exit 0
fi

if ! [ -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c 'import sys' >/dev/null 2>&1; then
    rm -rf "$VENV"
    if ! "$PYTHON" -m venv "$VENV" >/dev/null 2>&1; then
        # Debian's own python3 ships venv/ensurepip separately.
        rm -rf "$VENV"
        apt_install python3-venv
        "$PYTHON" -m venv "$VENV"
    fi
fi

log "installing pinned Python packages into .venv (e2e/requirements.txt)"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$REQS"
"$VENV/bin/python" -m pip check
echo "$want" > "$STAMP"
log "venv ready: $("$VENV/bin/python" -c 'import boto3, botocore; print("boto3", boto3.__version__, "botocore", botocore.__version__)')"
