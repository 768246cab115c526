"""X-Ray: with LAUNCHBAY_XRAY on, API requests and Celery tasks emit segments (with boto3
subsegments) to the daemon address; here a UDP socket stands in for the daemon."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading

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


DEPLOY_SCRIPT = r"""
import io, json
from chalicelib.api.wsgi import LazyApplication
app = LazyApplication("app:app")

def call(method, path, body=None, token=None, **headers):
    raw = json.dumps(body).encode() if body is not None else b""
    env = {"REQUEST_METHOD": method, "PATH_INFO": "/v1" + path, "QUERY_STRING": "", "SERVER_NAME": "t",
           "SERVER_PORT": "80", "wsgi.input": io.BytesIO(raw), "wsgi.url_scheme": "http", "REMOTE_ADDR": "127.0.0.1",
           "CONTENT_LENGTH": str(len(raw)), "CONTENT_TYPE": "application/json"}
    if token:
        env["HTTP_AUTHORIZATION"] = "Bearer " + token
    env.update({"HTTP_" + k.upper(): v for k, v in headers.items()})
    out = {}
    data = b"".join(app(env, lambda status, h, exc_info=None: out.setdefault("status", int(status[:3]))))
    assert out["status"] < 300, (method, path, out["status"], data)
    return json.loads(data) if data else None

token = call("POST", "/auth/signup", {"email": "trace@example.com", "password": "a long password",
                                      "organization": "Acme"})["token"]
org = call("GET", "/me", token=token)["organizations"][0]["id"]
project = call("POST", f"/orgs/{org}/projects", {"name": "shop"}, token)["id"]
svc = call("POST", f"/orgs/{org}/projects/{project}/services", {"name": "web", "image": "nginx:1.27", "port": 80},
           token)["id"]
print(call("POST", f"/orgs/{org}/services/{svc}/deployments", token=token, IDEMPOTENCY_KEY="t1")["id"])
"""


def _documents(sock: socket.socket, into: list, stop: threading.Event) -> None:
    """Reads what the SDK sends to the daemon: segments, and subsegments streamed on their own."""
    sock.settimeout(0.2)
    while not stop.is_set():
        try:
            data, _ = sock.recvfrom(65536)
        except socket.timeout:
            continue
        into.append(json.loads(data.decode().partition("\n")[2]))


def _names(doc: dict) -> list[dict]:
    out = []
    for sub in doc.get("subsegments", []):
        out.append(sub)
        out.extend(_names(sub))
    return out


def test_one_trace_spans_the_request_the_queue_and_each_deploy_step(launchbay_env, ports):
    """A deploy request traced in the API process and its task run by a Celery worker process:
    one trace id, the queue wait, a subsegment per deploy step with its AWS calls below it."""
    from chalicelib.lifecycle import states
    from tests.support.processes import CeleryWorker, wait_for

    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    sock.bind(("127.0.0.1", 0))
    docs: list[dict] = []
    stop = threading.Event()
    reader = threading.Thread(target=_documents, args=(sock, docs, stop), daemon=True)
    reader.start()
    env = {**launchbay_env, "LAUNCHBAY_XRAY": "true", "AWS_XRAY_DAEMON_ADDRESS": f"127.0.0.1:{sock.getsockname()[1]}"}
    worker = CeleryWorker(env, ["deploys", "default"], concurrency=1).start()
    try:
        proc = subprocess.run([sys.executable, "-c", DEPLOY_SCRIPT], cwd=ROOT,
                              env={**os.environ, **env, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True,
                              timeout=120)
        assert proc.returncode == 0, proc.stderr[-3000:]
        dep_id = proc.stdout.strip().splitlines()[-1]
        deps = ports.store.collection("deployments")
        dep = wait_for(lambda: (d := deps.get(dep_id)) and states.settled(d) and d, 90, what="the deploy to settle")
        assert dep["status"] == "live", worker.output()[-3000:]
        # the rollout step's subsegment: inside its task's segment, or streamed on its own
        # (and the task definition's AWS call: under load, streamed subsegments arrive out of order)
        wait_for(lambda: any(s["name"] == "step rollout" for d in list(docs) for s in [d] + _names(d))
                 and any((s.get("aws") or {}).get("operation") == "RegisterTaskDefinition"
                         for d in list(docs) for s in [d] + _names(d)),
                 60, what="the rollout step's subsegment and the RegisterTaskDefinition call")
    finally:
        worker.stop()
        stop.set()
        reader.join(5)
        sock.close()
    request = next(d for d in docs if d.get("name") == "launchbay-api"
                   and d["http"]["request"]["url"].endswith("/deployments") and d["http"]["request"]["method"] == "POST")
    tasks = [d for d in docs if d.get("name") == "launchbay-worker"
             and d["annotations"]["task"] == "launchbay.run_deployment"]
    assert tasks and {t["trace_id"] for t in tasks} == {request["trace_id"]}
    first = min(tasks, key=lambda t: t["start_time"])
    assert first["parent_id"] == request["id"]          # the request published it
    assert first["start_time"] >= request["start_time"]
    # the subsegments of all the deploy's tasks (the rollout waits, re-enqueued, in the same trace),
    # with those the SDK streamed on their own (above 100 in a segment)
    streamed = [d for d in docs if d.get("type") == "subsegment" and d.get("trace_id") == request["trace_id"]]
    assert any(s["name"] == "queue wait" and s["start_time"] <= first["start_time"] + 0.001
               for s in _names(first) + [d for d in streamed if d["parent_id"] == first["id"]])
    subs = [s for t in tasks for s in _names(t)] + [x for d in streamed for x in [d] + _names(d)]
    steps = {s["name"] for s in subs if s["name"].startswith("step ")}
    assert {"step task_definition", "step service", "step rollout"} <= steps, steps
    step_ids = {s["id"] for s in subs if s["name"].startswith("step ")}
    # an AWS call inside a step's subsegment, or streamed on its own with the step as its parent
    aws_under_steps = [c for s in subs if s["name"].startswith("step ") for c in _names(s) if c.get("namespace") == "aws"] \
        + [d for d in streamed if d.get("namespace") == "aws" and d.get("parent_id") in step_ids]
    assert any(c["aws"].get("operation") == "RegisterTaskDefinition" for c in aws_under_steps), aws_under_steps


def test_on_lambda_a_published_task_carries_the_runtime_trace_id(monkeypatch):
    """The Lambda bundle has no X-Ray SDK: the runtime's trace id (one per invocation) is what
    the worker continues."""
    from chalicelib.core import tracing
    from chalicelib.queue import task_message

    header = "Root=1-6745a1b2-0123456789abcdef01234567;Parent=53995c3f42cd8ad8;Sampled=1"
    monkeypatch.setattr(tracing, "_wanted", True)
    monkeypatch.setattr(tracing, "_enabled", False)
    monkeypatch.setenv(tracing.LAMBDA_TRACE_ENV, header)
    _, headers, _ = task_message("launchbay.run_deployment", ["dep_1"], 0, tracing.outgoing_header())
    assert headers[tracing.HEADER] == header
    monkeypatch.setattr(tracing, "_wanted", False)   # LAUNCHBAY_XRAY off: nothing travels
    assert tracing.outgoing_header() is None
