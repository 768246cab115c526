"""A web service open to some client addresses only (`allowed_ips`): its load balancer rules match
those source addresses, so the others fall through to the listener's 404. Against the moto sandbox."""
from __future__ import annotations

import boto3

from tests.deploys.test_canary import until_watching


def rule(launchbay_env, dep):
    elb = boto3.client("elbv2", endpoint_url=launchbay_env["AWS_ENDPOINT_URL"], region_name="us-east-1",
                       aws_access_key_id="testing", aws_secret_access_key="testing")
    arn = next(s for s in dep["steps"] if s["name"] == "listener_rule")["result"]["arn"]
    try:
        return elb.describe_rules(RuleArns=[arn])["Rules"][0]
    except elb.exceptions.RuleNotFoundException:
        return None


def sources(found):
    return sorted(v for c in found["Conditions"] if c["Field"] == "source-ip" for v in c["SourceIpConfig"]["Values"])


def test_only_the_allowed_addresses_reach_the_service_and_the_list_changes_with_a_deploy(make_org, ports, launchbay_env):
    org = make_org()
    svc = org.service(allowed_ips=["203.0.113.7", "2001:db8::/32", "203.0.113.7/32"])
    assert svc["allowed_ips"] == ["203.0.113.7/32", "2001:db8::/32"]            # CIDR blocks, each once
    first = org.deploy(ports, svc)
    assert first["status"] == "live", first.get("error")
    assert sources(rule(launchbay_env, first)) == ["2001:db8::/32", "203.0.113.7/32"]

    status, changed = org.call("PATCH", f"/services/{svc['id']}", {"allowed_ips": ["198.51.100.0/24"]})
    assert status == 200 and changed["needs_deploy"] is True
    _, plan = org.call("GET", f"/services/{svc['id']}/plan")
    step = next(s for s in plan["steps"] if s["step"] == "listener_rule")
    assert step["action"] == "update" and step["changes"]["allowed_ips"] == [
        ["2001:db8::/32", "203.0.113.7/32"], ["198.51.100.0/24"]]
    second = org.deploy(ports, svc)
    assert second["status"] == "live" and sources(rule(launchbay_env, second)) == ["198.51.100.0/24"]
    assert rule(launchbay_env, second)["RuleArn"] == rule(launchbay_env, first)["RuleArn"]   # the same rule, changed

    assert org.call("PATCH", f"/services/{svc['id']}", {"allowed_ips": []})[0] == 200
    third = org.deploy(ports, svc)
    assert third["status"] == "live" and sources(rule(launchbay_env, third)) == []      # open to everyone again
    _, changes = org.call("GET", f"/deployments/{third['id']}/changes")
    assert "allowed_ips" in str(changes)

    assert org.call("DELETE", f"/services/{svc['id']}")[0] in (200, 202)
    from chalicelib.deploys import teardown

    assert teardown.run(ports, svc["id"]) == "deleted" and rule(launchbay_env, third) is None


def test_a_canary_keeps_the_allowed_addresses_on_its_weighted_rule(make_org, ports, launchbay_env):
    org = make_org()
    svc = org.service(allowed_ips=["203.0.113.0/24"], canary={"percent": 10, "minutes": 30})
    org.deploy(ports, svc)
    dep, _, _ = until_watching(ports, org.queue_deployment(svc, image="nginx:1.28")["id"])
    found = rule(launchbay_env, dep)
    assert sources(found) == ["203.0.113.0/24"] and len(found["Actions"][0]["ForwardConfig"]["TargetGroups"]) == 2


def test_allowed_ips_are_checked(make_org):
    org = make_org()
    prj = org.project("p")["id"]
    cases = [({"allowed_ips": ["203.0.113.0/24", "198.51.100.1", "192.0.2.0/24", "10.0.0.0/8", "10.1.0.0/16"]},
              "allowed_ips", "at most 4"),
             ({"allowed_ips": ["the office"]}, "allowed_ips", "is not an IP address or CIDR block"),
             ({"allowed_ips": ["10.0.0.0/8"], "kind": "worker", "port": None}, "allowed_ips", "only web services")]
    for extra, field, words in cases:
        status, body = org.call("POST", f"/projects/{prj}/services", {"name": "w", "image": "nginx:1.27", "port": 80, **extra})
        assert status == 422 and body["error"]["field"].startswith(field) and words in body["error"]["message"], body


def test_an_environment_s_addresses_reach_its_web_services_without_their_own_and_its_clones(make_org, ports, launchbay_env):
    org = make_org()
    prj = org.project("p")
    envs = f"/projects/{prj['id']}/environments"
    web = org.service(name="web")
    own = org.service(name="admin", allowed_ips=["198.51.100.7"])
    jobs = org.service(name="jobs", kind="worker", port=None)
    for svc in (web, own, jobs):
        assert org.deploy(ports, svc)["status"] == "live"
    status, env = org.call("PATCH", f"{envs}/production", {"allowed_ips": ["203.0.113.0/24", "192.0.2.1"]})
    assert status == 200 and env["allowed_ips"] == ["203.0.113.0/24", "192.0.2.1/32"]
    needs = {s["name"]: s["needs_deploy"] for s in org.call("GET", f"/projects/{prj['id']}/services")[1]["items"]}
    assert needs == {"web": True, "admin": False, "jobs": False}      # only the one it changes
    assert sources(rule(launchbay_env, org.deploy(ports, web))) == ["192.0.2.1/32", "203.0.113.0/24"]
    assert sources(rule(launchbay_env, org.deploy(ports, own))) == ["198.51.100.7/32"]   # its own list wins

    status, clone = org.call("POST", f"{envs}/production/clone", {"name": "staging"})
    assert status == 201 and clone["allowed_ips"] == ["203.0.113.0/24", "192.0.2.1/32"]
    status, bad = org.call("PATCH", f"{envs}/production", {"allowed_ips": ["somewhere"]})
    assert status == 422 and bad["error"]["field"].startswith("allowed_ips")
    assert org.call("PATCH", f"{envs}/production", {"allowed_ips": []})[1]["allowed_ips"] == []
