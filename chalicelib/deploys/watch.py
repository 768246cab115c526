"""Periodic checks of what runs (Celery beat): health of live services, drift from the
last live release, and clean-up of old task-definition revisions."""
from __future__ import annotations

from typing import Any

from chalicelib.cloud import naming
from chalicelib.cloud.assumed import AccessBroken
from chalicelib.core.context import Ports
from chalicelib.core.ids import now_iso
from chalicelib.deploys.placement import cloud_of
from chalicelib.store.port import iter_all

KEEP_REVISIONS = 10   # task-definition revisions kept per service besides those of recent releases


def _ref(service: dict[str, Any]) -> naming.ServiceNames:
    return naming.of_service(service)


def health_watch(ports: Ports) -> dict[str, int]:
    """Status and last-checked time on every live service."""
    store = ports.store
    counts = {"healthy": 0, "degraded": 0, "missing": 0, "unreachable": 0}
    for service in iter_all(store.collection("services"), {"status": "live"}):
        if service["kind"] == "cron":
            continue  # a cron job has no standing tasks; its runs carry their own outcome
        try:   # in the account and region the service runs in
            desc = cloud_of(ports, service).describe_service(_ref(service).service)
        except AccessBroken as exc:  # the connection shows as broken; the service says why
            store.collection("services").update(service["id"], {"health": {
                "status": "unreachable", "detail": str(exc), "checked": now_iso()}})
            counts["unreachable"] += 1
            continue
        if desc is None:
            health = {"status": "missing", "detail": "the ECS service no longer exists"}
        else:  # the sandbox reports the counts its simulated tasks would give
            words = f"{desc['running']} of {desc['desired']} tasks running" + (
                f" ({desc['simulated']})" if desc.get("simulated") else "")
            health = {"status": "healthy" if desc["running"] >= max(desc["desired"], 1) else "degraded", "detail": words}
        health["checked"] = now_iso()
        store.collection("services").update(service["id"], {"health": health})
        counts[health["status"]] += 1
    return counts


def detect_drift(ports: Ports) -> dict[str, int]:
    """Flags services whose ECS service no longer runs the last live release's task definition."""
    store = ports.store
    counts = {"checked": 0, "drifted": 0}
    for service in iter_all(store.collection("services"), {"status": "live"}):
        live = store.collection("deployments").get(service.get("live_deployment_id") or "")
        if not live or service["kind"] == "cron" or not live.get("task_definition"):
            continue
        try:
            desc = cloud_of(ports, service).describe_service(_ref(service).service)
        except AccessBroken:  # health_watch reports it on the service
            continue
        actual = desc and desc.get("task_definition")
        drift = None
        if actual != live["task_definition"]:
            drift = {"expected": live["task_definition"], "actual": actual, "detected": now_iso(),
                     "detail": "the ECS service was changed outside Launchbay; redeploy to restore the release"}
            counts["drifted"] += 1
        if drift != service.get("drift"):
            store.collection("services").update(service["id"], {"drift": drift})
        counts["checked"] += 1
    return counts


def cleanup(ports: Ports) -> dict[str, int]:
    """Deregisters task-definition revisions no recent release uses, keeping the newest few."""
    store = ports.store
    removed = 0
    for service in iter_all(store.collection("services"), {"status": "live"}):
        try:
            cloud = cloud_of(ports, service)
            arns = cloud.list_task_definitions(_ref(service).family)
        except AccessBroken:
            continue
        releases, _ = store.collection("deployments").find({"service_id": service["id"], "status": "live"},
                                                            order="-number", limit=KEEP_REVISIONS)
        keep = {d.get("task_definition") for d in releases}
        for arn in arns[KEEP_REVISIONS:]:
            if arn not in keep:
                cloud.deregister_task_definition(arn)
                removed += 1
    return {"deregistered": removed}
