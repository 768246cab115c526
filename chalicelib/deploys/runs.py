"""Runs of cron services: each scheduled or manual run's start, end and exit code."""
from __future__ import annotations

from typing import Any, Optional

from chalicelib.audit import service as audit
from chalicelib.catalog.service import get_service
from chalicelib.core.context import Actor, Ports
from chalicelib.core.errors import StateConflict
from chalicelib.core.ids import new_id, now_iso


def run_now(ports: Ports, actor: Actor, org_id: str, service_id: str) -> dict[str, Any]:
    service = get_service(ports, actor, org_id, service_id, "deploy")
    live = ports.store.collection("deployments").get(service.get("live_deployment_id") or "")
    if service["kind"] != "cron" or not live:
        raise StateConflict("only a cron service with a live release can be run", field="service")
    run = {"id": new_id("run"), "org_id": org_id, "service_id": service_id, "deployment_id": live["id"],
           "trigger": "manual", "actor": actor.label, "status": "starting", "created": now_iso(),
           "started": None, "finished": None, "exit_code": None, "task_arn": None}
    with ports.store.transaction():
        ports.store.collection("runs").insert(run)
        audit.record(ports, actor, org_id, "service.run", "service", service_id, {"run": run["id"]})
    ports.queue.publish("launchbay.start_run", run["id"])
    return run


def start(ports: Ports, run_id: str) -> dict[str, Any]:
    """Worker side: start the task (idempotent per run through the client token)."""
    runs = ports.store.collection("runs")
    run = runs.get(run_id)
    if run is None or run["status"] != "starting":
        return run or {}
    live = ports.store.collection("deployments").get(run["deployment_id"])
    network = next((s["result"] for s in live["steps"] if s["name"] == "network"), None) or ports.cloud.ensure_network()
    out = ports.cloud.run_task(live["task_definition"], network, env=(live.get("spec") or {}).get("env"),
                               client_token=run_id)
    changes: dict[str, Any] = {"status": "running", "started": now_iso(), "task_arn": out.get("task_arn")}
    if out.get("simulated"):  # the sandbox knows the outcome at once
        changes.update(status="succeeded" if out.get("exit_code") == 0 else "failed",
                       finished=now_iso(), exit_code=out.get("exit_code"))
    return runs.update(run_id, changes, expect={"status": "starting"}) or runs.get(run_id)


def list_runs(ports: Ports, actor: Actor, org_id: str, service_id: str, limit: int, after: Optional[str]):
    get_service(ports, actor, org_id, service_id)
    return ports.store.collection("runs").find({"service_id": service_id}, limit=limit, after=after)
