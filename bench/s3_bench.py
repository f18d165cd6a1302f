#!/usr/bin/env python3
"""Sagebox vs moto_server S3 benchmark, measured in one run on this machine. Not part of the test suite.

Run it through bench/s3.sh, which builds Sagebox in release and prepares bench/.venv. Both servers run side by
side with two "null" servers that store nothing and give the client's own ceiling: "null" sends minimal replies,
"replay" sends Sagebox's own recorded replies (the same headers and bytes, so boto3 does the same parsing and
checksum validation). Every measurement alternates between the servers repetition by repetition, so drifting
load on a shared VM hits all alike. The client is boto3 with
its default TransferConfig; only retries are turned off, so a server error shows up as an error instead of
a slower number.
"""

import argparse
import concurrent.futures
import datetime
import hashlib
import os
import platform
import queue
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.error
import urllib.parse
import urllib.request

import boto3
import botocore
import moto
from botocore.config import Config

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
KiB, MiB = 1024, 1024 * 1024

# Targets from the performance issue, keyed by measurement. kind: "min"/"max" absolute bound, "ceiling"
# (fraction of the replay server's rate), "vs_moto" (multiple of moto's rate).
TARGETS = {
    "put_seq": ("ceiling", 0.80),
    "get_seq": ("ceiling", 0.80),
    "put_thr": ("ceiling", 0.80),
    "get_thr": ("ceiling", 0.80),
    "upload_file": ("min", 300),
    "download_file": ("min", 450),
    "rss_upload": ("max_excl", 100),
    "rss_download": ("max_excl", 100),
    "list_full": ("max", 700),
    "list_prefix": ("max", 2),
    "wrk_get": ("vs_moto", 20),
}


# --------------------------------------------------------------------------------------------- servers


class Server:
    def __init__(self, name, proc, endpoint, log_path, cleanup_dir=None):
        self.name, self.proc, self.endpoint, self.log_path, self.cleanup_dir = name, proc, endpoint, log_path, cleanup_dir

    def rss_mib(self):
        try:
            with open(f"/proc/{self.proc.pid}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1]) / 1024
        except OSError:
            pass
        return None

    def check_alive(self):
        code = self.proc.poll()
        if code is not None:
            raise RuntimeError(f"{self.name} server exited with code {code} (log: {self.log_path})")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.cleanup_dir:
            shutil.rmtree(self.cleanup_dir, ignore_errors=True)


def _spawn_reading_first_line(argv, log_path, pattern, timeout=60):
    """Start argv, wait for a stdout line matching pattern, then keep draining stdout into the log so a
    full pipe never stalls the server."""
    log = open(log_path, "w")
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=log, text=True, bufsize=1)
    lines = queue.Queue()

    def drain():
        for line in proc.stdout:
            log.write(line)
            log.flush()
            lines.put(line)
        lines.put(None)

    threading.Thread(target=drain, daemon=True).start()
    deadline = time.monotonic() + timeout
    while True:
        try:
            line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
        except queue.Empty:
            line = None
        if line is None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError(f"{argv[0]} did not start (see {log_path})")
        m = re.search(pattern, line)
        if m:
            return proc, m


def _wait_http(url, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except urllib.error.HTTPError:
            return  # it answered; any status will do
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"no answer from {url}")


def start_sagebox(binary, logdir, fsync):
    data = tempfile.mkdtemp(prefix="sagebox-bench-data-")
    argv = [binary, "serve", "--port", "0", "--data-dir", data] + ([] if fsync else ["--no-fsync"])
    proc, m = _spawn_reading_first_line(argv, os.path.join(logdir, "sagebox.log"), r"listening on (http://[\d.]+:\d+)")
    endpoint = m.group(1)
    _wait_http(endpoint + "/_sagebox/health")
    return Server("sagebox", proc, endpoint, os.path.join(logdir, "sagebox.log"), data)


def start_moto(logdir):
    import socket

    with socket.socket() as s:  # moto can't report a port it picked itself
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log_path = os.path.join(logdir, "moto.log")
    proc = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=open(log_path, "w"), stderr=subprocess.STDOUT,
    )
    endpoint = f"http://127.0.0.1:{port}"
    _wait_http(endpoint + "/moto-api/")
    return Server("moto", proc, endpoint, log_path)


def start_null(logdir, name, canned=None):
    log_path = os.path.join(logdir, f"{name}.log")
    argv = [sys.executable, os.path.join(HERE, "null_server.py"), "0"] + ([canned] if canned else [])
    proc, m = _spawn_reading_first_line(argv, log_path, r"^(\d+)$")
    return Server(name, proc, f"http://127.0.0.1:{m.group(1)}", log_path)


def make_client(endpoint):
    return boto3.session.Session().client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="bench",
        aws_secret_access_key="benchsecret",
        config=Config(retries={"total_max_attempts": 1}),
    )


# -------------------------------------------------------------------------------------- measurements


class Ctx:
    """Per-server state shared by the measurement functions."""

    def __init__(self, server, args, big_file):
        self.server, self.args, self.big_file = server, args, big_file
        self.s3 = make_client(server.endpoint)
        self.bucket = "bench"
        self.list_bucket = "bench-list"
        self.payload = os.urandom(KiB)
        self.get_keys = [f"small/get-{i}" for i in range(100)]


def setup_objects(ctx):
    if ctx.server.name in NULLS:
        return
    ctx.s3.create_bucket(Bucket=ctx.bucket)
    for key in ctx.get_keys:
        ctx.s3.put_object(Bucket=ctx.bucket, Key=key, Body=ctx.payload)


def _threaded(n_threads, total, op):
    per = total // n_threads

    def worker(t):
        for i in range(per):
            op(t * per + i)

    with concurrent.futures.ThreadPoolExecutor(n_threads) as pool:
        start = time.perf_counter()
        list(pool.map(worker, range(n_threads)))  # list() re-raises a worker's exception
        elapsed = time.perf_counter() - start
    return per * n_threads / elapsed


def _get_small(ctx, i):
    body = ctx.s3.get_object(Bucket=ctx.bucket, Key=ctx.get_keys[i % len(ctx.get_keys)])["Body"].read()
    if len(body) != KiB:
        raise RuntimeError(f"GetObject returned {len(body)} bytes, expected {KiB}")


def _put_small(ctx, i):
    ctx.s3.put_object(Bucket=ctx.bucket, Key=f"small/put-{i}", Body=ctx.payload)


# The small-op measurements run in short slices, many more runs of fewer ops each, so that a few seconds of load
# from the VM's neighbours land on every server alike instead of on one server's single long run.
SLICES = 5


def m_put_seq(ctx):
    n = ctx.args.small_ops // SLICES
    for i in range(10):
        _put_small(ctx, i)  # warm the connection
    start = time.perf_counter()
    for i in range(n):
        _put_small(ctx, i)
    return {"put_seq": n / (time.perf_counter() - start)}


def m_get_seq(ctx):
    n = ctx.args.small_ops // SLICES
    for i in range(10):
        _get_small(ctx, i)
    start = time.perf_counter()
    for i in range(n):
        _get_small(ctx, i)
    return {"get_seq": n / (time.perf_counter() - start)}


def m_put_thr(ctx):
    _threaded(8, 80, lambda i: _put_small(ctx, i))  # opens the 8 pooled connections first
    return {"put_thr": _threaded(8, ctx.args.threaded_ops // SLICES, lambda i: _put_small(ctx, i))}


def m_get_thr(ctx):
    _threaded(8, 80, lambda i: _get_small(ctx, i))
    return {"get_thr": _threaded(8, ctx.args.threaded_ops // SLICES, lambda i: _get_small(ctx, i))}


_BIG64 = None


def m_put_64(ctx):
    global _BIG64
    if _BIG64 is None:
        _BIG64 = os.urandom(64 * MiB)
    start = time.perf_counter()
    ctx.s3.put_object(Bucket=ctx.bucket, Key="big64", Body=_BIG64)
    return {"put_64": 64 / (time.perf_counter() - start)}


def m_get_64(ctx):
    start = time.perf_counter()
    body = ctx.s3.get_object(Bucket=ctx.bucket, Key="big64")["Body"].read()
    elapsed = time.perf_counter() - start
    if len(body) != 64 * MiB:
        raise RuntimeError(f"GET 64 MiB returned {len(body)} bytes")
    return {"get_64": 64 / elapsed}


class RSSPoller:
    """Samples the server's VmRSS every 50 ms while a transfer runs."""

    def __init__(self, server):
        self.server, self.peak, self._stop = server, 0.0, threading.Event()

    def __enter__(self):
        def loop():
            while not self._stop.is_set():
                rss = self.server.rss_mib()
                if rss is not None:
                    self.peak = max(self.peak, rss)
                self._stop.wait(0.05)

        self._thread = threading.Thread(target=loop, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def m_upload_file(ctx):
    size_mib = os.path.getsize(ctx.big_file) / MiB
    with RSSPoller(ctx.server) as rss:
        start = time.perf_counter()
        ctx.s3.upload_file(ctx.big_file, ctx.bucket, "big-file")
        elapsed = time.perf_counter() - start
    return {"upload_file": size_mib / elapsed, "rss_upload": rss.peak}


def m_download_file(ctx):
    size = os.path.getsize(ctx.big_file)
    target = ctx.big_file + f".{ctx.server.name}.download"
    try:
        with RSSPoller(ctx.server) as rss:
            start = time.perf_counter()
            ctx.s3.download_file(ctx.bucket, "big-file", target)
            elapsed = time.perf_counter() - start
        if os.path.getsize(target) != size:
            raise RuntimeError(f"download_file wrote {os.path.getsize(target)} bytes, expected {size}")
    finally:
        if os.path.exists(target):
            os.remove(target)
    return {"download_file": size / MiB / elapsed, "rss_download": rss.peak}


def populate_listing(ctx):
    """dir{0..99}/sub{0..9}/file{0..9}: 10,000 empty objects, written by 8 threads. Two levels, so the root
    listing rolls up 100 prefixes and a folder's listing 10, as the spec's anchors measured them (moto's times
    there match these shapes)."""
    ctx.s3.create_bucket(Bucket=ctx.list_bucket)
    keys = [f"dir{d}/sub{s}/file{f}" for d in range(100) for s in range(10) for f in range(10)]
    _threaded(8, len(keys), lambda i: ctx.s3.put_object(Bucket=ctx.list_bucket, Key=keys[i], Body=b""))


def record_replies(ctx, canned):
    """Records Sagebox's answers for the replay server: every listing measurement's answer under the SHA-1 of its
    request target, and one GetObject and one PutObject reply, so the same bytes are parsed by the same client
    without a server behind them."""
    for name, resp, body in (
        ("GetObject", *_with_body(ctx.s3.get_object(Bucket=ctx.bucket, Key=ctx.get_keys[0]))),
        ("PutObject", ctx.s3.put_object(Bucket=ctx.bucket, Key="small/recorded", Body=ctx.payload), b""),
    ):
        meta = resp["ResponseMetadata"]
        head = f"HTTP/1.1 {meta['HTTPStatusCode']} OK\r\n" + "".join(f"{k}: {v}\r\n" for k, v in meta["HTTPHeaders"].items())
        with open(os.path.join(canned, name), "wb") as f:
            f.write(head.encode() + b"\r\n" + body)

    def keep(http_response, **_):
        parts = urllib.parse.urlsplit(http_response.url)
        target = parts.path + ("?" + parts.query if parts.query else "")
        with open(os.path.join(canned, hashlib.sha1(target.encode()).hexdigest()), "wb") as f:
            f.write(http_response.content)

    ctx.s3.meta.events.register("after-call.s3.ListObjectsV2", keep)
    try:
        calls = ctx.args.list_calls
        ctx.args.list_calls = 1
        for measure in LISTINGS:
            measure(ctx)
    finally:
        ctx.args.list_calls = calls
        ctx.s3.meta.events.unregister("after-call.s3.ListObjectsV2", keep)


def _with_body(resp):
    return resp, resp["Body"].read()


def m_list_full(ctx):
    start = time.perf_counter()
    count = 0
    for page in ctx.s3.get_paginator("list_objects_v2").paginate(Bucket=ctx.list_bucket):
        count += len(page.get("Contents", []))
    elapsed = time.perf_counter() - start
    if count != 10_000:
        raise RuntimeError(f"full listing returned {count} keys, expected 10000")
    return {"list_full": elapsed * 1000}


def _median_call_ms(ctx, check, **params):
    times = []
    for _ in range(ctx.args.list_calls):
        start = time.perf_counter()
        resp = ctx.s3.list_objects_v2(Bucket=ctx.list_bucket, **params)
        times.append((time.perf_counter() - start) * 1000)
        check(resp)
    return statistics.median(times)


def _expect(what, resp, keys, prefixes):
    got = (len(resp.get("Contents", [])), len(resp.get("CommonPrefixes", [])))
    if got != (keys, prefixes):
        raise RuntimeError(f"{what} returned {got[0]} keys and {got[1]} prefixes, expected {keys} and {prefixes}")


def m_list_prefix(ctx):
    check = lambda resp: _expect("Prefix='dir5/' Delimiter='/'", resp, 0, 10)
    return {"list_prefix": _median_call_ms(ctx, check, Prefix="dir5/", Delimiter="/")}


def m_list_prefix_keys(ctx):
    check = lambda resp: _expect("Prefix='dir5/'", resp, 100, 0)
    return {"list_prefix_keys": _median_call_ms(ctx, check, Prefix="dir5/")}


def m_list_root(ctx):
    check = lambda resp: _expect("root Delimiter='/'", resp, 0, 100)
    return {"list_root": _median_call_ms(ctx, check, Delimiter="/")}


LISTINGS = (m_list_full, m_list_prefix, m_list_prefix_keys, m_list_root)


def m_wrk(ctx):
    # moto answers 403 to an unsigned GET, so both servers get the same SigV4 presigned URL (a plain GET
    # that each must answer 200, checked below). SigV4 explicitly: boto3's default presigned URL in
    # us-east-1 is the legacy SigV2 query form.
    presigner = boto3.session.Session().client(
        "s3", endpoint_url=ctx.server.endpoint, region_name="us-east-1", aws_access_key_id="bench",
        aws_secret_access_key="benchsecret", config=Config(signature_version="s3v4"),
    )
    url = presigner.generate_presigned_url("get_object", Params={"Bucket": ctx.bucket, "Key": ctx.get_keys[0]}, ExpiresIn=3600)
    try:
        with urllib.request.urlopen(url, timeout=10) as resp:
            status, body = resp.status, resp.read()
    except urllib.error.HTTPError as e:
        status, body = e.code, e.read()
    if status != 200 or len(body) != KiB:
        raise RuntimeError(f"presigned GET answered {status}: {body[:300]!r}")
    out = subprocess.run(
        ["wrk", "-t2", "-c16", f"-d{ctx.args.wrk_seconds}s", url], capture_output=True, text=True, timeout=ctx.args.wrk_seconds + 60
    ).stdout
    m = re.search(r"(\d+) requests in ([\d.]+)(ms|s|m)", out)
    if not m:
        raise RuntimeError("could not parse wrk output:\n" + out)
    seconds = float(m.group(2)) * {"ms": 0.001, "s": 1, "m": 60}[m.group(3)]
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    bad = int(bad.group(1)) if bad else 0
    errors = re.search(r"Socket errors: (.*)", out)
    if bad or errors:
        print(f"  wrk against {ctx.server.name}: {bad} non-2xx responses; socket errors: {errors.group(1) if errors else 'none'}", file=sys.stderr)
    return {"wrk_get": (int(m.group(1)) - bad) / seconds}  # only 2xx answers count


# (id, function, servers it runs on)
NULLS = ("null", "replay")
SMALL = ("sagebox", "moto") + NULLS
LIST = ("sagebox", "moto", "replay")
BOTH = ("sagebox", "moto")
SLICED = ("put_seq", "get_seq", "put_thr", "get_thr")
PLAN = [
    ("put_seq", m_put_seq, SMALL),
    ("get_seq", m_get_seq, SMALL),
    ("put_thr", m_put_thr, SMALL),
    ("get_thr", m_get_thr, SMALL),
    ("put_64", m_put_64, BOTH),
    ("get_64", m_get_64, BOTH),
    ("upload_file", m_upload_file, BOTH),
    ("download_file", m_download_file, BOTH),
    ("list_full", m_list_full, LIST),
    ("list_prefix", m_list_prefix, LIST),
    ("list_prefix_keys", m_list_prefix_keys, LIST),
    ("list_root", m_list_root, LIST),
    ("wrk_get", m_wrk, BOTH),
]


# ------------------------------------------------------------------------------------------- report


def fmt(v):
    if v is None:
        return "—"
    if v >= 100:
        return f"{v:,.0f}"
    if v >= 10:
        return f"{v:.1f}"
    return f"{v:.2f}"


def summarize(values, agg):
    if not values:
        return None
    return max(values) if agg == "max" else statistics.median(values)


def cell(values, agg):
    v = summarize(values, agg)
    if v is None:
        return None, "—"
    text = fmt(v)
    if len(values) > 1 and agg != "max":
        text += f" [{fmt(min(values))}–{fmt(max(values))}]"
    return v, text


def build_table(results, errors, args, size_label):
    # (result key, label, unit, aggregation)
    rows = [
        ("put_seq", f"1 KiB PutObject, sequential ({args.small_ops // SLICES} ops a run)", "ops/s", "median"),
        ("get_seq", f"1 KiB GetObject, sequential ({args.small_ops // SLICES} ops a run)", "ops/s", "median"),
        ("put_thr", f"1 KiB PutObject, 8 threads ({args.threaded_ops // SLICES} ops a run)", "ops/s", "median"),
        ("get_thr", f"1 KiB GetObject, 8 threads ({args.threaded_ops // SLICES} ops a run)", "ops/s", "median"),
        ("put_64", "PutObject 64 MiB, single stream", "MiB/s", "median"),
        ("get_64", "GetObject 64 MiB, single stream", "MiB/s", "median"),
        ("upload_file", f"upload_file {size_label} (multipart, 10 threads)", "MiB/s", "median"),
        ("download_file", f"download_file {size_label} (ranged GETs)", "MiB/s", "median"),
        ("rss_upload", f"server peak RSS during upload_file {size_label} (highest run)", "MiB", "max"),
        ("rss_download", f"server peak RSS during download_file {size_label} (highest run)", "MiB", "max"),
        ("list_full", "ListObjectsV2 10,000 keys, full listing with paginator (10 pages)", "ms", "median"),
        ("list_prefix", f"ListObjectsV2 Prefix='dir5/' Delimiter='/', 10 prefixes (median of {args.list_calls} calls)", "ms", "median"),
        ("list_prefix_keys", f"ListObjectsV2 Prefix='dir5/', 100 keys (median of {args.list_calls} calls)", "ms", "median"),
        ("list_root", f"ListObjectsV2 root Delimiter='/', 100 prefixes (median of {args.list_calls} calls)", "ms", "median"),
        ("wrk_get", f"1 KiB GETs under wrk -t2 -c16 -d{args.wrk_seconds}s (presigned URL, 2xx only)", "req/s", "median"),
    ]
    out = [
        "| measurement | Sagebox | moto | Sagebox/moto | target |",
        "|---|---|---|---|---|",
    ]
    verdicts = []
    for key, label, unit, agg in rows:
        sb, sb_text = cell(results.get((key, "sagebox"), []), agg)
        mo, mo_text = cell(results.get((key, "moto"), []), agg)
        source = {"rss_upload": "upload_file", "rss_download": "download_file"}.get(key, key)
        if ("sagebox", source) in errors:
            sb_text = "ERROR"
        if ("moto", source) in errors:
            mo_text = "ERROR"
        ratio = f"{sb / mo:.2f}×" if sb is not None and mo else "—"
        target, met = "—", None
        kind, bound = TARGETS.get(key, (None, None))
        if kind == "ceiling":
            # The minimal replies stand in when Sagebox's replies could not be recorded.
            ceiling = summarize(results.get((key, "replay"), []), "median") or summarize(results.get((key, "null"), []), "median")
            if ceiling:
                target = f"≥ {bound:.0%} of client ceiling (≥ {fmt(bound * ceiling)})"
                minimal = summarize(results.get((key, "null"), []), "median")
                if sb is not None:
                    sb_text += f" ({sb / ceiling:.0%} of ceiling" + (f"; {sb / minimal:.0%} of minimal replies)" if minimal else ")")
                    met = sb >= bound * ceiling
            else:
                target = f"≥ {bound:.0%} of client ceiling"
        elif kind == "min":
            target, met = f"≥ {bound} {unit}", (sb >= bound if sb is not None else None)
        elif kind == "max":
            target, met = f"≤ {bound} {unit}", (sb <= bound if sb is not None else None)
        elif kind == "max_excl":
            target, met = f"< {bound} {unit}", (sb < bound if sb is not None else None)
        elif kind == "vs_moto":
            target = f"≥ {bound}× moto"
            met = (sb >= bound * mo) if sb is not None and mo else None
        if met is not None:
            target += " — met" if met else " — **MISSED**"
            verdicts.append(met)
        n_runs = {len(results.get((key, s), [])) for s in BOTH} - {0}
        runs = f", {'/'.join(str(n) for n in sorted(n_runs))} runs" if n_runs and n_runs != {args.repeat} else ""
        out.append(f"| {label}, {unit}{runs} | {sb_text} | {mo_text} | {ratio} | {target} |")
    def reference(server, key, label, note):
        _, text = cell(results.get((key, server), []), "median")
        out.append(f"| {label} | {'ERROR' if (server, key) in errors else text} | — | — | {note} |")

    for key, label in [("put_seq", "PutObject, sequential"), ("get_seq", "GetObject, sequential"),
                       ("put_thr", "PutObject, 8 threads"), ("get_thr", "GetObject, 8 threads")]:
        reference("replay", key, f"client ceiling (null server replaying Sagebox's replies): 1 KiB {label}, ops/s",
                  "reference for the 80% targets")
        reference("null", key, f"client ceiling with minimal replies (no checksum for boto3 to verify): 1 KiB {label}, ops/s",
                  "shown for comparison")
    for key, label in [("list_full", "full listing, 10 pages"), ("list_prefix", "Prefix='dir5/' Delimiter='/'"),
                       ("list_prefix_keys", "Prefix='dir5/', 100 keys"), ("list_root", "root Delimiter='/'")]:
        reference("replay", key, f"client floor (null server replaying Sagebox's XML): ListObjectsV2 {label}, ms",
                  "what boto3 alone spends on the same responses")
    return "\n".join(out), verdicts


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def environment_notes(args, servers, rss_start, started, load_before):
    rev = subprocess.run(["git", "-C", REPO, "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(["git", "-C", REPO, "status", "--porcelain", "--", "Sources", "Package.swift"],
                           capture_output=True, text=True).stdout.strip()
    return [
        f"Run {started.strftime('%Y-%m-%d %H:%M')} ({(datetime.datetime.now() - started).seconds // 60} min), "
        f"{'quick' if args.quick else 'full'} mode, median [min–max] of {args.repeat} runs per cell ({args.repeat * SLICES} shorter "
        f"runs for the 1 KiB rows; servers alternating), on {os.cpu_count()} cores, {platform.system()} {platform.release()}; load average "
        f"{load_before} before, {loadavg()} after (anything above ~1 means other work shared the cores).",
        f"Sagebox {rev}{' + uncommitted changes' if dirty else ''} (release build {args.sagebox}, fsync {'on' if args.fsync else 'off'}); "
        f"moto_server {moto.__version__}; client boto3 {boto3.__version__} / botocore {botocore.__version__}, "
        "default TransferConfig, retries off. Server RSS after start-up / at the end: "
        f"Sagebox {fmt(rss_start['sagebox'])} / {fmt(servers['sagebox'].rss_mib())} MiB, "
        f"moto {fmt(rss_start['moto'])} / {fmt(servers['moto'].rss_mib())} MiB.",
    ]


# --------------------------------------------------------------------------------------------- main


def make_big_file(path, size):
    block = os.urandom(64 * MiB)
    with open(path, "wb") as f:
        for _ in range(size // len(block)):
            f.write(block)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--sagebox", default=os.path.join(REPO, ".build-release", "release", "sagebox"), help="Sagebox binary")
    p.add_argument("--quick", action="store_true", help="smaller run: 256 MiB file, fewer ops, shorter wrk")
    p.add_argument("--repeat", type=int, default=3, help="runs per measurement; cells show the median (default 3)")
    p.add_argument("--no-fsync", dest="fsync", action="store_false", help="run Sagebox with --no-fsync")
    p.add_argument("--budget", type=float, default=60, help="stop repeating a measurement on a server once its runs took this many seconds (moto's 1 GiB download_file takes minutes)")
    p.add_argument("--out", default=os.path.join(HERE, "results.md"), help="where to write the Markdown table")
    args = p.parse_args()
    args.small_ops = 200 if args.quick else 500
    args.threaded_ops = 800 if args.quick else 2000
    args.list_calls = 20 if args.quick else 50
    args.wrk_seconds = 5 if args.quick else 10
    big_size = (256 if args.quick else 1024) * MiB
    size_label = "256 MiB" if args.quick else "1 GiB"

    if not os.access(args.sagebox, os.X_OK):
        sys.exit(f"no Sagebox binary at {args.sagebox} (bench/s3.sh builds it)")
    # SIGTERM should clean up like Ctrl-C does.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    started, load_before = datetime.datetime.now(), loadavg()
    logdir = tempfile.mkdtemp(prefix="sagebox-bench-logs-")
    big_file = os.path.join(tempfile.gettempdir(), f"sagebox-bench-{os.getpid()}.bin")
    servers = {}
    results, errors = {}, {}
    try:
        print(f"starting servers (logs in {logdir})", file=sys.stderr)
        servers["sagebox"] = start_sagebox(args.sagebox, logdir, args.fsync)
        servers["moto"] = start_moto(logdir)
        canned = os.path.join(logdir, "canned")
        os.mkdir(canned)
        servers["null"] = start_null(logdir, "null")
        servers["replay"] = start_null(logdir, "replay", canned)
        print(f"writing a {size_label} test file to {big_file}", file=sys.stderr)
        make_big_file(big_file, big_size)
        rss_start = {name: s.rss_mib() for name, s in servers.items()}
        ctxs = {name: Ctx(s, args, big_file) for name, s in servers.items()}

        for name in BOTH:
            for setup in (setup_objects, populate_listing):
                start = time.perf_counter()
                try:
                    setup(ctxs[name])
                except Exception as e:
                    errors[(name, "setup")] = f"{setup.__name__}: {e!r}"
                    traceback.print_exc()
                print(f"  {name}: {setup.__name__} took {time.perf_counter() - start:.1f} s", file=sys.stderr)
        try:
            record_replies(ctxs["sagebox"], canned)
        except Exception as e:
            for key, _, on in PLAN:
                if "replay" in on:
                    errors[("replay", key)] = f"recording Sagebox's replies: {e!r}"
            traceback.print_exc()

        for key, fn, on in PLAN:
            spent = {name: 0.0 for name in on}
            for rep in range(args.repeat * (SLICES if key in SLICED else 1)):
                # Every other run in reverse order, so no server always runs right after the same neighbour.
                for name in (on if rep % 2 == 0 else on[::-1]):
                    if (name, key) in errors or spent[name] > args.budget:
                        continue
                    start = time.perf_counter()
                    try:
                        servers[name].check_alive()
                        values = fn(ctxs[name])
                    except Exception as e:
                        errors[(name, key)] = f"{e!r}"
                        print(f"  {key} on {name}: ERROR {e!r}", file=sys.stderr)
                        traceback.print_exc()
                        continue
                    spent[name] += time.perf_counter() - start
                    for k, v in values.items():
                        results.setdefault((k, name), []).append(v)
                    shown = ", ".join(f"{k}={fmt(v)}" for k, v in values.items())
                    print(f"  {key} run {rep + 1} on {name}: {shown} ({time.perf_counter() - start:.1f} s)", file=sys.stderr)

        table, verdicts = build_table(results, errors, args, size_label)
        notes = environment_notes(args, servers, rss_start, started, load_before)
    finally:
        for s in servers.values():
            s.stop()
        for path in (big_file,):
            if os.path.exists(path):
                os.remove(path)

    lines = ["# Sagebox vs moto_server: S3 benchmark", "", *notes, "", table, "",
             "Ratios are Sagebox/moto of the cells' medians; for ms and MiB rows lower is better, so a ratio below 1 favours Sagebox.",
             f"Targets met: {sum(verdicts)} of {len(verdicts)}."]
    if errors:
        lines += ["", "Errors:"] + [f"- {name} / {key}: {msg}" for (name, key), msg in sorted(errors.items())]
    for name in ("sagebox", "moto"):
        if servers.get(name) and servers[name].proc.returncode not in (0, -signal.SIGTERM, None):
            lines.append(f"- {name} exited with code {servers[name].proc.returncode}")
    text = "\n".join(lines) + "\n"
    print(text)
    with open(args.out, "w") as f:
        f.write(text)
    if errors:
        print(f"(written to {args.out}; server logs kept in {logdir})", file=sys.stderr)
    else:
        shutil.rmtree(logdir, ignore_errors=True)
        print(f"(written to {args.out})", file=sys.stderr)
    sys.exit(1 if any(name == "sagebox" for name, _ in errors) else 0)


if __name__ == "__main__":
    main()
