"""Sagebox's model of the SageMaker training toolkit against the real sagemaker-training 5.1.4.

For every job in toolkit_reference/fixtures.json this writes a fake /opt/ml tree, runs the real toolkit on it
(toolkit_reference/toolkit_harness.py, in a venv of its own), runs Sagebox's hidden `sagebox _toolkit-reference`
on the same tree, and requires the same argv, cwd, environment, pip installs, exit code and failure text.

The toolkit venv is $SAGEBOX_TOOLKIT_PYTHON if set (a python with sagemaker-training==5.1.4), else one built from
toolkit_reference/requirements.txt in the pytest cache (needs PyPI and a C compiler); when neither works the tests
are skipped with the reason. The machine-dependent inputs (the toolkit's python, CPU/GPU/Neuron counts) are taken
from the harness and handed to Sagebox, so all values compare exactly; PYTHONPATH only has to start with the code
directory (the toolkit appends its whole sys.path).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import sagebox_binary

REFERENCE_DIR = Path(__file__).resolve().parent / "toolkit_reference"
HARNESS = REFERENCE_DIR / "toolkit_harness.py"
FIXTURES = json.loads((REFERENCE_DIR / "fixtures.json").read_text(encoding="utf-8"))["fixtures"]
HIDDEN_COMMAND = "_toolkit-reference"

pytestmark = pytest.mark.timeout(900)  # the first test may build the toolkit venv


def _tail(text: str, n: int = 3000) -> str:
    return text[-n:] if text else ""


@pytest.fixture(scope="session")
def toolkit_python(request) -> str:
    explicit = os.environ.get("SAGEBOX_TOOLKIT_PYTHON")
    if explicit:
        probe = subprocess.run([explicit, "-c", "import sagemaker_training"], capture_output=True, text=True)
        if probe.returncode != 0:
            pytest.skip(f"SAGEBOX_TOOLKIT_PYTHON={explicit} cannot import sagemaker_training: {_tail(probe.stderr)}")
        return explicit

    requirements = REFERENCE_DIR / "requirements.txt"
    digest = hashlib.sha256(requirements.read_bytes()).hexdigest()[:12]
    venv = Path(request.config.cache.mkdir("sagebox-toolkit-reference")) / f"venv-{digest}"
    python = venv / "bin" / "python"
    done = venv / ".installed"
    if not done.exists():
        shutil.rmtree(venv, ignore_errors=True)
        for cmd in ([sys.executable, "-m", "venv", str(venv)],
                    [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r", str(requirements)]):
            try:
                proc = subprocess.run(cmd, capture_output=True, text=True, timeout=800)
            except subprocess.TimeoutExpired:
                pytest.skip(f"installing the reference toolkit timed out: {' '.join(cmd)}")
            if proc.returncode != 0:
                pytest.skip(f"cannot install the reference toolkit ({' '.join(cmd)}):\n{_tail(proc.stderr or proc.stdout)}")
        done.touch()
    return str(python)


@pytest.fixture(scope="session")
def sagebox_reference_command():
    # Requested before toolkit_python by the test, so an unwired binary fails before any venv is built.
    binary = sagebox_binary()
    if not binary.exists():
        pytest.skip(f"sagebox binary not found at {binary}; run `swift build`")
    probe = subprocess.run([str(binary), HIDDEN_COMMAND, "--help"], capture_output=True, text=True)
    if probe.returncode != 0:
        pytest.fail(f"`sagebox {HIDDEN_COMMAND} --help` failed ({probe.returncode}): {_tail(probe.stderr, 500)}",
                    pytrace=False)
    return str(binary)


def _write_tree(root: Path, fixture: dict) -> Path:
    base = root / "opt" / "ml"
    config = base / "input" / "config"
    # output/intermediate exists so the toolkit leaves intermediate sync to the platform (no S3 calls).
    for d in (config, base / "output" / "intermediate", base / "code"):
        d.mkdir(parents=True)
    (config / "hyperparameters.json").write_text(json.dumps(dict(fixture["hyperparameters"])), encoding="utf-8")
    (config / "inputdataconfig.json").write_text(fixture["inputdataconfig"], encoding="utf-8")
    (config / "resourceconfig.json").write_text(fixture["resourceconfig"], encoding="utf-8")
    for name in fixture["code_files"]:
        path = base / "code" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("print('never run')\n")
    return base


@pytest.mark.parametrize("fixture", FIXTURES, ids=[f["name"] for f in FIXTURES])
def test_sagebox_matches_the_real_toolkit(fixture, tmp_path, sagebox_reference_command, toolkit_python):
    base = _write_tree(tmp_path, fixture)
    env_file = tmp_path / "job-env.json"
    env_file.write_text(json.dumps(dict(fixture["environment"])), encoding="utf-8")

    ref = subprocess.run([toolkit_python, str(HARNESS), str(base), str(env_file)], capture_output=True, text=True,
                         timeout=120)
    assert ref.returncode == 0, f"toolkit_harness.py failed:\n{_tail(ref.stderr)}"
    reference = json.loads(ref.stdout)

    machine = reference["machine"]
    ours = subprocess.run(
        [sagebox_reference_command, HIDDEN_COMMAND, str(base), str(env_file), "--python", reference["python"],
         "--num-cpus", str(machine["num_cpus"]), "--num-gpus", str(machine["num_gpus"]),
         "--num-neurons", str(machine["num_neurons"])],
        capture_output=True, text=True, timeout=60)
    assert ours.returncode == 0, f"sagebox {HIDDEN_COMMAND} failed:\n{_tail(ours.stderr)}"
    sagebox = json.loads(ours.stdout)

    assert sagebox["exit_code"] == reference["exit_code"], reference["failure"]
    if reference["exit_code"] != 0:
        failure, mine = reference["failure"], sagebox["failure"]
        if failure.startswith("Framework Error: \n"):
            # The toolkit's text holds a Python traceback; Sagebox's only its last line, which must be in it.
            assert mine.startswith("Framework Error: \n")
            assert "\n" + mine.split("\n")[1] + "\n" in failure, (failure, mine)
        else:
            assert mine == failure
        return

    assert sagebox["argv"] == reference["argv"]
    assert sagebox["cwd"] == reference["cwd"]
    assert sagebox["installs"] == reference["installs"]
    assert reference["unset"] == []
    expected, actual = dict(reference["env"]), dict(sagebox["env"])
    code_dir = str(base / "code")
    assert expected.pop("PYTHONPATH").startswith(code_dir + ":")
    assert actual.pop("PYTHONPATH") == code_dir
    assert actual == expected
