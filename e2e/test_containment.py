"""What a job starts ends with it: a daemon that double-forks, leaves the job's session, clears its environment and
keeps the job's output pipe neither holds the job open nor survives it (a stop, a server kill -9 and restart); and
what a job unpacks is bounded by its volume (a gzip bomb fails the job and leaves the disk as it was). Also: a data
directory written by the release before the runtime restructure loads, and Describe answers as that release did."""
from __future__ import annotations

import json
import shutil
import tarfile
import time
import uuid
import zlib

import pytest

from conftest import REPO_ROOT
from helpers import wait_until
from training_helpers import TrainingEnv, kill_marked, processes_with, unique_name

GRACE = 3
SERVER_ARGS = ("--container-specs", str(REPO_ROOT / "container-specs"), "--stop-grace-seconds", str(GRACE), "--no-fsync")
FIXTURE = REPO_ROOT / "fixtures" / "containment"
RELEASE_ONE = REPO_ROOT / "fixtures" / "datadir-release-1"


class Env(TrainingEnv):
    bucket_hint = "contain"
    code = (FIXTURE / "escape.py",)

    def escape(self, name: str, marker: str, then: str) -> dict:
        return self.request(name, "unused", entrypoint=[
            "python3", "/opt/ml/input/data/code/escape.py", "--marker", marker, "--then", then])


@pytest.fixture(scope="module")
def env(server_manager, json_client) -> Env:
    return Env(server_manager.start(extra_args=SERVER_ARGS), json_client)


def new_marker() -> str:
    return "sagebox-escape-" + uuid.uuid4().hex


def job_tree(server, name: str):
    return server.data_dir / "sagemaker" / "jobs" / name


@pytest.mark.timeout(60)
def test_a_daemon_holding_the_output_does_not_hold_the_job_open_nor_outlive_it(env):
    name, marker = unique_name("escape-exit"), new_marker()
    try:
        env.create(env.escape(name, marker, "exit"))
        desc = env.wait_terminal(name, timeout=30)
        assert desc["TrainingJobStatus"] == "Completed", desc.get("FailureReason")
        assert "daemon started" in env.messages(name)
        assert not processes_with(marker), processes_with(marker)
    finally:
        kill_marked(marker)


@pytest.mark.timeout(60)
def test_a_stop_ends_the_daemon_within_the_grace(env):
    name, marker = unique_name("escape-stop"), new_marker()
    try:
        env.create(env.escape(name, marker, "sleep"))
        env.wait_secondary(name, "Training")
        assert wait_until(lambda: processes_with(marker), 20), "the daemon never started"
        asked = time.monotonic()
        env.sm.stop_training_job(TrainingJobName=name)
        desc = env.wait_terminal(name, timeout=GRACE + 20)
        assert desc["TrainingJobStatus"] == "Stopped"
        assert time.monotonic() - asked < GRACE + 10
        assert not processes_with(marker), processes_with(marker)
    finally:
        kill_marked(marker)


@pytest.mark.timeout(90)
def test_nothing_of_a_job_survives_a_server_kill_and_restart(server_manager, json_client):
    server = server_manager.start(extra_args=SERVER_ARGS)
    env = Env(server, json_client)
    name, marker = unique_name("escape-crash"), new_marker()
    try:
        env.create(env.escape(name, marker, "sleep"))
        env.wait_secondary(name, "Training")
        assert wait_until(lambda: len(processes_with(marker)) >= 1, 20), "the daemon never started"
        assert job_tree(server, name).exists()
        server.kill()
        assert processes_with(marker), "the job's processes should outlive a killed server until it restarts"
        server.start()
        assert not processes_with(marker), processes_with(marker)
        desc = env.describe(name)
        assert desc["TrainingJobStatus"] == "Failed"
        assert desc["FailureReason"] == "InternalServerError: the Sagebox server stopped while the job was running."
        assert not job_tree(server, name).exists(), "the crashed job's tree was left on disk"
    finally:
        kill_marked(marker)


def gzip_bomb(size: int) -> bytes:
    """sourcedir.tar.gz with one entry of `size` zero bytes: about 4.5 MB per GiB."""
    info = tarfile.TarInfo("weights.bin")
    info.size = size
    compressor = zlib.compressobj(1, zlib.DEFLATED, 31)
    parts = [compressor.compress(info.tobuf(format=tarfile.GNU_FORMAT))]
    chunk = bytes(16 << 20)
    for _ in range(size // len(chunk)):
        parts.append(compressor.compress(chunk))
    parts += [compressor.compress(bytes(1024)), compressor.flush()]
    return b"".join(parts)


def disk_usage(path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


@pytest.mark.timeout(90)
def test_a_gzip_bomb_fails_the_job_with_the_volume_reason_and_leaves_the_disk_as_it_was(env):
    name = unique_name("bomb")
    env.s3.put_object(Bucket=env.bucket, Key=f"{name}/sourcedir.tar.gz", Body=gzip_bomb(3 << 29))
    request = env.request(name, "train.py")
    request["HyperParameters"]["sagemaker_submit_directory"] = json.dumps(f"s3://{env.bucket}/{name}/sourcedir.tar.gz")
    request["ResourceConfig"]["VolumeSizeInGB"] = 1
    jobs = env.server.data_dir / "sagemaker" / "jobs"
    before = disk_usage(jobs) if jobs.exists() else 0
    env.create(request)
    desc = env.wait_terminal(name, timeout=60)
    assert desc["TrainingJobStatus"] == "Failed"
    reason = desc["FailureReason"]
    assert reason.startswith("ClientError: The source code s3://"), reason
    assert "ResourceConfig.VolumeSizeInGB is 1 GB" in reason, reason
    assert not job_tree(env.server, name).exists()
    assert (disk_usage(jobs) if jobs.exists() else 0) <= before


@pytest.mark.timeout(60)
def test_a_release_one_data_directory_loads_and_describes_as_before(server_manager, json_client, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(RELEASE_ONE / "sagemaker", data / "sagemaker")
    server = server_manager.start(data_dir=data)
    sm = json_client("sagemaker", server.endpoint)
    recorded = json.loads((RELEASE_ONE / "describe.json").read_text())
    for name in ("completed-job", "failed-job"):
        now = sm.describe_training_job(TrainingJobName=name)
        then = recorded[name]
        assert set(now) - {"ResponseMetadata"} == set(then), set(now) ^ set(then)
        for key in ("HyperParameters", "AlgorithmSpecification", "InputDataConfig", "OutputDataConfig", "ResourceConfig",
                    "StoppingCondition", "ModelArtifacts", "TrainingJobStatus", "SecondaryStatus", "FailureReason",
                    "TrainingTimeInSeconds", "BillableTimeInSeconds"):
            assert now.get(key) == then.get(key), (name, key, now.get(key), then.get(key))
        assert [t["Status"] for t in now["SecondaryStatusTransitions"]] == \
            [t["Status"] for t in then["SecondaryStatusTransitions"]]
        assert abs(now["CreationTime"].timestamp() - then["CreationTime"]) < 0.002
    running = sm.describe_training_job(TrainingJobName="running-job")
    assert running["TrainingJobStatus"] == "Failed"
    assert running["FailureReason"] == recorded["running-job"]["FailureReason"]
    assert sm.list_tags(ResourceArn=running["TrainingJobArn"])["Tags"] == [{"Key": "team", "Value": "ml"}]
