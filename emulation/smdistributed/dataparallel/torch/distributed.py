"""Sagebox emulation of ``smdistributed.dataparallel.torch.distributed``,
the SMDDP v1.x API (``import smdistributed.dataparallel.torch.distributed as dist``).

Each call maps onto torch.distributed with the "smddp" backend (itself NCCL
with GPUs, gloo without). ``init_process_group()`` takes its rank, world size
and master address from the launcher's environment, like the real library.
"""

import os

import torch.distributed as _dist
from torch.distributed import ReduceOp, group

import smdistributed.dataparallel.torch.torch_smddp as _smddp
from smdistributed._sagebox import not_emulated_getattr, setup_environment

__all__ = [
    "ReduceOp",
    "group",
    "is_available",
    "init_process_group",
    "is_initialized",
    "get_rank",
    "get_world_size",
    "get_local_rank",
    "get_local_size",
    "new_group",
    "barrier",
    "all_reduce",
    "reduce",
    "broadcast",
    "all_gather",
    "all_to_all_single",
]


def is_available():
    """True: the emulation is always available."""
    return True


def init_process_group(*args, **kwargs):
    """Initialize the world process group (backend "smddp", env:// init).

    Arguments are accepted for compatibility and ignored, as by SMDDP v1,
    except ``timeout``. Calling it again once initialized does nothing.
    """
    if _dist.is_initialized():
        return
    setup_environment()
    extra = {}
    if "timeout" in kwargs:
        extra["timeout"] = kwargs["timeout"]
    _dist.init_process_group(
        backend=_smddp.BACKEND_NAME,
        init_method="env://",
        rank=int(os.environ["RANK"]),
        world_size=int(os.environ["WORLD_SIZE"]),
        **extra,
    )


def is_initialized():
    """Whether ``init_process_group`` has run."""
    return _dist.is_initialized()


def get_rank(group=None):
    """Global rank of this process (or its rank in ``group``)."""
    return _dist.get_rank(group)


def get_world_size(group=None):
    """Number of processes (in ``group``)."""
    return _dist.get_world_size(group)


def get_local_rank():
    """Rank of this process on its node."""
    return int(os.environ.get("LOCAL_RANK", "0"))


def get_local_size():
    """Number of processes on this node."""
    return int(os.environ.get("LOCAL_WORLD_SIZE", "1"))


def new_group(ranks=None, **kwargs):
    """A torch.distributed subgroup of ``ranks`` (all ranks must call it)."""
    return _dist.new_group(ranks=ranks, **kwargs)


def barrier(group=None, async_op=False):
    """Block until every process in ``group`` reaches the barrier."""
    return _dist.barrier(group=group, async_op=async_op)


def all_reduce(tensor, op=ReduceOp.SUM, group=None, async_op=False):
    """In-place all-reduce of ``tensor`` across ``group``."""
    return _dist.all_reduce(tensor, op=op, group=group, async_op=async_op)


def reduce(tensor, dst, op=ReduceOp.SUM, group=None, async_op=False):
    """Reduce ``tensor`` onto rank ``dst``."""
    return _dist.reduce(tensor, dst, op=op, group=group, async_op=async_op)


def broadcast(tensor, src=0, group=None, async_op=False):
    """Broadcast ``tensor`` in place from rank ``src``."""
    return _dist.broadcast(tensor, src, group=group, async_op=async_op)


def all_gather(tensor_list, tensor, group=None, async_op=False):
    """Gather ``tensor`` from every rank into ``tensor_list``."""
    return _dist.all_gather(tensor_list, tensor, group=group, async_op=async_op)


def all_to_all_single(output_t, input_t, output_split_sizes=None, input_split_sizes=None, group=None, async_op=False):
    """Split ``input_t`` across ranks and gather the pieces into ``output_t``."""
    return _dist.all_to_all_single(
        output_t, input_t, output_split_sizes, input_split_sizes, group=group, async_op=async_op
    )


__getattr__ = not_emulated_getattr(__name__)
