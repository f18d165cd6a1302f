"""Sagebox emulation of ``@smp.step`` and ``StepOutput``."""

import functools

import torch

from smdistributed.modelparallel.torch import _state


class StepOutput:
    """What an ``@smp.step`` function returns for each tensor it returned.

    The real library holds one value per microbatch; the emulation runs one
    microbatch (the whole batch), so ``outputs`` has a single element.
    """

    def __init__(self, outputs):
        self.outputs = list(outputs)

    def reduce_mean(self):
        """Mean over microbatches (the single output)."""
        if len(self.outputs) == 1:
            return self.outputs[0]
        return torch.mean(torch.stack(self.outputs), dim=0)

    def reduce_sum(self):
        """Sum over microbatches (the single output)."""
        if len(self.outputs) == 1:
            return self.outputs[0]
        return torch.sum(torch.stack(self.outputs), dim=0)

    def concat(self):
        """Outputs concatenated along the batch dimension (the single output)."""
        if len(self.outputs) == 1:
            return self.outputs[0]
        return torch.cat(self.outputs, dim=0)

    def stack(self):
        """Outputs stacked along a new first dimension."""
        return torch.stack(self.outputs, dim=0)

    def __len__(self):
        return len(self.outputs)

    def __iter__(self):
        return iter(self.outputs)

    def __getitem__(self, i):
        return self.outputs[i]

    def __repr__(self):
        return f"StepOutput({self.outputs!r})"


def _wrap(value, detach):
    if value is None:
        return None
    if isinstance(value, torch.Tensor):
        return StepOutput([value.detach() if detach else value])
    if isinstance(value, tuple) and hasattr(value, "_fields"):
        return type(value)(*(_wrap(v, detach) for v in value))
    if isinstance(value, (list, tuple)):
        return type(value)(_wrap(v, detach) for v in value)
    if isinstance(value, dict):
        items = {k: _wrap(v, detach) for k, v in value.items()}
        try:
            return type(value)(items)
        except Exception:
            return items
    return StepOutput([value])


def step(func=None, *, non_split_inputs=None, input_split_axes=None, detach_outputs=True):
    """Emulated ``@smp.step`` (usable bare or called): the function runs once
    over the whole batch (no microbatch split); each returned tensor becomes a
    ``StepOutput`` (nested lists/tuples/dicts keep their shape), detached
    unless ``detach_outputs=False``. Post-step hooks of DistributedModels run
    after it."""

    def decorate(f):
        @functools.wraps(f)
        def run_step(*args, **kwargs):
            _state.ensure_init()
            result = f(*args, **kwargs)
            for model in list(_state.state.models):
                model._sagebox_after_step()
            return _wrap(result, detach_outputs)

        return run_step

    if func is None:
        return decorate
    return decorate(func)
