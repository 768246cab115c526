"""Real worker processes for integration tests: Celery workers started as subprocesses
with the test's environment, stopped (or killed) by the test."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


class CeleryWorker:
    def __init__(self, env: dict[str, str], queues: list[str], concurrency: int = 2, name: str = "w"):
        self.env = {**os.environ, **env, "PYTHONPATH": str(ROOT)}
        prefix = env["LAUNCHBAY_QUEUE_PREFIX"]
        self.queues = ",".join(f"{prefix}.{q}" for q in queues)
        self.concurrency = concurrency
        self.name = name
        self.proc: subprocess.Popen | None = None
        self.log = tempfile.NamedTemporaryFile(prefix=f"celery-{name}-", suffix=".log", delete=False)

    def start(self) -> "CeleryWorker":
        cmd = [sys.executable, "-m", "celery", "-A", "worker.celery_app:celery", "worker", "-Q", self.queues,
               "--pool=prefork", f"--concurrency={self.concurrency}", "--loglevel=INFO", "--without-gossip",
               "--without-mingle", "--without-heartbeat", "-n", f"{self.name}-{os.getpid()}-{time.time_ns()}@%h"]
        # its own process group, so a SIGKILL reaches the pool children too
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
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
        return Path(self.log.name).read_text(errors="replace")


def wait_for(predicate, timeout: float = 60.0, interval: float = 0.2, what: str = "condition"):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
