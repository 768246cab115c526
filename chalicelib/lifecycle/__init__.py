"""The one owner of every deployment, service and environment status change.

`move(ports, dep, to, reason)` checks the table (states.py), writes the status with a
compare-and-set, and runs the policy's hooks (policy.py) in the same transaction and
after it. No other module writes a deployment's or a service's `status`.
"""
from __future__ import annotations

import time
from typing import Any, Optional

from chalicelib.core.context import SYSTEM, Actor, Ports
from chalicelib.core.errors import StateConflict
from chalicelib.core.ids import iso_from_epoch, now_iso
from chalicelib.lifecycle import states
from chalicelib.lifecycle.policy import DEPLOYMENT_POLICY, Move, set_environment, set_service

__all__ = ["move", "fail", "set_service", "set_environment", "states", "deadline_for"]


def deadline_for(ports: Ports, status: str) -> Optional[str]:
    if status in states.FINAL:
        return None
    limit = states.DEADLINES.get(status)
    seconds = getattr(ports.settings, limit) if isinstance(limit, str) else (limit or ports.settings.deploy_timeout_seconds)
    return iso_from_epoch(time.time() + seconds)


def move(ports: Ports, dep: dict[str, Any], to: str, reason: str, actor: Actor = SYSTEM,
         note: Optional[dict[str, Any]] = None, **fields: Any) -> Optional[dict[str, Any]]:
    """-> the new document, or None when another writer changed the status first."""
    if not states.allowed(dep["status"], to):
        raise StateConflict(f"a deployment cannot go from {dep['status']} to {to}", field="status")
    m = Move(ports, dep, to, reason, actor, dict(fields), dict(note or {}))
    rules = [r for r in DEPLOYMENT_POLICY if r.applies(m)]
    now = now_iso()
    with ports.store.transaction():
        for r in rules:
            r.before(m)
        changes = {"status": to, "reason": reason, "updated": now, "deadline": deadline_for(ports, to), **m.fields,
                   # every phase it went through, so a reader polling now and then misses none
                   "phases": [*(dep.get("phases") or []), {"status": to, "at": now}]}
        if to in states.FINAL:
            changes["finished"] = now
        m.new = ports.store.collection("deployments").update(dep["id"], changes, expect={"status": dep["status"]})
        if m.new is None:
            return None
        for r in rules:
            r.commit(m)
    for r in rules:
        r.after(m)
    return m.new


def fail(ports: Ports, dep: dict[str, Any], reason: str, touched_runtime: bool,
         actor: Actor = SYSTEM) -> Optional[dict[str, Any]]:
    """The rollback decision: roll back when the failed release reached the runtime and the
    service has an earlier live release; otherwise fail, saying why nothing rolls back."""
    service = ports.store.collection("services").get(dep["service_id"]) or {}
    previous = ports.store.collection("deployments").get(service.get("live_deployment_id") or "")
    if touched_runtime and previous and previous.get("task_definition") and previous["id"] != dep["id"]:
        return move(ports, dep, "rollback_pending", reason, actor,
                    rollback_to=previous["id"], rollback_to_number=previous["number"])
    if touched_runtime:
        why = "there is no earlier live release"
    else:   # a release command that ran is a task in ECS, but nothing new serves or is scheduled
        ran = any(s.get("name") == "release" for s in dep.get("steps") or [])
        why = "nothing was rolled out" if ran else "nothing reached ECS"
        if previous and previous["id"] != dep["id"]:
            why += f"; deployment #{previous['number']} keeps serving"
    return move(ports, dep, "failed", reason, actor, note={"log": f"deployment failed: {reason}; no rollback ({why})"})
