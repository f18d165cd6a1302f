"""Durability and atomicity on disk (s3-behaviours.md §12): SIGKILL mid-upload, restart on the same data dir."""

import hashlib
import random
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from botocore.exceptions import BotoCoreError, ClientError

from helpers import MiB, expect_client_error, leftover_temp_files, make_client, md5_hex, multipart_etag, quoted_md5

pytestmark = pytest.mark.slow


def _client(server):
    # short timeouts: after the SIGKILL every in-flight request must fail fast
    return make_client("s3", server.endpoint, connect_timeout=2, read_timeout=10)


def test_sigkill_mid_upload_keeps_acknowledged_objects_whole(sagebox_factory):
    server = sagebox_factory()
    s3 = _client(server)
    s3.create_bucket(Bucket="crash")

    rng = random.Random(1234)
    writers, uploads_per_writer = 20, 3
    plan = {}   # (writer, j) -> (key, body)
    for w in range(writers):
        for j in range(uploads_per_writer):
            size = rng.randint(3 * MiB, 6 * MiB)
            body = rng.randbytes(size)
            # the third upload of each writer overwrites its first key
            key = f"w{w:02d}/obj0" if j == 2 else f"w{w:02d}/obj{j}"
            plan[(w, j)] = (key, body)

    lock = threading.Lock()
    started = {}      # key -> list of bodies whose upload started
    acked = {}        # key -> body of the last acknowledged write (in writer order)
    ack_count = [0]
    enough = threading.Event()

    def writer(w):
        for j in range(uploads_per_writer):
            key, body = plan[(w, j)]
            with lock:
                started.setdefault(key, []).append(body)
            try:
                s3.put_object(Bucket="crash", Key=key, Body=body)
            except (BotoCoreError, ClientError, OSError):
                return
            with lock:
                acked[key] = body
                ack_count[0] += 1
                if ack_count[0] >= 15:
                    enough.set()

    with ThreadPoolExecutor(writers) as pool:
        futures = [pool.submit(writer, w) for w in range(writers)]
        assert enough.wait(timeout=60), f"only {ack_count[0]} uploads acknowledged in 60 s"
        server.kill()             # SIGKILL while uploads are in flight
        for f in futures:
            f.result(timeout=60)

    in_flight_at_kill = sum(len(v) for v in started.values()) - ack_count[0]
    server.start()                # same port, same data dir
    s3 = _client(server)

    listed = {o["Key"]: o for page in s3.get_paginator("list_objects_v2").paginate(Bucket="crash")
              for o in page.get("Contents", [])}

    # every acknowledged upload reads back byte-identical (unless a later write to the same key, started after
    # it, may have replaced it: then the object is one of those bodies)
    for key, body in acked.items():
        later = started[key][started[key].index(body):]
        data = s3.get_object(Bucket="crash", Key=key)["Body"].read()
        assert data in later, f"{key}: acknowledged write lost or corrupted ({len(data)} bytes read)"
        assert key in listed

    # every listed object is whole: size and MD5 of one of the bodies written to that key, ETag to match
    for key, obj in listed.items():
        candidates = {md5_hex(b): b for b in started.get(key, [])}
        assert candidates, f"{key} was never written but is listed"
        data = s3.get_object(Bucket="crash", Key=key)["Body"].read()
        assert md5_hex(data) in candidates, f"{key}: partial or mixed object after the crash ({len(data)} bytes)"
        assert obj["Size"] == len(data)
        assert obj["ETag"] == quoted_md5(data)
        head = s3.head_object(Bucket="crash", Key=key)
        assert head["ContentLength"] == len(data) and head["ETag"] == quoted_md5(data)

    assert leftover_temp_files(server.data_dir) == [], "temp files survived the restart"
    # sanity: the kill really happened mid-flight (otherwise this test proves less than it claims)
    assert in_flight_at_kill > 0, "all uploads finished before the kill; make them bigger"


def test_restart_preserves_state(sagebox_factory):
    server = sagebox_factory()
    s3 = _client(server)
    s3_eu = make_client("s3", server.endpoint, region="eu-west-1")
    s3.create_bucket(Bucket="keep")
    s3_eu.create_bucket(Bucket="keep-eu", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    body = b"persisted " * 1000
    s3.put_object(Bucket="keep", Key="dir/obj", Body=body, Metadata={"Kept": "yes"}, ContentType="text/plain",
                  ChecksumAlgorithm="SHA256")
    etag = s3.head_object(Bucket="keep", Key="dir/obj")["ETag"]
    part1 = b"p" * (5 * MiB)
    upload_id = s3.create_multipart_upload(Bucket="keep", Key="in-progress")["UploadId"]
    e1 = s3.upload_part(Bucket="keep", Key="in-progress", UploadId=upload_id, PartNumber=1, Body=part1)["ETag"]

    server.restart()              # graceful stop, start on the same data dir and port
    s3 = _client(server)

    assert {"keep", "keep-eu"} <= {b["Name"] for b in s3.list_buckets()["Buckets"]}
    assert s3.get_bucket_location(Bucket="keep-eu")["LocationConstraint"] == "eu-west-1"
    get = s3.get_object(Bucket="keep", Key="dir/obj", ChecksumMode="ENABLED")
    assert get["Body"].read() == body
    assert get["ETag"] == etag
    assert get["Metadata"] == {"kept": "yes"}
    assert get["ContentType"] == "text/plain"
    assert get.get("ChecksumSHA256") == __import__("base64").b64encode(hashlib.sha256(body).digest()).decode()

    # the multipart upload survives and can be finished
    uploads = s3.list_multipart_uploads(Bucket="keep").get("Uploads", [])
    assert [(u["Key"], u["UploadId"]) for u in uploads] == [("in-progress", upload_id)]
    e2 = s3.upload_part(Bucket="keep", Key="in-progress", UploadId=upload_id, PartNumber=2, Body=b"end")["ETag"]
    s3.complete_multipart_upload(Bucket="keep", Key="in-progress", UploadId=upload_id,
                                 MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": e1},
                                                            {"PartNumber": 2, "ETag": e2}]})
    assert s3.head_object(Bucket="keep", Key="in-progress")["ETag"] == multipart_etag([part1, b"end"])
    assert leftover_temp_files(server.data_dir) == []


def test_sigkill_after_acknowledged_writes_loses_nothing(sagebox_factory):
    server = sagebox_factory()
    s3 = _client(server)
    s3.create_bucket(Bucket="acked")
    bodies = {f"k{i}": random.Random(i).randbytes(100_000 + i) for i in range(30)}
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda kv: s3.put_object(Bucket="acked", Key=kv[0], Body=kv[1]), bodies.items()))
    s3.delete_object(Bucket="acked", Key="k0")
    server.kill()
    server.start()
    s3 = _client(server)
    for key, body in bodies.items():
        if key == "k0":
            expect_client_error(s3.head_object, Bucket="acked", Key=key, status=404)
        else:
            assert s3.get_object(Bucket="acked", Key=key)["Body"].read() == body
    assert len(s3.list_objects_v2(Bucket="acked")["Contents"]) == 29
    assert leftover_temp_files(server.data_dir) == []


def test_a_second_server_on_the_same_data_dir_refuses_to_start(sagebox_factory):
    """A second server would sweep the first one's in-flight uploads as crash leftovers: it must refuse, say why,
    and leave the first serving."""
    first = sagebox_factory()
    s3a = _client(first)
    s3a.create_bucket(Bucket="shared")
    s3a.put_object(Bucket="shared", Key="k", Body=b"from first")
    with pytest.raises(pytest.fail.Exception) as refused:
        sagebox_factory(data_dir=first.data_dir)
    assert f"is using the data directory {first.data_dir}" in str(refused.value)
    assert first.alive()
    assert s3a.get_object(Bucket="shared", Key="k")["Body"].read() == b"from first"
    # Once the first is gone, the directory is free again.
    first.kill()
    second = sagebox_factory(data_dir=first.data_dir)
    assert _client(second).get_object(Bucket="shared", Key="k")["Body"].read() == b"from first"
