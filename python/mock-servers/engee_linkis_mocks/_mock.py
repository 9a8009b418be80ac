"""Start a mock binary on a free loopback port and drive its control plane (`/__admin/…`).

Standard library only (subprocess, urllib), so the package installs with no dependencies.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from types import TracebackType
from typing import Any, Dict, List, Optional, Sequence, Type, TypeVar

START_TIMEOUT_SECS = 30.0
STOP_TIMEOUT_SECS = 5.0

# start() and `with` hand back the subclass (EngeeMock, LinkisMock) they were called on
M = TypeVar("M", bound="MockServer")


class MockStartError(RuntimeError):
    """The binary is missing, or exited / stayed silent instead of printing its address.
    The message carries the binary's stderr."""


class AdminError(RuntimeError):
    """An admin call answered an HTTP error; `status` and `body` say which."""

    def __init__(self, method: str, url: str, status: int, body: str) -> None:
        super().__init__(f"{method} {url}: HTTP {status}: {body}")
        self.status = status
        self.body = body


def find_binary(name: str, env_var: str) -> str:
    """Where the binary is: `$ENV_VAR` if set, else the scripts folder of the environment
    this package is installed in (the wheel puts both binaries there), else PATH."""
    override = os.environ.get(env_var)
    if override:
        return override
    exe = name + (".exe" if sys.platform == "win32" else "")
    beside = Path(sysconfig.get_path("scripts")) / exe
    if beside.is_file():
        return str(beside)
    found = shutil.which(name)
    if found:
        return found
    raise MockStartError(
        f"{name}: binary not found (looked in {beside.parent} and on PATH); "
        f"install the engee-linkis-mocks wheel or set {env_var}"
    )


class MockServer:
    """One running mock process. Use as a context manager, or call start()/stop()."""

    #: binary name and the environment variable that overrides its path
    binary_name = ""
    binary_env = ""
    #: flags every start passes (a subclass sets the ones that make tests fast and repeatable)
    default_args: Sequence[str] = ()

    def __init__(self, *extra_args: str, binary: Optional[str] = None) -> None:
        self.binary = binary or find_binary(self.binary_name, self.binary_env)
        self.args: List[str] = [*self.default_args, *extra_args]
        self.url = ""
        self._proc: Optional[subprocess.Popen[bytes]] = None
        self._logdir: Optional[tempfile.TemporaryDirectory[str]] = None

    # -- process ---------------------------------------------------------------------

    def start(self: M) -> M:
        # stdout and stderr go to files, not pipes: a pipe nobody drains fills up and then
        # blocks the mock in the middle of a test.
        self._logdir = tempfile.TemporaryDirectory(prefix=f"{self.binary_name}-")
        out_path = Path(self._logdir.name) / "stdout"
        err_path = Path(self._logdir.name) / "stderr"
        cmd = [self.binary, "--addr", "127.0.0.1:0", *self.args]
        with open(out_path, "wb") as out, open(err_path, "wb") as err:
            try:
                self._proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=err)
            except OSError as e:
                raise MockStartError(f"{self.binary}: cannot run: {e}") from e
        deadline = time.monotonic() + START_TIMEOUT_SECS
        while time.monotonic() < deadline:
            first = out_path.read_text(errors="replace")
            if "\n" in first:
                line = first.split("\n", 1)[0]
                if line.startswith("listening on "):
                    self.url = line[len("listening on "):].strip().rstrip("/")
                    return self
                self._fail(f"printed {line!r} instead of `listening on URL`", err_path)
            if self._proc.poll() is not None:
                self._fail(f"exited with status {self._proc.returncode}", err_path)
            time.sleep(0.02)
        self._fail(f"printed no address within {START_TIMEOUT_SECS:.0f} s", err_path)
        raise AssertionError("unreachable")

    def _fail(self, what: str, err_path: Path) -> None:
        stderr = err_path.read_text(errors="replace").strip()
        self.stop()
        raise MockStartError(f"{' '.join([self.binary, *self.args])} {what}; its stderr:\n{stderr or '(empty)'}")

    @property
    def stderr(self) -> str:
        """What the mock has logged so far (handy in an assertion message)."""
        if self._logdir is None:
            return ""
        return (Path(self._logdir.name) / "stderr").read_text(errors="replace")

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=STOP_TIMEOUT_SECS)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if self._logdir is not None:
            self._logdir.cleanup()
            self._logdir = None

    def __enter__(self: M) -> M:
        return self.start()

    def __exit__(
        self, exc_type: Optional[Type[BaseException]], exc: Optional[BaseException], tb: Optional[TracebackType]
    ) -> None:
        self.stop()

    # -- control plane ---------------------------------------------------------------

    def admin(self, method: str, path: str, body: Any = None) -> Any:
        """One admin call; returns the decoded JSON answer (None when empty). The admin
        guard wants `Content-Type: application/json` on every POST, so it is always sent."""
        if not self.url:
            raise RuntimeError(f"{self.binary_name} is not running")
        url = f"{self.url}/__admin/{path}"
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                raw = resp.read()
        except urllib.error.HTTPError as e:
            raise AdminError(method, url, e.code, e.read().decode(errors="replace")) from None
        return json.loads(raw) if raw.strip() else None

    def advance(self, seconds: float) -> Any:
        """Move the mock's clock forward (tokens expire, jobs progress, servers idle out)."""
        if float(seconds).is_integer():
            return self.admin("POST", "clock", {"advance_secs": int(seconds)})
        return self.admin("POST", "clock", {"advance_ms": round(seconds * 1000)})

    def requests(self, **filters: Any) -> List[Dict[str, Any]]:
        """The request journal, oldest first: method=, path= (prefix or glob), status=,
        tenant=, since=, body_contains=."""
        query = urllib.parse.urlencode({k: v for k, v in filters.items() if v is not None})
        answer = self.admin("GET", "requests" + (f"?{query}" if query else ""))
        return list(answer["requests"])

    def count(self, **matcher: Any) -> int:
        """How many journaled requests match (same fields as requests())."""
        return int(self.admin("POST", "requests/count", matcher)["count"])

    def fail(self, **rule: Any) -> Any:
        """Add a fault rule, e.g. fail(path="/account", status=503, times=1)."""
        return self.admin("POST", "faults", rule)

    def faults(self) -> List[Dict[str, Any]]:
        """The fault rules in force (a `sequence` shows the steps left)."""
        return list(self.admin("GET", "faults")["faults"])

    def clear_faults(self) -> None:
        self.admin("DELETE", "faults")

    def seed(self, doc: Dict[str, Any]) -> Any:
        """Apply a seed document, all or nothing (an AdminError 400 says what to fix)."""
        return self.admin("POST", "seed", doc)

    def state(self) -> Dict[str, Any]:
        """The mock's state in the seed schema."""
        return dict(self.admin("GET", "state"))

    def reset(self) -> None:
        """Back to the configured state (tokens, servers, jobs, files, faults from the config)."""
        self.admin("POST", "reset", {})
