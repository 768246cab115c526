"""The lifecycle end to end: search tells the truth after every path, cancels and rollbacks
take over hung deploys, and the words in logs and reasons are true."""
from __future__ import annotations

import time

import boto3

from chalicelib.cloud import naming
from chalicelib.deploys import engine, runs, teardown, watch
from chalicelib.lifecycle.states import settled
from chalicelib.search.indexer import relay_outbox
from chalicelib.store.port import iter_all
from tests.support.deploying import run_to_end
from tests.support.factories import new_org


def setup(api, **over):
    """(owner's api, org id, project id, a web service): the shared factory, unpacked."""
    org = new_org(api)
    svc = org.service(**over)
    return org.api, org.id, org.project()["id"], svc


def deploy(a, ports, org, svc_id, **body):
    status, dep = a.call("POST", f"/orgs/{org}/services/{svc_id}/deployments", body)
    assert status == 202, dep
    return run_to_end(ports, dep["id"])


def assert_search_matches_store(ports, org):
    """Every service and deployment of the org: the index holds what the store holds."""
    relay_outbox(ports.store, ports.search, batch_size=10_000)
    for coll, kind in (("services", "service"), ("deployments", "deployment")):
        stored = {d["id"]: d for d in iter_all(ports.store.collection(coll), {"org_id": org})}
        page = ports.search.search(org, "", types=[kind], limit=100)
        found = {r["id"]: r for r in page["results"]}
        assert set(found) == set(stored), (kind, set(found) ^ set(stored))
        for doc_id, doc in stored.items():
            assert found[doc_id]["status"] == doc["status"], (kind, doc_id, found[doc_id]["status"], doc["status"])
        counts = {s: n for s, n in page["facets"].get("status", {}).items() if n}
        expected: dict[str, int] = {}
        for doc in stored.values():
            expected[doc["status"]] = expected.get(doc["status"], 0) + 1
        assert counts == expected, (kind, counts, expected)


def test_search_tells_the_truth_through_every_path(api, ports, monkeypatch):
    a, org, prj, svc = setup(api, health_check={"path": "/healthz"})
    assert_search_matches_store(ports, org)                                   # create
    # a first release that fails its health check: the report (search said "new")
    a.call("PATCH", f"/orgs/{org}/services/{svc['id']}", {"env": {"LAUNCHBAY_SANDBOX_FAIL": "health"}})
    assert_search_matches_store(ports, org)                                   # update
    failed = deploy(a, ports, org, svc["id"])
    assert failed["status"] == "failed"
    assert a.call("GET", f"/orgs/{org}/services/{svc['id']}")[1]["status"] == "failed"
    assert_search_matches_store(ports, org)                                   # deploy failed
    _, hits = a.call("GET", f"/orgs/{org}/search?q=web&type=service")
    assert [h["status"] for h in hits["results"]] == ["failed"]
    a.call("PATCH", f"/orgs/{org}/services/{svc['id']}", {"env": {}})
    assert deploy(a, ports, org, svc["id"])["status"] == "live"
    assert_search_matches_store(ports, org)                                   # deploy live
    a.call("PATCH", f"/orgs/{org}/services/{svc['id']}", {"env": {"LAUNCHBAY_SANDBOX_FAIL": "crash"}})
    assert deploy(a, ports, org, svc["id"])["status"] == "rolled_back"
    assert_search_matches_store(ports, org)                                   # rolled back
    watch.health_watch(ports)
    watch.detect_drift(ports)
    assert_search_matches_store(ports, org)                                   # health watch, drift
    _, cron = a.call("POST", f"/orgs/{org}/projects/{prj}/services",
                     {"name": "nightly", "kind": "cron", "image": "busybox:1", "schedule": "rate(1 hour)"})
    assert deploy(a, ports, org, cron["id"])["status"] == "live"
    status, run = a.call("POST", f"/orgs/{org}/services/{cron['id']}/runs")
    assert status == 202
    runs.start(ports, run["id"])
    runs.sync(ports)
    assert_search_matches_store(ports, org)                                   # cron run
    assert a.call("DELETE", f"/orgs/{org}/services/{svc['id']}")[0] in (200, 202)
    assert_search_matches_store(ports, org)                                   # deleting
    teardown.run(ports, svc["id"])
    assert_search_matches_store(ports, org)                                   # deleted


def _drive_until(ports, dep_id, predicate, timeout=30.0, owner=None, seq=0):
    """Run the deployment's task chain in-process (as the worker would) until predicate(dep)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        out = engine.run(ports, dep_id, owner, seq)
        dep = ports.store.collection("deployments").get(dep_id)
        if predicate(dep):
            return dep, out
        if out.state == "later":
            owner, seq = out.owner, out.seq
            time.sleep(min(out.countdown, 0.3))
    raise AssertionError(f"{dep_id} never reached the expected state")


def _waiting(dep):
    return dep["status"] == "deploying" and any(s["name"] == "rollout" for s in dep["steps"])


def test_cancelling_a_hung_deploy_rolls_back_to_the_live_release(api, ports):
    a, org, _, svc = setup(api)
    good = deploy(a, ports, org, svc["id"])
    a.call("PATCH", f"/orgs/{org}/services/{svc['id']}", {"env": {"LAUNCHBAY_SANDBOX_FAIL": "timeout"}})
    status, dep = a.call("POST", f"/orgs/{org}/services/{svc['id']}/deployments")
    hung, out = _drive_until(ports, dep["id"], _waiting)
    for _ in range(4):   # several looks at a rollout that does not move
        out = engine.run(ports, dep["id"], out.owner, out.seq)
    status, body = a.call("POST", f"/orgs/{org}/deployments/{dep['id']}/cancel")
    assert status == 200 and body["cancel_requested"]
    done, _ = _drive_until(ports, dep["id"], settled, owner=out.owner, seq=out.seq)   # the same chain goes on
    assert done["status"] == "rolled_back" and done["rollback_to"] == good["id"]
    assert "cancelled by" in done["error"]
    _, logs = a.call("GET", f"/orgs/{org}/deployments/{dep['id']}/logs?limit=1000")
    waits = [line["message"] for line in logs["lines"] if line["step"] == "rollout"]
    assert len(waits) == len(set(waits)), waits   # what changed, not one line per look
    service = a.call("GET", f"/orgs/{org}/services/{svc['id']}")[1]
    assert service["status"] == "live" and service["live_deployment_id"] == good["id"]


def test_a_users_rollback_takes_over_a_hung_deploy(api, ports):
    a, org, _, svc = setup(api)
    good = deploy(a, ports, org, svc["id"])
    a.call("PATCH", f"/orgs/{org}/services/{svc['id']}", {"env": {"LAUNCHBAY_SANDBOX_FAIL": "timeout"}})
    _, dep = a.call("POST", f"/orgs/{org}/services/{svc['id']}/deployments")
    _, out = _drive_until(ports, dep["id"], _waiting)
    status, rb = a.call("POST", f"/orgs/{org}/services/{svc['id']}/rollback", {"deployment_id": good["id"]})
    assert status == 202
    hung, _ = _drive_until(ports, dep["id"], settled, owner=out.owner, seq=out.seq)
    assert hung["status"] == "superseded" and "took over" in hung["reason"]
    done = run_to_end(ports, rb["id"])
    assert done["status"] == "live" and done["image"] == good["image"]


def test_cancelling_a_first_release_stops_it(api, ports, launchbay_env):
    a, org, _, svc = setup(api, env={"LAUNCHBAY_SANDBOX_FAIL": "timeout"})
    _, dep = a.call("POST", f"/orgs/{org}/services/{svc['id']}/deployments")
    _, out = _drive_until(ports, dep["id"], _waiting)
    assert a.call("POST", f"/orgs/{org}/deployments/{dep['id']}/cancel")[0] == 200
    done, _ = _drive_until(ports, dep["id"], settled, owner=out.owner, seq=out.seq)
    assert done["status"] == "cancelled" and "scaled to 0" in done["reason"]
    ecs = boto3.client("ecs", endpoint_url=launchbay_env["AWS_ENDPOINT_URL"], region_name="us-east-1",
                       aws_access_key_id="testing", aws_secret_access_key="testing")
    [described] = ecs.describe_services(cluster=done["target"]["cluster"],
                                        services=[naming.of_service(ports.store.collection("services").get(svc["id"])).service])["services"]
    assert described["desiredCount"] == 0
    assert a.call("GET", f"/orgs/{org}/services/{svc['id']}")[1]["status"] == "new"


def test_needs_deploy_compares_the_configuration_with_the_live_release(api, ports):
    a, org, _, svc = setup(api)
    assert a.call("GET", f"/orgs/{org}/services/{svc['id']}")[1]["needs_deploy"] is True
    first = deploy(a, ports, org, svc["id"])
    assert a.call("GET", f"/orgs/{org}/services/{svc['id']}")[1]["needs_deploy"] is False
    a.call("PATCH", f"/orgs/{org}/services/{svc['id']}", {"env": {"A": "1"}})
    deploy(a, ports, org, svc["id"])
    assert a.call("GET", f"/orgs/{org}/services/{svc['id']}")[1]["needs_deploy"] is False
    _, rb = a.call("POST", f"/orgs/{org}/services/{svc['id']}/rollback", {"deployment_id": first["id"]})
    assert run_to_end(ports, rb["id"])["status"] == "live"
    after = a.call("GET", f"/orgs/{org}/services/{svc['id']}")[1]
    assert after["needs_deploy"] is True and after["live_deployment_id"] == rb["id"]   # runs #1's config, not {"A": "1"}
    a.call("PUT", f"/orgs/{org}/services/{svc['id']}/secrets/TOKEN", {"value": "x"})
    deploy(a, ports, org, svc["id"])
    assert a.call("GET", f"/orgs/{org}/services/{svc['id']}")[1]["needs_deploy"] is False
    a.call("PUT", f"/orgs/{org}/services/{svc['id']}/secrets/TOKEN", {"value": "y"})
    assert a.call("GET", f"/orgs/{org}/services/{svc['id']}")[1]["needs_deploy"] is True


def test_step_times_are_true(api, ports):
    a, org, _, svc = setup(api, env={"LAUNCHBAY_SANDBOX_DELAY": "1.5"})
    t0 = time.time()
    dep = deploy(a, ports, org, svc["id"])
    rollout = next(s for s in dep["steps"] if s["name"] == "rollout")
    assert 1500 <= rollout["ms"] <= (time.time() - t0) * 1000 + 50
    _, logs = a.call("GET", f"/orgs/{org}/deployments/{dep['id']}/logs?limit=1000")
    done = next(line["message"] for line in logs["lines"] if line["message"].startswith("rollout: done"))
    assert int(done.split("done in ")[1].split(" ms")[0]) >= 1500


def test_plan_shows_what_the_next_deploy_would_do_without_touching_aws(api, ports, launchbay_env):
    a, org, _, svc = setup(api, env={"A": "1"})
    a.call("PUT", f"/orgs/{org}/services/{svc['id']}/secrets/TOKEN", {"value": "plan-secret-value"})
    status, first = a.call("GET", f"/orgs/{org}/services/{svc['id']}/plan")
    assert status == 200, first
    by_step = {s["step"]: s for s in first["steps"]}
    for step in ("log_group", "task_definition", "target_group", "listener_rule", "service"):
        assert by_step[step]["action"] == "create", (step, by_step[step])
    assert by_step["secrets"]["changes"] == {"added": ["TOKEN"]}
    assert by_step["rollout"]["action"] == "wait" and first["sandbox"] is True
    assert "plan-secret-value" not in str(first)
    ecs = boto3.client("ecs", endpoint_url=launchbay_env["AWS_ENDPOINT_URL"], region_name="us-east-1",
                       aws_access_key_id="testing", aws_secret_access_key="testing")
    clusters = ecs.describe_clusters(clusters=[f"{launchbay_env['LAUNCHBAY_CLUSTER']}-{org.split('_', 1)[1]}"])["clusters"]
    assert not [c for c in clusters if c["status"] == "ACTIVE"]                # the plan created nothing
    logs = boto3.client("logs", endpoint_url=launchbay_env["AWS_ENDPOINT_URL"], region_name="us-east-1",
                        aws_access_key_id="testing", aws_secret_access_key="testing")
    group = naming.of_service(ports.store.collection("services").get(svc["id"])).log_group
    assert not logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"]
    dep = deploy(a, ports, org, svc["id"])
    assert dep["status"] == "live"
    recorded = {s["name"]: s.get("plan") for s in dep["steps"]}
    assert recorded["target_group"]["action"] == "create" and recorded["rollout"] is None
    # after the deploy: nothing to do but the rollout
    _, same = a.call("GET", f"/orgs/{org}/services/{svc['id']}/plan")
    actions = {s["step"]: s["action"] for s in same["steps"]}
    assert {actions[s] for s in ("log_group", "secrets", "task_definition", "target_group", "listener_rule")} == {"no-op"}
    # a change shows field by field, env values never
    a.call("PATCH", f"/orgs/{org}/services/{svc['id']}",
           {"env": {"A": "2", "B": "x"}, "memory": 1024, "health_check": {"path": "/healthz"}})
    _, changed = a.call("GET", f"/orgs/{org}/services/{svc['id']}/plan")
    steps_ = {s["step"]: s for s in changed["steps"]}
    td = steps_["task_definition"]
    assert td["action"] == "update" and td["changes"]["memory"] == [512, 1024]   # a new revision
    assert td["changes"]["env"] == {"added": ["B"], "removed": [], "changed": ["A"]}
    assert steps_["target_group"]["action"] == "update" and "health" in steps_["target_group"]["changes"]
    assert steps_["service"]["action"] == "update" and "task_definition" in steps_["service"]["changes"]
    again = deploy(a, ports, org, svc["id"])
    logs = a.call("GET", f"/orgs/{org}/deployments/{again['id']}/logs?limit=1000")[1]["lines"]
    assert any("; updated target group (health)" in line["message"] for line in logs)
    assert a.call("GET", f"/orgs/{org}/services/{svc['id']}/plan", token="")[0] == 401


def test_the_plan_shows_every_task_definition_change_when_a_secret_changes_too(api, ports):
    """A rotated secret made the task definition step say only "new secret versions (known after
    apply)": the cpu, memory and variables changed in the same deploy were not shown."""
    a, org, _, svc = setup(api, env={"A": "1"})
    a.call("PUT", f"/orgs/{org}/services/{svc['id']}/secrets/TOKEN", {"value": "first-value"})
    deploy(a, ports, org, svc["id"])
    a.call("PUT", f"/orgs/{org}/services/{svc['id']}/secrets/TOKEN", {"value": "rotated-value"})
    a.call("PUT", f"/orgs/{org}/services/{svc['id']}/secrets/STRIPE_KEY", {"value": "sk-value"})
    a.call("PATCH", f"/orgs/{org}/services/{svc['id']}", {"cpu": 512, "memory": 1024, "env": {"A": "2"}})
    _, plan = a.call("GET", f"/orgs/{org}/services/{svc['id']}/plan")
    td = next(s for s in plan["steps"] if s["step"] == "task_definition")
    assert td["action"] == "update", td
    assert td["changes"]["cpu"] == [256, 512] and td["changes"]["memory"] == [512, 1024]
    assert td["changes"]["env"] == {"added": [], "removed": [], "changed": ["A"]}
    assert td["changes"]["secrets"] == {"added": ["STRIPE_KEY"], "removed": [], "changed": ["TOKEN"]}
    assert "rotated-value" not in str(plan) and "sk-value" not in str(plan)
    dep = deploy(a, ports, org, svc["id"])      # what the plan said is what the deploy did
    assert dep["status"] == "live", dep


def test_the_last_error_names_its_deployment_and_clears_once_a_later_one_is_live(api, ports):
    from chalicelib import lifecycle

    a, org, _, svc = setup(api)
    path = f"/orgs/{org}/services/{svc['id']}"
    good = deploy(a, ports, org, svc["id"])
    a.call("PATCH", path, {"env": {"LAUNCHBAY_SANDBOX_FAIL": "health"}})
    bad = deploy(a, ports, org, svc["id"])
    assert bad["status"] == "rolled_back"
    shown = a.call("GET", path)[1]
    # live again on #1, with #2's reason: said to be #2's, not the live release's
    assert shown["status"] == "live" and shown["live_deployment_id"] == good["id"]
    assert shown["last_error"] == bad["error"]
    assert shown["last_error_deployment"] == {"deployment_id": bad["id"], "number": bad["number"]}
    a.call("PATCH", path, {"env": {}})
    fixed = deploy(a, ports, org, svc["id"])
    assert fixed["status"] == "live"
    shown = a.call("GET", path)[1]
    assert shown["last_error"] is None and shown["last_error_deployment"] is None

    # A deployment claimed and then stuck (its worker gone) fails late, after a later one went live:
    # that failure is on the deployment; the service keeps serving #4 with no error.
    _, stuck = a.call("POST", f"{path}/deployments")
    stuck = lifecycle.move(ports, ports.store.collection("deployments").get(stuck["id"]), "provisioning", "claimed")
    later = deploy(a, ports, org, svc["id"])
    assert later["status"] == "live" and later["number"] > stuck["number"]
    failed = lifecycle.fail(ports, stuck, "no progress before the deadline", touched_runtime=False)
    assert failed["status"] == "failed"
    shown = a.call("GET", path)[1]
    assert shown["status"] == "live" and shown["live_deployment_id"] == later["id"]
    assert shown["last_error"] is None and shown["last_error_deployment"] is None
