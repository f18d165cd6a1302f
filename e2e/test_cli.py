"""The AWS CLI v1 (from the venv) against Sagebox, configured only through AWS_ENDPOINT_URL and dummy keys."""

import hashlib
import json
import os

import pytest

from conftest import unique_bucket_name
from helpers import ACCOUNT_ID, MiB, put_many


def _tree(root):
    out = {}
    for dirpath, _, files in os.walk(root):
        for name in files:
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, root)
            out[rel] = hashlib.md5(open(path, "rb").read()).hexdigest()
    return out


def test_mb_ls_rb(aws):
    name = unique_bucket_name("cli-mb")
    out = aws("s3", "mb", f"s3://{name}").stdout
    assert f"make_bucket: {name}" in out
    assert name in aws("s3", "ls").stdout
    aws("s3", "rb", f"s3://{name}")
    assert name not in aws("s3", "ls").stdout


def test_cp_up_and_down_multi_mib(aws, s3, bucket, tmp_path):
    data = os.urandom(12 * MiB + 3)       # above the CLI's 8 MiB multipart threshold
    src = tmp_path / "up.bin"
    src.write_bytes(data)
    out = aws("s3", "cp", str(src), f"s3://{bucket}/data/up.bin").stdout
    assert "upload: " in out and f"s3://{bucket}/data/up.bin" in out
    head = s3.head_object(Bucket=bucket, Key="data/up.bin")
    assert head["ContentLength"] == len(data)
    assert head["ETag"].endswith('-2"'), head["ETag"]

    dst = tmp_path / "down.bin"
    out = aws("s3", "cp", f"s3://{bucket}/data/up.bin", str(dst)).stdout
    assert "download: " in out
    assert dst.read_bytes() == data


def test_cp_small_file_and_stdout(aws, bucket, tmp_path):
    src = tmp_path / "hello.txt"
    src.write_text("hello from the cli\n")
    aws("s3", "cp", str(src), f"s3://{bucket}/hello.txt")
    proc = aws("s3", "cp", f"s3://{bucket}/hello.txt", "-")
    assert proc.stdout == "hello from the cli\n"


def test_sync_twice_transfers_nothing_the_second_time(aws, s3, bucket, tmp_path):
    src = tmp_path / "src"
    (src / "sub" / "deeper").mkdir(parents=True)
    (src / "a.txt").write_text("a")
    (src / "b.bin").write_bytes(os.urandom(100_000))
    (src / "sub" / "c.txt").write_text("c" * 1000)
    (src / "sub" / "deeper" / "d.json").write_text(json.dumps({"d": 1}))
    (src / "with space.txt").write_text("space")

    first = aws("s3", "sync", str(src), f"s3://{bucket}/tree").stdout
    assert first.count("upload:") == 5, first
    keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"])
    assert keys == ["tree/a.txt", "tree/b.bin", "tree/sub/c.txt", "tree/sub/deeper/d.json", "tree/with space.txt"]

    second = aws("s3", "sync", str(src), f"s3://{bucket}/tree").stdout
    assert "upload:" not in second, f"second sync transferred again:\n{second}"

    down = tmp_path / "down"
    aws("s3", "sync", f"s3://{bucket}/tree", str(down))
    assert _tree(down) == _tree(src)
    again = aws("s3", "sync", f"s3://{bucket}/tree", str(down)).stdout
    assert "download:" not in again, f"second download sync transferred again:\n{again}"


def test_ls_shows_prefixes_and_objects(aws, s3, bucket):
    for key in ("top.txt", "dir/one.txt", "dir/two.txt", "other/x"):
        s3.put_object(Bucket=bucket, Key=key, Body=b"12345")
    out = aws("s3", "ls", f"s3://{bucket}/").stdout
    lines = [line.split() for line in out.splitlines()]
    assert ["PRE", "dir/"] in lines and ["PRE", "other/"] in lines
    assert any(line[-1] == "top.txt" and line[-2] == "5" for line in lines), out
    recursive = aws("s3", "ls", f"s3://{bucket}", "--recursive").stdout
    assert sorted(line.split()[-1] for line in recursive.splitlines()) == \
        ["dir/one.txt", "dir/two.txt", "other/x", "top.txt"]


@pytest.mark.slow
def test_rm_recursive_deletes_while_paginating(aws, s3, bucket):
    """`aws s3 rm --recursive` deletes while it lists: the next page's marker names a deleted key (§2)."""
    put_many(s3, bucket, [f"many/{i:05d}" for i in range(1100)] + ["keep/me"], threads=12)
    aws("s3", "rm", f"s3://{bucket}/many", "--recursive", "--quiet", timeout=110)
    remaining = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
    assert remaining == ["keep/me"]


def test_s3api_put_get_list(aws, bucket, tmp_path):
    body = tmp_path / "body.bin"
    body.write_bytes(b"s3api body")
    put = aws.json("s3api", "put-object", "--bucket", bucket, "--key", "api/obj", "--body", str(body),
                   "--metadata", "Color=blue", "--content-type", "text/plain")
    assert put["ETag"] == '"%s"' % hashlib.md5(b"s3api body").hexdigest()

    out = tmp_path / "out.bin"
    get = aws.json("s3api", "get-object", "--bucket", bucket, "--key", "api/obj", str(out))
    assert out.read_bytes() == b"s3api body"
    assert get["Metadata"] == {"color": "blue"}
    assert get["ContentType"] == "text/plain"
    assert get["ContentLength"] == 10

    listed = aws.json("s3api", "list-objects-v2", "--bucket", bucket, "--prefix", "api/")
    assert [o["Key"] for o in listed["Contents"]] == ["api/obj"]
    single = aws.json("s3api", "list-objects-v2", "--bucket", bucket, "--no-paginate")   # one raw page
    assert single["KeyCount"] == 1 and single["Name"] == bucket


def test_s3api_error_reaches_the_user(aws, bucket):
    proc = aws("s3api", "get-object", "--bucket", bucket, "--key", "missing", "/dev/null", check=False)
    assert proc.returncode != 0
    assert "NoSuchKey" in proc.stderr


def test_sts_get_caller_identity(aws):
    ident = aws.json("sts", "get-caller-identity")
    assert ident["Account"] == ACCOUNT_ID
    assert ident["Arn"].startswith(f"arn:aws:iam::{ACCOUNT_ID}:") or ident["Arn"].startswith(
        f"arn:aws:sts::{ACCOUNT_ID}:")
    assert ident["UserId"]


def test_sts_get_caller_identity_with_account_id_flag(aws, sagebox_factory):
    server = sagebox_factory(extra_args=("--account-id", "210987654321"))
    ident = aws.json("sts", "get-caller-identity", env={"AWS_ENDPOINT_URL": server.endpoint})
    assert ident["Account"] == "210987654321"
