#!/usr/bin/env bash
# THE demo command: set-up, build, start Sagebox on a free port with a fresh data dir, point the clients at it with
# `sagebox env`, and run the Hugging Face getting-started flow through the real SageMaker SDK.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

bash scripts/setup.sh
echo "== swift build"
swift build

WORK="$(mktemp -d)"
cleanup() {
    [ -n "${SERVER_PID:-}" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
    rm -rf "$WORK"
}
trap cleanup EXIT

.build/debug/sagebox serve --port 0 --data-dir "$WORK/data" > "$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 100); do
    ENDPOINT="$(sed -n 's/^Sagebox listening on \(http:[^ ]*\).*/\1/p' "$WORK/server.log")"
    [ -n "$ENDPOINT" ] && break
    sleep 0.1
done
if [ -z "${ENDPOINT:-}" ]; then
    echo "Sagebox did not start:" >&2
    cat "$WORK/server.log" >&2
    exit 1
fi
echo "== Sagebox is serving at $ENDPOINT"

# The whole client set-up: every AWS client and the SageMaker SDK now talk to Sagebox, nothing leaves the machine.
unset AWS_PROFILE AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN
eval "$(.build/debug/sagebox env --endpoint "$ENDPOINT" --config-file "$WORK/sagemaker-config.yaml")"
export SAGEMAKER_SUPPRESS_V2_WARNING=1

echo "== HuggingFace(...).fit() through the SageMaker Python SDK"
.venv/bin/python fixtures/hf-getting-started/demo.py

echo "== sagebox jobs"
.build/debug/sagebox jobs
