"""Sagebox emulation of ``smdistributed.dataparallel`` (SMDDP) on torch.distributed.

Only the PyTorch API is emulated (``smdistributed.dataparallel.torch``);
the TensorFlow API is not.
"""

from smdistributed._sagebox import not_emulated_getattr

__version__ = "1.8.0"

__getattr__ = not_emulated_getattr(__name__)
