"""Headless Chromium for the dashboard tests (Debian's `chromium` package): `--dump-dom` for a page's DOM after its
load, `--screenshot` for an artifact, and `Browser`, a DevTools Protocol session over `--remote-debugging-pipe`
(standard library only) for watching a page change while it stays open."""

from __future__ import annotations

import base64
import fcntl
import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Optional

# Running as root (CI containers) needs --no-sandbox; no GPU in a headless test.
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
         "--hide-scrollbars"]
WINDOW = "--window-size=1280,{height}"


def chromium() -> Optional[str]:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def _run(*args: str, height: int = 1400, timeout: float = 60) -> subprocess.CompletedProcess:
    with tempfile.TemporaryDirectory(prefix="sagebox-chromium-") as profile:
        return subprocess.run([chromium(), *FLAGS, WINDOW.format(height=height), f"--user-data-dir={profile}", *args],
                              capture_output=True, text=True, timeout=timeout)


def dump_dom(url: str) -> str:
    """The DOM after the page's load event (scripts have run), serialised."""
    proc = _run("--dump-dom", url)
    assert proc.returncode == 0 and proc.stdout.strip(), f"chromium --dump-dom failed: {proc.stderr[-2000:]}"
    return proc.stdout


def screenshot(url: str, path: Path, height: int = 1400) -> Path:
    """A PNG of the top `height` pixels of the page, 1280 wide."""
    path.parent.mkdir(parents=True, exist_ok=True)
    proc = _run(f"--screenshot={path}", url, height=height)
    assert proc.returncode == 0 and path.exists(), f"chromium --screenshot failed: {proc.stderr[-2000:]}"
    return path


class Browser:
    """One headless Chromium driven over the DevTools Protocol on fds 3 and 4 (NUL-separated JSON messages)."""

    def __init__(self):
        self.profile = tempfile.TemporaryDirectory(prefix="sagebox-chromium-")
        to_browser_read, to_browser_write = os.pipe()
        from_browser_read, from_browser_write = os.pipe()
        # Keep the ends the child needs clear of 3 and 4 before moving them there.
        child_in = fcntl.fcntl(to_browser_read, fcntl.F_DUPFD, 10)
        child_out = fcntl.fcntl(from_browser_write, fcntl.F_DUPFD, 10)
        os.close(to_browser_read)
        os.close(from_browser_write)

        def move_pipes():
            os.dup2(child_in, 3)
            os.dup2(child_out, 4)

        self.proc = subprocess.Popen(
            [chromium(), *FLAGS, WINDOW.format(height=1400), f"--user-data-dir={self.profile.name}",
             "--remote-debugging-pipe", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            preexec_fn=move_pipes, pass_fds=(3, 4))
        os.close(child_in)
        os.close(child_out)
        self.writer = os.fdopen(to_browser_write, "wb", buffering=0)
        self.reader = os.fdopen(from_browser_read, "rb", buffering=0)
        self.buffer = b""
        self.next_id = 0
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]

    def call(self, method: str, session: Optional[str] = None, **params):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        self.writer.write(json.dumps(message).encode() + b"\0")
        while True:
            reply = self._receive()
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})

    def _receive(self) -> dict:
        while b"\0" not in self.buffer:
            chunk = self.reader.read(65536)
            if not chunk:
                raise RuntimeError("chromium closed its DevTools pipe")
            self.buffer += chunk
        message, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(message)

    def open(self, url: str, timeout: float = 30) -> None:
        self.call("Page.navigate", self.session, url=url)
        deadline = time.monotonic() + timeout
        while self.evaluate("document.readyState + ' ' + location.href") != f"complete {url}":
            assert time.monotonic() < deadline, f"{url} did not load"
            time.sleep(0.05)

    def evaluate(self, expression: str):
        result = self.call("Runtime.evaluate", self.session, expression=expression, returnByValue=True)
        return result.get("result", {}).get("value")

    def screenshot(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        data = self.call("Page.captureScreenshot", self.session, format="png")["data"]
        path.write_bytes(base64.b64decode(data))
        return path

    def close(self) -> None:
        try:
            self.call("Browser.close")
        except (RuntimeError, OSError):
            pass
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)
        self.writer.close()
        self.reader.close()
        self.profile.cleanup()
