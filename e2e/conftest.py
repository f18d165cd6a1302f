"""Fixtures for the Sagebox end-to-end suite.

A session-wide `sagebox serve` runs on a free loopback port with a temporary data dir; tests talk to it with the
real boto3, AWS CLI and SageMaker Python SDK. `sagebox_factory` starts extra servers (auth mode, restarts on the
same data dir, crash tests). The client environment is isolated: nothing reads ~/.aws or ~/.config/sagemaker.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Optional

import pytest

E2E_DIR = Path(__file__).resolve().parent
REPO_ROOT = E2E_DIR.parent
sys.path.insert(0, str(E2E_DIR))

import helpers  # noqa: E402
from helpers import REGION, free_port, make_client  # noqa: E402

HEALTH_PATH = "/_sagebox/health"
STARTUP_TIMEOUT = 20.0

# --------------------------------------------------------------------------------------------------------------
# Isolation of the client side: the tests must never read the developer's ~/.aws or SageMaker config, and never
# reach an AWS endpoint. This runs at import, before any boto3 session exists.
# --------------------------------------------------------------------------------------------------------------

_ISOLATION_DIR = Path(tempfile.mkdtemp(prefix="sagebox-e2e-env-"))
(_ISOLATION_DIR / "aws-config").write_text("")
(_ISOLATION_DIR / "aws-credentials").write_text("")
(_ISOLATION_DIR / "home").mkdir()
for _name in list(os.environ):
    if _name.startswith(("AWS_", "SAGEMAKER_")):
        del os.environ[_name]
os.environ.update({
    "AWS_CONFIG_FILE": str(_ISOLATION_DIR / "aws-config"),
    "AWS_SHARED_CREDENTIALS_FILE": str(_ISOLATION_DIR / "aws-credentials"),
    "AWS_EC2_METADATA_DISABLED": "true",
    "AWS_ACCESS_KEY_ID": helpers.DUMMY_KEY,
    "AWS_SECRET_ACCESS_KEY": helpers.DUMMY_SECRET,
    "AWS_DEFAULT_REGION": REGION,
})

# Virtual-host-style S3 uses http://<bucket>.localhost:PORT. glibc does not resolve *.localhost on this machine,
# so this test process maps every *.localhost name to 127.0.0.1 (what a browser or systemd-resolved would do).
_real_getaddrinfo = socket.getaddrinfo


def _getaddrinfo_localhost(host, *args, **kwargs):
    if isinstance(host, str) and host.endswith(".localhost"):
        host = "127.0.0.1"
    return _real_getaddrinfo(host, *args, **kwargs)


socket.getaddrinfo = _getaddrinfo_localhost


def pytest_report_header(config):
    import boto3
    import botocore
    return [f"sagebox binary: {built_binary()} (run from a private copy)",
            f"boto3 {boto3.__version__}, botocore {botocore.__version__}, awscrt: {helpers.have_awscrt()}"]


# --------------------------------------------------------------------------------------------------------------
# The server process
# --------------------------------------------------------------------------------------------------------------

def built_binary() -> Path:
    """$SAGEBOX_BIN if set, else the debug build at <repo>/.build/debug/sagebox."""
    env_bin = os.environ.get("SAGEBOX_BIN")
    if env_bin:
        return Path(env_bin).resolve()
    return REPO_ROOT / ".build" / "debug" / "sagebox"


_snapshot: Optional[Path] = None


def sagebox_binary() -> Path:
    """A private copy of the built binary, taken once per session, so that a rebuild while the suite runs (the
    linker rewriting .build/debug/sagebox) can neither break a restart nor mix two versions in one run."""
    global _snapshot
    if _snapshot is None:
        source = built_binary()
        if not source.exists():
            return source
        copy = _ISOLATION_DIR / "bin" / "sagebox"
        copy.parent.mkdir(exist_ok=True)
        shutil.copy2(source, copy)
        _snapshot = copy
    return _snapshot


class SageboxServer:
    """One `sagebox serve` process. `.endpoint`, `.data_dir`, `.port`, `.proc`, `.log_path`."""

    def __init__(self, binary: Path, data_dir: Path, log_dir: Path, port: Optional[int] = None,
                 extra_args: tuple = (), host: str = "127.0.0.1"):
        self.binary = binary
        self.data_dir = Path(data_dir)
        self.log_dir = Path(log_dir)
        self.port = port
        self.host = host
        self.extra_args = tuple(extra_args)
        self.proc: Optional[subprocess.Popen] = None
        self.log_path: Optional[Path] = None
        self.starts = 0

    @property
    def endpoint(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def localhost_endpoint(self) -> str:
        return f"http://localhost:{self.port}"

    def command(self) -> list[str]:
        return [str(self.binary), "serve", "--host", self.host, "--port", str(self.port),
                "--data-dir", str(self.data_dir), *self.extra_args]

    def start(self) -> "SageboxServer":
        if not self.binary.exists():
            pytest.fail(f"sagebox binary not found at {built_binary()}; run `swift build` (or set SAGEBOX_BIN)",
                        pytrace=False)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        attempts = 3 if self.port is None else 1
        for attempt in range(attempts):
            if self.port is None or attempt > 0:
                self.port = free_port()
            self.starts += 1
            self.log_path = self.log_dir / f"sagebox-{self.port}-{self.starts}.log"
            log = open(self.log_path, "wb")
            self.proc = subprocess.Popen(self.command(), stdout=log, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, cwd=str(self.log_dir))
            log.close()
            if self._wait_healthy():
                return self
            if self.proc.poll() is not None and b"in use" in self.log_tail().encode() and attempt + 1 < attempts:
                continue  # lost a race for the port: try another one
            break
        self.kill()
        pytest.fail(f"sagebox did not answer {HEALTH_PATH} within {STARTUP_TIMEOUT:.0f}s\n"
                    f"command: {' '.join(self.command())}\nexit code: {self.proc.poll()}\n"
                    f"--- server output ---\n{self.log_tail()}", pytrace=False)

    def _wait_healthy(self) -> bool:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            try:
                with urllib.request.urlopen(self.endpoint + HEALTH_PATH, timeout=1) as resp:
                    if resp.status == 200:
                        return True
            except (urllib.error.URLError, ConnectionError, socket.timeout, OSError):
                pass
            time.sleep(0.05)
        return False

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout: float = 10) -> Optional[int]:
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        return self.proc.returncode

    def kill(self) -> None:
        """SIGKILL: no chance to clean up (used by the crash tests)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def restart(self) -> "SageboxServer":
        """Stop (if running) and start again on the same port and data dir."""
        self.stop()
        return self.start()

    def log_tail(self, n: int = 60) -> str:
        if not self.log_path or not self.log_path.exists():
            return "(no output)"
        lines = self.log_path.read_text(errors="replace").splitlines()
        return "\n".join(lines[-n:])

    def s3(self, **kwargs):
        return make_client("s3", self.endpoint, **kwargs)

    def client(self, service: str, **kwargs):
        return make_client(service, self.endpoint, **kwargs)


class ServerManager:
    def __init__(self, base: Path):
        self.base = base
        self.servers: list[SageboxServer] = []

    def start(self, data_dir: Optional[Path] = None, extra_args=(), port: Optional[int] = None) -> SageboxServer:
        name = f"srv{len(self.servers)}"
        if data_dir is None:
            data_dir = self.base / name / "data"
        server = SageboxServer(sagebox_binary(), data_dir, self.base / name / "logs", port=port,
                               extra_args=extra_args)
        self.servers.append(server)
        return server.start()

    def stop_all(self):
        for server in self.servers:
            try:
                server.stop()
            except Exception:  # pragma: no cover - best effort at teardown
                server.kill()


@pytest.fixture(scope="session")
def server_manager(tmp_path_factory):
    manager = ServerManager(tmp_path_factory.mktemp("sagebox"))
    yield manager
    manager.stop_all()


@pytest.fixture(scope="session")
def sagebox(server_manager) -> SageboxServer:
    """The shared server: default flags, a fresh temp data dir."""
    return server_manager.start()


@pytest.fixture(autouse=True)
def _sagebox_survives_each_test(request):
    """If a test kills the shared server (a crash), fail that test with the server's output and restart the
    server on the same port and data dir so the rest of the suite still runs."""
    yield
    if "sagebox" not in request.fixturenames:
        return
    server = request.getfixturevalue("sagebox")
    if not server.alive():
        code = server.proc.returncode if server.proc else None
        tail = server.log_tail()
        server.start()
        pytest.fail(f"the sagebox server exited during this test (exit code {code})\n--- server output ---\n{tail}",
                    pytrace=False)


@pytest.fixture
def sagebox_factory(tmp_path):
    """Start extra servers: factory(extra_args=(...), data_dir=None, port=None) -> SageboxServer. Each is stopped
    when the test ends. Call `.restart()`, `.kill()` then `.start()` for restarts on the same data dir."""
    manager = ServerManager(tmp_path / "servers")

    def factory(extra_args=(), data_dir=None, port=None) -> SageboxServer:
        return manager.start(data_dir=data_dir, extra_args=extra_args, port=port)

    yield factory
    manager.stop_all()


# --------------------------------------------------------------------------------------------------------------
# Clients
# --------------------------------------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def s3(sagebox):
    """boto3 S3 client, path style, us-east-1, dummy credentials."""
    return make_client("s3", sagebox.endpoint)


@pytest.fixture(scope="session")
def s3_virtual(sagebox):
    """boto3 S3 client, virtual-host style: requests go to http://<bucket>.localhost:PORT."""
    return make_client("s3", sagebox.localhost_endpoint, addressing_style="virtual")


@pytest.fixture(scope="session")
def s3_eu(sagebox):
    """boto3 S3 client whose region is eu-west-1 (for LocationConstraint tests)."""
    return make_client("s3", sagebox.endpoint, region="eu-west-1")


@pytest.fixture(scope="session")
def sts(sagebox):
    return make_client("sts", sagebox.endpoint)


def unique_bucket_name(hint: str = "t") -> str:
    hint = re.sub(r"[^a-z0-9-]+", "-", hint.lower()).strip("-")[:40].strip("-") or "t"
    return f"{hint}-{uuid.uuid4().hex[:10]}"


@pytest.fixture
def bucket_name(request):
    return unique_bucket_name(request.node.name)


@pytest.fixture
def bucket(s3, bucket_name):
    """A new, empty bucket (us-east-1) on the shared server, unique to the test."""
    s3.create_bucket(Bucket=bucket_name)
    return bucket_name


# --------------------------------------------------------------------------------------------------------------
# Subprocess environments: the AWS CLI and the SageMaker SDK
# --------------------------------------------------------------------------------------------------------------

def venv_bin_dir() -> Path:
    return Path(sys.executable).parent


def aws_cli_path() -> str:
    candidate = venv_bin_dir() / "aws"
    if candidate.exists():
        return str(candidate)
    found = shutil.which("aws")
    if not found:
        pytest.fail("the AWS CLI (awscli) is not installed in the test venv", pytrace=False)
    return found


@pytest.fixture(scope="session")
def isolated_home(tmp_path_factory) -> Path:
    home = tmp_path_factory.mktemp("home")
    return home


def clean_env(home: Path) -> dict:
    """os.environ without any AWS_/SAGEMAKER_ variable, with HOME pointing at an empty dir and the venv on PATH."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "SAGEMAKER_"))}
    env["HOME"] = str(home)
    env["PATH"] = f"{venv_bin_dir()}{os.pathsep}{env.get('PATH', '')}"
    env["AWS_CONFIG_FILE"] = str(_ISOLATION_DIR / "aws-config")
    env["AWS_SHARED_CREDENTIALS_FILE"] = str(_ISOLATION_DIR / "aws-credentials")
    env["AWS_EC2_METADATA_DISABLED"] = "true"
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


@pytest.fixture(scope="session")
def cli_env(sagebox, isolated_home) -> dict:
    env = clean_env(isolated_home)
    env.update({
        "AWS_ENDPOINT_URL": sagebox.endpoint,
        "AWS_ACCESS_KEY_ID": helpers.DUMMY_KEY,
        "AWS_SECRET_ACCESS_KEY": helpers.DUMMY_SECRET,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_DEFAULT_OUTPUT": "json",
        "AWS_MAX_ATTEMPTS": "1",
        "AWS_RETRY_MODE": "standard",
    })
    return env


class AwsCli:
    def __init__(self, env: dict):
        self.env = env
        self.binary = aws_cli_path()

    def __call__(self, *args, check: bool = True, input: Optional[str] = None, timeout: float = 110,
                 env: Optional[dict] = None, cwd=None) -> subprocess.CompletedProcess:
        run_env = dict(self.env)
        if env:
            run_env.update(env)
        proc = subprocess.run([self.binary, *map(str, args)], env=run_env, input=input, capture_output=True,
                              text=True, timeout=timeout, cwd=cwd)
        if check and proc.returncode != 0:
            raise AssertionError(f"`aws {' '.join(map(str, args))}` exited {proc.returncode}\n"
                                 f"stdout:\n{proc.stdout[-3000:]}\nstderr:\n{proc.stderr[-3000:]}")
        return proc

    def json(self, *args, **kwargs):
        proc = self(*args, **kwargs)
        return json.loads(proc.stdout) if proc.stdout.strip() else {}


@pytest.fixture(scope="session")
def aws(cli_env) -> AwsCli:
    """Run the AWS CLI (v1, from the venv) against the shared server: aws("s3", "ls"), aws.json("s3api", ...)."""
    return AwsCli(cli_env)


def sagebox_env_vars(endpoint: Optional[str], base_env: dict, config_file: Optional[Path] = None) -> dict:
    """Apply `eval "$(sagebox env [--endpoint URL] [--config-file F])"` in bash on top of base_env; return the
    resulting env."""
    args = ["--endpoint", endpoint] if endpoint else []
    if config_file is not None:
        args += ["--config-file", str(config_file)]
    script = 'set -e; out="$("$SAGEBOX_BIN_FOR_ENV" env "$@")"; eval "$out"; env -0'
    env = dict(base_env)
    env["SAGEBOX_BIN_FOR_ENV"] = str(sagebox_binary())
    proc = subprocess.run(["bash", "-c", script, "bash", *args], env=env, capture_output=True, timeout=30)
    shown = "".join(f" {a}" for a in args)
    assert proc.returncode == 0, (f"eval \"$(sagebox env{shown})\" failed ({proc.returncode}): "
                                  f"{proc.stderr.decode(errors='replace')}")
    result = {}
    for item in proc.stdout.split(b"\0"):
        if b"=" in item:
            k, v = item.split(b"=", 1)
            result[k.decode()] = v.decode(errors="replace")
    result.pop("SAGEBOX_BIN_FOR_ENV", None)
    return result


def pytest_unconfigure(config):
    shutil.rmtree(_ISOLATION_DIR, ignore_errors=True)


# --------------------------------------------------------------------------------------------------------------
# Training jobs: a server that can run them, clients whose every JSON response is checked against botocore's model,
# and the environment the SageMaker SDKs run in (test_training_*.py, test_logs_api.py)
# --------------------------------------------------------------------------------------------------------------

TRAINING_STOP_GRACE_SECONDS = 3


@pytest.fixture(scope="session")
def training_server(server_manager) -> SageboxServer:
    """A server for training jobs: the repository's container specs named explicitly (searched before the copies
    compiled into the binary, so an edited spec is tested without regenerating them) and a short SIGTERM→SIGKILL
    grace."""
    return server_manager.start(extra_args=("--container-specs", str(REPO_ROOT / "container-specs"),
                                            "--stop-grace-seconds", str(TRAINING_STOP_GRACE_SECONDS)))


@pytest.fixture(scope="session")
def json_client():
    """json_client(service, endpoint) -> a boto3 client (JSON protocol: sagemaker, logs) whose every response is
    checked against botocore's output shape before botocore parses it: every key is a member of the shape, every
    value has the modelled type (string/enum, integer, float, boolean, epoch-number timestamp, list, structure, map),
    required members are present, and error bodies carry `__type` and a message. botocore itself ignores all of
    these. A violation raises helpers.ResponseShapeError from the call."""

    def check(value, shape, path):
        problems = []
        t = shape.type_name
        if t == "structure":
            if not isinstance(value, dict):
                return [f"{path}: expected an object ({shape.name}), got {type(value).__name__}"]
            for key, item in value.items():
                member = shape.members.get(key)
                if member is None:
                    problems.append(f"{path}.{key}: not a member of {shape.name}")
                    continue
                if item is None:
                    problems.append(f"{path}.{key}: null")
                    continue
                problems += check(item, member, f"{path}.{key}")
            for required in shape.required_members:
                if required not in value:
                    problems.append(f"{path}: required member {required} of {shape.name} is missing")
        elif t == "list":
            if not isinstance(value, list):
                return [f"{path}: expected a list ({shape.name}), got {type(value).__name__}"]
            for i, item in enumerate(value):
                problems += check(item, shape.member, f"{path}[{i}]")
        elif t == "map":
            if not isinstance(value, dict):
                return [f"{path}: expected a map ({shape.name}), got {type(value).__name__}"]
            for key, item in value.items():
                problems += check(key, shape.key, f"{path}<key>")
                problems += check(item, shape.value, f"{path}[{key!r}]")
        elif t == "string":
            if not isinstance(value, str):
                return [f"{path}: expected a string ({shape.name}), got {value!r}"]
            if shape.enum and value not in shape.enum:
                problems.append(f"{path}: {value!r} is not one of {shape.name}'s values {shape.enum}")
            limit = shape.metadata.get("max")
            if limit is not None and len(value) > limit:
                problems.append(f"{path}: {len(value)} characters, more than {shape.name}'s max of {limit}")
        elif t in ("integer", "long"):
            if isinstance(value, bool) or not isinstance(value, int):
                problems.append(f"{path}: expected an integer ({shape.name}), got {value!r}")
        elif t in ("float", "double"):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                problems.append(f"{path}: expected a number ({shape.name}), got {value!r}")
        elif t == "boolean":
            if not isinstance(value, bool):
                problems.append(f"{path}: expected true/false ({shape.name}), got {value!r}")
        elif t == "timestamp":
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                problems.append(f"{path}: expected epoch seconds as a JSON number ({shape.name}), got {value!r}")
        elif t == "blob":
            if not isinstance(value, str):
                problems.append(f"{path}: expected base64 text ({shape.name}), got {value!r}")
        return problems

    def before_parse(operation_model=None, response_dict=None, **_):
        if response_dict is None:
            return
        status = response_dict.get("status_code", 0)
        body = bytes(response_dict.get("body") or b"")
        name = operation_model.name
        try:
            document = json.loads(body) if body.strip() else {}
        except ValueError as exc:
            raise helpers.ResponseShapeError(f"{name} (HTTP {status}): body is not JSON ({exc}): {body[:300]!r}")
        if status >= 300:
            if not isinstance(document, dict) or not document.get("__type") \
                    or not (document.get("message") or document.get("Message")):
                raise helpers.ResponseShapeError(
                    f"{name} (HTTP {status}): error body lacks __type and message: {body[:300]!r}")
            return
        shape = operation_model.output_shape
        problems = check(document, shape, name) if shape is not None else \
            ([f"{name}: expected an empty body, got {body[:200]!r}"] if document else [])
        if problems:
            raise helpers.ResponseShapeError(f"{name} (HTTP {status}): " + "; ".join(problems[:10]))

    def factory(service: str, endpoint: str, **kwargs):
        client = make_client(service, endpoint, **kwargs)
        client.meta.events.register(f"before-parse.{client.meta.service_model.service_id.hyphenize()}.*",
                                    before_parse)
        return client

    return factory


@pytest.fixture(scope="session")
def training_sm(training_server, json_client):
    """SageMaker client for the training server (responses checked against botocore's model)."""
    return json_client("sagemaker", training_server.endpoint)


@pytest.fixture(scope="session")
def training_logs(training_server, json_client):
    """CloudWatch Logs client for the training server (responses checked against botocore's model)."""
    return json_client("logs", training_server.endpoint)


@pytest.fixture(scope="session")
def training_s3(training_server):
    return make_client("s3", training_server.endpoint)


@pytest.fixture(scope="session")
def training_bucket(training_s3) -> str:
    """One bucket on the training server for the session's sources, channels and outputs."""
    name = unique_bucket_name("training")
    training_s3.create_bucket(Bucket=name)
    return name


@pytest.fixture(scope="session")
def sdk_env(training_server, tmp_path_factory) -> dict:
    """The environment a user gets from `eval "$(sagebox env --endpoint URL --config-file F)"` on top of an empty
    HOME and no AWS settings: for running the SageMaker Python SDK (v2 or v3) in a subprocess."""
    base = tmp_path_factory.mktemp("sdk-env")
    (base / "home").mkdir()
    config = base / "sagemaker-config.yaml"
    env = clean_env(base / "home")
    for name in ("AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
        env.pop(name, None)  # `sagebox env` alone must be enough
    result = sagebox_env_vars(training_server.endpoint, env, config_file=config)
    # Keep the SDK's own files (caches, config lookups) inside the test's HOME, and fail fast on a wrong endpoint.
    result["AWS_CONFIG_FILE"] = str(_ISOLATION_DIR / "aws-config")
    result["AWS_SHARED_CREDENTIALS_FILE"] = str(_ISOLATION_DIR / "aws-credentials")
    result["SAGEMAKER_SUPPRESS_V2_WARNING"] = "1"
    result["PYTHONUNBUFFERED"] = "1"
    assert result.get("AWS_ENDPOINT_URL") == training_server.endpoint, result.get("AWS_ENDPOINT_URL")
    assert result.get("SAGEMAKER_USER_CONFIG_OVERRIDE") == str(config) and config.exists()
    return result
