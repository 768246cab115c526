"""Runs of cron services: each scheduled or manual run's start, end and exit code."""
from __future__ import annotations

import time
from typing import Any, Optional

from chalicelib import tasks
from chalicelib.audit import service as audit
from chalicelib.catalog.service import get_service
from chalicelib.cloud import naming
from chalicelib.cloud.assumed import AccessBroken
from chalicelib.core.context import Actor, Ports
from chalicelib.core.errors import Invalid, StateConflict
from chalicelib.core.ids import epoch_from_iso, iso_from_epoch, new_id, now_iso
from chalicelib.deploys.steps import recorded_network
from chalicelib.lifecycle import states
from chalicelib.store.port import Conflict, iter_all


def run_now(ports: Ports, actor: Actor, org_id: str, service_id: str,
            command: Optional[list[str]] = None) -> dict[str, Any]:
    """Run the service's live release once: a cron job (its own command unless one is given),
    or a one-off command on a web or worker service (required: a web server's never ends)."""
    service = get_service(ports, actor, org_id, service_id, "deploy")
    if service["kind"] != "cron" and not command:
        raise Invalid(f"a {service['kind']} service runs a one-off command only: give the command to run "
                      "(e.g. [\"python\", \"manage.py\", \"shell\"]); its own command never ends", field="command")
    if service["kind"] == "cron" and service["status"] in states.SUSPENDED:   # its schedule is off too
        raise StateConflict(f"{service['name']} is {service['status']}: resume it first", field="status")
    live = ports.store.collection("deployments").get(service.get("live_deployment_id") or "")
    if not live or not live.get("task_definition"):
        raise StateConflict("the service has no live release to run: deploy it first", field="service")
    run = {"id": new_id("run"), "org_id": org_id, "service_id": service_id, "deployment_id": live["id"],
           "trigger": "manual", "actor": actor.label, "status": "starting", "created": now_iso(),
           "started": None, "finished": None, "exit_code": None,   # task_arn once started (unique when set)
           "command": list(command) if command else None}          # None: the release's own command
    with ports.store.transaction():
        ports.store.collection("runs").insert(run)
        audit.record(ports, actor, org_id, "service.run", "service", service_id,
                     {"run": run["id"], **({"command": run["command"]} if command else {})})
    ports.queue.publish(tasks.START_RUN, run["id"])
    return run


def start(ports: Ports, run_id: str) -> dict[str, Any]:
    """Worker side: start the task (idempotent per run through the client token)."""
    runs = ports.store.collection("runs")
    run = runs.get(run_id)
    if run is None or run["status"] != "starting":
        return run or {}
    live = ports.store.collection("deployments").get(run["deployment_id"])
    if live is None:
        raise LookupError(f"run {run_id}: its deployment {run['deployment_id']} no longer exists")
    cloud = ports.cloud_for(live.get("target"))   # where its release runs
    network = recorded_network(live) or cloud.ensure_network()
    command = run.get("command")
    out = cloud.run_task(live["task_definition"], network, env=(live.get("spec") or {}).get("env"),
                         client_token=run_id, command=command,
                         container=(live.get("spec") or {}).get("name") if command else None)
    changes: dict[str, Any] = {"status": "running", "started": now_iso(), "task_arn": out.get("task_arn")}
    if out.get("simulated"):  # the sandbox knows the outcome at once
        changes.update(status="succeeded" if out.get("exit_code") == 0 else "failed",
                       finished=now_iso(), exit_code=out.get("exit_code"))
    return runs.update(run_id, changes, expect={"status": "starting"}) or runs.get(run_id) or {}


def list_runs(ports: Ports, actor: Actor, org_id: str, service_id: str, limit: int,
              after: Optional[str]) -> tuple[list[dict[str, Any]], Optional[str]]:
    get_service(ports, actor, org_id, service_id)
    return ports.store.collection("runs").find({"service_id": service_id}, limit=limit, after=after)


def sync(ports: Ports) -> dict[str, int]:
    """Beat: record the runs the schedules started (and the end of manual ones) in each cron
    service's history. Idempotent: a run is known by its ECS task ARN."""
    store = ports.store
    runs = store.collection("runs")
    added = updated = 0
    listed: set[str] = set()   # task ARNs the schedules' listings just reported on
    for service in iter_all(store.collection("services"), {"status": "live", "kind": "cron"}):
        live = store.collection("deployments").get(service.get("live_deployment_id") or "")
        if not live:
            continue
        since = service.get("runs_synced_ms") or int(epoch_from_iso(live.get("finished") or live["created"]) * 1000)
        n = naming.of_service(service)
        try:
            found = ports.cloud_for(live.get("target")).list_task_runs(n.family, n.rule, since,
                                                                       env=(live.get("spec") or {}).get("env"))
        except AccessBroken:  # the connection shows as broken; the next sync catches up
            continue
        for r in found:
            listed.add(r["task_arn"])
            fields = {"status": _status(r), "exit_code": r.get("exit_code"), "reason": r.get("reason"),
                      "started": iso_from_epoch(r["started_ms"] / 1000) if r.get("started_ms") else None,
                      "finished": iso_from_epoch(r["finished_ms"] / 1000) if r.get("finished_ms") else None}
            known = runs.find_one({"task_arn": r["task_arn"]})
            if known:
                if known["status"] != fields["status"]:
                    runs.update(known["id"], fields)
                    updated += 1
                continue
            try:
                runs.insert({"id": new_id("run"), "org_id": service["org_id"], "service_id": service["id"],
                             "deployment_id": live["id"], "trigger": r.get("trigger", "schedule"), "actor": "schedule",
                             "task_arn": r["task_arn"], "created": fields["started"] or now_iso(), **fields})
                added += 1
            except Conflict:  # another sync got there first
                pass
        # the newest run still going is looked at again next time
        open_runs = [r["started_ms"] for r in found if r.get("finished_ms") is None and r.get("started_ms")]
        latest = max([r["started_ms"] for r in found if r.get("started_ms")] or [since])
        store.collection("services").update(service["id"], {"runs_synced_ms": min(open_runs) - 1 if open_runs else latest})
    updated += _sync_open(ports, skip=listed)
    return {"added": added, "updated": updated}


def _sync_open(ports: Ports, skip: frozenset[str] | set[str] = frozenset()) -> int:
    """Runs started with a task ARN and no end yet (one-off commands of web and worker services,
    which no schedule's family listing covers; cron runs too), looked up by DescribeTasks in the
    account and region their release runs in; `skip`: task ARNs a listing of this sync already
    reported on (a cron run still going), not asked about twice. -> how many changed."""
    runs, deps = ports.store.collection("runs"), ports.store.collection("deployments")
    by_target: dict[str, tuple[Any, list[dict[str, Any]]]] = {}
    for run in iter_all(runs, {"status": "running"}):
        if not run.get("task_arn") or run.get("finished") or run["task_arn"] in skip:
            continue
        live = deps.get(run.get("deployment_id") or "")
        if live is None:
            continue
        key = repr(sorted((live.get("target") or {}).items()))
        by_target.setdefault(key, (live.get("target"), []))[1].append(run)
    changed = 0
    for target, open_runs in by_target.values():
        try:
            found = {t["task_arn"]: t for t in ports.cloud_for(target).describe_task_runs([r["task_arn"] for r in open_runs])}
        except AccessBroken:  # the connection shows as broken; the next sync looks again
            continue
        for run in open_runs:
            t = found.get(run["task_arn"])
            if t is None and _older_than(run, FORGOTTEN_SECONDS):
                # ECS keeps a stopped task about an hour: its end was missed (or never seen)
                t = {"finished_ms": time.time() * 1000, "exit_code": None,
                     "reason": "ECS no longer knows its task: its end was not seen"}
            if t is None or t.get("finished_ms") is None:
                continue
            fields = {"status": _status(t), "exit_code": t.get("exit_code"), "reason": t.get("reason"),
                      "finished": iso_from_epoch(t["finished_ms"] / 1000)}
            if runs.update(run["id"], fields, expect={"status": "running"}) is not None:
                changed += 1
    return changed


FORGOTTEN_SECONDS = 2 * 3600   # a run ECS does not know this long after its start ended unseen


def _older_than(run: dict, seconds: float) -> bool:
    at = run.get("started") or run.get("created")
    return isinstance(at, str) and time.time() - epoch_from_iso(at) > seconds


def _status(run: dict) -> str:
    if run.get("finished_ms") is None:
        return "running"
    return "succeeded" if run.get("exit_code") == 0 else "failed"
