"""Sagebox emulation of ``smdistributed.modelparallel.torch`` (``import ... as smp``).

Every model runs whole on each rank (one partition, no pipeline or tensor
parallelism), data parallel across all ranks with torch's
DistributedDataParallel on NCCL (GPUs) or gloo (CPU). ``mp_size()``,
``tp_size()`` and ``pp_size()`` are 1; ``dp_size()`` and ``rdp_size()`` are the
world size. ``smp.init`` prints which requested settings are not honoured.
Any other name fails with "Sagebox does not emulate
smdistributed.modelparallel.torch.<name>".
"""

import contextlib

import torch
import torch.distributed as _dist

from smdistributed._sagebox import not_emulated_getattr
from smdistributed.modelparallel.torch import _state
from smdistributed.modelparallel.torch._optimizer import DistributedOptimizer
from smdistributed.modelparallel.torch._state import CommGroup, RankType, init, state
from smdistributed.modelparallel.torch._step import StepOutput, step
from smdistributed.modelparallel.torch.model import DistributedModel

WORLD = CommGroup.WORLD
MP_GROUP = CommGroup.MP_GROUP
DP_GROUP = CommGroup.DP_GROUP
PP_GROUP = CommGroup.PP_GROUP
TP_GROUP = CommGroup.TP_GROUP
RDP_GROUP = CommGroup.RDP_GROUP

WORLD_RANK = RankType.WORLD_RANK
MP_RANK = RankType.MP_RANK
DP_RANK = RankType.DP_RANK
PP_RANK = RankType.PP_RANK
TP_RANK = RankType.TP_RANK
RDP_RANK = RankType.RDP_RANK

__all__ = [
    "init", "is_initialized", "state", "step", "StepOutput", "DistributedModel", "DistributedOptimizer",
    "rank", "size", "local_rank", "local_size", "dp_rank", "dp_size", "rdp_rank", "rdp_size",
    "mp_rank", "mp_size", "tp_rank", "tp_size", "pp_rank", "pp_size", "num_microbatches",
    "barrier", "dp_barrier", "rdp_barrier", "mp_barrier", "pp_barrier", "tp_barrier",
    "broadcast", "send", "recv_from", "allgather", "save", "load",
    "get_world_process_group", "get_dp_process_group", "get_rdp_process_group",
    "partition", "set_partition", "tensor_parallelism", "is_tracing",
    "CommGroup", "RankType", "WORLD", "MP_GROUP", "DP_GROUP", "PP_GROUP", "TP_GROUP", "RDP_GROUP",
]


def is_initialized():
    """Whether ``smp.init`` has run."""
    return state.initialized


def rank():
    """Global rank of this process."""
    _state.ensure_init()
    return state.rank


def size():
    """Number of processes."""
    _state.ensure_init()
    return state.world_size


def local_rank():
    """Rank of this process on its node."""
    _state.ensure_init()
    return state.local_rank


def local_size():
    """Number of processes on this node."""
    _state.ensure_init()
    return state.local_size


def dp_rank():
    """Data-parallel rank: the global rank (one partition)."""
    return rank()


def dp_size():
    """Data-parallel size: the world size (one partition)."""
    return size()


def rdp_rank():
    """Reduced-data-parallel rank: the global rank (no tensor parallelism)."""
    return rank()


def rdp_size():
    """Reduced-data-parallel size: the world size (no tensor parallelism)."""
    return size()


def mp_rank():
    """Model-parallel rank: always 0 (one partition)."""
    return 0


def mp_size():
    """Model-parallel size: always 1 (one partition)."""
    return 1


def tp_rank():
    """Tensor-parallel rank: always 0."""
    return 0


def tp_size():
    """Tensor-parallel size: always 1."""
    return 1


def pp_rank():
    """Pipeline-parallel rank: always 0."""
    return 0


def pp_size():
    """Pipeline-parallel size: always 1."""
    return 1


def num_microbatches():
    """Always 1: a step runs over the whole batch."""
    return 1


def _single(group):
    return group in _state.SINGLE_RANK_GROUPS or not _state.distributed()


def _check_group(group):
    if not isinstance(group, CommGroup):
        raise TypeError(f"group must be an smp.CommGroup, got {group!r}")


def barrier(group=WORLD):
    """Block until every rank of ``group`` reaches it."""
    _state.ensure_init()
    _check_group(group)
    if not _single(group):
        _dist.barrier()


def dp_barrier():
    barrier(DP_GROUP)


def rdp_barrier():
    barrier(RDP_GROUP)


def mp_barrier():
    barrier(MP_GROUP)


def pp_barrier():
    barrier(PP_GROUP)


def tp_barrier():
    barrier(TP_GROUP)


def allgather(obj, group):
    """Gather a picklable object from every rank of ``group``: a list whose
    i-th element is rank i's object."""
    _state.ensure_init()
    _check_group(group)
    if _single(group):
        return [obj]
    out = [None] * state.world_size
    _dist.all_gather_object(out, obj)
    return out


def broadcast(obj, group):
    """Send a picklable object to every other rank of ``group``; they receive
    it with ``smp.recv_from(sender_rank, rank_type)``, as in SMP."""
    _state.ensure_init()
    _check_group(group)
    if _single(group):
        return
    for dst in range(state.world_size):
        if dst != state.rank:
            _dist.send_object_list([obj], dst=dst)


def _global_rank(r, rank_type):
    if not isinstance(rank_type, RankType):
        raise TypeError(f"rank_type must be an smp.RankType, got {rank_type!r}")
    if rank_type in _state.SINGLE_RANK_TYPES:
        raise ValueError(
            f"{rank_type.name} {r}: with 1 partition the only {rank_type.name} is this process's own (0)"
        )
    if not 0 <= r < state.world_size:
        raise ValueError(f"rank {r} out of range for world size {state.world_size}")
    return r


def send(obj, dest_rank, rank_type):
    """Send a picklable object to ``dest_rank`` (a rank of kind ``rank_type``)."""
    _state.ensure_init()
    _dist.send_object_list([obj], dst=_global_rank(dest_rank, rank_type))


def recv_from(src_rank, rank_type):
    """Receive the object sent by ``smp.send``/``smp.broadcast`` from ``src_rank``."""
    _state.ensure_init()
    box = [None]
    _dist.recv_object_list(box, src=_global_rank(src_rank, rank_type))
    return box[0]


def save(obj, f, partial=True, pickle_module=None, pickle_protocol=2, v3=False, **kwargs):
    """``torch.save`` of ``obj`` to ``f`` (with one partition, partial and full
    states are the same)."""
    extra = {"pickle_protocol": pickle_protocol}
    if pickle_module is not None:
        extra["pickle_module"] = pickle_module
    torch.save(obj, f, **extra)


def load(f, map_location="cpu", pickle_module=None, partial=True, **kwargs):
    """``torch.load`` of a file written by ``smp.save`` (or ``torch.save``)."""
    extra = {}
    if pickle_module is not None:
        extra["pickle_module"] = pickle_module
    return torch.load(f, map_location=map_location, weights_only=False, **extra)


def get_world_process_group():
    """The torch.distributed world process group."""
    _state.ensure_init()
    return _dist.group.WORLD


def get_dp_process_group():
    """The data-parallel process group: the world group (one partition)."""
    return get_world_process_group()


def get_rdp_process_group():
    """The reduced-data-parallel process group: the world group."""
    return get_world_process_group()


@contextlib.contextmanager
def partition(index):
    """Partition-placement context: no effect (one partition)."""
    yield


def set_partition(module, index):
    """Partition placement: no effect (one partition)."""


@contextlib.contextmanager
def tensor_parallelism(enabled=True, **kwargs):
    """Tensor-parallelism context: no effect (modules stay as they are)."""
    yield


def is_tracing():
    """Always False: the emulation does not trace models."""
    return False


__getattr__ = not_emulated_getattr(__name__)
