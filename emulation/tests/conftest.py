"""Helpers to run the emulation's test scripts under torchrun, mpirun or alone."""

import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

EMULATION_DIR = Path(__file__).resolve().parents[1]
SCRIPTS = Path(__file__).resolve().parent / "scripts"
PYTHON = sys.executable
TIMEOUT = 90

if str(EMULATION_DIR) not in sys.path:
    sys.path.insert(0, str(EMULATION_DIR))

_LAUNCHER_VARS = ("RANK", "WORLD_SIZE", "LOCAL_RANK", "LOCAL_WORLD_SIZE", "GROUP_RANK", "NODE_RANK",
                  "MASTER_ADDR", "MASTER_PORT", "PMI_RANK", "PMI_SIZE", "TORCHELASTIC_RUN_ID")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def clean_env(extra=None):
    env = {k: v for k, v in os.environ.items()
           if k not in _LAUNCHER_VARS and not k.startswith(("OMPI_", "PMIX_", "SM_", "SMDATAPARALLEL_", "SAGEBOX_"))}
    env["PYTHONPATH"] = str(EMULATION_DIR)
    env["OMP_NUM_THREADS"] = "1"
    env.update(extra or {})
    return env


def _run(cmd, env, cwd):
    proc = subprocess.run(cmd, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, timeout=TIMEOUT)
    return proc


@pytest.fixture
def launch(tmp_path):
    """launch(kind, script, *args, nproc=2, env=None) -> (CompletedProcess, [per-rank json results])."""

    def _launch(kind, script, *args, nproc=2, env=None):
        out = tmp_path / "out"
        out.mkdir(exist_ok=True)
        script_path = str(SCRIPTS / script)
        extra = dict(env or {})
        if kind == "torchrun":
            cmd = [PYTHON, "-m", "torch.distributed.run", "--nproc_per_node", str(nproc),
                   "--master_addr", "127.0.0.1", "--master_port", str(free_port()),
                   script_path, str(out), *args]
        elif kind == "mpirun":
            mpirun = shutil.which("mpirun")
            if mpirun is None:
                pytest.skip("mpirun is not installed")
            extra.setdefault("MASTER_ADDR", "127.0.0.1")
            extra.setdefault("MASTER_PORT", str(free_port()))
            cmd = [mpirun, "--allow-run-as-root", "--oversubscribe", "-np", str(nproc)]
            for name in ("PYTHONPATH", "OMP_NUM_THREADS", *extra):
                cmd += ["-x", name]
            cmd += [PYTHON, script_path, str(out), *args]
        elif kind == "plain":
            cmd = [PYTHON, script_path, str(out), *args]
        else:
            raise ValueError(kind)
        proc = _run(cmd, clean_env(extra), tmp_path)
        results = [json.loads(p.read_text()) for p in sorted(out.glob("rank*.json"))]
        return proc, results

    return _launch


def assert_ok(proc):
    assert proc.returncode == 0, f"exit {proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"


def assert_same_weights(results, world):
    assert [r["rank"] for r in results] == list(range(world))
    assert all(r["world"] == world for r in results)
    for r in results[1:]:
        assert r["weights"] == results[0]["weights"], "ranks ended with different weights"
