"""Object operations: s3-behaviours.md §4 (request shapes), §5 keys, §6 ETags, §7 Expect, §8 checksums,
§9 Content-MD5/chunked, §10 errors, §12 atomicity, §13 metadata and headers."""

import base64
import datetime as dt
import gzip
import hashlib
import http.client
import os
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest

from conftest import REPO_ROOT
from helpers import (ACCOUNT_ID, HTTP_DATE, MiB, aws_chunked_body, b64, checksum_b64, crc32_b64,
                     expect_client_error, have_awscrt, http_status, leftover_temp_files, md5_hex, quoted_md5,
                     raw_request, s3_path, sign_headers, signed_streaming_put, wait_until)


def headers_of(resp) -> dict:
    return resp["ResponseMetadata"]["HTTPHeaders"]


# ------------------------------------------------------------------------------------------------------------
# basic CRUD, ETag
# ------------------------------------------------------------------------------------------------------------

def test_put_get_head_delete_roundtrip(s3, bucket):
    body = os.urandom(64 * 1024)
    put = s3.put_object(Bucket=bucket, Key="obj", Body=body)
    assert put["ETag"] == quoted_md5(body)

    get = s3.get_object(Bucket=bucket, Key="obj")
    assert get["Body"].read() == body
    assert get["ContentLength"] == len(body)
    assert get["ETag"] == quoted_md5(body)
    assert get["LastModified"] is not None
    assert HTTP_DATE.match(headers_of(get)["last-modified"]), headers_of(get)["last-modified"]

    head = s3.head_object(Bucket=bucket, Key="obj")
    assert head["ContentLength"] == len(body)
    assert head["ETag"] == get["ETag"], "ETag must be stable between HEAD and GET (download_file sends If-Match)"
    assert head["LastModified"] == get["LastModified"]

    assert http_status(s3.delete_object(Bucket=bucket, Key="obj")) == 204
    expect_client_error(s3.get_object, Bucket=bucket, Key="obj", code="NoSuchKey", status=404)
    expect_client_error(s3.head_object, Bucket=bucket, Key="obj", code="404", status=404)


def test_delete_missing_key_is_204(s3, bucket):
    assert http_status(s3.delete_object(Bucket=bucket, Key="never-existed")) == 204


def test_empty_object(s3, bucket):
    put = s3.put_object(Bucket=bucket, Key="empty", Body=b"")
    assert put["ETag"] == '"d41d8cd98f00b204e9800998ecf8427e"'
    get = s3.get_object(Bucket=bucket, Key="empty")
    assert get["Body"].read() == b""
    assert get["ContentLength"] == 0


def test_overwrite_replaces_body_etag_and_metadata(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"first", Metadata={"gen": "1"}, ContentType="text/plain")
    s3.put_object(Bucket=bucket, Key="k", Body=b"second!")
    get = s3.get_object(Bucket=bucket, Key="k")
    assert get["Body"].read() == b"second!"
    assert get["ETag"] == quoted_md5(b"second!")
    assert get["Metadata"] == {}
    assert get["ContentType"] == "binary/octet-stream"


def test_etag_is_quoted_md5_everywhere(s3, bucket):
    body = b"etag body"
    want = quoted_md5(body)
    put = s3.put_object(Bucket=bucket, Key="e", Body=body)
    assert headers_of(put)["etag"] == want
    assert headers_of(s3.head_object(Bucket=bucket, Key="e"))["etag"] == want
    assert headers_of(s3.get_object(Bucket=bucket, Key="e"))["etag"] == want
    assert s3.list_objects_v2(Bucket=bucket)["Contents"][0]["ETag"] == want
    assert s3.list_objects(Bucket=bucket)["Contents"][0]["ETag"] == want
    assert s3.list_object_versions(Bucket=bucket)["Versions"][0]["ETag"] == want


def test_last_modified_agrees_between_head_and_listing(s3, bucket):
    s3.put_object(Bucket=bucket, Key="t", Body=b"t")
    head = s3.head_object(Bucket=bucket, Key="t")["LastModified"]
    listed = s3.list_objects_v2(Bucket=bucket)["Contents"][0]["LastModified"]
    assert listed.replace(microsecond=0) == head
    now = dt.datetime.now(dt.timezone.utc)
    assert abs((now - head).total_seconds()) < 120, f"LastModified {head} is not the time of the PUT ({now})"


def test_get_missing_key_is_no_such_key(s3, bucket):
    s3.put_object(Bucket=bucket, Key="a/b", Body=b"x")
    expect_client_error(s3.get_object, Bucket=bucket, Key="a", code="NoSuchKey", status=404)
    expect_client_error(s3.get_object, Bucket=bucket, Key="a/", code="NoSuchKey", status=404)


def test_sagemaker_sdk_headers_are_accepted(s3, bucket):
    """The SageMaker SDK puts sourcedir.tar.gz with SSE aws:kms and sends x-amz-expected-bucket-owner."""
    put = s3.put_object(Bucket=bucket, Key="code/sourcedir.tar.gz", Body=b"tar", ServerSideEncryption="aws:kms",
                        ExpectedBucketOwner=ACCOUNT_ID)
    assert http_status(put) == 200
    get = s3.get_object(Bucket=bucket, Key="code/sourcedir.tar.gz", ExpectedBucketOwner=ACCOUNT_ID)
    assert get["Body"].read() == b"tar"


# ------------------------------------------------------------------------------------------------------------
# metadata and standard headers (§13)
# ------------------------------------------------------------------------------------------------------------

def test_user_metadata_keys_lowercased_and_empty_values_kept(s3, bucket):
    s3.put_object(Bucket=bucket, Key="m", Body=b"x",
                  Metadata={"Foo": "Bar", "empty": "", "MixedCase-Key": "Value With Spaces"})
    want = {"foo": "Bar", "empty": "", "mixedcase-key": "Value With Spaces"}
    assert s3.head_object(Bucket=bucket, Key="m")["Metadata"] == want
    assert s3.get_object(Bucket=bucket, Key="m")["Metadata"] == want


def test_default_content_type_is_binary_octet_stream(s3, bucket):
    # No sniffing: an HTML-looking body without a Content-Type is still binary/octet-stream.
    s3.put_object(Bucket=bucket, Key="page.html", Body=b"<!DOCTYPE html><html><body>hi</body></html>")
    assert s3.head_object(Bucket=bucket, Key="page.html")["ContentType"] == "binary/octet-stream"
    assert s3.get_object(Bucket=bucket, Key="page.html")["ContentType"] == "binary/octet-stream"


def test_standard_headers_are_stored_and_returned(s3, bucket):
    body = gzip.compress(b"hello world" * 100)
    expires = dt.datetime(2031, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc)
    s3.put_object(Bucket=bucket, Key="h", Body=body, ContentType="text/plain; charset=utf-8",
                  CacheControl="max-age=3600, public", ContentDisposition='attachment; filename="report.txt"',
                  ContentEncoding="gzip", ContentLanguage="de-DE", Expires=expires)
    for resp in (s3.head_object(Bucket=bucket, Key="h"), s3.get_object(Bucket=bucket, Key="h")):
        h = headers_of(resp)
        assert h.get("content-type") == "text/plain; charset=utf-8"
        assert h.get("cache-control") == "max-age=3600, public"
        assert h.get("content-disposition") == 'attachment; filename="report.txt"'
        assert h.get("content-encoding") == "gzip"
        assert h.get("content-language") == "de-DE"
        assert "expires" in h, "Expires was not returned"
        assert parsedate_to_datetime(h["expires"]) == expires
    # The stored bytes are the gzip bytes, untouched.
    assert s3.get_object(Bucket=bucket, Key="h")["Body"].read() == body


# ------------------------------------------------------------------------------------------------------------
# ranges (§8, §11)
# ------------------------------------------------------------------------------------------------------------

RANGE_BODY = bytes(range(256)) * 4  # 1024 bytes, every offset distinguishable enough


@pytest.fixture
def ranged_object(s3, bucket):
    s3.put_object(Bucket=bucket, Key="r", Body=RANGE_BODY, ChecksumAlgorithm="CRC32")
    return bucket


@pytest.mark.parametrize("header,start,end", [
    ("bytes=0-9", 0, 9),
    ("bytes=100-199", 100, 199),
    ("bytes=1000-", 1000, 1023),           # open-ended (download_file's last part)
    ("bytes=-24", 1000, 1023),             # suffix
    ("bytes=1020-5000", 1020, 1023),       # end past the size is clipped
    ("bytes=0-0", 0, 0),
    ("bytes=1023-1023", 1023, 1023),
])
def test_ranged_get(s3, ranged_object, header, start, end):
    resp = s3.get_object(Bucket=ranged_object, Key="r", Range=header, ChecksumMode="ENABLED")
    assert http_status(resp) == 206
    data = resp["Body"].read()
    assert data == RANGE_BODY[start:end + 1]
    assert resp["ContentLength"] == end - start + 1
    assert resp["ContentRange"] == f"bytes {start}-{end}/{len(RANGE_BODY)}"
    assert resp["ETag"] == quoted_md5(RANGE_BODY)
    leaked = sorted(k for k in headers_of(resp) if k.startswith("x-amz-checksum-") and k != "x-amz-checksum-type")
    assert not leaked, f"a 206 must not carry the full-object checksum (botocore fails the read): {leaked}"


@pytest.mark.parametrize("header", ["bytes=1024-", "bytes=2000-3000", "bytes=1024-1024"])
def test_unsatisfiable_range_is_416(s3, ranged_object, header):
    expect_client_error(s3.get_object, Bucket=ranged_object, Key="r", Range=header, code="InvalidRange", status=416)


def test_unparseable_range_is_ignored(s3, ranged_object):
    resp = s3.get_object(Bucket=ranged_object, Key="r", Range="bytes=abc")
    assert http_status(resp) == 200
    assert resp["Body"].read() == RANGE_BODY


def test_full_get_with_checksum_mode_returns_matching_checksum(s3, ranged_object):
    resp = s3.get_object(Bucket=ranged_object, Key="r", ChecksumMode="ENABLED")
    assert resp["Body"].read() == RANGE_BODY        # botocore validates any x-amz-checksum-* it gets
    assert resp.get("ChecksumCRC32") == crc32_b64(RANGE_BODY)


def test_ranged_get_of_multi_mib_object(s3, bucket):
    body = os.urandom(9 * MiB + 17)
    s3.put_object(Bucket=bucket, Key="big", Body=body)
    etag = s3.head_object(Bucket=bucket, Key="big")["ETag"]
    # exactly what download_file sends: ranged GETs with If-Match on the ETag from HEAD
    a = s3.get_object(Bucket=bucket, Key="big", Range="bytes=0-8388607", IfMatch=etag)["Body"].read()
    b = s3.get_object(Bucket=bucket, Key="big", Range="bytes=8388608-", IfMatch=etag)["Body"].read()
    assert a + b == body


# ------------------------------------------------------------------------------------------------------------
# conditional requests (§10)
# ------------------------------------------------------------------------------------------------------------

@pytest.fixture
def cond_object(s3, bucket):
    s3.put_object(Bucket=bucket, Key="c", Body=b"conditional")
    head = s3.head_object(Bucket=bucket, Key="c")
    return bucket, head["ETag"], head["LastModified"]


def test_if_match(s3, cond_object):
    bucket, etag, _ = cond_object
    assert s3.get_object(Bucket=bucket, Key="c", IfMatch=etag)["Body"].read() == b"conditional"
    expect_client_error(s3.get_object, Bucket=bucket, Key="c", IfMatch='"0123456789abcdef0123456789abcdef"',
                        code="PreconditionFailed", status=412)
    expect_client_error(s3.head_object, Bucket=bucket, Key="c", IfMatch='"0123456789abcdef0123456789abcdef"',
                        status=412)
    assert http_status(s3.head_object(Bucket=bucket, Key="c", IfMatch=etag)) == 200


def test_if_none_match(s3, cond_object):
    bucket, etag, _ = cond_object
    expect_client_error(s3.get_object, Bucket=bucket, Key="c", IfNoneMatch=etag, status=304)
    expect_client_error(s3.head_object, Bucket=bucket, Key="c", IfNoneMatch=etag, status=304)
    resp = s3.get_object(Bucket=bucket, Key="c", IfNoneMatch='"0123456789abcdef0123456789abcdef"')
    assert resp["Body"].read() == b"conditional"


def test_if_modified_since(s3, cond_object):
    bucket, _, last_modified = cond_object
    # Not modified since its own Last-Modified (second precision, as the header says) -> 304.
    expect_client_error(s3.get_object, Bucket=bucket, Key="c", IfModifiedSince=last_modified, status=304)
    earlier = last_modified - dt.timedelta(days=1)
    assert s3.get_object(Bucket=bucket, Key="c", IfModifiedSince=earlier)["Body"].read() == b"conditional"


def test_if_unmodified_since(s3, cond_object):
    bucket, _, last_modified = cond_object
    earlier = last_modified - dt.timedelta(days=1)
    expect_client_error(s3.get_object, Bucket=bucket, Key="c", IfUnmodifiedSince=earlier,
                        code="PreconditionFailed", status=412)
    assert s3.get_object(Bucket=bucket, Key="c", IfUnmodifiedSince=last_modified)["Body"].read() == b"conditional"


def test_conditional_precedence(s3, cond_object):
    """S3 documents: If-Match true + If-Unmodified-Since false -> 200; If-None-Match false + If-Modified-Since
    true -> 304."""
    bucket, etag, last_modified = cond_object
    earlier = last_modified - dt.timedelta(days=1)
    resp = s3.get_object(Bucket=bucket, Key="c", IfMatch=etag, IfUnmodifiedSince=earlier)
    assert http_status(resp) == 200
    expect_client_error(s3.get_object, Bucket=bucket, Key="c", IfNoneMatch=etag, IfModifiedSince=earlier,
                        status=304)


# ------------------------------------------------------------------------------------------------------------
# keys are not paths (§5)
# ------------------------------------------------------------------------------------------------------------

def test_file_and_directory_like_keys_coexist(s3, bucket):
    bodies = {"a": b"file a", "a/": b"dir marker a/", "a/b": b"file a/b", "a/b/": b"dir marker a/b/",
              "a/b/c": b"deep"}
    for key, body in bodies.items():
        s3.put_object(Bucket=bucket, Key=key, Body=body)
    for key, body in bodies.items():
        assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == body, key
    listed = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]]
    assert listed == ["a", "a/", "a/b", "a/b/", "a/b/c"]
    # deleting the "directory" key leaves its "children" alone
    s3.delete_object(Bucket=bucket, Key="a/")
    assert s3.get_object(Bucket=bucket, Key="a/b")["Body"].read() == b"file a/b"
    s3.delete_object(Bucket=bucket, Key="a")
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == ["a/b", "a/b/", "a/b/c"]


STRANGE_KEYS = [
    "/", "x//y", "//lead", "trailing/", "dot/./seg", "dot/../seg", "..", ".", "...", "a/..", "100%", "%2F", "%zz",
    "a+b", "a b", " lead-space", "trail-space ", "line\nbreak", "tab\tkey", "carriage\rreturn", "q?x=1&y=2",
    "hash#frag", "semi;colon", "colon:key", "star*", "quote\"s'", "<xml>&amp;", "back\\slash", "tilde~",
    "ünïcødé/日本語/ключ", "emoji-\U0001F600", "k" * 1024, "é" * 512, "日" * 341 + "x",
]


@pytest.mark.parametrize("key", STRANGE_KEYS, ids=lambda k: repr(k)[:40])
def test_strange_keys_round_trip(s3, bucket, key):
    assert len(key.encode("utf-8")) <= 1024
    body = ("body of " + key).encode("utf-8")
    s3.put_object(Bucket=bucket, Key=key, Body=body, Metadata={"k": "v"})
    assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == body
    assert s3.head_object(Bucket=bucket, Key=key)["ContentLength"] == len(body)
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == [key]
    assert [o["Key"] for o in s3.list_objects(Bucket=bucket)["Contents"]] == [key]
    copy = s3.copy_object(Bucket=bucket, Key=key + ".copy" if len(key.encode()) <= 1019 else "copy",
                          CopySource={"Bucket": bucket, "Key": key})
    assert copy["CopyObjectResult"]["ETag"] == quoted_md5(body)
    s3.delete_object(Bucket=bucket, Key=key)
    expect_client_error(s3.head_object, Bucket=bucket, Key=key, status=404)


def test_key_longer_than_1024_bytes_is_rejected(s3, bucket):
    expect_client_error(s3.put_object, Bucket=bucket, Key="k" * 1025, Body=b"x", code="KeyTooLongError",
                        status=400)
    expect_client_error(s3.put_object, Bucket=bucket, Key="é" * 513, Body=b"x", code="KeyTooLongError",
                        status=400)


def test_canonically_equivalent_unicode_keys_are_distinct(s3, bucket):
    """Keys are byte strings: NFC 'é' and NFD 'e\u0301' are two different keys (a Swift String == would merge
    them)."""
    keys = {"caf\u00e9": b"nfc", "cafe\u0301": b"nfd", "\u00c5": b"A-ring", "\u212b": b"angstrom"}
    for k, body in keys.items():
        s3.put_object(Bucket=bucket, Key=k, Body=body)
    for k, body in keys.items():
        assert s3.get_object(Bucket=bucket, Key=k)["Body"].read() == body, repr(k)
    listed = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]]
    assert sorted(listed) == sorted(keys) and len(listed) == 4, listed


def _files_named(root: Path, marker: str, recursive: bool, exclude: Path = None) -> list[str]:
    hits = []
    if not root.is_dir():
        return hits
    if recursive:
        for dirpath, dirnames, filenames in os.walk(root):
            if exclude is not None:
                dirnames[:] = [d for d in dirnames if Path(dirpath, d) != exclude]
            hits += [os.path.join(dirpath, n) for n in filenames + dirnames if marker in n]
    else:
        try:
            hits += [str(p) for p in root.iterdir() if marker in p.name]
        except PermissionError:
            pass
    return hits


def test_dot_dot_keys_never_escape_the_data_dir(s3, bucket, sagebox):
    marker = "sagebox-escape-" + os.urandom(6).hex()
    keys = [
        f"../{marker}",
        f"../../{marker}",
        f"../../../../../../../../../../../../tmp/{marker}",
        f"../../etc/{marker}",
        f"a/../../../{marker}",
        f"/../../../{marker}",
        f"..\\..\\..\\{marker}",
        f"./../{marker}",
    ]
    for i, key in enumerate(keys):
        s3.put_object(Bucket=bucket, Key=key, Body=f"escape {i}".encode())
    for i, key in enumerate(keys):
        assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == f"escape {i}".encode(), key
    assert sorted(o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]) == sorted(keys)

    data_dir = sagebox.data_dir.resolve()
    hits = []
    for ancestor in data_dir.parents:
        hits += _files_named(ancestor, marker, recursive=False)
    for root in (Path("/etc"), Path("/tmp"), Path("/"), REPO_ROOT, Path.cwd()):
        hits += _files_named(root, marker, recursive=False)
    # everything around the data dir (its siblings, the server's log dir), recursively
    hits += _files_named(data_dir.parent.parent, marker, recursive=True, exclude=data_dir)
    assert not hits, f"object keys created files outside the data dir: {hits}"


# ------------------------------------------------------------------------------------------------------------
# CopyObject (§13, §10)
# ------------------------------------------------------------------------------------------------------------

def test_copy_object_defaults_to_copy_metadata(s3, bucket):
    body = b"copy me"
    s3.put_object(Bucket=bucket, Key="src", Body=body, Metadata={"Owner": "alice", "empty": ""},
                  ContentType="text/plain", CacheControl="no-cache")
    resp = s3.copy_object(Bucket=bucket, Key="dst", CopySource={"Bucket": bucket, "Key": "src"})
    assert resp["CopyObjectResult"]["ETag"] == quoted_md5(body)
    assert resp["CopyObjectResult"]["LastModified"] is not None
    head = s3.head_object(Bucket=bucket, Key="dst")
    assert head["Metadata"] == {"owner": "alice", "empty": ""}
    assert head["ContentType"] == "text/plain"
    assert head["CacheControl"] == "no-cache"
    assert s3.get_object(Bucket=bucket, Key="dst")["Body"].read() == body


def test_copy_object_replace_metadata(s3, bucket):
    s3.put_object(Bucket=bucket, Key="src", Body=b"x", Metadata={"old": "1"}, ContentType="text/plain")
    s3.copy_object(Bucket=bucket, Key="dst", CopySource={"Bucket": bucket, "Key": "src"},
                   MetadataDirective="REPLACE", Metadata={"new": "2"}, ContentType="application/json")
    head = s3.head_object(Bucket=bucket, Key="dst")
    assert head["Metadata"] == {"new": "2"}
    assert head["ContentType"] == "application/json"
    # the source is untouched
    assert s3.head_object(Bucket=bucket, Key="src")["Metadata"] == {"old": "1"}


def test_copy_object_across_buckets_with_special_key(s3, bucket):
    other = bucket[:50] + "-dst"
    s3.create_bucket(Bucket=other)
    key = "dir with space/a+b%c/ü.bin"
    body = os.urandom(3000)
    s3.put_object(Bucket=bucket, Key=key, Body=body)
    s3.copy_object(Bucket=other, Key=key, CopySource={"Bucket": bucket, "Key": key})
    assert s3.get_object(Bucket=other, Key=key)["Body"].read() == body


def test_copy_to_itself_without_replace_is_invalid_request(s3, bucket):
    s3.put_object(Bucket=bucket, Key="self", Body=b"x", Metadata={"a": "1"})
    expect_client_error(s3.copy_object, Bucket=bucket, Key="self", CopySource={"Bucket": bucket, "Key": "self"},
                        code="InvalidRequest", status=400)
    # with REPLACE it is the documented way to change metadata in place
    s3.copy_object(Bucket=bucket, Key="self", CopySource={"Bucket": bucket, "Key": "self"},
                   MetadataDirective="REPLACE", Metadata={"a": "2"})
    head = s3.head_object(Bucket=bucket, Key="self")
    assert head["Metadata"] == {"a": "2"}
    assert s3.get_object(Bucket=bucket, Key="self")["Body"].read() == b"x"


def test_copy_source_conditions(s3, bucket):
    s3.put_object(Bucket=bucket, Key="src", Body=b"x")
    etag = s3.head_object(Bucket=bucket, Key="src")["ETag"]
    src = {"Bucket": bucket, "Key": "src"}
    expect_client_error(s3.copy_object, Bucket=bucket, Key="dst", CopySource=src,
                        CopySourceIfMatch='"0123456789abcdef0123456789abcdef"', code="PreconditionFailed",
                        status=412)
    expect_client_error(s3.copy_object, Bucket=bucket, Key="dst", CopySource=src, CopySourceIfNoneMatch=etag,
                        code="PreconditionFailed", status=412)
    expect_client_error(s3.head_object, Bucket=bucket, Key="dst", status=404)
    s3.copy_object(Bucket=bucket, Key="dst", CopySource=src, CopySourceIfMatch=etag)
    assert s3.get_object(Bucket=bucket, Key="dst")["Body"].read() == b"x"


def test_copy_missing_source_is_no_such_key(s3, bucket):
    expect_client_error(s3.copy_object, Bucket=bucket, Key="dst", CopySource={"Bucket": bucket, "Key": "nope"},
                        code="NoSuchKey", status=404)


# ------------------------------------------------------------------------------------------------------------
# DeleteObjects (§1, §10)
# ------------------------------------------------------------------------------------------------------------

def test_delete_objects_verbose(s3, bucket):
    keys = [f"d/{i}" for i in range(5)]
    for k in keys:
        s3.put_object(Bucket=bucket, Key=k, Body=b"x")
    resp = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k} for k in keys + ["d/missing"]],
                                                    "Quiet": False})
    assert sorted(d["Key"] for d in resp.get("Deleted", [])) == sorted(keys + ["d/missing"])
    assert not resp.get("Errors")
    assert s3.list_objects_v2(Bucket=bucket).get("KeyCount") == 0


def test_delete_objects_quiet(s3, bucket):
    keys = [f"q/{i}" for i in range(5)]
    for k in keys:
        s3.put_object(Bucket=bucket, Key=k, Body=b"x")
    resp = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k} for k in keys], "Quiet": True})
    assert not resp.get("Deleted"), "Quiet mode reports only errors"
    assert not resp.get("Errors")
    assert "Contents" not in s3.list_objects_v2(Bucket=bucket)


def test_delete_objects_with_version_id_null_and_bypass_governance(s3, bucket):
    """What bucket-emptying tools send: every listed version with VersionId 'null'."""
    for k in ("v1", "v2"):
        s3.put_object(Bucket=bucket, Key=k, Body=b"x")
    versions = s3.list_object_versions(Bucket=bucket)["Versions"]
    objects = [{"Key": v["Key"], "VersionId": v["VersionId"]} for v in versions]
    assert all(o["VersionId"] == "null" for o in objects)
    resp = s3.delete_objects(Bucket=bucket, Delete={"Objects": objects}, BypassGovernanceRetention=True)
    assert not resp.get("Errors"), resp.get("Errors")
    assert sorted(d["Key"] for d in resp["Deleted"]) == ["v1", "v2"]
    assert "Contents" not in s3.list_objects_v2(Bucket=bucket)


def test_delete_objects_special_keys(s3, bucket):
    keys = ["a b", "a+b", "a%b", "<&>", "ü/ß", "line\nbreak"]
    for k in keys:
        s3.put_object(Bucket=bucket, Key=k, Body=b"x")
    resp = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k} for k in keys]})
    assert sorted(d["Key"] for d in resp["Deleted"]) == sorted(keys)
    assert "Contents" not in s3.list_objects_v2(Bucket=bucket)


def test_delete_objects_with_no_keys_is_malformed_xml(s3, bucket):
    expect_client_error(s3.delete_objects, Bucket=bucket, Delete={"Objects": []}, code="MalformedXML", status=400)


def test_delete_objects_more_than_1000_keys_is_malformed_xml(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k0", Body=b"x")
    objects = [{"Key": f"k{i}"} for i in range(1001)]
    expect_client_error(s3.delete_objects, Bucket=bucket, Delete={"Objects": objects}, code="MalformedXML",
                        status=400)
    assert s3.head_object(Bucket=bucket, Key="k0")["ContentLength"] == 1, "a rejected request deletes nothing"


# ------------------------------------------------------------------------------------------------------------
# Content-MD5 and flexible checksums (§8, §9)
# ------------------------------------------------------------------------------------------------------------

def test_content_md5_correct_is_accepted(s3, bucket):
    body = b"md5 checked"
    s3.put_object(Bucket=bucket, Key="ok", Body=body, ContentMD5=b64(hashlib.md5(body).digest()))
    assert s3.get_object(Bucket=bucket, Key="ok")["Body"].read() == body


@pytest.mark.parametrize("bad", ["not base64!!", "AAAA", base64.b64encode(b"x" * 15).decode()])
def test_content_md5_malformed_is_invalid_digest(s3, bucket, bad):
    expect_client_error(s3.put_object, Bucket=bucket, Key="bad", Body=b"x", ContentMD5=bad, code="InvalidDigest",
                        status=400)
    expect_client_error(s3.head_object, Bucket=bucket, Key="bad", status=404)


def test_content_md5_mismatch_is_bad_digest(s3, bucket):
    wrong = b64(hashlib.md5(b"something else").digest())
    expect_client_error(s3.put_object, Bucket=bucket, Key="bad", Body=b"payload", ContentMD5=wrong, code="BadDigest",
                        status=400)
    expect_client_error(s3.head_object, Bucket=bucket, Key="bad", status=404)


ALGORITHMS = ["CRC32", "CRC32C", "SHA1", "SHA256", "CRC64NVME"]


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_flexible_checksum_stored_and_returned(s3, bucket, algorithm):
    if algorithm in ("CRC32C", "CRC64NVME") and not have_awscrt():
        pytest.skip("awscrt is not installed: botocore cannot compute " + algorithm)
    body = os.urandom(100_000)
    want = checksum_b64(algorithm, body)
    member = "Checksum" + algorithm
    put = s3.put_object(Bucket=bucket, Key="ck", Body=body, ChecksumAlgorithm=algorithm)
    assert put.get(member) == want, f"PutObject should echo {member}"
    head = s3.head_object(Bucket=bucket, Key="ck", ChecksumMode="ENABLED")
    assert head.get(member) == want
    get = s3.get_object(Bucket=bucket, Key="ck", ChecksumMode="ENABLED")
    assert get.get(member) == want
    assert get["Body"].read() == body


@pytest.mark.parametrize("header,value", [("ChecksumCRC32", "AAAAAA=="),
                                          ("ChecksumSHA256", b64(hashlib.sha256(b"other").digest()))])
def test_wrong_checksum_header_is_rejected(s3, bucket, header, value):
    expect_client_error(s3.put_object, Bucket=bucket, Key="bad", Body=b"hello world", **{header: value},
                        code={"BadDigest", "InvalidRequest"}, status=400)
    expect_client_error(s3.head_object, Bucket=bucket, Key="bad", status=404)


# ------------------------------------------------------------------------------------------------------------
# wire-level behaviours with raw HTTP (§7, §8, §9, §10)
# ------------------------------------------------------------------------------------------------------------

def _read_until_headers_end(sock, timeout: float) -> bytes:
    sock.settimeout(timeout)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    return data


def test_expect_100_continue_is_answered(sagebox, s3, bucket):
    body = os.urandom(256 * 1024)
    path = s3_path(bucket, "expect")
    host = f"127.0.0.1:{sagebox.port}"
    headers = sign_headers("PUT", sagebox.endpoint + path,
                           {"Host": host, "Expect": "100-continue", "Content-Length": str(len(body))}, body)
    head = f"PUT {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
    sock = socket.create_connection(("127.0.0.1", sagebox.port), timeout=10)
    try:
        sock.sendall(head.encode())
        t0 = time.monotonic()
        try:
            interim = _read_until_headers_end(sock, timeout=5)
        except socket.timeout:
            interim = b""
        elapsed = time.monotonic() - t0
        assert interim.startswith(b"HTTP/1.1 100"), (
            f"no '100 Continue' after {elapsed:.2f}s (botocore waits 1 s per PUT without it); got {interim[:200]!r}")
        sock.sendall(body)
        sock.settimeout(30)
        resp = http.client.HTTPResponse(sock, method="PUT")
        resp.begin()
        resp.read()
        assert resp.status == 200
        assert resp.getheader("ETag") == quoted_md5(body)
    finally:
        sock.close()
    assert s3.get_object(Bucket=bucket, Key="expect")["Body"].read() == body


def test_unknown_expect_value_is_ignored(sagebox, s3, bucket):
    resp = raw_request(sagebox.endpoint, "PUT", s3_path(bucket, "expect200"), headers={"Expect": "200-ok"},
                       body=b"payload")
    assert resp.status == 200, resp
    assert s3.get_object(Bucket=bucket, Key="expect200")["Body"].read() == b"payload"


def test_boto3_put_does_not_stall_on_expect(s3, bucket):
    """botocore sends Expect: 100-continue on every PutObject with a body; unanswered, each PUT takes ~1 s."""
    body = os.urandom(64 * 1024)
    s3.put_object(Bucket=bucket, Key="warm", Body=body)
    t0 = time.monotonic()
    for i in range(5):
        s3.put_object(Bucket=bucket, Key=f"fast{i}", Body=body)
    per_put = (time.monotonic() - t0) / 5
    assert per_put < 0.9, f"{per_put:.2f} s per 64 KiB PUT: the server does not answer Expect: 100-continue"


def test_transfer_encoding_chunked_put(sagebox, s3, bucket):
    data = os.urandom(300_000)
    chunks = [data[i:i + 70_000] for i in range(0, len(data), 70_000)]
    resp = raw_request(sagebox.endpoint, "PUT", s3_path(bucket, "chunked"), body=chunks, chunked=True)
    assert resp.status == 200, resp
    assert resp.header("etag") == quoted_md5(data)
    get = s3.get_object(Bucket=bucket, Key="chunked")
    assert get["ContentLength"] == len(data)
    assert get["Body"].read() == data


@pytest.mark.parametrize("sent_encoding,stored_encoding", [("aws-chunked", None), ("aws-chunked,gzip", "gzip")])
def test_aws_chunked_unsigned_trailer_put(sagebox, s3, bucket, sent_encoding, stored_encoding):
    data = os.urandom(200_000)
    body = aws_chunked_body(data, 64 * 1024, {"x-amz-checksum-crc32": crc32_b64(data)})
    headers = {
        "Content-Encoding": sent_encoding,
        "x-amz-decoded-content-length": str(len(data)),
        "x-amz-trailer": "x-amz-checksum-crc32",
        "x-amz-sdk-checksum-algorithm": "CRC32",
        "Content-Length": str(len(body)),
    }
    resp = raw_request(sagebox.endpoint, "PUT", s3_path(bucket, "awschunked"), headers=headers, body=body,
                       payload_hash="STREAMING-UNSIGNED-PAYLOAD-TRAILER")
    assert resp.status == 200, resp
    assert resp.header("etag") == quoted_md5(data), "the ETag is the MD5 of the decoded bytes"
    get = s3.get_object(Bucket=bucket, Key="awschunked", ChecksumMode="ENABLED")
    assert get["Body"].read() == data
    assert get["ContentLength"] == len(data)
    encoding = headers_of(get).get("content-encoding")
    assert encoding is None or "aws-chunked" not in encoding, f"stored Content-Encoding still says {encoding!r}"
    assert (encoding or None) == stored_encoding
    assert get.get("ChecksumCRC32") == crc32_b64(data)


def test_aws_chunked_wrong_trailer_checksum_is_rejected(sagebox, s3, bucket):
    data = os.urandom(10_000)
    body = aws_chunked_body(data, 4096, {"x-amz-checksum-crc32": "AAAAAA=="})
    headers = {"Content-Encoding": "aws-chunked", "x-amz-decoded-content-length": str(len(data)),
               "x-amz-trailer": "x-amz-checksum-crc32", "x-amz-sdk-checksum-algorithm": "CRC32",
               "Content-Length": str(len(body))}
    resp = raw_request(sagebox.endpoint, "PUT", s3_path(bucket, "badtrailer"), headers=headers, body=body,
                       payload_hash="STREAMING-UNSIGNED-PAYLOAD-TRAILER")
    assert resp.status == 400, resp
    assert resp.xml_fields()["Code"] in ("BadDigest", "InvalidRequest")
    expect_client_error(s3.head_object, Bucket=bucket, Key="badtrailer", status=404)


def test_signed_aws_chunked_put(sagebox, s3, bucket):
    """STREAMING-AWS4-HMAC-SHA256-PAYLOAD: what the Java and Go v2 SDKs send for PutObject over http."""
    data = os.urandom(150_000)
    resp = signed_streaming_put(sagebox.endpoint, s3_path(bucket, "signed-stream"), data, 64 * 1024)
    assert resp.status == 200, resp
    assert resp.header("etag") == quoted_md5(data)
    get = s3.get_object(Bucket=bucket, Key="signed-stream")
    assert get["Body"].read() == data
    assert "aws-chunked" not in (headers_of(get).get("content-encoding") or "")


def test_client_disconnect_mid_upload_stores_nothing(sagebox, s3, bucket):
    s3.put_object(Bucket=bucket, Key="existing", Body=b"old body")
    for key in ("fresh", "existing"):
        path = s3_path(bucket, key)
        host = f"127.0.0.1:{sagebox.port}"
        headers = sign_headers("PUT", sagebox.endpoint + path, {"Host": host, "Content-Length": str(2 * MiB)},
                               payload_hash="UNSIGNED-PAYLOAD")
        head = f"PUT {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
        sock = socket.create_connection(("127.0.0.1", sagebox.port), timeout=10)
        sock.sendall(head.encode() + os.urandom(256 * 1024))
        sock.close()                   # the client goes away with 1.75 MiB still to send
    time.sleep(0.5)
    expect_client_error(s3.head_object, Bucket=bucket, Key="fresh", status=404)
    assert s3.get_object(Bucket=bucket, Key="existing")["Body"].read() == b"old body"
    assert wait_until(lambda: not leftover_temp_files(sagebox.data_dir), timeout=10), \
        f"an aborted upload left temp files behind: {leftover_temp_files(sagebox.data_dir)}"


def test_error_document_shape(sagebox, bucket):
    resp = raw_request(sagebox.endpoint, "GET", s3_path(bucket, "no/such key"))
    assert resp.status == 404
    assert "xml" in (resp.header("content-type") or ""), resp.header("content-type")
    root = resp.xml()
    assert root.tag == "Error"
    fields = resp.xml_fields()
    assert fields["Code"] == "NoSuchKey"
    assert fields["Message"]
    assert fields["RequestId"] and fields["RequestId"] == resp.header("x-amz-request-id")


def test_request_ids_are_unique(sagebox, bucket):
    ids = {raw_request(sagebox.endpoint, "GET", s3_path(bucket, "nope")).header("x-amz-request-id")
           for _ in range(5)}
    assert len(ids) == 5 and None not in ids


def test_head_missing_key_is_404_without_body(sagebox, s3, bucket):
    s3.put_object(Bucket=bucket, Key="exists", Body=b"present")
    conn = http.client.HTTPConnection("127.0.0.1", sagebox.port, timeout=10)
    try:
        resp = raw_request(sagebox.endpoint, "HEAD", s3_path(bucket, "missing"), conn=conn)
        assert resp.status == 404
        assert resp.body == b""
        assert resp.header("x-amz-request-id")
        # If the server wrote an error body after the HEAD response, this keep-alive request would read garbage.
        follow = raw_request(sagebox.endpoint, "GET", s3_path(bucket, "exists"), conn=conn)
        assert follow.status == 200
        assert follow.body == b"present"
    finally:
        conn.close()


# ------------------------------------------------------------------------------------------------------------
# atomicity (§12)
# ------------------------------------------------------------------------------------------------------------

def test_concurrent_writers_and_readers_see_whole_objects(s3, bucket):
    bodies = [bytes([i]) * (1 * MiB + i * 1000) for i in range(8)]
    digests = {md5_hex(b): b for b in bodies}
    s3.put_object(Bucket=bucket, Key="hot", Body=bodies[0])
    stop = threading.Event()
    problems = []

    def reader():
        while not stop.is_set():
            resp = s3.get_object(Bucket=bucket, Key="hot")
            data = resp["Body"].read()
            if md5_hex(data) not in digests:
                problems.append(f"reader saw a body that was never written ({len(data)} bytes)")
            elif quoted_md5(data) != resp["ETag"]:
                problems.append("reader saw a body whose ETag belongs to another write")

    readers = [threading.Thread(target=reader) for _ in range(2)]
    for t in readers:
        t.start()
    try:
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(lambda b: s3.put_object(Bucket=bucket, Key="hot", Body=b), bodies * 2))
    finally:
        stop.set()
        for t in readers:
            t.join(30)
    assert not problems, problems[:5]
    final = s3.get_object(Bucket=bucket, Key="hot")
    data = final["Body"].read()
    assert md5_hex(data) in digests
    assert final["ETag"] == quoted_md5(data)
    assert final["ContentLength"] == len(data)


# ------------------------------------------------------------------------------------------------------------
# versionId=null on an unversioned bucket (what conformance suites and copy tools send), copies of multipart
# objects, recreated buckets, connections after an early error
# ------------------------------------------------------------------------------------------------------------

def test_version_id_null_is_the_current_object(s3, bucket):
    s3.put_object(Bucket=bucket, Key="v", Body=b"only version")
    assert s3.get_object(Bucket=bucket, Key="v", VersionId="null")["Body"].read() == b"only version"
    assert s3.head_object(Bucket=bucket, Key="v", VersionId="null")["ContentLength"] == 12
    s3.copy_object(Bucket=bucket, Key="v2", CopySource={"Bucket": bucket, "Key": "v", "VersionId": "null"})
    assert s3.get_object(Bucket=bucket, Key="v2")["Body"].read() == b"only version"
    s3.delete_object(Bucket=bucket, Key="v", VersionId="null")
    expect_client_error(s3.head_object, Bucket=bucket, Key="v", status=404)


def test_copy_of_a_multipart_object_gets_a_plain_md5_etag(s3, bucket):
    p1, p2 = os.urandom(5 * MiB), os.urandom(1000)
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key="mp")["UploadId"]
    parts = [{"PartNumber": n, "ETag": s3.upload_part(Bucket=bucket, Key="mp", UploadId=upload_id, PartNumber=n,
                                                      Body=body)["ETag"]} for n, body in ((1, p1), (2, p2))]
    s3.complete_multipart_upload(Bucket=bucket, Key="mp", UploadId=upload_id, MultipartUpload={"Parts": parts})
    copy = s3.copy_object(Bucket=bucket, Key="copy", CopySource={"Bucket": bucket, "Key": "mp"})
    assert copy["CopyObjectResult"]["ETag"] == quoted_md5(p1 + p2), "CopyObject writes a new single-part object"
    assert s3.head_object(Bucket=bucket, Key="copy")["ETag"] == quoted_md5(p1 + p2)


def test_recreated_bucket_starts_empty(s3, bucket_name):
    s3.create_bucket(Bucket=bucket_name)
    s3.put_object(Bucket=bucket_name, Key="ghost", Body=b"from the first life", Metadata={"a": "1"})
    upload_id = s3.create_multipart_upload(Bucket=bucket_name, Key="ghost-upload")["UploadId"]
    s3.abort_multipart_upload(Bucket=bucket_name, Key="ghost-upload", UploadId=upload_id)
    s3.delete_object(Bucket=bucket_name, Key="ghost")
    s3.delete_bucket(Bucket=bucket_name)
    s3.create_bucket(Bucket=bucket_name)
    assert s3.list_objects_v2(Bucket=bucket_name)["KeyCount"] == 0
    assert not s3.list_multipart_uploads(Bucket=bucket_name).get("Uploads")
    expect_client_error(s3.get_object, Bucket=bucket_name, Key="ghost", code="NoSuchKey", status=404)
    s3.put_object(Bucket=bucket_name, Key="ghost", Body=b"second life")
    head = s3.head_object(Bucket=bucket_name, Key="ghost")
    assert head["Metadata"] == {} and head["ContentLength"] == len(b"second life")


def test_connection_stays_usable_after_an_early_error(sagebox, s3, bucket):
    """An error answered before the request body was read (here: a PUT into a missing bucket) must either drain the
    body or close the connection; otherwise the next request on the keep-alive connection reads garbage."""
    s3.put_object(Bucket=bucket, Key="after", Body=b"fine")
    conn = http.client.HTTPConnection("127.0.0.1", sagebox.port, timeout=15)
    try:
        first = raw_request(sagebox.endpoint, "PUT", s3_path("no-such-bucket-early-error", "k"),
                            body=os.urandom(2 * MiB), payload_hash="UNSIGNED-PAYLOAD", conn=conn)
        assert first.status == 404
        assert first.xml_fields()["Code"] == "NoSuchBucket"
        if (first.header("connection") or "").lower() == "close":
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", sagebox.port, timeout=15)
        second = raw_request(sagebox.endpoint, "GET", s3_path(bucket, "after"), conn=conn)
        assert second.status == 200 and second.body == b"fine", second
    finally:
        conn.close()
    # boto3 with a large body into a missing bucket, then a normal call through the same connection pool
    expect_client_error(s3.put_object, Bucket="no-such-bucket-early-error", Key="k", Body=os.urandom(8 * MiB),
                        code="NoSuchBucket", status=404)
    assert s3.get_object(Bucket=bucket, Key="after")["Body"].read() == b"fine"


def test_response_header_overrides(s3, bucket):
    """GetObject's Response* parameters (what presigned downloads use) override the stored headers on that answer only."""
    s3.put_object(Bucket=bucket, Key="report.csv", Body=b"a,b\n", ContentType="text/csv")
    got = s3.get_object(Bucket=bucket, Key="report.csv", ResponseContentType="application/octet-stream",
                        ResponseContentDisposition='attachment; filename="r.csv"', ResponseCacheControl="no-store")
    assert got["ContentType"] == "application/octet-stream"
    assert got["ContentDisposition"] == 'attachment; filename="r.csv"'
    assert got["CacheControl"] == "no-store"
    assert s3.head_object(Bucket=bucket, Key="report.csv")["ContentType"] == "text/csv"
