"""Sagebox emulation of Amazon SageMaker's ``smdistributed`` libraries.

The real ``smdistributed.dataparallel`` (SMDDP) and
``smdistributed.modelparallel`` (SMP) exist only inside AWS's Deep Learning
Containers. Sagebox puts this package on a job's PYTHONPATH so that training
scripts importing them run locally on plain ``torch.distributed``:

* ``smdistributed.dataparallel``: the ``smddp`` process-group backend and the
  v1 ``smdistributed.dataparallel.torch.distributed`` API, on NCCL (GPUs) or
  gloo (CPU).
* ``smdistributed.modelparallel.torch``: the core SMP API with every model run
  whole on each rank (one partition), data parallel across all ranks.

Any name or module the emulation lacks fails with
"Sagebox does not emulate smdistributed.<...>".
"""

from smdistributed._sagebox import install_missing_submodule_finder, not_emulated_getattr

install_missing_submodule_finder()

__getattr__ = not_emulated_getattr(__name__)
