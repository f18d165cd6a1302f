"""SMDDP v1.x API: smdistributed.dataparallel.torch.distributed and its DistributedDataParallel."""
import json
import os
import sys

import torch

import smdistributed.dataparallel.torch.distributed as dist
from smdistributed.dataparallel.torch.parallel.distributed import DistributedDataParallel as DDP

assert not dist.is_initialized()
dist.init_process_group()
assert dist.is_available() and dist.is_initialized()
rank, world = dist.get_rank(), dist.get_world_size()
assert dist.get_local_rank() == rank and dist.get_local_size() == world

t = torch.tensor([float(rank + 1)])
dist.all_reduce(t)
assert t.item() == world * (world + 1) / 2, t
b = torch.tensor([float(rank + 10)])
dist.broadcast(b, src=0)
assert b.item() == 10.0, b
parts = [torch.zeros(1) for _ in range(world)]
dist.all_gather(parts, torch.tensor([float(rank)]))
assert [p.item() for p in parts] == list(range(world)), parts
dist.barrier()

torch.manual_seed(99 + rank)
# device_ids as Hugging Face passes them: dropped for a CPU module.
model = DDP(torch.nn.Linear(3, 1), device_ids=[dist.get_local_rank()])
opt = torch.optim.SGD(model.parameters(), lr=0.05)
gen = torch.Generator().manual_seed(rank)
for _ in range(4):
    opt.zero_grad()
    model(torch.randn(5, 3, generator=gen)).pow(2).mean().backward()
    opt.step()
flat = torch.cat([p.detach().flatten() for p in model.parameters()])
with open(os.path.join(sys.argv[1], f"rank{rank}.json"), "w") as f:
    json.dump({"rank": rank, "world": world, "weights": flat.tolist()}, f)

# torch's gloo can abort the interpreter at exit ("terminate called without an active exception") after a run that
# succeeded; leave without its teardown.
sys.stdout.flush()
os._exit(0)
