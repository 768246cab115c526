"""Managed resources' statuses: the table and the one writer (like deployments' in states.py and
policy.py): every move is a compare-and-set with its audit event, in one transaction.

    creating -> available | failed
    available -> modifying -> available     (a failed resize leaves it available, the reason in last_error)
    available | failed -> deleting          (the delete task removes the document when AWS is done)
    deleting -> failed                      (AWS refused, e.g. a bucket still holds objects: nothing lost)
"""
from __future__ import annotations

from typing import Any, Optional

from chalicelib.audit import service as audit
from chalicelib.core.context import SYSTEM, Actor, Ports
from chalicelib.core.errors import StateConflict
from chalicelib.core.ids import now_iso

RESOURCE_MOVES: dict[str, frozenset[str]] = {
    "creating": frozenset({"available", "failed", "deleting"}),
    "available": frozenset({"modifying", "deleting"}),
    "modifying": frozenset({"available", "deleting"}),
    "failed": frozenset({"deleting", "creating"}),
    "deleting": frozenset({"failed"}),    # AWS refused (e.g. a bucket still holds objects): it stays
}
BUSY = frozenset({"creating", "modifying", "deleting"})


def resource_allowed(current: str, target: str) -> bool:
    return target in RESOURCE_MOVES.get(current, frozenset())


def move_resource(ports: Ports, doc: dict[str, Any], to: str, reason: str, actor: Actor = SYSTEM,
                  **fields: Any) -> Optional[dict[str, Any]]:
    """-> the new document, or None when another writer moved it first."""
    if not resource_allowed(doc["status"], to):
        raise StateConflict(f"a resource cannot go from {doc['status']} to {to}", field="status")
    changes = {"status": to, "reason": reason, "updated": now_iso(), **fields}
    if to == "failed":
        changes.setdefault("last_error", reason)
    elif to == "available":
        changes.setdefault("last_error", None)
    with ports.store.transaction():
        new = ports.store.collection("resources").update(doc["id"], changes, expect={"status": doc["status"]})
        if new is None:
            return None
        audit.record(ports, actor, doc["org_id"], f"resource.{to}", "resource", doc["id"],
                     {"from": doc["status"], "reason": reason, "name": doc["name"], "kind": doc["kind"]})
    return new
