"""Sagebox emulation of
``smdistributed.dataparallel.torch.parallel.distributed.DistributedDataParallel``
(SMDDP v1.x): torch's DistributedDataParallel over the "smddp" process group.
"""

import torch
from torch.nn.parallel import DistributedDataParallel as _TorchDDP

from smdistributed._sagebox import not_emulated_getattr

__all__ = ["DistributedDataParallel"]


class DistributedDataParallel(_TorchDDP):
    """SMDDP's DistributedDataParallel, emulated by torch's.

    ``device_ids``/``output_device`` are dropped for a module on the CPU and
    default to the current CUDA device for a module on a GPU; other keyword
    arguments go to torch's DistributedDataParallel.
    """

    def __init__(self, module, device_ids=None, output_device=None, broadcast_buffers=True,
                 process_group=None, bucket_cap_mb=None, **kwargs):
        import smdistributed.dataparallel.torch.distributed as smdist

        smdist.init_process_group()
        params = list(module.parameters())
        on_cuda = bool(params) and params[0].is_cuda
        if not on_cuda:
            device_ids, output_device = None, None
        elif device_ids is None:
            device_ids = [torch.cuda.current_device()]
        if bucket_cap_mb is not None:
            kwargs["bucket_cap_mb"] = bucket_cap_mb
        super().__init__(module, device_ids=device_ids, output_device=output_device,
                         broadcast_buffers=broadcast_buffers, process_group=process_group, **kwargs)


__getattr__ = not_emulated_getattr(__name__)
