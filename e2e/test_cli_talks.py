"""The `sagebox` CLI as people and scripts use it: through pipes (output arrives line by line while a job runs, not
when the command exits), with errors that name the job, colours only on a terminal, and commands that say what
they are waiting for."""

from __future__ import annotations

import os
import pty
import queue
import re
import select
import subprocess
import threading
import time

import pytest

from conftest import TRAINING_STOP_GRACE_SECONDS, sagebox_binary
from helpers import free_port
from quick_jobs import SLEEPER, TICKS, start_job
from training_helpers import kill_marked, wait_secondary, wait_terminal


class Piped:
    """A CLI command whose stdout is a pipe, read by a thread that notes when each line arrived."""

    def __init__(self, *args: str):
        self.proc = subprocess.Popen([str(sagebox_binary()), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True, bufsize=1)
        self.started = time.monotonic()
        self.lines: queue.Queue = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.put((time.monotonic(), line.rstrip("\n")))
        self.lines.put((time.monotonic(), None))

    def next_matching(self, pattern: str, timeout: float) -> tuple[float, str]:
        """(seconds since start, line) of the next line matching `pattern`."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                at, line = self.lines.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"no line matching {pattern!r} within {timeout}s") from None
            if line is None:
                raise AssertionError(f"the command exited ({self.proc.wait()}) before a line matched {pattern!r}: "
                                     f"{self.proc.stderr.read()}")
            if re.search(pattern, line):
                return at - self.started, line

    def close(self):
        if self.proc.poll() is None:
            self.proc.terminate()
        self.proc.wait(10)


def cli(*args: str, env: dict | None = None, timeout: float = 30) -> subprocess.CompletedProcess:
    return subprocess.run([str(sagebox_binary()), *args], capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})})


@pytest.fixture
def endpoint(training_server) -> list[str]:
    return ["--endpoint", training_server.endpoint]


def test_serve_prints_the_eval_line_for_its_port(training_server):
    line = next(l for l in training_server.log_tail(200).splitlines() if l.startswith("Point clients at it with: "))
    command = line.removeprefix("Point clients at it with: ")
    assert command == f'eval "$({sagebox_binary()} env --endpoint {training_server.endpoint})"'
    proc = subprocess.run(["bash", "-c", command + ' && echo "$AWS_ENDPOINT_URL"'], capture_output=True, text=True,
                          timeout=30)
    assert proc.stdout.strip().splitlines()[-1] == training_server.endpoint and proc.stderr == "", proc


def test_env_warns_when_nothing_answers_and_not_otherwise(training_server, tmp_path):
    config = ["--config-file", str(tmp_path / "config.yaml")]
    silent = cli("env", "--endpoint", f"http://127.0.0.1:{free_port()}", *config)
    assert silent.returncode == 0 and "export AWS_ENDPOINT_URL=" in silent.stdout
    assert "nothing answers as Sagebox at http://127.0.0.1:" in silent.stderr, silent.stderr
    answered = cli("env", "--endpoint", training_server.endpoint, *config)
    assert answered.returncode == 0 and answered.stderr == ""


def test_errors_name_the_job(endpoint):
    for command in (["describe", "nope"], ["logs", "nope"], ["stop", "nope"]):
        proc = cli(*command, *endpoint)
        assert proc.returncode != 0
        assert "No training job named 'nope'" in proc.stderr, (command, proc.stderr)


def test_version_is_printed():
    proc = cli("--version")
    assert proc.returncode == 0 and re.fullmatch(r"\d+\.\d+\.\d+", proc.stdout.strip())


def test_logs_follow_delivers_lines_through_a_pipe_while_the_job_runs(training_sm, training_s3, training_bucket,
                                                                       tmp_path, endpoint):
    name = start_job(training_sm, training_s3, training_bucket, TICKS.format(count=12, pause=0.5), tmp_path,
                     hint="follow")
    follow = Piped("logs", name, "-f", *endpoint)
    try:
        _, line = follow.next_matching(r"^tick 0$", timeout=30)
        status = training_sm.describe_training_job(TrainingJobName=name)["TrainingJobStatus"]
        assert status == "InProgress", "the first line must arrive while the job still runs, not when it ends"
        follow.next_matching(r"^tick 11$", timeout=30)
        assert follow.proc.wait(30) == 0
    finally:
        follow.close()


def test_stop_wait_says_at_once_that_it_waits_for_the_grace_and_why(training_sm, training_s3, training_bucket,
                                                                    tmp_path, endpoint):
    name = start_job(training_sm, training_s3, training_bucket, SLEEPER, tmp_path, hint="graceful")
    try:
        wait_secondary(training_sm, name, "Training", timeout=60)
        stop = Piped("stop", name, "--wait", *endpoint)
        try:
            at, line = stop.next_matching(r"^Waiting for the stop grace", timeout=5)
            assert at < 2.5, f"the waiting line came after {at:.1f}s"
            assert "no SIGTERM" in line and "--stop-grace-seconds" in line, line
            seconds = int(re.search(r"in at most (\d+) s", line).group(1))
            assert 0 < seconds <= TRAINING_STOP_GRACE_SECONDS
            stop.next_matching(r"^Stopped - Stopped$", timeout=30)
            assert stop.proc.wait(10) == 0
        finally:
            stop.close()
    finally:
        kill_marked(name)


def test_colours_on_a_terminal_only(training_sm, training_s3, training_bucket, tmp_path, endpoint):
    name = start_job(training_sm, training_s3, training_bucket, TICKS.format(count=1, pause=0), tmp_path, hint="colour")
    wait_terminal(training_sm, name, timeout=60)
    piped = cli("jobs", *endpoint)
    assert name in piped.stdout and "\x1b[" not in piped.stdout

    controller, terminal = pty.openpty()
    proc = subprocess.Popen([str(sagebox_binary()), "jobs", *endpoint], stdout=terminal, stderr=subprocess.DEVNULL,
                            env={k: v for k, v in os.environ.items() if k != "NO_COLOR"})
    os.close(terminal)
    output = b""
    while True:
        ready, _, _ = select.select([controller], [], [], 30)
        try:
            chunk = os.read(controller, 65536) if ready else b""
        except OSError:  # the terminal closed: the command exited
            chunk = b""
        if not chunk:
            break
        output += chunk
    os.close(controller)
    proc.wait(10)
    assert b"\x1b[32mCompleted\x1b[0m" in output, output[:500]


def test_jobs_watch_prints_through_a_pipe(training_sm, training_s3, training_bucket, tmp_path, endpoint):
    name = start_job(training_sm, training_s3, training_bucket, TICKS.format(count=1, pause=0), tmp_path, hint="watch")
    watch = Piped("jobs", "--watch", "--interval", "0.5", *endpoint)
    try:
        at, _ = watch.next_matching(r"^== \d{4}-", timeout=10)
        watch.next_matching(r"^NAME\s+STATUS", timeout=5)
        # The job completes while we watch: the list is printed again with its new status.
        watch.next_matching(rf"^{name}\s+Completed", timeout=60)
    finally:
        watch.close()
