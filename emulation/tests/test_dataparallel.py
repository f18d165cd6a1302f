"""smdistributed.dataparallel emulation: the smddp backend and the v1 API."""

from conftest import assert_ok, assert_same_weights


def test_smddp_backend_under_torchrun(launch):
    proc, results = launch("torchrun", "smddp_backend.py")
    assert_ok(proc)
    assert_same_weights(results, 2)
    assert "backend smddp runs on torch.distributed gloo (2 ranks)" in proc.stdout


def test_smddp_backend_under_mpirun(launch):
    proc, results = launch("mpirun", "smddp_backend.py")
    assert_ok(proc)
    assert_same_weights(results, 2)


def test_v1_api_under_mpirun(launch):
    proc, results = launch("mpirun", "smddp_v1.py")
    assert_ok(proc)
    assert_same_weights(results, 2)


def test_smddp_single_plain_process(launch):
    proc, results = launch("plain", "smddp_backend.py")
    assert_ok(proc)
    assert_same_weights(results, 1)


def test_v1_api_single_plain_process(launch):
    proc, results = launch("plain", "smddp_v1.py")
    assert_ok(proc)
    assert_same_weights(results, 1)
