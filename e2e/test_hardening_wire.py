"""Hostile and broken requests (issue 16, the wire half): inputs that used to end the server, framing and header
abuse, signatures on the control routes, slow clients, and five S3 conformance cases from ceph/s3-tests.

Most inputs here are ones a client library refuses to send, so they go out over raw sockets or http.client; after
each, the server must still answer (the autouse fixture in conftest fails a test that kills it)."""

import base64
import hashlib
import json
import os
import socket
import subprocess
import time
import urllib.request
import xml.etree.ElementTree as ET

import pytest

from conftest import clean_env, sagebox_binary, unique_bucket_name
from helpers import aws_chunked_body, expect_client_error, raw_request, s3_path

S3_NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"


def error_code(body: bytes) -> str:
    return ET.fromstring(body).findtext("Code")


def send_raw(endpoint: str, data: bytes, timeout: float = 5) -> bytes:
    """Writes `data` on a fresh connection and reads until the server answers and closes (or `timeout`)."""
    host, port = endpoint.split("://", 1)[1].rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=timeout) as sock:
        sock.sendall(data)
        chunks = []
        try:
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                chunks.append(chunk)
                if b"\r\n\r\n" in b"".join(chunks) and b"connection: close" not in b"".join(chunks).lower():
                    break
        except socket.timeout:
            pass
    return b"".join(chunks)


def status_of(answer: bytes) -> int:
    assert answer.startswith(b"HTTP/1.1 "), f"no HTTP answer: {answer[:200]!r}"
    return int(answer.split(b" ", 2)[1])


def health(endpoint: str) -> int:
    with urllib.request.urlopen(endpoint + "/_sagebox/health", timeout=5) as response:
        return response.status


# ------------------------------------------------------------------------------------------------------------
# XML that ended the process
# ------------------------------------------------------------------------------------------------------------

def test_invalid_utf8_in_an_element_name_is_malformed_xml(sagebox, s3, bucket):
    upload = s3.create_multipart_upload(Bucket=bucket, Key="mp")["UploadId"]
    cases = [
        ("POST", s3_path(bucket, query="delete"), b"<Delete><Obj\xffect><Key>k</Key></Obj\xffect></Delete>"),
        ("POST", s3_path(bucket, "mp", f"uploadId={upload}"),
         b"<CompleteMultipartUpload><Pa\xffrt><PartNumber>1</PartNumber></Pa\xffrt></CompleteMultipartUpload>"),
        ("PUT", s3_path(unique_bucket_name("utf8")),
         b"<CreateBucketConfiguration><Location\xc3\x28Constraint>eu-west-1</Location\xc3\x28Constraint>"
         b"</CreateBucketConfiguration>"),
    ]
    for method, path, body in cases:
        resp = raw_request(sagebox.endpoint, method, path, body=body,
                           headers={"Content-MD5": base64.b64encode(hashlib.md5(body).digest()).decode()})
        assert (resp.status, error_code(resp.body)) == (400, "MalformedXML"), (path, resp.status, resp.body[:300])
    assert health(sagebox.endpoint) == 200


def test_xml_nested_100000_deep_is_malformed_xml(sagebox, bucket):
    body = b"<Delete>" + b"<a>" * 100_000 + b"</a>" * 100_000 + b"</Delete>"
    resp = raw_request(sagebox.endpoint, "POST", s3_path(bucket, query="delete"), body=body)
    assert (resp.status, error_code(resp.body)) == (400, "MalformedXML")
    assert health(sagebox.endpoint) == 200


def test_external_entities_are_never_expanded(sagebox, s3, bucket):
    s3.put_object(Bucket=bucket, Key="kept", Body=b"x")
    body = (b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/hostname">]>'
            b"<Delete><Object><Key>&x;</Key></Object><Object><Key>kept</Key></Object></Delete>")
    resp = raw_request(sagebox.endpoint, "POST", s3_path(bucket, query="delete"), body=body)
    assert (resp.status, error_code(resp.body)) == (400, "MalformedXML")
    assert s3.get_object(Bucket=bucket, Key="kept")["Body"].read() == b"x"


def test_deep_json_is_a_serialization_exception(sagebox):
    body = b"[" * 100_000 + b"]" * 100_000
    resp = raw_request(sagebox.endpoint, "POST", "/", body=body, service="sagemaker",
                       headers={"X-Amz-Target": "SageMaker.ListTrainingJobs",
                                "Content-Type": "application/x-amz-json-1.1"})
    assert resp.status == 400
    assert json.loads(resp.body)["__type"] == "SerializationException"
    assert health(sagebox.endpoint) == 200


def test_query_names_with_a_million_components_are_refused(sagebox):
    body = b"Action=PutMetricData&Version=2010-08-01&Namespace=n&" + b"a." * 1_000_000 + b"b=1"
    resp = raw_request(sagebox.endpoint, "POST", "/", body=body, service="monitoring",
                       headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert resp.status == 400
    assert ET.fromstring(resp.body).findtext(".//{*}Code") == "MalformedQueryString"
    assert health(sagebox.endpoint) == 200


# ------------------------------------------------------------------------------------------------------------
# framing and headers
# ------------------------------------------------------------------------------------------------------------

def test_bad_chunk_size_is_400(sagebox, bucket):
    request = (f"PUT {s3_path(bucket, 'chunked')} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
               "zz\r\nhello\r\n0\r\n\r\n").encode()
    answer = send_raw(sagebox.endpoint, request)
    assert status_of(answer) == 400, answer[:300]
    assert health(sagebox.endpoint) == 200


@pytest.mark.parametrize("head", [
    "PUT /{bucket}/huge HTTP/1.1\r\n",
    "POST / HTTP/1.1\r\nX-Amz-Target: SageMaker.ListTrainingJobs\r\nContent-Type: application/x-amz-json-1.1\r\n",
    "POST / HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded\r\n",
    "POST /_sagebox/spot-capacity?available=true HTTP/1.1\r\n",
])
def test_content_length_past_int64_is_answered_400_at_once(sagebox, bucket, head):
    request = (head.format(bucket=bucket) + "Host: x\r\nContent-Length: 9223372036854775808\r\n\r\nabc").encode()
    started = time.monotonic()
    answer = send_raw(sagebox.endpoint, request, timeout=5)
    assert status_of(answer) == 400, answer[:300]
    assert time.monotonic() - started < 3


def test_uploads_over_5_gib_are_entity_too_large_before_the_body(sagebox, bucket):
    request = (f"PUT {s3_path(bucket, 'big')} HTTP/1.1\r\nHost: x\r\nContent-Length: 5368709121\r\n\r\nabc").encode()
    answer = send_raw(sagebox.endpoint, request, timeout=5)
    assert status_of(answer) == 400, answer[:300]
    assert b"<Code>EntityTooLarge</Code>" in answer and b"<MaxSizeAllowed>5368709120</MaxSizeAllowed>" in answer


def test_user_metadata_is_limited_to_2_kb(s3, bucket):
    error = expect_client_error(s3.put_object, Bucket=bucket, Key="big", Body=b"x",
                                Metadata={"big": "v" * 65536}, code="MetadataTooLarge", status=400)
    assert error.response["Error"]["Message"] == "Your metadata headers exceed the maximum allowed metadata size."
    expect_client_error(s3.create_multipart_upload, Bucket=bucket, Key="big", Metadata={"a": "v" * 2048},
                        code="MetadataTooLarge", status=400)
    # 2 KB exactly, names (without x-amz-meta-) and values together, is allowed.
    s3.put_object(Bucket=bucket, Key="fits", Body=b"x", Metadata={"ab": "v" * 2046})
    assert s3.head_object(Bucket=bucket, Key="fits")["Metadata"] == {"ab": "v" * 2046}
    expect_client_error(s3.head_object, Bucket=bucket, Key="big", status=404)


# ------------------------------------------------------------------------------------------------------------
# control routes need a signature when credentials are configured
# ------------------------------------------------------------------------------------------------------------

CONTROL_KEY = "AKIASAGEBOXCONTROL01"
CONTROL_SECRET = "control/Secret+Key0123456789"


def test_control_routes_require_a_signature_with_credentials(sagebox_factory):
    server = sagebox_factory(extra_args=("--access-key", CONTROL_KEY, "--secret-key", CONTROL_SECRET))
    path = "/_sagebox/spot-capacity?available=false"
    unsigned = raw_request(server.endpoint, "POST", path, sign=False)
    assert unsigned.status == 403, unsigned.body
    assert json.loads(unsigned.body)["__type"] == "MissingAuthenticationTokenException"
    wrong = raw_request(server.endpoint, "POST", path, service="sagebox", access_key=CONTROL_KEY, secret_key="wrong")
    assert wrong.status == 403
    signed = raw_request(server.endpoint, "POST", path, service="sagebox", access_key=CONTROL_KEY,
                         secret_key=CONTROL_SECRET)
    assert signed.status == 200, signed.body
    assert json.loads(signed.body) == {"spotCapacityAvailable": False}
    assert raw_request(server.endpoint, "POST", "/_sagebox/jobs/nope/interrupt", sign=False).status == 403
    assert raw_request(server.endpoint, "GET", "/_sagebox/health", sign=False).status == 200


def test_sagebox_interrupt_signs_its_request(sagebox_factory, tmp_path):
    server = sagebox_factory(extra_args=("--access-key", CONTROL_KEY, "--secret-key", CONTROL_SECRET))
    env = clean_env(tmp_path) | {"AWS_ACCESS_KEY_ID": CONTROL_KEY, "AWS_SECRET_ACCESS_KEY": CONTROL_SECRET}
    done = subprocess.run([str(sagebox_binary()), "interrupt", "no-such-job", "--endpoint", server.endpoint],
                          capture_output=True, text=True, timeout=30, env=env)
    # Past authentication: the job is unknown, and the error says so rather than refusing the signature.
    assert done.returncode != 0
    assert "Requested resource not found" in done.stderr, done.stderr


# ------------------------------------------------------------------------------------------------------------
# slow clients
# ------------------------------------------------------------------------------------------------------------

def closed_within(sock: socket.socket, seconds: float, trickle: bytes = b"") -> bool:
    """Whether the server closes `sock` within `seconds`, sending one byte of `trickle` every 0.2 s meanwhile."""
    deadline = time.monotonic() + seconds
    sock.settimeout(0.2)
    sent = 0
    while time.monotonic() < deadline:
        try:
            if sock.recv(4096) == b"":
                return True
        except socket.timeout:
            pass
        except ConnectionError:
            return True
        if sent < len(trickle):
            try:
                sock.sendall(trickle[sent:sent + 1])
            except OSError:
                return True
            sent += 1
    return False


def test_slow_and_idle_connections_are_closed(sagebox_factory):
    server = sagebox_factory(extra_args=("--header-read-timeout-seconds", "1", "--idle-timeout-seconds", "3"))
    host, port = server.endpoint.split("://", 1)[1].rsplit(":", 1)
    trickle = b"GET /_sagebox/health HTTP/1.1\r\nHost: x\r\n" + b"X-Slow: " + b"a" * 200
    slow = [socket.create_connection((host, int(port))) for _ in range(20)]
    try:
        started = time.monotonic()
        assert closed_within(slow[0], 6, trickle), "a client trickling its headers was never cut off"
        assert time.monotonic() - started < 3
        for sock in slow[1:]:
            assert closed_within(sock, 3)
    finally:
        for sock in slow:
            sock.close()
    # An idle keep-alive connection goes after the idle timeout, not the header timeout.
    with socket.create_connection((host, int(port))) as idle:
        idle.sendall(b"GET /_sagebox/health HTTP/1.1\r\nHost: x\r\n\r\n")
        time.sleep(0.5)
        assert b"200" in idle.recv(4096).split(b"\r\n", 1)[0]
        started = time.monotonic()
        assert closed_within(idle, 8)
        assert 2 < time.monotonic() - started < 6
    assert health(server.endpoint) == 200


# ------------------------------------------------------------------------------------------------------------
# conformance cases (ceph/s3-tests ids in each docstring)
# ------------------------------------------------------------------------------------------------------------

def test_get_bucket_location_after_create_with_location_constraint(sagebox, s3):
    """s3tests_boto3 test_bucket_get_location."""
    for constraint in ("eu-west-1", "EU"):
        name = unique_bucket_name("loc")
        s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": constraint})
        assert s3.get_bucket_location(Bucket=name)["LocationConstraint"] == constraint


def test_object_and_bucket_acls(s3, bucket):
    """s3tests_boto3 test_object_acl_default, test_bucket_acl_default, test_object_acl_canned_during_create's
    private case: one owner with FULL_CONTROL; anything granting others is NotImplemented, never silently kept."""
    s3.put_object(Bucket=bucket, Key="foo", Body=b"bar")
    for acl in (s3.get_object_acl(Bucket=bucket, Key="foo"), s3.get_bucket_acl(Bucket=bucket)):
        assert [(g["Grantee"]["Type"], g["Permission"]) for g in acl["Grants"]] == [("CanonicalUser", "FULL_CONTROL")]
        assert acl["Grants"][0]["Grantee"]["ID"] == acl["Owner"]["ID"]
    before = s3.head_object(Bucket=bucket, Key="foo")["LastModified"]
    s3.put_object_acl(Bucket=bucket, Key="foo", ACL="private")
    s3.put_bucket_acl(Bucket=bucket, ACL="private")
    policy = s3.get_object_acl(Bucket=bucket, Key="foo")
    s3.put_object_acl(Bucket=bucket, Key="foo",
                      AccessControlPolicy={"Grants": policy["Grants"], "Owner": policy["Owner"]})
    assert s3.head_object(Bucket=bucket, Key="foo")["LastModified"] == before
    expect_client_error(s3.put_object_acl, Bucket=bucket, Key="foo", ACL="public-read", code="NotImplemented", status=501)
    expect_client_error(s3.put_object_acl, Bucket=bucket, Key="missing", ACL="private", code="NoSuchKey", status=404)


def test_content_encoding_values_keep_their_space(s3, sagebox, bucket):
    """Content-Encoding is an HTTP list: repeated fields, and what is left after aws-chunked is stripped, are joined
    with ", " as sent, never with a bare comma."""
    s3.put_object(Bucket=bucket, Key="two", Body=b"x", ContentEncoding="deflate, gzip")
    assert s3.head_object(Bucket=bucket, Key="two")["ContentEncoding"] == "deflate, gzip"
    host, port = sagebox.endpoint.split("://", 1)[1].rsplit(":", 1)
    request = (f"PUT {s3_path(bucket, 'repeated')} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Length: 1\r\n"
               "Content-Encoding: deflate\r\nContent-Encoding: gzip\r\nConnection: close\r\n\r\nx").encode()
    assert status_of(send_raw(sagebox.endpoint, request)) == 200
    assert s3.head_object(Bucket=bucket, Key="repeated")["ContentEncoding"] == "deflate, gzip"
    body = aws_chunked_body(b"x", 4096, {})
    resp = raw_request(sagebox.endpoint, "PUT", s3_path(bucket, "chunked"), body=body,
                       payload_hash="STREAMING-UNSIGNED-PAYLOAD-TRAILER",
                       headers={"Content-Encoding": "aws-chunked, gzip, br", "x-amz-decoded-content-length": "1",
                                "Content-Length": str(len(body))})
    assert resp.status == 200, resp.body
    assert s3.head_object(Bucket=bucket, Key="chunked")["ContentEncoding"] == "gzip, br"


def test_listing_prefix_is_url_encoded_as_s3_does(sagebox, s3, bucket):
    """s3tests_boto3 test_bucket_list_prefix_unreadable (Prefix '\\x0a'). ListObjects (v1) returns its top-level
    Prefix as sent even with encoding-type=url (which botocore adds, and decodes only in the other listings)."""
    for key in ("foo/bar", "foo/baz", "quux"):
        s3.put_object(Bucket=bucket, Key=key, Body=b"")
    assert s3.list_objects(Bucket=bucket, Prefix="\x0a")["Prefix"] == "\x0a"
    assert s3.list_objects_v2(Bucket=bucket, Prefix="\x0a")["Prefix"] == "\x0a"
    assert s3.list_object_versions(Bucket=bucket, Prefix="\x0a")["Prefix"] == "\x0a"
    for query, encoded_prefix in (("prefix=%0A", "\n"), ("list-type=2&prefix=%0A", "%0A"), ("versions&prefix=%0A", "%0A")):
        plain = raw_request(sagebox.endpoint, "GET", s3_path(bucket, query=query))
        assert ET.fromstring(plain.body).findtext(f"{S3_NS}Prefix") == "\n", plain.body
        assert b"%0A" not in plain.body
        encoded = raw_request(sagebox.endpoint, "GET", s3_path(bucket, query=query + "&encoding-type=url"))
        assert ET.fromstring(encoded.body).findtext(f"{S3_NS}Prefix") == encoded_prefix


def test_complete_multipart_upload_after_a_part_was_resent(s3, bucket):
    """s3tests_boto3 test_multipart_upload_resend_part: every part (and some twice) re-sent before Complete."""
    part_size = 5 * 1024 * 1024
    data = os.urandom(2 * part_size + 1000)
    pieces = [data[i:i + part_size] for i in range(0, len(data), part_size)]
    for resend in ([0], [1], [2], [1, 2], [0, 1, 2]):
        upload = s3.create_multipart_upload(Bucket=bucket, Key="resend", ContentType="text/bla",
                                            Metadata={"foo": "bar"})["UploadId"]
        parts = []
        for index, piece in enumerate(pieces):
            etag = s3.upload_part(Bucket=bucket, Key="resend", UploadId=upload, PartNumber=index + 1, Body=piece)["ETag"]
            if index in resend:
                etag = s3.upload_part(Bucket=bucket, Key="resend", UploadId=upload, PartNumber=index + 1,
                                      Body=piece)["ETag"]
            parts.append({"PartNumber": index + 1, "ETag": etag})
        s3.complete_multipart_upload(Bucket=bucket, Key="resend", UploadId=upload, MultipartUpload={"Parts": parts})
        got = s3.get_object(Bucket=bucket, Key="resend")
        assert (got["ContentType"], got["Metadata"]) == ("text/bla", {"foo": "bar"})
        assert got["Body"].read() == data, f"resend {resend}"
        ranged = s3.get_object(Bucket=bucket, Key="resend", Range="bytes=1000000-10999999")["Body"].read()
        assert ranged == data[1000000:11000000]
