"""Canary releases (deploys/canary.py): a new release first answers a share of the traffic from
its own ECS service and target group, is watched on the load balancer's counts, then rolls out
or rolls back. Driven in-process against the moto sandbox; the watch's minutes pass by moving
its start back in the stored deployment (the sandbox then reports those minutes' counts)."""
from __future__ import annotations

import time

import boto3
import pytest

from chalicelib.core.ids import iso_from_epoch
from chalicelib.deploys import engine
from chalicelib.lifecycle import states

CANARY = {"percent": 20, "minutes": 3, "max_5xx_percent": 5}


def aws(launchbay_env, name):
    return boto3.client(name, endpoint_url=launchbay_env["AWS_ENDPOINT_URL"], region_name="us-east-1",
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def step(dep, name):
    return next(s for s in dep["steps"] if s["name"] == name)


def until_watching(ports, dep_id, timeout=60.0):
    """Run the engine until the canary's watch has begun -> (deployment, owner, seq)."""
    owner, seq, deadline = None, 0, time.time() + timeout
    while time.time() < deadline:
        out = engine.run(ports, dep_id, owner, seq)
        dep = ports.store.collection("deployments").get(dep_id)
        if states.settled(dep):
            raise AssertionError(f"settled as {dep['status']}: {dep.get('error')}")
        if any(s["name"] == "canary.analysis" for s in dep["steps"]):
            return dep, out.owner, out.seq
        owner, seq = out.owner, out.seq
        time.sleep(min(out.countdown, 0.2))
    raise AssertionError("the canary's watch never began")


def pass_minutes(ports, dep, minutes):
    """The watch began `minutes` ago, as far as the deployment's record goes."""
    steps = [dict(s) for s in dep["steps"]]
    entry = next(s for s in steps if s["name"] == "canary.analysis")
    entry["started_ts"] -= minutes * 60
    # nothing counted yet: the sandbox reports each of those minutes at the next look
    ports.store.collection("deployments").update(dep["id"], {"steps": steps, "canary_watch": None})


def continue_to_end(ports, dep_id, owner, seq, timeout=60.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        out = engine.run(ports, dep_id, owner, seq)
        dep = ports.store.collection("deployments").get(dep_id)
        if states.settled(dep):
            return dep
        owner, seq = out.owner, out.seq
        time.sleep(min(out.countdown, 0.2))
    raise AssertionError("did not settle")


def rule_actions(launchbay_env, dep):
    elb = aws(launchbay_env, "elbv2")
    arn = step(dep, "listener_rule")["result"]["arn"]
    return elb.describe_rules(RuleArns=[arn])["Rules"][0]["Actions"]


def ecs_services(launchbay_env, dep):
    cluster = (dep.get("target") or {}).get("cluster") or "launchbay"
    ecs = aws(launchbay_env, "ecs")
    arns = [a for page in ecs.get_paginator("list_services").paginate(cluster=cluster) for a in page["serviceArns"]]
    found = [s for i in range(0, len(arns), 10)   # at most 10 a call
             for s in ecs.describe_services(cluster=cluster, services=arns[i:i + 10])["services"]]
    return {s["serviceName"]: s for s in found if s["status"] == "ACTIVE"}


def test_a_healthy_canary_takes_its_share_then_the_release_rolls_out_and_the_canary_goes(make_org, ports, launchbay_env):
    org = make_org()
    svc = org.service(canary=CANARY, min_instances=4, max_instances=4)
    assert svc["canary"] == {**CANARY, "max_p95_ms": None, "ramp": [], "baseline": False}
    first = org.deploy(ports, svc)
    assert first["status"] == "live" and first["canary"] is None      # a first release takes all traffic
    assert not any(s["name"].startswith("canary.") for s in first["steps"])

    status, queued = org.call("POST", f"/services/{svc['id']}/deployments", {"image": "nginx:1.28"})
    assert status == 202 and queued["canary"]["state"] == "waiting" and queued["canary"]["tasks"] == 1
    dep, owner, seq = until_watching(ports, queued["id"])
    # while watched: a second ECS service runs the new task definition beside the old release,
    # and the rule sends 20 % of the requests to its target group
    running = ecs_services(launchbay_env, dep)
    canary_name = step(dep, "canary.service")["plan"]["name"]
    assert canary_name.endswith("-canary") and running[canary_name]["taskDefinition"] == dep["task_definition"]
    main_name = step(first, "service")["plan"]["name"]
    assert running[main_name]["taskDefinition"] == first["task_definition"]
    weights = {g["TargetGroupArn"]: g["Weight"] for g in rule_actions(launchbay_env, dep)[0]["ForwardConfig"]["TargetGroups"]}
    assert weights == {step(dep, "target_group")["result"]["arn"]: 80, step(dep, "canary.target_group")["result"]["arn"]: 20}
    _, shown = org.call("GET", f"/deployments/{dep['id']}")
    assert shown["status"] == "deploying" and shown["canary"]["state"] == "watching"

    pass_minutes(ports, dep, 4)
    done = continue_to_end(ports, dep["id"], owner, seq)
    assert done["status"] == "live", done.get("error")
    watch = step(done, "canary.analysis")["result"]
    assert watch["state"] == "passed" and watch["requests"] >= 20 and watch["http_5xx"] == 0
    names = [s["name"] for s in done["steps"]]
    # its target group joins the rules (at weight 0) before ECS is given it: ECS refuses a group no load balancer uses
    assert names.index("canary.target_group") < names.index("canary.attach") < names.index("canary.service")
    assert step(done, "canary.attach")["plan"]["calls"][0]["args"]["canary"]["percent"] == 0
    assert names.index("canary.analysis") < names.index("service") < names.index("rollout") < names.index("canary.retire")
    # afterwards: one service on the new release, the rule forwards to its own target group alone
    running = ecs_services(launchbay_env, done)
    assert canary_name not in running and running[main_name]["taskDefinition"] == done["task_definition"]
    assert rule_actions(launchbay_env, done) == [{"Type": "forward", "TargetGroupArn": step(done, "target_group")["result"]["arn"]}] \
        or rule_actions(launchbay_env, done)[0].get("TargetGroupArn") == step(done, "target_group")["result"]["arn"]
    _, shown = org.call("GET", f"/deployments/{done['id']}")
    assert shown["canary"]["state"] == "passed" and shown["canary"]["retired"] is True
    assert shown["canary"]["requests"] == watch["requests"] and "canary_watch" not in shown


def test_a_canary_answering_5xx_rolls_back_before_the_rest_of_the_traffic_sees_it(make_org, ports, launchbay_env):
    org = make_org()
    svc = org.service(canary=CANARY)
    first = org.deploy(ports, svc)
    status, _ = org.call("PATCH", f"/services/{svc['id']}", {"image": "nginx:1.28", "env": {"LAUNCHBAY_SANDBOX_FAIL": "errors"}})
    assert status == 200
    queued = org.queue_deployment(svc)
    dep, owner, seq = until_watching(ports, queued["id"])
    pass_minutes(ports, dep, 3)
    done = continue_to_end(ports, dep["id"], owner, seq)
    assert done["status"] == "rolled_back", (done["status"], done.get("error"))
    assert "the canary answered" in done["error"] and "5xx" in done["error"]
    names = [s["name"] for s in done["steps"]]
    assert "service" not in names                      # the service itself never ran the new release
    assert names[-2:] == ["rollback.service", "rollback.rollout"] and "rollback.canary" in names
    running = ecs_services(launchbay_env, done)
    assert step(done, "canary.service")["plan"]["name"] not in running
    assert running[step(first, "service")["plan"]["name"]]["taskDefinition"] == first["task_definition"]
    assert rule_actions(launchbay_env, done)[0].get("TargetGroupArn") == step(first, "target_group")["result"]["arn"]
    _, shown = org.call("GET", f"/deployments/{done['id']}")
    assert shown["canary"]["state"] == "failed" and shown["canary"]["retired"] is True
    assert shown["canary"]["http_5xx"] > 0
    _, service = org.call("GET", f"/services/{svc['id']}")
    assert service["live_deployment_id"] == first["id"]


def test_proceed_ends_the_watch_at_once_and_is_refused_without_a_watch(make_org, ports, launchbay_env):
    org = make_org()
    svc = org.service(canary={"percent": 10, "minutes": 30})
    first = org.deploy(ports, svc)
    status, body = org.call("POST", f"/deployments/{first['id']}/proceed")
    assert status == 409 and body["error"]["field"] == "deployment" and "has no canary" in body["error"]["message"]
    queued = org.queue_deployment(svc, image="nginx:1.28")
    dep, owner, seq = until_watching(ports, queued["id"])
    status, body = org.call("POST", f"/deployments/{dep['id']}/proceed")
    assert status == 200 and body["canary"]["proceed"]["by"]
    status, again = org.call("POST", f"/deployments/{dep['id']}/proceed")
    assert status == 409 and "already proceeding" in again["error"]["message"]
    done = continue_to_end(ports, dep["id"], owner, seq)
    assert done["status"] == "live"
    assert step(done, "canary.analysis")["result"]["state"] == "proceeded"
    status, late = org.call("POST", f"/deployments/{done['id']}/proceed")
    assert status == 409


@pytest.mark.parametrize("kind", ["worker", "cron"])
def test_only_web_services_take_a_canary(make_org, kind):
    org = make_org()
    extra = {"schedule": "rate(1 hour)"} if kind == "cron" else {}
    status, body = org.call("POST", f"/projects/{org.project('p')['id']}/services",
                            {"name": "w", "kind": kind, "image": "nginx:1.27", "canary": CANARY, **extra})
    assert status == 422 and body["error"]["field"] == "canary"


def test_canary_settings_are_checked_and_a_patch_changes_the_fields_it_names(make_org):
    org = make_org()
    svc = org.service()
    status, body = org.call("PATCH", f"/services/{svc['id']}", {"canary": {"percent": 80}})
    assert status == 422 and body["error"]["field"].startswith("canary")
    status, body = org.call("PATCH", f"/services/{svc['id']}", {"canary": {"percent": 25}})
    assert status == 200 and body["canary"] == {"percent": 25, "minutes": 5, "max_5xx_percent": 2.0, "max_p95_ms": None, "ramp": [], "baseline": False}
    status, body = org.call("PATCH", f"/services/{svc['id']}", {"canary": {"minutes": 10}})
    assert body["canary"] == {"percent": 25, "minutes": 10, "max_5xx_percent": 2.0, "max_p95_ms": None, "ramp": [], "baseline": False}
    status, body = org.call("PATCH", f"/services/{svc['id']}", {"canary": None})
    assert status == 200 and body["canary"] is None


def test_the_plan_of_the_next_deploy_shows_the_canary_and_a_first_release_does_not(make_org, ports):
    org = make_org()
    svc = org.service(canary=CANARY)
    status, plan = org.call("GET", f"/services/{svc['id']}/plan")
    assert status == 200 and not any(s["step"].startswith("canary.") for s in plan["steps"])
    org.deploy(ports, svc)
    status, plan = org.call("GET", f"/services/{svc['id']}/plan")
    assert status == 200, plan
    names = [s["step"] for s in plan["steps"]]
    assert names.index("canary.traffic") < names.index("canary.analysis") < names.index("service") < names.index("canary.retire")
    watch = next(s for s in plan["steps"] if s["step"] == "canary.analysis")
    assert watch["action"] == "wait" and "20 % of the requests" in watch["description"] and "3 min" in watch["description"]
    made = next(s for s in plan["steps"] if s["step"] == "canary.service")
    assert made["action"] == "create" and made["calls"][0]["args"]["desired_count"] == 1
    shared = next(s for s in plan["steps"] if s["step"] == "canary.traffic")   # its group is made only then
    assert [new for _, new in shared["changes"].values()] == ["20 % to the canary"]
    # a ramp's stages say their shares too
    assert org.call("PATCH", f"/services/{svc['id']}", {"canary": {"ramp": [40]}})[0] == 200
    plan = org.call("GET", f"/services/{svc['id']}/plan")[1]
    stage = next(s for s in plan["steps"] if s["step"] == "canary.traffic@40")
    assert [new for _, new in stage["changes"].values()] == ["40 % to the canary"]


def test_deleting_a_service_mid_canary_removes_the_canary_too(make_org, ports, launchbay_env):
    from chalicelib.deploys import teardown

    org = make_org()
    svc = org.service(canary=CANARY)
    org.deploy(ports, svc)
    dep, _, _ = until_watching(ports, org.queue_deployment(svc, image="nginx:1.28")["id"])
    canary_name = step(dep, "canary.service")["plan"]["name"]
    canary_tg = step(dep, "canary.target_group")["result"]["arn"]
    assert canary_name in ecs_services(launchbay_env, dep)
    status, _ = org.call("DELETE", f"/services/{svc['id']}")
    assert status in (200, 202)
    assert teardown.run(ports, svc["id"]) == "deleted"
    assert canary_name not in ecs_services(launchbay_env, dep)
    groups = [g for page in aws(launchbay_env, "elbv2").get_paginator("describe_target_groups").paginate()
              for g in page["TargetGroups"]]
    assert canary_tg not in [g["TargetGroupArn"] for g in groups]
    assert step(dep, "target_group")["result"]["arn"] not in [g["TargetGroupArn"] for g in groups]


def test_no_canary_for_a_first_release_a_rerun_a_worker_or_a_preview():
    from chalicelib.deploys.canary import for_new_release

    web = {"kind": "web", "canary": {"percent": 20}, "live_deployment_id": "dep_1"}
    assert for_new_release(web, False, {}) == {"percent": 20, "minutes": 5, "max_5xx_percent": 2.0, "max_p95_ms": None, "ramp": [], "baseline": False}
    assert for_new_release({**web, "live_deployment_id": None}, False, {}) is None     # a first release
    assert for_new_release(web, True, {}) is None                                       # rollback, restart, resume
    assert for_new_release({**web, "kind": "worker"}, False, {}) is None
    assert for_new_release(web, False, {"preview": {"pr": 2}}) is None                 # a pull request's own traffic


def test_a_newer_release_takes_over_a_watched_canary_and_a_rollback_removes_it(make_org, ports, launchbay_env):
    org = make_org()
    svc = org.service(canary={"percent": 10, "minutes": 30})
    first = org.deploy(ports, svc)
    second, owner, seq = until_watching(ports, org.queue_deployment(svc, image="nginx:1.28")["id"])
    canary_name = step(second, "canary.service")["plan"]["name"]
    third = org.queue_deployment(svc, image="nginx:1.29")          # a fix pushed during the watch
    stopped = continue_to_end(ports, second["id"], owner, seq)
    assert stopped["status"] == "superseded", stopped["reason"]
    assert "deployment #3 took over" in stopped["reason"] and "its canary was removed" in stopped["reason"]
    assert "rollback" not in stopped["reason"]
    assert canary_name not in ecs_services(launchbay_env, second)
    assert rule_actions(launchbay_env, second)[0].get("TargetGroupArn") == step(first, "target_group")["result"]["arn"]
    third, owner, seq = until_watching(ports, third["id"])          # its own canary, on its own release
    assert ecs_services(launchbay_env, third)[canary_name]["taskDefinition"] == third["task_definition"]

    status, rollback = org.call("POST", f"/services/{svc['id']}/rollback", {"deployment_id": first["id"]})
    assert status == 202, rollback
    over = continue_to_end(ports, third["id"], owner, seq)
    assert over["status"] == "superseded" and "rollback deployment" in over["reason"], over["reason"]
    from tests.support.deploying import run_to_end

    assert run_to_end(ports, rollback["id"])["status"] == "live"
    assert canary_name not in ecs_services(launchbay_env, third)
    actions = rule_actions(launchbay_env, third)
    assert actions[0].get("TargetGroupArn") == step(first, "target_group")["result"]["arn"]


def test_a_canary_answering_too_slowly_rolls_back_when_latency_is_judged(make_org, ports, launchbay_env):
    org = make_org()
    svc = org.service(canary={**CANARY, "max_p95_ms": 500})
    org.deploy(ports, svc)
    status, _ = org.call("PATCH", f"/services/{svc['id']}", {"image": "nginx:1.28", "env": {"LAUNCHBAY_SANDBOX_FAIL": "slow"}})
    assert status == 200
    dep, owner, seq = until_watching(ports, org.queue_deployment(svc)["id"])
    pass_minutes(ports, dep, 3)
    done = continue_to_end(ports, dep["id"], owner, seq)
    assert done["status"] == "rolled_back", (done["status"], done.get("error"))
    assert "95th percentile response time was" in done["error"] and "at most 500 ms" in done["error"]
    _, shown = org.call("GET", f"/deployments/{done['id']}")
    assert shown["canary"]["p95_ms"] > 500 and shown["canary"]["http_5xx"] == 0


def test_a_healthy_canary_passes_its_latency_limit(make_org, ports, launchbay_env):
    org = make_org()
    svc = org.service(canary={**CANARY, "max_p95_ms": 500})
    org.deploy(ports, svc)
    dep, owner, seq = until_watching(ports, org.queue_deployment(svc, image="nginx:1.28")["id"])
    pass_minutes(ports, dep, 4)
    done = continue_to_end(ports, dep["id"], owner, seq)
    assert done["status"] == "live", done.get("error")
    watch = step(done, "canary.analysis")["result"]
    assert watch["state"] == "passed" and 50 <= watch["p95_ms"] <= 500


def test_cancel_during_the_watch_rolls_back_and_removes_the_canary(make_org, ports, launchbay_env):
    org = make_org()
    svc = org.service(canary={"percent": 10, "minutes": 30})
    first = org.deploy(ports, svc)
    dep, owner, seq = until_watching(ports, org.queue_deployment(svc, image="nginx:1.28")["id"])
    canary_name = step(dep, "canary.service")["plan"]["name"]
    status, asked = org.call("POST", f"/deployments/{dep['id']}/cancel")
    assert status == 200 and asked["cancel_requested"]
    done = continue_to_end(ports, dep["id"], owner, seq)
    assert done["status"] == "rolled_back" and "cancelled by" in done["error"], (done["status"], done.get("error"))
    assert [s["name"] for s in done["steps"]][-3:] == ["rollback.canary", "rollback.service", "rollback.rollout"]
    assert canary_name not in ecs_services(launchbay_env, done)
    assert rule_actions(launchbay_env, done)[0].get("TargetGroupArn") == step(first, "target_group")["result"]["arn"]
    _, shown = org.call("GET", f"/deployments/{done['id']}")
    assert shown["canary"]["retired"] is True


def until_step(ports, dep_id, name, owner, seq, timeout=60.0):
    """Run the engine until the deployment has begun step `name` -> (deployment, owner, seq)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        out = engine.run(ports, dep_id, owner, seq)
        dep = ports.store.collection("deployments").get(dep_id)
        if states.settled(dep):
            raise AssertionError(f"settled as {dep['status']}: {dep.get('error')}")
        if any(s["name"] == name for s in dep["steps"]):
            return dep, out.owner, out.seq
        owner, seq = out.owner, out.seq
        time.sleep(min(out.countdown, 0.2))
    raise AssertionError(f"{name} never began")


def pass_stage(ports, dep, name, minutes):
    steps = [dict(s) for s in dep["steps"]]
    next(s for s in steps if s["name"] == name)["started_ts"] -= minutes * 60
    ports.store.collection("deployments").update(dep["id"], {"steps": steps})


def weights_of(launchbay_env, dep):
    return {g["TargetGroupArn"]: g["Weight"]
            for g in rule_actions(launchbay_env, dep)[0]["ForwardConfig"]["TargetGroups"]}


def test_a_ramp_grows_the_canary_stage_by_stage_each_watched(make_org, ports, launchbay_env):
    org = make_org()
    ramp = {**CANARY, "percent": 10, "ramp": [25, 50]}
    svc = org.service(canary=ramp, min_instances=4, max_instances=4)
    assert svc["canary"]["ramp"] == [25, 50]
    org.deploy(ports, svc)
    queued = org.queue_deployment(svc, image="nginx:1.28")
    assert queued["canary"]["stages"] == 3 and queued["canary"]["share"] == 10
    dep, owner, seq = until_watching(ports, queued["id"])
    main, canary_tg = step(dep, "target_group")["result"]["arn"], step(dep, "canary.target_group")["result"]["arn"]
    assert weights_of(launchbay_env, dep) == {main: 90, canary_tg: 10}
    canary_name = step(dep, "canary.service")["plan"]["name"]
    assert ecs_services(launchbay_env, dep)[canary_name]["desiredCount"] == 1

    pass_minutes(ports, dep, 4)       # the first stage passes: the canary grows to 25 % (1 of 4 tasks)
    dep, owner, seq = until_step(ports, dep["id"], "canary.analysis@25", owner, seq)
    assert step(dep, "canary.analysis")["result"]["state"] == "passed"
    assert weights_of(launchbay_env, dep) == {main: 75, canary_tg: 25}
    _, shown = org.call("GET", f"/deployments/{dep['id']}")
    assert (shown["canary"]["state"], shown["canary"]["share"], shown["canary"]["stage"]) == ("watching", 25, 2)

    pass_stage(ports, dep, "canary.analysis@25", 4)
    dep, owner, seq = until_step(ports, dep["id"], "canary.analysis@50", owner, seq)
    assert weights_of(launchbay_env, dep) == {main: 50, canary_tg: 50}
    assert ecs_services(launchbay_env, dep)[canary_name]["desiredCount"] == 2   # half of 4 tasks
    pass_stage(ports, dep, "canary.analysis@50", 4)
    done = continue_to_end(ports, dep["id"], owner, seq)
    assert done["status"] == "live", done.get("error")
    names = [s["name"] for s in done["steps"]]
    assert names.index("canary.analysis") < names.index("canary.service@25") < names.index("canary.traffic@25") \
        < names.index("canary.analysis@25") < names.index("canary.analysis@50") < names.index("service")
    assert canary_name not in ecs_services(launchbay_env, done)
    _, shown = org.call("GET", f"/deployments/{done['id']}")
    assert shown["canary"]["state"] == "passed" and shown["canary"]["retired"] is True


def test_a_ramp_stage_that_fails_rolls_back_and_a_proceed_skips_the_rest(make_org, ports, launchbay_env):
    org = make_org()
    svc = org.service(canary={**CANARY, "percent": 10, "ramp": [30]})
    first = org.deploy(ports, svc)
    queued = org.queue_deployment(svc, image="nginx:1.28")
    dep, owner, seq = until_watching(ports, queued["id"])
    assert org.call("POST", f"/deployments/{dep['id']}/proceed")[0] == 200
    done = continue_to_end(ports, dep["id"], owner, seq)
    assert done["status"] == "live"
    assert step(done, "canary.service@30")["plan"]["action"] == "skip"
    assert step(done, "canary.analysis@30")["result"]["state"] == "proceeded"
    assert org.call("GET", f"/deployments/{done['id']}")[1]["canary"]["state"] == "proceeded"

    # a release answering 5xx fails its first stage: the larger shares never come
    org.call("PATCH", f"/services/{svc['id']}", {"image": "nginx:1.29", "env": {"LAUNCHBAY_SANDBOX_FAIL": "errors"}})
    queued = org.queue_deployment(svc)
    dep, owner, seq = until_watching(ports, queued["id"])
    pass_minutes(ports, dep, 3)
    failed = continue_to_end(ports, dep["id"], owner, seq)
    assert failed["status"] == "rolled_back" and "the canary answered" in failed["error"]
    assert not any(s["name"].endswith("@30") for s in failed["steps"])
    _, service = org.call("GET", f"/services/{svc['id']}")
    assert service["live_deployment_id"] == done["id"] != first["id"]


def test_a_ramp_must_climb(make_org):
    org = make_org()
    svc = org.service()
    for ramp in ([5], [20, 20], [60], [20, 30, 40, 45, 50]):
        status, err = org.call("PATCH", f"/services/{svc['id']}", {"canary": {"percent": 10, "ramp": ramp}})
        assert status == 422 and err["error"]["field"].endswith("ramp"), (ramp, err)


def test_a_release_held_for_approval_takes_over_a_watched_canary_once_approved(make_org, ports, launchbay_env):
    org = make_org()
    svc = org.service(canary={"percent": 10, "minutes": 30})
    org.deploy(ports, svc)
    second, owner, seq = until_watching(ports, org.queue_deployment(svc, image="nginx:1.28")["id"])
    prj = svc["project_id"]
    assert org.call("PATCH", f"/projects/{prj}/environments/production", {"require_approval": True})[0] == 200
    status, held = org.call("POST", f"/services/{svc['id']}/deployments", {"image": "nginx:1.29"})
    assert status == 202 and held["status"] == "awaiting_approval"
    out = engine.run(ports, second["id"], owner, seq)          # held: the watch goes on
    assert ports.store.collection("deployments").get(second["id"])["status"] == "deploying"
    status, approved = org.call("POST", f"/deployments/{held['id']}/approve")
    assert status == 200 and approved["status"] == "queued"
    stopped = continue_to_end(ports, second["id"], out.owner, out.seq)
    assert stopped["status"] == "superseded" and f"deployment #{held['number']} took over" in stopped["reason"]


def test_the_canary_takes_its_share_of_the_tasks_running_now_not_only_of_the_minimum(make_org, ports, launchbay_env):
    org = make_org()
    svc = org.service(canary=CANARY, min_instances=2, max_instances=10)   # 20 % of the traffic
    first = org.deploy(ports, svc)
    main_name = step(first, "service")["plan"]["name"]
    cluster = (first.get("target") or {}).get("cluster") or "launchbay"
    aws(launchbay_env, "ecs").update_service(cluster=cluster, service=main_name, desiredCount=10)   # autoscaled
    dep, owner, seq = until_watching(ports, org.queue_deployment(svc, image="nginx:1.28")["id"])
    canary_name = step(dep, "canary.service")["plan"]["name"]
    assert ecs_services(launchbay_env, dep)[canary_name]["desiredCount"] == 2          # 20 % of 10, not of 2
    assert org.call("GET", f"/deployments/{dep['id']}")[1]["canary"]["tasks"] == 2


def test_a_baseline_canary_is_judged_against_the_live_release_s_own_errors(make_org, ports, launchbay_env):
    org = make_org()
    flaky = {"LAUNCHBAY_SANDBOX_FAIL": "errors"}   # 20-40 % 5xx a minute, in the live release and the new one
    svc = org.service(canary={**CANARY, "max_5xx_percent": 21, "baseline": True}, env=flaky)
    first = org.deploy(ports, svc)
    # live for a while already: its minutes before the watch (moved back below) are counted too
    ports.store.collection("deployments").update(first["id"], {"created": iso_from_epoch(time.time() - 900)})
    dep, owner, seq = until_watching(ports, org.queue_deployment(svc, image="nginx:1.28")["id"])
    pass_minutes(ports, dep, 4)
    done = continue_to_end(ports, dep["id"], owner, seq)
    assert done["status"] == "live", done.get("error")   # as bad as the live release: not the new code's doing
    watch = step(done, "canary.analysis")["result"]
    assert watch["percent_5xx"] >= 20 and watch["baseline_percent_5xx"] >= 20
    _, shown = org.call("GET", f"/deployments/{done['id']}")
    assert shown["canary"]["baseline"] is True and shown["canary"]["baseline_requests"] > 0

    # a healthy live release: the same new code's errors are its own, and it rolls back
    healthy = org.service(name="api", canary={**CANARY, "baseline": True})
    first = org.deploy(ports, healthy)
    ports.store.collection("deployments").update(first["id"], {"created": iso_from_epoch(time.time() - 900)})
    org.call("PATCH", f"/services/{healthy['id']}", {"image": "nginx:1.28", "env": flaky})
    dep, owner, seq = until_watching(ports, org.queue_deployment(healthy)["id"])
    pass_minutes(ports, dep, 3)
    failed = continue_to_end(ports, dep["id"], owner, seq)
    assert failed["status"] == "rolled_back" and "the live release answered 0.0 %" in failed["error"], failed["error"]
