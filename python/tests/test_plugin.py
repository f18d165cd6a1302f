"""The pytest plugin, run as a user's suite runs it: a separate pytest process that loads the plugin through its
`pytest11` entry point (the package must be installed: `pip install ./python`), against the real binary."""

import json
import os
import urllib.error
import urllib.request
from pathlib import Path

import pytest

SUITE = '''
import json, os, urllib.request
from pathlib import Path

def test_environment_points_at_the_server(sagebox, sagebox_endpoint):
    assert os.environ["AWS_ENDPOINT_URL"] == sagebox_endpoint == sagebox.endpoint
    assert Path(os.environ["SAGEMAKER_USER_CONFIG_OVERRIDE"]).exists()
    health = json.load(urllib.request.urlopen(sagebox_endpoint + "/_sagebox/health"))
    Path("seen.json").write_text(json.dumps({"endpoint": sagebox_endpoint, "health": health,
                                             "work_dir": str(sagebox.work_dir)}))

def test_boto3_reaches_it_with_no_other_setup(sagebox):
    import boto3
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="from-the-plugin")
    assert "from-the-plugin" in [b["Name"] for b in s3.list_buckets()["Buckets"]]
'''


def answers(endpoint: str) -> bool:
    try:
        urllib.request.urlopen(endpoint + "/_sagebox/health", timeout=1)
        return True
    except (urllib.error.URLError, OSError):
        return False


def test_fixture_serves_the_session_with_server_flags_and_cleans_up(pytester):
    pytester.makepyfile(test_suite=SUITE)
    result = pytester.runpytest_subprocess("--sagebox-arg=--stop-grace-seconds=7", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)
    seen = json.loads((pytester.path / "seen.json").read_text())
    assert seen["health"]["stopGraceSeconds"] == 7, "--sagebox-arg reaches `sagebox serve`"
    assert not answers(seen["endpoint"]), "the server is stopped when the session ends"
    assert not Path(seen["work_dir"]).exists(), "a passing session leaves no data dir or log behind"


def test_a_failing_session_keeps_the_server_log(pytester):
    pytester.makepyfile(test_fails="def test_fails(sagebox):\n    assert False\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    kept = [line for line in result.outlines if "the server's log is kept at" in line]
    assert kept, result.stdout.str()
    log = Path(kept[0].rsplit(" ", 1)[1])
    assert "Sagebox listening on" in log.read_text()


def test_ini_file_configures_the_server(pytester):
    pytester.makeini("[pytest]\nsagebox_args = --stop-grace-seconds 3\n")
    pytester.makepyfile(test_ini='''
import json, urllib.request
def test_grace(sagebox_endpoint):
    assert json.load(urllib.request.urlopen(sagebox_endpoint + "/_sagebox/health"))["stopGraceSeconds"] == 3
''')
    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_a_missing_binary_is_reported_as_such(pytester, monkeypatch):
    monkeypatch.setenv("SAGEBOX_BIN", str(pytester.path / "no-such-sagebox"))
    pytester.makepyfile(test_missing="def test_needs_it(sagebox):\n    pass\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*could not start Sagebox*no-such-sagebox is not an executable sagebox binary*"])


def test_context_manager_sets_and_restores_the_environment(monkeypatch):
    import sagebox
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://example.invalid")
    with sagebox.Server() as server:
        assert os.environ["AWS_ENDPOINT_URL"] == server.endpoint
        assert answers(server.endpoint)
        work_dir = server.work_dir
    assert os.environ["AWS_ENDPOINT_URL"] == "http://example.invalid"
    assert not answers(server.endpoint) and not work_dir.exists()
