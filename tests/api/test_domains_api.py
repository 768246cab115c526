"""Custom domains: one service on the platform holds a domain, proves it with a DNS TXT record
(the sandbox's Route 53 here), and only then gets a listener rule and a certificate; rules and
certificates belong to the service that made them. Driven through the API against moto."""
from __future__ import annotations

import uuid

import boto3
import pytest

from chalicelib.catalog import domains
from chalicelib.cloud.edge import NotOwned
from chalicelib.deploys import teardown
from chalicelib.deploys.steps import internal_host
from tests.support.deploying import run_to_end
from tests.support.factories import new_org


def org_with_project(api):
    org = new_org(api)
    return org.api, org.id, org.project()["id"]


def create(a, org, prj, **over):
    return a.call("POST", f"/orgs/{org}/projects/{prj}/services",
                  {"name": "web", "image": "nginx:1.27", "port": 80, **over})


def deploy(a, ports, org, svc_id):
    status, dep = a.call("POST", f"/orgs/{org}/services/{svc_id}/deployments", {})
    assert status == 202, dep
    return run_to_end(ports, dep["id"])


def step(dep, name):
    return next(s for s in dep["steps"] if s["name"] == name)


def route53(env):
    return boto3.client("route53", endpoint_url=env["AWS_ENDPOINT_URL"], region_name="us-east-1",
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def publish_txt(env, zone_name, name, value):
    """What the user does at their DNS provider; in the sandbox: a TXT record in moto's Route 53."""
    r53 = route53(env)
    # every page: the tests' shared moto holds well over a page (100) of zones by the time these run
    zones = [z for page in r53.get_paginator("list_hosted_zones").paginate() for z in page["HostedZones"]
             if z["Name"] == zone_name + "."]
    zone_id = zones[0]["Id"] if zones else \
        r53.create_hosted_zone(Name=zone_name, CallerReference=uuid.uuid4().hex)["HostedZone"]["Id"]
    r53.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={"Changes": [{"Action": "UPSERT",
                                    "ResourceRecordSet": {"Name": name, "Type": "TXT", "TTL": 60,
                                                          "ResourceRecords": [{"Value": f'"{value}"'}]}}]})


@pytest.fixture
def zone():
    return f"{uuid.uuid4().hex[:8]}.example.com"   # tests share one moto server: names must not collide


def prove(a, org, svc_id, env, zone_name):
    _, dom = a.call("GET", f"/orgs/{org}/services/{svc_id}/domain")
    publish_txt(env, zone_name, dom["verification"]["name"], dom["verification"]["value"])
    status, done = a.call("POST", f"/orgs/{org}/services/{svc_id}/domain/verify")
    assert status == 200 and done["status"] == "verified", done
    return done


def live_rule(ports, host):
    """The rule for host on any load balancer this test's deployments used (one per environment)."""
    from chalicelib.store.port import iter_all

    listeners = {s["result"]["listener_arn"] for d in iter_all(ports.store.collection("deployments"), {})
                 for s in d["steps"] if s["name"] == "load_balancer" and s.get("result")}
    found = [r for r in (ports.cloud.find_listener_rule(arn, host, "/*") for arn in sorted(listeners)) if r]
    assert len(found) <= 1, found
    return found[0] if found else None


def test_another_org_cannot_take_route_or_delete_a_verified_live_domain(api, ports, launchbay_env, zone):
    domain = f"api.{zone}"
    # organization A: claims, proves and deploys the domain; traffic goes to A
    a, org_a, prj_a = org_with_project(api)
    status, svc_a = create(a, org_a, prj_a, domain=domain.upper())
    assert status == 201, svc_a
    done = prove(a, org_a, svc_a["id"], launchbay_env, zone)
    assert done["routed"] is False and "the next deploy routes" in done["message"]   # said, so nobody waits
    dep_a = deploy(a, ports, org_a, svc_a["id"])
    assert dep_a["status"] == "live"
    status, again = a.call("POST", f"/orgs/{org_a}/services/{svc_a['id']}/domain/verify")
    assert status == 200 and again["message"] == "already verified" and again["routed"] is True
    tg_a = step(dep_a, "target_group")["result"]["arn"]
    rule_a = live_rule(ports, domain)
    assert rule_a["target_group_arn"] == tg_a and rule_a["owner"] == svc_a["id"]
    cert_a = step(dep_a, "certificate")["result"]["arn"]
    assert ports.cloud.find_certificate(domain, owner=svc_a["id"])["arn"] == cert_a

    # organization B: the same domain is refused on create and on PATCH, 409 on the field
    b, org_b, prj_b = org_with_project(api)
    status, err = create(b, org_b, prj_b, domain=domain)
    assert status == 409 and err["error"]["field"] == "domain"
    assert err["error"]["message"] == f"domain {domain} is already claimed by another service"
    assert org_a not in str(err) and svc_a["id"] not in str(err)
    status, svc_b = create(b, org_b, prj_b)
    assert status == 201
    status, err2 = b.call("PATCH", f"/orgs/{org_b}/services/{svc_b['id']}", {"domain": domain.upper()})
    assert status == 409 and err2 == err        # the same words whoever holds it
    _, prj_a2 = a.call("POST", f"/orgs/{org_a}/projects", {"name": "p2"})
    assert create(a, org_a, prj_a2["id"], domain=domain)[1] == err   # A's own second service: same answer
    assert b.call("GET", f"/orgs/{org_b}/services/{svc_b['id']}")[1]["domain"] is None

    # B deploys: its service runs on its own internal host; A's rule still forwards to A
    dep_b = deploy(b, ports, org_b, svc_b["id"])
    assert dep_b["status"] == "live"
    tg_b = step(dep_b, "target_group")["result"]["arn"]
    assert step(dep_b, "listener_rule")["result"]["host"] == internal_host("web", org_b, svc_b["id"])
    assert live_rule(ports, domain)["target_group_arn"] == tg_a

    # even if B's service somehow carried the domain, its deploy neither routes it nor gets a certificate
    ports.store.collection("services").update(svc_b["id"], {"domain": domain})
    dep_b2 = deploy(b, ports, org_b, svc_b["id"])
    assert dep_b2["status"] == "live"
    not_claimed = f"domain {domain} is not claimed by this service"
    assert step(dep_b2, "domain_rule")["result"]["skipped"].startswith(not_claimed)
    assert step(dep_b2, "certificate")["result"]["skipped"].startswith(f"domain {domain} is not claimed")
    assert live_rule(ports, domain)["target_group_arn"] == tg_a

    # and a rule request for that host straight at the adapter is refused: A's rule is not re-pointed
    listener = step(dep_a, "load_balancer")["result"]["listener_arn"]
    with pytest.raises(NotOwned, match="belongs to another Launchbay service"):
        ports.cloud.ensure_listener_rule(listener, domain, "/*", tg_b, owner=svc_b["id"])
    assert live_rule(ports, domain) == rule_a

    # B never gets A's certificate: it is not B's to reuse, a request makes B its own
    assert ports.cloud.find_certificate(domain, owner=svc_b["id"]) is None
    cert_b = ports.cloud.request_certificate(domain, owner=svc_b["id"])
    assert cert_b["arn"] != cert_a
    assert ports.cloud.find_certificate(domain, owner=svc_a["id"])["arn"] == cert_a

    # deleting B's service (carrying A's domain) leaves A's rule and A's claim alone
    assert b.call("DELETE", f"/orgs/{org_b}/services/{svc_b['id']}")[0] == 202
    assert teardown.run(ports, svc_b["id"]) == "deleted"
    assert live_rule(ports, domain) == rule_a
    assert live_rule(ports, internal_host("web", org_b, svc_b["id"])) is None          # B's own rule is gone
    assert domains.claim_of(ports, svc_a["id"], domain)["status"] == "verified"
    assert a.call("GET", f"/orgs/{org_a}/services/{svc_a['id']}/domain")[1]["routed"] is True


def test_unverified_domain_runs_on_the_internal_host_and_says_why(api, ports, launchbay_env, zone):
    domain = f"www.{zone}"
    a, org, prj = org_with_project(api)
    _, svc = create(a, org, prj, domain=domain)
    status, dom = a.call("GET", f"/orgs/{org}/services/{svc['id']}/domain")
    assert status == 200 and dom["status"] == "pending" and dom["routed"] is False
    record = dom["verification"]
    assert record["type"] == "TXT" and record["name"] == f"_launchbay-challenge.{domain}"
    assert record["value"].startswith("launchbay-verify=") and len(record["value"]) > 30
    assert f"create TXT {record['name']} = {record['value']}" in dom["message"]

    _, plan = a.call("GET", f"/orgs/{org}/services/{svc['id']}/plan")
    steps = {s["step"]: s for s in plan["steps"]}
    assert steps["listener_rule"]["name"] == internal_host("web", org, svc["id"])
    assert steps["domain_rule"]["action"] == "skip" and steps["certificate"]["action"] == "skip"

    dep = deploy(a, ports, org, svc["id"])
    assert dep["status"] == "live"
    why = f"domain {domain} is not verified: create TXT {record['name']} = {record['value']}"
    assert step(dep, "domain_rule")["result"]["skipped"].startswith(why)
    assert step(dep, "certificate")["result"]["skipped"].startswith(why)
    assert live_rule(ports, internal_host("web", org, svc["id"]))["owner"] == svc["id"]
    assert live_rule(ports, domain) is None
    assert ports.cloud.find_certificate(domain, owner=svc["id"]) is None
    _, logs = a.call("GET", f"/orgs/{org}/deployments/{dep['id']}/logs?limit=1000")
    assert any(why in line["message"] and line["message"].startswith("domain_rule: done")
               for line in logs["lines"])

    # once verified, the plan shows the domain's rule and certificate, and the next deploy makes them
    prove(a, org, svc["id"], launchbay_env, zone)
    _, plan = a.call("GET", f"/orgs/{org}/services/{svc['id']}/plan")
    steps = {s["step"]: s for s in plan["steps"]}
    assert steps["domain_rule"]["action"] == "create" and steps["domain_rule"]["name"] == domain
    assert steps["domain_rule"]["calls"][0]["args"]["owner"] == svc["id"]
    assert steps["certificate"]["action"] == "create"
    assert steps["listener_rule"]["action"] == "no-op"
    dep2 = deploy(a, ports, org, svc["id"])
    assert dep2["status"] == "live"
    tg = step(dep2, "target_group")["result"]["arn"]
    assert live_rule(ports, domain) == {**live_rule(ports, domain), "target_group_arn": tg, "owner": svc["id"]}
    cert = step(dep2, "certificate")["result"]
    assert cert["arn"].startswith("arn:aws:acm:") and cert["dns_managed"] is True  # the zone is in Route 53
    _, dom = a.call("GET", f"/orgs/{org}/services/{svc['id']}/domain")
    assert dom["status"] == "verified" and dom["routed"] is True and dom["verified_at"]
    assert dom["certificate"]["arn"] == cert["arn"] and dom["certificate"]["status"] in ("PENDING_VALIDATION", "ISSUED")
    _, plan = a.call("GET", f"/orgs/{org}/services/{svc['id']}/plan")
    assert {s["step"]: s["action"] for s in plan["steps"]}["domain_rule"] == "no-op"


def test_verify_needs_the_right_txt_record(api, ports, launchbay_env, zone):
    domain = f"shop.{zone}"
    a, org, prj = org_with_project(api)
    _, svc = create(a, org, prj, domain=domain)
    url = f"/orgs/{org}/services/{svc['id']}/domain/verify"
    status, err = a.call("POST", url)                                   # no record at all
    assert status == 409 and err["error"]["code"] == "domain_not_verified" and err["error"]["field"] == "domain"
    assert "no launchbay-verify value was found" in err["error"]["message"]
    assert f"Create TXT _launchbay-challenge.{domain} = launchbay-verify=" in err["error"]["message"]
    assert "in the sandbox's Route 53" in err["error"]["message"]        # where the sandbox looks, not public DNS
    publish_txt(launchbay_env, zone, f"_launchbay-challenge.{domain}", "launchbay-verify=not-the-token")
    status, err = a.call("POST", url)                                   # somebody else's token
    assert status == 409 and "it holds launchbay-verify=not-the-token, not launchbay-verify=" in err["error"]["message"]
    assert domains.claim_of(ports, svc["id"], domain)["status"] == "pending"
    # another organization cannot verify (or see) this service's domain
    b, org_b, _ = org_with_project(api)
    assert b.call("POST", f"/orgs/{org_b}/services/{svc['id']}/domain/verify")[0] == 404
    assert b.call("POST", url)[0] == 404
    done = prove(a, org, svc["id"], launchbay_env, zone)
    assert done["message"].startswith("verified: the next deploy routes")
    assert a.call("POST", url) == (200, {**done, "message": "already verified: the next deploy routes it and requests "
                                                           "its certificate"})   # not routed yet: still said
    _, plain = create(a, org, prj, name="plain")
    status, err = a.call("POST", f"/orgs/{org}/services/{plain['id']}/domain/verify")
    assert status == 404 and err["error"]["field"] == "domain"
    status, err = create(a, org, prj, name="inner", domain=f"x.{org}.launchbay.internal")
    assert status == 422 and err["error"]["field"] == "domain"


def test_changing_or_deleting_releases_the_claim_and_its_rule(api, ports, launchbay_env, zone):
    old, new = f"old.{zone}", f"new.{zone}"
    a, org, prj = org_with_project(api)
    _, svc = create(a, org, prj, domain=old)
    prove(a, org, svc["id"], launchbay_env, zone)
    deploy(a, ports, org, svc["id"])
    assert live_rule(ports, old)["owner"] == svc["id"]

    status, changed = a.call("PATCH", f"/orgs/{org}/services/{svc['id']}", {"domain": new})
    assert status == 200 and changed["domain"] == new
    assert domains.claim_of(ports, svc["id"], old) is None
    assert domains.claim_of(ports, svc["id"], new)["status"] == "pending"    # a new domain needs a new proof
    assert live_rule(ports, old) is None                                      # it stopped routing at once

    # the old domain is free: another organization claims, proves and routes it
    b, org_b, prj_b = org_with_project(api)
    status, svc_b = create(b, org_b, prj_b, domain=old)
    assert status == 201, svc_b
    prove(b, org_b, svc_b["id"], launchbay_env, zone)
    dep_b = deploy(b, ports, org_b, svc_b["id"])
    assert dep_b["status"] == "live"
    assert live_rule(ports, old)["owner"] == svc_b["id"]
    # A's next deploy routes nothing of B's, and does not remove B's rule
    dep_a = deploy(a, ports, org, svc["id"])
    assert dep_a["status"] == "live" and live_rule(ports, old)["owner"] == svc_b["id"]
    assert step(dep_a, "domain_rule")["result"]["skipped"].startswith(f"domain {new} is not verified")

    # deleting the service frees its domain too
    assert a.call("DELETE", f"/orgs/{org}/services/{svc['id']}")[0] == 202
    assert create(b, org_b, prj_b, name="second", domain=new)[0] == 409     # until the teardown finishes
    assert teardown.run(ports, svc["id"]) == "deleted"
    assert ports.store.collection("domains").count({"service_id": svc["id"]}) == 0
    assert create(b, org_b, prj_b, name="second", domain=new)[0] == 201
    assert live_rule(ports, old)["owner"] == svc_b["id"]


def test_same_named_services_get_their_own_hosts_and_a_foreign_rule_is_refused(api, ports):
    # Two services named "web" in two projects of one org: each answers on its own internal host.
    a, org, prj = org_with_project(api)
    _, first = create(a, org, prj)
    assert deploy(a, ports, org, first["id"])["status"] == "live"
    _, prj2 = a.call("POST", f"/orgs/{org}/projects", {"name": "p2"})
    _, second = create(a, org, prj2["id"])
    assert deploy(a, ports, org, second["id"])["status"] == "live"
    host1, host2 = internal_host("web", org, first["id"]), internal_host("web", org, second["id"])
    assert host1 != host2
    assert live_rule(ports, host1)["owner"] == first["id"] and live_rule(ports, host2)["owner"] == second["id"]
    # A rule for this service's host that another service owns is never re-pointed: the plan refuses.
    # (on the load balancer they share: the one of their environment)
    _, third = create(a, org, prj, name="api")
    host3 = internal_host("api", org, third["id"])
    dep1 = ports.store.collection("deployments").get(ports.store.collection("services").get(first["id"])["live_deployment_id"])
    listener = step(dep1, "load_balancer")["result"]["listener_arn"]
    ports.cloud.ensure_listener_rule(listener, host3, "/*", step(dep1, "target_group")["result"]["arn"], owner=first["id"])
    before = live_rule(ports, host3)
    dep = deploy(a, ports, org, third["id"])
    assert dep["status"] == "failed"
    assert step(dep, "listener_rule")["error"] == \
        f"the listener rule for {host3} belongs to another Launchbay service: it is not re-pointed"
    assert live_rule(ports, host3) == before and before["owner"] == first["id"]
