"""The SageMaker Python SDK v2 (2.257.7) S3 helpers, configured only by `eval "$(sagebox env --endpoint URL)"`
(sdk-call-trace.md §0, §2.1, §2.2, §3e). The SDK runs in a subprocess that refuses any connection or DNS lookup
beyond the local port, so a call that would leave the machine fails the test."""

import json
import os
import subprocess
import sys
import textwrap

import pytest
import yaml

from conftest import clean_env, sagebox_env_vars
from helpers import MiB

SNIPPET = textwrap.dedent(r'''
    import json, os, socket, sys

    blocked = []
    LOCAL = {"127.0.0.1", "::1", "localhost"}
    _connect = socket.socket.connect
    _getaddrinfo = socket.getaddrinfo

    def guarded_connect(self, address):
        host = address[0] if isinstance(address, tuple) else None
        if host is not None and host not in LOCAL:
            blocked.append(f"connect {address!r}")
            raise OSError(f"test guard: connection to {address!r} refused (not the local port)")
        return _connect(self, address)

    def guarded_getaddrinfo(host, *args, **kwargs):
        if host not in LOCAL and host is not None:
            blocked.append(f"dns {host!r}")
            raise socket.gaierror(f"test guard: lookup of {host!r} refused")
        return _getaddrinfo(host, *args, **kwargs)

    socket.socket.connect = guarded_connect
    socket.getaddrinfo = guarded_getaddrinfo

    import sagemaker
    from sagemaker.s3 import S3Downloader, S3Uploader

    work = sys.argv[1]
    session = sagemaker.Session()
    result = {"region": session.boto_region_name}
    bucket = session.default_bucket()
    result["default_bucket"] = bucket
    result["default_bucket_again"] = session.default_bucket()

    base = f"s3://{bucket}/sdk-e2e"
    result["small_uri"] = S3Uploader.upload(os.path.join(work, "small.bin"), base, sagemaker_session=session)
    result["big_uri"] = S3Uploader.upload(os.path.join(work, "big.bin"), base, sagemaker_session=session)
    result["hello_uri"] = S3Uploader.upload_string_as_file_body("hello sagebox", f"{base}/hello.txt",
                                                                  sagemaker_session=session)
    result["list"] = sorted(S3Downloader.list(base, sagemaker_session=session))
    result["read"] = S3Downloader.read_file(f"{base}/hello.txt", sagemaker_session=session)
    dl = os.path.join(work, "dl")
    os.makedirs(dl)
    result["downloaded"] = sorted(S3Downloader.download(f"{base}/big.bin", dl, sagemaker_session=session))
    prefix_dl = os.path.join(work, "dl-prefix")
    os.makedirs(prefix_dl)
    S3Downloader.download(base, prefix_dl, sagemaker_session=session)
    result["prefix_download"] = sorted(os.listdir(prefix_dl))
    result["blocked"] = blocked
    print("RESULT " + json.dumps(result))
''')


@pytest.fixture(scope="module")
def sdk_env(sagebox, tmp_path_factory):
    home = tmp_path_factory.mktemp("sdk-home")
    env = sagebox_env_vars(sagebox.endpoint, clean_env(home))
    env["SAGEMAKER_SUPPRESS_V2_WARNING"] = "1"
    return env


def test_sagebox_env_configures_the_sdk(sdk_env, sagebox):
    assert sdk_env["AWS_ENDPOINT_URL"] == sagebox.endpoint
    config_path = sdk_env["SAGEMAKER_USER_CONFIG_OVERRIDE"]
    assert os.path.isfile(config_path)
    config = yaml.safe_load(open(config_path))
    modules = config["SageMaker"]["PythonSDK"]["Modules"]
    assert modules["TelemetryOptOut"] is True
    assert modules["Session"]["DefaultS3Bucket"]


@pytest.mark.slow
def test_sdk_s3_helpers_round_trip(sdk_env, s3, tmp_path):
    small = os.urandom(1024)
    big = os.urandom(9 * MiB + 5)          # multipart with 8 MiB parts, sent concurrently
    (tmp_path / "small.bin").write_bytes(small)
    (tmp_path / "big.bin").write_bytes(big)
    proc = subprocess.run([sys.executable, "-c", SNIPPET, str(tmp_path)], env=sdk_env, capture_output=True,
                          text=True, timeout=110)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("RESULT ")]
    assert proc.returncode == 0 and lines, f"SDK snippet failed ({proc.returncode}):\n{proc.stderr[-4000:]}"
    result = json.loads(lines[-1][len("RESULT "):])

    config = yaml.safe_load(open(sdk_env["SAGEMAKER_USER_CONFIG_OVERRIDE"]))
    configured = config["SageMaker"]["PythonSDK"]["Modules"]["Session"]["DefaultS3Bucket"]
    bucket = result["default_bucket"]
    assert bucket == configured
    assert result["default_bucket_again"] == configured
    assert result["region"] == "us-east-1"
    assert result["blocked"] == [], f"the SDK tried to leave the local port: {result['blocked']}"

    base = f"s3://{bucket}/sdk-e2e"
    assert result["small_uri"] == f"{base}/small.bin"
    assert result["big_uri"] == f"{base}/big.bin"
    assert result["hello_uri"] == f"{base}/hello.txt"
    assert result["list"] == [f"{base}/big.bin", f"{base}/hello.txt", f"{base}/small.bin"]
    assert result["read"] == "hello sagebox"
    assert [os.path.basename(p) for p in result["downloaded"]] == ["big.bin"]
    assert (tmp_path / "dl" / "big.bin").read_bytes() == big
    assert result["prefix_download"] == ["big.bin", "hello.txt", "small.bin"]
    assert (tmp_path / "dl-prefix" / "small.bin").read_bytes() == small

    # the server holds exactly these bytes
    s3.head_bucket(Bucket=bucket)
    assert s3.get_object(Bucket=bucket, Key="sdk-e2e/small.bin")["Body"].read() == small
    assert s3.get_object(Bucket=bucket, Key="sdk-e2e/big.bin")["Body"].read() == big
    assert s3.head_object(Bucket=bucket, Key="sdk-e2e/big.bin")["ETag"].endswith('-2"')
