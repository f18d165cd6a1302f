"""Small training jobs for the CLI, install and dashboard suites: a script text becomes a one-file sourcedir and a
CreateTrainingJob request for the bundled pytorch-training spec (the local python3, the toolkit's launch)."""

from __future__ import annotations

from pathlib import Path

from training_helpers import channel, job_request, sourcedir_tarball, unique_name

TICKS = """import time
for i in range({count}):
    print("tick", i, flush=True)
    time.sleep({pause})
"""

SLEEPER = """import time
print("sleeping until stopped", flush=True)
time.sleep(600)
"""


def start_job(sm, s3, bucket: str, script: str, tmp_path: Path, *, hint: str = "quick",
              metric_definitions: list | None = None, hyperparameters: dict | None = None,
              train_data: bytes | None = None) -> str:
    """Uploads `script` as entry.py and creates the job; returns its name."""
    name = unique_name(hint)
    entry = tmp_path / "entry.py"
    entry.write_text(script)
    s3.put_object(Bucket=bucket, Key=f"quick/{name}/sourcedir.tar.gz", Body=sourcedir_tarball(entry))
    train = None
    if train_data is not None:
        s3.put_object(Bucket=bucket, Key=f"quick/{name}/train/data.csv", Body=train_data)
        train = f"s3://{bucket}/quick/{name}/train"
    request = job_request(name, f"s3://{bucket}/quick/{name}/sourcedir.tar.gz", "entry.py", f"s3://{bucket}/quick-output",
                          train=train, hyperparameters=hyperparameters)
    if metric_definitions:
        request["AlgorithmSpecification"]["MetricDefinitions"] = metric_definitions
    sm.create_training_job(**request)
    return name


__all__ = ["TICKS", "SLEEPER", "start_job", "channel"]
