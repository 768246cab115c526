"""POST …/services/{svc}/suspend and …/resume against the moto sandbox: 0 tasks with autoscaling
held at 0..0 (web, worker) or the schedule disabled (cron), a 503 from the load balancer, and
a resume (a deployment of the live release) that puts it all back from the release's settings."""
from __future__ import annotations

import boto3

from chalicelib.deploys import suspend, watch
from chalicelib.observe import alerts
from tests.api.conftest import Api, signup
from tests.deploys.test_deploy_engine_api import deploy, ecs, setup_service
from tests.support.deploying import run_to_end


def _client(launchbay_env, name):
    return boto3.client(name, endpoint_url=launchbay_env["AWS_ENDPOINT_URL"], region_name="us-east-1",
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def _ecs_service(launchbay_env, dep):
    arn = next(s["result"]["arn"] for s in dep["steps"] if s["name"] == "service")
    return ecs(launchbay_env).describe_services(cluster=dep["target"]["cluster"], services=[arn])["services"][0]


def _scalable(launchbay_env, dep):
    svc = _ecs_service(launchbay_env, dep)
    resource = f"service/{dep['target']['cluster']}/{svc['serviceName']}"
    found = _client(launchbay_env, "application-autoscaling").describe_scalable_targets(
        ServiceNamespace="ecs", ResourceIds=[resource])["ScalableTargets"]
    return (found[0]["MinCapacity"], found[0]["MaxCapacity"]) if found else None


def _rule_actions(launchbay_env, dep):
    rule = next(s["result"]["arn"] for s in dep["steps"] if s["name"] == "listener_rule")
    return _client(launchbay_env, "elbv2").describe_rules(RuleArns=[rule])["Rules"][0]["Actions"]


def _audit(a, org):
    _, page = a.call("GET", f"/orgs/{org}/audit?limit=200")
    return [e["action"] for e in page["items"]]


def test_suspend_then_resume_a_web_service_with_autoscaling(api, ports, launchbay_env):
    a, org, svc = setup_service(api, min_instances=2, max_instances=4, env={"MODE": "one"})
    first = deploy(a, ports, org, svc["id"])
    assert first["status"] == "live" and _ecs_service(launchbay_env, first)["desiredCount"] == 2
    assert _scalable(launchbay_env, first) == (2, 4)
    path = f"/orgs/{org}/services/{svc['id']}"

    status, doc = a.call("POST", path + "/suspend", headers={"Idempotency-Key": "weekend"})
    assert status == 202 and doc["status"] == "suspending", doc
    assert doc["suspended"]["by"] and "key" not in doc["suspended"]
    assert suspend.run(ports, svc["id"]).startswith("suspended: scaled to 0 tasks")
    assert suspend.run(ports, svc["id"]) == "not suspending (suspended)"   # a redelivery does nothing
    assert _ecs_service(launchbay_env, first)["desiredCount"] == 0
    assert _scalable(launchbay_env, first) == (0, 0)                        # autoscaling starts none again
    assert _rule_actions(launchbay_env, first)[0]["FixedResponseConfig"] == {
        "StatusCode": "503", "ContentType": "text/plain", "MessageBody": "service suspended"}
    _, service = a.call("GET", path)
    assert service["status"] == "suspended" and service["suspended"]["at"] and service["health"] is None
    # a retried request gets the same answer; another is refused
    status, again = a.call("POST", path + "/suspend", headers={"Idempotency-Key": "weekend"})
    assert status == 200 and again["status"] == "suspended"
    status, err = a.call("POST", path + "/suspend")
    assert status == 409 and err["error"]["field"] == "status" and "already suspended" in err["error"]["message"]
    # deploys wait for the resume; the watchers leave it alone
    for verb, body in (("deployments", {}), ("restart", None)):
        status, err = a.call("POST", f"{path}/{verb}", body)
        assert status == 409 and "resume it first" in err["error"]["message"], (verb, err)
    assert watch.health_watch(ports)["degraded"] == 0 and watch.detect_drift(ports)["checked"] == 0
    _, cost = a.call("GET", path + "/cost")
    compute = [x for x in cost["lines"] if x["item"].startswith("Fargate")]
    assert compute and all(x["monthly"] == 0 and x["monthly_max"] == 0 for x in compute)
    assert any("suspended" in x for x in cost["assumptions"])

    status, dep = a.call("POST", path + "/resume", headers={"Idempotency-Key": "monday"})
    assert status == 202 and dep["resume_of"] == first["id"], dep
    done = run_to_end(ports, dep["id"])
    assert done["status"] == "live", done.get("error")
    assert done["task_definition"] == first["task_definition"]
    steps = {s["name"]: s for s in done["steps"]}
    assert steps["service"]["plan"]["changes"]["tasks"] == ["0 (suspended)", "2 running"]
    assert steps["listener_rule"]["plan"]["action"] == "update"
    assert _ecs_service(launchbay_env, first)["desiredCount"] == 2
    assert _scalable(launchbay_env, first) == (2, 4)
    assert _rule_actions(launchbay_env, first)[0]["Type"] == "forward"
    _, service = a.call("GET", path)
    assert service["status"] == "live" and service["suspended"] is None and service["live_deployment_id"] == done["id"]
    status, same = a.call("POST", path + "/resume", headers={"Idempotency-Key": "monday"})
    assert status == 200 and same["id"] == dep["id"]
    status, err = a.call("POST", path + "/resume")
    assert status == 409 and "is not suspended (live)" in err["error"]["message"]
    events = _audit(a, org)
    assert {"service.suspend", "service.suspended", "service.resumed"} <= set(events)


def test_suspend_a_cron_service_disables_its_schedule_and_its_runs(api, ports, launchbay_env):
    a, org, svc = setup_service(api, name="tick", kind="cron", schedule="rate(1 hour)", port=None)
    first = deploy(a, ports, org, svc["id"])
    assert first["status"] == "live", first.get("error")
    rule = next(s["result"]["rule_arn"] for s in first["steps"] if s["name"] == "schedule").rsplit("/", 1)[-1]
    events = _client(launchbay_env, "events")
    path = f"/orgs/{org}/services/{svc['id']}"
    assert a.call("POST", path + "/suspend")[0] == 202
    assert "schedule" in suspend.run(ports, svc["id"])
    assert events.describe_rule(Name=rule)["State"] == "DISABLED"
    status, err = a.call("POST", path + "/runs")
    assert status == 409 and "resume it first" in err["error"]["message"]
    status, dep = a.call("POST", path + "/resume")
    assert status == 202
    assert run_to_end(ports, dep["id"])["status"] == "live"
    assert events.describe_rule(Name=rule)["State"] == "ENABLED"
    assert a.call("POST", path + "/runs")[0] == 202


def test_suspend_and_resume_are_refused_when_they_make_no_sense(api, ports):
    a, org, svc = setup_service(api)
    path = f"/orgs/{org}/services/{svc['id']}"
    status, err = a.call("POST", path + "/suspend")
    assert status == 409 and err["error"]["field"] == "service" and "deploy it first" in err["error"]["message"]
    status, err = a.call("POST", path + "/resume")
    assert status == 409 and err["error"]["field"] == "status"
    deploy(a, ports, org, svc["id"])
    status, queued = a.call("POST", path + "/deployments", {})
    status, err = a.call("POST", path + "/suspend")
    assert status == 409 and "deployment #2 is queued" in err["error"]["message"]
    run_to_end(ports, queued["id"])
    status, err = a.call("POST", path + "/suspend", headers={"Idempotency-Key": "k" * 201})
    assert status == 422 and err["error"]["field"] == "Idempotency-Key"
    # still suspending (the worker has not run): resume waits for it
    assert a.call("POST", path + "/suspend")[0] == 202
    status, err = a.call("POST", path + "/resume")
    assert status == 409 and "still being suspended" in err["error"]["message"]
    # another organization sees no such service
    other = signup(api)
    b = Api(api.client, other["token"])
    for verb in ("suspend", "resume"):
        assert b.call("POST", f"/orgs/{other['organization']['id']}/services/{svc['id']}/{verb}")[0] == 404
        assert b.call("POST", f"{path}/{verb}")[0] in (403, 404)


def test_open_alerts_resolve_and_a_lost_task_is_queued_again(api, ports):
    a, org, svc = setup_service(api)
    deploy(a, ports, org, svc["id"])
    service = ports.store.collection("services").get(svc["id"])
    rule = next(r for r in alerts.rules_of(ports, service) if r["metric"] == "http_5xx_rate")
    assert alerts.apply(ports, service, rule, 50.0) == "opened"
    assert a.call("POST", f"/orgs/{org}/services/{svc['id']}/suspend")[0] == 202
    # the task was lost (no worker ran it): beat queues it again once it has stopped moving
    import time

    assert suspend.requeue_stalled(ports, now=time.time()) == 0
    assert suspend.requeue_stalled(ports, now=time.time() + suspend.STALE_SECONDS + 1) == 1
    suspend.run(ports, svc["id"])
    _, page = a.call("GET", f"/orgs/{org}/services/{svc['id']}/alerts")
    assert [(x["status"], x.get("resolved_reason")) for x in page["items"]] == \
        [("resolved", "the service was suspended")]
    assert alerts.evaluate_all(ports)["services"] == 0   # a suspended service is not evaluated
