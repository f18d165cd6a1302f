"""SageMaker training-job API through boto3 (and the AWS CLI once): validation and its messages, Describe echoing the
request, the status path, listing, stop, time limits, artifacts, restarts and tags.

Every SageMaker response here goes through `training_sm`, which checks the raw JSON against botocore's output shape
(unknown keys, wrong types, missing required members) before botocore parses it.

The jobs run the small stdlib scripts in fixtures/training/ with the pytorch-training image (the local python3 and
the training toolkit's launch), each in a second or two.
"""

from __future__ import annotations

import io
import json
import re
import tarfile
import time
import uuid

import pytest

from conftest import REPO_ROOT, TRAINING_STOP_GRACE_SECONDS, make_client
from helpers import ACCOUNT_ID, REGION, expect_client_error, wait_until
from training_helpers import (LOG_GROUP, unique_name, processes_with, kill_marked, tar_members, s3_get,
                              wait_secondary, wait_terminal, log_messages, validation_error, job_request, channel)

FIXTURES = REPO_ROOT / "fixtures" / "training"
NAME_PATTERN = "^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}"


# --------------------------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------------------------

def sourcedir_tarball() -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for path in sorted(FIXTURES.glob("*.py")):
            tar.add(path, arcname=path.name)
    return buf.getvalue()


@pytest.fixture(scope="module")
def source_uri(training_s3, training_bucket) -> str:
    key = "api/source/sourcedir.tar.gz"
    training_s3.put_object(Bucket=training_bucket, Key=key, Body=sourcedir_tarball())
    return f"s3://{training_bucket}/{key}"


@pytest.fixture(scope="module")
def train_uri(training_s3, training_bucket) -> str:
    training_s3.put_object(Bucket=training_bucket, Key="api/data/train/data.csv", Body=b"1,a\n0,b\n")
    return f"s3://{training_bucket}/api/data/train"


@pytest.fixture(scope="module")
def unchecked_sm(training_server, json_client):
    """A SageMaker client without botocore's client-side parameter validation, to send what it would refuse."""
    return json_client("sagemaker", training_server.endpoint, parameter_validation=False)


@pytest.fixture(scope="module")
def output_uri(training_bucket) -> str:
    return f"s3://{training_bucket}/api/output"


def assert_echoed(sent, got, path="request"):
    """Every field that was sent comes back unchanged (the response may add members to objects)."""
    if isinstance(sent, dict):
        assert isinstance(got, dict), f"{path}: sent an object, got {got!r}"
        for key, value in sent.items():
            assert key in got, f"{path}.{key} was sent but is missing from DescribeTrainingJob"
            assert_echoed(value, got[key], f"{path}.{key}")
    elif isinstance(sent, list):
        assert isinstance(got, list) and len(got) == len(sent), f"{path}: sent {sent!r}, got {got!r}"
        for i, (a, b) in enumerate(zip(sent, got)):
            assert_echoed(a, b, f"{path}[{i}]")
    else:
        assert type(got) is type(sent) and got == sent, f"{path}: sent {sent!r}, got {got!r}"


# --------------------------------------------------------------------------------------------------------------
# Validation (runtime-semantics §4.2, checklist 18-22)
# --------------------------------------------------------------------------------------------------------------

@pytest.mark.timeout(60)
@pytest.mark.parametrize("name", ["a_b-model", "bad.name", "-leading", "trailing-", "sp ace"])
def test_invalid_name_gets_the_service_message(training_sm, source_uri, output_uri, name):
    message = validation_error(training_sm.create_training_job,
                               **job_request(name, source_uri, "artifacts.py", output_uri))
    assert message == (f"1 validation error detected: Value '{name}' at 'trainingJobName' failed to satisfy "
                       f"constraint: Member must satisfy regular expression pattern: {NAME_PATTERN}")


@pytest.mark.timeout(60)
def test_long_invalid_name_reports_both_errors(training_sm, source_uri, output_uri):
    name = "x_" + "a" * 70
    message = validation_error(training_sm.create_training_job,
                               **job_request(name, source_uri, "artifacts.py", output_uri))
    assert message == (
        f"2 validation errors detected: Value '{name}' at 'trainingJobName' failed to satisfy constraint: Member "
        f"must satisfy regular expression pattern: {NAME_PATTERN}; Value '{name}' at 'trainingJobName' failed to "
        f"satisfy constraint: Member must have length less than or equal to 63")


@pytest.mark.timeout(60)
def test_name_of_64_characters_is_rejected_for_length(training_sm, source_uri, output_uri):
    name = "a" * 64
    message = validation_error(training_sm.create_training_job,
                               **job_request(name, source_uri, "artifacts.py", output_uri))
    assert f"Value '{name}' at 'trainingJobName' failed to satisfy constraint: Member must have length less than " \
           f"or equal to 63" in message


@pytest.mark.timeout(90)
def test_name_of_63_characters_with_dashes_is_accepted_and_duplicates_are_refused(
        training_sm, source_uri, output_uri, train_uri):
    name = ("d--" + uuid.uuid4().hex + "-x" * 30)[:63]
    assert len(name) == 63
    arn = training_sm.create_training_job(**job_request(name, source_uri, "artifacts.py", output_uri,
                                                        train_uri))["TrainingJobArn"]
    assert arn == f"arn:aws:sagemaker:{REGION}:{ACCOUNT_ID}:training-job/{name.lower()}"
    expected = ("Training job names must be unique within an AWS account and region, and a training job with this "
                f"name already exists ({arn})")
    exc = expect_client_error(training_sm.create_training_job, code="ResourceInUse", status=400,
                              **job_request(name, source_uri, "artifacts.py", output_uri, train_uri))
    assert exc.response["Error"]["Message"] == expected
    desc = wait_terminal(training_sm, name)
    assert desc["TrainingJobStatus"] == "Completed", desc.get("FailureReason")
    # still refused once the job has finished: names are never reused
    exc = expect_client_error(training_sm.create_training_job, code="ResourceInUse", status=400,
                              **job_request(name, source_uri, "artifacts.py", output_uri, train_uri))
    assert exc.response["Error"]["Message"] == expected


@pytest.mark.timeout(30)
def test_unknown_job_is_a_validation_exception(training_sm):
    for call in (training_sm.describe_training_job, training_sm.stop_training_job):
        message = validation_error(call, TrainingJobName="no-such-job-" + uuid.uuid4().hex[:8])
        assert message == "Requested resource not found."


@pytest.mark.timeout(30)
def test_hyperparameter_limits(training_sm, source_uri, output_uri):
    def create(hps):
        return validation_error(training_sm.create_training_job,
                                **job_request(unique_name("hp"), source_uri, "artifacts.py", output_uri,
                                              hyperparameters=hps))

    too_many = {f"k{i}": "v" for i in range(100)}  # plus the 5 sagemaker_* keys
    assert "at 'hyperParameters' failed to satisfy constraint: Member must have length less than or equal to " \
           "100" in create(too_many)
    message = create({"k" * 257: "v"})
    assert "at 'hyperParameters' failed to satisfy constraint" in message and "256" in message
    message = create({"long": "v" * 2501})
    assert "at 'hyperParameters' failed to satisfy constraint" in message and "2500" in message


@pytest.mark.timeout(90)
def test_hyperparameters_at_the_limits_are_accepted(training_sm, source_uri, output_uri, train_uri):
    name = unique_name("hp-limits")
    hps = {f"k{i}": str(i) for i in range(93)}
    hps["k" * 256] = "x"
    hps["long_value"] = "v" * 2500
    request = job_request(name, source_uri, "artifacts.py", output_uri, train_uri, hyperparameters=hps)
    assert len(request["HyperParameters"]) == 100
    training_sm.create_training_job(**request)
    desc = wait_terminal(training_sm, name)
    assert desc["HyperParameters"] == request["HyperParameters"]
    assert desc["TrainingJobStatus"] == "Completed", desc.get("FailureReason")


@pytest.mark.timeout(30)
def test_channel_rules(unchecked_sm, source_uri, output_uri, train_uri):
    def create(channels, **extra):
        return validation_error(unchecked_sm.create_training_job,
                                **job_request(unique_name("ch"), source_uri, "artifacts.py", output_uri,
                                              InputDataConfig=channels, **extra))

    message = create([channel("bad name!", train_uri)])
    assert "Value 'bad name!' at 'inputDataConfig.1.member.channelName' failed to satisfy constraint: Member " \
           "must satisfy regular expression pattern: [A-Za-z0-9\\.\\-_]+" in message, message
    message = create([channel("ok", train_uri), channel("c" * 65, train_uri)])
    assert "at 'inputDataConfig.2.member.channelName' failed to satisfy constraint" in message, message
    message = create([channel(f"c{i}", train_uri) for i in range(21)])
    assert "at 'inputDataConfig' failed to satisfy constraint: Member must have length less than or equal to 20" \
        in message, message
    message = create([])
    assert "at 'inputDataConfig' failed to satisfy constraint: Member must have length greater than or equal to 1" \
        in message, message
    message = create([channel("train", train_uri), channel("train", train_uri)])
    assert "train" in message and "unique" in message.lower(), message


@pytest.mark.timeout(30)
def test_pipe_mode_is_rejected_with_a_clear_message(training_sm, source_uri, output_uri, train_uri):
    request = job_request(unique_name("pipe"), source_uri, "artifacts.py", output_uri,
                          InputDataConfig=[channel("train", train_uri, InputMode="Pipe")])
    message = validation_error(training_sm.create_training_job, **request)
    assert "Pipe" in message and "train" in message, message
    request = job_request(unique_name("pipe"), source_uri, "artifacts.py", output_uri, train_uri)
    request["AlgorithmSpecification"]["TrainingInputMode"] = "Pipe"
    message = validation_error(training_sm.create_training_job, **request)
    assert "Pipe" in message, message


@pytest.mark.timeout(30)
def test_max_wait_time_rules(training_sm, source_uri, output_uri):
    request = job_request(unique_name("wait"), source_uri, "artifacts.py", output_uri,
                          StoppingCondition={"MaxRuntimeInSeconds": 600, "MaxWaitTimeInSeconds": 1200})
    assert validation_error(training_sm.create_training_job, **request) == \
        "Invalid MaxWaitTimeInSeconds. It is only supported when EnableManagedSpotTraining is set to true"
    request = job_request(unique_name("wait"), source_uri, "artifacts.py", output_uri, EnableManagedSpotTraining=True,
                          StoppingCondition={"MaxRuntimeInSeconds": 600, "MaxWaitTimeInSeconds": 300})
    assert validation_error(training_sm.create_training_job, **request).startswith("Invalid MaxWaitTimeInSeconds.")
    request = job_request(unique_name("wait"), source_uri, "artifacts.py", output_uri, EnableManagedSpotTraining=True,
                          StoppingCondition={"MaxRuntimeInSeconds": 600})
    assert validation_error(training_sm.create_training_job, **request).startswith("Invalid MaxWaitTimeInSeconds.")


@pytest.mark.timeout(30)
def test_too_many_metric_definitions(training_sm, source_uri, output_uri):
    request = job_request(unique_name("metrics"), source_uri, "artifacts.py", output_uri)
    request["AlgorithmSpecification"]["MetricDefinitions"] = [{"Name": f"m{i}", "Regex": f"m{i}=(.*)"}
                                                              for i in range(41)]
    message = validation_error(training_sm.create_training_job, **request)
    assert "metricDefinitions" in message and "40" in message, message


@pytest.mark.timeout(30)
def test_unknown_image_is_rejected_naming_the_specs_searched(training_sm, source_uri, output_uri, train_uri):
    name = unique_name("img")
    request = job_request(name, source_uri, "artifacts.py", output_uri, train_uri)
    image = "123456789012.dkr.ecr.us-east-1.amazonaws.com/my-own-algorithm:1.0"
    request["AlgorithmSpecification"]["TrainingImage"] = image
    message = validation_error(training_sm.create_training_job, **request)
    assert image in message, message
    assert str(REPO_ROOT / "container-specs") in message, f"the message should name the folders searched: {message}"
    assert validation_error(training_sm.describe_training_job, TrainingJobName=name) == \
        "Requested resource not found."


# --------------------------------------------------------------------------------------------------------------
# Describe: the request verbatim, the defaults, the status path, artifacts and logs
# --------------------------------------------------------------------------------------------------------------

ODD_HYPERPARAMETERS = {
    "quotes": "\"double\" and 'single'",
    "json_like": "{\"a\": [1, 2.50, true], \"b\": null}",
    "unicode": "naïve café – 日本語 😀",
    "escapes": "tab\there \\n not a newline \\ back",
    "newline": "line1\nline2",
    "separator": "sep\u2028arator",
    "empty": "",
    "spaces": "  padded  ",
    "number_text": "1.50",
    "exponent": "1e3",
}


@pytest.mark.timeout(90)
def test_describe_echoes_the_request_and_fills_defaults(training_sm, training_s3, training_logs, source_uri,
                                                        output_uri, train_uri, training_bucket):
    name = unique_name("verbatim")
    request = job_request(
        name, source_uri, "artifacts.py", output_uri, hyperparameters=ODD_HYPERPARAMETERS,
        InputDataConfig=[channel("train", train_uri, ContentType="text/csv", CompressionType="None",
                                 RecordWrapperType="None", InputMode="File")],
        Environment={"MY_SETTING": "x y z", "UNICODE_SETTING": "ü"},
        RetryStrategy={"MaximumRetryAttempts": 1},
        CheckpointConfig={"S3Uri": f"s3://{training_bucket}/api/checkpoints/{name}", "LocalPath": "/opt/ml/checkpoints"},
        DebugHookConfig={"S3OutputPath": output_uri, "CollectionConfigurations": []},
        ProfilerConfig={"S3OutputPath": output_uri, "DisableProfiler": False},
        TensorBoardOutputConfig={"S3OutputPath": f"s3://{training_bucket}/api/tb", "LocalPath": "/opt/ml/output/tensorboard"},
        EnableNetworkIsolation=False,
        EnableInterContainerTrafficEncryption=False,
        Tags=[{"Key": "team", "Value": "ml"}],
    )
    request["AlgorithmSpecification"].update({
        "MetricDefinitions": [{"Name": "never", "Regex": "never=(\\d+)"}],
        "EnableSageMakerMetricsTimeSeries": True,
    })
    request["ResourceConfig"]["KeepAlivePeriodInSeconds"] = 0
    training_sm.create_training_job(**request)

    first = training_sm.describe_training_job(TrainingJobName=name)  # right after Create (v3 does this)
    assert first["TrainingJobStatus"] in ("InProgress", "Completed")
    desc = wait_terminal(training_sm, name)
    assert desc["TrainingJobStatus"] == "Completed", desc.get("FailureReason")

    sent = {k: v for k, v in request.items() if k != "Tags"}
    assert_echoed(sent, desc)
    assert desc["HyperParameters"] == request["HyperParameters"], "HyperParameters must come back exactly as sent"
    assert desc["OutputDataConfig"]["KmsKeyId"] == ""
    assert desc["OutputDataConfig"]["CompressionType"] == "GZIP"
    assert desc["TrainingJobArn"] == f"arn:aws:sagemaker:{REGION}:{ACCOUNT_ID}:training-job/{name}"
    assert "FailureReason" not in desc
    model_uri = f"{output_uri}/{name}/output/model.tar.gz"
    assert desc["ModelArtifacts"]["S3ModelArtifacts"] == model_uri

    # The script saw the same hyperparameters in /opt/ml/input/config/hyperparameters.json.
    messages = log_messages(training_logs, name)
    echoed = [m for m in messages if m.startswith("HYPERPARAMETERS_JSON ")]
    assert echoed, f"the script's output is not in the job's log stream: {messages[-20:]}"
    assert json.loads(echoed[0][len("HYPERPARAMETERS_JSON "):]) == request["HyperParameters"]

    # /opt/ml/model packed at the archive root; /opt/ml/output/data into output.tar.gz
    members = tar_members(s3_get(training_s3, model_uri))
    assert {n.removeprefix("./") for n in members} == {"a.txt", "sub/b.bin"}, sorted(members)
    assert not any(n.startswith("/") or ".." in n.split("/") for n in members)
    assert members.get("a.txt", members.get("./a.txt")) == b"model a\n"
    assert members.get("sub/b.bin", members.get("./sub/b.bin")) == bytes(range(256))
    output = tar_members(s3_get(training_s3, f"{output_uri}/{name}/output/output.tar.gz"))
    assert {n.removeprefix("./") for n in output} == {"result.txt"}, sorted(output)

    tags = training_sm.list_tags(ResourceArn=desc["TrainingJobArn"])["Tags"]
    assert tags == [{"Key": "team", "Value": "ml"}]


@pytest.mark.timeout(90)
def test_status_path_and_times(training_sm, source_uri, output_uri, train_uri):
    name = unique_name("path")
    training_sm.create_training_job(**job_request(name, source_uri, "artifacts.py", output_uri, train_uri,
                                                  hyperparameters={"sleep": "2"}))
    seen: list[dict] = []
    desc = wait_terminal(training_sm, name, poll=0.1, seen=seen)
    assert desc["TrainingJobStatus"] == "Completed", desc.get("FailureReason")
    assert desc["SecondaryStatus"] == "Completed"
    path = ["Starting", "Downloading", "Training", "Uploading", "Completed"]
    transitions = desc["SecondaryStatusTransitions"]
    assert [t["Status"] for t in transitions] == path
    for before, after in zip(transitions, transitions[1:]):
        assert "EndTime" in before, f"{before['Status']} was not closed: {transitions}"
        assert before["StartTime"] <= before["EndTime"] <= after["StartTime"]
        assert abs((before["EndTime"] - after["StartTime"]).total_seconds()) < 0.01
    assert transitions[-1].get("EndTime") is not None, "the terminal transition has an EndTime"
    messages = {t["Status"]: t["StatusMessage"] for t in transitions}
    assert messages["Downloading"] == "Downloading input data"
    assert messages["Training"] == "Training image download completed. Training in progress."
    assert messages["Uploading"] == "Uploading generated training model"
    assert messages["Completed"] == "Training job completed"
    assert messages["Starting"]

    # while it ran: InProgress with Training, and only statuses along the path, in order
    observed = [(d["TrainingJobStatus"], d["SecondaryStatus"]) for d in seen]
    assert ("InProgress", "Training") in observed, observed
    order = [path.index(s) for _, s in observed]
    assert order == sorted(order), observed
    assert all(status == "InProgress" for status, s in observed if s != "Completed"), observed
    modified = [d["LastModifiedTime"] for d in seen]
    assert modified == sorted(modified) and len(set(modified)) >= 2, "LastModifiedTime changes with the status"
    assert desc["LastModifiedTime"] >= transitions[-1]["StartTime"]

    assert desc["CreationTime"] <= desc["TrainingStartTime"] <= desc["TrainingEndTime"] <= desc["LastModifiedTime"]
    assert desc["TrainingTimeInSeconds"] >= 2
    assert desc["BillableTimeInSeconds"] >= 1
    assert desc["TrainingTimeInSeconds"] <= (desc["TrainingEndTime"] - desc["CreationTime"]).total_seconds() + 1


@pytest.mark.timeout(90)
def test_log_stream_is_named_per_host_and_complete_before_the_terminal_status(training_sm, training_logs, source_uri,
                                                                              output_uri, train_uri):
    name = unique_name("logs")
    before = time.time()
    training_sm.create_training_job(**job_request(name, source_uri, "artifacts.py", output_uri, train_uri))
    desc = wait_terminal(training_sm, name, poll=0.1)
    # read at once: SDK v3 reads the logs one last time when it sees the terminal status, with no drain pass
    messages = log_messages(training_logs, name)
    assert desc["TrainingJobStatus"] == "Completed", desc.get("FailureReason")
    assert "LAST LINE" in messages, f"the script's last line was not in the log when the job was Completed: {messages[-10:]}"
    assert messages.index("line one") < messages.index("line two") < messages.index("LAST LINE")

    streams = training_logs.describe_log_streams(logGroupName=LOG_GROUP, logStreamNamePrefix=name + "/",
                                                 orderBy="LogStreamName")
    assert "nextToken" not in streams
    [stream] = streams["logStreams"]
    match = re.fullmatch(re.escape(name) + r"/algo-1-(\d{10})", stream["logStreamName"])
    assert match, stream["logStreamName"]
    assert before - 5 <= int(match.group(1)) <= time.time() + 1


@pytest.mark.timeout(90)
def test_failed_script_reports_algorithm_error(training_sm, source_uri, output_uri, train_uri):
    jobs = {mode: unique_name("fail") for mode in ("raise", "failure_file", "long_failure")}
    for mode, name in jobs.items():
        training_sm.create_training_job(**job_request(name, source_uri, "fail.py", output_uri, train_uri,
                                                      hyperparameters={"mode": mode}))
    for mode, name in jobs.items():
        desc = wait_terminal(training_sm, name)
        assert desc["TrainingJobStatus"] == "Failed" and desc["SecondaryStatus"] == "Failed", (mode, desc)
        reason = desc["FailureReason"]
        assert reason.startswith("AlgorithmError: "), reason
        assert len(reason) <= 1024, len(reason)
        assert desc["SecondaryStatusTransitions"][-1]["Status"] == "Failed"
        assert desc["SecondaryStatusTransitions"][-1].get("EndTime") is not None
        if mode == "raise":
            assert "ValueError: bad value" in reason, reason
            assert "ExecuteUserScriptError" in reason, reason
        elif mode == "failure_file":
            assert reason == "AlgorithmError: custom failure: the data was wrong", "a user-written failure file wins"
        else:
            assert reason.startswith("AlgorithmError: LLLL"), reason[:40]


@pytest.mark.timeout(90)
def test_compression_none_uploads_the_model_files(training_sm, training_s3, training_bucket, source_uri, output_uri,
                                                  train_uri):
    name = unique_name("nocompress")
    training_sm.create_training_job(**job_request(
        name, source_uri, "artifacts.py", output_uri, train_uri,
        OutputDataConfig={"S3OutputPath": output_uri, "CompressionType": "NONE"}))
    desc = wait_terminal(training_sm, name)
    assert desc["TrainingJobStatus"] == "Completed", desc.get("FailureReason")
    assert desc["OutputDataConfig"]["CompressionType"] == "NONE"
    prefix = f"{output_uri}/{name}/output/model"
    assert desc["ModelArtifacts"]["S3ModelArtifacts"] == prefix + "/"
    key_prefix = prefix[len(f"s3://{training_bucket}/"):]
    keys = {o["Key"] for o in training_s3.list_objects_v2(Bucket=training_bucket, Prefix=f"api/output/{name}/")
            .get("Contents", [])}
    assert {f"{key_prefix}/a.txt", f"{key_prefix}/sub/b.bin"} <= keys, sorted(keys)
    assert f"api/output/{name}/output/model.tar.gz" not in keys
    assert s3_get(training_s3, f"{prefix}/sub/b.bin") == bytes(range(256))


# --------------------------------------------------------------------------------------------------------------
# ListTrainingJobs
# --------------------------------------------------------------------------------------------------------------

@pytest.mark.timeout(120)
def test_list_training_jobs_filters_sorting_and_pages(training_sm, source_uri, output_uri, train_uri):
    fragment = "lst" + uuid.uuid4().hex[:8]
    # created in the order c (completes), a (fails), b (completes): name order differs from creation order
    plan = [(f"{fragment}-c", "artifacts.py", {}), (f"{fragment}-a", "fail.py", {"mode": "raise"}),
            (f"{fragment}-b", "artifacts.py", {})]
    created = {}
    for name, program, hps in plan:
        training_sm.create_training_job(**job_request(name, source_uri, program, output_uri, train_uri,
                                                      hyperparameters=hps))
        created[name] = training_sm.describe_training_job(TrainingJobName=name)["CreationTime"]
        time.sleep(0.05)
    for name, _, _ in plan:
        wait_terminal(training_sm, name)
    c, a, b = (name for name, _, _ in plan)

    def names(**kwargs):
        resp = training_sm.list_training_jobs(NameContains=fragment, **kwargs)
        return [s["TrainingJobName"] for s in resp["TrainingJobSummaries"]], resp.get("NextToken")

    assert names() == ([b, a, c], None), "default: CreationTime, Descending"
    assert names(SortOrder="Ascending") == ([c, a, b], None)
    assert names(SortBy="Name", SortOrder="Ascending") == ([a, b, c], None)
    assert names(SortBy="Name", SortOrder="Descending") == ([c, b, a], None)
    assert names(StatusEquals="Failed") == ([a], None)
    assert names(StatusEquals="Completed", SortOrder="Ascending") == ([c, b], None)
    middle = created[c] + (created[a] - created[c]) / 2
    assert names(CreationTimeAfter=middle, SortOrder="Ascending")[0] == [a, b]
    assert names(CreationTimeBefore=middle)[0] == [c]

    # pages of one, the last without NextToken
    pages, token = [], None
    for _ in range(5):
        kwargs = {"NextToken": token} if token else {}
        got, token = names(MaxResults=1, SortOrder="Ascending", **kwargs)
        pages.append(got)
        if token is None:
            break
    assert pages == [[c], [a], [b]]
    paginated = [s["TrainingJobName"] for page in training_sm.get_paginator("list_training_jobs").paginate(
        NameContains=fragment, SortOrder="Ascending", PaginationConfig={"PageSize": 2})
        for s in page["TrainingJobSummaries"]]
    assert paginated == [c, a, b]

    # MaxResults is applied before StatusEquals: the first page of two holds c and a, and only c is Completed
    got, token = names(MaxResults=2, SortOrder="Ascending", StatusEquals="Completed")
    assert got == [c] and token is not None
    got, token = names(MaxResults=2, SortOrder="Ascending", StatusEquals="Completed", NextToken=token)
    assert got == [b] and token is None

    summaries = training_sm.list_training_jobs(NameContains=fragment)["TrainingJobSummaries"]
    for summary in summaries:
        assert summary["TrainingJobArn"].endswith("/" + summary["TrainingJobName"])
        assert summary["TrainingJobStatus"] in ("Completed", "Failed")
        assert summary["SecondaryStatus"] == summary["TrainingJobStatus"]
        assert summary["CreationTime"] <= summary["LastModifiedTime"]
        assert "TrainingEndTime" in summary


# --------------------------------------------------------------------------------------------------------------
# Stop and MaxRuntimeInSeconds
# --------------------------------------------------------------------------------------------------------------

def start_sleeper(sm, source, output, train, on_sigterm: str, **overrides) -> tuple[str, str]:
    """A toolkit-launched sleeper.py (60 s, with a child process); both processes carry the returned marker."""
    name = unique_name("sleep")
    marker = "sagebox-e2e-marker-" + uuid.uuid4().hex
    sm.create_training_job(**job_request(name, source, "sleeper.py", output, train, hyperparameters={
        "seconds": "60", "marker": marker, "on_sigterm": on_sigterm, "child": "yes"}, **overrides))
    return name, marker


def wait_running(sm, logs, name: str, marker: str) -> None:
    """Until the sleeper has installed its SIGTERM handler and started its child (it logs `sleeping` then)."""
    wait_secondary(sm, name, "Training")
    assert wait_until(lambda: any(m.startswith("sleeping ") for m in log_messages(logs, name)), 20, interval=0.2), \
        f"the sleeper never said it was sleeping: {log_messages(logs, name)}"
    assert len(processes_with(marker)) >= 2, \
        f"the job's script and its child are not in /proc: {processes_with(marker)}"


def stop_and_wait(sm, name: str, timeout: float) -> tuple[dict, float]:
    """StopTrainingJob: Stopping at once, then Stopped. Returns the final description and the seconds it took."""
    stopped_at = time.monotonic()
    sm.stop_training_job(TrainingJobName=name)
    now = sm.describe_training_job(TrainingJobName=name)
    assert (now["TrainingJobStatus"], now["SecondaryStatus"]) in {("Stopping", "Stopping"), ("Stopped", "Stopped")}, \
        (now["TrainingJobStatus"], now["SecondaryStatus"])
    desc = wait_terminal(sm, name, timeout=timeout)
    took = time.monotonic() - stopped_at
    assert (desc["TrainingJobStatus"], desc["SecondaryStatus"]) == ("Stopped", "Stopped"), \
        (desc["TrainingJobStatus"], desc["SecondaryStatus"], desc.get("FailureReason"))
    statuses = [t["Status"] for t in desc["SecondaryStatusTransitions"]]
    assert statuses[:3] == ["Starting", "Downloading", "Training"] and statuses[-1] == "Stopped", statuses
    assert "Stopping" in statuses, statuses
    assert all("EndTime" in t for t in desc["SecondaryStatusTransitions"]), desc["SecondaryStatusTransitions"]
    assert "FailureReason" not in desc
    assert "TrainingEndTime" in desc
    return desc, took


def model_files(s3, desc) -> set[str]:
    return {n.removeprefix("./") for n in tar_members(s3_get(s3, desc["ModelArtifacts"]["S3ModelArtifacts"]))}


@pytest.mark.timeout(120)
def test_stop_a_running_toolkit_job(training_sm, training_s3, training_logs, source_uri, output_uri, train_uri):
    """Toolkit launch, as on SageMaker: the toolkit does not forward SIGTERM, so the script runs on until SIGKILL at
    the end of the grace period; the model written so far is uploaded and no process of the job is left."""
    name, marker = start_sleeper(training_sm, source_uri, output_uri, train_uri, on_sigterm="exit")
    try:
        wait_running(training_sm, training_logs, name, marker)
        desc, took = stop_and_wait(training_sm, name, timeout=TRAINING_STOP_GRACE_SECONDS + 30)
        assert took >= TRAINING_STOP_GRACE_SECONDS - 0.5, f"the job was killed {took:.1f}s after the stop"
        assert wait_until(lambda: not processes_with(marker), 3), \
            f"processes of the stopped job are still running: {processes_with(marker)}"
        assert model_files(training_s3, desc) == {"before.txt"}, "the model written before the stop is uploaded"
        message = validation_error(training_sm.stop_training_job, TrainingJobName=name)
        assert message == "The request was rejected because the training job is in status Stopped."
    finally:
        kill_marked(marker)


@pytest.mark.timeout(120)
def test_stop_sends_sigterm_to_a_container_entrypoint(training_sm, training_s3, training_logs, training_bucket,
                                                      output_uri):
    """A job run by ContainerEntrypoint (like an exec-form ENTRYPOINT, and like SDK v3) gets SIGTERM: its handler
    writes into the model dir, and that file is in the uploaded model."""
    training_s3.put_object(Bucket=training_bucket, Key="api/entry-code/sleeper.py",
                           Body=(FIXTURES / "sleeper.py").read_bytes())
    name, marker = unique_name("entry-stop"), "sagebox-e2e-marker-" + uuid.uuid4().hex
    request = job_request(name, "unused", "unused", output_uri, HyperParameters={},
                          InputDataConfig=[channel("code", f"s3://{training_bucket}/api/entry-code")])
    request["AlgorithmSpecification"].update({
        "ContainerEntrypoint": ["python3", "/opt/ml/input/data/code/sleeper.py"],
        "ContainerArguments": ["--seconds", "60", "--marker", marker, "--on_sigterm", "exit", "--child", "yes"]})
    training_sm.create_training_job(**request)
    try:
        wait_running(training_sm, training_logs, name, marker)
        desc, _ = stop_and_wait(training_sm, name, timeout=TRAINING_STOP_GRACE_SECONDS + 30)
        assert "got SIGTERM" in log_messages(training_logs, name)
        assert model_files(training_s3, desc) == {"before.txt", "sigterm.txt"}
        assert wait_until(lambda: not processes_with(marker), 3), \
            f"processes of the stopped job are still running: {processes_with(marker)}"
    finally:
        kill_marked(marker)


@pytest.mark.timeout(120)
def test_sigterm_to_script_flag_delivers_sigterm_to_toolkit_scripts(sagebox_factory, json_client, tmp_path):
    server = sagebox_factory(extra_args=("--container-specs", str(REPO_ROOT / "container-specs"),
                                         "--stop-grace-seconds", "20", "--sigterm-to-script"))
    sm, logs, s3 = json_client("sagemaker", server.endpoint), json_client("logs", server.endpoint), server.s3()
    s3.create_bucket(Bucket="sigterm")
    s3.put_object(Bucket="sigterm", Key="src/sourcedir.tar.gz", Body=sourcedir_tarball())
    s3.put_object(Bucket="sigterm", Key="data/train/x.csv", Body=b"1\n")
    name, marker = start_sleeper(sm, "s3://sigterm/src/sourcedir.tar.gz", "s3://sigterm/out",
                                 "s3://sigterm/data/train", on_sigterm="exit")
    try:
        wait_running(sm, logs, name, marker)
        desc, took = stop_and_wait(sm, name, timeout=40)
        assert took < 15, f"the script exits on SIGTERM, yet the job took {took:.1f}s to stop (SIGKILL at 20 s?)"
        assert "got SIGTERM" in log_messages(logs, name)
        assert model_files(s3, desc) == {"before.txt", "sigterm.txt"}
        assert wait_until(lambda: not processes_with(marker), 3), processes_with(marker)
    finally:
        kill_marked(marker)


@pytest.mark.timeout(90)
def test_stopping_a_finished_job_is_rejected(training_sm, source_uri, output_uri, train_uri):
    done, failed = unique_name("done"), unique_name("failed")
    training_sm.create_training_job(**job_request(done, source_uri, "artifacts.py", output_uri, train_uri))
    training_sm.create_training_job(**job_request(failed, source_uri, "fail.py", output_uri, train_uri))
    for name, status in ((done, "Completed"), (failed, "Failed")):
        desc = wait_terminal(training_sm, name)
        assert desc["TrainingJobStatus"] == status
        assert validation_error(training_sm.stop_training_job, TrainingJobName=name) == \
            f"The request was rejected because the training job is in status {status}."
        assert training_sm.describe_training_job(TrainingJobName=name)["TrainingJobStatus"] == status


@pytest.mark.timeout(120)
def test_max_runtime_stops_the_job_as_max_runtime_exceeded(training_sm, training_s3, source_uri, output_uri,
                                                           train_uri):
    name, marker = start_sleeper(training_sm, source_uri, output_uri, train_uri, on_sigterm="exit",
                                 StoppingCondition={"MaxRuntimeInSeconds": 2})
    try:
        started = time.monotonic()
        desc = wait_terminal(training_sm, name, timeout=40)
        assert (desc["TrainingJobStatus"], desc["SecondaryStatus"]) == ("Stopped", "MaxRuntimeExceeded"), \
            (desc["TrainingJobStatus"], desc["SecondaryStatus"], desc.get("FailureReason"))
        assert time.monotonic() - started < 30
        assert desc["SecondaryStatusTransitions"][-1]["Status"] == "MaxRuntimeExceeded"
        assert "FailureReason" not in desc
        members = tar_members(s3_get(training_s3, desc["ModelArtifacts"]["S3ModelArtifacts"]))
        assert "before.txt" in {n.removeprefix("./") for n in members}
        assert wait_until(lambda: not processes_with(marker), 5), processes_with(marker)
    finally:
        kill_marked(marker)


# --------------------------------------------------------------------------------------------------------------
# A server restart
# --------------------------------------------------------------------------------------------------------------

@pytest.fixture
def restartable(sagebox_factory, tmp_path):
    """A server of the test's own (it gets killed), and the sourcedir, output and train URIs of a bucket on it."""
    server = sagebox_factory(extra_args=("--container-specs", str(REPO_ROOT / "container-specs"),
                                         "--stop-grace-seconds", "2"), data_dir=tmp_path / "restart-data")
    s3 = make_client("s3", server.endpoint)
    s3.create_bucket(Bucket="restart")
    s3.put_object(Bucket="restart", Key="src/sourcedir.tar.gz", Body=sourcedir_tarball())
    s3.put_object(Bucket="restart", Key="data/train/x.csv", Body=b"1\n")
    return server, "s3://restart/src/sourcedir.tar.gz", "s3://restart/out", "s3://restart/data/train"


@pytest.mark.timeout(150)
def test_restart_fails_the_running_job_and_keeps_finished_ones(restartable, json_client):
    server, source, output, train = restartable
    sm = json_client("sagemaker", server.endpoint)

    finished = unique_name("before-restart")
    sm.create_training_job(**job_request(finished, source, "artifacts.py", output, train))
    finished_desc = wait_terminal(sm, finished)
    assert finished_desc["TrainingJobStatus"] == "Completed", finished_desc.get("FailureReason")

    name, marker = start_sleeper(sm, source, output, train, on_sigterm="ignore")
    try:
        wait_running(sm, json_client("logs", server.endpoint), name, marker)
        server.kill()
        server.start()
        sm = json_client("sagemaker", server.endpoint)
        desc = sm.describe_training_job(TrainingJobName=name)
        assert (desc["TrainingJobStatus"], desc["SecondaryStatus"]) == ("Failed", "Failed")
        reason = desc.get("FailureReason", "")
        assert re.search(r"restart|server", reason, re.I), f"FailureReason should say the server went away: {reason!r}"
        assert desc["SecondaryStatusTransitions"][-1]["Status"] == "Failed"
        assert all("EndTime" in t for t in desc["SecondaryStatusTransitions"])

        again = sm.describe_training_job(TrainingJobName=finished)
        for key in ("TrainingJobStatus", "SecondaryStatus", "SecondaryStatusTransitions", "ModelArtifacts",
                    "HyperParameters", "CreationTime", "TrainingEndTime"):
            assert again[key] == finished_desc[key], key

        # the restarted server runs new jobs
        after = unique_name("after-restart")
        sm.create_training_job(**job_request(after, source, "artifacts.py", output, train))
        desc = wait_terminal(sm, after)
        assert desc["TrainingJobStatus"] == "Completed", desc.get("FailureReason")
        names = [s["TrainingJobName"] for s in sm.list_training_jobs(SortOrder="Ascending")["TrainingJobSummaries"]]
        assert names == [finished, name, after]
    finally:
        kill_marked(marker)


@pytest.mark.timeout(120)
def test_a_killed_server_leaves_no_process_of_its_jobs(restartable, json_client):
    server, source, output, train = restartable
    sm = json_client("sagemaker", server.endpoint)
    name, marker = start_sleeper(sm, source, output, train, on_sigterm="ignore")
    try:
        wait_running(sm, json_client("logs", server.endpoint), name, marker)
        server.kill()
        server.start()
        assert json_client("sagemaker", server.endpoint).describe_training_job(
            TrainingJobName=name)["TrainingJobStatus"] == "Failed"
        assert wait_until(lambda: not processes_with(marker), 10), \
            f"the job is Failed but its processes still run: {processes_with(marker)}"
    finally:
        kill_marked(marker)


# --------------------------------------------------------------------------------------------------------------
# Tags, and the AWS CLI
# --------------------------------------------------------------------------------------------------------------

@pytest.mark.timeout(60)
def test_add_list_delete_tags(training_sm, source_uri, output_uri, train_uri):
    name = unique_name("tags")
    arn = training_sm.create_training_job(**job_request(
        name, source_uri, "artifacts.py", output_uri, train_uri,
        Tags=[{"Key": "team", "Value": "ml"}, {"Key": "env", "Value": "dev"}]))["TrainingJobArn"]

    def tags():
        return {t["Key"]: t["Value"] for t in training_sm.list_tags(ResourceArn=arn)["Tags"]}

    assert tags() == {"team": "ml", "env": "dev"}
    training_sm.add_tags(ResourceArn=arn, Tags=[{"Key": "team", "Value": "research"}, {"Key": "owner", "Value": "me"}])
    assert tags() == {"team": "research", "env": "dev", "owner": "me"}
    training_sm.delete_tags(ResourceArn=arn, TagKeys=["env", "not-there"])
    assert tags() == {"team": "research", "owner": "me"}
    wait_terminal(training_sm, name)
    assert tags() == {"team": "research", "owner": "me"}, "tags survive the job's end"


@pytest.mark.timeout(120)
def test_aws_cli_create_training_job_from_cli_input_json(aws, training_server, training_sm, source_uri, output_uri,
                                                         train_uri, tmp_path):
    name = unique_name("cli")
    request = job_request(name, source_uri, "artifacts.py", output_uri, train_uri,
                          hyperparameters={"note": "from the \"CLI\" ✓"})
    path = tmp_path / "request.json"
    path.write_text(json.dumps(request, ensure_ascii=False), encoding="utf-8")
    env = {"AWS_ENDPOINT_URL": training_server.endpoint}
    created = aws.json("sagemaker", "create-training-job", "--cli-input-json", f"file://{path}", env=env)
    assert created == {"TrainingJobArn": f"arn:aws:sagemaker:{REGION}:{ACCOUNT_ID}:training-job/{name}"}
    wait_terminal(training_sm, name)
    desc = aws.json("sagemaker", "describe-training-job", "--training-job-name", name, env=env)
    assert desc["TrainingJobStatus"] == "Completed", desc.get("FailureReason")
    assert desc["HyperParameters"] == request["HyperParameters"]
    listed = aws.json("sagemaker", "list-training-jobs", "--name-contains", name, env=env)
    assert [s["TrainingJobName"] for s in listed["TrainingJobSummaries"]] == [name]
    proc = aws("sagemaker", "describe-training-job", "--training-job-name", name + "-missing", env=env, check=False)
    assert proc.returncode != 0
    assert "ValidationException" in proc.stderr and "Requested resource not found." in proc.stderr, proc.stderr
