"""Multipart uploads: s3-behaviours.md §6 (multipart ETag), §8 (part checksums), §9 (EntityTooSmall), §10 (error
codes), §11 (idempotent Complete, re-uploaded parts, empty listings), and boto3's transfer manager end to end."""

import hashlib
import os
from concurrent.futures import ThreadPoolExecutor

import pytest
from boto3.s3.transfer import TransferConfig

from helpers import (MiB, crc32_b64, expect_client_error, http_status, multipart_etag,
                     multipart_etag_for_file_bytes, quoted_md5)

PART = 5 * MiB   # the smallest part size S3 accepts for all but the last part


def sha256_file(path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


# ------------------------------------------------------------------------------------------------------------
# boto3 transfer manager (what the SageMaker SDK uses)
# ------------------------------------------------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("size_mib", [20, 40])
def test_upload_file_download_file_round_trip(s3, bucket, tmp_path, size_mib):
    data = os.urandom(size_mib * MiB + 12345)
    src = tmp_path / "src.bin"
    src.write_bytes(data)
    s3.upload_file(str(src), bucket, "big/file.bin")   # default TransferConfig: 8 MiB parts, concurrent

    head = s3.head_object(Bucket=bucket, Key="big/file.bin")
    assert head["ContentLength"] == len(data)
    n_parts = -(-len(data) // (8 * MiB))
    assert head["ETag"].endswith(f'-{n_parts}"'), head["ETag"]
    assert head["ETag"] == multipart_etag_for_file_bytes(data, 8 * MiB)

    dst = tmp_path / "dst.bin"
    s3.download_file(bucket, "big/file.bin", str(dst))  # HEAD, then ranged GETs with If-Match
    assert dst.stat().st_size == len(data)
    assert sha256_file(dst) == hashlib.sha256(data).hexdigest()

    listed = s3.list_objects_v2(Bucket=bucket, Prefix="big/")["Contents"][0]
    assert listed["ETag"] == head["ETag"]
    assert listed["Size"] == len(data)


def test_upload_file_with_small_parts_and_metadata(s3, bucket, tmp_path):
    data = os.urandom(11 * MiB)
    src = tmp_path / "f"
    src.write_bytes(data)
    config = TransferConfig(multipart_threshold=5 * MiB, multipart_chunksize=5 * MiB, max_concurrency=4)
    s3.upload_file(str(src), bucket, "meta.bin", Config=config,
                   ExtraArgs={"Metadata": {"Job": "train"}, "ContentType": "application/x-tar"})
    head = s3.head_object(Bucket=bucket, Key="meta.bin")
    assert head["ETag"] == multipart_etag_for_file_bytes(data, 5 * MiB)
    assert head["Metadata"] == {"job": "train"}
    assert head["ContentType"] == "application/x-tar"


# ------------------------------------------------------------------------------------------------------------
# low-level API
# ------------------------------------------------------------------------------------------------------------

def _start(s3, bucket, key="mp", **kwargs):
    return s3.create_multipart_upload(Bucket=bucket, Key=key, **kwargs)["UploadId"]


def _put_part(s3, bucket, upload_id, number, body, key="mp", **kwargs):
    return s3.upload_part(Bucket=bucket, Key=key, UploadId=upload_id, PartNumber=number, Body=body, **kwargs)


def test_parts_out_of_order_and_concurrent(s3, bucket):
    parts = {1: os.urandom(PART), 2: os.urandom(PART), 3: os.urandom(PART), 4: os.urandom(1234)}
    upload_id = _start(s3, bucket)
    expect_client_error(s3.head_object, Bucket=bucket, Key="mp", status=404)   # not visible before Complete

    with ThreadPoolExecutor(4) as pool:
        etags = dict(pool.map(lambda n: (n, _put_part(s3, bucket, upload_id, n, parts[n])["ETag"]), [3, 1, 4, 2]))
    for n, body in parts.items():
        assert etags[n] == quoted_md5(body)

    resp = s3.complete_multipart_upload(
        Bucket=bucket, Key="mp", UploadId=upload_id,
        MultipartUpload={"Parts": [{"PartNumber": n, "ETag": etags[n]} for n in sorted(parts)]})
    want_etag = multipart_etag(parts[n] for n in sorted(parts))
    assert resp["ETag"] == want_etag
    assert resp["Key"] == "mp" and resp["Bucket"] == bucket
    whole = b"".join(parts[n] for n in sorted(parts))
    get = s3.get_object(Bucket=bucket, Key="mp")
    assert get["ETag"] == want_etag
    assert get["Body"].read() == whole
    # the upload is gone once completed
    assert not s3.list_multipart_uploads(Bucket=bucket).get("Uploads")


def test_reuploaded_part_keeps_the_last(s3, bucket):
    first, second = os.urandom(PART), os.urandom(PART)
    tail = b"tail"
    upload_id = _start(s3, bucket)
    _put_part(s3, bucket, upload_id, 1, first)
    e1 = _put_part(s3, bucket, upload_id, 1, second)["ETag"]
    e2 = _put_part(s3, bucket, upload_id, 2, tail)["ETag"]
    listed = s3.list_parts(Bucket=bucket, Key="mp", UploadId=upload_id)["Parts"]
    assert [(p["PartNumber"], p["ETag"], p["Size"]) for p in listed] == [(1, quoted_md5(second), PART),
                                                                         (2, quoted_md5(tail), 4)]
    # completing with the stale ETag of the first upload of part 1 is InvalidPart
    expect_client_error(s3.complete_multipart_upload, Bucket=bucket, Key="mp", UploadId=upload_id,
                        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": quoted_md5(first)},
                                                   {"PartNumber": 2, "ETag": e2}]},
                        code="InvalidPart", status=400)
    s3.complete_multipart_upload(Bucket=bucket, Key="mp", UploadId=upload_id,
                                 MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": e1},
                                                            {"PartNumber": 2, "ETag": e2}]})
    assert s3.get_object(Bucket=bucket, Key="mp")["Body"].read() == second + tail


def test_complete_with_a_subset_of_parts(s3, bucket):
    """Parts that were uploaded but not listed in Complete are not part of the object."""
    p1, p2, p3 = os.urandom(PART), os.urandom(PART), b"end"
    upload_id = _start(s3, bucket)
    e1 = _put_part(s3, bucket, upload_id, 1, p1)["ETag"]
    _put_part(s3, bucket, upload_id, 2, p2)
    e3 = _put_part(s3, bucket, upload_id, 3, p3)["ETag"]
    s3.complete_multipart_upload(Bucket=bucket, Key="mp", UploadId=upload_id,
                                 MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": e1},
                                                            {"PartNumber": 3, "ETag": e3}]})
    assert s3.get_object(Bucket=bucket, Key="mp")["Body"].read() == p1 + p3


def test_upload_part_copy_with_ranges(s3, bucket):
    source = os.urandom(PART + 3000)
    s3.put_object(Bucket=bucket, Key="source", Body=source)
    upload_id = _start(s3, bucket, key="assembled")
    src = {"Bucket": bucket, "Key": "source"}
    r1 = s3.upload_part_copy(Bucket=bucket, Key="assembled", UploadId=upload_id, PartNumber=1, CopySource=src,
                             CopySourceRange=f"bytes=0-{PART - 1}")
    r2 = s3.upload_part_copy(Bucket=bucket, Key="assembled", UploadId=upload_id, PartNumber=2, CopySource=src,
                             CopySourceRange=f"bytes={PART}-{len(source) - 1}")
    assert r1["CopyPartResult"]["ETag"] == quoted_md5(source[:PART])
    assert r2["CopyPartResult"]["ETag"] == quoted_md5(source[PART:])
    s3.complete_multipart_upload(
        Bucket=bucket, Key="assembled", UploadId=upload_id,
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": r1["CopyPartResult"]["ETag"]},
                                   {"PartNumber": 2, "ETag": r2["CopyPartResult"]["ETag"]}]})
    assert s3.get_object(Bucket=bucket, Key="assembled")["Body"].read() == source


def test_upload_part_copy_whole_object(s3, bucket):
    source = os.urandom(4000)
    s3.put_object(Bucket=bucket, Key="s", Body=source)
    upload_id = _start(s3, bucket, key="d")
    r = s3.upload_part_copy(Bucket=bucket, Key="d", UploadId=upload_id, PartNumber=1,
                            CopySource={"Bucket": bucket, "Key": "s"})
    s3.complete_multipart_upload(Bucket=bucket, Key="d", UploadId=upload_id,
                                 MultipartUpload={"Parts": [{"PartNumber": 1,
                                                             "ETag": r["CopyPartResult"]["ETag"]}]})
    assert s3.get_object(Bucket=bucket, Key="d")["Body"].read() == source


def test_upload_part_copy_range_past_source_end_is_invalid_range(s3, bucket):
    s3.put_object(Bucket=bucket, Key="small", Body=b"0123456789")
    upload_id = _start(s3, bucket, key="d")
    expect_client_error(s3.upload_part_copy, Bucket=bucket, Key="d", UploadId=upload_id, PartNumber=1,
                        CopySource={"Bucket": bucket, "Key": "small"}, CopySourceRange="bytes=10-20",
                        code="InvalidRange", status=416)


def test_complete_twice_is_idempotent(s3, bucket):
    p1, p2 = os.urandom(PART), os.urandom(100)
    upload_id = _start(s3, bucket)
    parts = [{"PartNumber": 1, "ETag": _put_part(s3, bucket, upload_id, 1, p1)["ETag"]},
             {"PartNumber": 2, "ETag": _put_part(s3, bucket, upload_id, 2, p2)["ETag"]}]
    first = s3.complete_multipart_upload(Bucket=bucket, Key="mp", UploadId=upload_id,
                                         MultipartUpload={"Parts": parts})
    second = s3.complete_multipart_upload(Bucket=bucket, Key="mp", UploadId=upload_id,
                                          MultipartUpload={"Parts": parts})
    assert http_status(second) == 200
    assert second["ETag"] == first["ETag"] == multipart_etag([p1, p2])
    assert s3.get_object(Bucket=bucket, Key="mp")["Body"].read() == p1 + p2
    # but the upload is finished: no more parts, and it is not listed
    expect_client_error(_put_part, s3, bucket, upload_id, 3, b"late", code="NoSuchUpload", status=404)
    assert not s3.list_multipart_uploads(Bucket=bucket).get("Uploads")


def test_complete_accepts_unquoted_etags(s3, bucket):
    p1, p2 = os.urandom(PART), b"last"
    upload_id = _start(s3, bucket)
    e1 = _put_part(s3, bucket, upload_id, 1, p1)["ETag"]
    e2 = _put_part(s3, bucket, upload_id, 2, p2)["ETag"]
    resp = s3.complete_multipart_upload(Bucket=bucket, Key="mp", UploadId=upload_id,
                                        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": e1.strip('"')},
                                                                   {"PartNumber": 2, "ETag": e2.strip('"')}]})
    assert resp["ETag"] == multipart_etag([p1, p2])


def test_entity_too_small(s3, bucket):
    upload_id = _start(s3, bucket)
    parts = [{"PartNumber": n, "ETag": _put_part(s3, bucket, upload_id, n, b"x" * 1024)["ETag"]} for n in (1, 2)]
    expect_client_error(s3.complete_multipart_upload, Bucket=bucket, Key="mp", UploadId=upload_id,
                        MultipartUpload={"Parts": parts}, code="EntityTooSmall", status=400)
    expect_client_error(s3.head_object, Bucket=bucket, Key="mp", status=404)
    # the upload survives a failed Complete
    assert len(s3.list_parts(Bucket=bucket, Key="mp", UploadId=upload_id)["Parts"]) == 2


def test_single_small_part_is_fine(s3, bucket):
    upload_id = _start(s3, bucket)
    e = _put_part(s3, bucket, upload_id, 1, b"tiny")["ETag"]
    resp = s3.complete_multipart_upload(Bucket=bucket, Key="mp", UploadId=upload_id,
                                        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": e}]})
    assert resp["ETag"] == multipart_etag([b"tiny"])
    assert s3.get_object(Bucket=bucket, Key="mp")["Body"].read() == b"tiny"


def test_invalid_part(s3, bucket):
    upload_id = _start(s3, bucket)
    e1 = _put_part(s3, bucket, upload_id, 1, os.urandom(PART))["ETag"]
    # part 2 was never uploaded
    expect_client_error(s3.complete_multipart_upload, Bucket=bucket, Key="mp", UploadId=upload_id,
                        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": e1},
                                                   {"PartNumber": 2, "ETag": quoted_md5(b"nothing")}]},
                        code="InvalidPart", status=400)
    # wrong ETag for an uploaded part
    expect_client_error(s3.complete_multipart_upload, Bucket=bucket, Key="mp", UploadId=upload_id,
                        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": quoted_md5(b"other")}]},
                        code="InvalidPart", status=400)


def test_invalid_part_order(s3, bucket):
    upload_id = _start(s3, bucket)
    e1 = _put_part(s3, bucket, upload_id, 1, os.urandom(PART))["ETag"]
    e2 = _put_part(s3, bucket, upload_id, 2, b"two")["ETag"]
    expect_client_error(s3.complete_multipart_upload, Bucket=bucket, Key="mp", UploadId=upload_id,
                        MultipartUpload={"Parts": [{"PartNumber": 2, "ETag": e2},
                                                   {"PartNumber": 1, "ETag": e1}]},
                        code="InvalidPartOrder", status=400)


def test_complete_with_no_parts_is_malformed_xml(s3, bucket):
    upload_id = _start(s3, bucket)
    _put_part(s3, bucket, upload_id, 1, b"x")
    expect_client_error(s3.complete_multipart_upload, Bucket=bucket, Key="mp", UploadId=upload_id,
                        MultipartUpload={"Parts": []}, code="MalformedXML", status=400)


@pytest.mark.parametrize("number", [0, 10001])
def test_part_number_out_of_range(s3, bucket, number):
    upload_id = _start(s3, bucket)
    expect_client_error(_put_part, s3, bucket, upload_id, number, b"x", code="InvalidArgument", status=400)


def test_no_such_upload(s3, bucket):
    bogus = "bogus-upload-id"
    expect_client_error(_put_part, s3, bucket, bogus, 1, b"x", code="NoSuchUpload", status=404)
    expect_client_error(s3.complete_multipart_upload, Bucket=bucket, Key="mp", UploadId=bogus,
                        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": quoted_md5(b"x")}]},
                        code="NoSuchUpload", status=404)
    expect_client_error(s3.list_parts, Bucket=bucket, Key="mp", UploadId=bogus, code="NoSuchUpload", status=404)
    expect_client_error(s3.abort_multipart_upload, Bucket=bucket, Key="mp", UploadId=bogus, code="NoSuchUpload",
                        status=404)


def test_upload_id_is_bound_to_its_key(s3, bucket):
    upload_id = _start(s3, bucket, key="right")
    expect_client_error(_put_part, s3, bucket, upload_id, 1, b"x", key="wrong", code="NoSuchUpload", status=404)


def test_abort(s3, bucket):
    upload_id = _start(s3, bucket)
    _put_part(s3, bucket, upload_id, 1, os.urandom(1000))
    assert http_status(s3.abort_multipart_upload(Bucket=bucket, Key="mp", UploadId=upload_id)) == 204
    assert not s3.list_multipart_uploads(Bucket=bucket).get("Uploads")
    expect_client_error(_put_part, s3, bucket, upload_id, 2, b"x", code="NoSuchUpload", status=404)
    expect_client_error(s3.list_parts, Bucket=bucket, Key="mp", UploadId=upload_id, code="NoSuchUpload", status=404)
    expect_client_error(s3.head_object, Bucket=bucket, Key="mp", status=404)


def test_list_parts(s3, bucket):
    upload_id = _start(s3, bucket)
    empty = s3.list_parts(Bucket=bucket, Key="mp", UploadId=upload_id)
    assert not empty.get("Parts") and empty["IsTruncated"] is False
    assert empty["UploadId"] == upload_id and empty["Key"] == "mp" and empty["Bucket"] == bucket
    bodies = {n: os.urandom(1000 + n) for n in (1, 2, 3, 5)}
    for n, body in bodies.items():
        _put_part(s3, bucket, upload_id, n, body)
    parts = s3.list_parts(Bucket=bucket, Key="mp", UploadId=upload_id)["Parts"]
    assert [(p["PartNumber"], p["ETag"], p["Size"]) for p in parts] == \
        [(n, quoted_md5(b), len(b)) for n, b in sorted(bodies.items())]
    assert all(p["LastModified"] is not None for p in parts)
    # pagination with max-parts / part-number-marker
    page1 = s3.list_parts(Bucket=bucket, Key="mp", UploadId=upload_id, MaxParts=2)
    assert [p["PartNumber"] for p in page1["Parts"]] == [1, 2]
    assert page1["IsTruncated"] is True and page1["NextPartNumberMarker"] == 2
    page2 = s3.list_parts(Bucket=bucket, Key="mp", UploadId=upload_id, MaxParts=2, PartNumberMarker=2)
    assert [p["PartNumber"] for p in page2["Parts"]] == [3, 5]
    assert page2["IsTruncated"] is False


def test_list_multipart_uploads(s3, bucket):
    empty = s3.list_multipart_uploads(Bucket=bucket)
    assert not empty.get("Uploads") and empty["IsTruncated"] is False and empty["Bucket"] == bucket
    ids = {key: _start(s3, bucket, key=key) for key in ("a/1", "a/2", "b/1")}
    resp = s3.list_multipart_uploads(Bucket=bucket)
    assert sorted((u["Key"], u["UploadId"]) for u in resp["Uploads"]) == sorted(ids.items())
    assert all(u["Initiated"] is not None for u in resp["Uploads"])
    resp = s3.list_multipart_uploads(Bucket=bucket, Prefix="a/")
    assert sorted(u["Key"] for u in resp["Uploads"]) == ["a/1", "a/2"]
    resp = s3.list_multipart_uploads(Bucket=bucket, Delimiter="/")
    assert sorted(p["Prefix"] for p in resp.get("CommonPrefixes", [])) == ["a/", "b/"]
    assert not resp.get("Uploads")


def test_multipart_with_crc32_checksums(s3, bucket):
    """What boto3/SageMaker send: CreateMultipartUpload with x-amz-checksum-algorithm CRC32, each part with its
    x-amz-checksum-crc32, and Complete listing <ChecksumCRC32> next to each ETag."""
    parts = {1: os.urandom(PART), 2: os.urandom(PART), 3: os.urandom(777)}
    create = s3.create_multipart_upload(Bucket=bucket, Key="ck", ChecksumAlgorithm="CRC32")
    assert create.get("ChecksumAlgorithm") == "CRC32"
    upload_id = create["UploadId"]
    listed = []
    for n, body in parts.items():
        resp = s3.upload_part(Bucket=bucket, Key="ck", UploadId=upload_id, PartNumber=n, Body=body,
                              ChecksumAlgorithm="CRC32")
        assert resp["ETag"] == quoted_md5(body)
        assert resp.get("ChecksumCRC32") == crc32_b64(body), "UploadPart should echo the part checksum"
        listed.append({"PartNumber": n, "ETag": resp["ETag"], "ChecksumCRC32": crc32_b64(body)})
    lp = s3.list_parts(Bucket=bucket, Key="ck", UploadId=upload_id)
    assert [p.get("ChecksumCRC32") for p in lp["Parts"]] == [crc32_b64(parts[n]) for n in sorted(parts)]
    done = s3.complete_multipart_upload(Bucket=bucket, Key="ck", UploadId=upload_id,
                                        MultipartUpload={"Parts": listed})
    assert done["ETag"] == multipart_etag(parts[n] for n in sorted(parts))
    get = s3.get_object(Bucket=bucket, Key="ck", ChecksumMode="ENABLED")
    assert get["Body"].read() == b"".join(parts[n] for n in sorted(parts))   # botocore checks what it is given


def test_part_with_wrong_checksum_is_rejected(s3, bucket):
    upload_id = _start(s3, bucket, ChecksumAlgorithm="CRC32")
    expect_client_error(s3.upload_part, Bucket=bucket, Key="mp", UploadId=upload_id, PartNumber=1, Body=b"data",
                        ChecksumCRC32="AAAAAA==", code={"BadDigest", "InvalidRequest"}, status=400)
    assert not s3.list_parts(Bucket=bucket, Key="mp", UploadId=upload_id).get("Parts")


def test_part_with_bad_content_md5_is_rejected(s3, bucket):
    import base64
    upload_id = _start(s3, bucket)
    wrong = base64.b64encode(hashlib.md5(b"other").digest()).decode()
    expect_client_error(s3.upload_part, Bucket=bucket, Key="mp", UploadId=upload_id, PartNumber=1, Body=b"data",
                        ContentMD5=wrong, code="BadDigest", status=400)


def test_multipart_keeps_create_time_metadata(s3, bucket):
    upload_id = _start(s3, bucket, Metadata={"Stage": "one"}, ContentType="text/csv", CacheControl="no-store")
    e = _put_part(s3, bucket, upload_id, 1, b"a,b\n")["ETag"]
    s3.complete_multipart_upload(Bucket=bucket, Key="mp", UploadId=upload_id,
                                 MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": e}]})
    head = s3.head_object(Bucket=bucket, Key="mp")
    assert head["Metadata"] == {"stage": "one"}
    assert head["ContentType"] == "text/csv"
    assert head["CacheControl"] == "no-store"


def test_multipart_upload_to_missing_bucket(s3):
    from conftest import unique_bucket_name
    expect_client_error(s3.create_multipart_upload, Bucket=unique_bucket_name("mp-missing"), Key="k",
                        code="NoSuchBucket", status=404)
