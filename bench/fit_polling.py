"""Wall time of a suite of trivial SageMaker SDK v2 `fit()` calls against Sagebox, with and without the Python
package's fast polling (`sagebox.fast_polling`).

    SAGEBOX_BIN=.build/release/sagebox PYTHONPATH=python/src .venv/bin/python bench/fit_polling.py [--fits 20] [--job-seconds 0]

Each fit trains a script that prints one line (and sleeps `--job-seconds`) with the PyTorch estimator and
`logs="All"`, as a test suite would. Both runs use one server each, started by `sagebox.Server`. The job's own time
(DescribeTrainingJob's CreationTime to LastModifiedTime, its move to Completed) is reported beside the wall time, so
the SDK's waiting shows as the difference.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import statistics
import tempfile
import time
from pathlib import Path

import sagebox

ROLE = "arn:aws:iam::123456789012:role/SageMakerRole"


def suite(fits: int, fast: bool, source_dir: str) -> tuple[list[float], list[float]]:
    from sagemaker.pytorch import PyTorch

    walls, jobs = [], []
    with sagebox.Server(fast_polling=fast):
        for _ in range(fits):
            estimator = PyTorch(entry_point="train.py", source_dir=source_dir, role=ROLE, framework_version="2.1",
                                py_version="py310", instance_type="ml.m5.large", instance_count=1)
            started = time.monotonic()
            with contextlib.redirect_stdout(io.StringIO()):
                estimator.fit(wait=True, logs="All")
            walls.append(time.monotonic() - started)
            description = estimator.latest_training_job.describe()
            assert description["TrainingJobStatus"] == "Completed", description.get("FailureReason")
            jobs.append((description["LastModifiedTime"] - description["CreationTime"]).total_seconds())
    return walls, jobs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fits", type=int, default=20)
    parser.add_argument("--job-seconds", type=float, default=0, help="how long each job's script sleeps")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as source_dir:
        (Path(source_dir) / "train.py").write_text(f"import time\nprint('trivial job')\ntime.sleep({args.job_seconds})\n")
        rows = []
        for fast in (True, False):
            started = time.monotonic()
            walls, jobs = suite(args.fits, fast, source_dir)
            rows.append((fast, time.monotonic() - started, walls, jobs))
    print(f"| {args.fits} fit() calls of a {args.job_seconds:g} s script, SDK v2, logs=\"All\" | suite wall time | per fit (median, min–max) "
          f"| job's own time per fit (median) |")
    print("|---|---|---|---|")
    for fast, total, walls, jobs in rows:
        label = "with fast polling (0.1 s)" if fast else "without (the SDK's 5/10/30 s waits)"
        print(f"| {label} | {total:.1f} s | {statistics.median(walls):.2f} s ({min(walls):.2f}–{max(walls):.2f}) "
              f"| {statistics.median(jobs):.2f} s |")


if __name__ == "__main__":
    main()
