"""The whole stack for browser tests and the UI budget: gunicorn serving the API and the
built UI (ui/dist) from one origin, Celery workers (deploys + default, and search with one
consumer), Redis and the moto sandbox.

    with ui_stack(env) as base:        # base = "http://127.0.0.1:<port>"
        ...

`python tests/e2e/ui_stack.py` runs it standalone (prints the URL; Ctrl-C stops it), for
working on the UI against real data.
"""
from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.support.net import free_port  # noqa: E402
from tests.support.processes import CeleryWorker, wait_for  # noqa: E402

DIST = ROOT / "ui" / "dist"


def _answers(base: str) -> bool:
    try:
        with urllib.request.urlopen(base + "/v1/health", timeout=2) as r:
            return r.status == 200
    except (OSError, urllib.error.HTTPError):
        return False


def stack_env(redis_url: str, moto_url: str, data_dir: str) -> dict[str, str]:
    """Settings for a stack of its own: data dir, queue prefix and ECS cluster name."""
    prefix = "ui-" + uuid.uuid4().hex[:10]
    return {"LAUNCHBAY_DATA_DIR": data_dir, "LAUNCHBAY_QUEUE_PREFIX": prefix, "LAUNCHBAY_STAGE": "test",
            "REDIS_URL": redis_url, "AWS_ENDPOINT_URL": moto_url, "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1",
            # slow enough that a person (and the browser test) sees the timeline advance
            "LAUNCHBAY_SANDBOX_DELAY": "1.5", "LAUNCHBAY_ROLLOUT_POLL": "0.3", "LAUNCHBAY_CLUSTER": "lb-" + prefix}


@contextlib.contextmanager
def ui_stack(env: dict[str, str], port: int | None = None) -> Iterator[str]:
    if not (DIST / "index.html").exists():
        raise RuntimeError("ui/dist is missing: run `make ui` first")
    port = port or free_port()
    full = {**os.environ, **env, "LAUNCHBAY_BIND": f"127.0.0.1:{port}", "LAUNCHBAY_WEB_WORKERS": "2",
            "LAUNCHBAY_ACCESS_LOG": "off", "PYTHONPATH": str(ROOT)}
    log = tempfile.NamedTemporaryFile(prefix="gunicorn-ui-", suffix=".log", delete=False)
    beat_log = tempfile.NamedTemporaryFile(prefix="beat-ui-", suffix=".log", delete=False)
    # beat keeps its schedule file there and exits when the directory is missing; nothing else
    # makes it before the first request (as `make run` does, scripts/dev.py)
    Path(env["LAUNCHBAY_DATA_DIR"]).mkdir(parents=True, exist_ok=True)
    api = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "chalicelib.api.wsgi:application"],
                           cwd=ROOT, env=full, stdout=log, stderr=subprocess.STDOUT)
    workers = [CeleryWorker(env, ["deploys", "default"]).start(),
               CeleryWorker(env, ["search"], concurrency=1, name="search").start()]
    # beat relays the outbox to the search index every 2 s (and runs the reaper)
    beat = subprocess.Popen([sys.executable, "-m", "celery", "-A", "worker.celery_app:celery", "beat", "--loglevel=WARNING",
                             "-s", str(Path(env["LAUNCHBAY_DATA_DIR"]) / "celerybeat-schedule")],
                            cwd=ROOT, env=full, stdout=beat_log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: _answers(base), 60, what="the API to answer")
        if beat.poll() is not None:   # no beat: no search index, no reaper; say why at once
            raise RuntimeError("celery beat exited (%s):\n%s" % (beat.returncode, Path(beat_log.name).read_text()[-3000:]))
        yield base
    finally:
        for proc in (api, beat):
            proc.terminate()
            proc.wait(20)
        for w in workers:
            w.stop()
        if api.returncode not in (0, -15):
            print(Path(log.name).read_text()[-3000:])
        os.unlink(beat_log.name)


def call(base: str, method: str, path: str, body=None, token: str | None = None):
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + "/v1" + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        text = e.read()
        return e.code, json.loads(text) if text else None


if __name__ == "__main__":
    import signal

    from tests.support.moto_server import start_moto_server

    def _stop(*_):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _stop)  # `kill PID` stops every child cleanly

    moto, stop = start_moto_server()
    data = tempfile.mkdtemp(prefix="launchbay-ui-")  # noqa: SIM115
    try:
        with ui_stack(stack_env(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"), moto, data),
                      int(sys.argv[1]) if len(sys.argv) > 1 else None) as url:
            print(url, flush=True)
            with contextlib.suppress(KeyboardInterrupt):
                while True:
                    import time
                    time.sleep(3600)
    finally:
        stop()
