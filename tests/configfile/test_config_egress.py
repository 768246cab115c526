"""`static_egress` in launchbay.yaml: the plan shows it (and prices the NAT gateway), apply sets it
(a new environment too), export writes it only when on, the export plans nothing, a file that
leaves it out keeps it, and with LAUNCHBAY_SUBNETS the plan refuses it, naming its field."""
from __future__ import annotations

import yaml

from chalicelib import wiring
from tests.configfile.test_config_api import files, owner

FILE = """\
version: 1
environments:
  production:
    services:
      web: {kind: web, image: "nginx:1.27", port: 8080}
      jobs: {kind: worker, image: "busybox:1", command: [sleep, infinity]}
"""
ON = FILE.replace("  production:\n", "  production:\n    static_egress: true\n")
OFF = FILE.replace("  production:\n", "  production:\n    static_egress: false\n")


def env_of(a, org, prj, name="production"):
    return a.call("GET", f"/orgs/{org}/projects/{prj}/environments/{name}")[1]


def test_static_egress_plans_applies_and_exports_round_trip(api):
    a, org, prj = owner(api)
    assert a.call("POST", f"/orgs/{org}/projects/{prj}/apply", files(FILE))[0] == 200
    exported = a.call("GET", f"/orgs/{org}/projects/{prj}/export")[1]
    assert "static_egress" not in exported["document"]["environments"]["production"]   # off: not written

    status, plan = a.call("POST", f"/orgs/{org}/projects/{prj}/plan", files(ON))
    assert status == 200, plan
    assert plan["changes"] == [{"action": "update", "type": "environment", "name": "production",
                                "environment": "production", "fields": {"static_egress": [False, True]}}]
    # priced: a NAT gateway and its address, shared by the environment's two services
    assert plan["cost"]["delta"]["monthly_min"] > 25, plan["cost"]   # less the tasks' public IPv4
    assert env_of(a, org, prj)["static_egress"] is False                     # a plan changes nothing

    status, out = a.call("POST", f"/orgs/{org}/projects/{prj}/apply", files(ON))
    assert status == 200 and len(out["applied"]) == 1, out
    env = env_of(a, org, prj)
    assert env["static_egress"] is True and env["egress_ips"] == [] and "next deploy" in env["egress"]

    status, exported = a.call("GET", f"/orgs/{org}/projects/{prj}/export")
    assert status == 200 and exported["document"]["environments"]["production"]["static_egress"] is True
    assert yaml.safe_load(exported["yaml"])["environments"]["production"]["static_egress"] is True
    assert a.call("POST", f"/orgs/{org}/projects/{prj}/plan", files(exported["yaml"]))[1]["changes"] == []
    assert a.call("POST", f"/orgs/{org}/projects/{prj}/plan", files(ON))[1]["changes"] == []
    assert a.call("POST", f"/orgs/{org}/projects/{prj}/plan", files(FILE))[1]["changes"] == []   # left out: kept
    assert env_of(a, org, prj)["static_egress"] is True

    plan = a.call("POST", f"/orgs/{org}/projects/{prj}/plan", files(OFF))[1]
    assert [c["fields"] for c in plan["changes"]] == [{"static_egress": [True, False]}]
    assert plan["cost"]["delta"]["monthly_min"] < -25, plan["cost"]
    assert a.call("POST", f"/orgs/{org}/projects/{prj}/apply", files(OFF))[0] == 200
    assert env_of(a, org, prj)["static_egress"] is False
    exported = a.call("GET", f"/orgs/{org}/projects/{prj}/export")[1]
    assert "static_egress" not in exported["document"]["environments"]["production"]
    assert a.call("POST", f"/orgs/{org}/projects/{prj}/plan", files(exported["yaml"]))[1]["changes"] == []
    assert a.call("POST", f"/orgs/{org}/projects/{prj}/plan", files(OFF))[1]["changes"] == []


def test_a_new_environment_starts_with_static_egress(api):
    a, org, prj = owner(api)
    doc = ON + "  staging:\n    static_egress: true\n    services: {}\n"
    plan = a.call("POST", f"/orgs/{org}/projects/{prj}/plan", files(doc))[1]
    made = next(c for c in plan["changes"] if c["type"] == "environment" and c["action"] == "create")
    assert made["name"] == "staging" and made["fields"]["static_egress"] is True
    assert a.call("POST", f"/orgs/{org}/projects/{prj}/apply", files(doc))[0] == 200
    assert env_of(a, org, prj, "staging")["static_egress"] is True
    assert env_of(a, org, prj)["static_egress"] is True
    exported = a.call("GET", f"/orgs/{org}/projects/{prj}/export")[1]
    assert exported["document"]["environments"]["staging"]["static_egress"] is True
    assert a.call("POST", f"/orgs/{org}/projects/{prj}/plan", files(exported["yaml"]))[1]["changes"] == []


def test_with_launchbay_subnets_the_plan_refuses_it_naming_its_field(api, monkeypatch):
    monkeypatch.setenv("LAUNCHBAY_SUBNETS", "subnet-0a,subnet-0b")
    wiring.reset()
    a, org, prj = owner(api)
    status, err = a.call("POST", f"/orgs/{org}/projects/{prj}/plan", files(ON))
    assert status == 422, err
    assert err["error"]["field"] == "environments.production.static_egress", err
    assert err["error"]["message"].startswith("launchbay.yaml: environments.production.static_egress: this platform "
                                              "runs services in the subnets LAUNCHBAY_SUBNETS names")
    assert a.call("POST", f"/orgs/{org}/projects/{prj}/apply", files(ON))[0] == 422
    assert env_of(a, org, prj)["static_egress"] is False
    assert a.call("POST", f"/orgs/{org}/projects/{prj}/plan", files(OFF))[0] == 200   # off is always possible
