"""SageMaker Python SDK v2 (2.257.7) training flows against Sagebox, run as a user runs them: a Python process whose
only set-up is `eval "$(sagebox env --endpoint URL --config-file F)"` (the `sdk_env` fixture), with an empty HOME.

Each test starts one SDK script in a subprocess; the script prints what the SDK printed plus one `RESULT <json>` line
with what it got back. The SDK's `fit(logs=...)` loop sleeps 5-10 s per poll, so there are few of these; the API
details are in test_training_api.py.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import uuid

import pytest

from conftest import REPO_ROOT
from training_helpers import kill_marked, probe_of, run_script, s3_get, tar_members

FIXTURES = REPO_ROOT / "fixtures" / "training"
HF_SEED = REPO_ROOT / "fixtures" / "hf-getting-started"
ROLE = "arn:aws:iam::123456789012:role/SageMakerRole"
STATUS_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d (\w+) - (.+)$", re.M)


def compact(value) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


# --------------------------------------------------------------------------------------------------------------
# The Hugging Face getting-started flow (as /tmp/hf_demo.py), with a probe in front of the seed's train.py
# --------------------------------------------------------------------------------------------------------------

HF_FLOW = r'''
import json, os, sys
import sagemaker
from sagemaker.huggingface import HuggingFace
from sagemaker.s3 import S3Uploader, S3Downloader

p = json.loads(sys.argv[1])
sess = sagemaker.Session()
bucket = sess.default_bucket()
train = S3Uploader.upload(p["data"] + "/train.csv", f"s3://{bucket}/{p['prefix']}/train")
test = S3Uploader.upload(p["data"] + "/test.csv", f"s3://{bucket}/{p['prefix']}/test")
hp = {"epochs": 1, "per_device_train_batch_size": 32, "model_name_or_path": "distilbert-base-uncased"}
est = HuggingFace(entry_point="probe_entry.py", source_dir=p["source_dir"], instance_type="ml.p3.2xlarge",
                  instance_count=1, role=p["role"], transformers_version="4.26", pytorch_version="1.13",
                  py_version="py39", hyperparameters=hp,
                  metric_definitions=[{"Name": "eval_accuracy", "Regex": r"eval_accuracy.*=\D*(.*?)$"}])
est.fit({"train": f"s3://{bucket}/{p['prefix']}/train", "test": f"s3://{bucket}/{p['prefix']}/test"},
        wait=True, logs="All")
job = est.latest_training_job.name
model_data = est.model_data
S3Downloader.download(model_data, p["download_dir"])
attached = HuggingFace.attach(job)
print("RESULT " + json.dumps({
    "bucket": bucket, "job": job, "model_data": model_data, "downloaded": sorted(os.listdir(p["download_dir"])),
    "hyperparameters": est.hyperparameters(), "attached_hyperparameters": attached.hyperparameters(),
    "attached_model_data": attached.model_data, "attached_job": attached.latest_training_job.name,
    "attached_entry_point": attached.entry_point, "attached_source_dir": attached.source_dir,
    "attached_instance_type": attached.instance_type, "attached_instance_count": attached.instance_count,
    "attached_versions": [attached.pytorch_version, attached.framework_version],
    "attached_role": attached.role, "attached_output_path": attached.output_path,
    "image": est.training_image_uri(),
}))
'''


@pytest.mark.timeout(240)
def test_huggingface_getting_started_flow(sdk_env, training_sm, training_s3, training_server, tmp_path):
    source_dir = tmp_path / "src"
    source_dir.mkdir()
    shutil.copy(FIXTURES / "probe_entry.py", source_dir / "probe_entry.py")
    shutil.copy(HF_SEED / "scripts" / "train.py", source_dir / "train.py")
    download = tmp_path / "model"
    rc, output, result = run_script(tmp_path, sdk_env, HF_FLOW, {
        "data": str(HF_SEED / "data"), "prefix": "hf-" + uuid.uuid4().hex[:8], "source_dir": str(source_dir),
        "role": ROLE, "download_dir": str(download)})
    assert rc == 0, output[-5000:]
    job = result["job"]

    # what the SDK printed: status lines, the script's own output, the billing summary
    statuses = [m.group(1) for m in STATUS_LINE.finditer(output)]
    assert statuses and statuses[0] == "Starting" and statuses[-1] == "Completed", statuses
    for line in ("loaded train dataset length is: 400", "loaded test dataset length is: 100", "eval_accuracy = ",
                 "***** Eval results *****"):
        assert line in output, f"{line!r} not in the SDK's output:\n{output[-3000:]}"
    assert re.search(r"^Training seconds: \d+$", output, re.M), output[-2000:]
    assert re.search(r"^Billable seconds: \d+$", output, re.M), output[-2000:]

    # what the script saw
    probe = probe_of(output)
    env = probe["env"]
    user_args = ["--epochs", "1", "--model_name_or_path", "distilbert-base-uncased",
                 "--per_device_train_batch_size", "32"]
    submit_dir = f"s3://{result['bucket']}/{job}/source/sourcedir.tar.gz"
    assert probe["argv"] == user_args
    assert probe["cwd"] == "/opt/ml/code"
    assert probe["dirs"] == {"model": True, "output": True, "output/data": True, "code": True}
    assert set(probe["code_files"]) >= {"probe_entry.py", "train.py"}, probe["code_files"]
    assert probe["channels"] == {"test": ["test.csv"], "train": ["train.csv"]}
    expected_env = {
        "SM_MODEL_DIR": "/opt/ml/model", "SM_INPUT_DIR": "/opt/ml/input", "SM_INPUT_CONFIG_DIR": "/opt/ml/input/config",
        "SM_OUTPUT_DIR": "/opt/ml/output", "SM_OUTPUT_DATA_DIR": "/opt/ml/output/data",
        "SM_OUTPUT_INTERMEDIATE_DIR": "/opt/ml/output/intermediate",
        "SM_CHANNELS": '["test","train"]', "SM_CHANNEL_TRAIN": "/opt/ml/input/data/train",
        "SM_CHANNEL_TEST": "/opt/ml/input/data/test",
        "SM_HPS": '{"epochs":1,"model_name_or_path":"distilbert-base-uncased","per_device_train_batch_size":32}',
        "SM_HP_EPOCHS": "1", "SM_HP_PER_DEVICE_TRAIN_BATCH_SIZE": "32",
        "SM_HP_MODEL_NAME_OR_PATH": "distilbert-base-uncased",
        "SM_USER_ARGS": compact(user_args), "SM_USER_ENTRY_POINT": "probe_entry.py", "SM_MODULE_NAME": "probe_entry",
        "SM_MODULE_DIR": submit_dir, "SM_FRAMEWORK_MODULE": "sagemaker_pytorch_container.training:main",
        "SM_FRAMEWORK_PARAMS": "{}", "SM_CURRENT_HOST": "algo-1", "SM_HOSTS": '["algo-1"]',
        "SM_CURRENT_INSTANCE_TYPE": "ml.p3.2xlarge", "SM_CURRENT_INSTANCE_GROUP": "homogeneousCluster",
        "SM_NETWORK_INTERFACE_NAME": "eth0", "SM_LOG_LEVEL": "20", "SM_NUM_CPUS": str(os.cpu_count()),
        "TRAINING_JOB_NAME": job, "AWS_ENDPOINT_URL": training_server.endpoint,
    }
    wrong = {k: (env.get(k), v) for k, v in expected_env.items() if env.get(k) != v}
    assert not wrong, f"(seen, expected) for each variable that differs: {wrong}"
    assert env["TRAINING_JOB_ARN"].endswith(":training-job/" + job)
    assert int(env["SM_NUM_GPUS"]) >= 0
    assert not [k for k in env if k.startswith("SM_HP_SAGEMAKER")], "sagemaker_* hyperparameters are not user HPs"
    training_env = json.loads(env["SM_TRAINING_ENV"])
    assert training_env["job_name"] == job
    assert training_env["hyperparameters"] == {"epochs": 1, "model_name_or_path": "distilbert-base-uncased",
                                               "per_device_train_batch_size": 32}
    assert training_env["channel_input_dirs"] == {"train": "/opt/ml/input/data/train", "test": "/opt/ml/input/data/test"}
    assert training_env["module_dir"] == submit_dir and training_env["current_host"] == "algo-1"

    desc = training_sm.describe_training_job(TrainingJobName=job)
    config = probe["config"]
    assert config["hyperparameters"] == desc["HyperParameters"]
    channel_config = {"TrainingInputMode": "File", "S3DistributionType": "FullyReplicated", "RecordWrapperType": "None"}
    assert config["inputdataconfig"] == {"train": channel_config, "test": channel_config}
    resource = config["resourceconfig"]
    assert resource["current_host"] == "algo-1" and resource["hosts"] == ["algo-1"]
    assert resource["current_instance_type"] == "ml.p3.2xlarge"
    assert resource["current_group_name"] == "homogeneousCluster" and resource["network_interface_name"] == "eth0"
    assert resource["instance_groups"] == [{"instance_group_name": "homogeneousCluster",
                                            "instance_type": "ml.p3.2xlarge", "hosts": ["algo-1"]}]

    # the model: S3Downloader gives model.tar.gz with the script's files at the archive root
    assert result["model_data"] == f"s3://{result['bucket']}/{job}/output/model.tar.gz"
    assert result["downloaded"] == ["model.tar.gz"]
    members = tar_members((download / "model.tar.gz").read_bytes())
    assert set(members) == {"model.json", "config.json"}, sorted(members)
    model = json.loads(members["model.json"])
    assert model["base_model"] == "distilbert-base-uncased" and model["weights"]
    accuracy = json.loads(members["config.json"])["accuracy"]
    output_files = tar_members(s3_get(training_s3, f"s3://{result['bucket']}/{job}/output/output.tar.gz"))
    assert set(output_files) == {"eval_results.txt"}, "output.tar.gz holds /opt/ml/output/data"

    # the metric from the regex, as the last value printed
    final = {m["MetricName"]: m["Value"] for m in desc.get("FinalMetricDataList", [])}
    assert final.get("eval_accuracy") == pytest.approx(round(accuracy, 4)), desc.get("FinalMetricDataList")

    # HuggingFace.attach(job) rebuilds the estimator from DescribeTrainingJob
    assert result["attached_job"] == job
    assert result["attached_hyperparameters"] == result["hyperparameters"]
    assert result["attached_model_data"] == result["model_data"]
    assert result["attached_entry_point"] == "probe_entry.py"
    assert result["attached_source_dir"] == submit_dir
    assert result["attached_instance_type"] == "ml.p3.2xlarge" and result["attached_instance_count"] == 1
    assert result["attached_versions"] == ["1.13", "4.26"]
    assert result["attached_role"] == ROLE
    assert result["attached_output_path"] == f"s3://{result['bucket']}/"


# --------------------------------------------------------------------------------------------------------------
# A failing script
# --------------------------------------------------------------------------------------------------------------

FAILING = r'''
import json, sys
import sagemaker
from sagemaker.pytorch import PyTorch
from sagemaker.exceptions import UnexpectedStatusException

p = json.loads(sys.argv[1])
est = PyTorch(entry_point="fail.py", source_dir=p["source_dir"], role=p["role"], framework_version="2.1",
              py_version="py310", instance_type="ml.m5.large", instance_count=1, hyperparameters={"mode": "raise"})
try:
    est.fit(wait=True, logs="All")
except UnexpectedStatusException as exc:
    print("RESULT " + json.dumps({"raised": type(exc).__name__, "message": str(exc),
                                  "job": est.latest_training_job.name}))
else:
    print("RESULT " + json.dumps({"raised": None, "job": est.latest_training_job.name}))
'''


@pytest.mark.timeout(180)
def test_failing_script_raises_unexpected_status_exception(sdk_env, training_sm, tmp_path):
    rc, output, result = run_script(tmp_path, sdk_env, FAILING, {"source_dir": str(FIXTURES), "role": ROLE})
    assert rc == 0 and result, output[-5000:]
    assert result["raised"] == "UnexpectedStatusException", result
    message = result["message"]
    assert f"Error for Training job {result['job']}: Failed. Reason: AlgorithmError: " in message, message
    assert "ValueError: bad value" in message, message
    assert "about to fail in mode raise" in output, "the script's output is in the printed log"
    assert "ValueError: bad value" in output.split("RESULT ", 1)[0]
    desc = training_sm.describe_training_job(TrainingJobName=result["job"])
    assert desc["TrainingJobStatus"] == "Failed"
    assert desc["FailureReason"].startswith("AlgorithmError: ")


# --------------------------------------------------------------------------------------------------------------
# The PyTorch estimator, with metric definitions
# --------------------------------------------------------------------------------------------------------------

PYTORCH_METRICS = r'''
import json, sys
import sagemaker
from sagemaker.pytorch import PyTorch

p = json.loads(sys.argv[1])
est = PyTorch(entry_point="metrics.py", source_dir=p["source_dir"], role=p["role"], framework_version="2.1",
              py_version="py310", instance_type="ml.m5.large", instance_count=1,
              metric_definitions=[{"Name": "train_loss", "Regex": r"train_loss=(\S+)"},
                                  {"Name": "val_acc", "Regex": r"val_acc=(\S+)"}])
est.fit(wait=True, logs="All")
print("RESULT " + json.dumps({"job": est.latest_training_job.name, "model_data": est.model_data,
                              "image": est.training_image_uri()}))
'''


@pytest.mark.timeout(180)
def test_pytorch_estimator_with_metric_definitions(sdk_env, training_sm, training_s3, tmp_path):
    rc, output, result = run_script(tmp_path, sdk_env, PYTORCH_METRICS, {"source_dir": str(FIXTURES), "role": ROLE})
    assert rc == 0, output[-5000:]
    assert "epoch 3: train_loss=0.2500 val_acc=0.8750" in output and "METRICS DONE" in output
    assert re.search(r"^Training seconds: \d+$", output, re.M)
    assert "pytorch-training:2.1-cpu-py310" in result["image"]
    desc = training_sm.describe_training_job(TrainingJobName=result["job"])
    assert desc["TrainingJobStatus"] == "Completed"
    assert desc["AlgorithmSpecification"]["MetricDefinitions"] == [
        {"Name": "train_loss", "Regex": r"train_loss=(\S+)"}, {"Name": "val_acc", "Regex": r"val_acc=(\S+)"}]
    final = {m["MetricName"]: m["Value"] for m in desc.get("FinalMetricDataList", [])}
    assert final == {"train_loss": 0.25, "val_acc": 0.875}, desc.get("FinalMetricDataList")
    for metric in desc["FinalMetricDataList"]:
        assert desc["TrainingStartTime"] <= metric["Timestamp"] <= desc["TrainingEndTime"]
    members = tar_members(s3_get(training_s3, result["model_data"]))
    assert set(members) == {"metrics.json"}, sorted(members)


# --------------------------------------------------------------------------------------------------------------
# fit(wait=False), estimator.logs(), PyTorch.attach(); and a job stopped through the SDK
# --------------------------------------------------------------------------------------------------------------

NO_WAIT = r'''
import json, sys
import sagemaker
from sagemaker.pytorch import PyTorch

p = json.loads(sys.argv[1])
est = PyTorch(entry_point="artifacts.py", source_dir=p["source_dir"], role=p["role"], framework_version="2.1",
              py_version="py310", instance_type="ml.m5.large", instance_count=1, hyperparameters={"sleep": 1})
est.fit(wait=False)
job = est.latest_training_job.name
print("FIT RETURNED", flush=True)
est.logs()
attached = PyTorch.attach(job)
print("RESULT " + json.dumps({"job": job, "model_data": est.model_data, "attached_model_data": attached.model_data,
                              "attached_hyperparameters": attached.hyperparameters(),
                              "hyperparameters": est.hyperparameters()}))
'''


@pytest.mark.timeout(180)
def test_fit_without_wait_then_logs_and_attach(sdk_env, tmp_path):
    rc, output, result = run_script(tmp_path, sdk_env, NO_WAIT, {"source_dir": str(FIXTURES), "role": ROLE})
    assert rc == 0, output[-5000:]
    after_fit = output.split("FIT RETURNED", 1)[1]
    for line in ("line one", "line two", "LAST LINE"):
        assert line in after_fit, f"estimator.logs() did not print {line!r}:\n{after_fit[-3000:]}"
    assert re.search(r"^Training seconds: \d+$", after_fit, re.M)
    assert result["attached_model_data"] == result["model_data"] == \
        f"s3://sagebox-default/{result['job']}/output/model.tar.gz"
    assert result["attached_hyperparameters"] == result["hyperparameters"]


STOPPED = r'''
import json, sys, time
import sagemaker
from sagemaker.pytorch import PyTorch

p = json.loads(sys.argv[1])
est = PyTorch(entry_point="sleeper.py", source_dir=p["source_dir"], role=p["role"], framework_version="2.1",
              py_version="py310", instance_type="ml.m5.large", instance_count=1,
              hyperparameters={"seconds": 60, "marker": p["marker"]})
est.fit(wait=False)
job = est.latest_training_job.name
client = est.sagemaker_session.sagemaker_client
for _ in range(300):
    if client.describe_training_job(TrainingJobName=job)["SecondaryStatus"] == "Training":
        break
    time.sleep(0.1)
time.sleep(1)
est.latest_training_job.stop()
est.logs()
desc = client.describe_training_job(TrainingJobName=job)
print("RESULT " + json.dumps({"job": job, "status": desc["TrainingJobStatus"], "secondary": desc["SecondaryStatus"],
                              "model_data": est.model_data}))
'''


@pytest.mark.timeout(180)
def test_stop_through_the_sdk(sdk_env, training_s3, tmp_path):
    marker = "sagebox-e2e-marker-" + uuid.uuid4().hex
    try:
        rc, output, result = run_script(tmp_path, sdk_env, STOPPED, {"source_dir": str(FIXTURES), "role": ROLE,
                                                                    "marker": marker})
    finally:
        kill_marked(marker)
    assert rc == 0, f"a Stopped job is not an error for the SDK:\n{output[-5000:]}"
    assert (result["status"], result["secondary"]) == ("Stopped", "Stopped")
    assert "sleeping 60" in output
    assert "Job ended with status 'Stopped' rather than 'Completed'" in output, output[-3000:]
    statuses = [m.group(1) for m in STATUS_LINE.finditer(output)]
    assert statuses[-1] == "Stopped", statuses
    assert "before.txt" in tar_members(s3_get(training_s3, result["model_data"]))
