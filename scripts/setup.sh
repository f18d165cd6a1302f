#!/usr/bin/env bash
# Idempotent set-up for building and testing Sagebox on a Debian machine (run as root, or with sudo available).
#   1. the system libraries the Swift build links against (apt, only when one is missing);
#   2. a Python venv at .venv/ with the pinned end-to-end test clients from e2e/requirements.txt
#      (skipped when .venv/ already matches the requirements file, by a stamp holding its hash);
#   3. a second venv at .venv-v3/ with the SageMaker Python SDK v3 from e2e/requirements-v3.txt, for
#      e2e/test_training_v3.py (same stamp; needs Python >= 3.11; SAGEBOX_SKIP_V3=1 leaves it out);
#   4. Debian's chromium for the dashboard's browser test, only when it is missing (SAGEBOX_SKIP_CHROMIUM=1: skip;
#      e2e/test_dashboard.py then skips).
# Only missing packages are installed; nothing already on the machine is upgraded.
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
# Open MPI and iproute2 for multi-host jobs (mpirun, network namespaces); libopenmpi-dev for mpi4py's build.
APT_PACKAGES=(libarchive-dev libcurl4-openssl-dev libsqlite3-dev zlib1g-dev openmpi-bin libopenmpi-dev iproute2)
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

if ! command -v "$PYTHON" >/dev/null 2>&1; then
    apt_install python3 python3-venv
fi
if ! "$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 9) else 1)'; then
    log "need Python >= 3.9 (sagemaker 2.257.7), found: $("$PYTHON" --version 2>&1)"
    exit 1
fi

# A venv keeps itself out of git whatever the repository's .gitignore says (as `python -m venv` does from 3.13 on).
keep_out_of_git() {
    if [ -d "$1" ] && ! [ -f "$1/.gitignore" ]; then
        printf '# created by scripts/setup.sh: keep this venv out of git\n*\n' > "$1/.gitignore"
    fi
}

# ensure_venv DIR REQUIREMENTS IMPORTS: create DIR and install the pinned REQUIREMENTS into it, unless a stamp shows
# that it already matches them (hash of the file and of the Python version) and IMPORTS import there.
ensure_venv() {
    local venv="$1" reqs="$2" imports="$3"
    local stamp="$venv/.sagebox-requirements.sha256" want
    want="$( { sha256sum "$reqs" | cut -d' ' -f1; "$PYTHON" -c 'import sys; print(sys.version)'; } | sha256sum | cut -d' ' -f1)"
    keep_out_of_git "$venv"

    if [ -x "$venv/bin/python" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] \
            && "$venv/bin/python" -c "import $imports" >/dev/null 2>&1; then
        return 0
    fi

    if ! [ -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import sys' >/dev/null 2>&1; then
        rm -rf "$venv"
        if ! "$PYTHON" -m venv "$venv" >/dev/null 2>&1; then
            # Debian's own python3 ships venv/ensurepip separately.
            rm -rf "$venv"
            apt_install python3-venv
            "$PYTHON" -m venv "$venv"
        fi
    fi
    keep_out_of_git "$venv"

    log "installing pinned Python packages into ${venv#"$ROOT"/} (${reqs#"$ROOT"/})"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$reqs"
    "$venv/bin/python" -m pip check
    echo "$want" > "$stamp"
    log "${venv#"$ROOT"/} ready: $("$venv/bin/python" -c 'import boto3, botocore; print("boto3", boto3.__version__, "botocore", botocore.__version__)')"
}

ensure_venv "$VENV" "$REQS" "boto3, pytest, mpi4py"

# PyTorch for the distributed-training tests: the CPU build where pip finds one (these machines' find-links folder
# has torch==2.13.0+cpu), else PyPI's torch. Installed once; an existing torch is left as it is.
if ! "$VENV/bin/python" -c 'import torch' >/dev/null 2>&1; then
    log "installing PyTorch into .venv"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "torch==2.13.0+cpu" \
        || "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check torch
fi

# --- 3. SageMaker Python SDK v3 venv (e2e/test_training_v3.py) -------------------------------------------
# sagemaker 3.x cannot live beside sagemaker 2.x, so v3 gets its own venv; the v3 tests skip without it.
# Its pinned closure (numpy 2.4, pandas 3.1, scipy 1.17) needs Python >= 3.11. SAGEBOX_SKIP_V3=1 skips it.
if [ "${SAGEBOX_SKIP_V3:-0}" = "1" ]; then
    log "SAGEBOX_SKIP_V3=1: not setting up .venv-v3 (the SDK v3 tests will skip)"
elif ! "$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)'; then
    log "not setting up .venv-v3: e2e/requirements-v3.txt needs Python >= 3.11, found $("$PYTHON" --version 2>&1) (the SDK v3 tests will skip)"
else
    ensure_venv "$ROOT/.venv-v3" "$ROOT/e2e/requirements-v3.txt" "sagemaker.train, boto3"
fi

# --- 4. Chromium for e2e/test_dashboard.py -----------------------------------------------------------------
if [ "${SAGEBOX_SKIP_CHROMIUM:-0}" != "1" ] && ! command -v chromium >/dev/null 2>&1; then
    apt_install chromium
fi
