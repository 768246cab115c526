"""Audit events: who did what to which resource, from where. Written in the same
transaction as the change, and relayed to search through the outbox."""
from __future__ import annotations

from typing import Any, Optional

from chalicelib.core.context import Actor, Ports
from chalicelib.core.ids import new_id, now_iso


def record(ports: Ports, actor: Actor, org_id: str, action: str, target_type: str, target_id: str,
           details: Optional[dict[str, Any]] = None) -> dict[str, Any]:
    event = {"id": new_id("aud"), "org_id": org_id, "actor": actor.label, "actor_id": actor.user_id,
             "action": action, "target_type": target_type, "target_id": target_id,
             "source_ip": actor.source_ip, "created": now_iso(), "details": details or {}}
    ports.store.collection("audit_events").insert(event)
    return event


def list_events(ports: Ports, actor: Actor, org_id: str, limit: int,
                after: Optional[str]) -> tuple[list[dict[str, Any]], Optional[str]]:
    from chalicelib.accounts.service import authorize  # accounts records audit events: import late

    authorize(ports, actor, org_id, "read")
    return ports.store.collection("audit_events").find({"org_id": org_id}, order="-created", limit=limit, after=after)


def get_event(ports: Ports, actor: Actor, org_id: str, event_id: str) -> dict[str, Any]:
    from chalicelib.accounts.service import load_in_org

    return load_in_org(ports, actor, org_id, "read", "audit_events", event_id, "event")
