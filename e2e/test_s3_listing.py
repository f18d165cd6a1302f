"""Listing: s3-behaviours.md §1 (ListObjectVersions), §2 (markers are positions), §3 (MaxKeys, delimiters),
§4 (encoding-type=url), §5 (UTF-8 byte order). Server answers are compared with a model computed from the keys."""

import xml.etree.ElementTree as ET
from urllib.parse import quote, unquote

import pytest

from conftest import unique_bucket_name
from helpers import (expect_client_error, expected_listing, listed_keys_v2, put_many, raw_request, s3_path,
                     utf8_sorted)

KEYS = [
    "a", "a/", "a/b", "a/b/c", "a/c", "a-b", "a0", "a.b.c", "ab", "abc", "a%b", "a b", "a+b",
    "b", "b.txt", "b.tar.gz", "bab", "c%d", "c%d%e", "c%%", "x y", "x y z", "x  y", "z",
    "é", "日本/語", "p+q/r", "sp ace/x", "dot.dir/f.x",
    # SQL LIKE / GLOB wildcards and case: an index that matches prefixes with LIKE 'p%' or GLOB gets these wrong
    "a_b", "axb", "A/upper", "Ab", "AB", "s*t", "s[1]", "s?x", "sxt", "s1",
]


@pytest.fixture(scope="module")
def keyed_bucket(s3):
    name = unique_bucket_name("listing-model")
    s3.create_bucket(Bucket=name)
    put_many(s3, name, KEYS)
    return name


def _entries(resp):
    items = [("key", o["Key"]) for o in resp.get("Contents", [])]
    items += [("prefix", p["Prefix"]) for p in resp.get("CommonPrefixes", [])]
    return sorted(items, key=lambda e: e[1].encode("utf-8"))


# ------------------------------------------------------------------------------------------------------------
# basic shapes
# ------------------------------------------------------------------------------------------------------------

def test_list_v2_basic_fields(s3, bucket):
    for k in ("b", "a", "c"):
        s3.put_object(Bucket=bucket, Key=k, Body=b"12345")
    resp = s3.list_objects_v2(Bucket=bucket)
    assert resp["Name"] == bucket
    assert resp["KeyCount"] == 3
    assert resp["MaxKeys"] == 1000
    assert resp["IsTruncated"] is False
    assert resp.get("EncodingType") == "url", "boto3 asks for encoding-type=url; the response must echo it"
    assert [o["Key"] for o in resp["Contents"]] == ["a", "b", "c"]
    for o in resp["Contents"]:
        assert o["Size"] == 5
        assert o["StorageClass"] == "STANDARD"
        assert o["LastModified"] is not None


def test_list_v1_basic_fields(s3, bucket):
    for k in ("b", "a"):
        s3.put_object(Bucket=bucket, Key=k, Body=b"1")
    resp = s3.list_objects(Bucket=bucket, Marker="", Prefix="")
    assert resp["Name"] == bucket
    assert resp["MaxKeys"] == 1000
    assert resp["IsTruncated"] is False
    assert resp.get("EncodingType") == "url"
    assert [o["Key"] for o in resp["Contents"]] == ["a", "b"]
    assert resp["Contents"][0].get("Owner", {}).get("ID") is not None, "v1 listing includes Owner"


def test_empty_bucket_listings(s3, bucket):
    v2 = s3.list_objects_v2(Bucket=bucket)
    assert v2["KeyCount"] == 0 and "Contents" not in v2 and v2["IsTruncated"] is False
    v1 = s3.list_objects(Bucket=bucket)
    assert "Contents" not in v1 and v1["IsTruncated"] is False
    ver = s3.list_object_versions(Bucket=bucket)
    assert "Versions" not in ver and ver["IsTruncated"] is False


def test_list_object_versions_without_versioning(s3, bucket):
    bodies = {"k1": b"one", "dir/k2": b"two!"}
    for k, body in bodies.items():
        s3.put_object(Bucket=bucket, Key=k, Body=body)
    resp = s3.list_object_versions(Bucket=bucket)
    versions = resp["Versions"]
    assert [v["Key"] for v in versions] == ["dir/k2", "k1"]
    for v in versions:
        assert v["VersionId"] == "null"
        assert v["IsLatest"] is True
        assert v["Size"] == len(bodies[v["Key"]])
        assert v["ETag"].startswith('"')
    assert not resp.get("DeleteMarkers")
    # with a delimiter
    resp = s3.list_object_versions(Bucket=bucket, Delimiter="/")
    assert [v["Key"] for v in resp["Versions"]] == ["k1"]
    assert [p["Prefix"] for p in resp["CommonPrefixes"]] == ["dir/"]


def test_get_bucket_versioning_is_unversioned(s3, bucket):
    resp = s3.get_bucket_versioning(Bucket=bucket)
    assert "Status" not in resp


# ------------------------------------------------------------------------------------------------------------
# prefix / delimiter against the model (§3)
# ------------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("delimiter", ["", "/", "a", ".", "%", " ", "b/", "+"])
@pytest.mark.parametrize("prefix", ["", "a", "a/", "b", "c%", "x ", "日", "nothing", "a_", "A", "s*", "s[", "s?"])
def test_prefix_and_delimiter_match_model(s3, keyed_bucket, prefix, delimiter):
    want = expected_listing(KEYS, prefix, delimiter)
    v2 = s3.list_objects_v2(Bucket=keyed_bucket, Prefix=prefix, Delimiter=delimiter)
    assert _entries(v2) == want
    assert v2["KeyCount"] == len(want), "KeyCount counts keys and common prefixes"
    assert v2.get("Prefix", "") == prefix
    if delimiter:
        assert v2.get("Delimiter") == delimiter
    v1 = s3.list_objects(Bucket=keyed_bucket, Prefix=prefix, Delimiter=delimiter)
    assert _entries(v1) == want
    versions = s3.list_object_versions(Bucket=keyed_bucket, Prefix=prefix, Delimiter=delimiter)
    got = [("key", v["Key"]) for v in versions.get("Versions", [])]
    got += [("prefix", p["Prefix"]) for p in versions.get("CommonPrefixes", [])]
    assert sorted(got, key=lambda e: e[1].encode()) == want


@pytest.mark.parametrize("delimiter", ["", "/", "a", "."])
@pytest.mark.parametrize("page_size", [1, 2, 5])
def test_paged_listing_v2_matches_model(s3, keyed_bucket, delimiter, page_size):
    want = expected_listing(KEYS, "", delimiter)
    got, token, pages = [], None, 0
    while True:
        kwargs = dict(Bucket=keyed_bucket, Delimiter=delimiter, MaxKeys=page_size)
        if token:
            kwargs["ContinuationToken"] = token
        resp = s3.list_objects_v2(**kwargs)
        page = _entries(resp)
        assert len(page) <= page_size, "MaxKeys counts keys and CommonPrefixes together"
        assert resp["KeyCount"] == len(page)
        if token:
            assert resp.get("ContinuationToken") == token, "ContinuationToken must be echoed"
        got += page
        pages += 1
        assert pages <= len(want) + 2, "pagination does not end"
        if not resp["IsTruncated"]:
            assert "NextContinuationToken" not in resp
            break
        assert len(page) == page_size, "a truncated page is full"
        token = resp["NextContinuationToken"]
    assert got == want


@pytest.mark.parametrize("delimiter", ["/", "a", "."])
@pytest.mark.parametrize("page_size", [1, 3])
def test_paged_listing_v1_next_marker(s3, keyed_bucket, delimiter, page_size):
    want = expected_listing(KEYS, "", delimiter)
    got, marker = [], ""
    for _ in range(len(want) + 2):
        resp = s3.list_objects(Bucket=keyed_bucket, Delimiter=delimiter, MaxKeys=page_size, Marker=marker)
        page = _entries(resp)
        assert len(page) <= page_size
        assert resp.get("Marker", "") == marker
        got += page
        if not resp["IsTruncated"]:
            break
        # v1 sends NextMarker when a delimiter is given: the last key or last common prefix of the page
        assert resp.get("NextMarker") == page[-1][1]
        marker = resp["NextMarker"]
    assert got == want


def test_max_keys_counts_prefixes_and_does_not_split_a_prefix(s3, bucket):
    put_many(s3, bucket, ["a/1", "a/2", "a/3", "b/1", "c", "d"])
    p1 = s3.list_objects_v2(Bucket=bucket, Delimiter="/", MaxKeys=2)
    assert [p["Prefix"] for p in p1["CommonPrefixes"]] == ["a/", "b/"]
    assert "Contents" not in p1
    assert p1["IsTruncated"] is True and p1["KeyCount"] == 2
    p2 = s3.list_objects_v2(Bucket=bucket, Delimiter="/", MaxKeys=2,
                            ContinuationToken=p1["NextContinuationToken"])
    assert [o["Key"] for o in p2["Contents"]] == ["c", "d"]
    assert "CommonPrefixes" not in p2, "a prefix must not reappear on the next page"
    assert p2["IsTruncated"] is False

    v1 = s3.list_objects(Bucket=bucket, Delimiter="/", MaxKeys=1)
    assert [p["Prefix"] for p in v1["CommonPrefixes"]] == ["a/"]
    assert v1["NextMarker"] == "a/"
    v1b = s3.list_objects(Bucket=bucket, Delimiter="/", MaxKeys=1, Marker="a/")
    assert [p["Prefix"] for p in v1b["CommonPrefixes"]] == ["b/"]


def test_max_keys_zero_is_an_empty_page(s3, bucket):
    put_many(s3, bucket, ["k1", "k2"])
    v2 = s3.list_objects_v2(Bucket=bucket, MaxKeys=0)
    assert "Contents" not in v2 and v2["KeyCount"] == 0 and v2["MaxKeys"] == 0
    v1 = s3.list_objects(Bucket=bucket, MaxKeys=0)
    assert "Contents" not in v1 and v1["MaxKeys"] == 0


@pytest.mark.parametrize("query", ["list-type=2&max-keys=abc", "max-keys=abc", "versions&max-keys=ten",
                                   "list-type=2&max-keys=1.5"])
def test_non_numeric_max_keys_is_invalid_argument(sagebox, bucket, query):
    resp = raw_request(sagebox.endpoint, "GET", s3_path(bucket, query=query))
    assert resp.status == 400, resp
    assert resp.xml_fields()["Code"] == "InvalidArgument"


def test_max_keys_above_1000_is_capped(s3, bucket):
    put_many(s3, bucket, [f"k{i:04d}" for i in range(1005)])
    resp = s3.list_objects_v2(Bucket=bucket, MaxKeys=5000)
    assert resp["KeyCount"] == 1000
    assert resp["IsTruncated"] is True


# ------------------------------------------------------------------------------------------------------------
# markers are positions, not existing keys (§2)
# ------------------------------------------------------------------------------------------------------------

@pytest.fixture
def ten_keys(s3, bucket):
    keys = [f"k{i:02d}" for i in range(10)]
    put_many(s3, bucket, keys)
    return bucket, keys


def test_v1_marker_naming_a_deleted_key(s3, ten_keys):
    bucket, keys = ten_keys
    page = s3.list_objects(Bucket=bucket, MaxKeys=3)
    assert [o["Key"] for o in page["Contents"]] == keys[:3] and page["IsTruncated"]
    s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k} for k in keys[:3]]})
    nxt = s3.list_objects(Bucket=bucket, MaxKeys=3, Marker=keys[2])
    assert [o["Key"] for o in nxt["Contents"]] == keys[3:6]


def test_v2_start_after_naming_a_deleted_key(s3, ten_keys):
    bucket, keys = ten_keys
    s3.delete_object(Bucket=bucket, Key="k04")
    resp = s3.list_objects_v2(Bucket=bucket, StartAfter="k04", MaxKeys=2)
    assert [o["Key"] for o in resp["Contents"]] == ["k05", "k06"]
    assert resp.get("StartAfter") == "k04"
    # a start-after that never existed, between two keys
    resp = s3.list_objects_v2(Bucket=bucket, StartAfter="k06x")
    assert [o["Key"] for o in resp["Contents"]] == keys[7:]


def test_v2_continuation_token_after_its_key_was_deleted(s3, ten_keys):
    bucket, keys = ten_keys
    page = s3.list_objects_v2(Bucket=bucket, MaxKeys=3)
    s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k} for k in keys[:4]]})   # includes the next key
    nxt = s3.list_objects_v2(Bucket=bucket, MaxKeys=3, ContinuationToken=page["NextContinuationToken"])
    assert [o["Key"] for o in nxt["Contents"]] == keys[4:7]


def test_versions_key_marker_naming_a_deleted_key(s3, ten_keys):
    bucket, keys = ten_keys
    page = s3.list_object_versions(Bucket=bucket, MaxKeys=3)
    assert [v["Key"] for v in page["Versions"]] == keys[:3]
    assert page["IsTruncated"] is True
    assert page["NextKeyMarker"] == keys[2]
    s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k, "VersionId": "null"} for k in keys[:3]]})
    nxt = s3.list_object_versions(Bucket=bucket, MaxKeys=3, KeyMarker=page["NextKeyMarker"],
                                  VersionIdMarker=page.get("NextVersionIdMarker", "null"))
    assert [v["Key"] for v in nxt["Versions"]] == keys[3:6]


@pytest.mark.slow
def test_list_page_delete_page_empties_2500_keys_v2(s3, bucket):
    put_many(s3, bucket, [f"obj/{i:05d}" for i in range(2500)], threads=12)
    token, deleted, rounds = None, 0, 0
    while True:
        kwargs = {"Bucket": bucket}
        if token:
            kwargs["ContinuationToken"] = token
        page = s3.list_objects_v2(**kwargs)
        keys = [o["Key"] for o in page.get("Contents", [])]
        if keys:
            resp = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k} for k in keys], "Quiet": True})
            assert not resp.get("Errors")
            deleted += len(keys)
        rounds += 1
        assert rounds < 10
        if not page["IsTruncated"]:
            break
        token = page["NextContinuationToken"]
    assert deleted == 2500
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0
    s3.delete_bucket(Bucket=bucket)


@pytest.mark.slow
def test_list_versions_page_delete_page_empties_bucket(s3, bucket):
    """How conformance suites and bucket-emptying tools clean up: ListObjectVersions + DeleteObjects."""
    put_many(s3, bucket, [f"v/{i:05d}" for i in range(1500)], threads=12)
    key_marker, vid_marker, deleted = None, None, 0
    for _ in range(10):
        kwargs = {"Bucket": bucket}
        if key_marker:
            kwargs.update(KeyMarker=key_marker, VersionIdMarker=vid_marker)
        page = s3.list_object_versions(**kwargs)
        objs = [{"Key": v["Key"], "VersionId": v["VersionId"]} for v in page.get("Versions", [])]
        objs += [{"Key": d["Key"], "VersionId": d["VersionId"]} for d in page.get("DeleteMarkers", [])]
        if objs:
            s3.delete_objects(Bucket=bucket, Delete={"Objects": objs, "Quiet": True})
            deleted += len(objs)
        if not page["IsTruncated"]:
            break
        key_marker, vid_marker = page["NextKeyMarker"], page.get("NextVersionIdMarker")
    assert deleted == 1500
    s3.delete_bucket(Bucket=bucket)


# ------------------------------------------------------------------------------------------------------------
# encoding-type=url (§4)
# ------------------------------------------------------------------------------------------------------------

ENCODING_KEYS = ["a+b", "a b", "a%b", "a%20b", "a%2Bb", "ü+ %/x", "tab\tx", "nl\nx", "amp&<>"]


def test_encoding_type_url_round_trip_through_boto3(s3, bucket):
    put_many(s3, bucket, ENCODING_KEYS)
    want = utf8_sorted(ENCODING_KEYS)
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == want
    assert [o["Key"] for o in s3.list_objects(Bucket=bucket)["Contents"]] == want
    assert [v["Key"] for v in s3.list_object_versions(Bucket=bucket)["Versions"]] == want
    # prefixes and delimiters with special characters survive too
    resp = s3.list_objects_v2(Bucket=bucket, Prefix="a", Delimiter="+")
    assert [p["Prefix"] for p in resp.get("CommonPrefixes", [])] == ["a+"]
    assert resp["Delimiter"] == "+"
    resp = s3.list_objects_v2(Bucket=bucket, Prefix="ü+ %")
    assert [o["Key"] for o in resp["Contents"]] == ["ü+ %/x"]
    assert resp["Prefix"] == "ü+ %"


def _raw_keys(body: bytes, tag="Key"):
    root = ET.fromstring(body)
    return [e.text for e in root.iter() if e.tag.split("}")[-1] == tag]


def test_encoding_type_url_percent_encodes_raw_xml(sagebox, s3, bucket):
    put_many(s3, bucket, ["a+b", "a b", "a%b"])
    resp = raw_request(sagebox.endpoint, "GET", s3_path(bucket, query="encoding-type=url&list-type=2"))
    assert resp.status == 200
    keys = _raw_keys(resp.body)
    assert keys == ["a%20b", "a%25b", "a%2Bb"], keys
    assert all(unquote(k) in ("a+b", "a b", "a%b") for k in keys)


def test_without_encoding_type_keys_are_literal(sagebox, s3, bucket):
    put_many(s3, bucket, ["a+b", "a b", "a%b"])
    resp = raw_request(sagebox.endpoint, "GET", s3_path(bucket, query="list-type=2"))
    assert resp.status == 200
    assert _raw_keys(resp.body) == ["a b", "a%b", "a+b"]
    resp = raw_request(sagebox.endpoint, "GET", s3_path(bucket))
    assert _raw_keys(resp.body) == ["a b", "a%b", "a+b"]


def test_encoding_type_url_encodes_prefix_delimiter_and_markers(sagebox, s3, bucket):
    put_many(s3, bucket, ["p q/1", "p q/2", "p q+r"])
    query = (f"encoding-type=url&list-type=2&prefix={quote('p q')}&delimiter={quote('/')}"
             f"&start-after={quote('p q', safe='')}")
    resp = raw_request(sagebox.endpoint, "GET", s3_path(bucket, query=query))
    assert resp.status == 200
    root = resp.xml()
    fields = {e.tag.split("}")[-1]: e.text for e in root}
    # '/' may stay literal (S3 leaves it); space and '+' must be encoded, or botocore's unquote_plus changes them
    assert fields.get("Prefix") == "p%20q"
    assert fields.get("StartAfter") == "p%20q"
    assert unquote(fields.get("Delimiter") or "") == "/"
    prefixes = [e.text for e in root.iter() if e.tag.split("}")[-1] == "Prefix" and e.text != "p%20q"]
    assert [unquote(p) for p in prefixes] == ["p q/"] and prefixes[0].startswith("p%20q"), prefixes
    assert _raw_keys(resp.body) == ["p%20q%2Br"]


def test_invalid_encoding_type_is_rejected(sagebox, bucket):
    resp = raw_request(sagebox.endpoint, "GET", s3_path(bucket, query="list-type=2&encoding-type=base64"))
    assert resp.status == 400
    assert resp.xml_fields()["Code"] == "InvalidArgument"


# ------------------------------------------------------------------------------------------------------------
# UTF-8 byte order (§5)
# ------------------------------------------------------------------------------------------------------------

ORDER_KEYS = ["a0", "a/", "a-", "a", "z", "Z", "é", "\uff21", "\U0001F600", "a~", "a\u00ff", "\u0100", "~", "0"]


def test_listing_is_in_utf8_byte_order(s3, bucket):
    put_many(s3, bucket, ORDER_KEYS)
    want = utf8_sorted(ORDER_KEYS)
    assert want.index("a-") < want.index("a/") < want.index("a0")
    # UTF-16 order would put the emoji (surrogates D83D..) before U+FF21; UTF-8 byte order puts it after.
    assert want.index("\uff21") < want.index("\U0001F600")
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == want
    assert [o["Key"] for o in s3.list_objects(Bucket=bucket)["Contents"]] == want
    # paging in that order too
    assert listed_keys_v2(s3, bucket, PaginationConfig={"PageSize": 3}) == want


def test_start_after_uses_byte_order(s3, bucket):
    put_many(s3, bucket, ORDER_KEYS)
    want = utf8_sorted(ORDER_KEYS)
    resp = s3.list_objects_v2(Bucket=bucket, StartAfter="z")
    assert [o["Key"] for o in resp["Contents"]] == [k for k in want if k.encode() > b"z"]
    assert "é" in [o["Key"] for o in resp["Contents"]], "a non-ASCII key sorts after 'z'"


# ------------------------------------------------------------------------------------------------------------
# paginators over 2500 keys
# ------------------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def bucket_2500(s3):
    name = unique_bucket_name("p2500")
    s3.create_bucket(Bucket=name)
    keys = [f"dir{i % 5}/key-{i:05d}" for i in range(2500)]
    put_many(s3, name, keys, threads=12)
    return name, utf8_sorted(keys)


@pytest.mark.slow
def test_paginator_v2_2500(s3, bucket_2500):
    name, keys = bucket_2500
    pages = list(s3.get_paginator("list_objects_v2").paginate(Bucket=name))
    assert [len(p.get("Contents", [])) for p in pages] == [1000, 1000, 500]
    assert [o["Key"] for p in pages for o in p["Contents"]] == keys


@pytest.mark.slow
def test_paginator_v1_2500(s3, bucket_2500):
    name, keys = bucket_2500
    pages = list(s3.get_paginator("list_objects").paginate(Bucket=name))
    assert [o["Key"] for p in pages for o in p.get("Contents", [])] == keys
    assert len(pages) == 3


@pytest.mark.slow
def test_paginator_versions_2500(s3, bucket_2500):
    name, keys = bucket_2500
    pages = list(s3.get_paginator("list_object_versions").paginate(Bucket=name))
    got = [v["Key"] for p in pages for v in p.get("Versions", [])]
    assert got == keys
    assert len(pages) == 3


@pytest.mark.slow
def test_paginator_small_pages_with_delimiter(s3, bucket_2500):
    name, keys = bucket_2500
    prefixes = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=name, Delimiter="/",
                                                             PaginationConfig={"PageSize": 2}):
        prefixes += [p["Prefix"] for p in page.get("CommonPrefixes", [])]
        assert not page.get("Contents")
    assert prefixes == [f"dir{i}/" for i in range(5)]
    got = listed_keys_v2(s3, name, Prefix="dir3/", PaginationConfig={"PageSize": 333})
    assert got == [k for k in keys if k.startswith("dir3/")]


def test_list_missing_bucket(s3):
    expect_client_error(s3.list_objects_v2, Bucket=unique_bucket_name("nolist"), code="NoSuchBucket", status=404)
