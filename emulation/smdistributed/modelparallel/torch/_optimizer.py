"""Sagebox emulation of ``smp.DistributedOptimizer``."""

import torch

from smdistributed.modelparallel.torch import _state


class DistributedOptimizer(torch.optim.Optimizer):
    """Emulated ``smp.DistributedOptimizer``: delegates to the wrapped optimizer.

    It is a ``torch.optim.Optimizer`` (learning-rate schedulers accept it);
    ``param_groups``, ``state``, ``step``, ``zero_grad``, ``state_dict`` and
    ``load_state_dict`` are the wrapped optimizer's. Optimizer state is whole
    on every rank, so ``local_state_dict`` equals ``state_dict``.
    """

    def __init__(self, optimizer, static_loss_scale=1.0, dynamic_loss_scale=False, **kwargs):
        # torch.optim.Optimizer.__init__ is not called: all state lives in ``optimizer``.
        object.__setattr__(self, "optimizer", optimizer)
        _state.state.optimizer = self

    @property
    def param_groups(self):
        return self.optimizer.param_groups

    @param_groups.setter
    def param_groups(self, value):
        self.optimizer.param_groups = value

    @property
    def state(self):
        return self.optimizer.state

    @state.setter
    def state(self, value):
        self.optimizer.state = value

    @property
    def defaults(self):
        return self.optimizer.defaults

    @defaults.setter
    def defaults(self, value):
        self.optimizer.defaults = value

    def step(self, closure=None):
        return self.optimizer.step(closure) if closure is not None else self.optimizer.step()

    def zero_grad(self, set_to_none=True):
        return self.optimizer.zero_grad(set_to_none=set_to_none)

    def add_param_group(self, param_group):
        return self.optimizer.add_param_group(param_group)

    def state_dict(self, gather_if_shard=True, **kwargs):
        return self.optimizer.state_dict()

    def local_state_dict(self, gather_if_shard=False, **kwargs):
        return self.optimizer.state_dict()

    def load_state_dict(self, state_dict, **kwargs):
        return self.optimizer.load_state_dict(state_dict)

    def __getattr__(self, name):
        if name == "optimizer":
            raise AttributeError(name)
        return getattr(self.optimizer, name)

    def __getstate__(self):
        return {"optimizer": self.optimizer}

    def __setstate__(self, d):
        object.__setattr__(self, "optimizer", d["optimizer"])

    def __repr__(self):
        return f"DistributedOptimizer({self.optimizer!r})"
