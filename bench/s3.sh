#!/usr/bin/env bash
# Sagebox vs moto_server S3 benchmark (not part of the test suite).
#   bash bench/s3.sh [--quick] [--repeat N] [--no-fsync] [--out FILE]
# Builds Sagebox in release into .build-release/ (its own scratch path, so it never fights a debug build
# or a test run over .build/), prepares bench/.venv with the pinned clients, installs wrk if missing, then
# runs bench/s3_bench.py, which prints the Markdown table and writes it to bench/results.md.
# Set SKIP_BUILD=1 to reuse the last release build.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BENCH="$ROOT/bench"
log() { printf 's3.sh: %s\n' "$*" >&2; }

SUDO=""
if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi

# --- Sagebox, release build -------------------------------------------------------------------------
if [ "${SKIP_BUILD:-0}" != 1 ]; then
    log "building Sagebox (release, .build-release/); the first build takes several minutes"
    (cd "$ROOT" && swift build -c release --scratch-path .build-release >&2)
fi
BIN="$ROOT/.build-release/release/sagebox"
[ -x "$BIN" ] || { log "no binary at $BIN"; exit 1; }

# --- venv with pinned boto3 + moto[server] ----------------------------------------------------------
VENV="$BENCH/.venv"
REQS="$BENCH/requirements.txt"
STAMP="$VENV/.requirements.sha256"
want="$(sha256sum "$REQS" | cut -d' ' -f1)"
if ! [ -x "$VENV/bin/python" ] || [ "$(cat "$STAMP" 2>/dev/null)" != "$want" ]; then
    log "installing pinned boto3 and moto[server] into bench/.venv"
    if ! [ -x "$VENV/bin/python" ]; then
        python3 -m venv "$VENV" 2>/dev/null || {
            rm -rf "$VENV"   # Debian ships venv/ensurepip separately
            $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -q
            $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-venv
            python3 -m venv "$VENV"
        }
    fi
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$REQS"
    "$VENV/bin/python" -m pip check >&2
    echo "$want" > "$STAMP"
fi

# --- wrk ----------------------------------------------------------------------------------------------
if ! command -v wrk >/dev/null 2>&1; then
    log "installing wrk"
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk >/dev/null 2>&1 || {
        $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -q
        $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk
    }
fi

# A developer's ~/.aws config (addressing style, checksum or retry settings) must not change the client.
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
unset AWS_PROFILE AWS_ENDPOINT_URL AWS_ENDPOINT_URL_S3 AWS_REQUEST_CHECKSUM_CALCULATION \
      AWS_RESPONSE_CHECKSUM_VALIDATION AWS_MAX_ATTEMPTS AWS_RETRY_MODE 2>/dev/null || true
exec "$VENV/bin/python" "$BENCH/s3_bench.py" --sagebox "$BIN" "$@"
