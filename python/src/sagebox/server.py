"""One `sagebox serve` process owned by Python: started on a free port with its own data dir, stopped at the end."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Iterable, Optional

from . import fast_polling

LISTENING = re.compile(r"Sagebox listening on (http://\S+)")


class SageboxError(RuntimeError):
    """Sagebox could not be found, did not start, or did not answer."""


def find_binary(binary: Optional[str] = None) -> str:
    """The `sagebox` executable: `binary` if given, else $SAGEBOX_BIN, else `sagebox` on PATH."""
    candidate = binary or os.environ.get("SAGEBOX_BIN") or shutil.which("sagebox")
    if not candidate:
        raise SageboxError("no sagebox binary: install it on PATH (scripts/install.sh) or set SAGEBOX_BIN")
    path = Path(candidate).expanduser()
    if not path.is_file() or not os.access(path, os.X_OK):
        raise SageboxError(f"{path} is not an executable sagebox binary")
    return str(path.resolve())


class Server:
    """`sagebox serve --port 0` with a temporary data dir.

    `endpoint` is its URL, `environ` what `sagebox env` exports for it, `log_path` its output. Used as a context
    manager it also puts `environ` into `os.environ` (restored on exit) so that boto3 and the SageMaker SDK in this
    process talk to it. `fast_polling=True` shortens the SageMaker SDK's waits for jobs against it.
    """

    def __init__(self, binary: Optional[str] = None, args: Iterable[str] = (), *, work_dir: Optional[os.PathLike] = None,
                 host: str = "127.0.0.1", set_environ: bool = True, fast_polling: bool = False,
                 startup_timeout: float = 30.0):
        self.binary = find_binary(binary)
        self.args = list(args)
        self.host = host
        self.set_environ = set_environ
        self.fast_polling = fast_polling
        self.startup_timeout = startup_timeout
        self._own_work_dir = work_dir is None
        self.work_dir = Path(work_dir) if work_dir is not None else Path(tempfile.mkdtemp(prefix="sagebox-"))
        self.data_dir = self.work_dir / "data"
        self.log_path = self.work_dir / "sagebox.log"
        self.config_file = self.work_dir / "sagemaker-config.yaml"
        self.endpoint: Optional[str] = None
        self.environ: dict[str, str] = {}
        self.process: Optional[subprocess.Popen] = None
        self._saved_environ: dict[str, Optional[str]] = {}

    # -- life cycle --------------------------------------------------------------------------------------------

    def start(self) -> "Server":
        self.work_dir.mkdir(parents=True, exist_ok=True)
        command = [self.binary, "serve", "--host", self.host, "--port", "0", "--data-dir", str(self.data_dir), *self.args]
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                            cwd=str(self.work_dir), start_new_session=True)
        try:
            self.endpoint = self._wait_for_endpoint()
            self._wait_healthy()
            self.environ = self._env_exports()
        except BaseException:
            self.stop(keep_files=True)
            raise
        if self.set_environ:
            self.apply_environ()
        if self.fast_polling:
            fast_polling.install(self.endpoint)
        return self

    def stop(self, keep_files: bool = False) -> Optional[int]:
        """SIGTERM (SIGKILL after 10 s), restore os.environ, and remove the data dir and log unless `keep_files`."""
        if self.fast_polling and self.endpoint:
            fast_polling.uninstall(self.endpoint)
        self.restore_environ()
        code = None
        if self.process is not None:
            if self.process.poll() is None:
                self.process.send_signal(signal.SIGTERM)
                try:
                    self.process.wait(10)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait(10)
            code = self.process.returncode
        if not keep_files and self._own_work_dir:
            shutil.rmtree(self.work_dir, ignore_errors=True)
        return code

    def __enter__(self) -> "Server":
        return self.start()

    def __exit__(self, exc_type, exc, tb) -> None:
        kept = exc_type is not None
        self.stop(keep_files=kept)
        if kept:
            print(f"sagebox: its log is kept at {self.log_path}")

    # -- environment -------------------------------------------------------------------------------------------

    def apply_environ(self) -> None:
        """Puts `environ` into os.environ, remembering what it replaces."""
        for name, value in self.environ.items():
            self._saved_environ.setdefault(name, os.environ.get(name))
            os.environ[name] = value

    def restore_environ(self) -> None:
        for name, value in self._saved_environ.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        self._saved_environ = {}

    def _env_exports(self) -> dict[str, str]:
        """What `sagebox env --endpoint URL` exports, parsed from its `export NAME='value'` lines."""
        proc = subprocess.run([self.binary, "env", "--endpoint", self.endpoint, "--config-file", str(self.config_file)],
                              capture_output=True, text=True, timeout=30)
        if proc.returncode != 0:
            raise SageboxError(f"`sagebox env` failed ({proc.returncode}): {proc.stderr}")
        exports = {}
        for line in proc.stdout.splitlines():
            if line.startswith("export "):
                name, _, value = line[len("export "):].partition("=")
                exports[name] = shlex.split(value)[0] if value else ""
        return exports

    # -- start-up ----------------------------------------------------------------------------------------------

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def _wait_for_endpoint(self) -> str:
        """The URL the start-up line names (the server picked its port itself, so no other process can take it)."""
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            match = LISTENING.search(self.log_text())
            if match:
                return match.group(1)
            if self.process.poll() is not None:
                raise SageboxError(f"sagebox exited with {self.process.returncode} before listening:\n{self.log_text()[-3000:]}")
            time.sleep(0.02)
        raise SageboxError(f"sagebox did not start listening within {self.startup_timeout:.0f}s:\n{self.log_text()[-3000:]}")

    def _wait_healthy(self) -> None:
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.endpoint + "/_sagebox/health", timeout=1) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.02)
        raise SageboxError(f"sagebox at {self.endpoint} did not answer /_sagebox/health:\n{self.log_text()[-3000:]}")
