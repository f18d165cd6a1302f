"""The server as a whole: health, dispatch of unknown requests, `sagebox env`, STS, and SigV4 auth mode."""

import json
import os
import subprocess
import time
import urllib.error
import urllib.request

import pytest
import requests
import yaml

from conftest import clean_env, sagebox_binary, sagebox_env_vars, unique_bucket_name
from helpers import (ACCOUNT_ID, expect_client_error, make_client, quoted_md5, raw_request, s3_path,
                     signed_streaming_put)

# ------------------------------------------------------------------------------------------------------------
# health and dispatch
# ------------------------------------------------------------------------------------------------------------


def test_health_is_json(sagebox):
    with urllib.request.urlopen(sagebox.endpoint + "/_sagebox/health", timeout=5) as resp:
        assert resp.status == 200
        assert "json" in resp.headers.get("Content-Type", "")
        body = json.loads(resp.read())
    assert isinstance(body, dict) and body


@pytest.mark.parametrize("target,service", [("SageMaker.Foo", "sagemaker"), ("Logs_20140328.Foo", "logs"),
                                            ("GraniteServiceVersion20100801.Foo", "monitoring")])
def test_unknown_json_target_answers_json_error(sagebox, target, service):
    content_type = "application/x-amz-json-1.0" if service == "monitoring" else "application/x-amz-json-1.1"
    resp = raw_request(sagebox.endpoint, "POST", "/", service=service, body=b"{}",
                       headers={"X-Amz-Target": target, "Content-Type": content_type})
    assert 400 <= resp.status < 500, resp
    body = json.loads(resp.body)
    assert body.get("__type"), body
    assert body.get("message") or body.get("Message"), body
    # still serving
    assert raw_request(sagebox.endpoint, "GET", "/_sagebox/health", sign=False).status == 200


def test_unknown_sts_action_answers_xml_error_response(sagebox):
    resp = raw_request(sagebox.endpoint, "POST", "/", service="sts", body=b"Action=FooBar&Version=2011-06-15",
                       headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    assert resp.status == 400, resp
    root = resp.xml()
    assert root.tag.split("}")[-1] == "ErrorResponse", resp.body
    error = {c.tag.split("}")[-1]: c for c in root}.get("Error")
    assert error is not None, resp.body
    fields = {c.tag.split("}")[-1]: c.text for c in error}
    assert fields.get("Code") == "InvalidAction"
    assert fields.get("Message")
    request_id = {c.tag.split("}")[-1]: c.text for c in root}.get("RequestId")
    assert request_id


def test_sts_get_caller_identity_boto3(sts):
    ident = sts.get_caller_identity()
    assert ident["Account"] == ACCOUNT_ID
    assert ACCOUNT_ID in ident["Arn"]
    assert ident["UserId"]


def test_sts_get_caller_identity_raw_xml(sagebox):
    resp = raw_request(sagebox.endpoint, "POST", "/", service="sts",
                       body=b"Action=GetCallerIdentity&Version=2011-06-15",
                       headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    assert resp.status == 200
    root = resp.xml()
    assert root.tag.split("}")[-1] == "GetCallerIdentityResponse"
    result = [c for c in root if c.tag.split("}")[-1] == "GetCallerIdentityResult"]
    assert result, resp.body
    fields = {c.tag.split("}")[-1]: c.text for c in result[0]}
    assert fields["Account"] == ACCOUNT_ID


def test_account_id_flag(sagebox_factory):
    server = sagebox_factory(extra_args=("--account-id", "111122223333"))
    assert server.client("sts").get_caller_identity()["Account"] == "111122223333"


# ------------------------------------------------------------------------------------------------------------
# sagebox env
# ------------------------------------------------------------------------------------------------------------

def test_sagebox_env_eval_in_bash(sagebox, tmp_path):
    env = sagebox_env_vars(sagebox.endpoint, clean_env(tmp_path))
    assert env["AWS_ENDPOINT_URL"] == sagebox.endpoint
    assert env.get("AWS_ACCESS_KEY_ID") and env.get("AWS_SECRET_ACCESS_KEY")
    assert env.get("AWS_DEFAULT_REGION") == "us-east-1"
    path = env["SAGEMAKER_USER_CONFIG_OVERRIDE"]
    assert os.path.isfile(path)
    config = yaml.safe_load(open(path))
    assert str(config.get("SchemaVersion")) == "1.0"
    modules = config["SageMaker"]["PythonSDK"]["Modules"]
    assert modules["TelemetryOptOut"] is True
    assert isinstance(modules["Session"]["DefaultS3Bucket"], str) and modules["Session"]["DefaultS3Bucket"]


def test_sagebox_env_keeps_existing_credentials(sagebox, tmp_path):
    base = clean_env(tmp_path)
    base.update({"AWS_ACCESS_KEY_ID": "MYKEY", "AWS_SECRET_ACCESS_KEY": "MYSECRET", "AWS_DEFAULT_REGION": "eu-west-1"})
    env = sagebox_env_vars(sagebox.endpoint, base)
    assert env["AWS_ACCESS_KEY_ID"] == "MYKEY"
    assert env["AWS_SECRET_ACCESS_KEY"] == "MYSECRET"
    assert env["AWS_DEFAULT_REGION"] == "eu-west-1"
    assert env["AWS_ENDPOINT_URL"] == sagebox.endpoint


def test_sagebox_env_without_endpoint_prints_a_url(tmp_path):
    env = sagebox_env_vars(None, clean_env(tmp_path))
    assert env["AWS_ENDPOINT_URL"].startswith("http://")


def test_eval_sagebox_env_is_the_whole_client_setup(sagebox, s3, tmp_path):
    """After eval, the plain AWS CLI works with no other configuration."""
    name = unique_bucket_name("env-cli")
    script = (f'eval "$("{sagebox_binary()}" env --endpoint "{sagebox.endpoint}")" && '
              f'aws s3 mb "s3://{name}" && echo payload | aws s3 cp - "s3://{name}/from-env.txt" && '
              f'aws sts get-caller-identity --query Account --output text')
    proc = subprocess.run(["bash", "-c", script], env=clean_env(tmp_path), capture_output=True, text=True,
                          timeout=100)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == ACCOUNT_ID
    assert s3.get_object(Bucket=name, Key="from-env.txt")["Body"].read() == b"payload\n"


# ------------------------------------------------------------------------------------------------------------
# auth mode
# ------------------------------------------------------------------------------------------------------------

AUTH_KEY = "AKIASAGEBOXE2ETEST01"
AUTH_SECRET = "e2e/Secret+Key/with+special/chars0123"


@pytest.fixture(scope="module")
def auth_server(server_manager):
    server = server_manager.start(extra_args=("--access-key", AUTH_KEY, "--secret-key", AUTH_SECRET))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def auth_s3(auth_server):
    return make_client("s3", auth_server.endpoint, access_key=AUTH_KEY, secret_key=AUTH_SECRET)


@pytest.fixture(scope="module")
def auth_bucket(auth_s3):
    name = unique_bucket_name("auth")
    auth_s3.create_bucket(Bucket=name)
    return name


def test_auth_correct_keys_work(auth_s3, auth_bucket):
    auth_s3.put_object(Bucket=auth_bucket, Key="k", Body=b"secret data")
    assert auth_s3.get_object(Bucket=auth_bucket, Key="k")["Body"].read() == b"secret data"


@pytest.mark.parametrize("key", ["plain", "with space", "a+b=c&d", "ü/日本", "x//y", "dot/../seg", "~tilde*star",
                                 "100%"])
def test_auth_signatures_over_awkward_keys(auth_s3, auth_bucket, key):
    """The canonical request uses the path exactly as sent (S3 does not normalise it)."""
    auth_s3.put_object(Bucket=auth_bucket, Key=key, Body=key.encode())
    assert auth_s3.get_object(Bucket=auth_bucket, Key=key)["Body"].read() == key.encode()
    listed = auth_s3.list_objects_v2(Bucket=auth_bucket, Prefix=key, Delimiter="/")
    assert listed["KeyCount"] >= 1


def test_auth_multipart_and_query_parameters(auth_s3, auth_bucket):
    upload = auth_s3.create_multipart_upload(Bucket=auth_bucket, Key="mp key")["UploadId"]
    e = auth_s3.upload_part(Bucket=auth_bucket, Key="mp key", UploadId=upload, PartNumber=1, Body=b"abc")["ETag"]
    auth_s3.complete_multipart_upload(Bucket=auth_bucket, Key="mp key", UploadId=upload,
                                      MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": e}]})
    assert auth_s3.get_object(Bucket=auth_bucket, Key="mp key")["Body"].read() == b"abc"


def test_auth_virtual_host_style(auth_server, auth_bucket):
    client = make_client("s3", auth_server.localhost_endpoint, access_key=AUTH_KEY, secret_key=AUTH_SECRET,
                         addressing_style="virtual")
    client.put_object(Bucket=auth_bucket, Key="vh", Body=b"virtual")
    assert client.get_object(Bucket=auth_bucket, Key="vh")["Body"].read() == b"virtual"


def test_auth_presigned_get_and_put(auth_s3, auth_bucket):
    auth_s3.put_object(Bucket=auth_bucket, Key="presigned get", Body=b"via presigned url")
    url = auth_s3.generate_presigned_url("get_object", Params={"Bucket": auth_bucket, "Key": "presigned get"},
                                         ExpiresIn=300)
    with urllib.request.urlopen(url, timeout=10) as resp:
        assert resp.read() == b"via presigned url"
    put_url = auth_s3.generate_presigned_url("put_object", Params={"Bucket": auth_bucket, "Key": "presigned put"},
                                             ExpiresIn=300)
    resp = requests.put(put_url, data=b"uploaded with requests", timeout=10)
    assert resp.status_code == 200, resp.text
    assert auth_s3.get_object(Bucket=auth_bucket, Key="presigned put")["Body"].read() == b"uploaded with requests"


def test_auth_presigned_url_tampered_or_expired(auth_s3, auth_bucket):
    auth_s3.put_object(Bucket=auth_bucket, Key="p", Body=b"x")
    url = auth_s3.generate_presigned_url("get_object", Params={"Bucket": auth_bucket, "Key": "p"}, ExpiresIn=300)
    tampered = url.replace("/p?", "/q?")
    assert requests.get(tampered, timeout=10).status_code == 403
    short = auth_s3.generate_presigned_url("get_object", Params={"Bucket": auth_bucket, "Key": "p"}, ExpiresIn=1)
    time.sleep(2.2)
    resp = requests.get(short, timeout=10)
    assert resp.status_code == 403
    assert "AccessDenied" in resp.text


def test_auth_wrong_secret_is_signature_does_not_match(auth_server, auth_bucket):
    client = make_client("s3", auth_server.endpoint, access_key=AUTH_KEY, secret_key="wrong-secret")
    expect_client_error(client.list_objects_v2, Bucket=auth_bucket, code="SignatureDoesNotMatch", status=403)
    expect_client_error(client.put_object, Bucket=auth_bucket, Key="nope", Body=b"x", code="SignatureDoesNotMatch",
                        status=403)


def test_auth_unknown_key_is_invalid_access_key_id(auth_server, auth_bucket):
    client = make_client("s3", auth_server.endpoint, access_key="AKIAUNKNOWNKEY000000", secret_key=AUTH_SECRET)
    expect_client_error(client.list_objects_v2, Bucket=auth_bucket, code="InvalidAccessKeyId", status=403)


def test_auth_unsigned_request_is_access_denied(auth_server, auth_bucket):
    resp = raw_request(auth_server.endpoint, "GET", s3_path(auth_bucket, query="list-type=2"), sign=False)
    assert resp.status == 403
    assert resp.xml_fields()["Code"] == "AccessDenied"


def test_auth_sts_wrong_secret(auth_server):
    sts = make_client("sts", auth_server.endpoint, access_key=AUTH_KEY, secret_key="wrong")
    expect_client_error(sts.get_caller_identity, code="SignatureDoesNotMatch", status=403)
    good = make_client("sts", auth_server.endpoint, access_key=AUTH_KEY, secret_key=AUTH_SECRET)
    assert good.get_caller_identity()["Account"] == ACCOUNT_ID


def test_auth_wrong_content_sha256_is_mismatch(auth_server, auth_s3, auth_bucket):
    body = b"the real body"
    wrong = "0" * 64
    resp = raw_request(auth_server.endpoint, "PUT", s3_path(auth_bucket, "sha-mismatch"), body=body,
                       access_key=AUTH_KEY, secret_key=AUTH_SECRET, payload_hash=wrong)
    assert resp.status == 400, resp
    assert resp.xml_fields()["Code"] == "XAmzContentSHA256Mismatch"
    expect_client_error(auth_s3.head_object, Bucket=auth_bucket, Key="sha-mismatch", status=404)
    # the same request with the right hash goes through
    ok = raw_request(auth_server.endpoint, "PUT", s3_path(auth_bucket, "sha-mismatch"), body=body,
                     access_key=AUTH_KEY, secret_key=AUTH_SECRET)
    assert ok.status == 200, ok
    assert ok.header("etag") == quoted_md5(body)


def test_auth_signed_chunked_unsigned_payload(auth_server, auth_s3, auth_bucket):
    data = os.urandom(100_000)
    resp = raw_request(auth_server.endpoint, "PUT", s3_path(auth_bucket, "unsigned-payload"),
                       body=[data[:50_000], data[50_000:]], chunked=True, access_key=AUTH_KEY,
                       secret_key=AUTH_SECRET)
    assert resp.status == 200, resp
    assert auth_s3.get_object(Bucket=auth_bucket, Key="unsigned-payload")["Body"].read() == data


def test_auth_unsigned_payload(auth_server, auth_s3, auth_bucket):
    resp = raw_request(auth_server.endpoint, "PUT", s3_path(auth_bucket, "unsigned"), body=b"not hashed",
                       access_key=AUTH_KEY, secret_key=AUTH_SECRET, payload_hash="UNSIGNED-PAYLOAD")
    assert resp.status == 200, resp
    assert auth_s3.get_object(Bucket=auth_bucket, Key="unsigned")["Body"].read() == b"not hashed"


def test_auth_header_values_are_canonicalised(auth_s3, auth_bucket):
    """SigV4 trims header values and collapses inner runs of spaces in the canonical request."""
    auth_s3.put_object(Bucket=auth_bucket, Key="spaced", Body=b"x",
                       Metadata={"spaced": "a   b    c", "lead": "  leading"}, ContentType="text/plain;  charset=utf-8")
    head = auth_s3.head_object(Bucket=auth_bucket, Key="spaced")
    assert head["Metadata"]["spaced"].split() == ["a", "b", "c"]


def test_auth_signed_streaming_chunks_are_verified(auth_server, auth_s3, auth_bucket):
    data = os.urandom(100_000)
    ok = signed_streaming_put(auth_server.endpoint, s3_path(auth_bucket, "stream-ok"), data, 32 * 1024,
                              access_key=AUTH_KEY, secret_key=AUTH_SECRET)
    assert ok.status == 200, ok
    assert auth_s3.get_object(Bucket=auth_bucket, Key="stream-ok")["Body"].read() == data

    def flip_a_data_byte(body):
        i = body.index(b"\r\n") + 2 + 1000      # inside the first chunk's data
        body[i] ^= 0xFF

    bad = signed_streaming_put(auth_server.endpoint, s3_path(auth_bucket, "stream-bad"), data, 32 * 1024,
                               access_key=AUTH_KEY, secret_key=AUTH_SECRET, tamper=flip_a_data_byte)
    assert bad.status == 403, bad
    assert bad.xml_fields()["Code"] == "SignatureDoesNotMatch"
    expect_client_error(auth_s3.head_object, Bucket=auth_bucket, Key="stream-bad", status=404)


def test_credentials_file(sagebox_factory, tmp_path):
    creds = tmp_path / "creds"
    creds.write_text("# two users\nAKIAFIRSTUSER0000001 first-secret\nAKIASECONDUSER000002 second/secret+x\n")
    server = sagebox_factory(extra_args=("--credentials-file", str(creds)))
    first = make_client("s3", server.endpoint, access_key="AKIAFIRSTUSER0000001", secret_key="first-secret")
    second = make_client("s3", server.endpoint, access_key="AKIASECONDUSER000002", secret_key="second/secret+x")
    first.create_bucket(Bucket="shared-by-both")
    second.put_object(Bucket="shared-by-both", Key="k", Body=b"v")
    assert first.get_object(Bucket="shared-by-both", Key="k")["Body"].read() == b"v"
    wrong = make_client("s3", server.endpoint, access_key="AKIAFIRSTUSER0000001", secret_key="second/secret+x")
    expect_client_error(wrong.list_buckets, code="SignatureDoesNotMatch", status=403)


def test_presigned_url_in_no_auth_mode(s3, bucket):
    s3.put_object(Bucket=bucket, Key="pre", Body=b"presigned without auth")
    url = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "pre"}, ExpiresIn=60)
    assert requests.get(url, timeout=10).content == b"presigned without auth"


def test_no_auth_mode_accepts_any_keys(sagebox):
    client = make_client("s3", sagebox.endpoint, access_key="whatever", secret_key="anything")
    name = unique_bucket_name("anykey")
    client.create_bucket(Bucket=name)
    client.put_object(Bucket=name, Key="k", Body=b"v")
    assert client.get_object(Bucket=name, Key="k")["Body"].read() == b"v"
