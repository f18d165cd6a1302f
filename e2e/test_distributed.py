"""Distributed training for real: every host of a multi-host job is a host (its own network namespace with `eth0`,
hostname `algo-N`, `/etc/hosts` naming every host), and the entry point runs under the launcher the PyTorch DLC picks:
torchrun on every host, mpirun from the master over every host, SMDataParallel's mpirun with Sagebox's smdistributed
emulation. Proven with the pinned SDK v2 and PyTorch on CPU (gloo); a stand-in `nvidia-smi` reports four GPUs, so each
of two hosts gets two and runs two processes. Also: a host that fails fails the job with its reason and brings the
others down; a stop, a spot interruption and a server kill -9 leave no process, namespace or network device behind."""
from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import time
import uuid

import pytest

from conftest import REPO_ROOT, clean_env, sagebox_env_vars, venv_bin_dir
from helpers import wait_until
from training_helpers import TrainingEnv, kill_marked, log_messages, processes_with, run_script, unique_name

FIXTURES = REPO_ROOT / "fixtures" / "distributed"
ROLE = "arn:aws:iam::123456789012:role/SageMakerRole"
GRACE = 2
pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="multi-host jobs need root (network namespaces)")


def torch_available() -> bool:
    return subprocess.run([str(venv_bin_dir() / "python"), "-c", "import torch, mpi4py"], capture_output=True).returncode == 0


def job_devices() -> list[str]:
    """Sagebox's network devices and namespaces on the machine: job bridges and veths (`sbx…`), namespaces."""
    links = subprocess.run(["ip", "-o", "link"], capture_output=True, text=True).stdout
    names = [line.split(":")[1].strip().split("@")[0] for line in links.splitlines()]
    namespaces = os.listdir("/run/netns") if os.path.isdir("/run/netns") else []
    return [n for n in names if n.startswith("sbx")] + [n for n in namespaces if n.startswith("sagebox-")]


class Env(TrainingEnv):
    bucket_hint = "dist"
    sources = tuple(sorted(FIXTURES.glob("*.py")))

    def request(self, name, program, hyperparameters=None, **options):
        request = super().request(name, program, hyperparameters, **options)
        request["AlgorithmSpecification"]["TrainingImage"] = \
            "763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-training:2.1.0-gpu-py310"
        request["ResourceConfig"].update({"InstanceType": "ml.g5.12xlarge", "InstanceCount": 2})
        return request


@pytest.fixture(scope="module")
def server(server_manager, tmp_path_factory):
    """A server whose jobs see four stand-in GPUs and the test venv's Python (with torch and mpi4py) as `python3`."""
    if not torch_available():
        pytest.skip("torch and mpi4py are not installed in the test venv")
    fake = tmp_path_factory.mktemp("fake-gpus")
    script = fake / "nvidia-smi"
    script.write_text("#!/bin/sh\n" + "".join(f"echo 'GPU {i}: NVIDIA Stand-in (UUID: GPU-{i:08d})'\n" for i in range(4)))
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    path = os.environ["PATH"]
    os.environ["PATH"] = f"{fake}:{venv_bin_dir()}:{path}"
    try:
        return server_manager.start(extra_args=("--container-specs", str(REPO_ROOT / "container-specs"),
                                                "--stop-grace-seconds", str(GRACE), "--spot-restart-delay-seconds", "1"))
    finally:
        os.environ["PATH"] = path


@pytest.fixture(scope="module")
def env(server, json_client) -> Env:
    return Env(server, json_client)


@pytest.fixture(scope="module")
def sdk_env(server, tmp_path_factory) -> dict:
    base = tmp_path_factory.mktemp("dist-sdk")
    (base / "home").mkdir()
    result = sagebox_env_vars(server.endpoint, clean_env(base / "home"), config_file=base / "sagemaker-config.yaml")
    result.update({"SAGEMAKER_SUPPRESS_V2_WARNING": "1", "PYTHONUNBUFFERED": "1"})
    return result


FIT = r'''
import json, sys
from sagemaker.pytorch import PyTorch
from sagemaker.huggingface import HuggingFace

p = json.loads(sys.argv[1])
common = dict(entry_point=p["entry_point"], source_dir=p["source_dir"], role=p["role"], instance_type=p["instance_type"],
              instance_count=2, distribution=p["distribution"], hyperparameters=p.get("hyperparameters", {}))
if p["kind"] == "huggingface":
    est = HuggingFace(transformers_version="4.28.1", pytorch_version="2.0.0", py_version="py310", **common)
else:
    est = PyTorch(framework_version="2.1.0", py_version="py310", **common)
est.fit(wait=True, logs="None")
print("RESULT " + json.dumps({"job": est.latest_training_job.name}))
'''


def fit(env, sdk_env, tmp_path, entry_point, distribution, kind="pytorch", instance_type="ml.g5.12xlarge") -> tuple[dict, list[str]]:
    rc, output, result = run_script(tmp_path, sdk_env, FIT, {
        "entry_point": entry_point, "source_dir": str(FIXTURES), "role": ROLE, "distribution": distribution, "kind": kind,
        "instance_type": instance_type}, timeout=400)
    assert rc == 0 and result, output[-4000:]
    desc = env.describe(result["job"])
    return desc, log_messages(env.logs, result["job"])


def tagged(messages: list[str], tag: str) -> list[dict]:
    """Every JSON object after `tag ` in the lines (mpirun's tagged output can run two ranks' lines together)."""
    decoder = json.JSONDecoder()
    return [decoder.raw_decode(part)[0] for m in messages for part in m.split(tag + " ")[1:]]


@pytest.mark.timeout(420)
def test_torch_distributed_runs_torchrun_on_two_networked_hosts(env, sdk_env, tmp_path):
    desc, messages = fit(env, sdk_env, tmp_path, "ddp_train.py", {"torch_distributed": {"enabled": True}})
    assert desc["TrainingJobStatus"] == "Completed", desc.get("FailureReason")
    assert any("torchrun --nnodes 2 --nproc_per_node 2 --master_addr algo-1 --master_port 7777 --node_rank 1 ddp_train.py" in m
               for m in messages), messages
    ranks = sorted(tagged(messages, "rank-info"), key=lambda r: r["rank"])
    assert [r["rank"] for r in ranks] == [0, 1, 2, 3]
    assert all(r["world"] == 4 and r["WORLD_SIZE"] == "4" and r["RANK"] == str(r["rank"]) for r in ranks), ranks
    assert [r["LOCAL_RANK"] for r in ranks] == ["0", "1", "0", "1"]
    assert {r["MASTER_ADDR"] for r in ranks} == {"algo-1"}
    assert [r["hostname"] for r in ranks] == ["algo-1", "algo-1", "algo-2", "algo-2"]
    assert all(r["hostname"] == r["current_host"] for r in ranks)
    assert len({json.dumps(r["weights"]) for r in ranks}) == 1, "the ranks did not train one model together"
    assert not job_devices(), job_devices()


@pytest.mark.timeout(420)
def test_mpi_runs_mpirun_over_both_hosts_with_rank_prefixes(env, sdk_env, tmp_path):
    desc, messages = fit(env, sdk_env, tmp_path, "mpi_allreduce.py", {"mpi": {"enabled": True, "processes_per_host": 2}})
    assert desc["TrainingJobStatus"] == "Completed", desc.get("FailureReason")
    ranks = tagged(messages, "mpi-info")
    assert sorted(r["rank"] for r in ranks) == [0, 1, 2, 3]
    assert {r["sum"] for r in ranks} == {10} and {r["size"] for r in ranks} == {4}
    assert sorted(r["hostname"] for r in ranks) == ["algo-1", "algo-1", "algo-2", "algo-2"]
    prefixes = set(re.findall(r"(\[1,[^\]]*\])<stdout>:mpi-info", "\n".join(messages)))
    assert prefixes == {"[1,mpirank:0,algo-1]", "[1,mpirank:1,algo-1]", "[1,mpirank:2,algo-2]", "[1,mpirank:3,algo-2]"}
    assert any(m.startswith("mpirun --host algo-1:2,algo-2:2 -np 4 --allow-run-as-root") for m in " ".join(messages).split("INFO     ")), \
        [m for m in messages if "mpirun" in m]
    assert not job_devices(), job_devices()


@pytest.mark.timeout(420)
def test_the_seeds_smdistributed_data_parallel_example_trains_ddp(env, sdk_env, tmp_path):
    desc, messages = fit(env, sdk_env, tmp_path, "smddp_train.py", {"smdistributed": {"dataparallel": {"enabled": True}}},
                         kind="huggingface", instance_type="ml.p3.16xlarge")
    assert desc["TrainingJobStatus"] == "Completed", desc.get("FailureReason")
    ranks = tagged(messages, "rank-info")
    assert sorted(r["rank"] for r in ranks) == [0, 1, 2, 3] and {r["world"] for r in ranks} == {4}
    assert len({json.dumps(r["weights"]) for r in ranks}) == 1
    assert any("Sagebox: smdistributed is emulated on torch.distributed" in m for m in messages)
    assert any("backend smddp runs on torch.distributed gloo" in m for m in messages)


@pytest.mark.timeout(420)
def test_the_seeds_model_parallel_configuration_runs_the_smp_api(env, sdk_env, tmp_path):
    distribution = {"smdistributed": {"modelparallel": {"enabled": True, "parameters": {"partitions": 2, "microbatches": 4,
                                                                                        "ddp": True}}},
                    "mpi": {"enabled": True, "processes_per_host": 2}}
    desc, messages = fit(env, sdk_env, tmp_path, "smp_train.py", distribution, kind="huggingface", instance_type="ml.p3.16xlarge")
    assert desc["TrainingJobStatus"] == "Completed", desc.get("FailureReason")
    ranks = tagged(messages, "smp-info")
    assert sorted(r["rank"] for r in ranks) == [0, 1, 2, 3]
    assert {(r["size"], r["dp_size"], r["mp_size"]) for r in ranks} == {(4, 4, 1)}
    assert len({json.dumps(r["weights"]) for r in ranks}) == 1
    assert any("every model runs whole on each rank" in m for m in messages)
    assert any("setting partitions=2 is not honoured" in m for m in messages), [m for m in messages if "honoured" in m]


@pytest.mark.timeout(180)
def test_a_failing_host_fails_the_job_with_its_reason_and_brings_the_others_down(env):
    name, marker = unique_name("dist-fail"), "sagebox-dist-" + uuid.uuid4().hex
    request = env.request(name, "fail_on_host.py", {"sagemaker_torch_distributed_enabled": "true", "marker": json.dumps(marker)})
    env.create(request)
    try:
        desc = env.wait_terminal(name, timeout=150)
        assert desc["TrainingJobStatus"] == "Failed"
        assert re.fullmatch(r"AlgorithmError: rank [23] on algo-2 gives up", desc["FailureReason"]), desc["FailureReason"]
        assert not processes_with(marker), processes_with(marker)
        assert not job_devices(), job_devices()
    finally:
        kill_marked(marker)


HOLD = r'''
import os, socket, sys, time, urllib.request
host = socket.gethostname()
# Sagebox answers where the job's AWS clients are told it is, from inside the host's own network.
with urllib.request.urlopen(os.environ["AWS_ENDPOINT_URL"] + "/_sagebox/health", timeout=10) as answer:
    print(f"reached sagebox from {host}: {answer.status}", flush=True)
folder = "/opt/ml/checkpoints"
print("restored " + ",".join(sorted(os.listdir(folder))), flush=True)
with open(f"{folder}/{host}-{len(os.listdir(folder))}", "w") as f:
    f.write(host)
print("working " + host, flush=True)
time.sleep(float(sys.argv[sys.argv.index("--seconds") + 1]))
'''


@pytest.mark.timeout(180)
def test_stop_and_spot_interruption_of_a_two_host_job_leave_nothing_behind(env):
    env.s3.put_object(Bucket=env.bucket, Key="code/hold.py", Body=HOLD.encode())
    name, marker = unique_name("dist-spot"), "sagebox-dist-" + uuid.uuid4().hex
    request = env.request(name, "unused", entrypoint=["python3", "/opt/ml/input/data/code/hold.py", "--seconds", "120", marker],
                          spot=True, checkpoint=True, max_runtime=600, max_wait=600, tags={"sagebox:interrupt-after-seconds": "5"})
    request["ResourceConfig"]["InstanceType"] = "ml.m5.large"
    env.create(request)
    try:
        def restored():
            return [m for m in env.messages(name) if m.startswith("restored ")]
        assert wait_until(lambda: len(restored()) >= 4, 120, interval=0.5), env.messages(name)
        reached = {m for m in env.messages(name) if m.startswith("reached sagebox")}
        assert reached == {"reached sagebox from algo-1: 200", "reached sagebox from algo-2: 200"}, reached
        # The first attempt of each host found nothing; the second found both hosts' checkpoints of the first.
        assert sorted(restored()) == ["restored "] * 2 + ["restored algo-1-0,algo-2-0"] * 2, restored()
        assert wait_until(lambda: len(processes_with(marker)) >= 2, 30)
        env.sm.stop_training_job(TrainingJobName=name)
        desc = env.wait_terminal(name, timeout=GRACE + 30)
        assert desc["TrainingJobStatus"] == "Stopped"
        assert [t["Status"] for t in desc["SecondaryStatusTransitions"]].count("Interrupted") == 1
        assert not processes_with(marker), processes_with(marker)
        assert not job_devices(), job_devices()
    finally:
        kill_marked(marker)


@pytest.mark.timeout(120)
def test_a_server_killed_mid_job_removes_the_job_network_at_restart(server_manager, json_client):
    path = os.environ["PATH"]
    os.environ["PATH"] = f"{venv_bin_dir()}:{path}"
    try:
        server = server_manager.start(extra_args=("--container-specs", str(REPO_ROOT / "container-specs"), "--no-fsync"))
    finally:
        os.environ["PATH"] = path
    env = Env(server, json_client)
    env.s3.put_object(Bucket=env.bucket, Key="code/hold.py", Body=HOLD.encode())
    name, marker = unique_name("dist-crash"), "sagebox-dist-" + uuid.uuid4().hex
    request = env.request(name, "unused", entrypoint=["python3", "/opt/ml/input/data/code/hold.py", "--seconds", "120", marker],
                          checkpoint=True)
    request["ResourceConfig"]["InstanceType"] = "ml.m5.large"
    env.create(request)
    try:
        assert wait_until(lambda: len(processes_with(marker)) >= 2, 60), env.messages(name)
        assert job_devices()
        server.kill()
        server.start()
        assert not processes_with(marker), processes_with(marker)
        assert not job_devices(), job_devices()
        assert env.describe(name)["TrainingJobStatus"] == "Failed"
    finally:
        kill_marked(marker)
