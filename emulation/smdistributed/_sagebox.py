"""Shared plumbing of Sagebox's smdistributed emulation.

Derives the torch.distributed environment (RANK, WORLD_SIZE, LOCAL_RANK, ...)
from whichever launcher started the process (torchrun, Open MPI's mpirun, or
none), picks the real collective backend (NCCL with GPUs, gloo without) and
defines the error raised for anything the emulation does not provide.
"""

import json
import os
import socket
import sys

__all__ = [
    "NotEmulatedError",
    "NotEmulatedImportError",
    "not_emulated_getattr",
    "setup_environment",
    "real_backend",
    "announce",
]


class NotEmulatedError(AttributeError, NotImplementedError):
    """Raised when a script uses a part of smdistributed that Sagebox lacks.

    It is an AttributeError (so ``hasattr``/``getattr(..., default)`` probes
    behave) and a NotImplementedError (so the intent is clear in tracebacks).
    """


class NotEmulatedImportError(ModuleNotFoundError):
    """Raised when a script imports an smdistributed module Sagebox lacks."""


def not_emulated_message(qualname):
    return f"Sagebox does not emulate {qualname}"


def not_emulated_getattr(module_name):
    """Return a module-level ``__getattr__`` that rejects unknown names."""

    def __getattr__(name):
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(f"module {module_name!r} has no attribute {name!r}")
        raise NotEmulatedError(not_emulated_message(f"{module_name}.{name}"))

    return __getattr__


class _MissingSubmoduleFinder:
    """Last meta-path finder: a missing ``smdistributed.*`` module fails with
    the "Sagebox does not emulate ..." message instead of a bare
    "No module named ..."."""

    _sagebox_smdistributed = True

    @staticmethod
    def find_spec(fullname, path=None, target=None):
        if fullname.startswith("smdistributed."):
            # name left unset on purpose: the import system then propagates
            # the error out of ``from package import name`` too.
            raise NotEmulatedImportError(not_emulated_message(fullname))
        return None

    @staticmethod
    def invalidate_caches():
        pass


def install_missing_submodule_finder():
    if not any(getattr(f, "_sagebox_smdistributed", False) for f in sys.meta_path):
        sys.meta_path.append(_MissingSubmoduleFinder)


def _first(*names):
    for name in names:
        value = os.environ.get(name)
        if value not in (None, ""):
            return value
    return None


def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _master_host_from_sm_hosts():
    try:
        hosts = json.loads(os.environ.get("SM_HOSTS", "[]"))
    except ValueError:
        return None
    if isinstance(hosts, list) and hosts:
        return sorted(str(h) for h in hosts)[0]
    return None


def setup_environment():
    """Fill in the env:// variables torch.distributed needs, without
    overriding any already set.

    Sources, in order: torchrun's RANK/WORLD_SIZE/LOCAL_RANK/LOCAL_WORLD_SIZE,
    Open MPI's OMPI_COMM_WORLD_*, MPICH/PMI's PMI_RANK/PMI_SIZE, else a single
    process (rank 0 of 1). MASTER_ADDR/MASTER_PORT fall back to
    SMDATAPARALLEL_SERVER_ADDR/PORT, then the first of SM_HOSTS (multi-node)
    or 127.0.0.1 (one node) and port 29500 (a free port for a lone process).
    Returns a dict of the resulting values as ints/strings.
    """
    env = os.environ
    rank = int(_first("RANK", "OMPI_COMM_WORLD_RANK", "PMI_RANK") or 0)
    world = int(_first("WORLD_SIZE", "OMPI_COMM_WORLD_SIZE", "PMI_SIZE") or 1)
    local_rank_s = _first("LOCAL_RANK", "OMPI_COMM_WORLD_LOCAL_RANK", "MPI_LOCALRANKID")
    local_size_s = _first("LOCAL_WORLD_SIZE", "OMPI_COMM_WORLD_LOCAL_SIZE", "MPI_LOCALNRANKS")
    if local_rank_s is None and local_size_s is None:
        # No per-node information: assume every rank is on this node.
        local_rank, local_size = rank, world
    else:
        local_size = int(local_size_s) if local_size_s is not None else world
        local_rank = int(local_rank_s) if local_rank_s is not None else rank % max(local_size, 1)
    node_rank_s = _first("GROUP_RANK", "NODE_RANK", "OMPI_COMM_WORLD_NODE_RANK")
    node_rank = int(node_rank_s) if node_rank_s is not None else rank // max(local_size, 1)

    env.setdefault("RANK", str(rank))
    env.setdefault("WORLD_SIZE", str(world))
    env.setdefault("LOCAL_RANK", str(local_rank))
    env.setdefault("LOCAL_WORLD_SIZE", str(local_size))
    env.setdefault("GROUP_RANK", str(node_rank))
    # Read by Hugging Face's Trainer when SageMaker data parallelism is on.
    env.setdefault("SMDATAPARALLEL_LOCAL_RANK", str(local_rank))

    if not env.get("MASTER_ADDR"):
        addr = _first("SMDATAPARALLEL_SERVER_ADDR")
        if addr is None:
            addr = "127.0.0.1" if world == local_size else (_master_host_from_sm_hosts() or "127.0.0.1")
        env["MASTER_ADDR"] = addr
    if not env.get("MASTER_PORT"):
        port = _first("SMDATAPARALLEL_SERVER_PORT")
        if port is None:
            port = str(_free_port()) if world == 1 else "29500"
        env["MASTER_PORT"] = port

    return {
        "rank": rank,
        "world_size": world,
        "local_rank": int(env["LOCAL_RANK"]),
        "local_size": int(env["LOCAL_WORLD_SIZE"]),
        "node_rank": node_rank,
    }


def use_cuda():
    """True when collectives should run on GPUs (NCCL)."""
    forced = os.environ.get("SAGEBOX_SMDISTRIBUTED_BACKEND", "").lower()
    if forced in ("gloo", "nccl"):
        return forced == "nccl"
    import torch

    return torch.cuda.is_available() and torch.distributed.is_nccl_available()


def real_backend():
    """The torch.distributed backend that stands in for SageMaker's:
    "nccl" with GPUs, "gloo" without (override: SAGEBOX_SMDISTRIBUTED_BACKEND)."""
    return "nccl" if use_cuda() else "gloo"


def announce(line):
    """Print a Sagebox notice once per node (local rank 0), flushed."""
    if os.environ.get("LOCAL_RANK", "0") == "0":
        print(line, flush=True)


def destroy_process_group_at_exit():
    """Scripts written for the real libraries never destroy their process group; gloo's threads then abort the
    interpreter at exit now and then ("terminate called without an active exception"), failing a job that finished.
    The emulation destroys it at exit instead, once per process."""
    import atexit
    import datetime

    import torch.distributed as dist

    if getattr(destroy_process_group_at_exit, "registered", False):
        return
    destroy_process_group_at_exit.registered = True

    def destroy():
        if dist.is_available() and dist.is_initialized():
            try:
                # Every rank tears down together: one leaving while another still talks to it aborts that one too.
                if dist.get_backend() == "gloo":
                    dist.monitored_barrier(timeout=datetime.timedelta(seconds=30))
                dist.destroy_process_group()
            except Exception:  # a rank already gone, or torn down by the script: nothing left to do
                pass
        # Under mpirun rank 0 hosts the rendezvous store; leaving before the others have let go of it aborts them.
        if os.environ.get("OMPI_COMM_WORLD_RANK") == "0" and os.environ.get("OMPI_COMM_WORLD_SIZE", "1") != "1":
            import time

            time.sleep(1)

    atexit.register(destroy)
