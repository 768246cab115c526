"""POST …/services/{svc}/restart: every task of the live release replaced by a fresh one (ECS
forceNewDeployment), as a deployment that is rolled out and health-checked like any other, in
the moto sandbox."""
from __future__ import annotations

from tests.deploys.test_deploy_engine_api import deploy, ecs, setup_service
from tests.support.deploying import run_to_end


def _ecs_deployment(launchbay_env, dep: dict) -> dict:
    arn = next(s["result"]["arn"] for s in dep["steps"] if s["name"] == "service")
    svc = ecs(launchbay_env).describe_services(cluster=dep["target"]["cluster"], services=[arn])["services"][0]
    return svc["deployments"][0]


def test_restart_replaces_the_tasks_of_the_live_release_and_changes_nothing_else(api, ports, launchbay_env):
    a, org, svc = setup_service(api, env={"MODE": "one"}, release_command=["python", "manage.py", "migrate"])
    a.call("PUT", f"/orgs/{org}/services/{svc['id']}/secrets/TOKEN", {"value": "v1"})
    first = deploy(a, ports, org, svc["id"])
    assert first["status"] == "live"
    before = _ecs_deployment(launchbay_env, first)
    # changed since: the restart runs the release as it is, not these (a deploy applies them)
    a.call("PATCH", f"/orgs/{org}/services/{svc['id']}", {"env": {"MODE": "two"}})
    a.call("PUT", f"/orgs/{org}/services/{svc['id']}/secrets/TOKEN", {"value": "v2"})

    status, queued = a.call("POST", f"/orgs/{org}/services/{svc['id']}/restart")
    assert status == 202, queued
    assert queued["restart_of"] == first["id"] and queued["restart_of_number"] == 1 and queued["rollback_of"] is None
    done = run_to_end(ports, queued["id"])
    assert done["status"] == "live", done.get("error")
    assert done["task_definition"] == first["task_definition"]            # the same release
    assert done["image"] == first["image"] and done["spec"]["env"]["MODE"] == "one"
    assert done["secret_refs"]["TOKEN"] == first["secret_refs"]["TOKEN"]
    steps = {s["name"]: s for s in done["steps"]}
    assert steps["service"]["plan"]["action"] == "update"
    assert steps["service"]["plan"]["changes"]["tasks"] == ["running", "replaced by new ones"]
    assert steps["release.start"]["result"] == {"skipped": "a restart does not run the release command again"}
    assert {n: s["plan"]["action"] for n, s in steps.items() if n in ("task_definition", "load_balancer", "secrets")} \
        == {"task_definition": "no-op", "load_balancer": "no-op", "secrets": "no-op"}
    after = _ecs_deployment(launchbay_env, done)
    assert after["id"] != before["id"] and after["createdAt"] > before["createdAt"]   # ECS started new tasks
    _, service = a.call("GET", f"/orgs/{org}/services/{svc['id']}")
    assert service["live_deployment_id"] == done["id"] and service["status"] == "live"
    _, log = a.call("GET", f"/orgs/{org}/deployments/{done['id']}/logs")
    assert any("restart of release #1" in line["message"] for line in log["lines"]), log
    # a retried request (same Idempotency-Key) gets the first answer, not a second restart
    status, again = a.call("POST", f"/orgs/{org}/services/{svc['id']}/restart", headers={"Idempotency-Key": "k1"})
    assert status == 202, again
    run_to_end(ports, again["id"])
    status, same = a.call("POST", f"/orgs/{org}/services/{svc['id']}/restart", headers={"Idempotency-Key": "k1"})
    assert status == 200 and same["id"] == again["id"]


def test_restart_is_refused_with_the_reason(api, ports):
    a, org, svc = setup_service(api)
    status, err = a.call("POST", f"/orgs/{org}/services/{svc['id']}/restart")
    assert status == 409 and err["error"]["field"] == "service" and "deploy it first" in err["error"]["message"]
    deploy(a, ports, org, svc["id"])
    status, queued = a.call("POST", f"/orgs/{org}/services/{svc['id']}/deployments", {})
    assert status == 202
    status, err = a.call("POST", f"/orgs/{org}/services/{svc['id']}/restart")
    assert status == 409 and err["error"]["field"] == "status"
    assert "deployment #2 is queued: it replaces the tasks anyway" in err["error"]["message"]
    run_to_end(ports, queued["id"])
    _, prj = a.call("GET", f"/orgs/{org}/services/{svc['id']}")
    status, cron = a.call("POST", f"/orgs/{org}/projects/{prj['project_id']}/services",
                          {"name": "tick", "kind": "cron", "image": "busybox", "schedule": "rate(1 hour)"})
    assert status == 201, cron
    status, err = a.call("POST", f"/orgs/{org}/services/{cron['id']}/restart")
    assert status == 409 and "cron service starts a new task for every run" in err["error"]["message"]
