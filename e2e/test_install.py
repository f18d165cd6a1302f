"""A `sagebox` binary copied alone to a folder outside the checkout is complete: it knows its version, its bundled
container specs are compiled in, and it trains a job with one of them, started from that folder."""

from __future__ import annotations

import re
import shutil
import subprocess

from conftest import REPO_ROOT, SageboxServer, built_binary
from helpers import make_client
from quick_jobs import TICKS, start_job
from training_helpers import wait_terminal


def test_a_copied_binary_trains_with_a_bundled_spec(tmp_path):
    elsewhere = tmp_path / "opt" / "bin"
    elsewhere.mkdir(parents=True)
    binary = elsewhere / "sagebox"
    shutil.copy2(built_binary(), binary)
    assert REPO_ROOT not in binary.resolve().parents

    version = subprocess.run([str(binary), "--version"], capture_output=True, text=True, timeout=30, cwd=str(elsewhere))
    assert version.returncode == 0 and re.fullmatch(r"\d+\.\d+\.\d+\n", version.stdout), version

    server = SageboxServer(binary, tmp_path / "data", elsewhere).start()  # cwd: the binary's own folder
    try:
        specs = len(list((REPO_ROOT / "container-specs").glob("*.json")))
        assert f"{specs} container specs" in server.log_tail(), server.log_tail()
        sm, s3 = make_client("sagemaker", server.endpoint), make_client("s3", server.endpoint)
        s3.create_bucket(Bucket="copied")
        name = start_job(sm, s3, "copied", TICKS.format(count=2, pause=0), tmp_path, hint="copied")
        description = wait_terminal(sm, name, timeout=90)
        assert description["TrainingJobStatus"] == "Completed", description.get("FailureReason")
    finally:
        server.stop()
