"""In-process checks of pieces that need no process group."""

import pytest
import torch

from smdistributed._sagebox import NotEmulatedError
from smdistributed.modelparallel.torch._state import _format_value, _honoured
from smdistributed.modelparallel.torch._step import StepOutput, step


def test_not_emulated_error_is_attribute_and_not_implemented_error():
    import smdistributed.modelparallel.torch as smp

    with pytest.raises(AttributeError) as info:
        smp.nonexistent_api
    assert isinstance(info.value, NotImplementedError) and isinstance(info.value, NotEmulatedError)
    assert str(info.value) == "Sagebox does not emulate smdistributed.modelparallel.torch.nonexistent_api"
    assert getattr(smp, "nonexistent_api", None) is None
    assert smp.mp_size() == 1 and smp.mp_rank() == 0 and smp.tp_size() == 1 and smp.pp_size() == 1


def test_step_output_and_structure():
    def f(x):
        return x * 2, {"a": x, "b": [x + 1]}, None

    loss, d, none = step(f)(torch.ones(3, requires_grad=True))
    assert isinstance(loss, StepOutput) and not loss.reduce_mean().requires_grad
    assert torch.equal(loss.concat(), torch.full((3,), 2.0))
    assert loss.stack().shape == (1, 3)
    assert isinstance(d["b"][0], StepOutput) and none is None
    kept = step(detach_outputs=False)(f)(torch.ones(3, requires_grad=True))[0]
    assert kept.reduce_sum().requires_grad


def test_setting_judgement():
    assert _honoured("partitions", 1) and not _honoured("partitions", 2)
    assert _honoured("ddp", True) and not _honoured("ddp", False)
    assert not _honoured("pipeline", "interleaved") and not _honoured("some_new_key", 1)
    assert _format_value(True) == "true" and _format_value("spread") == "spread" and _format_value(4) == "4"
