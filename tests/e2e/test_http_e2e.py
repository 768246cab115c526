"""End to end over HTTP: the gunicorn-served API, a real Celery worker, Redis and the
moto sandbox, used the way a new user would from the README."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.support.net import free_port
from tests.support.processes import ROOT, CeleryWorker, wait_for


class Http:
    def __init__(self, base: str):
        self.base = base
        self.token = None

    def call(self, method, path, body=None, headers=None, raw=None):
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        h = {"Content-Type": "application/json", **(headers or {})}
        if self.token:
            h["Authorization"] = f"Bearer {self.token}"
        req = urllib.request.Request(self.base + path, data=data, method=method, headers=h)
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return r.status, json.loads(r.read() or b"null")
        except urllib.error.HTTPError as e:
            text = e.read()
            return e.code, json.loads(text) if text else None


@pytest.fixture
def stack(launchbay_env):
    port = free_port()
    env = {**os.environ, **launchbay_env, "LAUNCHBAY_BIND": f"127.0.0.1:{port}", "LAUNCHBAY_WEB_WORKERS": "2",
           "LAUNCHBAY_ACCESS_LOG": "off", "PYTHONPATH": str(ROOT)}
    log = tempfile.NamedTemporaryFile(prefix="gunicorn-", suffix=".log", delete=False)
    api = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "chalicelib.api.wsgi:application"],
                           cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    worker = CeleryWorker(launchbay_env, ["deploys", "default"]).start()
    http = Http(f"http://127.0.0.1:{port}/v1")
    try:
        wait_for(lambda: _up(http), 60, what="the API to answer")
        yield http
    finally:
        api.terminate()
        api.wait(20)
        worker.stop()
        if api.returncode not in (0, -15):
            print(Path(log.name).read_text()[-3000:])


def _up(http):
    try:
        return http.call("GET", "/health")[0] == 200
    except OSError:
        return False


def _deploy_and_follow(http, org, svc_id):
    status, dep = http.call("POST", f"/orgs/{org}/services/{svc_id}/deployments", {})
    assert status == 202 and dep["status"] == "queued"
    lines, cursor, seen_status = [], None, {"queued"}

    def follow():
        nonlocal cursor
        q = f"?after={cursor}" if cursor else ""
        s, page = http.call("GET", f"/orgs/{org}/deployments/{dep['id']}/logs{q}")
        assert s == 200
        lines.extend(page["lines"])
        cursor = page["next"]
        seen_status.add(page["status"])
        return page["final"] and page

    final = wait_for(follow, 60, 0.2, "the deployment to settle")
    return dep, final, lines, seen_status


def test_signup_deploy_live_logs_and_failed_deploy(stack):
    http = stack
    status, health = http.call("GET", "/health")
    assert health["mode"] == "sandbox"
    status, body = http.call("POST", "/auth/signup", {"email": "new@user.io", "password": "a long password", "organization": "Newco"})
    assert status == 201
    http.token = body["token"]
    org = body["organization"]["id"]
    _, prj = http.call("POST", f"/orgs/{org}/projects", {"name": "site"})
    _, svc = http.call("POST", f"/orgs/{org}/projects/{prj['id']}/services",
                       {"name": "web", "image": "nginx:1.27", "port": 80, "health_check": {"path": "/healthz"}})
    http.call("PUT", f"/orgs/{org}/services/{svc['id']}/secrets/API_KEY", {"value": "sk-live-123"})

    dep, final, lines, seen = _deploy_and_follow(http, org, svc["id"])
    assert final["status"] == "live"
    assert {"provisioning", "deploying"} & seen or len(lines) > 5
    seqs = [l["seq"] for l in lines]
    assert seqs == sorted(seqs) and len(seqs) == len(set(seqs))        # cursor paging: no line twice
    messages = "\n".join(l["message"] for l in lines)
    assert "task_definition: done" in messages and "is live" in messages
    assert "sk-live-123" not in messages
    _, got = http.call("GET", f"/orgs/{org}/deployments/{dep['id']}")
    assert got["status"] == "live" and [s["status"] for s in got["steps"]] == ["done"] * len(got["steps"])

    # a failing deploy ends `failed`, is rolled back to the live release, and says why
    http.call("PATCH", f"/orgs/{org}/services/{svc['id']}", {"env": {"LAUNCHBAY_SANDBOX_FAIL": "health"}})
    bad, final, lines, _ = _deploy_and_follow(http, org, svc["id"])
    _, got = http.call("GET", f"/orgs/{org}/deployments/{bad['id']}")
    assert got["status"] == "rolled_back" and "health check on /healthz" in got["error"]
    _, service = http.call("GET", f"/orgs/{org}/services/{svc['id']}")
    assert service["live_deployment_id"] == dep["id"]


def test_http_edges(stack):
    http = stack
    assert http.call("GET", "/no/such/route")[0] == 404
    status, body = http.call("POST", "/auth/signup", raw=b"x" * (1024 * 1024 + 10))
    assert status == 413 and body["error"]["code"] == "payload_too_large"
    status, body = http.call("POST", "/auth/signup", raw=b"{oops")
    assert status == 400 and body["error"]["field"] == "body"


def test_every_kind_and_failure_mode_over_http(stack, monkeypatch):
    http = stack
    _, body = http.call("POST", "/auth/signup", {"email": "kinds@user.io", "password": "a long password", "organization": "K"})
    http.token = body["token"]
    org = body["organization"]["id"]
    _, prj = http.call("POST", f"/orgs/{org}/projects", {"name": "all"})
    specs = {"web": {"port": 80}, "worker": {"kind": "worker"}, "cron": {"kind": "cron", "schedule": "rate(5 minutes)"}}
    services = {}
    for name, extra in specs.items():
        status, svc = http.call("POST", f"/orgs/{org}/projects/{prj['id']}/services", {"name": name, "image": "busybox", **extra})
        assert status == 201, svc
        services[name] = svc
        _, final, _, _ = _deploy_and_follow(http, org, svc["id"])
        assert final["status"] == "live", (name, final)
    status, run = http.call("POST", f"/orgs/{org}/services/{services['cron']['id']}/runs")
    assert status == 202
    wait_for(lambda: http.call("GET", f"/orgs/{org}/services/{services['cron']['id']}/runs")[1]["items"][0]["status"]
             == "succeeded", 30, what="the cron run to finish")
    # failure modes on the live web service: each ends rolled back to the live release, with the reason
    web = services["web"]["id"]
    for mode, words in (("crash", "exited with code 1"), ("health", "health check")):
        http.call("PATCH", f"/orgs/{org}/services/{web}", {"env": {"LAUNCHBAY_SANDBOX_FAIL": mode}})
        dep, final, lines, _ = _deploy_and_follow(http, org, web)
        _, got = http.call("GET", f"/orgs/{org}/deployments/{dep['id']}")
        assert got["status"] == "rolled_back" and words in got["error"], got
        assert any("rolling back" in l["message"] for l in lines)
