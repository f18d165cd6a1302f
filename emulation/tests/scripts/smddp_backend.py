"""SMDDP v1.4+ API: import torch_smddp, init_process_group(backend="smddp"), torch DDP."""
import json
import os
import sys

import smdistributed.dataparallel.torch.torch_smddp  # noqa: F401  (registers "smddp")
import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel as DDP

dist.init_process_group(backend="smddp")
rank, world = dist.get_rank(), dist.get_world_size()
assert dist.get_backend() == "smddp", dist.get_backend()
assert os.environ["RANK"] == str(rank) and os.environ["WORLD_SIZE"] == str(world)
assert int(os.environ["LOCAL_RANK"]) == rank  # one node in the tests

torch.manual_seed(1234 + rank)  # different initial weights: DDP must broadcast rank 0's
model = DDP(torch.nn.Linear(4, 2))
opt = torch.optim.SGD(model.parameters(), lr=0.1)
gen = torch.Generator().manual_seed(rank)  # different data on each rank
for _ in range(5):
    x = torch.randn(8, 4, generator=gen)
    y = torch.randn(8, 2, generator=gen)
    opt.zero_grad()
    torch.nn.functional.mse_loss(model(x), y).backward()
    opt.step()

flat = torch.cat([p.detach().flatten() for p in model.parameters()])
gathered = [torch.zeros_like(flat) for _ in range(world)]
dist.all_gather(gathered, flat)
for g in gathered:
    assert torch.equal(g, gathered[0]), "weights differ across ranks"
t = torch.tensor([float(rank + 1)])
dist.all_reduce(t)
assert t.item() == world * (world + 1) / 2

with open(os.path.join(sys.argv[1], f"rank{rank}.json"), "w") as f:
    json.dump({"rank": rank, "world": world, "weights": flat.tolist()}, f)
dist.destroy_process_group()

# torch's gloo can abort the interpreter at exit ("terminate called without an active exception") after a run that
# succeeded; leave without its teardown.
sys.stdout.flush()
os._exit(0)
