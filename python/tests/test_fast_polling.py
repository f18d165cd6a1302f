"""Fast polling: the SageMaker SDK's waits are short for jobs against Sagebox and untouched for anything else."""

import time
from types import SimpleNamespace

import pytest

import sagebox
from sagebox import fast_polling

sagemaker_session = pytest.importorskip("sagemaker.session")

TRAIN = "print('trivial job')\n"
ROLE = "arn:aws:iam::123456789012:role/SageMakerRole"


def fake_session(endpoint):
    return SimpleNamespace(sagemaker_client=SimpleNamespace(meta=SimpleNamespace(endpoint_url=endpoint)))


def test_only_registered_endpoints_are_fast_and_uninstall_restores_the_sdk():
    original_time = sagemaker_session.time
    original_wait = sagemaker_session.Session.wait_for_job
    assert fast_polling.install("http://127.0.0.1:1/")
    try:
        assert fast_polling._interval_for(fake_session("http://127.0.0.1:1")) == fast_polling.DEFAULT_INTERVAL
        assert fast_polling._interval_for(fake_session("https://api.sagemaker.us-east-1.amazonaws.com")) is None
        # Outside a fast wait the stand-in clock is the real one.
        started = time.monotonic()
        sagemaker_session.time.sleep(0.3)
        assert time.monotonic() - started >= 0.3
    finally:
        fast_polling.uninstall("http://127.0.0.1:1/")
    assert sagemaker_session.time is original_time
    assert sagemaker_session.Session.wait_for_job is original_wait


class SleepRecorder:
    """Stands in for the `time` module fast polling sleeps with, noting every real sleep."""

    def __init__(self):
        self.slept = []

    def sleep(self, seconds):
        self.slept.append(seconds)
        time.sleep(seconds)

    def __getattr__(self, name):
        return getattr(time, name)


def test_a_fit_waits_only_short_pauses(tmp_path, monkeypatch):
    from sagemaker.pytorch import PyTorch

    monkeypatch.setenv("SAGEMAKER_SUPPRESS_V2_WARNING", "1")
    recorder = SleepRecorder()
    monkeypatch.setattr(fast_polling, "_time", recorder)
    (tmp_path / "train.py").write_text(TRAIN)
    with sagebox.Server(fast_polling=True):
        started = time.monotonic()
        estimator = PyTorch(entry_point="train.py", source_dir=str(tmp_path), role=ROLE, framework_version="2.1",
                            py_version="py310", instance_type="ml.m5.large", instance_count=1)
        estimator.fit(wait=True, logs="All")
        elapsed = time.monotonic() - started
        assert estimator.latest_training_job.describe()["TrainingJobStatus"] == "Completed"
    # The SDK asked for its 5 s and 10 s waits (at least the 5 s before its first look); each lasted 0.1 s.
    assert recorder.slept and max(recorder.slept) <= fast_polling.DEFAULT_INTERVAL, recorder.slept
    assert elapsed < 15, elapsed
