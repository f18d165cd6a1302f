"""GPU allocation, proven on machines without GPUs: a stand-in `nvidia-smi` on the server's PATH reports GPUs, and
jobs see what a job on that machine would (CUDA_VISIBLE_DEVICES, SM_NUM_GPUS)."""
from __future__ import annotations

import io
import json
import os
import stat
import tarfile
import time
import uuid

import pytest

from conftest import REPO_ROOT
from training_helpers import log_messages, wait_secondary, wait_terminal

IMAGE = "763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-training:2.1-gpu-py310"
ROLE = "arn:aws:iam::123456789012:role/SageMakerRole"


@pytest.fixture
def fake_nvidia_smi(tmp_path, monkeypatch):
    """Puts an `nvidia-smi` that lists `count` GPUs first on PATH for the servers the test starts."""
    def install(count: int):
        folder = tmp_path / "fake-bin"
        folder.mkdir(exist_ok=True)
        script = folder / "nvidia-smi"
        lines = "".join(f"echo 'GPU {i}: NVIDIA Stand-in (UUID: GPU-{i:08d})'\n" for i in range(count))
        script.write_text("#!/bin/sh\n" + lines)
        script.chmod(script.stat().st_mode | stat.S_IEXEC)
        monkeypatch.setenv("PATH", f"{folder}:{os.environ['PATH']}")
    return install


@pytest.fixture
def start(sagebox_factory, json_client):
    """start(*server_args) -> (sagemaker, logs): a server (started after fake_nvidia_smi, so it sees those GPUs) with
    the probe's sourcedir in bucket `gpus`, and clients whose responses are checked against botocore's model."""
    def start_server(*args):
        server = sagebox_factory(extra_args=("--container-specs", str(REPO_ROOT / "container-specs"), *args))
        s3 = server.s3()
        s3.create_bucket(Bucket="gpus")
        archive = io.BytesIO()
        with tarfile.open(fileobj=archive, mode="w:gz") as tar:
            tar.add(REPO_ROOT / "fixtures" / "gpu" / "gpu_probe.py", arcname="gpu_probe.py")
        s3.put_object(Bucket="gpus", Key="src/sourcedir.tar.gz", Body=archive.getvalue())
        return json_client("sagemaker", server.endpoint), json_client("logs", server.endpoint)
    return start_server


def create(sm, instance_type: str, hold: float = 2.0) -> str:
    name = "gpu-" + uuid.uuid4().hex[:10]
    sm.create_training_job(
        TrainingJobName=name, RoleArn=ROLE, AlgorithmSpecification={"TrainingImage": IMAGE, "TrainingInputMode": "File"},
        HyperParameters={"sagemaker_program": '"gpu_probe.py"', "sagemaker_submit_directory": '"s3://gpus/src/sourcedir.tar.gz"',
                         "hold": json.dumps(hold)},
        OutputDataConfig={"S3OutputPath": "s3://gpus/out"},
        ResourceConfig={"InstanceType": instance_type, "InstanceCount": 1, "VolumeSizeInGB": 1},
        StoppingCondition={"MaxRuntimeInSeconds": 60})
    return name


def gpus_seen(logs, name: str) -> dict:
    line = next(m for m in log_messages(logs, name) if m.startswith("gpus "))
    return json.loads(line[len("gpus "):])


@pytest.mark.timeout(120)
def test_concurrent_jobs_get_disjoint_gpus(fake_nvidia_smi, start):
    fake_nvidia_smi(4)
    sm, logs = start()
    names = [create(sm, "ml.g5.xlarge", hold=3), create(sm, "ml.g5.xlarge", hold=3), create(sm, "ml.p3.8xlarge", hold=1)]
    seen = []
    for name in names:
        assert wait_terminal(sm, name)["TrainingJobStatus"] == "Completed"
        seen.append(gpus_seen(logs, name))
    one, two, four = seen
    assert one["SM_NUM_GPUS"] == "1" and two["SM_NUM_GPUS"] == "1"
    assert one["CUDA_VISIBLE_DEVICES"] != two["CUDA_VISIBLE_DEVICES"]
    # The 4-GPU job waited for the two single-GPU jobs to release theirs, then got all four.
    assert four["SM_NUM_GPUS"] == "4"
    assert sorted(four["CUDA_VISIBLE_DEVICES"].split(",")) == ["0", "1", "2", "3"]


@pytest.mark.timeout(90)
def test_gpu_shortage_fail_policy_fails_the_job_clearly(fake_nvidia_smi, start):
    fake_nvidia_smi(1)
    sm, _ = start("--gpu-shortage", "fail")
    name = create(sm, "ml.p3.8xlarge", hold=0)
    desc = wait_terminal(sm, name)
    assert desc["TrainingJobStatus"] == "Failed"
    assert "needs 4 GPU(s) but this machine has 1" in desc["FailureReason"]
    assert "--gpu-shortage" in desc["FailureReason"]


NO_GPU = {"CUDA_VISIBLE_DEVICES": "", "SM_NUM_GPUS": "0"}


@pytest.mark.timeout(90)
@pytest.mark.parametrize("machine_gpus, instance_type, seen, warning", [
    pytest.param(2, "ml.p3.8xlarge", {"CUDA_VISIBLE_DEVICES": "0,1", "SM_NUM_GPUS": "2"}, None,
                 id="more-gpus-than-the-machine-has-runs-with-what-exists-by-default"),
    pytest.param(0, "ml.p3.2xlarge", NO_GPU, "has 1 GPU(s) but this machine has none",
                 id="gpu-type-runs-on-cpu-with-a-warning-where-there-are-no-gpus"),
    pytest.param(2, "ml.m5.xlarge", NO_GPU, None, id="cpu-type-sees-no-gpu-on-a-gpu-machine"),
])
def test_gpus_a_job_sees(fake_nvidia_smi, start, machine_gpus, instance_type, seen, warning):
    """What one job sees on a machine with `machine_gpus` GPUs, and (`warning`) what Sagebox logs about it."""
    fake_nvidia_smi(machine_gpus)
    sm, logs = start()
    name = create(sm, instance_type, hold=0)
    assert wait_terminal(sm, name)["TrainingJobStatus"] == "Completed"
    assert gpus_seen(logs, name) == seen
    if warning:
        assert any(warning in m and "SM_NUM_GPUS=0" in m for m in log_messages(logs, name))


@pytest.mark.timeout(120)
def test_a_job_waiting_for_busy_gpus_can_be_stopped(fake_nvidia_smi, start):
    fake_nvidia_smi(1)
    sm, _ = start("--stop-grace-seconds", "2")
    holder = create(sm, "ml.g5.xlarge", hold=60)
    wait_secondary(sm, holder, "Training")
    queued = create(sm, "ml.g5.xlarge", hold=0)
    time.sleep(1)
    assert sm.describe_training_job(TrainingJobName=queued)["SecondaryStatus"] == "Starting"
    sm.stop_training_job(TrainingJobName=queued)
    # The stop ends the wait: the job does not sit in Stopping until the GPU frees up.
    desc = wait_terminal(sm, queued, timeout=20)
    assert desc["TrainingJobStatus"] == "Stopped"
    assert "Training" not in [t["Status"] for t in desc["SecondaryStatusTransitions"]]
    assert sm.describe_training_job(TrainingJobName=holder)["TrainingJobStatus"] == "InProgress"
    sm.stop_training_job(TrainingJobName=holder)
    assert wait_terminal(sm, holder, timeout=60)["TrainingJobStatus"] == "Stopped"
