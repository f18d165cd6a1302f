#!/usr/bin/env python3
"""Run the real SageMaker training toolkit against a fake /opt/ml tree and print what the user process would get.

Usage: python toolkit_harness.py BASE_DIR JOB_ENV_JSON

- BASE_DIR is a fake /opt/ml: input/config/{hyperparameters,inputdataconfig,resourceconfig}.json, output/, and a
  non-empty code/ holding the entry point (so the toolkit does not try to download sagemaker_submit_directory).
- JOB_ENV_JSON is a file holding a JSON object: the variables the platform and the image give the toolkit's process
  (TRAINING_JOB_NAME, SAGEMAKER_PROGRAM, SAGEMAKER_TRAINING_MODULE, AWS_DEFAULT_REGION, ...).

The interpreter running this script must have sagemaker-training installed (see requirements.txt next to it).

It runs the toolkit's own `trainer.train()` end to end, the code path of the image's `train` command, with one
substitution: `process.check_error`, which would spawn the user command (and any `pip install` before it), only
records the command, its cwd and the process environment at that moment. Nothing else is patched, so argv, the
environment, entry-point validation and the failure file all come from the toolkit's code.

Prints one JSON object on stdout:
  python      sys.executable, i.e. the toolkit's `python` (first element of a Python entry point's argv)
  machine     num_cpus / num_gpus / num_neurons as the toolkit measured them here (neurons before the trn2 rule)
  argv        the user command, or null when training failed before it
  cwd         the user command's working directory, or null
  env         variables the toolkit added or changed in the process environment (at the user command, or at the
              end when there was none)
  unset       variables the toolkit removed (expected: none)
  installs    earlier commands (pip installs for setup.py / requirements.txt)
  exit_code   the trainer's exit status
  failure     contents of BASE_DIR/output/failure, or null
"""

import contextlib
import json
import os
import sys


def main():
    base_dir, env_file = sys.argv[1], sys.argv[2]
    with open(env_file) as f:
        job_env = json.load(f)

    # A container's PID 1 sees little more than PATH and HOME; start from that so the diff below is the toolkit's.
    kept = {k: os.environ[k] for k in ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR") if k in os.environ}
    os.environ.clear()
    os.environ.update(kept)
    os.environ.update({
        "SAGEMAKER_BASE_DIR": base_dir,
        # Skips the up-to-15-minute DNS wait for algo-N host names, which do not resolve here.
        "SM_STUDIO_LOCAL_MODE": "true",
        # The region must come from the job env only, never from a developer's ~/.aws.
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_EC2_METADATA_DISABLED": "true",
    })
    os.environ.update(job_env)
    before = dict(os.environ)

    # Imported only now: environment.py reads SAGEMAKER_BASE_DIR at import time.
    from sagemaker_training import environment, process, trainer

    calls = []

    def record(cmd, error_classes, processes_per_host, cwd=None, capture_error=True, **kwargs):
        calls.append({"argv": list(cmd), "cwd": cwd, "env": dict(os.environ)})

    process.check_error = record

    exit_code = 0
    with contextlib.redirect_stdout(sys.stderr):  # stdout carries only the JSON result
        try:
            trainer.train()
        except SystemExit as e:
            exit_code = e.code

    final_env = calls[-1]["env"] if calls else dict(os.environ)
    failure_path = os.path.join(base_dir, "output", "failure")
    failure = None
    if os.path.exists(failure_path):
        with open(failure_path) as f:
            failure = f.read()

    result = {
        "python": sys.executable,
        "machine": {
            "num_cpus": environment.num_cpus(),
            "num_gpus": environment.num_gpus(),
            "num_neurons": environment.num_neurons(""),
        },
        "argv": calls[-1]["argv"] if calls else None,
        "cwd": calls[-1]["cwd"] if calls else None,
        "env": {k: v for k, v in final_env.items() if before.get(k) != v},
        "unset": sorted(k for k in before if k not in final_env),
        "installs": [c["argv"] for c in calls[:-1]],
        "exit_code": exit_code,
        "failure": failure,
    }
    json.dump(result, sys.stdout, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
