"""Deploy freezes (…/environments/{env}/freeze): no new release goes out to a frozen environment
(deploys, approvals, promotions, git pushes) until it ends or is lifted, while rollbacks and
restarts still run; only admins freeze and lift."""
from __future__ import annotations

import time

import pytest

from chalicelib.core.ids import iso_from_epoch
from tests.support.api import Api, signup_invited
from tests.support.deploying import run_to_end
from tests.support.factories import new_org

pytestmark = pytest.mark.services


def test_a_frozen_environment_refuses_new_releases_but_still_rolls_back(api, ports):
    org = new_org(api, email="owner@acme.io")
    prj = org.project()
    envs = f"/projects/{prj['id']}/environments"
    svc = org.service(name="web", image="nginx:1.27")
    first = org.deploy(ports, svc)
    second = org.deploy(ports, svc, image="nginx:1.28")
    assert org.call("PATCH", f"{envs}/production", {"require_approval": True})[0] == 200
    status, waiting = org.call("POST", f"/services/{svc['id']}/deployments", {"image": "nginx:1.29"})
    assert status == 202 and waiting["status"] == "awaiting_approval"

    org.call("POST", "/members", {"email": "dev@acme.io", "role": "developer"})
    dev = Api(api.client, signup_invited(api, "dev@acme.io", org="dev home")["token"])
    status, err = dev.call("POST", f"/orgs/{org.id}{envs}/production/freeze", {"reason": "Black Friday"})
    assert status == 403 and err["error"]["field"] == "role", err
    until = iso_from_epoch(time.time() + 3600)
    status, env = org.call("POST", f"{envs}/production/freeze", {"reason": "Black Friday", "until": until})
    assert status == 200, env
    assert env["freeze"] == {"reason": "Black Friday", "until": until, "by": "owner@acme.io", "at": env["freeze"]["at"]}

    status, err = dev.call("POST", f"/orgs/{org.id}/services/{svc['id']}/deployments", {"image": "nginx:1.30"})
    assert status == 409 and err["error"]["field"] == "environment", err
    assert err["error"]["message"] == (f"the production environment is frozen until {until}: Black Friday (rollbacks "
                                       "and restarts still run; an admin lifts it with `launchbay envs unfreeze "
                                       "production`)")
    status, err = org.call("POST", f"/deployments/{waiting['id']}/approve")           # it stays waiting
    assert status == 409 and err["error"]["field"] == "environment", err
    assert ports.store.collection("deployments").get(waiting["id"])["status"] == "awaiting_approval"
    # an incident still gets its rollback and its restart
    status, rb = dev.call("POST", f"/orgs/{org.id}/services/{svc['id']}/rollback", {"deployment_id": first["id"]})
    assert status == 202, rb
    assert run_to_end(ports, rb["id"])["status"] == "live"
    assert ports.store.collection("deployments").get(waiting["id"])["status"] == "superseded"   # the newest decision
    status, restart = dev.call("POST", f"/orgs/{org.id}/services/{svc['id']}/restart")
    assert status == 202 and run_to_end(ports, restart["id"])["status"] == "live"

    _, audit = org.call("GET", "/audit?limit=50")
    assert "environment.freeze" in [e["action"] for e in audit["items"]]
    status, err = dev.call("DELETE", f"/orgs/{org.id}{envs}/production/freeze")
    assert status == 403
    status, env = org.call("DELETE", f"{envs}/production/freeze")
    assert status == 200 and env["freeze"] is None
    status, again = dev.call("POST", f"/orgs/{org.id}/services/{svc['id']}/deployments", {"image": "nginx:1.30"})
    assert status == 202 and again["status"] == "awaiting_approval", again
    assert org.call("POST", f"/deployments/{again['id']}/approve")[0] == 200
    assert run_to_end(ports, again["id"])["status"] == "live" and second["status"] == "live"


def test_a_freeze_ends_by_itself_and_stops_promotions(api, ports):
    org = new_org(api, email="owner@acme.io")
    prj = org.project()
    envs = f"/projects/{prj['id']}/environments"
    assert org.call("POST", envs, {"name": "staging", "promote_to": "production"})[0] == 201
    web_prod = org.service(name="web", image="nginx:1.27")
    org.deploy(ports, web_prod)
    web_stg = org.service(name="web", image="nginx:1.27", environment="staging")
    assert org.call("POST", f"{envs}/production/freeze", {"reason": "audit week"})[0] == 200
    staged = org.deploy(ports, web_stg, image="nginx:1.28")          # staging is not frozen: it goes live there
    assert staged["status"] == "live"
    assert ports.store.collection("deployments").count({"service_id": web_prod["id"]}) == 1   # not promoted
    _, logs = org.call("GET", f"/deployments/{staged['id']}/logs")
    assert any(line["message"].startswith("not promoted to production: the production environment is frozen: audit week")
               for line in logs["lines"]), logs
    _, plan = org.call("GET", f"{envs}/staging/promote?to=production")
    assert plan["services"][0]["action"] == "skip" and "is frozen" in plan["services"][0]["reason"]

    for body, field in (({"reason": ""}, "reason"), ({"reason": "x", "until": iso_from_epoch(time.time() - 60)}, "until"),
                        ({"reason": "x", "until": "2026-12-01T10:00:00"}, "until")):   # past, or no time zone
        status, err = org.call("POST", f"{envs}/staging/freeze", body)
        assert status == 422 and err["error"]["field"] == field, (body, err)
    # a freeze that ended by itself refuses nothing
    env = ports.store.collection("environments").find_one({"project_id": prj["id"], "name": "production"})
    ports.store.collection("environments").update(env["id"], {"freeze": {**env["freeze"], "until": iso_from_epoch(time.time() - 1)}})
    _, shown = org.call("GET", f"{envs}/production")
    assert shown["freeze"] is None
    assert org.deploy(ports, web_prod, image="nginx:1.29")["status"] == "live"


def _hours_from_now(delta: int) -> int:
    return (time.gmtime().tm_hour + delta) % 24


def test_recurring_freeze_windows_refuse_new_releases_inside_and_an_admin_lifts_one_time(api, ports):
    org = new_org(api, email="owner@acme.io")
    prj = org.project()
    envs = f"/projects/{prj['id']}/environments"
    svc = org.service(name="web", image="nginx:1.27")
    first = org.deploy(ports, svc)
    queued = org.queue_deployment(svc, image="nginx:1.28")       # asked for before the window opened

    later = {"start": f"0 {_hours_from_now(1)} * * *", "end": f"0 {_hours_from_now(2)} * * *", "reason": "batch"}
    status, env = org.call("PATCH", f"{envs}/production", {"freeze_windows": [later]})
    assert status == 200 and env["freeze"] is None, env
    assert env["freeze_windows"] == [{**later, "timezone": "UTC"}]
    assert env["next_freeze"]["reason"] == "batch" and env["next_freeze"]["starts"] > iso_from_epoch(time.time())

    now_open = {"start": f"0 {_hours_from_now(-1)} * * *", "end": f"0 {_hours_from_now(1)} * * *",
                "timezone": "UTC", "reason": "month-end close"}
    status, env = org.call("PATCH", f"{envs}/production", {"freeze_windows": [later, now_open]})
    assert status == 200 and env["freeze"]["reason"] == "month-end close" and env["freeze"]["by"] == "freeze window", env
    status, err = org.call("POST", f"/services/{svc['id']}/deployments", {"image": "nginx:1.29"})
    assert status == 409 and err["error"]["field"] == "environment", err
    assert "frozen until" in err["error"]["message"] and "a recurring freeze, 0 " in err["error"]["message"]
    # the deploy queued before the window opened does not start in it
    cancelled = run_to_end(ports, queued["id"])
    assert cancelled["status"] == "cancelled" and cancelled["reason"].startswith("not started: the production "
                                                                                  "environment is frozen until"), cancelled
    status, rb = org.call("POST", f"/services/{svc['id']}/rollback", {"deployment_id": first["id"]})
    assert status == 202 and run_to_end(ports, rb["id"])["status"] == "live"   # an incident's rollback still runs

    status, env = org.call("DELETE", f"{envs}/production/freeze")             # lifted this time only
    assert status == 200 and env["freeze"] is None and len(env["freeze_windows"]) == 2, env
    assert org.deploy(ports, svc, image="nginx:1.29")["status"] == "live"
    _, audit = org.call("GET", "/audit?limit=20")
    unfreeze = next(e for e in audit["items"] if e["action"] == "environment.unfreeze")
    assert unfreeze["details"]["was"]["reason"] == "month-end close" and unfreeze["details"]["window_lifted_until"]

    for body, field in (({"freeze_windows": [{**later, "start": "0 18 * *"}]}, "freeze_windows.0.start"),
                        ({"freeze_windows": [{**later, "timezone": "Mars/Olympus"}]}, "freeze_windows.0.timezone"),
                        ({"freeze_windows": [{**later, "end": later["start"]}]}, "freeze_windows.0"),
                        ({"freeze_windows": [{**later, "reason": ""}]}, "freeze_windows.0.reason"),
                        ({"freeze_windows": [later] * 11}, "freeze_windows")):
        status, err = org.call("PATCH", f"{envs}/production", body)
        assert status == 422 and err["error"]["field"] == field, (body, err)
    status, env = org.call("PATCH", f"{envs}/production", {"freeze_windows": []})
    assert status == 200 and env["freeze_windows"] == [] and env["next_freeze"] is None
