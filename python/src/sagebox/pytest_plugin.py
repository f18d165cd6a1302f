"""pytest plugin: a Sagebox for the test session.

Fixtures
  sagebox           session-scoped `sagebox.Server`: `sagebox serve` from $SAGEBOX_BIN or PATH on a free port with a
                    temporary data dir; os.environ holds what `sagebox env` exports for it while the session runs
                    (boto3, the AWS CLI and the SageMaker SDK in tests then talk to it). Stopped at the end; its log
                    is kept, and its path printed, when a test failed.
  sagebox_endpoint  its URL.
  sagebox_args      the extra `sagebox serve` arguments (override it in a conftest.py to compute them).

Options (also ini keys sagebox_args, sagebox_bin, sagebox_fast_polling)
  --sagebox-arg=ARG       an extra `sagebox serve` argument, repeatable: --sagebox-arg=--stop-grace-seconds=5
  --sagebox-bin=PATH      the binary (default: $SAGEBOX_BIN, else `sagebox` on PATH)
  --sagebox-fast-polling  shorten the SageMaker SDK's fixed waits for jobs against this Sagebox (see fast_polling)
"""

from __future__ import annotations

import shutil

import pytest

from .server import Server, SageboxError

_KEPT_LOGS_KEY = pytest.StashKey[list]()


def pytest_addoption(parser):
    group = parser.getgroup("sagebox", "Sagebox (local SageMaker emulator)")
    group.addoption("--sagebox-arg", action="append", default=[], metavar="ARG",
                    help="extra argument for `sagebox serve`, repeatable (e.g. --sagebox-arg=--stop-grace-seconds=5)")
    group.addoption("--sagebox-bin", default=None, metavar="PATH",
                    help="the sagebox binary (default: $SAGEBOX_BIN, else sagebox on PATH)")
    group.addoption("--sagebox-fast-polling", action="store_true", default=None,
                    help="shorten the SageMaker SDK's 5-30 s client-side waits for jobs against Sagebox")
    parser.addini("sagebox_args", type="args", default=[], help="extra arguments for `sagebox serve`")
    parser.addini("sagebox_bin", default="", help="the sagebox binary")
    parser.addini("sagebox_fast_polling", type="bool", default=False,
                  help="shorten the SageMaker SDK's client-side waits for jobs against Sagebox")


def pytest_configure(config):
    config.stash[_KEPT_LOGS_KEY] = []


@pytest.fixture(scope="session")
def sagebox_args(pytestconfig) -> list[str]:
    """Extra `sagebox serve` arguments: the ini's `sagebox_args`, then every --sagebox-arg."""
    return [*pytestconfig.getini("sagebox_args"), *pytestconfig.getoption("sagebox_arg")]


@pytest.fixture(scope="session")
def sagebox(request, sagebox_args, tmp_path_factory):
    """A running Sagebox for the session, with os.environ pointing every AWS client at it."""
    config = request.config
    binary = config.getoption("sagebox_bin") or config.getini("sagebox_bin") or None
    fast = config.getoption("sagebox_fast_polling")
    if fast is None:
        fast = config.getini("sagebox_fast_polling")
    work_dir = tmp_path_factory.mktemp("sagebox")
    try:
        server = Server(binary, sagebox_args, work_dir=work_dir, fast_polling=fast)
        server.start()
    except SageboxError as error:
        pytest.fail(f"could not start Sagebox: {error}", pytrace=False)
    yield server
    failed = request.session.testsfailed > 0
    server.stop(keep_files=True)
    if failed:
        config.stash[_KEPT_LOGS_KEY].append(str(server.log_path))
    else:
        shutil.rmtree(work_dir, ignore_errors=True)


@pytest.fixture(scope="session")
def sagebox_endpoint(sagebox) -> str:
    """The session's Sagebox URL, e.g. http://127.0.0.1:41233."""
    return sagebox.endpoint


def pytest_terminal_summary(terminalreporter, config):
    for path in config.stash.get(_KEPT_LOGS_KEY, []):
        terminalreporter.write_line(f"sagebox: tests failed; the server's log is kept at {path}")
