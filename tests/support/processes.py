"""Real worker processes for integration tests: Celery workers started as subprocesses
with the test's environment, stopped (or killed) by the test."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


_RECEIVED = re.compile(r"Task [\w.]+\[([0-9a-f-]{36})\] received")


class CeleryWorker:
    # queue prefix -> workers started for it; launchbay_env's teardown stops them and
    # removes their task results from Redis (tests/support/redis_keys.py)
    started: dict[str, list["CeleryWorker"]] = {}

    def __init__(self, env: dict[str, str], queues: list[str], concurrency: int = 2, name: str = "w"):
        self.env = {**os.environ, **env, "PYTHONPATH": str(ROOT)}
        self.prefix = env["LAUNCHBAY_QUEUE_PREFIX"]
        self.queues = ",".join(f"{self.prefix}.{q}" for q in queues)
        self.concurrency = concurrency
        self.name = name
        self.node = f"{name}-{os.getpid()}-{time.time_ns()}"
        self.proc: subprocess.Popen | None = None
        self.log = tempfile.NamedTemporaryFile(prefix=f"celery-{name}-", suffix=".log", delete=False)

    def start(self) -> "CeleryWorker":
        cmd = [sys.executable, "-m", "celery", "-A", "worker.celery_app:celery", "worker", "-Q", self.queues,
               "--pool=prefork", f"--concurrency={self.concurrency}", "--loglevel=INFO", "--without-gossip",
               "--without-mingle", "--without-heartbeat", "-n", f"{self.node}@%h"]
        # its own process group, so a SIGKILL reaches the pool children too
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        CeleryWorker.started.setdefault(self.prefix, []).append(self)
        return self

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()

    def output(self) -> str:
        try:
            return Path(self.log.name).read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def task_ids(self) -> set[str]:
        """Ids of the tasks this worker received (it logs each at INFO)."""
        return set(_RECEIVED.findall(self.output()))

    def discard_log(self) -> None:
        self.log.close()
        Path(self.log.name).unlink(missing_ok=True)


def wait_for(predicate, timeout: float = 60.0, interval: float = 0.2, what: str = "condition"):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
