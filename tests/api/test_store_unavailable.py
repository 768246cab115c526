"""Issue #9: the store locked or slow. An API write that cannot get SQLite's write lock within
the API's budget (LAUNCHBAY_API_STORE_WAIT, not the workers' 30 s) answers 503 + Retry-After in
the documented error shape, quickly, and leaves nothing half-written; reads go on meanwhile."""
from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

import pytest

from chalicelib import wiring
from chalicelib.core.errors import StoreUnavailable, store_budget
from tests.support.factories import new_org

WAIT = 0.5


@pytest.fixture
def org(api, monkeypatch):
    monkeypatch.setenv("LAUNCHBAY_API_STORE_WAIT", str(WAIT))
    wiring.reset()
    return new_org(api)


def _db(app_env) -> Path:
    return Path(app_env["LAUNCHBAY_DATA_DIR"]) / "launchbay.db"


def _rows(path: Path, table: str) -> list[dict]:
    with sqlite3.connect(path) as conn:
        return [json.loads(b) for (b,) in conn.execute(f"SELECT body FROM {table}")]


class WriteLock:
    """Another connection holding SQLite's single write lock (what a long worker write does)."""

    def __init__(self, path: Path):
        self.conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)

    def __enter__(self):
        self.conn.execute("BEGIN IMMEDIATE")
        return self

    def __exit__(self, *exc):
        self.conn.execute("ROLLBACK")
        self.conn.close()


def _timed(org, method, path, body=None):
    start = time.monotonic()
    r = getattr(org.api.client.http, method.lower())(
        f"/v1/orgs/{org.id}{path}", body=json.dumps(body) if body is not None else None,
        headers={"Authorization": f"Bearer {org.api.token}", "Content-Type": "application/json"})
    return r.status_code, json.loads(r.body) if r.body else None, r.headers, time.monotonic() - start


def test_locked_store_answers_503_quickly_and_writes_nothing(org, app_env):
    prj = org.project("kept")
    svc = org.service("kept", name="web")
    path = _db(app_env)
    before = {t: len(_rows(path, t)) for t in ("c_projects", "c_environments", "c_audit_events", "c_outbox",
                                                 "c_services", "c_secrets", "c_deployments")}
    writes = [("POST", "/projects", {"name": "blocked", "description": "x"}),        # 3 documents + outbox
              ("POST", f"/projects/{prj['id']}/services", {"name": "blocked", "image": "nginx:1", "port": 80}),
              ("PUT", f"/services/{svc['id']}/secrets/BLOCKED", {"value": "never-stored"}),
              ("POST", f"/services/{svc['id']}/deployments", {})]
    with WriteLock(path):
        status, body, _, _ = _timed(org, "GET", "/projects")     # WAL: readers are not blocked by a writer
        assert status == 200 and body["items"]
        for method, route, payload in writes:
            status, body, headers, took = _timed(org, method, route, payload)
            assert status == 503, (route, status, body)
            assert set(body) == {"error"} and body["error"]["code"] == "unavailable", body
            assert isinstance(body["error"]["message"], str) and "field" in body["error"]
            assert int(headers["Retry-After"]) > 0
            assert took < WAIT + 1.5, (route, took)  # the API budget, not the 30 s busy timeout
    after = {t: len(_rows(path, t)) for t in before}
    assert after == before, (before, after)              # every failed write rolled back whole
    assert not [p for p in _rows(path, "c_projects") if p["name"] == "blocked"]
    assert not [a for a in _rows(path, "c_audit_events") if "blocked" in json.dumps(a)]
    # released: the same request goes through, once
    status, body, _, _ = _timed(org, "POST", "/projects", {"name": "blocked"})
    assert status == 201, body
    assert len([p for p in _rows(path, "c_projects") if p["name"] == "blocked"]) == 1
    assert len([e for e in _rows(path, "c_environments") if e.get("project_id") == body["id"]]) == 1


def test_workers_keep_the_long_wait(app_env):
    """Outside an API request there is no budget: a worker's write waits for the lock (30 s by
    default) and goes through once another writer lets go."""
    import threading

    store = wiring.get_store()
    with WriteLock(_db(app_env)) as lock:
        release = threading.Timer(1.0, lock.conn.execute, ("ROLLBACK",))
        release.start()
        start = time.monotonic()
        n = store.next_number("k")  # one write transaction
        assert n == 1 and time.monotonic() - start >= 0.9
        lock.conn.execute("BEGIN IMMEDIATE")  # taken again, so __exit__ has one to roll back
    with WriteLock(_db(app_env)), store_budget(0.2):
        start = time.monotonic()
        with pytest.raises(StoreUnavailable):
            store.next_number("k")
        assert time.monotonic() - start < 1.5
    assert store.next_number("k") == 2
