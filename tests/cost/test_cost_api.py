"""Cost estimates through the API: a service and a project (per environment, region from the
environment), only within the caller's organization, and the cost part of both plans."""
from __future__ import annotations

import pytest

from tests.support.factories import new_org

CENT = pytest.approx


def test_service_and_project_cost(api):
    org = new_org(api)
    prj = org.project("shop")["id"]
    # a web service (1-3 tasks of 0.25 vCPU / 0.5 GB), a worker, and in eu-central-1 another web service
    web = org.service("shop", name="web", min_instances=1, max_instances=3)
    org.service("shop", name="jobs", kind="worker", port=None, cpu=1024, memory=2048, min_instances=2, max_instances=2)
    assert org.call("POST", f"/projects/{prj}/environments", {"name": "eu", "region": "eu-central-1"})[0] == 201
    org.service("shop", name="web", environment="eu", min_instances=1, max_instances=1)

    status, est = org.call("GET", f"/services/{web['id']}/cost")
    assert status == 200, est
    # hand-computed in tests/cost/test_estimate.py: alone behind the production ALB and in its private zone
    assert (est["monthly_min"], est["monthly_max"]) == (CENT(43.36, abs=0.005), CENT(69.94, abs=0.005))
    assert est["region"] == "us-east-1" and est["environment"] == "production" and est["kind"] == "web"
    assert est["prices"]["date"] and est["prices"]["sources"] and est["lines"]

    status, project = org.call("GET", f"/projects/{prj}/cost")
    assert status == 200, project
    envs = {e["name"]: e for e in project["environments"]}
    assert envs["eu"]["region"] == "eu-central-1"
    assert envs["eu"]["monthly_min"] == envs["eu"]["monthly_max"] == CENT(49.29, abs=0.005)
    # production: the web service above plus the worker (73.14 hand-computed there, + 2 public IPv4 = 7.30)
    assert envs["production"]["monthly_min"] == CENT(43.36 + 80.44, abs=0.01)
    assert envs["production"]["monthly_max"] == CENT(69.94 + 80.44, abs=0.01)
    assert {s["name"] for s in envs["production"]["services"]} == {"web", "jobs"}
    assert project["monthly_min"] == CENT(43.36 + 80.44 + 49.29, abs=0.02)
    assert project["monthly_max"] == CENT(69.94 + 80.44 + 49.29, abs=0.02)


def test_second_web_service_halves_the_load_balancer_and_zone_shares(api):
    org = new_org(api)
    first = org.service(name="a", min_instances=1, max_instances=1)
    before = org.call("GET", f"/services/{first['id']}/cost")[1]["monthly_min"]
    org.service(name="b", min_instances=1, max_instances=1)
    after = org.call("GET", f"/services/{first['id']}/cost")[1]["monthly_min"]
    assert before - after == CENT((29.565 + 0.5) / 2, abs=0.01)   # half the ALB and half the private zone


def test_private_zone_counts_once_per_environment_and_workers_register_nothing(api):
    org = new_org(api)
    webs = [org.service(name=n, min_instances=1, max_instances=3) for n in ("a", "b")]
    jobs = org.service(name="jobs", kind="worker", port=None, min_instances=1, max_instances=3)

    def private(svc):
        est = org.call("GET", f"/services/{svc['id']}/cost")[1]
        return {x["unit"]: x for x in est["lines"] if x["item"].startswith(("Cloud Map", "Route 53"))}

    zones = [private(w)["zone-month"] for w in webs]
    assert [(z["quantity"], z["monthly"]) for z in zones] == [(0.5, 0.25), (0.5, 0.25)]   # 0.50 in all
    instances = private(webs[0])["instance-month"]
    assert (instances["quantity"], instances["monthly"], instances["quantity_max"], instances["monthly_max"]) == (
        1, 0.10, 3, 0.30)
    assert private(jobs) == {}


def test_unpriced_region_is_stated(api):
    org = new_org(api)
    prj = org.project("p")["id"]
    org.call("POST", f"/projects/{prj}/environments", {"name": "br", "region": "sa-east-1"})
    svc = org.service(environment="br")
    est = org.call("GET", f"/services/{svc['id']}/cost")[1]
    assert est["region"] == "sa-east-1" and est["prices_region"] == "us-east-1"
    assert any("no prices for sa-east-1" in a for a in est["assumptions"])


def test_another_organization_sees_nothing(api):
    a, b = new_org(api, "A"), new_org(api, "B")
    svc = a.service()
    prj = a.project()["id"]
    for path in (f"/services/{svc['id']}/cost", f"/projects/{prj}/cost"):
        status, err = b.api.call("GET", f"/orgs/{b.id}{path}")
        assert status == 404 and err["error"]["code"] == "not_found", err
        status, err = b.api.call("GET", f"/orgs/{a.id}{path}")
        assert status in (403, 404) and "monthly_min" not in str(err), err
    assert api.call("GET", f"/orgs/{a.id}/services/{svc['id']}/cost")[0] == 401


def test_service_plan_shows_the_cost_going_up_with_cpu(api, ports):
    org = new_org(api)
    svc = org.service(min_instances=1, max_instances=2)
    status, plan = org.call("GET", f"/services/{svc['id']}/plan")
    assert status == 200, plan
    first = plan["cost"]   # nothing runs yet: all of it is new
    assert first["before"]["monthly_min"] == 0 and first["delta"]["monthly_min"] == CENT(43.36, abs=0.005)
    dep = org.deploy(ports, svc)
    assert dep["status"] == "live", dep
    assert org.call("GET", f"/services/{svc['id']}/plan")[1]["cost"]["delta"] == {
        "monthly_min": 0, "monthly_max": 0, "currency": "USD"}
    assert org.call("PATCH", f"/services/{svc['id']}", {"cpu": 1024, "memory": 2048})[0] == 200
    cost = org.call("GET", f"/services/{svc['id']}/plan")[1]["cost"]
    # 0.75 vCPU and 1.5 GB more per task: 547.5 * 0.04048 + 1095 * 0.004445 = 27.03 a task a month
    assert cost["delta"]["monthly_min"] == CENT(27.03, abs=0.01)
    assert cost["delta"]["monthly_max"] == CENT(2 * 27.03, abs=0.01)
    assert cost["before"]["monthly_min"] == CENT(43.36, abs=0.005)


SHOP = """\
version: 1
environments:
  production:
    services:
      web: {kind: web, image: "nginx:1.27", port: 8080, cpu: %d, memory: %d}
"""


def test_launchbay_yaml_plan_shows_the_cost_difference(api):
    org = new_org(api)
    prj = org.project("shop")["id"]

    def plan(cpu, memory):
        status, out = org.call("POST", f"/projects/{prj}/plan", {"files": {"launchbay.yaml": SHOP % (cpu, memory)}})
        assert status == 200, out
        return out["cost"]

    created = plan(256, 512)
    assert created["before"]["monthly_min"] == 0 and created["after"]["monthly_min"] == CENT(43.36, abs=0.005)
    assert created["environments"][0]["name"] == "production"
    status, _ = org.call("POST", f"/projects/{prj}/apply", {"files": {"launchbay.yaml": SHOP % (256, 512)}})
    assert status == 200
    assert plan(256, 512)["delta"]["monthly_min"] == 0
    up = plan(1024, 2048)
    assert up["delta"]["monthly_min"] == CENT(27.03, abs=0.01) and up["delta"]["monthly_max"] > 0
    # production left out (deleted with allow_delete), an empty staging instead
    doc = {"version": 1, "environments": {"staging": {"services": {}}}}
    down = org.call("POST", f"/projects/{prj}/plan", {"document": doc})[1]["cost"]
    assert down["after"]["monthly_min"] == 0 and down["delta"]["monthly_min"] == CENT(-43.36, abs=0.005)
    assert {e["name"]: e["delta"]["monthly_min"] for e in down["environments"]} == {
        "production": CENT(-43.36, abs=0.005), "staging": 0}


@pytest.mark.services   # creating a resource queues its task (Redis)
def test_managed_resources_count_in_their_environment(api):
    org = new_org(api)
    prj = org.project("shop")["id"]
    org.service("shop", name="web", min_instances=1, max_instances=3)
    status, db = org.call("POST", f"/projects/{prj}/resources", {"name": "db", "kind": "postgres"})
    assert status == 202, db
    status, project = org.call("GET", f"/projects/{prj}/cost")
    prod = {e["name"]: e for e in project["environments"]}["production"]
    assert [(r["name"], r["monthly_min"]) for r in prod["resources"]] == [("db", CENT(13.98, abs=0.005))]  # 730 h x $0.016 + 20 GB x $0.115
    assert prod["monthly_min"] == CENT(43.36 + 13.98, abs=0.01) and prod["monthly_max"] == CENT(69.94 + 13.98, abs=0.01)


@pytest.mark.services   # creating a resource queues its task (Redis)
def test_launchbay_yaml_plan_counts_resources_and_services_built_from_source(api):
    """The plan's cost is the project's cost (GET …/cost) before and after: managed resources
    and services built from source count, as they do there."""
    org = new_org(api)
    prj = org.project("shop")["id"]
    doc = {"version": 1, "environments": {"production": {
        "resources": {"db": {"kind": "postgres"}},
        "services": {"web": {"kind": "web", "port": 8080, "source": {"repo": "acme/shop"}}}}}}
    planned = org.call("POST", f"/projects/{prj}/plan", {"document": doc})[1]["cost"]
    # a web service alone behind its ALB (43.36) and a db.t4g.micro with 20 GB (13.98)
    assert planned["before"]["monthly_min"] == 0
    assert planned["after"]["monthly_min"] == CENT(43.36 + 13.98, abs=0.01)
    assert org.call("POST", f"/projects/{prj}/apply", {"document": doc})[0] == 200
    project = org.call("GET", f"/projects/{prj}/cost")[1]
    assert project["monthly_min"] == CENT(planned["after"]["monthly_min"], abs=0.005)
    again = org.call("POST", f"/projects/{prj}/plan", {"document": doc})[1]["cost"]
    assert again["before"]["monthly_min"] == CENT(project["monthly_min"], abs=0.005)
    assert again["delta"] == {"monthly_min": 0, "monthly_max": 0, "currency": "USD"}
    # a bigger database: the difference is the instance's, the services' stays
    doc["environments"]["production"]["resources"]["db"]["size"] = "db.t4g.small"
    bigger = org.call("POST", f"/projects/{prj}/plan", {"document": doc})[1]["cost"]
    assert bigger["delta"]["monthly_min"] == CENT(730 * (0.032 - 0.016), abs=0.01)
