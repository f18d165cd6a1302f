"""Sagebox emulation of ``smdistributed.dataparallel.torch``.

Submodules: ``torch_smddp`` (the "smddp" backend for
``torch.distributed.init_process_group``), ``distributed`` (the v1 API) and
``parallel.distributed.DistributedDataParallel``.
"""

from smdistributed._sagebox import not_emulated_getattr

__getattr__ = not_emulated_getattr(__name__)
