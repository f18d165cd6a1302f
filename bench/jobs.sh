#!/usr/bin/env bash
# Training-job start latency and overhead (not part of the test suite): bash bench/jobs.sh [--jobs N]
# Builds the release binary into .build-release/ (SKIP_BUILD=1 reuses it) and runs bench/jobs_bench.py with the
# pinned boto3 of bench/.venv (created by bench/s3.sh's requirements).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ "${SKIP_BUILD:-0}" != 1 ]; then
    (cd "$ROOT" && swift build -c release --scratch-path .build-release >&2)
fi
VENV="$ROOT/bench/.venv"
if ! [ -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
    "$VENV/bin/python" -m pip install --quiet -r "$ROOT/bench/requirements.txt"
fi
exec "$VENV/bin/python" "$ROOT/bench/jobs_bench.py" --binary "$ROOT/.build-release/release/sagebox" "$@"
