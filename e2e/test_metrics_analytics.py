"""Training metrics: MetricDefinitions → FinalMetricDataList and CloudWatch, read back with the SDK's
`TrainingJobAnalytics` (runtime-semantics §5; checklist 33-35; sdk-call-trace §3c).

The expected values come from Python itself: each regex is applied with `re.search` to each line the script printed,
group 1 is `float()`ed, and a capture that is not a number is dropped — what SageMaker does.

One SDK-driven fit (a HuggingFace estimator with the seed notebook's metric definitions, then
`TrainingJobAnalytics(job).dataframe()`); the rest is boto3 against the session's training server.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import tarfile
import uuid

import pytest

from training_helpers import IMAGE, ROLE, run_script, wait_terminal

NAMESPACE = "/aws/sagemaker/TrainingJobs"


def expected_series(definitions: list[dict], lines: list[str]) -> dict[str, list[float]]:
    """What SageMaker extracts: per metric, in line order, float(group 1) of re.search on each line."""
    out: dict[str, list[float]] = {d["Name"]: [] for d in definitions}
    for line in lines:
        for d in definitions:
            match = re.search(d["Regex"], line)
            if not match:
                continue
            try:
                out[d["Name"]].append(float(match.group(1)))
            except (TypeError, ValueError):
                pass
    return out


# --------------------------------------------------------------------------------------------------------------
# The seed's metric definitions through the SDK, read back with TrainingJobAnalytics
# --------------------------------------------------------------------------------------------------------------

# Lines as transformers' Trainer prints them (the seed's train.py prints the eval lines the same way). A metric's
# values are printed more than a second apart so that one-second periods keep them apart; the train summary goes to
# stderr, where SageMaker reads metrics too.
TRAINER_LINES = [
    ("out", "{'loss': 0.6931, 'learning_rate': 4.5e-05, 'epoch': 1.0}"),
    ("out", "{'loss': 0.4215, 'learning_rate': 3e-05, 'epoch': 2.0}"),
    ("out", "{'loss': 0.2107, 'learning_rate': 1.5e-05, 'epoch': 3.0}"),
    ("err", "{'train_runtime': 3.3042, 'train_samples_per_second': 90.8, 'epoch': 3.0}"),
    ("out", "***** Eval results *****"),
    ("out", "eval_loss = 0.3125"),
    ("out", "eval_accuracy = 0.8750"),
    ("out", "eval_accuracy = n/a (a line the regex matches with no number)"),
]

TRAINER_SCRIPT = r'''
import json, os, sys, time
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "lines.json")) as handle:
    lines = json.load(handle)
for stream, line in lines:
    print(line, file=sys.stdout if stream == "out" else sys.stderr, flush=True)
    time.sleep(2 if line.startswith("{") else 0.05)
os.makedirs(os.environ["SM_MODEL_DIR"], exist_ok=True)
with open(os.path.join(os.environ["SM_MODEL_DIR"], "model.json"), "w") as handle:
    json.dump({"ok": True}, handle)
'''

# The Hugging Face notebooks' definitions: the seed's eval_accuracy one, and Trainer's dict lines (group 1 is the
# number, group 2 is the `(.|e\-)` inside it). Plus a Python-only named group, and a metric that never appears.
SEED_DEFINITIONS = [
    {"Name": "loss", "Regex": r"'loss': ([0-9]+(.|e\-)[0-9]+),?"},
    {"Name": "learning_rate", "Regex": r"'learning_rate': ([0-9]+(.|e\-)[0-9]+),?"},
    {"Name": "epoch", "Regex": r"'epoch': ([0-9]+(.|e\-)[0-9]+),?"},
    {"Name": "train_runtime", "Regex": r"'train_runtime': (?P<runtime>[0-9.]+)"},
    {"Name": "eval_loss", "Regex": r"eval_loss.*=\D*(.*?)$"},
    {"Name": "eval_accuracy", "Regex": r"eval_accuracy.*=\D*(.*?)$"},
    {"Name": "eval_f1", "Regex": r"eval_f1.*=\D*(.*?)$"},
]

ANALYTICS_SDK = r'''
import json, sys, traceback
import sagemaker
from sagemaker.analytics import TrainingJobAnalytics
from sagemaker.huggingface import HuggingFace

p = json.loads(sys.argv[1])
est = HuggingFace(entry_point="train.py", source_dir=p["source_dir"], instance_type="ml.p3.2xlarge",
                  instance_count=1, role=p["role"], transformers_version="4.26", pytorch_version="1.13",
                  py_version="py39", hyperparameters={"epochs": 3}, metric_definitions=p["definitions"])
est.fit(job_name=p["job"], wait=True, logs="All")
result = {"job": est.latest_training_job.name}
for key, kwargs in (("default", {}), ("per_second", {"period": 1})):
    try:
        frame = TrainingJobAnalytics(p["job"], **kwargs).dataframe()
        result[key] = {"columns": list(frame.columns), "rows": frame.to_dict("records")}
    except Exception as exc:
        result[key] = {"error": f"{type(exc).__name__}: {exc}", "trace": traceback.format_exc()[-2000:]}
print("RESULT " + json.dumps(result))
'''


@pytest.mark.timeout(240)
def test_seed_metric_definitions_final_metrics_and_training_job_analytics(sdk_env, training_sm, training_logs,
                                                                          tmp_path):
    job = f"hf-metrics-{uuid.uuid4().hex[:10]}"
    source_dir = tmp_path / "src"
    source_dir.mkdir()
    (source_dir / "train.py").write_text(TRAINER_SCRIPT, encoding="utf-8")
    (source_dir / "lines.json").write_text(json.dumps(TRAINER_LINES), encoding="utf-8")
    params = {"source_dir": str(source_dir), "role": ROLE, "job": job, "definitions": SEED_DEFINITIONS}
    rc, output, result = run_script(tmp_path, sdk_env, ANALYTICS_SDK, params, timeout=200)
    assert rc == 0 and result, output[-6000:]
    for _, line in TRAINER_LINES:
        assert line in output, f"the SDK did not print {line!r}"

    expected = expected_series(SEED_DEFINITIONS, [line for _, line in TRAINER_LINES])
    # Sanity of the oracle: the (.|e\-) group makes 4.5e-05 read as 4.5 and 3e-05 as 3e-05, as on SageMaker.
    assert expected["learning_rate"] == [4.5, 3e-05, 1.5]
    assert expected["eval_accuracy"] == [0.875] and expected["eval_f1"] == []

    desc = training_sm.describe_training_job(TrainingJobName=job)
    assert desc["TrainingJobStatus"] == "Completed", (desc["TrainingJobStatus"], desc.get("FailureReason"))
    assert desc["AlgorithmSpecification"]["MetricDefinitions"] == SEED_DEFINITIONS
    final = {m["MetricName"]: m["Value"] for m in desc.get("FinalMetricDataList", [])}
    assert final == {name: values[-1] for name, values in expected.items() if values}, \
        desc.get("FinalMetricDataList")
    assert len(desc["FinalMetricDataList"]) == len(final), "one entry per metric"
    for metric in desc["FinalMetricDataList"]:
        assert desc["TrainingStartTime"] <= metric["Timestamp"] <= desc["TrainingEndTime"], metric

    # TrainingJobAnalytics(job).dataframe(), exactly as in the seed (Period 60, Average): each eval metric was
    # printed once, so its single row is the printed value; a metric printed several times in one minute averages.
    default = result["default"]
    assert "error" not in default, f"TrainingJobAnalytics(job).dataframe() failed:\n{default.get('trace')}"
    assert default["columns"] == ["timestamp", "metric_name", "value"], default["columns"]
    rows = default["rows"]
    names_in_order = [r["metric_name"] for r in rows]
    defined = [d["Name"] for d in SEED_DEFINITIONS if expected[d["Name"]]]
    assert sorted(set(names_in_order), key=defined.index) == defined, names_in_order
    assert names_in_order == sorted(names_in_order, key=defined.index), "rows come metric by metric"
    for name in ("eval_loss", "eval_accuracy", "train_runtime"):
        assert [r["value"] for r in rows if r["metric_name"] == name] == expected[name], (name, rows)
    for name in ("loss", "learning_rate", "epoch"):
        values = [r["value"] for r in rows if r["metric_name"] == name]
        if len(values) == 1:
            assert values[0] == pytest.approx(sum(expected[name]) / len(expected[name])), (name, values)
        else:  # the lines straddled a minute boundary
            assert all(min(expected[name]) <= v <= max(expected[name]) for v in values), (name, values)

    # With one-second periods the whole series comes back: every printed value, in the order printed.
    per_second = result["per_second"]
    assert "error" not in per_second, f"TrainingJobAnalytics(job, period=1).dataframe() failed:\n" \
                                      f"{per_second.get('trace')}"
    got: dict[str, list] = {}
    for row in per_second["rows"]:
        got.setdefault(row["metric_name"], []).append((row["timestamp"], row["value"]))
    assert list(got) == defined, list(got)
    for name, points in got.items():
        assert [v for _, v in points] == expected[name], (name, points, expected[name])
        times = [t for t, _ in points]
        assert times[0] == 0 and times == sorted(times) and len(set(times)) == len(times), (name, times)


# --------------------------------------------------------------------------------------------------------------
# boto3: every matching line is one data point, stdout and stderr alike, and CloudWatch has them
# --------------------------------------------------------------------------------------------------------------

LINES_SCRIPT = r'''
import json, os, sys
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "lines.json")) as handle:
    for stream, line in json.load(handle):
        print(line, file=sys.stdout if stream == "out" else sys.stderr, flush=True)
'''

# Number forms float() accepts, captures it does not, several metrics in one line, stderr, a named group.
LINES = [
    ("out", "step=1 loss=+2.5 acc=.5"),
    ("err", "step=2 loss=1e-3 acc=7."),
    ("out", "step=3 loss=oops acc=0.75"),
    ("err", "step=4 loss= 0.125 acc=nan-ish"),
    ("out", "val: loss=0.5"),
    ("out", "throughput 1234 samples/s"),
    ("out", "7 echo 8"),
    ("out", "7 echo 7"),
]
DEFINITIONS = [
    {"Name": "train:loss", "Regex": r"^step=\d+ loss=\s*(\S+)"},
    {"Name": "train:acc", "Regex": r"acc=([^ ]+)"},
    {"Name": "validation:loss", "Regex": r"^val: loss=(?P<value>[0-9.]+)"},
    {"Name": "throughput", "Regex": r"throughput (\d+) samples/s"},
    # A Python back-reference: CreateTrainingJob must accept it and the job must apply it.
    {"Name": "echo", "Regex": r"^(?P<n>\d+) echo (?P=n)$"},
    {"Name": "never", "Regex": r"never printed=(\d+)"},
]


@pytest.fixture(scope="module")
def metrics_job(training_server, training_sm, training_s3, training_bucket) -> dict:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, data in (("lines.py", LINES_SCRIPT.encode()), ("lines.json", json.dumps(LINES).encode())):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    key = f"metrics-analytics/{uuid.uuid4().hex[:8]}/sourcedir.tar.gz"
    training_s3.put_object(Bucket=training_bucket, Key=key, Body=buf.getvalue())
    name = f"metric-lines-{uuid.uuid4().hex[:10]}"
    training_sm.create_training_job(
        TrainingJobName=name,
        AlgorithmSpecification={"TrainingImage": IMAGE, "TrainingInputMode": "File", "MetricDefinitions": DEFINITIONS},
        RoleArn=ROLE,
        OutputDataConfig={"S3OutputPath": f"s3://{training_bucket}/metrics-analytics/output"},
        ResourceConfig={"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 30},
        StoppingCondition={"MaxRuntimeInSeconds": 300},
        HyperParameters={"sagemaker_program": json.dumps("lines.py"),
                         "sagemaker_submit_directory": json.dumps(f"s3://{training_bucket}/{key}"),
                         "sagemaker_container_log_level": "20", "sagemaker_job_name": json.dumps(name),
                         "sagemaker_region": json.dumps("us-east-1")})
    desc = wait_terminal(training_sm, name, timeout=60)
    assert desc["TrainingJobStatus"] == "Completed", (desc["TrainingJobStatus"], desc.get("FailureReason"))
    return desc


def test_final_metrics_follow_python_re_and_float(metrics_job):
    expected = expected_series(DEFINITIONS, [line for _, line in LINES])
    assert expected == {"train:loss": [2.5, 0.001, 0.125], "train:acc": [0.5, 7.0, 0.75],
                        "validation:loss": [0.5], "throughput": [1234.0], "echo": [7.0], "never": []}
    final = {m["MetricName"]: m["Value"] for m in metrics_job.get("FinalMetricDataList", [])}
    assert final == {name: values[-1] for name, values in expected.items() if values}, \
        metrics_job.get("FinalMetricDataList")


def test_cloudwatch_holds_one_data_point_per_matching_line(training_server, json_client, metrics_job):
    cloudwatch = json_client("cloudwatch", training_server.endpoint)
    job = metrics_job["TrainingJobName"]
    expected = expected_series(DEFINITIONS, [line for _, line in LINES])
    listed = cloudwatch.list_metrics(Namespace=NAMESPACE, Dimensions=[{"Name": "TrainingJobName", "Value": job}])
    names = {m["MetricName"] for m in listed["Metrics"]}
    assert names == {name for name, values in expected.items() if values}, listed["Metrics"]
    for metric in listed["Metrics"]:
        assert metric["Namespace"] == NAMESPACE
        assert {"Name": "TrainingJobName", "Value": job} in metric["Dimensions"], metric
    start = metrics_job["TrainingStartTime"].replace(second=0, microsecond=0)
    end = metrics_job["TrainingEndTime"] + dt.timedelta(minutes=1)
    for name, values in expected.items():
        points = cloudwatch.get_metric_statistics(
            Namespace=NAMESPACE, MetricName=name, Dimensions=[{"Name": "TrainingJobName", "Value": job}],
            StartTime=start, EndTime=end, Period=60,
            Statistics=["SampleCount", "Sum", "Minimum", "Maximum"])["Datapoints"]
        if not values:
            assert points == [], (name, points)
            continue
        assert sum(p["SampleCount"] for p in points) == len(values), (name, points)
        assert sum(p["Sum"] for p in points) == pytest.approx(sum(values)), (name, points)
        assert min(p["Minimum"] for p in points) == min(values) and max(p["Maximum"] for p in points) == max(values)
    data = cloudwatch.get_metric_data(
        MetricDataQueries=[{"Id": "loss", "MetricStat": {"Metric": {
            "Namespace": NAMESPACE, "MetricName": "train:loss",
            "Dimensions": [{"Name": "TrainingJobName", "Value": job}]}, "Period": 1, "Stat": "Sum"}}],
        StartTime=start, EndTime=end, ScanBy="TimestampAscending")["MetricDataResults"][0]
    assert sum(data["Values"]) == pytest.approx(sum(expected["train:loss"])), data
