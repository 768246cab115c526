"""auto_rollback: a release that passes its health check and then fails its users (the sandbox's
LAUNCHBAY_SANDBOX_FAIL=errors answers 20-40 % 5xx) is rolled back by the platform when the 5xx
alert opens within the window after it went live; the alert pass runs in-process as beat would."""
from __future__ import annotations

import time

from chalicelib.core.ids import iso_from_epoch
from chalicelib.deploys import service as deploys
from chalicelib.observe import alerts
from tests.support.deploying import run_to_end


def test_a_release_that_answers_5xx_is_rolled_back_to_the_one_before(make_org, ports):
    org = make_org()
    svc = org.service(auto_rollback={})
    assert svc["auto_rollback"] == {"window_minutes": 15, "rules": ["http_5xx_rate", "restarts"]}
    first = org.deploy(ports, svc)
    assert first["status"] == "live"
    assert org.call("PATCH", f"/services/{svc['id']}", {"env": {"LAUNCHBAY_SANDBOX_FAIL": "errors"}})[0] == 200
    bad = org.deploy(ports, svc)
    assert bad["status"] == "live"                      # its health check passed: only its users see the errors
    service = ports.store.collection("services").get(svc["id"])
    assert alerts.evaluate_service(ports, service, now=time.time() + 600).get("http_5xx_rate") == "opened"

    alert = ports.store.collection("alerts").find_one({"service_id": svc["id"], "rule": "http_5xx_rate"})
    rollback = ports.store.collection("deployments").get(alert["rollback_deployment_id"])
    assert rollback["rollback_of"] == first["id"] and rollback["actor"] == "launchbay"
    assert rollback["auto_rollback"]["alert_id"] == alert["id"] and rollback["auto_rollback"]["release"] == 2
    assert rollback["auto_rollback"]["message"].startswith("5xx responses ")   # not "web: 5xx ...": the page names it
    # asked again for the same release (another rule, another evaluator): no second rollback
    assert deploys.roll_back_on_alert(ports, service, {**alert, "id": "alt_other"}) is None
    assert len(ports.store.collection("deployments").find({"service_id": svc["id"]})[0]) == 3

    done = run_to_end(ports, rollback["id"])
    assert done["status"] == "live" and "LAUNCHBAY_SANDBOX_FAIL" not in done["spec"]["env"]
    assert ports.store.collection("services").get(svc["id"])["live_deployment_id"] == done["id"]
    _, log = org.call("GET", f"/deployments/{done['id']}/logs")
    assert any("rollback to deployment #1, automatic: " in l["message"] and "5xx responses" in l["message"]
               and "after release #2 went live" in l["message"] for l in log["lines"]), log
    # a rollback is never rolled back in turn, however its alerts go
    now_live = ports.store.collection("services").get(svc["id"])
    assert deploys.roll_back_on_alert(ports, now_live, {**alert, "opened": iso_from_epoch(time.time())}) is None
    audit = ports.store.collection("audit_events").find({"org_id": org.id, "action": "deployment.create"})[0]
    assert [a["actor"] for a in audit if a["target_id"] == rollback["id"]] == ["launchbay"]


def test_no_rollback_when_off_too_late_or_for_another_rule(make_org, ports):
    org = make_org()
    off = org.service(name="off")
    org.deploy(ports, off)
    assert org.call("PATCH", f"/services/{off['id']}", {"env": {"LAUNCHBAY_SANDBOX_FAIL": "errors"}})[0] == 200
    org.deploy(ports, off)
    service = ports.store.collection("services").get(off["id"])
    assert alerts.evaluate_service(ports, service, now=time.time() + 600).get("http_5xx_rate") == "opened"
    assert len(ports.store.collection("deployments").find({"service_id": off["id"]})[0]) == 2   # none made

    on = org.service(name="on", auto_rollback={"window_minutes": 5, "rules": ["restarts"]})
    org.deploy(ports, on)
    org.deploy(ports, on)
    service = ports.store.collection("services").get(on["id"])
    alert = {"id": "alt_x", "rule": "http_5xx_rate", "opened": iso_from_epoch(time.time())}
    assert deploys.roll_back_on_alert(ports, service, alert) is None                         # not one of its rules
    late = {**alert, "rule": "restarts", "opened": iso_from_epoch(time.time() + 6 * 60)}
    assert deploys.roll_back_on_alert(ports, service, late) is None                          # after its window
    soon = {**alert, "rule": "restarts"}
    fix = org.queue_deployment(on)                                                          # a fix under way
    assert deploys.roll_back_on_alert(ports, service, soon) is None                          # left alone
    assert ports.store.collection("deployments").get(fix["id"]).get("cancel_requested") is None
    run_to_end(ports, fix["id"])
    service = ports.store.collection("services").get(on["id"])
    assert deploys.roll_back_on_alert(ports, service, soon)["rollback_of_number"] == 2


def test_auto_rollback_settings_are_checked_and_need_no_deploy(make_org, ports):
    from chalicelib.catalog.models import ALERT_RULES
    assert tuple(alerts.DEFAULTS) == ALERT_RULES   # every rule a service can roll back on has its defaults
    org = make_org()
    svc = org.service()
    org.deploy(ports, svc)
    status, out = org.call("PATCH", f"/services/{svc['id']}", {"auto_rollback": {"window_minutes": 30}})
    assert status == 200 and out["auto_rollback"] == {"window_minutes": 30, "rules": ["http_5xx_rate", "restarts"]}
    assert out["needs_deploy"] is False                  # the platform acts on it; nothing to deploy
    status, out = org.call("PATCH", f"/services/{svc['id']}", {"auto_rollback": {"rules": ["restarts", "cpu", "cpu"]}})
    assert status == 200 and out["auto_rollback"] == {"window_minutes": 30, "rules": ["cpu", "restarts"]}
    status, err = org.call("PATCH", f"/services/{svc['id']}", {"auto_rollback": {"rules": ["disk"]}})
    assert status == 422 and err["error"]["field"].startswith("auto_rollback"), err
    status, err = org.call("PATCH", f"/services/{svc['id']}", {"auto_rollback": {"window_minutes": 0}})
    assert status == 422 and err["error"]["field"].startswith("auto_rollback"), err
    status, out = org.call("PATCH", f"/services/{svc['id']}", {"auto_rollback": None})
    assert status == 200 and out["auto_rollback"] is None
    status, err = org.call("POST", f"/projects/{svc['project_id']}/services",
                           {"name": "tick", "kind": "cron", "image": "busybox", "schedule": "rate(1 hour)",
                            "auto_rollback": {}})
    assert status == 422 and err["error"]["field"] == "auto_rollback"
