"""X-Ray: with LAUNCHBAY_XRAY on, API requests and Celery tasks emit segments (with boto3
subsegments) to the daemon address; here a UDP socket stands in for the daemon."""
from __future__ import annotations

import json
import socket
import subprocess
import sys

from tests.support.processes import ROOT

SCRIPT = r"""
import io, json, sys
from chalicelib.api.wsgi import LazyApplication
app = LazyApplication("app:app")
out = {}
def start_response(status, headers, exc_info=None):
    out["status"] = status
body = b"".join(app({"REQUEST_METHOD": "GET", "PATH_INFO": "/v1/health", "QUERY_STRING": "", "SERVER_NAME": "t",
                     "SERVER_PORT": "80", "wsgi.input": io.BytesIO(b""), "wsgi.url_scheme": "http",
                     "REMOTE_ADDR": "127.0.0.1"}, start_response))
print(out["status"])
"""


def test_api_requests_emit_xray_segments(launchbay_env):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(20)
    env = {**launchbay_env, "LAUNCHBAY_XRAY": "true", "PYTHONPATH": str(ROOT),
           "AWS_XRAY_DAEMON_ADDRESS": f"127.0.0.1:{sock.getsockname()[1]}"}
    import os

    proc = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, env={**os.environ, **env},
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip().startswith("200")
    segments = []
    try:
        while True:
            data, _ = sock.recvfrom(65536)
            header, _, body = data.decode().partition("\n")
            segments.append(json.loads(body))
            if any(s.get("name") == "launchbay-api" for s in segments):
                break
    finally:
        sock.close()
    api = next(s for s in segments if s.get("name") == "launchbay-api")
    assert api["http"]["request"]["url"] == "/v1/health" and api["http"]["response"]["status"] == 200
    subsegments = api.get("subsegments", [])
    assert any(sub.get("namespace") == "aws" for sub in subsegments), api   # the sandbox ping via botocore


def test_worker_tasks_emit_xray_segments(launchbay_env):
    from chalicelib.queue import CeleryQueue
    from chalicelib.settings import get_settings
    from tests.support.processes import CeleryWorker

    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(30)
    env = {**launchbay_env, "LAUNCHBAY_XRAY": "true", "AWS_XRAY_DAEMON_ADDRESS": f"127.0.0.1:{sock.getsockname()[1]}"}
    worker = CeleryWorker(env, ["default"], concurrency=1).start()
    try:
        CeleryQueue(get_settings()).publish("launchbay.health_watch")
        while True:
            data, _ = sock.recvfrom(65536)
            segment = json.loads(data.decode().partition("\n")[2])
            if segment.get("name") == "launchbay-worker":
                break
    finally:
        worker.stop()
        sock.close()
    assert segment["annotations"]["task"] == "launchbay.health_watch"
