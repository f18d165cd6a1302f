"""A "null" S3 endpoint: answers every request with a canned 200 and stores nothing.

Timing boto3 against it gives the client's own ceiling on this machine (request signing, checksums,
urllib3, response parsing), so a server's small-op rate can be shown as a share of what the client
could reach at all. It runs as its own process so it doesn't share the client's GIL.

With a CANNED folder it replays Sagebox's own answers, recorded there by s3_bench.py: a GET whose request target
was recorded (a file named by the SHA-1 of the target) gets that XML body, and any other GET or PUT gets the
recorded GetObject or PutObject reply (files `GetObject` and `PutObject`: status line, headers and body). Timing
boto3 against it gives the client's ceiling, or floor, for exactly the responses Sagebox sends, including the
checksum headers that S3 also sends and that make botocore validate the body.

Usage: python null_server.py PORT [CANNED]  (0 picks a free port; the chosen port is printed on stdout)
"""

import hashlib
import os
import socket
import sys
import threading

BODY = b"x" * 1024
# Minimal replies, used until a recorded one exists and by the bench's "null" server: enough headers for
# botocore to parse a GetObject/PutObject response, and no checksum header, so the client verifies nothing
# (its cheapest path, shown next to the replayed ceiling for comparison).
GET_RESPONSE = (
    b"HTTP/1.1 200 OK\r\n"
    b"Content-Type: application/octet-stream\r\n"
    b"ETag: \"0f343b0931126a20f133d67c2b018a3b\"\r\n"
    b"Last-Modified: Thu, 01 Jan 2026 00:00:00 GMT\r\n"
    b"x-amz-request-id: NULL\r\n"
    b"Content-Length: 1024\r\n\r\n" + BODY
)
OTHER_RESPONSE = (
    b"HTTP/1.1 200 OK\r\n"
    b"ETag: \"0f343b0931126a20f133d67c2b018a3b\"\r\n"
    b"x-amz-request-id: NULL\r\n"
    b"Content-Length: 0\r\n\r\n"
)


CANNED = sys.argv[2] if len(sys.argv) > 2 else None


_replies = {}


def recorded_reply(name: str):
    """A recorded GetObject/PutObject reply, read once it exists (the bench records it after start-up)."""
    if CANNED and name not in _replies:
        try:
            with open(os.path.join(CANNED, name), "rb") as f:
                _replies[name] = f.read()
        except FileNotFoundError:
            return None
    return _replies.get(name)


_listings = {}


def canned_response(target: bytes):
    """The recorded answer to a GET of `target`, if any. Remembered either way, so object GETs cost no file
    lookup after the first (the bench asks for a listing only after recording it)."""
    if not CANNED:
        return None
    if target not in _listings:
        try:
            with open(os.path.join(CANNED, hashlib.sha1(target).hexdigest()), "rb") as f:
                body = f.read()
            _listings[target] = (b"HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\nx-amz-request-id: NULL\r\n"
                                 b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
        except FileNotFoundError:
            _listings[target] = None
    return _listings[target]


def serve_connection(conn: socket.socket) -> None:
    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    buf = b""
    try:
        while True:
            while b"\r\n\r\n" not in buf:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                buf += chunk
            head, buf = buf.split(b"\r\n\r\n", 1)
            lines = head.split(b"\r\n")
            method, target = lines[0].split(b" ")[:2]
            headers = {}
            for line in lines[1:]:
                name, _, value = line.partition(b":")
                headers[name.strip().lower()] = value.strip()
            if headers.get(b"expect", b"").lower() == b"100-continue":
                conn.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
            if b"chunked" in headers.get(b"transfer-encoding", b"").lower():
                buf = drain_chunked(conn, buf)
            else:
                remaining = int(headers.get(b"content-length", b"0"))
                while len(buf) < remaining:
                    chunk = conn.recv(max(65536, remaining - len(buf)))
                    if not chunk:
                        return
                    buf += chunk
                buf = buf[remaining:]
            if method == b"GET":
                conn.sendall(canned_response(target) or recorded_reply("GetObject") or GET_RESPONSE)
            elif method == b"PUT":
                conn.sendall(recorded_reply("PutObject") or OTHER_RESPONSE)
            else:
                conn.sendall(OTHER_RESPONSE)
    except (ConnectionError, OSError):
        pass
    finally:
        conn.close()


def drain_chunked(conn: socket.socket, buf: bytes) -> bytes:
    """Skip a chunked body (with any trailers); returns what follows it."""

    def need(n_or_marker):
        nonlocal buf
        while (isinstance(n_or_marker, int) and len(buf) < n_or_marker) or (
            isinstance(n_or_marker, bytes) and n_or_marker not in buf
        ):
            chunk = conn.recv(65536)
            if not chunk:
                raise ConnectionError("closed mid-body")
            buf += chunk

    while True:
        need(b"\r\n")
        size_line, buf = buf.split(b"\r\n", 1)
        size = int(size_line.split(b";", 1)[0], 16)
        if size == 0:
            # Trailers end with an empty line.
            while True:
                need(b"\r\n")
                line, buf = buf.split(b"\r\n", 1)
                if not line:
                    return buf
        need(size + 2)
        buf = buf[size + 2 :]


def main() -> None:
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen(128)
    print(listener.getsockname()[1], flush=True)
    while True:
        conn, _ = listener.accept()
        threading.Thread(target=serve_connection, args=(conn,), daemon=True).start()


if __name__ == "__main__":
    main()
