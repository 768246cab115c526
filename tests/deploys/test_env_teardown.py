"""Issue #11: deleting an environment (or a project) removes what it made in the customer's
account and region, and nothing else. Everything below runs in the moto sandbox, each
organization in its own simulated account (moto follows the assumed role's account)."""
from __future__ import annotations

import time

import pytest

from chalicelib import wiring
from chalicelib.cloud import access
from chalicelib.core.context import Ports
from chalicelib.deploys import env_teardown, teardown
from tests.api.test_aws_accounts import as_account, connect, connected_project, point, remove_role
from tests.support.processes import CeleryWorker, wait_for


def inventory(launchbay_env, acct: str) -> set[tuple[str, str]]:
    """Every resource of the kinds Launchbay makes, as (kind, name), in one account (us-east-1)."""
    elb, ec2, ssm, ecs, logs = (as_account(launchbay_env, acct, s) for s in ("elbv2", "ec2", "ssm", "ecs", "logs"))
    out: set[tuple[str, str]] = set()
    for lb in elb.describe_load_balancers()["LoadBalancers"]:
        out.add(("load_balancer", lb["LoadBalancerName"]))
        for listener in elb.describe_listeners(LoadBalancerArn=lb["LoadBalancerArn"])["Listeners"]:
            out.add(("listener", f"{lb['LoadBalancerName']}:{listener['Port']}"))
    out |= {("target_group", tg["TargetGroupName"]) for tg in elb.describe_target_groups()["TargetGroups"]}
    out |= {("security_group", g["GroupName"]) for g in ec2.describe_security_groups()["SecurityGroups"]
            if g["GroupName"] != "default"}
    params = ssm.describe_parameters(ParameterFilters=[{"Key": "Path", "Option": "Recursive", "Values": ["/launchbay"]}],
                                     MaxResults=50)["Parameters"]
    out |= {("parameter", p["Name"]) for p in params}
    for arn in ecs.list_clusters()["clusterArns"]:
        [cluster] = ecs.describe_clusters(clusters=[arn])["clusters"]
        if cluster["status"] == "ACTIVE":
            out.add(("cluster", cluster["clusterName"]))
            arns = ecs.list_services(cluster=arn)["serviceArns"]
            for svc in ecs.describe_services(cluster=arn, services=arns)["services"] if arns else []:
                if svc["status"] == "ACTIVE":
                    out.add(("ecs_service", svc["serviceName"]))
    out |= {("log_group", g["logGroupName"]) for g in logs.describe_log_groups(logGroupNamePrefix="/launchbay/")["logGroups"]}
    return out


def env_call(org, prj_id, method, env="", suffix="", body=None):
    return org.call(method, f"/projects/{prj_id}/environments{'/' + env if env else ''}{suffix}", body)


def delete_services(org, ports, *services):
    for svc in services:
        assert org.call("DELETE", f"/services/{svc['id']}")[0] == 202
        assert teardown.run(ports, svc["id"]) == "deleted"


def test_deleting_an_environment_removes_exactly_its_resources(make_org, ports, launchbay_env):
    a, b = make_org("A"), make_org("B")
    conn_a, conn_b = connect(a, launchbay_env), connect(b, launchbay_env)
    prj, prj_b = a.project()["id"], b.project()["id"]
    assert point(a, prj, conn_a["id"])[0] == 200 and point(b, prj_b, conn_b["id"])[0] == 200
    status, staging = env_call(a, prj, "POST", body={"name": "staging", "aws_account_id": conn_a["id"]})
    assert status == 201 and staging["aws_account_id"] == conn_a["id"]
    # an organization cannot point an environment at another's connection: it does not exist for it
    status, err = env_call(b, prj_b, "POST", body={"name": "stolen", "aws_account_id": conn_a["id"]})
    assert status == 404 and err["error"]["field"] == "aws_account_id"
    for name in ("production", "staging"):
        assert env_call(a, prj, "PUT", name, "/secrets/SHARED_TOKEN", {"value": "one"})[0] == 200
    web = a.service()
    st_web, st_api = a.service(environment="staging"), a.service(environment="staging", name="api")
    other = b.service()
    deps = {s["id"]: a.deploy(ports, s) for s in (web, st_web, st_api)}
    deps[other["id"]] = b.deploy(ports, other)
    # a second version, deployed: each version is a parameter of its own (rollbacks use them)
    assert env_call(a, prj, "PUT", "staging", "/secrets/SHARED_TOKEN", {"value": "two"})[0] == 200
    deps[st_web["id"]] = a.deploy(ports, st_web)
    assert all(d["status"] == "live" for d in deps.values()), [d.get("error") for d in deps.values()]
    assert deps[web["id"]]["target"]["account"] == conn_a["account_id"] != deps[other["id"]]["target"]["account"]
    delete_services(a, ports, st_web, st_api)
    before_a, before_b = inventory(launchbay_env, conn_a["account_id"]), inventory(launchbay_env, conn_b["account_id"])

    # the plan says what will go, and what stays and why
    status, planned = env_call(a, prj, "GET", "staging", "/plan-delete")
    assert status == 200 and planned["services_to_delete_first"] == []
    [place] = planned["places"]
    assert place["target"]["account"] == conn_a["account_id"]
    steps = {(s["step"], s["name"]): s for s in place["steps"]}
    lb = deps[st_web["id"]]["target"]["load_balancer"]
    assert steps[("load_balancer", lb)]["action"] == "delete" and steps[("load_balancer", lb)]["changes"]["listeners"] == [80]
    org_id, env_id = a.id, staging["id"]
    assert steps[("parameters", f"/launchbay/{org_id}/{env_id}")]["changes"]["parameters"] == [
        f"/launchbay/{org_id}/{env_id}/SHARED_TOKEN/v1", f"/launchbay/{org_id}/{env_id}/SHARED_TOKEN/v2"]
    assert steps[("log_group", f"/launchbay/{org_id}/api")]["action"] == "delete"
    kept = steps[("log_group", f"/launchbay/{org_id}/web")]     # production's web logs there too
    assert kept["action"] == "skip" and "production" in kept["changes"]["kept"]
    assert steps[("cluster", deps[web["id"]]["target"]["cluster"])]["action"] == "skip"
    assert inventory(launchbay_env, conn_a["account_id"]) == before_a          # planning changed nothing

    seen: set[str] = set()     # every AWS call of the teardown is one the published policy allows
    wiring.reset_clients()     # clients made from now on carry the hook
    ports.cloud_for({"aws_account_id": conn_a["id"], "region": "us-east-1"}).clients._get_session().events.register(
        "before-call", lambda model, **_: seen.add(f"{model.service_model.signing_name}:{model.name}"))
    status, shown = env_call(a, prj, "DELETE", "staging")
    assert status == 202 and shown["status"] == "deleting"
    assert env_call(a, prj, "GET", "staging")[1]["status"] == "deleting"
    assert a.call("POST", f"/projects/{prj}/services", {"name": "late", "image": "nginx:1.27", "port": 80,
                                                       "environment": "staging"})[0] == 409
    assert env_teardown.run(ports, env_id).startswith("deleted")

    assert {"elasticloadbalancing:DeleteLoadBalancer", "ec2:DeleteSecurityGroup", "logs:DeleteLogGroup"} <= seen
    assert seen - access.allowed_actions() - {"sts:GetCallerIdentity"} == set()
    after_a, after_b = inventory(launchbay_env, conn_a["account_id"]), inventory(launchbay_env, conn_b["account_id"])
    tail = env_id.split("_", 1)[1]
    tgs = {("target_group", n["result"]["arn"].split(":targetgroup/")[1].split("/")[0])
           for d in (deps[st_web["id"]], deps[st_api["id"]]) for n in d["steps"] if n["name"] == "target_group"}
    expected_gone = {("load_balancer", lb), ("listener", f"{lb}:80"), ("security_group", f"launchbay-env-{tail}"),
                     ("security_group", f"launchbay-lb-{lb}"), ("log_group", f"/launchbay/{org_id}/api"),
                     ("parameter", f"/launchbay/{org_id}/{env_id}/SHARED_TOKEN/v1"),
                     ("parameter", f"/launchbay/{org_id}/{env_id}/SHARED_TOKEN/v2")}
    assert not tgs & before_a          # each service's own teardown removed its target group already
    assert expected_gone <= before_a
    assert before_a - after_a == expected_gone and after_a <= before_a
    assert after_b == before_b                                                   # another org's account: untouched
    prod_lb = deps[web["id"]]["target"]["load_balancer"]
    assert {("load_balancer", prod_lb), ("cluster", deps[web["id"]]["target"]["cluster"]),
            ("log_group", f"/launchbay/{org_id}/web")} <= after_a
    assert a.call("GET", f"/services/{web['id']}")[1]["status"] == "live"

    # gone: asking again is a no-op
    assert env_call(a, prj, "GET", "staging")[0] == 404
    assert env_call(a, prj, "DELETE", "staging")[0] == 404
    assert env_teardown.run(ports, env_id) == "already gone"
    assert inventory(launchbay_env, conn_a["account_id"]) == after_a
    actions = [e["action"] for e in a.call("GET", "/audit?limit=100")[1]["items"]]
    assert "environment.deleting" in actions and "environment.deleted" in actions
    deleted = next(e for e in a.call("GET", "/audit?limit=100")[1]["items"] if e["action"] == "environment.deleted")
    assert f"load_balancer {lb}" in deleted["details"]["removed"]


class Killed(BaseException):
    """What the worker process dying mid-call looks like to the code that was running."""


def killing_ports(ports: Ports, after: int) -> Ports:
    """The same ports, whose cloud adapters die at the `after`-th delete call."""
    from dataclasses import replace

    calls = {"n": 0}

    class Dying:
        def __init__(self, inner):
            self._inner = inner

        def __getattr__(self, name):
            attr = getattr(self._inner, name)
            if not name.startswith("delete_"):
                return attr

            def call(*args, **kwargs):
                calls["n"] += 1
                if calls["n"] >= after:
                    raise Killed()
                return attr(*args, **kwargs)
            return call

    return replace(ports, cloud_for_factory=lambda target: Dying(ports.cloud_for(target)))


def test_a_killed_teardown_finishes_when_run_again_and_the_last_environment_takes_the_cluster(
        make_org, ports, launchbay_env):
    org = make_org()
    conn, prj = connected_project(org, launchbay_env)
    assert env_call(org, prj, "PUT", "production", "/secrets/KEY", {"value": "v"})[0] == 200
    web = org.service()
    dep = org.deploy(ports, web)
    assert dep["status"] == "live"
    delete_services(org, ports, web)
    acct = conn["account_id"]
    before = inventory(launchbay_env, acct)
    assert ("cluster", dep["target"]["cluster"]) in before
    status, env = env_call(org, prj, "DELETE", "production")
    assert status == 202
    with pytest.raises(Killed):   # dies after deleting the load balancer (the service took its target group)
        env_teardown.run(killing_ports(ports, after=2), env["id"])
    middle = inventory(launchbay_env, acct)
    assert ("load_balancer", dep["target"]["load_balancer"]) not in middle
    assert ("security_group", dep["target"]["security_group"]) in middle
    assert env_call(org, prj, "GET", "production")[1]["status"] == "deleting"
    # the redelivered task (here: a real worker) plans again from what AWS shows and finishes
    assert env_teardown.resume(ports) == 0                        # it moved recently: left alone
    assert env_teardown.resume(ports, now=time.time() + teardown.STALE_SECONDS + 1) == 1   # stopped: queued again
    worker = CeleryWorker(launchbay_env, ["deploys"], concurrency=1).start()
    try:
        assert env_call(org, prj, "DELETE", "production")[0] == 202   # asked again: queued anew, harmless
        wait_for(lambda: ports.store.collection("environments").get(env["id"]) is None, 60,
                 what="the environment's teardown")
    finally:
        worker.stop()
    after = inventory(launchbay_env, acct)
    assert after == set(), after     # the account held only this environment: nothing of it is left
    assert ("cluster", dep["target"]["cluster"]) not in after    # its last environment in the account went


def test_deleting_a_project_tears_down_its_environments(make_org, ports, launchbay_env):
    org = make_org()
    conn = connect(org, launchbay_env)
    keep, gone = org.project("keep")["id"], org.project("gone")["id"]
    for prj in (keep, gone):
        assert point(org, prj, conn["id"])[0] == 200
    kept, web = org.service("keep"), org.service("gone", name="site")
    deps = {s["id"]: org.deploy(ports, s) for s in (kept, web)}
    assert all(d["status"] == "live" for d in deps.values())
    assert org.call("DELETE", f"/projects/{gone}")[0] == 409                       # services first
    delete_services(org, ports, web)
    before = inventory(launchbay_env, conn["account_id"])
    env_id = deps[web["id"]]["environment_id"]
    assert org.call("DELETE", f"/projects/{gone}")[0] == 204
    assert ports.store.collection("environments").get(env_id)["status"] == "deleting"
    assert env_teardown.run(ports, env_id).startswith("deleted")
    after = inventory(launchbay_env, conn["account_id"])
    lb = deps[web["id"]]["target"]["load_balancer"]
    assert ("load_balancer", lb) in before - after and ("log_group", f"/launchbay/{org.id}/site") in before - after
    assert ("load_balancer", deps[kept["id"]]["target"]["load_balancer"]) in after
    assert ("cluster", deps[kept["id"]]["target"]["cluster"]) in after             # the other project deploys there
    assert org.call("GET", f"/services/{kept['id']}")[1]["status"] == "live"


def test_a_teardown_that_cannot_go_on_says_why_and_keeps_the_environment_deleting(make_org, ports, launchbay_env):
    org = make_org()
    conn, prj = connected_project(org, launchbay_env)
    web = org.service()
    assert org.deploy(ports, web)["status"] == "live"
    delete_services(org, ports, web)
    remove_role(launchbay_env, conn)
    status, env = env_call(org, prj, "DELETE", "production")
    assert status == 202
    with pytest.raises(Exception):
        env_teardown.run(ports, env["id"])
    shown = env_call(org, prj, "GET", "production")[1]
    assert shown["status"] == "deleting" and shown["teardown"]["state"] == "failed"
    assert "does not exist" in shown["teardown"]["error"] and conn["role_name"] in shown["teardown"]["error"]
    assert "environment.teardown_failed" in [e["action"] for e in org.call("GET", "/audit?limit=50")[1]["items"]]
    assert env_teardown.resume(ports, now=time.time() + teardown.STALE_SECONDS + 1) == 0   # waits for a fix
    plan = env_call(org, prj, "GET", "production", "/plan-delete")[1]
    assert "does not exist" in plan["places"][0]["error"]


def datastores(ports, target) -> set[tuple[str, str]]:
    """The managed resources' AWS side in one place: instances, replication groups, buckets, secrets."""
    cloud = ports.cloud_for(target)
    rds, cache, s3, sm = (cloud.client(s) for s in ("rds", "elasticache", "s3", "secretsmanager"))
    out = {("rds", d["DBInstanceIdentifier"]) for d in rds.describe_db_instances()["DBInstances"]}
    out |= {("elasticache", g["ReplicationGroupId"]) for g in cache.describe_replication_groups()["ReplicationGroups"]
            if g["Status"] != "deleting"}    # listed for a while after its delete (AWS and moto alike)
    out |= {("s3", b["Name"]) for b in s3.list_buckets()["Buckets"]}
    out |= {("secret", s["Name"]) for s in sm.list_secrets()["SecretList"]}
    return out


def test_deleting_an_environment_deletes_its_resources_and_a_protected_one_blocks_it(make_org, ports):
    from tests.resources.test_resources import settle

    org = make_org()
    prj = org.project()["id"]
    assert env_call(org, prj, "POST", body={"name": "staging"})[0] == 201
    made = {}
    for name, kind in (("db", "postgres"), ("cache", "redis"), ("files", "bucket")):
        status, res = org.call("POST", f"/projects/{prj}/resources", {"name": name, "kind": kind,
                                                                       "environment": "staging"})
        assert status == 202 and res["deletion_protection"] is False, res
        made[name] = settle(ports, res["id"])
    status, guarded = org.call("POST", f"/projects/{prj}/resources", {"name": "ledger", "kind": "mysql",
                                                                       "environment": "staging",
                                                                       "deletion_protection": True})
    made["ledger"] = settle(ports, guarded["id"])
    assert {r["status"] for r in made.values()} == {"available"}
    web = org.service(environment="staging")     # linked, then deleted: its link must not hold the database
    assert org.call("PUT", f"/services/{web['id']}/links/{made['db']['id']}", {})[0] == 200
    delete_services(org, ports, web)
    target = made["db"]["target"]
    ours = {("rds", made["db"]["aws"]["ident"]), ("rds", made["ledger"]["aws"]["ident"]),
            ("elasticache", made["cache"]["aws"]["ident"]), ("s3", made["files"]["aws"]["ident"])} | \
        {("secret", r["aws"]["secret_name"]) for r in made.values()}
    before = datastores(ports, target)
    assert ours <= before

    # the plan lists every resource; the protected one blocks the DELETE, by name
    status, planned = env_call(org, prj, "GET", "staging", "/plan-delete")
    assert status == 200, planned
    listed = {r["name"]: r for r in planned["resources"]}
    assert set(listed) == {"db", "cache", "files", "ledger"}
    assert listed["db"]["action"] == "delete" and listed["db"]["changes"]["final_snapshot"] is True
    assert listed["ledger"]["action"] == "skip" and "deletion protection" in listed["ledger"]["changes"]["kept"]
    status, err = env_call(org, prj, "DELETE", "staging")
    assert status == 409 and "'ledger'" in err["error"]["message"] and \
        err["error"]["field"] == "deletion_protection", err
    assert datastores(ports, target) == before
    assert org.call("PATCH", f"/resources/{made['ledger']['id']}", {"deletion_protection": False})[0] == 202
    settle(ports, made["ledger"]["id"])

    # no deployment ever: the environment still waits for its resources' teardown
    status, env = env_call(org, prj, "DELETE", "staging")
    assert status == 202 and env["status"] == "deleting", env
    with pytest.raises(env_teardown.ResourcesRemain):
        env_teardown.run(ports, env["id"])
    assert {r["status"] for r in org.call("GET", f"/projects/{prj}/resources?environment=staging")[1]["items"]} == \
        {"deleting"}
    for res in made.values():
        assert settle(ports, res["id"]) is None
    assert env_teardown.run(ports, env["id"]).startswith("deleted")
    after = datastores(ports, target)
    assert before - after == ours and after <= before
    rds = ports.cloud_for(target).client("rds")
    snaps = {s["DBSnapshotIdentifier"] for s in rds.describe_db_snapshots()["DBSnapshots"]}
    for name in ("db", "ledger"):
        assert any(s.startswith(made[name]["aws"]["ident"] + "-final-") for s in snaps), name
    assert env_call(org, prj, "GET", "staging")[0] == 404
    assert ports.store.collection("resource_links").count({"resource_id": made["db"]["id"]}) == 0


def test_an_environment_waiting_for_a_service_whose_delete_failed_says_which_and_why(make_org, ports):
    """An environment removed with its services (a launchbay.yaml applied with allow_delete) goes
    with its last service; one whose teardown failed holds it, and the environment says so."""
    from chalicelib import lifecycle
    from chalicelib.core.context import SYSTEM
    from chalicelib.core.ids import now_iso

    org = make_org()
    prj = org.project()["id"]
    web, _api = org.service(name="web"), org.service(name="api")
    error = "deleting the ECS service web-x: AccessDenied"
    lifecycle.set_service(ports, web["id"], "deleting", teardown={"state": "failed", "error": error, "updated": now_iso()})
    env = ports.store.collection("environments").get(web["environment_id"])
    assert lifecycle.set_environment(ports, env, "deleting", SYSTEM, teardown={"state": "queued"}) is not None
    with pytest.raises(env_teardown.ServicesRemain) as raised:
        env_teardown.run(ports, env["id"])
    assert "2 service(s)" in str(raised.value) and error in str(raised.value)
    status, shown = env_call(org, prj, "GET", "production")
    assert status == 200 and shown["status"] == "deleting"
    t = shown["teardown"]
    assert t["state"] == "waiting" and t["waiting_for"] == ["service api", "service web"], t
    assert t["error"].startswith("the service 'web' could not be deleted (" + error), t
    assert "delete that service again" in t["error"]
