#!/usr/bin/env bash
# THE test command: set-up, debug build, Swift unit tests, a bounded fuzz run of the request decoders
# (scripts/fuzz.sh), then the end-to-end suite (pytest e2e) against the freshly built binary. Exits non-zero if any
# stage fails. Extra arguments go to pytest (e.g. -k listing -x).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

bash scripts/setup.sh

echo "== swift build (debug)"
swift build

status=0

echo "== swift test"
if ! swift test; then
    echo "swift test FAILED" >&2
    status=1
fi

echo "== fuzz (bounded run)"
if ! bash scripts/fuzz.sh; then
    echo "fuzz FAILED" >&2
    status=1
fi
export SAGEBOX_BIN="${SAGEBOX_BIN:-$ROOT/.build/debug/sagebox}"

# The Python package's own tests run its plugin as users get it: installed (here into .build/, without
# dependencies), so pytest finds it through its pytest11 entry point.
echo "== pytest python (sagebox package and pytest plugin)"
rm -rf "$ROOT/.build/python-sagebox"
if ! "$ROOT/.venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps \
        --target "$ROOT/.build/python-sagebox" "$ROOT/python" \
    || ! PYTHONPATH="$ROOT/.build/python-sagebox" "$ROOT/.venv/bin/python" -m pytest python/tests -q -p no:cacheprovider; then
    echo "pytest python FAILED" >&2
    status=1
fi

# Sagebox's Python emulation of smdistributed, on its own: torchrun, mpirun and single-process launches.
echo "== pytest emulation (smdistributed)"
if ! "$ROOT/.venv/bin/python" -m pytest emulation/tests -q -p no:cacheprovider; then
    echo "pytest emulation FAILED" >&2
    status=1
fi

echo "== pytest e2e"
set +e
"$ROOT/.venv/bin/python" -m pytest e2e -q -rfEs "$@"
rc=$?
set -e
# (no message after pytest: its summary line stays the last line of the run)
if [ "$rc" -ne 0 ]; then
    status=1
fi

exit "$status"
