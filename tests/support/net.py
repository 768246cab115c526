"""Loopback helpers for tests that start real servers."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import IO, Callable, Optional

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now (the kernel's pick; a server started
    right after takes it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _accepts(port: int) -> None:
    socket.create_connection(("127.0.0.1", port), 1).close()


def start_gunicorn(target: str, env: dict[str, str], ports: list[int], log_path: Path,
                   ready: Optional[Callable[[int], object]] = None,
                   timeout: float = 30) -> tuple[subprocess.Popen, IO[str]]:
    """gunicorn with the repository's gunicorn.conf.py serving `target` (module:callable) on
    127.0.0.1 at each of `ports`, in its own process group; returns once `ready(port)` (default: a
    TCP connection is accepted) stops raising OSError for every port, or fails the test with the
    server's log after `timeout` seconds. -> (process, its log, open)."""
    env = {**os.environ, "LAUNCHBAY_BIND": ",".join(f"127.0.0.1:{p}" for p in ports), **env}
    log = open(log_path, "w+")
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"), target],
                            cwd=str(ROOT), env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    check = ready or _accepts
    deadline = time.monotonic() + timeout
    for port in ports:
        while True:
            try:
                check(port)
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    import pytest  # here only: benches import this module too (moto_server's free_port)

                    stop_gunicorn(proc, None)
                    log.seek(0)
                    pytest.fail("gunicorn did not start:\n" + log.read()[-3000:])
                time.sleep(0.1)
    return proc, log


def stop_gunicorn(proc: subprocess.Popen, log: Optional[IO[str]]) -> None:
    """SIGKILL to its process group (master and workers), then the log closed."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    if log is not None:
        log.close()
