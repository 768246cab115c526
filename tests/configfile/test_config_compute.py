"""`architecture` and `spot` of a service in launchbay.yaml: plan shows them, apply sets them (a
`spot` the file cuts down loses the fields it no longer names, though the API merges a PATCH),
export writes them only when set and its plan is empty, and plan refuses what the API would,
naming the service, the field and the line."""
from __future__ import annotations

from tests.configfile.test_config_api import files, owner

HEAD = ("version: 1\nenvironments:\n  production:\n    services:\n      web:\n        kind: web\n"
        "        image: nginx:1.27\n        port: 8080\n        max_instances: 3\n")
ON = HEAD + "        architecture: arm64\n        spot: {percent: 70, on_demand_base: 1}\n"


def web_of(a, org, prj):
    return next(s for s in a.call("GET", f"/orgs/{org}/projects/{prj}/services")[1]["items"] if s["name"] == "web")


def test_a_new_service_on_arm64_and_spot_round_trips(api):
    a, org, prj = owner(api)
    status, plan = a.call("POST", f"/orgs/{org}/projects/{prj}/plan", files(ON))
    assert status == 200, plan
    (made,) = plan["changes"]
    assert made["action"] == "create" and made["fields"]["architecture"] == "arm64"
    assert made["fields"]["spot"] == {"percent": 70, "on_demand_base": 1}
    assert a.call("POST", f"/orgs/{org}/projects/{prj}/apply", files(ON))[0] == 200
    web = web_of(a, org, prj)
    assert web["architecture"] == "arm64" and web["spot"] == {"percent": 70, "on_demand_base": 1}

    exported = a.call("GET", f"/orgs/{org}/projects/{prj}/export")[1]
    spec = exported["document"]["environments"]["production"]["services"]["web"]
    assert spec["architecture"] == "arm64" and spec["spot"] == {"percent": 70, "on_demand_base": 1}
    assert a.call("POST", f"/orgs/{org}/projects/{prj}/plan", files(exported["yaml"]))[1]["changes"] == []
    assert a.call("POST", f"/orgs/{org}/projects/{prj}/plan", files(ON))[1]["changes"] == []


def test_changed_cut_down_and_turned_off_by_the_file(api):
    a, org, prj = owner(api)
    assert a.call("POST", f"/orgs/{org}/projects/{prj}/apply", files(HEAD))[0] == 200
    exported = a.call("GET", f"/orgs/{org}/projects/{prj}/export")[1]
    spec = exported["document"]["environments"]["production"]["services"]["web"]
    assert "architecture" not in spec and "spot" not in spec                  # not set: not written

    plan = a.call("POST", f"/orgs/{org}/projects/{prj}/plan", files(ON))[1]
    (change,) = plan["changes"]
    assert change["action"] == "update" and change["fields"] == {
        "architecture": [None, "arm64"], "spot": [None, {"percent": 70, "on_demand_base": 1}]}
    assert a.call("POST", f"/orgs/{org}/projects/{prj}/apply", files(ON))[0] == 200

    # the file drops on_demand_base: it is 0 again (the API alone would merge and keep 1)
    cut = HEAD + "        architecture: arm64\n        spot: {percent: 70}\n"
    (change,) = a.call("POST", f"/orgs/{org}/projects/{prj}/plan", files(cut))[1]["changes"]
    assert change["fields"] == {"spot": [{"percent": 70, "on_demand_base": 1}, {"percent": 70, "on_demand_base": 0}]}
    assert a.call("POST", f"/orgs/{org}/projects/{prj}/apply", files(cut))[0] == 200
    assert web_of(a, org, prj)["spot"] == {"percent": 70, "on_demand_base": 0}
    assert a.call("POST", f"/orgs/{org}/projects/{prj}/plan", files(cut))[1]["changes"] == []

    # spot: {} is Spot for every task; x86_64 is the default, stored as none
    every = HEAD + "        architecture: x86_64\n        spot: {}\n"
    (change,) = a.call("POST", f"/orgs/{org}/projects/{prj}/plan", files(every))[1]["changes"]
    assert change["fields"] == {"architecture": ["arm64", None],
                                "spot": [{"percent": 70, "on_demand_base": 0}, {"percent": 100, "on_demand_base": 0}]}
    assert a.call("POST", f"/orgs/{org}/projects/{prj}/apply", files(every))[0] == 200
    web = web_of(a, org, prj)
    assert web["architecture"] is None and web["spot"] == {"percent": 100, "on_demand_base": 0}

    # left out: regular Fargate (a file says the whole service, as for canary or autoscaling)
    (change,) = a.call("POST", f"/orgs/{org}/projects/{prj}/plan", files(HEAD))[1]["changes"]
    assert change["fields"] == {"spot": [{"percent": 100, "on_demand_base": 0}, None]}
    assert a.call("POST", f"/orgs/{org}/projects/{prj}/apply", files(HEAD))[0] == 200
    assert web_of(a, org, prj)["spot"] is None
    exported = a.call("GET", f"/orgs/{org}/projects/{prj}/export")[1]
    assert "spot" not in exported["document"]["environments"]["production"]["services"]["web"]


def test_plan_refuses_what_the_api_would_naming_the_service_and_field(api):
    a, org, prj = owner(api)
    base = HEAD + "        spot: {on_demand_base: 3}\n"
    status, err = a.call("POST", f"/orgs/{org}/projects/{prj}/plan", files(base))
    assert status == 422, err
    (problem,) = err["error"]["fields"]
    assert problem["field"] == "environments.production.services.web.spot" and problem["line"] == 10
    assert problem["message"] == ("launchbay.yaml:10: environments.production.services.web.spot: spot.on_demand_base "
                                  "3 would keep all of at most 3 tasks on regular Fargate: lower it or raise "
                                  "max_instances")

    cron = ("version: 1\nenvironments:\n  production:\n    services:\n      nightly:\n        kind: cron\n"
            "        image: busybox:1\n        schedule: '@daily'\n        spot: {on_demand_base: 1}\n")
    err = a.call("POST", f"/orgs/{org}/projects/{prj}/plan", files(cron))[1]
    (problem,) = err["error"]["fields"]
    assert problem["field"] == "environments.production.services.nightly.spot"
    assert "a cron job's run is one task: with spot, on_demand_base must be 0" in problem["message"]
    assert a.call("POST", f"/orgs/{org}/projects/{prj}/plan", files(cron.replace("on_demand_base: 1", "")))[0] == 200

    for bad, field in (("spot: {percent: 0}", "spot.percent"), ("spot: {percent: 70, share: 1}", "spot.share"),
                       ("architecture: arm", "architecture"), ("spot: yes", "spot")):
        err = a.call("POST", f"/orgs/{org}/projects/{prj}/plan", files(HEAD + f"        {bad}\n"))[1]
        assert err["error"]["field"] == f"environments.production.services.web.{field}", (bad, err)
    assert a.call("GET", f"/orgs/{org}/projects/{prj}/services")[1]["items"] == []
