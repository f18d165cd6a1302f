"""Names the emulation lacks fail with "Sagebox does not emulate <name>"."""

import subprocess

import pytest

from conftest import PYTHON, SCRIPTS, clean_env


@pytest.mark.parametrize("what, error, name", [
    ("smp_attr", "NotEmulatedError", "smdistributed.modelparallel.torch.delay_param_initialization"),
    ("smp_module", "NotEmulatedImportError", "smdistributed.modelparallel.torch.nn"),
    ("smddp_attr", "NotEmulatedError", "smdistributed.dataparallel.torch.distributed.scatter_object_list"),
    ("smddp_tensorflow", "NotEmulatedImportError", "smdistributed.dataparallel.tensorflow"),
])
def test_job_fails_with_message(what, error, name, tmp_path):
    proc = subprocess.run([PYTHON, str(SCRIPTS / "not_emulated.py"), what], env=clean_env(), cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0
    last = proc.stderr.strip().splitlines()[-1]
    assert last.endswith(f"{error}: Sagebox does not emulate {name}"), proc.stderr
