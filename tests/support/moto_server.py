"""Start a real moto server in a subprocess, for tests that talk to the AWS sandbox.

Usage (session-scoped pytest fixture)::

    url, stop = start_moto_server()
    try:
        ...  # Settings(AWS_ENDPOINT_URL=url) -> SandboxCloud
    finally:
        stop()

The server runs on 127.0.0.1 on a free port; its output goes to a temporary log
file (not a pipe, which would fill up and block the server). The environment of
the calling process is not changed: pass credentials to boto3 explicitly (the
cloud adapter uses "testing"/"testing" in sandbox mode).
"""
from __future__ import annotations

import atexit
import os
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Callable

from tests.support.net import free_port

_START_TIMEOUT = 30.0
_SANDBOX_SERVER = Path(__file__).resolve().parents[2] / "scripts" / "sandbox_server.py"


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/moto-api/", timeout=1):
            return True
    except urllib.error.HTTPError:
        return True  # any HTTP answer means the server is up
    except OSError:
        return False


def start_moto_server(python: str | None = None, attempts: int = 3) -> tuple[str, Callable[[], None]]:
    """Start `python -m moto.server` and wait until it answers.

    Returns (endpoint_url, stop). `stop()` is idempotent and also runs at exit,
    so a crashed test session does not leave the server behind.
    """
    python = python or sys.executable
    last_error = ""
    for _ in range(attempts):  # the free port can be taken between probe and bind
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        log = tempfile.NamedTemporaryFile(prefix="moto-server-", suffix=".log", delete=False)
        env = dict(os.environ, AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
                   AWS_DEFAULT_REGION=os.environ.get("AWS_DEFAULT_REGION", "us-east-1"),
                   # moto issues a requested certificate a minute after the request; a slow run would then
                   # serve a test's domain over HTTPS midway (tests/api/test_https.py issues its own)
                   MOTO_ACM_VALIDATION_WAIT=os.environ.get("MOTO_ACM_VALIDATION_WAIT", "86400"))
        proc = subprocess.Popen(
            # moto's server with the sandbox's fidelity patches (log drains deliver), without its replay order
            [python, str(_SANDBOX_SERVER), "--plain", "-p", str(port), "-H", "127.0.0.1"],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
        )
        deadline = time.monotonic() + _START_TIMEOUT
        while time.monotonic() < deadline and proc.poll() is None:
            if _answers(url):
                return url, _stopper(proc, log.name)
            time.sleep(0.1)
        _stopper(proc, log.name)()
        with open(log.name, errors="replace") as f:
            last_error = f.read()[-2000:]
    raise RuntimeError(f"moto server did not start: {last_error}")


def reset_moto(url: str) -> None:
    """Forget every resource in the server (moto's reset API)."""
    req = urllib.request.Request(url + "/moto-api/reset", method="POST", data=b"")
    with urllib.request.urlopen(req, timeout=10):
        pass


def _stopper(proc: subprocess.Popen, log_path: str) -> Callable[[], None]:
    def stop() -> None:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
        try:
            os.unlink(log_path)
        except OSError:
            pass

    atexit.register(stop)
    return stop
