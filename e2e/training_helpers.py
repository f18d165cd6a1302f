"""Helpers shared by the training-job suites: job names, the job's processes in /proc, artifacts in S3."""
from __future__ import annotations

import io
import os
import signal
import tarfile
import time
import uuid


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
