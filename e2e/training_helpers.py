"""Helpers shared by the training-job suites: job names, the job's processes in /proc, artifacts in S3, job logs,
SDK scripts run in a subprocess, and `TrainingEnv` (one server with its clients and a bucket of training sources)."""
from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import tarfile
import time
import uuid
from pathlib import Path

from botocore.exceptions import ClientError

from conftest import unique_bucket_name
from helpers import ACCOUNT_ID, REGION, expect_client_error

IMAGE = "763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-training:2.1.0-cpu-py310"
ROLE = f"arn:aws:iam::{ACCOUNT_ID}:role/SageMakerRole"
LOG_GROUP = "/aws/sagemaker/TrainingJobs"


def unique_name(hint: str) -> str:
    return f"{hint}-{uuid.uuid4().hex[:10]}"


def processes_with(marker: str) -> list[str]:
    """Live processes (not zombies) with an argument that contains `marker`."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as handle:
                args = handle.read().split(b"\0")
            with open(f"/proc/{entry}/stat", "rb") as handle:
                state = handle.read().rsplit(b")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        if state != b"Z" and any(marker.encode() in a for a in args):
            found.append(f"{entry}: " + " ".join(a.decode(errors="replace") for a in args))
    return found


def kill_marked(marker: str) -> None:
    for line in processes_with(marker):
        try:
            os.kill(int(line.split(":", 1)[0]), signal.SIGKILL)
        except OSError:
            pass


def tar_members(data: bytes) -> dict[str, bytes]:
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        return {m.name.removeprefix("./"): tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()}


def s3_get(s3, uri: str) -> bytes:
    bucket, key = uri[len("s3://"):].split("/", 1)
    return s3.get_object(Bucket=bucket, Key=key)["Body"].read()


def statuses(desc: dict) -> list[str]:
    return [t["Status"] for t in desc["SecondaryStatusTransitions"]]


TERMINAL = {"Completed", "Failed", "Stopped"}


def wait_terminal(sm, name: str, timeout: float = 60, poll: float = 0.1, seen: list | None = None) -> dict:
    """Poll DescribeTrainingJob until a terminal status; return the last description. Every description observed
    is appended to `seen` when one is given."""
    deadline = time.monotonic() + timeout
    while True:
        desc = sm.describe_training_job(TrainingJobName=name)
        if seen is not None:
            seen.append(desc)
        if desc["TrainingJobStatus"] in TERMINAL:
            return desc
        assert time.monotonic() < deadline, \
            f"job {name} still {desc['TrainingJobStatus']}/{desc['SecondaryStatus']} after {timeout}s: " \
            f"{statuses(desc)}"
        time.sleep(poll)


def wait_secondary(sm, name: str, status: str, timeout: float = 30) -> dict:
    """Poll DescribeTrainingJob until SecondaryStatus is `status`; fail if the job ends first."""
    deadline = time.monotonic() + timeout
    while True:
        desc = sm.describe_training_job(TrainingJobName=name)
        if desc["SecondaryStatus"] == status:
            return desc
        assert desc["TrainingJobStatus"] not in TERMINAL, \
            f"job {name} ended ({desc['TrainingJobStatus']}: {desc.get('FailureReason')}) before {status}"
        assert time.monotonic() < deadline, f"job {name} never reached {status} (now {desc['SecondaryStatus']})"
        time.sleep(0.1)


def job_request(name: str, source: str, program: str, output: str, train: str | None = None,
                hyperparameters: dict | None = None, **overrides) -> dict:
    """A CreateTrainingJob request as the SDK v2 builds it for a framework script (JSON-encoded reserved keys)."""
    hps = {"sagemaker_program": json.dumps(program), "sagemaker_submit_directory": json.dumps(source),
           "sagemaker_container_log_level": "20", "sagemaker_job_name": json.dumps(name),
           "sagemaker_region": json.dumps(REGION)}
    hps.update(hyperparameters or {})
    request = {
        "TrainingJobName": name,
        "AlgorithmSpecification": {"TrainingImage": IMAGE, "TrainingInputMode": "File"},
        "RoleArn": ROLE,
        "OutputDataConfig": {"S3OutputPath": output},
        "ResourceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 30},
        "StoppingCondition": {"MaxRuntimeInSeconds": 600},
        "HyperParameters": hps,
    }
    if train is not None:
        request["InputDataConfig"] = [channel("train", train)]
    request.update(overrides)
    return request


def channel(name: str, uri: str, **extra) -> dict:
    entry = {"ChannelName": name, "DataSource": {"S3DataSource": {
        "S3DataType": "S3Prefix", "S3Uri": uri, "S3DataDistributionType": "FullyReplicated"}}}
    entry.update(extra)
    return entry


class JobWaiter:
    """Creating, describing and waiting on jobs through `self.sm`, for the suites' per-server helpers."""

    sm = None

    def create(self, request: dict) -> str:
        self.sm.create_training_job(**request)
        return request["TrainingJobName"]

    def describe(self, name: str) -> dict:
        return self.sm.describe_training_job(TrainingJobName=name)

    def wait_terminal(self, name: str, timeout: float = 60) -> dict:
        return wait_terminal(self.sm, name, timeout=timeout)

    def wait_secondary(self, name: str, status: str, timeout: float = 30) -> dict:
        return wait_secondary(self.sm, name, status, timeout=timeout)


def validation_error(fn, **kwargs) -> str:
    """Call fn, assert it fails with ValidationException (HTTP 400); return the error message."""
    exc = expect_client_error(fn, code="ValidationException", status=400, **kwargs)
    return exc.response["Error"]["Message"]


# --------------------------------------------------------------------------------------------------------------
# Job logs in CloudWatch Logs
# --------------------------------------------------------------------------------------------------------------

def log_streams(logs, job: str) -> list[str]:
    """The names of the job's log streams (`<job>/algo-1-<epoch>`, one per attempt)."""
    found = logs.describe_log_streams(logGroupName=LOG_GROUP, logStreamNamePrefix=job + "/")
    return [s["logStreamName"] for s in found["logStreams"]]


def stream_events(logs, stream: str) -> list[dict]:
    """Every event of one stream: GetLogEvents from the head, following nextForwardToken to the first empty page."""
    events, token = [], None
    while True:
        kwargs = {"nextToken": token} if token else {}
        page = logs.get_log_events(logGroupName=LOG_GROUP, logStreamName=stream, startFromHead=True, **kwargs)
        events += page["events"]
        if not page["events"]:
            return events
        token = page["nextForwardToken"]


def log_messages(logs, job: str) -> list[str]:
    """Every message the job logged, stream after stream."""
    return [e["message"] for stream in log_streams(logs, job) for e in stream_events(logs, stream)]


# --------------------------------------------------------------------------------------------------------------
# SDK scripts in a subprocess
# --------------------------------------------------------------------------------------------------------------

def run_script(tmp_path: Path, env: dict, code: str, params: dict, *, python: str | Path = sys.executable,
               timeout: float = 150) -> tuple[int, str, dict]:
    """Write `code` to a file in tmp_path and run it there with `python` and `env`, the params as JSON in argv[1].
    Return (exit code, stdout + stderr, the JSON of its last `RESULT <json>` line or {})."""
    script = tmp_path / f"sdk_{uuid.uuid4().hex[:6]}.py"
    script.write_text(code, encoding="utf-8")
    proc = subprocess.run([str(python), str(script), json.dumps(params)], env=env, cwd=str(tmp_path),
                          capture_output=True, text=True, timeout=timeout)
    result = {}
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            result = json.loads(line[len("RESULT "):])
    return proc.returncode, proc.stdout + proc.stderr, result


def probe_of(output: str) -> dict:
    """What fixtures/training/probe_entry.py saw: the JSON of its first `SAGEBOX_PROBE ` line in the printed log."""
    lines = [line for line in output.splitlines() if "SAGEBOX_PROBE " in line]
    assert lines, f"the probe's line is not in the SDK's printed log:\n{output[-3000:]}"
    return json.loads(lines[0].split("SAGEBOX_PROBE ", 1)[1])


# --------------------------------------------------------------------------------------------------------------
# One server for boto3-driven jobs
# --------------------------------------------------------------------------------------------------------------

def sourcedir_tarball(*paths: Path) -> bytes:
    """A sourcedir.tar.gz with each file at the archive root."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for path in paths:
            tar.add(path, arcname=path.name)
    return buf.getvalue()


class TrainingEnv(JobWaiter):
    """One server and what the tests need on it: SageMaker and Logs clients that check every response against
    botocore's model (`json_client`), an S3 client, and a new bucket with the class's `sources` as
    src/sourcedir.tar.gz and its `code` files under code/ (a `code` channel for ContainerEntrypoint jobs).
    A suite subclasses it with its files and the defaults of its `request`."""

    bucket_hint = "training"
    sources: tuple[Path, ...] = ()
    code: tuple[Path, ...] = ()

    def __init__(self, server, json_client):
        self.server = server
        self.endpoint = server.endpoint
        self.sm = json_client("sagemaker", server.endpoint)
        self.logs = json_client("logs", server.endpoint)
        self.s3 = server.s3()
        self.bucket = unique_bucket_name(self.bucket_hint)
        self.s3.create_bucket(Bucket=self.bucket)
        self.s3.put_object(Bucket=self.bucket, Key="src/sourcedir.tar.gz", Body=sourcedir_tarball(*self.sources))
        for path in self.code:
            self.s3.put_object(Bucket=self.bucket, Key=f"code/{path.name}", Body=path.read_bytes())
        self.source_uri = f"s3://{self.bucket}/src/sourcedir.tar.gz"

    def request(self, name: str, program: str, hyperparameters: dict | None = None, *, spot: bool = False,
                max_runtime: int = 600, max_wait: int | None = None, checkpoint: bool = False,
                tags: dict | None = None, entrypoint: list | None = None, arguments: list | None = None) -> dict:
        """A CreateTrainingJob request as SDK v2 builds it for a framework script (`program` in the sourcedir), or,
        with `entrypoint`, a ContainerEntrypoint job (plus `arguments`) that reads the `code` channel.
        `spot`: EnableManagedSpotTraining, with MaxWaitTimeInSeconds `max_wait` unless it is None. `checkpoint`: a
        CheckpointConfig at `checkpoint_uri(name)`. `tags`: a dict of tag keys and values."""
        request = job_request(name, self.source_uri, program, f"s3://{self.bucket}/output", hyperparameters=hyperparameters,
                              StoppingCondition={"MaxRuntimeInSeconds": max_runtime})
        if spot:
            request["EnableManagedSpotTraining"] = True
            if max_wait is not None:
                request["StoppingCondition"]["MaxWaitTimeInSeconds"] = max_wait
        if checkpoint:
            request["CheckpointConfig"] = {"S3Uri": self.checkpoint_uri(name)}
        if tags:
            request["Tags"] = [{"Key": k, "Value": v} for k, v in tags.items()]
        if entrypoint:
            request["HyperParameters"] = {}
            request["AlgorithmSpecification"]["ContainerEntrypoint"] = entrypoint
            if arguments:
                request["AlgorithmSpecification"]["ContainerArguments"] = arguments
            request["InputDataConfig"] = [channel("code", f"s3://{self.bucket}/code")]
        return request

    def checkpoint_uri(self, name: str) -> str:
        return f"s3://{self.bucket}/checkpoints/{name}"

    def model_files(self, desc: dict) -> dict[str, bytes]:
        """The files in the job's model.tar.gz, by name."""
        return tar_members(s3_get(self.s3, desc["ModelArtifacts"]["S3ModelArtifacts"]))

    def streams(self, name: str) -> list[str]:
        """The job's log streams; none before the job has logged anything (no log group yet)."""
        try:
            return log_streams(self.logs, name)
        except ClientError:
            return []

    def stream_messages(self, stream: str) -> list[str]:
        return [e["message"] for e in stream_events(self.logs, stream)]

    def events(self, name: str) -> list[dict]:
        return [e for stream in self.streams(name) for e in stream_events(self.logs, stream)]

    def messages(self, name: str) -> list[str]:
        return [m for stream in self.streams(name) for m in self.stream_messages(stream)]
