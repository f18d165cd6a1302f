"""Helpers shared by the Sagebox end-to-end tests.

Nothing here talks to a mock: every request goes to a real `sagebox serve` process over loopback, either through
boto3/botocore or as a raw HTTP request signed with botocore's own SigV4 signer.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import os
import re
import socket
import time
import zlib
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Optional
from urllib.parse import quote

import boto3
import botocore.config
import botocore.session
from botocore.auth import S3SigV4Auth, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

REGION = "us-east-1"
ACCOUNT_ID = "123456789012"
DUMMY_KEY = "test"
DUMMY_SECRET = "test"
MiB = 1024 * 1024

ISO8601_XML_TS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$")
HTTP_DATE = re.compile(r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d\d:\d\d:\d\d GMT$")


# --------------------------------------------------------------------------------------------------------------
# hashing and checksums
# --------------------------------------------------------------------------------------------------------------

def md5_hex(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


def quoted_md5(data: bytes) -> str:
    return '"%s"' % md5_hex(data)


def multipart_etag(parts: Iterable[bytes]) -> str:
    """S3's multipart ETag: quoted md5 of the concatenated binary part MD5s, then -N."""
    digests = [hashlib.md5(p).digest() for p in parts]
    return '"%s-%d"' % (hashlib.md5(b"".join(digests)).hexdigest(), len(digests))


def multipart_etag_for_file_bytes(data: bytes, part_size: int) -> str:
    return multipart_etag(data[i:i + part_size] for i in range(0, len(data), part_size))


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def crc32_b64(data: bytes) -> str:
    return b64((zlib.crc32(data) & 0xFFFFFFFF).to_bytes(4, "big"))


def checksum_b64(algorithm: str, data: bytes) -> str:
    algorithm = algorithm.upper()
    if algorithm == "CRC32":
        return crc32_b64(data)
    if algorithm == "SHA1":
        return b64(hashlib.sha1(data).digest())
    if algorithm == "SHA256":
        return b64(hashlib.sha256(data).digest())
    if algorithm == "CRC32C":
        from awscrt import checksums  # noqa: WPS433 (optional dependency)
        return b64(checksums.crc32c(data).to_bytes(4, "big"))
    if algorithm == "CRC64NVME":
        from awscrt import checksums
        return b64(checksums.crc64nvme(data).to_bytes(8, "big"))
    raise ValueError(algorithm)


def have_awscrt() -> bool:
    try:
        import awscrt.checksums  # noqa: F401
        return True
    except Exception:  # pragma: no cover - depends on the venv
        return False


# --------------------------------------------------------------------------------------------------------------
# boto3 clients
# --------------------------------------------------------------------------------------------------------------

def client_config(addressing_style: str = "path", **extra) -> botocore.config.Config:
    kwargs = dict(
        region_name=extra.pop("region_name", REGION),
        signature_version="s3v4",
        s3={"addressing_style": addressing_style},
        retries={"total_max_attempts": 1},  # surface every server error; never hide one behind a retry
        connect_timeout=5,
        read_timeout=60,
        max_pool_connections=32,
    )
    kwargs.update(extra)
    return botocore.config.Config(**kwargs)


def make_client(service: str, endpoint: str, *, access_key: str = DUMMY_KEY, secret_key: str = DUMMY_SECRET,
                region: str = REGION, addressing_style: str = "path", validate_xml: bool = True, **config_extra):
    session = boto3.session.Session(aws_access_key_id=access_key, aws_secret_access_key=secret_key,
                                    region_name=region)
    client = session.client(service, endpoint_url=endpoint,
                            config=client_config(addressing_style, region_name=region, **config_extra))
    if service == "s3" and validate_xml:
        install_xml_validator(client)
    return client


def error_code(exc: ClientError) -> str:
    return exc.response.get("Error", {}).get("Code", "")


def http_status(exc_or_resp) -> int:
    resp = exc_or_resp.response if isinstance(exc_or_resp, ClientError) else exc_or_resp
    return resp["ResponseMetadata"]["HTTPStatusCode"]


def expect_client_error(fn, *args, code=None, status=None, **kwargs) -> ClientError:
    """Call fn and assert it raises ClientError with the given code (str or set) and HTTP status."""
    try:
        result = fn(*args, **kwargs)
    except ClientError as exc:
        got_code, got_status = error_code(exc), http_status(exc)
        if code is not None:
            allowed = {code} if isinstance(code, str) else set(code)
            assert got_code in allowed, f"expected error code {sorted(allowed)}, got {got_code!r} (HTTP {got_status}): {exc}"
        if status is not None:
            assert got_status == status, f"expected HTTP {status}, got {got_status} ({got_code}): {exc}"
        return exc
    raise AssertionError(f"expected ClientError {code}/{status}, call succeeded: "
                         f"{_short(result)}")


def _short(obj) -> str:
    text = repr(obj)
    return text if len(text) < 600 else text[:600] + "..."


# --------------------------------------------------------------------------------------------------------------
# Response-shape validation against botocore's service model (cheap: botocore already has the model loaded)
# --------------------------------------------------------------------------------------------------------------

class ResponseShapeError(AssertionError):
    pass


def _strip_ns(tag: str) -> str:
    return tag.split("}", 1)[1] if tag.startswith("{") else tag


def _xml_members(shape):
    members = {}
    for name, member in shape.members.items():
        loc = member.serialization.get("location")
        if loc in ("header", "headers", "statusCode", "uri", "querystring"):
            continue
        xml_name = member.serialization.get("name", name)
        if member.type_name == "list" and member.serialization.get("flattened"):
            xml_name = member.serialization.get("name") or member.member.serialization.get("name", name)
        members[xml_name] = member
    return members


def check_xml_against_shape(elem, shape, path: str = "") -> list[str]:
    """Walk an XML element and a botocore shape together; return the differences that botocore would silently
    swallow (unknown or misspelled elements, values that do not parse as the modelled type)."""
    problems: list[str] = []
    here = f"{path}/{_strip_ns(elem.tag)}"
    t = shape.type_name
    if t == "structure":
        members = _xml_members(shape)
        for child in elem:
            tag = _strip_ns(child.tag)
            member = members.get(tag)
            if member is None:
                problems.append(f"{here}/{tag}: element not in botocore's model of {shape.name}")
                continue
            if member.type_name == "list" and member.serialization.get("flattened"):
                problems += check_xml_against_shape(child, member.member, here)
            else:
                problems += check_xml_against_shape(child, member, here)
    elif t == "list":
        item_name = shape.member.serialization.get("name", "member")
        for child in elem:
            if _strip_ns(child.tag) != item_name:
                problems.append(f"{here}/{_strip_ns(child.tag)}: expected list items named {item_name}")
                continue
            problems += check_xml_against_shape(child, shape.member, here)
    elif t == "map":
        pass
    else:
        text = (elem.text or "").strip()
        if t in ("integer", "long"):
            if not re.fullmatch(r"-?\d+", text):
                problems.append(f"{here}: {text!r} is not an integer")
        elif t == "boolean":
            if text not in ("true", "false"):
                problems.append(f"{here}: {text!r} is not 'true' or 'false'")
        elif t == "timestamp":
            if not ISO8601_XML_TS.match(text):
                problems.append(f"{here}: timestamp {text!r} is not ISO 8601 UTC like 2009-10-12T17:50:30.000Z")
        elif t == "string" and shape.enum and text and text not in shape.enum:
            problems.append(f"{here}: {text!r} is not one of {shape.enum}")
    return problems


def check_error_xml(body: bytes, headers) -> list[str]:
    problems = []
    try:
        root = ET.fromstring(body)
    except ET.ParseError as exc:
        return [f"error body is not XML ({exc}): {body[:200]!r}"]
    if _strip_ns(root.tag) != "Error":
        return [f"error body root is <{_strip_ns(root.tag)}>, expected <Error>: {body[:200]!r}"]
    fields = {_strip_ns(c.tag): (c.text or "") for c in root}
    for name in ("Code", "Message", "RequestId"):
        if not fields.get(name):
            problems.append(f"error XML lacks a non-empty <{name}>: {body[:300]!r}")
    request_id = _header(headers, "x-amz-request-id")
    if fields.get("RequestId") and request_id != fields.get("RequestId"):
        problems.append(f"<RequestId>{fields.get('RequestId')}</RequestId> != x-amz-request-id header {request_id!r}")
    return problems


def _header(headers, name):
    if headers is None:
        return None
    for k, v in headers.items():
        if k.lower() == name:
            return v
    return None


# Operations whose body is not a modelled XML document.
_SKIP_SHAPE_CHECK = {"GetObject", "GetBucketLocation", "GetBucketPolicy", "GetObjectTorrent",
                     "SelectObjectContent"}


def install_xml_validator(client) -> None:
    """Make every call through this S3 client check the raw XML against botocore's model (success) or the S3
    error shape (failure). A violation raises ResponseShapeError from the call."""

    def before_parse(operation_model=None, response_dict=None, **_):
        if response_dict is None:
            return
        status = response_dict.get("status_code", 0)
        body = response_dict.get("body") or b""
        headers = response_dict.get("headers") or {}
        if operation_model.http.get("method") == "HEAD" or status == 304:
            return
        if not isinstance(body, (bytes, bytearray)):
            return  # streaming body (GetObject success)
        problems = []
        if status >= 300:
            if body:
                problems = check_error_xml(bytes(body), headers)
            elif status >= 400:
                problems = ["error response without a body (every non-HEAD S3 error is an <Error> document)"]
        else:
            if operation_model.name in _SKIP_SHAPE_CHECK or not body.strip():
                return
            shape = operation_model.output_shape
            if shape is None:
                return
            payload = shape.serialization.get("payload")
            if payload:
                shape = shape.members[payload]
                if shape.type_name != "structure":
                    return
            try:
                root = ET.fromstring(bytes(body))
            except ET.ParseError as exc:
                raise ResponseShapeError(f"{operation_model.name}: body is not XML ({exc}): {bytes(body)[:300]!r}")
            problems = check_xml_against_shape(root, shape)
        if problems:
            raise ResponseShapeError(f"{operation_model.name} (HTTP {status}): " + "; ".join(problems[:10]))

    client.meta.events.register("before-parse.s3.*", before_parse)


# --------------------------------------------------------------------------------------------------------------
# Raw HTTP, signed with botocore's SigV4 (so tests control every header and byte of the body)
# --------------------------------------------------------------------------------------------------------------

class _FixedPayloadS3Auth(S3SigV4Auth):
    """S3 SigV4 signer that signs a given x-amz-content-sha256 value instead of hashing the body."""

    def __init__(self, credentials, service, region, payload_hash):
        super().__init__(credentials, service, region)
        self._payload_hash = payload_hash

    def payload(self, request):
        if self._payload_hash is not None:
            return self._payload_hash
        return super().payload(request)


@dataclass
class RawResponse:
    status: int
    reason: str
    headers: dict
    body: bytes

    def header(self, name: str, default=None):
        return self.headers.get(name.lower(), default)

    def xml(self):
        return ET.fromstring(self.body)

    def xml_fields(self) -> dict:
        return {_strip_ns(c.tag): (c.text or "") for c in self.xml()}

    def __repr__(self):
        return f"RawResponse({self.status} {self.reason}, headers={self.headers}, body={self.body[:400]!r})"


def sign_headers(method: str, url: str, headers: Optional[dict] = None, body=b"", *, service: str = "s3",
                 region: str = REGION, access_key: str = DUMMY_KEY, secret_key: str = DUMMY_SECRET,
                 payload_hash: Optional[str] = None) -> dict:
    headers = dict(headers or {})
    data = body if isinstance(body, (bytes, bytearray)) else b""
    request = AWSRequest(method=method, url=url, headers=headers, data=data)
    creds = Credentials(access_key, secret_key)
    if service == "s3":
        signer = _FixedPayloadS3Auth(creds, service, region, payload_hash)
    else:
        signer = SigV4Auth(creds, service, region)
        if payload_hash is not None:
            request.headers["X-Amz-Content-SHA256"] = payload_hash
    signer.add_auth(request)
    return dict(request.headers.items())


def raw_request(endpoint: str, method: str, path: str, *, headers: Optional[dict] = None, body=b"",
                sign: bool = True, service: str = "s3", access_key: str = DUMMY_KEY, secret_key: str = DUMMY_SECRET,
                payload_hash: Optional[str] = None, chunked: bool = False, timeout: float = 30,
                conn: Optional[http.client.HTTPConnection] = None) -> RawResponse:
    """Send one request with http.client. `path` is the already-encoded request target (path?query).
    With chunked=True the body (bytes or an iterable of bytes) goes out with Transfer-Encoding: chunked."""
    hostport = endpoint.split("://", 1)[1].rstrip("/")
    headers = dict(headers or {})
    if sign:
        if chunked and payload_hash is None:
            payload_hash = "UNSIGNED-PAYLOAD"
        headers = sign_headers(method, endpoint.rstrip("/") + path, headers, body if not chunked else b"",
                               service=service, access_key=access_key, secret_key=secret_key,
                               payload_hash=payload_hash)
    own = conn is None
    if own:
        host, port = hostport.rsplit(":", 1)
        conn = http.client.HTTPConnection(host, int(port), timeout=timeout)
    try:
        if chunked:
            chunks = [body] if isinstance(body, (bytes, bytearray)) else body
            conn.putrequest(method, path, skip_accept_encoding=True)
            for k, v in headers.items():
                conn.putheader(k, v)
            conn.putheader("Transfer-Encoding", "chunked")
            conn.endheaders()
            for chunk in chunks:
                if chunk:
                    conn.send(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            conn.send(b"0\r\n\r\n")
        else:
            conn.request(method, path, body=body if body else None, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        return RawResponse(resp.status, resp.reason, {k.lower(): v for k, v in resp.getheaders()}, data)
    finally:
        if own:
            conn.close()


def s3_path(bucket: str, key: Optional[str] = None, query: str = "") -> str:
    path = "/" + bucket
    if key is not None:
        path += "/" + quote(key, safe="/~")
    if query:
        path += "?" + query
    return path


# --------------------------------------------------------------------------------------------------------------
# aws-chunked bodies (what the Java/Go v2 SDKs and AWS CLI v2 send; boto3 over http never does)
# --------------------------------------------------------------------------------------------------------------

def aws_chunked_body(data: bytes, chunk_size: int, trailers: dict[str, str]) -> bytes:
    out = bytearray()
    for i in range(0, len(data), chunk_size):
        chunk = data[i:i + chunk_size]
        out += b"%x\r\n" % len(chunk) + chunk + b"\r\n"
    out += b"0\r\n"
    for name, value in trailers.items():
        out += f"{name}:{value}\r\n".encode()
    out += b"\r\n"
    return bytes(out)


# --------------------------------------------------------------------------------------------------------------
# Listing model: what a correct S3 returns, computed from the set of keys
# --------------------------------------------------------------------------------------------------------------

def utf8_sorted(keys: Iterable[str]) -> list[str]:
    return sorted(keys, key=lambda k: k.encode("utf-8"))


def expected_listing(keys: Iterable[str], prefix: str = "", delimiter: str = "", after: str = ""):
    """Entries of a listing in order: ("key", k) or ("prefix", p), positions after `after` (a start-after/marker
    that is not inside a rolled-up prefix)."""
    entries = {}
    for k in keys:
        if not k.startswith(prefix):
            continue
        rest = k[len(prefix):]
        if delimiter and delimiter in rest:
            cp = prefix + rest[: rest.index(delimiter) + len(delimiter)]
            entries[cp] = "prefix"
        else:
            entries[k] = "key"
    ordered = utf8_sorted(entries)
    after_b = after.encode("utf-8")
    return [(entries[name], name) for name in ordered if name.encode("utf-8") > after_b]


def put_many(s3, bucket: str, keys: Iterable[str], body: bytes = b"x", threads: int = 8) -> None:
    from concurrent.futures import ThreadPoolExecutor
    keys = list(keys)
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(lambda k: s3.put_object(Bucket=bucket, Key=k, Body=body), keys))


def listed_keys_v2(s3, bucket: str, **kwargs) -> list[str]:
    out = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, **kwargs):
        out += [o["Key"] for o in page.get("Contents", [])]
    return out


# --------------------------------------------------------------------------------------------------------------
# misc
# --------------------------------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(predicate, timeout: float, interval: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


def leftover_temp_files(data_dir) -> list[str]:
    """Temp files left in a Sagebox data dir: any file inside a directory named `tmp` (the staging area for
    uploads that are written, then renamed into place), and any file whose name starts with `tmp` or ends with
    `.tmp` anywhere under the data dir. An empty list means every write either completed or was cleaned up."""
    data_dir = Path(data_dir)
    found = []
    for dirpath, dirnames, filenames in os.walk(data_dir):
        in_tmp_dir = any(part == "tmp" for part in Path(dirpath).relative_to(data_dir).parts)
        for name in filenames:
            if in_tmp_dir or name.startswith("tmp") or name.endswith(".tmp"):
                found.append(str(Path(dirpath, name).relative_to(data_dir)))
    return sorted(found)


# --------------------------------------------------------------------------------------------------------------
# Signed aws-chunked streaming (STREAMING-AWS4-HMAC-SHA256-PAYLOAD): the Java/Go v2 SDKs' PutObject over http
# --------------------------------------------------------------------------------------------------------------

EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()


def _hmac(key: bytes, msg: str) -> bytes:
    import hmac
    return hmac.new(key, msg.encode("utf-8"), hashlib.sha256).digest()


def signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    k = _hmac(("AWS4" + secret).encode("utf-8"), date)
    k = _hmac(k, region)
    k = _hmac(k, service)
    return _hmac(k, "aws4_request")


def signed_streaming_length(sizes: list[int]) -> int:
    total = 0
    for size in sizes + [0]:
        total += len(b"%x" % size) + len(";chunk-signature=") + 64 + 2 + size + 2
    return total


def signed_streaming_put(endpoint: str, path: str, data: bytes, chunk_size: int, *, access_key: str = DUMMY_KEY,
                         secret_key: str = DUMMY_SECRET, region: str = REGION, extra_headers: Optional[dict] = None,
                         tamper=None) -> RawResponse:
    """PUT `data` as a SigV4 signed aws-chunked stream. `tamper(body: bytearray)` may corrupt the body after
    signing (to check that chunk signatures are verified)."""
    import hmac
    chunks = [data[i:i + chunk_size] for i in range(0, len(data), chunk_size)]
    headers = {
        "Content-Encoding": "aws-chunked",
        "x-amz-decoded-content-length": str(len(data)),
        "Content-Length": str(signed_streaming_length([len(c) for c in chunks])),
    }
    headers.update(extra_headers or {})
    signed = sign_headers("PUT", endpoint.rstrip("/") + path, headers, b"", access_key=access_key,
                          secret_key=secret_key, region=region, payload_hash="STREAMING-AWS4-HMAC-SHA256-PAYLOAD")
    timestamp = signed["X-Amz-Date"]
    seed = re.search(r"Signature=([0-9a-f]{64})", signed["Authorization"]).group(1)
    scope = f"{timestamp[:8]}/{region}/s3/aws4_request"
    key = signing_key(secret_key, timestamp[:8], region, "s3")
    body = bytearray()
    previous = seed
    for chunk in chunks + [b""]:
        string_to_sign = "\n".join(["AWS4-HMAC-SHA256-PAYLOAD", timestamp, scope, previous, EMPTY_SHA256,
                                    hashlib.sha256(chunk).hexdigest()])
        signature = hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()
        body += b"%x;chunk-signature=%s\r\n" % (len(chunk), signature.encode()) + chunk + b"\r\n"
        previous = signature
    assert len(body) == int(headers["Content-Length"])
    if tamper is not None:
        tamper(body)
    return raw_request(endpoint, "PUT", path, headers=signed, body=bytes(body), sign=False)
