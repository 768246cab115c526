"""Maintenance mode: a web service's hosts answer a 503 page with a message of the team's, from
the load balancer, while its tasks keep running (a long migration, a data fix, an incident).

Turned on or off, it applies at once: the live release's rule steps (`listener_rule`,
`domain_rule`) are planned again and executed as a deploy would, each rule that forwards
answering the page instead (steps._rule reads `maintenance` from the service). A deploy made
meanwhile plans the same way, so a release rolled out during maintenance stays behind the page
until it is turned off. Not while a deployment is under way: its own rule steps may be half
done, and a canary's weights would be lost.
"""
from __future__ import annotations

from typing import Any, Optional

from chalicelib.audit import service as audit
from chalicelib.catalog.service import get_service
from chalicelib.core.context import Actor, Ports
from chalicelib.core.errors import StateConflict
from chalicelib.core.ids import now_iso
from chalicelib.lifecycle import states

DEFAULT_MESSAGE = "We are working on it and will be back shortly."
RULE_STEPS = ("listener_rule", "domain_rule")


def set_maintenance(ports: Ports, actor: Actor, org_id: str, service_id: str,
                    message: Optional[str]) -> dict[str, Any]:
    """On (or a new message): its hosts answer the 503 page now."""
    service = _checked(ports, actor, org_id, service_id)
    text = (message or "").strip() or DEFAULT_MESSAGE
    if (service.get("maintenance") or {}).get("message") == text:
        return service
    value = {"message": text, "since": (service.get("maintenance") or {}).get("since") or now_iso(), "by": actor.label}
    return _switch(ports, actor, org_id, service, value, "service.maintenance_on")


def clear_maintenance(ports: Ports, actor: Actor, org_id: str, service_id: str) -> dict[str, Any]:
    """Off: its hosts forward to its tasks again, now."""
    service = _checked(ports, actor, org_id, service_id)
    if not service.get("maintenance"):
        return service
    return _switch(ports, actor, org_id, service, None, "service.maintenance_off")


def _checked(ports: Ports, actor: Actor, org_id: str, service_id: str) -> dict[str, Any]:
    from chalicelib.deploys.service import under_way

    service = get_service(ports, actor, org_id, service_id, "deploy")
    if service["kind"] != "web":
        raise StateConflict(f"a {service['kind']} service answers no requests: only a web service has a maintenance "
                            "page", field="service")
    if service["status"] in states.SUSPENDED or service["status"] == "deleting":
        raise StateConflict(f"{service['name']} is {service['status']}: its hosts answer no page of yours",
                            field="status")
    if not service.get("live_deployment_id"):
        raise StateConflict(f"{service['name']} has no live release yet: nothing to put behind a page", field="service")
    busy = under_way(ports, service_id)
    if busy:
        raise StateConflict(f"deployment #{busy['number']} is {busy['status']}: switch maintenance once it has "
                            "settled (it routes the hosts itself)", field="status")
    return service


def _switch(ports: Ports, actor: Actor, org_id: str, service: dict[str, Any], value: Optional[dict[str, Any]],
            action: str) -> dict[str, Any]:
    with ports.store.transaction():
        new = ports.store.collection("services").update(service["id"], {"maintenance": value, "updated": now_iso()},
                                                       expect={"updated": service["updated"]})
        if new is None:
            raise StateConflict("the service changed meanwhile: read it again and retry", field="service")
        audit.record(ports, actor, org_id, action, "service", service["id"],
                     {"message": value["message"]} if value else {})
    apply_rules(ports, new)
    from chalicelib.notify import service as notify

    notify.maintenance_changed(ports, new)
    return ports.store.collection("services").get(service["id"]) or new


def apply_rules(ports: Ports, service: dict[str, Any]) -> list[str]:
    """The live release's rules, planned again and executed now (as https.upgrade does) ->
    the hosts that answer as the service's maintenance setting says."""
    from chalicelib.deploys import engine, plan, steps

    live = ports.store.collection("deployments").get(service.get("live_deployment_id") or "")
    if live is None:
        return []
    ctx = steps.Ctx(ports=ports, dep=live, results=engine._done(live))
    entries, hosts = [dict(s) for s in live["steps"]], []
    for entry in entries:
        if entry["name"] in RULE_STEPS and entry.get("status") == "done":
            planned = getattr(steps, entry["name"])(ctx)
            entry["result"] = plan.execute(ctx.cloud, planned, lambda ref: "")   # no secrets in a rule's calls
            ctx.results[entry["name"]] = entry["result"]
            hosts += [h for h in [(entry["result"] or {}).get("host")] if h] if entry["name"] == "listener_rule" \
                else [h["host"] for h in steps.routed_hosts(entry["result"])]
    ports.store.collection("deployments").update(live["id"], {"steps": entries})
    return hosts
