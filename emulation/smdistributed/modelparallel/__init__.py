"""Sagebox emulation of ``smdistributed.modelparallel`` (SMP).

Only the PyTorch API is emulated (``smdistributed.modelparallel.torch``):
every model runs whole on each rank (one partition), data parallel across all
ranks. The TensorFlow API is not emulated.
"""

from smdistributed._sagebox import not_emulated_getattr

__version__ = "1.15.0"

__getattr__ = not_emulated_getattr(__name__)
