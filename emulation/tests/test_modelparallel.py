"""smdistributed.modelparallel emulation: training through the SMP API."""

import json

from conftest import assert_ok, assert_same_weights

EMULATED = ("Sagebox: smdistributed.modelparallel is emulated: every model runs whole on each rank "
            "(1 partition, data parallel across {n} rank{s})")


def test_smp_training_under_mpirun(launch):
    params = {"partitions": 2, "microbatches": 4, "pipeline": "interleaved", "ddp": True,
              "tensor_parallel_degree": 2}
    proc, results = launch("mpirun", "smp_train.py", env={"SM_HP_MP_PARAMETERS": json.dumps(params)})
    assert_ok(proc)
    assert_same_weights(results, 2)
    lines = proc.stdout.splitlines()
    assert lines.count(EMULATED.format(n=2, s="s")) == 1
    prefix = "Sagebox: smdistributed.modelparallel setting "
    for name, value in (("partitions", "2"), ("microbatches", "4"), ("pipeline", "interleaved"),
                        ("tensor_parallel_degree", "2")):
        assert sum(line.startswith(f"{prefix}{name}={value} is not honoured: ") for line in lines) == 1, proc.stdout
    assert not any(line.startswith(prefix + "ddp=") for line in lines)
    assert abs(results[0]["lr"] - 0.1 * 0.9 ** 5) < 1e-9


def test_smp_training_under_torchrun(launch):
    proc, results = launch("torchrun", "smp_train.py")
    assert_ok(proc)
    assert_same_weights(results, 2)
    assert EMULATED.format(n=2, s="s") in proc.stdout.splitlines()


def test_smp_single_plain_process(launch):
    proc, results = launch("plain", "smp_train.py")
    assert_ok(proc)
    assert_same_weights(results, 1)
    assert EMULATED.format(n=1, s="") in proc.stdout.splitlines()
