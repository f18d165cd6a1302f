"""Sagebox emulation of ``smdistributed.dataparallel.torch.parallel``."""

from smdistributed._sagebox import not_emulated_getattr
from smdistributed.dataparallel.torch.parallel.distributed import DistributedDataParallel

__all__ = ["DistributedDataParallel"]

__getattr__ = not_emulated_getattr(__name__)
