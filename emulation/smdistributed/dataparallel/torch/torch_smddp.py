"""Sagebox emulation of ``smdistributed.dataparallel.torch.torch_smddp``.

Importing it (as SMDDP v1.4+ scripts do) derives RANK/WORLD_SIZE/LOCAL_RANK
from the launcher (mpirun's OMPI_COMM_WORLD_*, torchrun, or a lone process)
and registers the "smddp" backend with torch.distributed, so that
``torch.distributed.init_process_group(backend="smddp")`` works with env://
initialization. An "smddp" process group is a real NCCL process group when
GPUs are available and a gloo one otherwise, built on the same store, rank and
world size. SMDDP's own AllReduce/AllGather algorithms are not emulated.
"""

import torch
import torch.distributed as _dist

from smdistributed._sagebox import announce, destroy_process_group_at_exit, not_emulated_getattr, real_backend, setup_environment

BACKEND_NAME = "smddp"

setup_environment()


def _create_smddp_backend(store, rank, world_size, timeout):
    """Creator for the "smddp" backend: a real NCCL or gloo backend."""
    backend = real_backend()
    if backend == "nccl":
        options = _dist.ProcessGroupNCCL.Options()
        options.is_high_priority_stream = False
        options._timeout = timeout
        pg = _dist.ProcessGroupNCCL(store, rank, world_size, options)
    else:
        pg = _dist.ProcessGroupGloo(store, rank, world_size, timeout=timeout)
    try:
        pg._set_sequence_number_for_group()
    except Exception:  # older/newer torch without it: not needed for correctness
        pass
    destroy_process_group_at_exit()
    announce(
        "Sagebox: smdistributed.dataparallel is emulated: backend smddp runs on "
        f"torch.distributed {backend} ({world_size} rank{'' if world_size == 1 else 's'})"
    )
    return pg


def _register():
    if BACKEND_NAME in _dist.Backend.backend_list:
        return
    devices = ["cpu", "cuda"] if torch.cuda.is_available() else ["cpu"]
    _dist.Backend.register_backend(BACKEND_NAME, _create_smddp_backend, extended_api=False, devices=devices)


_register()

__getattr__ = not_emulated_getattr(__name__)
