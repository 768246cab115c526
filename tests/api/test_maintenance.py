"""Maintenance mode: a web service's hosts answer a 503 page with the team's message from the load
balancer at once, its tasks running on; a deploy made meanwhile stays behind the page; off, the hosts
forward again. Against moto, through the API."""
from __future__ import annotations

import json

import boto3
import pytest

from tests.api.test_domains_api import create, deploy, org_with_project, prove, step, zone  # noqa: F401

pytestmark = pytest.mark.services


def elb(env):
    return boto3.client("elbv2", endpoint_url=env["AWS_ENDPOINT_URL"], region_name="us-east-1",
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def answer(env, listener_arn: str, host: str) -> dict:
    rules = elb(env).describe_rules(ListenerArn=listener_arn)["Rules"]
    (rule,) = [r for r in rules if any(host in (c.get("HostHeaderConfig") or {}).get("Values", [])
                                       for c in r.get("Conditions", []))]
    return rule["Actions"][0]


def test_maintenance_answers_a_page_at_once_survives_a_deploy_and_goes(api, ports, launchbay_env, zone):  # noqa: F811
    a, org, prj = org_with_project(api)
    domain = f"shop.{zone}"
    _, svc = create(a, org, prj, domain=domain)
    status, err = a.call("PUT", f"/orgs/{org}/services/{svc['id']}/maintenance", {})
    assert status == 409 and "no live release" in err["error"]["message"]
    prove(a, org, svc["id"], launchbay_env, zone)
    dep = deploy(a, ports, org, svc["id"])
    listener = step(dep, "load_balancer")["result"]["listener_arn"]
    internal = step(dep, "listener_rule")["result"]["host"]
    assert answer(launchbay_env, listener, internal)["Type"] == "forward"

    status, sub = a.call("POST", f"/orgs/{org}/projects/{prj}/notifications",
                         {"kind": "webhook", "url": "https://ci.example.com/launchbay"})
    assert status == 201, sub
    status, err = a.call("PUT", f"/orgs/{org}/services/{svc['id']}/maintenance", {"message": "x" * 501})
    assert status == 422 and err["error"]["field"] == "message"
    status, on = a.call("PUT", f"/orgs/{org}/services/{svc['id']}/maintenance",
                        {"message": "Moving to a bigger database <b>now</b>; back at 14:00"})
    assert status == 200 and on["maintenance"]["message"].startswith("Moving") and on["maintenance"]["by"]
    for host in (internal, domain):
        page = answer(launchbay_env, listener, host)
        assert page["Type"] == "fixed-response" and page["FixedResponseConfig"]["StatusCode"] == "503"
        body = page["FixedResponseConfig"]["MessageBody"]
        assert "&lt;b&gt;now&lt;/b&gt;" in body and "<b>now" not in body    # the message is text, never HTML

    # a deploy meanwhile plans the page too, and rolls out behind it
    _, plan = a.call("GET", f"/orgs/{org}/services/{svc['id']}/plan")
    assert {s["step"]: s["action"] for s in plan["steps"]}["listener_rule"] == "no-op"
    again = deploy(a, ports, org, svc["id"])
    assert again["status"] == "live"
    assert answer(launchbay_env, listener, internal)["Type"] == "fixed-response"

    # the service's own worker kind and busy deploys are refused
    status, queued = a.call("POST", f"/orgs/{org}/services/{svc['id']}/deployments", {})
    status, err = a.call("DELETE", f"/orgs/{org}/services/{svc['id']}/maintenance")
    assert status == 409 and err["error"]["field"] == "status" and "settled" in err["error"]["message"]
    from tests.support.deploying import run_to_end
    assert run_to_end(ports, queued["id"])["status"] == "live"

    status, off = a.call("DELETE", f"/orgs/{org}/services/{svc['id']}/maintenance")
    assert status == 200 and off["maintenance"] is None
    for host in (internal, domain):
        assert answer(launchbay_env, listener, host)["Type"] == "forward"
    events = [e["action"] for e in a.call("GET", f"/orgs/{org}/audit?limit=50")[1]["items"]]
    assert "service.maintenance_on" in events and "service.maintenance_off" in events
    # both told to the project's subscriptions: the events wait on the notify queue for a worker
    import base64

    import redis

    queued = redis.Redis.from_url(launchbay_env["REDIS_URL"]).lrange(
        f"{launchbay_env['LAUNCHBAY_QUEUE_PREFIX']}.notify", 0, -1)
    told = " ".join(base64.b64decode(json.loads(m)["body"]).decode() for m in queued)
    assert '"service.maintenance"' in told and '"service.maintenance_over"' in told

    _, worker = create(a, org, prj, name="jobs", kind="worker", port=None)
    status, err = a.call("PUT", f"/orgs/{org}/services/{worker['id']}/maintenance", {})
    assert status == 409 and "only a web service" in err["error"]["message"]
