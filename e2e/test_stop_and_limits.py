"""Bringing jobs down and the time limits, through boto3 (runtime-semantics §3.4, §4.1; checklist 13-17, 30-32).

StopTrainingJob and MaxRuntimeInSeconds leave no process of the job behind — including a helper that left the
job's process group — and upload the model written so far; MaxRuntimeInSeconds counts running time across spot
attempts; MaxWaitTimeInSeconds counts the whole job, waits and restart delays included; TrainingTimeInSeconds and
BillableTimeInSeconds are the running seconds and those × the spot price ratio.

The jobs run fixtures/training-limits/worker.py (a script that must be brought down from outside, with helper
processes that carry a marker argument) and fixtures/spot-checkpoints/attempts.py.
"""

from __future__ import annotations

import time
import uuid

import pytest

from conftest import REPO_ROOT
from helpers import wait_until
from training_helpers import TrainingEnv, unique_name, processes_with, kill_marked, statuses, validation_error

LIMITS = REPO_ROOT / "fixtures" / "training-limits"
SPOT = REPO_ROOT / "fixtures" / "spot-checkpoints"
GRACE = 2
RESTART_DELAY = 1
CAPACITY_TAG = "sagebox:capacity-unavailable-seconds"
INTERRUPT_TAG = "sagebox:interrupt-after-seconds"


# --------------------------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------------------------

def server_args(*extra) -> tuple:
    return ("--container-specs", str(REPO_ROOT / "container-specs"), "--stop-grace-seconds", str(GRACE),
            "--spot-restart-delay-seconds", str(RESTART_DELAY), "--no-fsync", *extra)


def new_marker() -> str:
    return "sagebox-limits-marker-" + uuid.uuid4().hex


class Env(TrainingEnv):
    """The limits suite's server: worker.py and attempts.py as a sourcedir, worker.py as a `code` channel. A request
    is an on-demand job unless told; a spot job gets a checkpoint folder and MaxWaitTimeInSeconds = MaxRuntime unless
    told."""

    bucket_hint = "limits"
    sources = (LIMITS / "worker.py", SPOT / "attempts.py")
    code = (LIMITS / "worker.py",)

    def request(self, name: str, program: str, hyperparameters: dict | None = None, *, spot: bool = False,
                max_runtime: int = 600, max_wait: int | None = None, **options) -> dict:
        return super().request(name, program, hyperparameters, spot=spot, max_runtime=max_runtime,
                               max_wait=max_wait or max_runtime, checkpoint=spot, **options)

    def wait_working(self, name: str, marker: str) -> None:
        """Until worker.py runs and both its helpers are in /proc."""
        self.wait_secondary(name, "Training")
        assert wait_until(lambda: any(m.startswith("working ") for m in self.messages(name)), 20, interval=0.2), \
            f"the worker never started: {self.messages(name)}"
        assert wait_until(lambda: len(processes_with(marker)) >= 3, 10), \
            f"the worker and its two helpers are not all in /proc: {processes_with(marker)}"


def transition(desc: dict, status: str, nth: int = 0) -> dict:
    return [t for t in desc["SecondaryStatusTransitions"] if t["Status"] == status][nth]


def running_windows(desc: dict) -> list[tuple[float, float]]:
    """(start, end) of every Training period: until the next transition."""
    transitions = desc["SecondaryStatusTransitions"]
    return [(t["StartTime"].timestamp(), transitions[i + 1]["StartTime"].timestamp())
            for i, t in enumerate(transitions) if t["Status"] == "Training" and i + 1 < len(transitions)]


def assert_billing(desc: dict, ratio: float | None) -> None:
    """TrainingTimeInSeconds: the seconds the job's processes ran (>= 1); BillableTimeInSeconds: the same, or that
    × the spot price ratio for spot jobs (>= 1), so the SDK's savings line is (1 - billable/training) * 100."""
    training, billable = desc["TrainingTimeInSeconds"], desc["BillableTimeInSeconds"]
    assert isinstance(training, int) and isinstance(billable, int)
    assert training >= 1 and billable >= 1, (training, billable)
    if ratio is None:
        assert billable == training, (training, billable)
        assert desc.get("EnableManagedSpotTraining") in (None, False)
    else:
        assert desc["EnableManagedSpotTraining"] is True
        assert billable <= training and abs(billable - max(1.0, training * ratio)) <= 1, (training, billable, ratio)


@pytest.fixture(scope="module")
def env(server_manager, json_client) -> Env:
    return Env(server_manager.start(extra_args=server_args()), json_client)


# --------------------------------------------------------------------------------------------------------------
# StopTrainingJob
# --------------------------------------------------------------------------------------------------------------

@pytest.mark.timeout(90)
@pytest.mark.parametrize("launch", ["toolkit", "entrypoint"])
def test_stop_mid_run_leaves_no_process_and_uploads_the_model(env, launch):
    """Stopping at once, then Stopped; every process of the job is gone — the script, a child in its group and a
    child in a session of its own — and the model written before the stop is uploaded. The toolkit's script never
    sees SIGTERM (SIGKILL after the grace period); a ContainerEntrypoint gets SIGTERM and exits in its handler."""
    name, marker = unique_name(f"stop-{launch}"), new_marker()
    if launch == "toolkit":
        request = env.request(name, "worker.py", {"seconds": "60", "marker": marker, "on_sigterm": "exit"})
    else:
        request = env.request(name, "unused", entrypoint=[
            "python3", "/opt/ml/input/data/code/worker.py", "--seconds", "60", "--marker", marker,
            "--on_sigterm", "exit"])
    env.create(request)
    try:
        env.wait_working(name, marker)
        time.sleep(1)
        asked = time.monotonic()
        env.sm.stop_training_job(TrainingJobName=name)
        now = env.describe(name)
        assert (now["TrainingJobStatus"], now["SecondaryStatus"]) == ("Stopping", "Stopping"), \
            (now["TrainingJobStatus"], now["SecondaryStatus"])
        assert now["SecondaryStatusTransitions"][-1]["StatusMessage"] == "Stopping the training job"
        desc = env.wait_terminal(name, timeout=GRACE + 30)
        took = time.monotonic() - asked
        assert (desc["TrainingJobStatus"], desc["SecondaryStatus"]) == ("Stopped", "Stopped"), \
            (desc["TrainingJobStatus"], desc["SecondaryStatus"], desc.get("FailureReason"))
        leftovers = processes_with(marker)
        assert not leftovers, f"processes of the stopped job still run after Stopped: {leftovers}"
        files = env.model_files(desc)
        if launch == "toolkit":
            assert took >= GRACE - 0.3, f"the toolkit's script has no SIGTERM, yet the job stopped in {took:.1f}s"
            assert set(files) == {"before.txt"}, set(files)
            assert not any("got SIGTERM" in m for m in env.messages(name))
        else:
            assert set(files) == {"before.txt", "sigterm.txt"}, set(files)
            assert "got SIGTERM" in env.messages(name)
        assert statuses(desc)[:3] == ["Starting", "Downloading", "Training"]
        assert statuses(desc)[-3:] == ["Stopping", "Uploading", "Stopped"], statuses(desc)
        assert "FailureReason" not in desc
        assert desc["ModelArtifacts"]["S3ModelArtifacts"] == f"s3://{env.bucket}/output/{name}/output/model.tar.gz"
        assert_billing(desc, None)
        window = transition(desc, "Stopping")["StartTime"].timestamp() - transition(desc, "Training")["StartTime"].timestamp()
        assert window <= desc["TrainingTimeInSeconds"] + 1, (window, desc["TrainingTimeInSeconds"])
        message = validation_error(env.sm.stop_training_job, TrainingJobName=name)
        assert message == "The request was rejected because the training job is in status Stopped."
    finally:
        kill_marked(marker)


@pytest.mark.timeout(60)
def test_stop_while_waiting_for_capacity(env):
    """A spot job stopped while it waits for capacity ends Stopped with nothing run and no process started."""
    name = unique_name("stop-waiting")
    env.create(env.request(name, "attempts.py", {"finish-on-attempt": "1"}, spot=True, max_runtime=60,
                           tags={CAPACITY_TAG: "600"}))
    env.wait_secondary(name, "Starting")
    time.sleep(1)
    env.sm.stop_training_job(TrainingJobName=name)
    desc = env.wait_terminal(name, timeout=15)
    assert (desc["TrainingJobStatus"], desc["SecondaryStatus"]) == ("Stopped", "Stopped"), \
        (desc["TrainingJobStatus"], desc["SecondaryStatus"], desc.get("FailureReason"))
    assert "Training" not in statuses(desc), statuses(desc)
    assert "FailureReason" not in desc
    if "BillableTimeInSeconds" in desc:
        assert desc.get("TrainingTimeInSeconds", 0) >= 1, "SDK v2 divides billable by training seconds for spot"


# --------------------------------------------------------------------------------------------------------------
# MaxRuntimeInSeconds
# --------------------------------------------------------------------------------------------------------------

@pytest.mark.timeout(90)
def test_max_runtime_exceeded_leaves_no_process_and_uploads_the_model(env):
    name, marker = unique_name("max-runtime"), new_marker()
    env.create(env.request(name, "worker.py", {"seconds": "60", "marker": marker}, max_runtime=3))
    try:
        env.wait_working(name, marker)
        desc = env.wait_terminal(name, timeout=GRACE + 30)
        assert (desc["TrainingJobStatus"], desc["SecondaryStatus"]) == ("Stopped", "MaxRuntimeExceeded"), \
            (desc["TrainingJobStatus"], desc["SecondaryStatus"], desc.get("FailureReason"))
        leftovers = processes_with(marker)
        assert not leftovers, f"processes of the job still run after MaxRuntimeExceeded: {leftovers}"
        assert "FailureReason" not in desc
        assert statuses(desc)[-1] == "MaxRuntimeExceeded" and "Uploading" in statuses(desc), statuses(desc)
        assert set(env.model_files(desc)) == {"before.txt"}
        training_start = transition(desc, "Training")["StartTime"].timestamp()
        stopped_at = next(t for t in desc["SecondaryStatusTransitions"]
                          if t["Status"] in ("Stopping", "Uploading"))["StartTime"].timestamp()
        assert 3 - 0.3 <= stopped_at - training_start <= 3 + 1.5, \
            f"brought down {stopped_at - training_start:.2f}s into training (MaxRuntimeInSeconds 3)"
        assert_billing(desc, None)
        assert 3 <= desc["TrainingTimeInSeconds"] <= 3 + GRACE + 2, desc["TrainingTimeInSeconds"]
    finally:
        kill_marked(marker)


@pytest.mark.timeout(90)
def test_spot_max_runtime_counts_running_time_across_attempts(env):
    """Attempt 1 is interrupted after 2 s (+ the 2 s grace: 4 s of running time); with MaxRuntimeInSeconds 6 the
    second attempt may run 2 s more, not 6."""
    name, marker = unique_name("runtime-spot"), new_marker()
    env.create(env.request(name, "attempts.py", {"finish-on-attempt": "9", "marker": marker}, spot=True,
                           max_runtime=6, max_wait=120, tags={INTERRUPT_TAG: "2"}))
    try:
        desc = env.wait_terminal(name, timeout=60)
        assert (desc["TrainingJobStatus"], desc["SecondaryStatus"]) == ("Stopped", "MaxRuntimeExceeded"), \
            (desc["TrainingJobStatus"], desc["SecondaryStatus"], desc.get("FailureReason"), statuses(desc))
        assert statuses(desc)[:8] == ["Starting", "Downloading", "Training", "Interrupted", "Starting",
                                      "Downloading", "Training", "Stopping"], statuses(desc)
        windows = running_windows(desc)
        first = windows[0][1] - windows[0][0]
        second = windows[1][1] - windows[1][0]
        assert first + second <= 6 + 2.0, \
            f"ran {first:.2f}s + {second:.2f}s before the stop: MaxRuntimeInSeconds (6) is per attempt, not per job"
        assert first + second >= 6 - 0.5, (first, second)
        assert not processes_with(marker)
        assert_billing(desc, 0.3)
        assert abs(desc["TrainingTimeInSeconds"] - (first + second + GRACE)) <= 1.5, \
            (desc["TrainingTimeInSeconds"], first, second)
    finally:
        kill_marked(marker)


# --------------------------------------------------------------------------------------------------------------
# MaxWaitTimeInSeconds
# --------------------------------------------------------------------------------------------------------------

@pytest.mark.timeout(90)
def test_spot_max_wait_shorter_than_the_work_is_max_wait_time_exceeded(env):
    """MaxWaitTimeInSeconds counts the whole job: waiting for capacity (3 s) or a restart after an interruption,
    and running. Both jobs have MaxWait = MaxRuntime = 6 s and 60 s of work, and end MaxWaitTimeExceeded before
    they have run for 6 s."""
    waited, restarted = unique_name("wait-capacity"), unique_name("wait-restart")
    markers = {waited: new_marker(), restarted: new_marker()}
    env.create(env.request(waited, "worker.py", {"seconds": "60", "marker": markers[waited]}, spot=True,
                           max_runtime=6, max_wait=6, tags={CAPACITY_TAG: "3"}))
    env.create(env.request(restarted, "attempts.py", {"finish-on-attempt": "9", "marker": markers[restarted]},
                           spot=True, max_runtime=6, max_wait=6, tags={INTERRUPT_TAG: "1"}))
    try:
        for name in (waited, restarted):
            desc = env.wait_terminal(name, timeout=40)
            assert (desc["TrainingJobStatus"], desc["SecondaryStatus"]) == ("Stopped", "MaxWaitTimeExceeded"), \
                (name, desc["TrainingJobStatus"], desc["SecondaryStatus"], desc.get("FailureReason"),
                 statuses(desc))
            created = desc["CreationTime"].timestamp()
            stopping = transition(desc, "Stopping")["StartTime"].timestamp()
            assert 6 - 0.3 <= stopping - created <= 6 + 1.5, f"{name}: stopped {stopping - created:.2f}s after creation"
            assert statuses(desc)[-1] == "MaxWaitTimeExceeded", statuses(desc)
            assert "FailureReason" not in desc
            assert not processes_with(markers[name]), processes_with(markers[name])
            assert_billing(desc, 0.3)
            running = sum(end - start for start, end in running_windows(desc))
            assert running < 6 - 0.5, f"{name}: ran {running:.2f}s before the stop; MaxWait was to come first"
            assert abs(desc["TrainingTimeInSeconds"] - (running + GRACE)) <= 1.5, (desc["TrainingTimeInSeconds"],
                                                                                   running)
        assert "Interrupted" in statuses(env.describe(restarted))
        assert set(env.model_files(env.describe(waited))) == {"before.txt"}
    finally:
        for marker in markers.values():
            kill_marked(marker)


# --------------------------------------------------------------------------------------------------------------
# Billing
# --------------------------------------------------------------------------------------------------------------

@pytest.mark.timeout(90)
def test_training_and_billable_seconds(sagebox_factory, json_client):
    """On a server with --spot-price-ratio 0.5: a job of about 4 s bills 4 s on demand and 2 s as spot; a job of
    well under a second reports 1 and 1 (never 0: SDK v2 divides by TrainingTimeInSeconds)."""
    env = Env(sagebox_factory(extra_args=server_args("--spot-price-ratio", "0.5")), json_client)
    jobs = {
        "on-demand": env.request(unique_name("bill-od"), "worker.py", {"seconds": "4"}),
        "spot": env.request(unique_name("bill-spot"), "worker.py", {"seconds": "4"}, spot=True, max_runtime=60),
        "short-spot": env.request(unique_name("bill-short"), "attempts.py", {"finish-on-attempt": "1"}, spot=True,
                                  max_runtime=60),
    }
    for request in jobs.values():
        env.create(request)
    descs = {kind: env.wait_terminal(request["TrainingJobName"]) for kind, request in jobs.items()}
    for kind, desc in descs.items():
        assert desc["TrainingJobStatus"] == "Completed", (kind, desc["TrainingJobStatus"], desc.get("FailureReason"))
        (start, end), = running_windows(desc)
        assert abs(desc["TrainingTimeInSeconds"] - max(1.0, end - start)) <= 1.0, \
            (kind, desc["TrainingTimeInSeconds"], end - start)
    assert_billing(descs["on-demand"], None)
    assert 4 <= descs["on-demand"]["TrainingTimeInSeconds"] <= 6
    assert_billing(descs["spot"], 0.5)
    assert 4 <= descs["spot"]["TrainingTimeInSeconds"] <= 6
    short = descs["short-spot"]
    assert (short["TrainingTimeInSeconds"], short["BillableTimeInSeconds"]) == (1, 1), \
        (short["TrainingTimeInSeconds"], short["BillableTimeInSeconds"])


# --------------------------------------------------------------------------------------------------------------
# Two servers on one machine
# --------------------------------------------------------------------------------------------------------------

@pytest.mark.timeout(90)
def test_same_named_jobs_on_two_servers_leave_each_other_alone(sagebox_factory, json_client):
    """Two Sagebox servers (separate data dirs, as two projects or two CI shards have) each run a job called the
    same. When one job's processes end, Sagebox sweeps up what they left behind: that sweep must not reach the other
    server's job."""
    first = Env(sagebox_factory(extra_args=server_args()), json_client)
    second = Env(sagebox_factory(extra_args=server_args()), json_client)
    name, marker = unique_name("twin"), new_marker()
    second.create(second.request(name, "worker.py", {"seconds": "30", "marker": marker}))
    try:
        second.wait_working(name, marker)
        first.create(first.request(name, "worker.py", {"seconds": "1"}))
        assert first.wait_terminal(name)["TrainingJobStatus"] == "Completed"
        time.sleep(1)
        desc = second.describe(name)
        assert (desc["TrainingJobStatus"], desc["SecondaryStatus"]) == ("InProgress", "Training"), \
            f"the other server's job of the same name ended: {desc['TrainingJobStatus']} {desc.get('FailureReason')}"
        assert len(processes_with(marker)) == 3, processes_with(marker)
        second.sm.stop_training_job(TrainingJobName=name)
        assert second.wait_terminal(name, timeout=GRACE + 20)["TrainingJobStatus"] == "Stopped"
    finally:
        kill_marked(marker)
