"""`launchbay metrics`, `events`, `alerts` and `alert-rules` through the real CLI and API, on a
service whose simulated tasks crash (the sandbox publishes their metrics to moto's CloudWatch;
the alert pass runs in-process as beat would, ten minutes ahead so that tasks have stopped)."""
from __future__ import annotations

import time

import pytest

from chalicelib.observe import alerts
from cli.commands.observe import sparkline
from tests.support.deploying import run_to_end


def deployed(cli, ports, name: str, fail: str = "") -> dict:
    """A web service deployed in-process; the alert pass run as beat would, ten minutes ahead."""
    svc = cli("services", "create", name, "--image", "nginx:1.27", "--port", "80", "--json",
              *(["--var", f"LAUNCHBAY_SANDBOX_FAIL={fail}"] if fail else [])).json()
    queued = cli("deploy", name, "--json").json()
    assert run_to_end(ports, queued["id"])["status"] == ("failed" if fail else "live")
    service = ports.store.collection("services").get(svc["id"])
    alerts.evaluate_service(ports, service, now=time.time() + 600)
    return svc


@pytest.fixture
def crashing(cli, account, ports):
    svc = deployed(cli, ports, "web", "crash")
    assert ports.store.collection("alerts").find_one({"service_id": svc["id"], "status": "open"})["rule"] == "restarts"
    return svc


def test_metrics_events_and_alerts_of_a_crashing_service(cli, crashing, ports):
    # a steady service beside it: its tasks report CPU and memory every minute (crashing ones, not always)
    deployed(cli, ports, "steady")
    shown = cli("metrics", "steady").stdout
    assert "(sandbox: simulated tasks)" in shown.splitlines()[0] and "a point every 60 s" in shown
    rows = {line.split()[0]: line.split() for line in shown.splitlines()[2:] if line.strip() and
            not line.startswith("deploy")}
    assert {"cpu", "memory", "running", "requests", "latency_p95"} <= set(rows), shown
    assert rows["running"][1:4] == ["1", "1", "1"] and "(of 1 desired)" in " ".join(rows["running"])
    assert 0 < float(rows["cpu"][1]) <= float(rows["cpu"][3]) < 100 and rows["cpu"][4] == "%"
    assert "deploy #1 live at" in shown
    assert "deploy #1 failed at" in cli("metrics", "web").stdout
    data = cli("metrics", "web", "--since", "7d", "--json").json()
    assert data["period"] == 480 and len(data["timestamps"]) <= 1440   # a week in the points the API allows
    assert set(data["series"]) >= {"cpu", "running"}
    bad = cli("metrics", "web", "--since", "yesterday", ok=None)
    assert bad.exit_code == 1 and "30m, 3h, 24h or 7d" in bad.stderr

    said = cli("events", "web").stdout
    assert "exited with code 1" in said or "code 1" in said, said
    assert "fix: " in said

    table = cli("status").stdout.splitlines()
    assert "OPEN ALERTS" in table[0] and "restarts" in next(line for line in table[1:] if line.split()[1] == "web")
    assert "open_alerts" in cli("status", "web").stdout
    (alert,) = cli("alerts", "web", "--open", "--json").json()["items"]
    assert alert["rule"] == "restarts" and alert["status"] == "open"
    table = cli("alerts", "web").stdout
    assert "restarts" in table and "open" in table and "tasks stopped" in table
    assert cli("alerts", "web", "--resolved", "--json").json()["items"] == []
    assert cli("alerts", "web", "--open", "--resolved", ok=None).exit_code == 1


def test_alert_rules_change_one_keep_the_others(cli, crashing):
    rules = {r["metric"]: r for r in cli("alert-rules", "web", "--json").json()["rules"]}
    assert rules["cpu"]["threshold"] == 90 and rules["cpu"]["default"]
    got = cli("alert-rules", "web", "--set", "cpu=80/15", "--set", "latency_p95=500", "--disable", "restarts",
              "--json").json()["rules"]
    rules = {r["metric"]: r for r in got}
    assert (rules["cpu"]["threshold"], rules["cpu"]["window_minutes"], rules["cpu"]["default"]) == (80, 15, False)
    assert rules["latency_p95"]["threshold"] == 500 and rules["latency_p95"]["window_minutes"] == 5
    assert rules["restarts"]["enabled"] is False and rules["memory"]["default"]
    # a second change keeps the first; --reset goes back to the default
    got = cli("alert-rules", "web", "--enable", "restarts", "--reset", "latency_p95", "--json").json()["rules"]
    rules = {r["metric"]: r for r in got}
    assert rules["cpu"]["threshold"] == 80 and rules["restarts"]["enabled"] and rules["latency_p95"]["default"]
    table = cli("alert-rules", "web").stdout
    assert "80 %" in table and "you" in table and "default" in table
    # usage errors name the option; the API's own check (a percentage over 100) comes back in words
    bad = cli("alert-rules", "web", "--set", "disk=5", ok=None)
    assert bad.exit_code == 1 and "no rule 'disk'" in bad.stderr
    bad = cli("alert-rules", "web", "--set", "cpu=lots", ok=None)
    assert bad.exit_code == 1 and "RULE=THRESHOLD" in bad.stderr
    bad = cli("alert-rules", "web", "--set", "cpu=150", ok=None)
    assert bad.exit_code == 1 and "at most 100" in bad.stderr


def test_sparkline_scales_to_its_width_and_keeps_gaps():
    assert sparkline([0, 1, 2, 3, 4, 5, 6, 7]) == "▁▂▃▄▅▆▇█"
    assert sparkline([5, None, 5]) == "▁ ▁"
    assert len(sparkline(list(range(1000)), width=40)) == 40
    assert sparkline([None, 1, 2, None]) == "▁█"   # no points before the first or after the last
    assert sparkline([None, None]) == "" and sparkline([]) == ""


def test_auto_rollback_is_set_shown_and_turned_off_from_the_cli(cli, account):
    made = cli("services", "create", "web", "--image", "nginx:1.27", "--port", "80", "--auto-rollback", "on",
               "--json").json()
    assert made["auto_rollback"] == {"window_minutes": 15, "rules": ["http_5xx_rate", "restarts"]}
    got = cli("services", "update", "web", "--auto-rollback", "30:latency_p95,http_5xx_rate", "--json").json()
    assert got["auto_rollback"] == {"window_minutes": 30, "rules": ["http_5xx_rate", "latency_p95"]}
    assert "auto_rollback" in cli("services", "show", "web").stdout
    bad = cli("services", "update", "web", "--auto-rollback", "30:disk", ok=None)
    assert bad.exit_code == 1 and "auto_rollback" in bad.stderr
    bad = cli("services", "update", "web", "--auto-rollback", "soon", ok=None)
    assert bad.exit_code == 1 and "MINUTES[:RULE,RULE]" in bad.stderr
    assert cli("services", "update", "web", "--auto-rollback", "off", "--json").json()["auto_rollback"] is None
