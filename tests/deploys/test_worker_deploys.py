"""Deploys through a real Redis and real Celery worker processes, against the moto sandbox."""
from __future__ import annotations

import pytest

from chalicelib.accounts import service as accounts
from chalicelib.catalog import service as catalog
from chalicelib.core.context import Actor
from chalicelib.deploys import service as deploys
from chalicelib.lifecycle import states as rules
from tests.support.processes import CeleryWorker, wait_for


@pytest.fixture
def org(ports):
    s = accounts.signup(ports, "ops@example.com", "x" * 12, "Acme", None)
    actor = Actor(user_id=s["user"]["id"], email="ops@example.com")
    project = catalog.create_project(ports, actor, s["organization"]["id"], "shop", "")
    return actor, s["organization"]["id"], project["id"]


def settle(ports, dep_id, timeout=60):
    deps = ports.store.collection("deployments")
    return wait_for(lambda: (d := deps.get(dep_id)) and rules.settled(d) and d, timeout, what=f"{dep_id} to settle")


def step_starts(ports, dep_id):
    lines, _ = ports.store.collection("log_lines").find({"deployment_id": dep_id}, order="seq", limit=1000)
    return [l["step"] for l in lines if l["message"].endswith(": started")]


def test_worker_deploys_each_kind_and_fails_cleanly(ports, org, launchbay_env):
    actor, org_id, project_id = org
    worker = CeleryWorker(launchbay_env, ["deploys", "default"]).start()
    try:
        web = catalog.create_service(ports, actor, org_id, project_id, {"name": "web", "kind": "web", "image": "nginx:1.27", "port": 80})
        job = catalog.create_service(ports, actor, org_id, project_id, {"name": "jobs", "kind": "worker", "image": "busybox"})
        bad = catalog.create_service(ports, actor, org_id, project_id, {"name": "bad", "kind": "web", "image": "nginx",
                                                                        "port": 80, "env": {"LAUNCHBAY_SANDBOX_FAIL": "1"}})
        deps = [deploys.create_deployment(ports, actor, org_id, s["id"], None)[0] for s in (web, job, bad)]
        done = [settle(ports, d["id"]) for d in deps]
        assert [d["status"] for d in done] == ["live", "live", "failed"], worker.output()[-3000:]
        assert "exited with code 1" in done[2]["error"]
        assert ports.store.collection("services").get(web["id"])["live_deployment_id"] == deps[0]["id"]
        # every step ran exactly once
        for d in deps[:2]:
            starts = step_starts(ports, d["id"])
            assert len(starts) == len(set(starts)) and "rollout" in starts
    finally:
        worker.stop()


def test_killed_worker_resumes_and_finishes_exactly_once(ports, org, launchbay_env, monkeypatch):
    actor, org_id, project_id = org
    env = {**launchbay_env, "LAUNCHBAY_VISIBILITY_TIMEOUT": "10", "LAUNCHBAY_ROLLOUT_POLL": "1"}
    svc = catalog.create_service(ports, actor, org_id, project_id, {"name": "slow", "kind": "web", "image": "nginx:1.27",
                                                                   "port": 80, "env": {"LAUNCHBAY_SANDBOX_DELAY": "6"}})
    first = CeleryWorker(env, ["deploys", "default"], name="first").start()
    dep, _ = deploys.create_deployment(ports, actor, org_id, svc["id"], None)
    coll = ports.store.collection("deployments")
    try:
        wait_for(lambda: coll.get(dep["id"])["status"] == "deploying"
                 and any(s["name"] == "rollout" for s in coll.get(dep["id"])["steps"]), 60, what="the rollout to start")
        # ... and its chain's next message is out (the first worker holds it until due). Killed
        # before that, only the owner-less first message is redelivered: it finds the dead
        # worker's lease and stops, and the reaper resumes the deploy once the lease expires.
        wait_for(lambda: len(first.task_ids()) >= 2, 60, what="the chain's next message")
    finally:
        first.kill()  # SIGKILL the whole worker, pool included, in the middle of the rollout
    assert not rules.settled(coll.get(dep["id"]))
    second = CeleryWorker(env, ["deploys", "default"], name="second").start()
    try:
        final = settle(ports, dep["id"], timeout=90)
    finally:
        second.stop()
    assert final["status"] == "live", second.output()[-3000:]
    starts = step_starts(ports, dep["id"])
    assert len(starts) == len(set(starts)), starts           # no step started twice
    live_lines = [l for l in ports.store.collection("log_lines").find({"deployment_id": dep["id"]}, limit=1000)[0]
                  if l["step"] == "live"]
    assert len(live_lines) == 1                               # finished exactly once
    audit = ports.store.collection("audit_events").find({"org_id": org_id, "action": "deployment.live"}, limit=50)[0]
    assert len(audit) == 1


def test_a_canary_watched_by_a_killed_worker_is_watched_on_by_the_next_and_proceeds_once(ports, org, launchbay_env):
    """The watch is a wait like the rollout: its worker SIGKILLed, the next one takes the deployment
    over and keeps watching; a person's proceed then ends it, and the release goes live once."""
    actor, org_id, project_id = org
    env = {**launchbay_env, "LAUNCHBAY_VISIBILITY_TIMEOUT": "10", "LAUNCHBAY_ROLLOUT_POLL": "1"}
    svc = catalog.create_service(ports, actor, org_id, project_id, {"name": "web", "kind": "web", "image": "nginx:1.27",
                                                                  "port": 80, "canary": {"percent": 10, "minutes": 30}})
    coll = ports.store.collection("deployments")
    first = CeleryWorker(env, ["deploys", "default"], name="first").start()
    try:
        live = settle(ports, deploys.create_deployment(ports, actor, org_id, svc["id"], None)[0]["id"])
        assert live["status"] == "live", first.output()[-3000:]
        dep, _ = deploys.create_deployment(ports, actor, org_id, svc["id"], "nginx:1.28")
        wait_for(lambda: any(s["name"] == "canary.analysis" for s in coll.get(dep["id"])["steps"]), 60,
                 what="the canary's watch")
        wait_for(lambda: (coll.get(dep["id"]).get("canary_watch") or {}).get("started"), 30, what="a look")
        seen = len(first.task_ids())
        wait_for(lambda: len(first.task_ids()) > seen, 60, what="the chain's next message")
    finally:
        first.kill()
    looked = coll.get(dep["id"])["updated"]
    second = CeleryWorker(env, ["deploys", "default"], name="second").start()
    try:
        wait_for(lambda: coll.get(dep["id"])["updated"] != looked, 90, what="the next worker's look")
        assert coll.get(dep["id"])["status"] == "deploying"            # still watching: 30 minutes
        deploys.proceed(ports, actor, org_id, dep["id"])
        final = settle(ports, dep["id"], timeout=90)
    finally:
        second.stop()
    assert final["status"] == "live", second.output()[-3000:]
    watch = next(s for s in final["steps"] if s["name"] == "canary.analysis")
    assert watch["result"]["state"] == "proceeded" and watch["result"]["by"] == "ops@example.com"
    starts = step_starts(ports, dep["id"])
    assert len(starts) == len(set(starts)) and starts.index("canary.analysis") < starts.index("canary.retire"), \
        [s for s in starts if starts.count(s) > 1]
    assert len([line for line in ports.store.collection("log_lines").find({"deployment_id": dep["id"]}, limit=1000)[0]
                if line["step"] == "live"]) == 1
