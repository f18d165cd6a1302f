"""Bucket operations (s3-behaviours.md §10, §14): create/list/head/delete, regions, naming rules, error codes."""

import pytest

from conftest import unique_bucket_name
from helpers import (ACCOUNT_ID, HTTP_DATE, expect_client_error, http_status, raw_request, s3_path)


def test_list_buckets_shows_created_buckets(s3):
    names = [unique_bucket_name("list-a"), unique_bucket_name("list-b")]
    for name in names:
        s3.create_bucket(Bucket=name)
    resp = s3.list_buckets()
    listed = {b["Name"]: b for b in resp["Buckets"]}
    for name in names:
        assert name in listed
        assert listed[name]["CreationDate"] is not None
    assert resp["Owner"]["ID"], "ListBuckets must name an owner"
    ordered = [b["Name"] for b in resp["Buckets"]]
    assert ordered == sorted(ordered), "ListBuckets returns buckets sorted by name"


def test_create_bucket_returns_location_header(s3):
    name = unique_bucket_name("loc-hdr")
    resp = s3.create_bucket(Bucket=name)
    assert http_status(resp) == 200
    assert resp.get("Location") == f"/{name}"


def test_us_east_1_bucket_location_is_none(s3, bucket):
    assert s3.get_bucket_location(Bucket=bucket)["LocationConstraint"] is None
    head = s3.head_bucket(Bucket=bucket)
    assert head["ResponseMetadata"]["HTTPHeaders"].get("x-amz-bucket-region") == "us-east-1"


def test_location_constraint_is_echoed(s3, s3_eu):
    name = unique_bucket_name("eu")
    s3_eu.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    # GetBucketLocation answers the same whichever region the client is in.
    assert s3.get_bucket_location(Bucket=name)["LocationConstraint"] == "eu-west-1"
    assert s3_eu.get_bucket_location(Bucket=name)["LocationConstraint"] == "eu-west-1"
    head = s3_eu.head_bucket(Bucket=name)
    assert head["ResponseMetadata"]["HTTPHeaders"].get("x-amz-bucket-region") == "eu-west-1"
    assert head.get("BucketRegion") == "eu-west-1"


def test_create_bucket_with_malformed_configuration_is_malformed_xml(sagebox, s3):
    name = unique_bucket_name("badxml")
    resp = raw_request(sagebox.endpoint, "PUT", s3_path(name), body=b"<CreateBucketConfiguration><Location")
    assert resp.status == 400, resp
    assert resp.xml_fields()["Code"] == "MalformedXML"
    expect_client_error(s3.head_bucket, Bucket=name, status=404)


def test_create_bucket_with_unknown_region_is_invalid_location_constraint(s3_eu, s3):
    name = unique_bucket_name("badloc")
    expect_client_error(s3_eu.create_bucket, Bucket=name, CreateBucketConfiguration={"LocationConstraint": "mars-north-1"},
                        code="InvalidLocationConstraint", status=400)
    expect_client_error(s3.head_bucket, Bucket=name, status=404)


def test_head_bucket_missing_is_404(s3):
    exc = expect_client_error(s3.head_bucket, Bucket=unique_bucket_name("missing"), status=404)
    assert exc.response["Error"]["Code"] in ("404", "NoSuchBucket")


def test_head_bucket_accepts_expected_bucket_owner(s3, bucket):
    # The SageMaker SDK sends x-amz-expected-bucket-owner on its default bucket.
    resp = s3.head_bucket(Bucket=bucket, ExpectedBucketOwner=ACCOUNT_ID)
    assert http_status(resp) == 200


def test_delete_bucket(s3):
    name = unique_bucket_name("del")
    s3.create_bucket(Bucket=name)
    resp = s3.delete_bucket(Bucket=name)
    assert http_status(resp) == 204
    expect_client_error(s3.head_bucket, Bucket=name, status=404)
    assert name not in [b["Name"] for b in s3.list_buckets()["Buckets"]]


def test_delete_non_empty_bucket_is_bucket_not_empty(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    expect_client_error(s3.delete_bucket, Bucket=bucket, code="BucketNotEmpty", status=409)
    # still there, object intact
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"x"


def test_delete_missing_bucket_is_no_such_bucket(s3):
    expect_client_error(s3.delete_bucket, Bucket=unique_bucket_name("nope"), code="NoSuchBucket", status=404)


@pytest.mark.parametrize("name", [
    "UPPERCASE",           # no upper case
    "ab",                  # shorter than 3
    "a" * 64,              # longer than 63
    "192.168.5.4",         # IP address form
    "a..b",                # adjacent periods
    "-leading-dash",       # must start with a letter or digit
    "trailing-dash-",      # must end with a letter or digit
    "under_score",         # underscore not allowed
    "xn--punycode-prefix",  # reserved prefix
    "ends-s3alias",        # reserved suffix
])
def test_invalid_bucket_names_are_rejected(s3, name):
    expect_client_error(s3.create_bucket, Bucket=name, code="InvalidBucketName", status=400)
    assert name not in [b["Name"] for b in s3.list_buckets()["Buckets"]]


@pytest.mark.parametrize("name_fn", [
    lambda: "abc" + unique_bucket_name("")[-6:],
    lambda: "a.b-c." + unique_bucket_name("x"),
    lambda: ("m" + unique_bucket_name("max"))[:10] + "z" * 53,   # exactly 63
    lambda: "1" + unique_bucket_name("digits")[-10:],
])
def test_valid_bucket_names_are_accepted(s3, name_fn):
    name = name_fn()
    assert 3 <= len(name) <= 63
    s3.create_bucket(Bucket=name)
    s3.head_bucket(Bucket=name)


def test_create_existing_bucket_in_us_east_1_succeeds(s3, bucket):
    s3.put_object(Bucket=bucket, Key="keep", Body=b"data")
    resp = s3.create_bucket(Bucket=bucket)      # legacy us-east-1 behaviour: 200, bucket untouched
    assert http_status(resp) == 200
    assert s3.get_object(Bucket=bucket, Key="keep")["Body"].read() == b"data"


def test_create_existing_bucket_elsewhere_is_already_owned(s3_eu):
    name = unique_bucket_name("twice-eu")
    config = {"LocationConstraint": "eu-west-1"}
    s3_eu.create_bucket(Bucket=name, CreateBucketConfiguration=config)
    expect_client_error(s3_eu.create_bucket, Bucket=name, CreateBucketConfiguration=config,
                        code="BucketAlreadyOwnedByYou", status=409)


@pytest.mark.parametrize("op", ["put_object", "get_object", "head_object", "list_objects_v2", "list_objects",
                                "create_multipart_upload", "delete_objects"])
def test_operations_on_missing_bucket_are_no_such_bucket(s3, op):
    name = unique_bucket_name("gone")
    calls = {
        "put_object": lambda: s3.put_object(Bucket=name, Key="k", Body=b"x"),
        "get_object": lambda: s3.get_object(Bucket=name, Key="k"),
        "head_object": lambda: s3.head_object(Bucket=name, Key="k"),
        "list_objects_v2": lambda: s3.list_objects_v2(Bucket=name),
        "list_objects": lambda: s3.list_objects(Bucket=name),
        "create_multipart_upload": lambda: s3.create_multipart_upload(Bucket=name, Key="k"),
        "delete_objects": lambda: s3.delete_objects(Bucket=name, Delete={"Objects": [{"Key": "k"}]}),
    }
    # HEAD has no body, so boto3 only sees the status: 404.
    code = "404" if op == "head_object" else "NoSuchBucket"
    expect_client_error(calls[op], code=code, status=404)
    expect_client_error(s3.head_bucket, Bucket=name, status=404)   # and nothing was created


def test_no_such_bucket_error_document(sagebox):
    resp = raw_request(sagebox.endpoint, "PUT", s3_path(unique_bucket_name("raw-missing"), "k"), body=b"x")
    assert resp.status == 404
    fields = resp.xml_fields()
    assert fields["Code"] == "NoSuchBucket"
    assert fields["Message"]
    assert fields["RequestId"] == resp.header("x-amz-request-id")


def test_virtual_host_style_bucket_operations(s3, s3_virtual):
    name = unique_bucket_name("vhost")
    s3_virtual.create_bucket(Bucket=name)
    s3_virtual.put_object(Bucket=name, Key="dir/obj.txt", Body=b"virtual")
    # Path-style sees the same bucket and object.
    assert s3.get_object(Bucket=name, Key="dir/obj.txt")["Body"].read() == b"virtual"
    assert s3_virtual.get_object(Bucket=name, Key="dir/obj.txt")["Body"].read() == b"virtual"
    keys = [o["Key"] for o in s3_virtual.list_objects_v2(Bucket=name)["Contents"]]
    assert keys == ["dir/obj.txt"]
    s3_virtual.head_bucket(Bucket=name)
    s3_virtual.delete_object(Bucket=name, Key="dir/obj.txt")
    s3_virtual.delete_bucket(Bucket=name)
    expect_client_error(s3.head_bucket, Bucket=name, status=404)


def test_virtual_host_request_is_not_read_as_path_style(sagebox, s3):
    """GET / with Host: <bucket>.localhost lists that bucket, it does not list all buckets."""
    name = unique_bucket_name("vh-raw")
    s3.create_bucket(Bucket=name)
    s3.put_object(Bucket=name, Key="only-key", Body=b"1")
    from helpers import sign_headers
    import http.client
    host = f"{name}.localhost:{sagebox.port}"
    headers = sign_headers("GET", f"http://{host}/?list-type=2", {"Host": host})
    conn = http.client.HTTPConnection("127.0.0.1", sagebox.port, timeout=10)
    try:
        conn.request("GET", "/?list-type=2", headers=headers)   # Host: <bucket>.localhost:PORT
        resp = conn.getresponse()
        body = resp.read()
    finally:
        conn.close()
    assert resp.status == 200, body
    assert b"<ListBucketResult" in body
    assert b"<Key>only-key</Key>" in body


def test_bucket_responses_carry_request_id_and_date(sagebox, bucket):
    resp = raw_request(sagebox.endpoint, "HEAD", s3_path(bucket))
    assert resp.status == 200
    assert resp.header("x-amz-request-id")
    assert resp.header("date") and HTTP_DATE.match(resp.header("date")), resp.header("date")
