"""SageMaker Python SDK v3 (3.27.0) `ModelTrainer(...).train(wait=True, logs=True)` against Sagebox, with the SDK's
default IAM role validation on (the server answers SimulatePrincipalPolicy and GetRole).

v3 cannot share .venv with v2, so its SDK script runs with .venv-v3/bin/python (scripts/setup.sh creates it from
e2e/requirements-v3.txt); the tests skip when that venv is missing. v3 uploads the code as two S3 channels, `code` and
`sm_drivers`, and runs it with ContainerEntrypoint `/bin/bash -c "chmod +x .../sm_train.sh && .../sm_train.sh"`
(sdk-call-trace.md §7).
"""

from __future__ import annotations

import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

from conftest import REPO_ROOT
from training_helpers import log_streams, probe_of, run_script, s3_get, tar_members

V3_PYTHON = REPO_ROOT / ".venv-v3" / "bin" / "python"
FIXTURES = REPO_ROOT / "fixtures" / "training"
HF_SEED = REPO_ROOT / "fixtures" / "hf-getting-started"
IMAGE = ("763104351884.dkr.ecr.us-east-1.amazonaws.com/huggingface-pytorch-training:"
         "1.13-transformers4.26-gpu-py39-cu117-ubuntu20.04")
ROLE_ARN = "arn:aws:iam::123456789012:role/SageMakerRole"


def _v3_missing_reason():
    if not V3_PYTHON.exists():
        return f"SDK v3 venv missing: {V3_PYTHON} (run scripts/setup.sh, which installs e2e/requirements-v3.txt)"
    proc = subprocess.run([str(V3_PYTHON), "-c", "import importlib.metadata as m, sagemaker.train; "
                                                 "print(m.version('sagemaker'))"],
                          capture_output=True, text=True, timeout=120)
    if proc.returncode != 0:
        return f"SDK v3 venv at {V3_PYTHON} cannot import sagemaker.train: {proc.stderr[-500:]}"
    if not proc.stdout.strip().startswith("3."):
        return f"{V3_PYTHON} has sagemaker {proc.stdout.strip()}, not 3.x"
    return None


_REASON = _v3_missing_reason()
pytestmark = pytest.mark.skipif(_REASON is not None, reason=_REASON or "")

V3_TRAIN = r'''
import json, logging, sys
logging.basicConfig(level=logging.INFO, stream=sys.stdout, format="%(levelname)s %(name)s: %(message)s")
p = json.loads(sys.argv[1])
from sagemaker.train import ModelTrainer
from sagemaker.train.configs import SourceCode, Compute, InputData

trainer = ModelTrainer(
    training_image=p["image"],
    source_code=SourceCode(source_dir=p["source_dir"], entry_script=p["entry"]),
    compute=Compute(instance_type="ml.m5.large", instance_count=1),
    hyperparameters=p["hyperparameters"], role=p["role"], base_job_name=p["base_job_name"])
raised = None
try:
    trainer.train(input_data_config=[InputData(channel_name=name, data_source=uri) for name, uri in p["channels"]],
                  wait=True, logs=True)
except Exception as exc:  # reported to the test
    raised = [type(exc).__name__, str(exc)]
job = trainer._latest_training_job
print("RESULT " + json.dumps({"raised": raised, "job": job.training_job_name if job else None,
                              "status": job.training_job_status if job else None}))
'''


def run_v3(tmp_path: Path, env: dict, params: dict, timeout: float = 200) -> tuple[int, str, dict]:
    run_env = {k: v for k, v in env.items() if k != "SAGEMAKER_VALIDATE_ROLE"}  # the SDK's default: validate
    run_env["PATH"] = f"{V3_PYTHON.parent}:{run_env.get('PATH', '')}"
    return run_script(tmp_path, run_env, V3_TRAIN, params, python=V3_PYTHON, timeout=timeout)


@pytest.fixture(scope="module")
def v3_data(training_s3, training_bucket) -> dict:
    prefix = "v3-" + uuid.uuid4().hex[:8]
    for name in ("train", "test"):
        training_s3.put_object(Bucket=training_bucket, Key=f"{prefix}/{name}/{name}.csv",
                               Body=(HF_SEED / "data" / f"{name}.csv").read_bytes())
    return {name: f"s3://{training_bucket}/{prefix}/{name}" for name in ("train", "test")}


@pytest.mark.timeout(300)
def test_model_trainer_hugging_face_flow(sdk_env, training_sm, training_s3, training_logs, training_server, v3_data,
                                         tmp_path):
    source_dir = tmp_path / "src"
    source_dir.mkdir()
    shutil.copy(FIXTURES / "probe_entry.py", source_dir / "probe_entry.py")
    shutil.copy(HF_SEED / "scripts" / "train.py", source_dir / "train.py")
    hps = {"epochs": 1, "per_device_train_batch_size": 32, "model_name_or_path": "distilbert-base-uncased"}
    rc, output, result = run_v3(tmp_path, sdk_env, {
        "image": IMAGE, "source_dir": str(source_dir), "entry": "probe_entry.py", "hyperparameters": hps,
        "role": ROLE_ARN, "base_job_name": "v3-hf-" + uuid.uuid4().hex[:6],
        "channels": [["train", v3_data["train"]], ["test", v3_data["test"]]]})
    assert rc == 0 and result, output[-6000:]
    assert result["raised"] is None, f"ModelTrainer.train raised {result['raised']}\n{output[-6000:]}"
    assert result["status"] == "Completed"
    job = result["job"]

    # role validation ran and passed on the server's IAM answers
    assert "Skipping IAM role validation" not in output
    assert "Could not verify permissions" not in output, output[-3000:]
    # the job's log, printed by the SDK while it waited
    for line in ("loaded train dataset length is: 400", "loaded test dataset length is: 100", "eval_accuracy = "):
        assert line in output, f"{line!r} not in what ModelTrainer printed:\n{output[-4000:]}"
    assert "Final Resource Status" in output and "Completed" in output

    desc = training_sm.describe_training_job(TrainingJobName=job)
    assert desc["TrainingJobStatus"] == "Completed"
    assert desc["HyperParameters"] == {"epochs": "1", "per_device_train_batch_size": "32",
                                       "model_name_or_path": "distilbert-base-uncased"}
    assert {c["ChannelName"] for c in desc["InputDataConfig"]} == {"train", "test", "code", "sm_drivers"}
    spec = desc["AlgorithmSpecification"]
    assert spec["ContainerEntrypoint"] == ["/bin/bash"]
    assert "sm_train.sh" in spec["ContainerArguments"][-1]

    probe = probe_of(output)
    argv = probe["argv"]
    assert dict(zip(argv[::2], argv[1::2])) == {"--epochs": "1", "--per_device_train_batch_size": "32",
                                                  "--model_name_or_path": "distilbert-base-uncased"}, argv
    env = probe["env"]
    assert env["SM_MODEL_DIR"] == "/opt/ml/model"
    assert env["SM_CHANNEL_TRAIN"] == "/opt/ml/input/data/train"
    assert env["TRAINING_JOB_NAME"] == job
    assert env["AWS_ENDPOINT_URL"] == training_server.endpoint
    assert probe["config"]["hyperparameters"] == desc["HyperParameters"]
    assert set(probe["config"]["inputdataconfig"]) == {"train", "test", "code", "sm_drivers"}
    assert probe["config"]["resourceconfig"]["current_host"] == "algo-1"
    assert {"probe_entry.py", "train.py"} <= set(probe["channels"]["code"])
    assert "sm_train.sh" in probe["channels"]["sm_drivers"]
    assert probe["channels"]["train"] == ["train.csv"]

    model_uri = desc["ModelArtifacts"]["S3ModelArtifacts"]
    assert model_uri == f"{desc['OutputDataConfig']['S3OutputPath']}/{job}/output/model.tar.gz"
    names = set(tar_members(s3_get(training_s3, model_uri)))
    assert names == {"model.json", "config.json"}, names

    streams = log_streams(training_logs, job)
    assert [s.rsplit("-", 1)[0] for s in streams] == [f"{job}/algo-1"]


@pytest.mark.timeout(300)
def test_model_trainer_failure_with_a_role_name(sdk_env, training_sm, v3_data, tmp_path):
    rc, output, result = run_v3(tmp_path, sdk_env, {
        "image": IMAGE, "source_dir": str(FIXTURES), "entry": "fail.py", "hyperparameters": {"mode": "raise"},
        "role": "SageMakerRole", "base_job_name": "v3-fail-" + uuid.uuid4().hex[:6],
        "channels": [["train", v3_data["train"]]]})
    assert rc == 0 and result, output[-6000:]
    assert result["raised"] and result["raised"][0] == "FailedStatusError", (result, output[-4000:])
    assert result["status"] == "Failed"
    assert "about to fail in mode raise" in output and "ValueError: bad value" in output, output[-4000:]
    desc = training_sm.describe_training_job(TrainingJobName=result["job"])
    assert desc["RoleArn"] == ROLE_ARN, "the role name was resolved with iam:GetRole"
    assert desc["TrainingJobStatus"] == "Failed"
    assert desc["FailureReason"].startswith("AlgorithmError: ")
    assert desc["FailureReason"] in result["raised"][1] or desc["FailureReason"][:200] in result["raised"][1]
