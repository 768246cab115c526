"""Alerts per service: rules with defaults, evaluated every minute by beat (tasks.EVALUATE_ALERTS).

An alert opens once, is updated while it lasts, and resolves once: it opens when the value
crosses the threshold and resolves only when the value falls below RESOLVE_RATIO of it
(hysteresis), so a value hovering at the line does not open and close alerts in a storm.
One open alert per (service, rule) is enforced by the store: `open_key` is unique, and is
the alert's own id once resolved. The service's `open_alerts` lists the rules of its open alerts. Opening and resolving are audit events and notification
events (alert.opened, alert.resolved: chalicelib/notify); alerts are searchable.
In the sandbox the same pass first publishes the simulated tasks' metrics (simulator.py).
"""
from __future__ import annotations

import logging
import time
from typing import Any, Callable, Optional

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.audit import service as audit
from chalicelib.catalog.models import AlertRule
from chalicelib.catalog.service import get_service
from chalicelib.cloud.assumed import AccessBroken
from chalicelib.core.context import SYSTEM, Actor, Ports
from chalicelib.core.errors import BadRequest, Invalid
from chalicelib.core.ids import new_id, now_iso, parse_iso
from chalicelib.deploys import placement
from chalicelib.deploys import service as deploys
from chalicelib.notify import service as notify
from chalicelib.observe import events, metrics
from chalicelib.store.port import Conflict, iter_all

log = logging.getLogger("launchbay.alerts")
RESOLVE_RATIO = 0.8
Metric = AlertRule   # the rules' names, as a service's auto_rollback names them too
# rule -> (default threshold, default window in minutes, unit, web services only)
DEFAULTS: dict[str, tuple[float, int, str, bool]] = {
    "http_5xx_rate": (5.0, 5, "%", True),
    "latency_p95": (1000.0, 5, "ms", True),
    "cpu": (90.0, 10, "%", False),
    "memory": (90.0, 10, "%", False),
    "restarts": (3.0, 15, "tasks stopped", False),
}
MIN_REQUESTS = 10   # a 5xx rate over fewer requests is noise


class RuleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    metric: Metric
    threshold: float = Field(gt=0, le=1_000_000)
    window_minutes: int = Field(default=5, ge=1, le=60)
    enabled: bool = True


class RulesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rules: list[RuleIn] = Field(max_length=len(DEFAULTS))


def rules_of(ports: Ports, service: dict[str, Any]) -> list[dict[str, Any]]:
    """The defaults, with the service's own settings over them."""
    doc = ports.store.collection("alert_rules").find_one({"service_id": service["id"]}) or {}
    own = doc.get("rules") or {}
    out = []
    for metric, (threshold, window, unit, web_only) in DEFAULTS.items():
        rule = {"metric": metric, "threshold": threshold, "window_minutes": window, "enabled": True,
                "unit": unit, "default": metric not in own}
        rule.update(own.get(metric) or {})
        rule["applies"] = service["kind"] == "web" or not web_only
        out.append(rule)
    return out


def get_rules(ports: Ports, actor: Actor, org_id: str, service_id: str) -> dict[str, Any]:
    service = get_service(ports, actor, org_id, service_id)
    return {"rules": rules_of(ports, service)}


def put_rules(ports: Ports, actor: Actor, org_id: str, service_id: str, body: RulesIn) -> dict[str, Any]:
    service = get_service(ports, actor, org_id, service_id, "service.write")
    seen = [r.metric for r in body.rules]
    dup = next((m for m in seen if seen.count(m) > 1), None)
    if dup:
        raise BadRequest(f"rule {dup} is given twice", field="rules")
    for i, r in enumerate(body.rules):   # a percentage above 100 could never fire: a silent no-op
        if DEFAULTS[r.metric][2] == "%" and r.threshold > 100:
            raise Invalid(f"{r.metric} is a percentage: its threshold is at most 100", field=f"rules.{i}.threshold")
    own = {r.metric: {"threshold": r.threshold, "window_minutes": r.window_minutes, "enabled": r.enabled}
           for r in body.rules}
    coll = ports.store.collection("alert_rules")
    with ports.store.transaction():
        doc = coll.find_one({"service_id": service["id"]})
        if doc:
            coll.update(doc["id"], {"rules": own, "updated": now_iso()})
        else:
            coll.insert({"id": new_id("alr"), "org_id": org_id, "service_id": service["id"], "rules": own,
                         "created": now_iso(), "updated": now_iso()})
        audit.record(ports, actor, org_id, "alert_rules.update", "service", service["id"], {"rules": own})
    return {"rules": rules_of(ports, service)}


def list_alerts(ports: Ports, actor: Actor, org_id: str, service_id: str, status: Optional[str], limit: int,
                after: Optional[str]) -> tuple[list[dict[str, Any]], Optional[str]]:
    service = get_service(ports, actor, org_id, service_id)
    where: dict[str, Any] = {"service_id": service["id"]}
    if status:
        if status not in ("open", "resolved"):
            raise BadRequest("status must be open or resolved", field="status")
        where["status"] = status
    docs, nxt = ports.store.collection("alerts").find(where, order="-created", limit=limit, after=after)
    return [public(d) for d in docs], nxt


def public(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if k != "open_key"}


# --- evaluation ----------------------------------------------------------------------------

def values(series: dict[str, list[Optional[float]]], stopped_ms: list[int], now: float,
           window_minutes: int, stamps: list[int]) -> dict[str, Optional[float]]:
    """Each rule's value over the last `window_minutes` (None: no data)."""
    since = now - window_minutes * 60
    idx = [i for i, t in enumerate(stamps) if t >= since]

    def pick(name: str) -> list[float]:
        col = series.get(name) or []
        return [v for i in idx if i < len(col) and (v := col[i]) is not None]

    def avg(name: str) -> Optional[float]:
        got = pick(name)
        return round(sum(got) / len(got), 2) if got else None

    requests, errors = sum(pick("requests")), sum(pick("http_5xx"))
    p95 = pick("latency_p95")
    return {"http_5xx_rate": round(100.0 * errors / requests, 2) if requests >= MIN_REQUESTS else None,
            "latency_p95": max(p95) if p95 else None, "cpu": avg("cpu"), "memory": avg("memory"),
            "restarts": float(sum(1 for ms in stopped_ms if ms / 1000 >= since))}


WORDS = {"http_5xx_rate": "5xx responses", "latency_p95": "p95 latency", "cpu": "CPU", "memory": "memory",
         "restarts": "stopped tasks"}


def _what(rule: dict[str, Any], value: float) -> str:
    """The alert in words, e.g. "5xx responses 62 % over 5 min (threshold 5 %)"."""
    if rule["metric"] == "restarts":   # the unit says it: "6 tasks stopped over 15 min"
        return f"{value:g} {rule['unit']} over {rule['window_minutes']} min (threshold {rule['threshold']:g})"
    return (f"{WORDS[rule['metric']]} {value:g} {rule['unit']} over {rule['window_minutes']} min "
            f"(threshold {rule['threshold']:g} {rule['unit']})")


def _message(service: dict[str, Any], rule: dict[str, Any], value: float) -> str:
    return f"{service['name']}: {_what(rule, value)}"


def _resolved_words(rule: dict[str, Any], value: Optional[float], peak: Optional[float]) -> str:
    """Why it resolved, e.g. "5xx responses back to 0.4 % (threshold 5 %, peak 62 %)"."""
    if not rule["enabled"] or not rule["applies"] or value is None:
        return f"the {WORDS[rule['metric']]} rule was turned off"
    unit = "" if rule["metric"] == "restarts" else f" {rule['unit']}"
    name = "tasks stopped" if rule["metric"] == "restarts" else WORDS[rule["metric"]]
    return (f"{name} back to {value:g}{unit} over {rule['window_minutes']} min (threshold {rule['threshold']:g}{unit}"
            + (f", peak {peak:g}{unit})" if peak is not None else ")"))


def apply(ports: Ports, service: dict[str, Any], rule: dict[str, Any], value: Optional[float]) -> Optional[str]:
    """Open, update or resolve the rule's alert for this value -> "opened" | "updated" | "resolved" | None."""
    coll = ports.store.collection("alerts")
    key = f"{service['id']}:{rule['metric']}"
    current = coll.find_one({"open_key": key})
    if value is None and current is None:
        return None
    if current is None:
        if not rule["enabled"] or not rule["applies"] or value is None or value <= rule["threshold"]:
            return None
        doc = {"id": new_id("alt"), "org_id": service["org_id"], "project_id": service.get("project_id"),
               "service_id": service["id"], "service_name": service["name"], "rule": rule["metric"],
               "status": "open", "open_key": key, "threshold": rule["threshold"], "unit": rule["unit"],
               "value": value, "peak": value, "message": _message(service, rule, value),
               "opened": now_iso(), "updated": now_iso(), "resolved": None, "created": now_iso()}
        try:
            with ports.store.transaction():
                coll.insert(doc)
                _mark_service(ports, service["id"])
                audit.record(ports, SYSTEM, service["org_id"], "alert.open", "alert", doc["id"],
                             {"service_id": service["id"], "rule": rule["metric"], "value": value,
                              "threshold": rule["threshold"]})
        except Conflict:   # another evaluator opened it first: one alert
            return None
        notify.alert_changed(ports, service, doc, "opened", _what(rule, value))   # after the commit; never raises
        if service.get("auto_rollback"):
            _roll_back(ports, service, doc)
        return "opened"
    # no data keeps an open alert open (a gap is not a recovery)
    resolve = not rule["enabled"] or not rule["applies"] or \
        (value is not None and value <= rule["threshold"] * RESOLVE_RATIO)   # the rule as it is now
    if resolve:
        return "resolved" if _resolve(ports, service, current, value, lambda done: _resolved_words(
            rule, value, done.get("peak"))) else None
    if value is not None and value != current.get("value"):
        coll.update(current["id"], {"value": value, "peak": max(value, current.get("peak") or value),
                                    "threshold": rule["threshold"], "message": _message(service, rule, value),
                                    "updated": now_iso()})
        return "updated"
    return None


def _roll_back(ports: Ports, service: dict[str, Any], alert: dict[str, Any]) -> None:
    """The service asked to roll back a new release on this alert (deploys.service.roll_back_on_alert
    decides); a failure to do so is logged, never a failed alert pass."""
    try:
        dep = deploys.roll_back_on_alert(ports, service, alert)
    except Exception:
        log.exception("could not roll %s back on alert %s", service["id"], alert["id"])
        return
    if dep is not None:
        ports.store.collection("alerts").update(alert["id"], {"rollback_deployment_id": dep["id"]})


def open_rules(store: Any, service_id: str) -> list[str]:
    docs, _ = store.collection("alerts").find({"service_id": service_id, "status": "open"}, limit=len(DEFAULTS) + 1)
    return sorted(d["rule"] for d in docs)


def _mark_service(ports: Ports, service_id: str) -> None:
    """The service carries its open alerts' rules (`open_alerts`), written with the alert in one
    transaction, so that lists show them at a glance without a query per service."""
    # (a service deleted meanwhile: update finds nothing and writes nothing)
    ports.store.collection("services").update(service_id, {"open_alerts": open_rules(ports.store, service_id)})


def _resolve(ports: Ports, service: dict[str, Any], current: dict[str, Any], value: Optional[float],
             words: Callable[[dict[str, Any]], str], reason: Optional[str] = None) -> bool:
    """Resolve one open alert (audited), then tell its subscribers -> False when another pass did first."""
    with ports.store.transaction():
        done = ports.store.collection("alerts").update(
            current["id"], {"status": "resolved", "open_key": current["id"], "resolved": now_iso(), "updated": now_iso(),
                            **({"value": value} if value is not None else {}),
                            **({"resolved_reason": reason} if reason else {})}, expect={"status": "open"})
        if done is None:
            return False
        _mark_service(ports, service["id"])
        audit.record(ports, SYSTEM, service["org_id"], "alert.resolve", "alert", current["id"],
                     {"service_id": service["id"], "rule": current["rule"], "value": value})
    notify.alert_changed(ports, service, done, "resolved", words(done))   # after the commit; never raises
    return True


def resolve_for(ports: Ports, service: dict[str, Any], why: str) -> int:
    """A service being deleted or suspended is evaluated no more: its open alerts resolve now,
    saying why (`resolved_reason`), rather than stay open for good. -> how many."""
    opened = list(iter_all(ports.store.collection("alerts"), {"service_id": service["id"], "status": "open"}))
    return sum(_resolve(ports, service, current, None, lambda _: why, why) for current in opened)


def resolve_for_deleted(ports: Ports, service: dict[str, Any]) -> int:
    return resolve_for(ports, service, "the service was deleted")


def publish_sandbox_metrics(ports: Ports, service: dict[str, Any], now: float) -> None:
    """The sandbox's simulated tasks report what ECS and the load balancer would, minute by
    minute; `sandbox_metrics_until` on the service keeps each minute from being sent twice."""
    where = metrics.locate(ports, service)
    cloud = where["cloud"]
    if not cloud.sandbox:
        return
    placed = placement.placed(ports, service)
    if placed is None:
        return
    born = int(parse_iso(placed["created"]).timestamp()) // 60 * 60 - 60   # no minute before the deploy
    after = max(int(service.get("sandbox_metrics_until") or 0), born)
    until = cloud.publish_simulated_metrics(where["service"], where["target_group"], where["load_balancer"],
                                            after, now=now)
    if where.get("queue"):   # its queue's backlog, as AWS/SQS would report it
        cloud.publish_queue_metrics(where["queue"], now=now)
    if until != after:
        ports.store.collection("services").update(service["id"], {"sandbox_metrics_until": until})
        service["sandbox_metrics_until"] = until


def evaluate_service(ports: Ports, service: dict[str, Any], now: Optional[float] = None) -> dict[str, str]:
    now = time.time() if now is None else now
    publish_sandbox_metrics(ports, service, now)
    rules = rules_of(ports, service)
    longest = max(r["window_minutes"] for r in rules)
    start, end = int(now // 60 * 60) - longest * 60, int(now // 60 * 60)
    data = metrics.fetch(ports, service, start, end, 60)
    raw = events.read(ports, service, now) or {}
    stopped = [t["stopped_ms"] for t in raw.get("stopped", []) if t.get("stopped_ms")]
    out = {}
    for rule in rules:
        value = values(data["series"], stopped, end, rule["window_minutes"], data["timestamps"])[rule["metric"]]
        change = apply(ports, service, rule, value)
        if change:
            out[rule["metric"]] = change
    return out


def evaluate_all(ports: Ports, now: Optional[float] = None) -> dict[str, int]:
    """Every service with an ECS service (live, or a failed first release still running)."""
    counts = {"services": 0, "opened": 0, "updated": 0, "resolved": 0, "unreachable": 0}
    for service in iter_all(ports.store.collection("services"), {"status": {"$in": ["live", "failed"]}}):
        if service["kind"] == "cron":
            continue
        try:
            changes = evaluate_service(ports, service, now)
        except AccessBroken:   # health watch reports it on the service
            counts["unreachable"] += 1
            continue
        counts["services"] += 1
        for change in changes.values():
            counts[change] += 1
    return counts

