"""Issue #9, hygiene: after a full run through the real stack no secret value is anywhere it
must not be. The run: sign up, service secrets and environment secrets (set, changed, cloned
with values), a log drain's key (set, changed, used), deploys by real Celery workers that go live, fail on a first release, and fail
then roll back, a cron run, search indexing by the search worker, the audit log.

Then every secret value (each version) is looked for in: every API answer of the run, the API's
log output (every logger at DEBUG, in-process), the Celery workers' logs, the search index (by
query, and the bytes of its files on disk), the SQLite store's files (db and WAL: values must be
encrypted) and the deployment documents. 0 hits."""
from __future__ import annotations

import json
import logging
import uuid
from pathlib import Path

import pytest

from chalicelib import tasks as names
from chalicelib.lifecycle import states as rules
from tests.support.drains import Receiver
from tests.support.processes import CeleryWorker, wait_for
from tests.support.registry import Registry

PW = "correct horse battery"


class Recorder(logging.Handler):
    """Every record any logger of the API process emits, formatted with its traceback."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))

    def emit(self, record):
        self.lines.append(self.format(record))


@pytest.fixture
def api_log():
    root = logging.getLogger()
    rec, level = Recorder(), root.level
    root.addHandler(rec)
    root.setLevel(logging.DEBUG)
    yield rec
    root.removeHandler(rec)
    root.setLevel(level)


class Run:
    """The API in-process; every answer kept."""

    def __init__(self, client):
        self.client = client
        self.token = ""
        self.answers: list[str] = []

    def call(self, method, path, body=None, status=None, token=None):
        headers = {"Content-Type": "application/json"}
        if token if token is not None else self.token:
            headers["Authorization"] = f"Bearer {token if token is not None else self.token}"
        r = getattr(self.client.http, method.lower())("/v1" + path, headers=headers,
                                                     body=json.dumps(body) if body is not None else None)
        raw = r.body.decode() if isinstance(r.body, bytes) else str(r.body or "")
        # the answer only: the search requests of the run carry the values in their query on purpose
        self.answers.append(f"{r.status_code} {json.dumps(dict(r.headers))} {raw}")
        if status is not None:
            assert r.status_code == status, (method, path, r.status_code, raw)
        return json.loads(raw) if raw else None


def _settled(ports, dep_id, timeout=90):
    coll = ports.store.collection("deployments")
    return wait_for(lambda: (d := coll.get(dep_id)) and rules.settled(d) and d, timeout, what=f"{dep_id} to settle")


def test_no_secret_value_anywhere_after_a_full_run(launchbay_env, ports, client, api_log):
    tag = uuid.uuid4().hex[:10]
    values = {name: f"hygiene-{name.lower()}-{tag}-{uuid.uuid4().hex}" for name in
              ("svc_v1", "svc_v2", "env_v1", "staging", "bad_svc", "cron_env", "drain_key", "drain_key2",
               "registry_password")}
    workers = [CeleryWorker(launchbay_env, ["deploys", "default"], name="deploys").start(),
               CeleryWorker(launchbay_env, ["search"], concurrency=1, name="search").start()]
    run = Run(client)
    try:
        s = run.call("POST", "/auth/signup", {"email": f"h-{tag}@example.com", "password": PW,
                                              "organization": "Hygiene"}, 201)
        run.token = s["token"]
        org = s["organization"]["id"]
        o = f"/orgs/{org}"
        prj = run.call("POST", f"{o}/projects", {"name": "shop"}, 201)
        p = f"{o}/projects/{prj['id']}"
        web = run.call("POST", f"{p}/services", {"name": "web", "image": "nginx:1.27", "port": 80,
                                                 "health_check": {"path": "/"}}, 201)
        bad = run.call("POST", f"{p}/services", {"name": "bad", "image": "nginx:1.27", "port": 80,
                                                 "env": {"LAUNCHBAY_SANDBOX_FAIL": "health"}}, 201)
        cron = run.call("POST", f"{p}/services", {"name": "nightly", "kind": "cron", "image": "busybox:1",
                                                  "schedule": "@daily"}, 201)
        # secrets of both scopes; one changed (two versions), one cloned with its value
        run.call("PUT", f"{o}/services/{web['id']}/secrets/DB_PASSWORD", {"value": values["svc_v1"]}, 200)
        run.call("PUT", f"{o}/services/{bad['id']}/secrets/DB_PASSWORD", {"value": values["bad_svc"]}, 200)
        run.call("PUT", f"{p}/environments/production/secrets/SHARED_KEY", {"value": values["env_v1"]}, 200)
        run.call("PUT", f"{p}/environments/production/secrets/CRON_TOKEN", {"value": values["cron_env"]}, 200)
        staging = run.call("POST", f"{p}/environments/production/clone", {"name": "staging", "with_secrets": True}, 201)
        run.call("PUT", f"{p}/environments/{staging['id']}/secrets/STAGING_ONLY", {"value": values["staging"]}, 200)

        # a log drain's key: set, changed, then used by its stream (the receiver gets it, as it must)
        receiver = Receiver()
        resources = ports.store.collection("resources")
        drain = run.call("POST", f"{p}/resources", {"name": "logs", "kind": "log_drain", "destination": "http",
                                                    "url": receiver.url, "access_key": values["drain_key"]}, 202)
        wait_for(lambda: resources.get(drain["id"])["status"] == "available", 60, what="the drain")
        run.call("PATCH", f"{o}/resources/{drain['id']}", {"access_key": values["drain_key2"]}, 202)
        wait_for(lambda: resources.get(drain["id"])["status"] == "available", 60, what="the drain's new key")
        run.call("POST", f"{o}/resources/{drain['id']}/test-line", None, 202)
        assert receiver.requests[-1]["headers"]["X-Amz-Firehose-Access-Key"] == values["drain_key2"]

        # a private registry's password: checked by signing in, then used by a deploy to pull
        registry = Registry({"bot": values["registry_password"]}, {}).start()
        registry.push("acme/api", "1.0")
        run.call("PUT", f"{o}/registries/{registry.host}", {"username": "bot", "password": values["registry_password"]},
                 200)
        private = run.call("POST", f"{p}/services", {"name": "private", "image": f"{registry.host}/acme/api:1.0",
                                                     "port": 80}, 201)
        pulled = run.call("POST", f"{o}/services/{private['id']}/deployments", {}, 202)
        assert _settled(ports, pulled["id"])["status"] == "live"
        run.call("GET", f"{o}/registries", status=200)
        run.call("GET", f"{o}/registries/{registry.host}", status=200)
        registry.stop()

        # deploys through the workers: live, a failed first release, then live -> failed -> rolled back
        first = run.call("POST", f"{o}/services/{web['id']}/deployments", {}, 202)
        assert _settled(ports, first["id"])["status"] == "live"
        failed = run.call("POST", f"{o}/services/{bad['id']}/deployments", {}, 202)
        assert _settled(ports, failed["id"])["status"] == "failed"
        run.call("PUT", f"{o}/services/{web['id']}/secrets/DB_PASSWORD", {"value": values["svc_v2"]}, 200)
        run.call("PATCH", f"{o}/services/{web['id']}", {"env": {"LAUNCHBAY_SANDBOX_FAIL": "health"}}, 200)
        second = run.call("POST", f"{o}/services/{web['id']}/deployments", {}, 202)
        assert _settled(ports, second["id"])["status"] == "rolled_back"
        cron_dep = run.call("POST", f"{o}/services/{cron['id']}/deployments", {}, 202)
        assert _settled(ports, cron_dep["id"])["status"] == "live"
        run.call("POST", f"{o}/services/{cron['id']}/runs", {}, 202)

        # search: the search worker relays the outbox into the embedded index
        ports.queue.publish(names.RELAY_OUTBOX)
        wait_for(lambda: ports.store.collection("outbox").count({}) == 0, 60, what="the outbox to drain")
        wait_for(lambda: run.call("GET", f"{o}/search?q=web")["results"], 30, what="the index to answer")

        # read everything a user can read
        dep_ids = [first["id"], failed["id"], second["id"], cron_dep["id"], pulled["id"]]
        for dep_id in dep_ids:
            run.call("GET", f"{o}/deployments/{dep_id}", status=200)
            run.call("GET", f"{o}/deployments/{dep_id}/logs?after=0", status=200)
        for svc in (web, bad, cron):
            for tail in ("", "/secrets", "/deployments", "/releases", "/plan", "/logs", "/domain"):
                run.call("GET", f"{o}/services/{svc['id']}{tail}")
        run.call("GET", f"{o}/services/{cron['id']}/runs", status=200)
        for env in ("production", staging["id"]):
            run.call("GET", f"{p}/environments/{env}", status=200)
            run.call("GET", f"{p}/environments/{env}/secrets", status=200)
        run.call("GET", f"{p}/export", status=200)
        run.call("GET", f"{p}/resources", status=200)
        run.call("GET", f"{o}/resources/{drain['id']}", status=200)
        run.call("GET", f"{p}/services", status=200)
        audit = run.call("GET", f"{o}/audit?limit=200", status=200)["items"]
        assert {"secret.put", "deployment.live", "deployment.rolled_back"} <= {a["action"] for a in audit}, audit
        for event in audit[:20]:
            run.call("GET", f"{o}/audit-events/{event['id']}", status=200)
        hits_by_search = []
        for value in values.values():
            for q in (value, value.split("-")[-1], value[:20]):
                body = run.call("GET", f"{o}/search?q={q}", status=200)
                hits_by_search += [q for _ in body["results"]]
            hits_by_search += [value for _ in ports.search.search(org, value, limit=50)["results"]]  # the index itself
    finally:
        for w in workers:
            w.stop()

    # --- where to look, and the grep --------------------------------------------------
    data_dir = Path(launchbay_env["LAUNCHBAY_DATA_DIR"])
    places: dict[str, str] = {
        "API answers": "\n".join(run.answers),
        "API log": "\n".join(api_log.lines),
    }
    for w in workers:
        places[f"worker log {w.name}"] = w.output()
    store_files = sorted(p for p in data_dir.glob("launchbay.db*") if p.is_file())
    index_files = sorted(p for p in (data_dir / "search").rglob("*") if p.is_file())
    assert store_files and index_files, (store_files, index_files)
    for path in store_files + index_files:
        places[f"file {path.relative_to(data_dir)}"] = path.read_bytes().decode("latin-1")
    deployments = ports.store.collection("deployments").find({"org_id": org}, limit=100)[0]
    assert len(deployments) == len(dep_ids)
    places["deployment documents"] = json.dumps(deployments)
    log_lines = ports.store.collection("log_lines").find({"org_id": org}, limit=5000)[0]
    places["deployment log lines"] = json.dumps(log_lines)
    places["resource documents"] = json.dumps(ports.store.collection("resources").find({"org_id": org}, limit=100)[0])

    # the places are real: they hold what the run did (names, ids), just not the values
    assert "DB_PASSWORD" in places["API answers"] and "SHARED_KEY" in places["API answers"]
    assert any("succeeded" in t or "received" in t for k, t in places.items() if k.startswith("worker log"))
    assert org in places["deployment documents"] and len(places["API log"]) > 0
    assert '"access_key": "gAAAA' in places["resource documents"]   # the drain's key is there, encrypted
    assert any(org in t and "DB_PASSWORD" in t for k, t in places.items() if k.startswith("file launchbay.db"))
    hits = {(where, name) for where, text in places.items() for name, value in values.items() if value in text}
    assert hits_by_search == [] and hits == set(), (hits_by_search, sorted(hits))
