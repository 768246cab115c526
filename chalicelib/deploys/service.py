"""Deployments: creating them (with idempotency keys), reading them, their logs,
cancelling, rolling back, and the one function that changes their status."""
from __future__ import annotations

from typing import Any, Optional

from chalicelib.accounts.service import authorize, load_in_org
from chalicelib.audit import service as audit
from chalicelib.catalog.service import get_service
from chalicelib.core import outbox
from chalicelib.core.context import SYSTEM, Actor, Ports
from chalicelib.core.errors import Invalid, NotFound, StateConflict
from chalicelib.core.ids import iso_from_epoch, new_id, now_iso
from chalicelib.deploys import rules
from chalicelib.store.port import Conflict

import time

RUN_TASK = "launchbay.run_deployment"
# What a release freezes: rolling back to it reproduces exactly this.
SPEC_FIELDS = ("kind", "name", "image", "port", "command", "cpu", "memory", "env", "health_check",
               "min_instances", "max_instances", "schedule", "domain", "deregistration_delay", "autoscaling")


def public(dep: dict[str, Any]) -> dict[str, Any]:
    hidden = {"lease_owner", "lease_expires", "idempotency_scope"}
    return {k: v for k, v in dep.items() if k not in hidden}


def deadline_for(ports: Ports, status: str) -> Optional[str]:
    if status in rules.FINAL:
        return None
    seconds = rules.DEADLINES.get(status) or ports.settings.deploy_timeout_seconds
    return iso_from_epoch(time.time() + seconds)


def transition(ports: Ports, dep: dict[str, Any], to: str, reason: str, actor: Actor = SYSTEM,
               **fields: Any) -> Optional[dict[str, Any]]:
    """Compare-and-set the status; audit and outbox in the same transaction.
    Returns the new document, or None when another writer changed the status first."""
    if not rules.allowed(dep["status"], to):
        raise StateConflict(f"a deployment cannot go from {dep['status']} to {to}", field="status")
    now = now_iso()
    changes = {"status": to, "reason": reason, "updated": now, "deadline": deadline_for(ports, to), **fields}
    if to in rules.FINAL:
        changes["finished"] = now
    with ports.store.transaction():
        new = ports.store.collection("deployments").update(dep["id"], changes, expect={"status": dep["status"]})
        if new is None:
            return None
        outbox.record(ports.store, "deployments", dep["id"], dep["org_id"])
        audit.record(ports, actor, dep["org_id"], f"deployment.{to}", "deployment", dep["id"],
                     {"from": dep["status"], "reason": reason, "number": dep["number"]})
    return new


def create_deployment(ports: Ports, actor: Actor, org_id: str, service_id: str, image: Optional[str],
                      idempotency_key: Optional[str] = None, rollback_of: Optional[dict] = None) -> tuple[dict, bool]:
    """-> (deployment, created). A repeated Idempotency-Key returns the first deployment."""
    service = get_service(ports, actor, org_id, service_id, "deploy")
    if service["status"] == "deleting":
        raise StateConflict("the service is being deleted", field="service")
    deps = ports.store.collection("deployments")
    scope = f"{service_id}:{idempotency_key}" if idempotency_key else None
    if scope:
        if len(idempotency_key) > 200:
            raise Invalid("Idempotency-Key is longer than 200 characters", field="Idempotency-Key")
        first = deps.find_one({"idempotency_scope": scope})
        if first:
            return first, False
    if rollback_of:
        spec, secret_refs = dict(rollback_of["spec"]), dict(rollback_of.get("secret_refs") or {})
    else:
        spec = {k: service.get(k) for k in SPEC_FIELDS}
        spec["image"] = image or service["image"]
        secret_refs = None  # resolved by the engine from the current secret versions
    now = now_iso()
    dep = {"id": new_id("dep"), "org_id": org_id, "project_id": service["project_id"], "service_id": service_id,
           "service_name": service["name"], "kind": service["kind"], "number": ports.store.next_number(f"deploy:{service_id}"),
           "image": spec["image"], "spec": spec, "secret_refs": secret_refs,
           "rollback_of": rollback_of["id"] if rollback_of else None, "status": "queued",
           "reason": "waiting for a worker", "steps": [], "actor": actor.label, "error": None,
           "created": now, "updated": now, "deadline": deadline_for(ports, "queued"), "lease_owner": None,
           "lease_expires": None, "enqueued": 1}
    if scope:
        dep["idempotency_scope"] = scope
    try:
        with ports.store.transaction():
            deps.insert(dep)
            ports.store.collection("services").update(service_id, {"needs_deploy": False, "updated": now})
            outbox.record(ports.store, "deployments", dep["id"], org_id)
            audit.record(ports, actor, org_id, "deployment.create", "deployment", dep["id"],
                         {"number": dep["number"], "image": dep["image"], "rollback_of": dep["rollback_of"]})
    except Conflict as exc:
        if exc.field == "idempotency_scope":  # a concurrent request with the same key won
            return deps.find_one({"idempotency_scope": scope}), False
        raise
    supersede_older(ports, dep)
    # Published after commit; if Redis is down the reaper publishes it again.
    ports.queue.publish(RUN_TASK, dep["id"], queue="deploys")
    return dep, True


def supersede_older(ports: Ports, newest: dict[str, Any]) -> None:
    older, _ = ports.store.collection("deployments").find(
        {"service_id": newest["service_id"], "status": "queued", "number": {"$lt": newest["number"]}}, limit=100)
    for dep in older:
        transition(ports, dep, "superseded", f"superseded by deployment #{newest['number']}")


def get_deployment(ports: Ports, actor: Actor, org_id: str, deployment_id: str) -> dict[str, Any]:
    return load_in_org(ports, actor, org_id, "read", "deployments", deployment_id, "deployment")


def list_deployments(ports: Ports, actor: Actor, org_id: str, service_id: str, limit: int, after: Optional[str],
                     status: Optional[str] = None):
    get_service(ports, actor, org_id, service_id)
    where: dict[str, Any] = {"service_id": service_id}
    if status:
        where["status"] = status
    return ports.store.collection("deployments").find(where, order="-number", limit=limit, after=after)


def list_releases(ports: Ports, actor: Actor, org_id: str, service_id: str, limit: int, after: Optional[str]):
    """Releases are the deployments that reached `live`: each can be rolled back to."""
    service = get_service(ports, actor, org_id, service_id)
    docs, nxt = ports.store.collection("deployments").find({"service_id": service_id, "status": "live"},
                                                           order="-number", limit=limit, after=after)
    out = [{"deployment_id": d["id"], "number": d["number"], "image": d["image"], "actor": d["actor"],
            "created": d["created"], "finished": d.get("finished"), "current": d["id"] == service.get("live_deployment_id"),
            "secret_versions": {k: v.get("version") for k, v in (d.get("secret_refs") or {}).items()},
            "task_definition": d.get("task_definition")} for d in docs]
    return out, nxt


def rollback(ports: Ports, actor: Actor, org_id: str, service_id: str, deployment_id: str,
             idempotency_key: Optional[str] = None) -> tuple[dict, bool]:
    target = get_deployment(ports, actor, org_id, deployment_id)
    if target["service_id"] != service_id:
        raise NotFound("deployment not found for this service", field="deployment_id")
    if target["status"] != "live":
        raise Invalid("only a release (a deployment that went live) can be rolled back to", field="deployment_id")
    return create_deployment(ports, actor, org_id, service_id, None, idempotency_key, rollback_of=target)


def cancel(ports: Ports, actor: Actor, org_id: str, deployment_id: str) -> dict[str, Any]:
    dep = get_deployment(ports, actor, org_id, deployment_id)
    authorize(ports, actor, org_id, "deploy")
    if dep["status"] == "queued":
        new = transition(ports, dep, "cancelled", f"cancelled by {actor.label}", actor)
        if new:
            return new
        dep = ports.store.collection("deployments").get(deployment_id)
    if dep["status"] == "provisioning":
        # The engine stops at its next step boundary, before anything reaches ECS.
        new = ports.store.collection("deployments").update(
            deployment_id, {"cancel_requested": actor.label}, expect={"status": "provisioning"})
        if new:
            audit.record(ports, actor, org_id, "deployment.cancel_requested", "deployment", deployment_id)
            return new
        dep = ports.store.collection("deployments").get(deployment_id)
    raise StateConflict(f"a {dep['status']} deployment cannot be cancelled"
                        + ("; roll back to an earlier release instead" if dep["status"] in ("deploying", "live") else ""),
                        field="status")


# --- log lines ---------------------------------------------------------------

def append_log(ports: Ports, dep: dict[str, Any], message: str, step: str = "", level: str = "info") -> None:
    seq = ports.store.next_number(f"log:{dep['id']}")
    line = {"id": new_id("log"), "org_id": dep["org_id"], "deployment_id": dep["id"], "service_id": dep["service_id"],
            "project_id": dep.get("project_id"), "seq": seq, "ts": now_iso(), "created": now_iso(),
            "level": level, "step": step, "message": message[:4000]}
    with ports.store.transaction():
        ports.store.collection("log_lines").insert(line)
        outbox.record(ports.store, "log_lines", line["id"], dep["org_id"])


def read_logs(ports: Ports, actor: Actor, org_id: str, deployment_id: str, after: Optional[str], limit: int):
    get_deployment(ports, actor, org_id, deployment_id)
    from chalicelib.core.errors import BadRequest

    # `next` values are sequence numbers: a few ASCII digits (int() would also take "+1", "1_0"
    # and numbers too large for the store): anything else is a malformed parameter, a 400
    if after and not (after.isascii() and after.isdigit() and len(after) <= 18):
        raise BadRequest("after must be the `next` value of an earlier page", field="after")
    after_seq = int(after) if after else 0
    docs, more = ports.store.collection("log_lines").find(
        {"deployment_id": deployment_id, "seq": {"$gt": after_seq}}, order="seq", limit=limit)
    lines = [{k: d[k] for k in ("seq", "ts", "level", "step", "message")} for d in docs]
    # `next` is always given so a client can keep polling while the deploy runs.
    nxt = str(lines[-1]["seq"]) if lines else str(after_seq)
    return lines, nxt, bool(more)
