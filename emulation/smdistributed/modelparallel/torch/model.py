"""Sagebox emulation of ``smp.DistributedModel`` (``smdistributed.modelparallel.torch.model``)."""

import contextlib

import torch
from torch import nn
from torch.nn.parallel import DistributedDataParallel as _DDP

from smdistributed._sagebox import not_emulated_getattr, use_cuda
from smdistributed.modelparallel.torch import _state

__all__ = ["DistributedModel"]


class DistributedModel(nn.Module):
    """Emulated ``smp.DistributedModel``: the whole module on every rank.

    The module is moved to this rank's GPU when there is one and, with more
    than one rank, wrapped in torch's DistributedDataParallel, so gradients are
    averaged across ranks at ``backward``. Calls go to the module (through
    DDP); ``.module`` is the original module; ``state_dict``/
    ``local_state_dict`` are the module's (full, unprefixed) state. Keyword
    arguments of the real class (``trace_device``, ``backward_passes_per_step``,
    ...) are accepted and have no effect.
    """

    def __init__(self, module, trace_device="gpu", backward_passes_per_step=1,
                 average_grads_across_microbatches=True, gradient_as_bucket_view=False, **kwargs):
        super().__init__()
        _state.ensure_init()
        if use_cuda():
            module = module.to(torch.device("cuda", torch.cuda.current_device()))
        self.module = module
        ddp = None
        if _state.distributed():
            ddp = _DDP(
                module,
                device_ids=[torch.cuda.current_device()] if use_cuda() else None,
                find_unused_parameters=True,
                gradient_as_bucket_view=gradient_as_bucket_view,
            )
        # Not registered as a submodule: parameters and state_dict keys stay the module's.
        object.__setattr__(self, "_sagebox_ddp", ddp)
        object.__setattr__(self, "_sagebox_post_partition_hooks", [])
        object.__setattr__(self, "_sagebox_post_step_hooks", [])
        object.__setattr__(self, "_sagebox_partitioned", False)
        _state.state.model = self
        _state.state.models.append(self)

    def forward(self, *args, **kwargs):
        self._sagebox_partition()
        runner = self._sagebox_ddp if self._sagebox_ddp is not None else self.module
        return runner(*args, **kwargs)

    def backward(self, tensors, grad_tensors=None):
        """Backward pass (inside an ``@smp.step`` function); with several ranks
        DDP averages the gradients across them."""
        torch.autograd.backward(tensors, grad_tensors)

    def train(self, mode=True):
        super().train(mode)
        if self._sagebox_ddp is not None:
            self._sagebox_ddp.training = mode
        return self

    def state_dict(self, *args, **kwargs):
        """The module's full state dict (keys without a wrapper prefix)."""
        return self.module.state_dict(*args, **kwargs)

    def local_state_dict(self, *args, **kwargs):
        """With one partition, the local state is the full state."""
        return self.module.state_dict(*args, **kwargs)

    def load_state_dict(self, state_dict, strict=True, **kwargs):
        """Load into the module; SMP's ``_smp_is_partial`` marker is ignored."""
        if "_smp_is_partial" in state_dict:
            state_dict = {k: v for k, v in state_dict.items() if k != "_smp_is_partial"}
        return self.module.load_state_dict(state_dict, strict=strict, **kwargs)

    def join(self, *args, **kwargs):
        """DDP's uneven-inputs context manager (a no-op on one rank)."""
        if self._sagebox_ddp is not None:
            return self._sagebox_ddp.join(*args, **kwargs)
        return contextlib.nullcontext()

    @property
    def partitioned(self):
        return self._sagebox_partitioned

    def register_post_partition_hook(self, hook):
        """``hook(model, optimizer)`` runs once, at the first forward call
        (when the real library partitions the model)."""
        if self._sagebox_partitioned:
            hook(self, _state.state.optimizer)
        else:
            self._sagebox_post_partition_hooks.append(hook)

    def register_post_step_hook(self, hook):
        """``hook(model, optimizer)`` runs once, after the next ``@smp.step`` call."""
        self._sagebox_post_step_hooks.append(hook)

    def _sagebox_partition(self):
        if not self._sagebox_partitioned:
            object.__setattr__(self, "_sagebox_partitioned", True)
            hooks, self._sagebox_post_partition_hooks[:] = list(self._sagebox_post_partition_hooks), []
            for hook in hooks:
                hook(self, _state.state.optimizer)

    def _sagebox_after_step(self):
        hooks, self._sagebox_post_step_hooks[:] = list(self._sagebox_post_step_hooks), []
        for hook in hooks:
            hook(self, _state.state.optimizer)

    def __getattr__(self, name):
        try:
            return super().__getattr__(name)
        except AttributeError:
            if name == "module" or name.startswith("_sagebox") or "module" not in self.__dict__.get("_modules", {}):
                raise
            return getattr(self._modules["module"], name)


__getattr__ = not_emulated_getattr(__name__)
