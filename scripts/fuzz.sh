#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/Sources) into .build-fuzz, apart from the ordinary build, and runs each one for
# a bounded time from its seed corpus (fuzz/corpus/<target>). Exits non-zero if a target fails to build, crashes,
# times out on an input or runs out of memory; the input that did it is kept under .build-fuzz/artifacts/.
#
#   bash scripts/fuzz.sh                      # every target, SAGEBOX_FUZZ_SECONDS (default 15) each
#   SAGEBOX_FUZZ_SECONDS=600 bash scripts/fuzz.sh FuzzXML   # a longer run of one target
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

SECONDS_EACH="${SAGEBOX_FUZZ_SECONDS:-15}"
ALL_TARGETS=(FuzzXML FuzzJSON FuzzQuery FuzzSigV4 FuzzAWSChunked FuzzMultipart)
if [ "$#" -gt 0 ]; then TARGETS=("$@"); else TARGETS=("${ALL_TARGETS[@]}"); fi

BUILD=(swift build --scratch-path .build-fuzz -c debug -Xswiftc -sanitize=fuzzer,address)
for target in "${TARGETS[@]}"; do
    echo "== fuzz: build $target"
    SAGEBOX_FUZZ=1 "${BUILD[@]}" --product "$target"
done

ARTIFACTS="$ROOT/.build-fuzz/artifacts"
mkdir -p "$ARTIFACTS"
status=0
for target in "${TARGETS[@]}"; do
    # New inputs go to a scratch folder so the committed seed corpus stays as reviewed.
    scratch="$(mktemp -d)"
    log="$scratch/log"
    echo "== fuzz: run $target for ${SECONDS_EACH}s"
    set +e
    ASAN_OPTIONS=detect_leaks=0 "$ROOT/.build-fuzz/debug/$target" "$scratch" "fuzz/corpus/$target" \
        -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
        -print_final_stats=1 -artifact_prefix="$ARTIFACTS/$target-" >"$log" 2>&1
    rc=$?
    set -e
    runs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")"
    if [ "$rc" -ne 0 ]; then
        tail -n 40 "$log" >&2
        echo "fuzz: $target FAILED (exit $rc); the input is under $ARTIFACTS" >&2
        status=1
    else
        echo "fuzz: $target ok, ${runs:-?} executions"
    fi
    rm -rf "$scratch"
done
exit "$status"
