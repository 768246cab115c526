"""Metrics, ECS events in words and alerts, against the sandbox: a service deployed with each
failure mode shows the matching metrics, events and alert (the simulator publishes metrics
to moto's CloudWatch; the alert pass runs as beat would, with a clock 10 minutes ahead so
that there are minutes to chart)."""
from __future__ import annotations

import time

import pytest

from chalicelib.core.ids import iso_from_epoch
from chalicelib.deploys import teardown
from chalicelib.observe import alerts, metrics
from chalicelib.search.indexer import relay_outbox

AHEAD = 600


def _window(now: float) -> str:
    return f"from={iso_from_epoch(now - 1800)}&to={iso_from_epoch(now)}&period=60"


def _observe(org, ports, svc: dict, now: float) -> tuple[dict, dict, dict]:
    service = ports.store.collection("services").get(svc["id"])
    alerts.evaluate_service(ports, service, now=now)
    status, chart = org.call("GET", f"/services/{svc['id']}/metrics?{_window(now)}")
    assert status == 200, chart
    status, evs = org.call("GET", f"/services/{svc['id']}/events")
    assert status == 200, evs
    status, found = org.call("GET", f"/services/{svc['id']}/alerts?status=open")
    assert status == 200, found
    return chart, evs, found


def _values(chart: dict, name: str) -> list[float]:
    return [v for v in chart["series"].get(name, []) if v is not None]


def test_a_healthy_web_service_charts_requests_and_latency_and_opens_no_alert(deployed_service, ports):
    org, svc, dep = deployed_service(health_check={"path": "/healthz"})
    assert dep["status"] == "live"
    now = time.time() + AHEAD
    chart, evs, found = _observe(org, ports, svc, now)
    n = len(chart["timestamps"])   # the window is widened to whole periods
    assert n in (30, 31) and all(len(v) == n for v in chart["series"].values())
    assert set(chart["series"]) == set(metrics.MS_SERIES) | {"cpu", "memory", "running", "desired", "requests",
                                                              "http_4xx", "http_5xx"}
    assert len(_values(chart, "requests")) >= 9 and min(_values(chart, "requests")) >= 120
    assert all(0 < v < 60 for v in _values(chart, "cpu"))
    assert _values(chart, "running") == _values(chart, "desired") and _values(chart, "running")[0] == 1
    assert max(_values(chart, "latency_p95")) < 200 and max(_values(chart, "http_5xx")) == 0
    p50, p99 = _values(chart, "latency_p50"), _values(chart, "latency_p99")
    assert all(a < b for a, b in zip(p50, p99))
    assert [m["id"] for m in chart["deployments"]] == [dep["id"]]
    assert chart["deployments"][0]["link"].endswith(f"/deployments/{dep['id']}")
    assert found["items"] == []
    assert any(e["kind"] == "steady" for e in evs["items"])


def test_crash_shows_restarts_the_exit_code_in_words_and_opens_one_alert(deployed_service, ports):
    org, svc, dep = deployed_service(env={"LAUNCHBAY_SANDBOX_FAIL": "crash"})
    assert dep["status"] == "failed"
    now = time.time() + AHEAD
    chart, evs, found = _observe(org, ports, svc, now)
    running = _values(chart, "running")
    assert 0 in running and 1 in running            # tasks come and go
    crash = next(e for e in evs["items"] if e["kind"] == "crash")
    assert crash["count"] >= 3 and "code 1" in crash["explanation"] and "logs" in crash["fix"]
    assert len(evs["items"]) == len({(e["kind"], e["title"]) for e in evs["items"]})   # de-duplicated
    assert [a["rule"] for a in found["items"]] == ["restarts"]
    assert org.call("GET", f"/services/{svc['id']}")[1]["open_alerts"] == ["restarts"]   # lists show it at a glance
    restarts = found["items"][0]
    assert restarts["value"] >= 3 and restarts["status"] == "open"
    # evaluated again, a minute on: the same alert is updated, not opened twice
    alerts.evaluate_service(ports, ports.store.collection("services").get(svc["id"]), now=now + 60)
    status, again = org.call("GET", f"/services/{svc['id']}/alerts")
    assert [a["id"] for a in again["items"]] == [restarts["id"]]
    audit = ports.store.collection("audit_events").find({"org_id": org.id, "action": "alert.open"})[0]
    assert [a["target_id"] for a in audit] == [restarts["id"]]
    # alerts are searchable, and can be asked for by type, as a parameter or in the query
    while relay_outbox(ports.store, ports.search, batch_size=500):
        pass
    for query in ("type=alert", "q=type:alert", "q=restarts&type=alert,deployment"):
        status, out = org.call("GET", f"/search?{query}")
        assert status == 200 and restarts["id"] in [r["id"] for r in out["results"] if r["type"] == "alert"], (query, out)
    # deleting the service resolves its open alert (nothing evaluates it any more), audited
    assert org.call("DELETE", f"/services/{svc['id']}")[0] == 202
    assert teardown.run(ports, svc["id"]) == "deleted"
    gone = ports.store.collection("alerts").get(restarts["id"])
    assert gone["status"] == "resolved" and gone["resolved"] and gone["open_key"] == restarts["id"]
    resolved = ports.store.collection("audit_events").find({"org_id": org.id, "action": "alert.resolve"})[0]
    assert [a["target_id"] for a in resolved] == [restarts["id"]]


def test_failing_health_checks_show_5xx_and_open_the_5xx_alert_until_it_recovers(deployed_service, ports):
    org, svc, dep = deployed_service(env={"LAUNCHBAY_SANDBOX_FAIL": "health"}, health_check={"path": "/ready"})
    assert dep["status"] == "failed"
    now = time.time() + AHEAD
    chart, evs, found = _observe(org, ports, svc, now)
    errors, requests = sum(_values(chart, "http_5xx")), sum(_values(chart, "requests"))
    assert requests and errors / requests > 0.5
    health = next(e for e in evs["items"] if e["kind"] == "health")
    assert "/ready" in health["explanation"] and "/ready" in health["fix"]
    rules = {a["rule"]: a for a in found["items"]}
    assert "http_5xx_rate" in rules and rules["http_5xx_rate"]["value"] > 50
    # the rule raised above the rate: the alert resolves once (hysteresis), and stays resolved
    status, body = org.call("PUT", f"/services/{svc['id']}/alert-rules",
                            {"rules": [{"metric": "http_5xx_rate", "threshold": 99, "window_minutes": 5}]})
    assert status == 200, body
    service = ports.store.collection("services").get(svc["id"])
    assert alerts.evaluate_service(ports, service, now=now).get("http_5xx_rate") == "resolved"
    assert alerts.evaluate_service(ports, service, now=now).get("http_5xx_rate") is None
    status, after = org.call("GET", f"/services/{svc['id']}/alerts?status=resolved")
    assert [a["id"] for a in after["items"]] == [rules["http_5xx_rate"]["id"]]
    assert "http_5xx_rate" not in org.call("GET", f"/services/{svc['id']}")[1]["open_alerts"]


def test_rules_default_validate_and_need_a_developer(make_org, ports):
    org = make_org()
    svc = org.service(kind="worker", port=None)
    status, body = org.call("GET", f"/services/{svc['id']}/alert-rules")
    assert status == 200
    rules = {r["metric"]: r for r in body["rules"]}
    assert rules["cpu"]["threshold"] == 90 and rules["cpu"]["default"] and not rules["http_5xx_rate"]["applies"]
    status, err = org.call("PUT", f"/services/{svc['id']}/alert-rules", {"rules": [{"metric": "disk", "threshold": 1}]})
    assert status == 422 and err["error"]["field"].startswith("rules")
    status, err = org.call("PUT", f"/services/{svc['id']}/alert-rules",
                           {"rules": [{"metric": "cpu", "threshold": 50}, {"metric": "cpu", "threshold": 60}]})
    assert status == 400 and err["error"]["field"] == "rules"
    status, err = org.call("PUT", f"/services/{svc['id']}/alert-rules",
                           {"rules": [{"metric": "restarts", "threshold": 150}, {"metric": "cpu", "threshold": 150}]})
    assert status == 422 and err["error"]["field"] == "rules.1.threshold" and "at most 100" in err["error"]["message"]
    assert org.call("GET", f"/services/{svc['id']}/alert-rules")[1]["rules"] == body["rules"]   # nothing saved


@pytest.mark.parametrize("query,field", [("period=90", "period"), ("period=x", "period"), ("from=yesterday", "from"),
                                         ("to=2026-13-01", "to"), ("period=60&from=2026-01-01&to=2026-01-05", "period"),
                                         ("from=2026-01-02&to=2026-01-01", "from")])
def test_bad_windows_are_400_naming_the_field(make_org, query, field):
    org = make_org()
    svc = org.service()
    status, err = org.call("GET", f"/services/{svc['id']}/metrics?{query}")
    assert status == 400 and err["error"]["field"] == field, err


def test_many_viewers_cost_one_fetch(deployed_service, ports):
    org, svc, _ = deployed_service()
    now = time.time()
    before = metrics.CACHE.misses
    for _ in range(5):
        status, _body = org.call("GET", f"/services/{svc['id']}/metrics?{_window(now)}")
        assert status == 200
    assert metrics.CACHE.misses == before + 1
