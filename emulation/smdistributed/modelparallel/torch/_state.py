"""Process-wide state of the SMP emulation: configuration, ranks, groups."""

import enum
import json
import os

import torch
import torch.distributed as _dist

from smdistributed._sagebox import (
    NotEmulatedError, announce, destroy_process_group_at_exit, not_emulated_message, real_backend, setup_environment)

_PKG = "smdistributed.modelparallel.torch"


class CommGroup(enum.Enum):
    """SMP communication groups. With one partition, MP/PP/TP groups hold only
    this rank and DP/RDP groups are the whole world."""

    WORLD = 0
    MP_GROUP = 1
    DP_GROUP = 2
    PP_GROUP = 3
    TP_GROUP = 4
    RDP_GROUP = 5


class RankType(enum.Enum):
    """Kinds of rank accepted by ``smp.send``/``smp.recv_from``."""

    WORLD_RANK = 0
    MP_RANK = 1
    DP_RANK = 2
    PP_RANK = 3
    TP_RANK = 4
    RDP_RANK = 5


SINGLE_RANK_GROUPS = (CommGroup.MP_GROUP, CommGroup.PP_GROUP, CommGroup.TP_GROUP)
SINGLE_RANK_TYPES = (RankType.MP_RANK, RankType.PP_RANK, RankType.TP_RANK)

# What the emulation actually does, as seen through ``smp.state.cfg``.
_EFFECTIVE_DEFAULTS = {
    "partitions": 1,
    "pipeline_parallel_degree": 1,
    "tensor_parallel_degree": 1,
    "sharded_data_parallel_degree": 1,
    "microbatches": 1,
    "pipeline": "simple",
    "optimize": "speed",
    "placement_strategy": "cluster",
    "auto_partition": True,
    "default_partition": 0,
    "contiguous": True,
    "ddp": True,
    "horovod": False,
    "fp16": False,
    "bf16": False,
    "fp16_params": False,
    "prescaled_batch": False,
    "shard_optimizer_state": False,
    "offload_activations": False,
    "delayed_parameter_initialization": False,
    "skip_tracing": False,
    "tensor_parallel_seed": 0,
    "active_microbatches": 1,
}

_ONE_PARTITION = "every model runs whole on each rank (1 partition)"
_NO_EFFECT = "it has no effect with 1 partition"
_WHY = {
    "partitions": _ONE_PARTITION,
    "pipeline_parallel_degree": _ONE_PARTITION,
    "tensor_parallel_degree": "tensor parallelism is not emulated; " + _ONE_PARTITION,
    "sharded_data_parallel_degree": "sharded data parallelism is not emulated; parameters are replicated on every rank",
    "microbatches": "each @smp.step function runs once over the whole batch (1 microbatch)",
    "active_microbatches": "each @smp.step function runs once over the whole batch (1 microbatch)",
    "pipeline": _NO_EFFECT,
    "optimize": _NO_EFFECT,
    "placement_strategy": _NO_EFFECT,
    "auto_partition": _NO_EFFECT,
    "default_partition": _NO_EFFECT,
    "contiguous": _NO_EFFECT,
    "memory_weight": _NO_EFFECT,
    "ddp": "data parallelism always uses torch DistributedDataParallel",
    "ddp_port": "torch.distributed is set up from MASTER_ADDR/MASTER_PORT",
    "ddp_dist_backend": "the backend is nccl with GPUs and gloo without",
    "horovod": "data parallelism uses torch DistributedDataParallel, not Horovod",
    "fp16": "mixed precision is not applied; use torch.autocast in the script",
    "bf16": "mixed precision is not applied; use torch.autocast in the script",
    "fp16_params": "mixed precision is not applied; use torch.autocast in the script",
    "prescaled_batch": "it has no effect without tensor parallelism",
    "shard_optimizer_state": "optimizer state is kept whole on every rank",
    "offload_activations": "activation offloading is not emulated",
    "activation_loading_horizon": "activation offloading is not emulated",
    "delayed_parameter_initialization": "parameters are initialized immediately",
}
# Settings that change nothing observable here, whatever their value.
_HARMLESS = {"skip_tracing", "tensor_parallel_seed", "_fp32_grad_accumulation"}


def _format_value(value):
    if isinstance(value, str):
        return value
    return json.dumps(value)


def _honoured(name, value):
    if name in _HARMLESS:
        return True
    if name in ("partitions", "pipeline_parallel_degree", "tensor_parallel_degree",
                "sharded_data_parallel_degree", "microbatches", "active_microbatches"):
        try:
            return int(value) <= 1
        except (TypeError, ValueError):
            return False
    if name in _EFFECTIVE_DEFAULTS and name not in ("pipeline", "optimize", "placement_strategy",
                                                     "auto_partition", "default_partition", "contiguous"):
        return value == _EFFECTIVE_DEFAULTS[name]
    return False


class Config:
    """``smp.state.cfg``: the configuration in effect (what the emulation does)."""

    def __init__(self, values):
        self.__dict__["_values"] = dict(values)

    def __getattr__(self, name):
        values = self.__dict__["_values"]
        if name in values:
            return values[name]
        if name.startswith("__"):
            raise AttributeError(name)
        raise NotEmulatedError(not_emulated_message(f"{_PKG}.state.cfg.{name}"))

    def __setattr__(self, name, value):
        self.__dict__["_values"][name] = value

    def to_dict(self):
        return dict(self.__dict__["_values"])

    def __repr__(self):
        return f"Config({self.__dict__['_values']!r})"


def _read_config(config):
    if config is None:
        raw = os.environ.get("SM_HP_MP_PARAMETERS", "")
        if not raw.strip():
            return {}
        try:
            parsed = json.loads(raw)
        except ValueError:
            announce(f"Sagebox: smdistributed.modelparallel setting SM_HP_MP_PARAMETERS={raw} is not honoured: it is not JSON")
            return {}
        return parsed if isinstance(parsed, dict) else {}
    if isinstance(config, str):
        if os.path.isfile(config):
            with open(config) as f:
                return json.load(f)
        return json.loads(config)
    return dict(config)


class State:
    """``smp.state``: what ``smp.init`` set up."""

    def __init__(self):
        self.initialized = False
        self.cfg = Config(_EFFECTIVE_DEFAULTS)
        self.model = None
        self.optimizer = None
        self.models = []
        self.rank = 0
        self.world_size = 1
        self.local_rank = 0
        self.local_size = 1
        self.backend = None

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        raise NotEmulatedError(not_emulated_message(f"{_PKG}.state.{name}"))


state = State()


def init(config=None):
    """Emulated ``smp.init``: set up torch.distributed and report the settings
    that cannot be honoured. A second call does nothing."""
    if state.initialized:
        return
    requested = _read_config(config)
    env = setup_environment()
    state.rank = env["rank"]
    state.world_size = env["world_size"]
    state.local_rank = env["local_rank"]
    state.local_size = env["local_size"]
    backend = real_backend()
    if backend == "nccl":
        torch.cuda.set_device(state.local_rank % max(torch.cuda.device_count(), 1))
    if not _dist.is_initialized():
        _dist.init_process_group(backend=backend, init_method="env://",
                                 rank=state.rank, world_size=state.world_size)
        destroy_process_group_at_exit()
    state.backend = _dist.get_backend()
    n = state.world_size
    announce(
        "Sagebox: smdistributed.modelparallel is emulated: every model runs whole on each rank "
        f"(1 partition, data parallel across {n} rank{'' if n == 1 else 's'})"
    )
    effective = dict(_EFFECTIVE_DEFAULTS)
    for name, value in requested.items():
        if _honoured(name, value):
            effective[name] = value
            continue
        why = _WHY.get(name, "it is not emulated")
        announce(f"Sagebox: smdistributed.modelparallel setting {name}={_format_value(value)} is not honoured: {why}")
    state.cfg = Config(effective)
    state.initialized = True


def ensure_init():
    if not state.initialized:
        init()


def distributed():
    """True when collectives must go over torch.distributed (several ranks)."""
    return state.initialized and state.world_size > 1 and _dist.is_initialized()
