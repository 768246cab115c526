"""Deployment log lines: what a person reads while a deploy runs (and later in search)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.core.ids import new_id, now_iso

if TYPE_CHECKING:
    from chalicelib.core.context import Ports


def append_log(ports: Ports, dep: dict[str, Any], message: str, step: str = "", level: str = "info") -> dict[str, Any]:
    seq = ports.store.next_number(f"log:{dep['id']}")
    now = now_iso()
    line = {"id": new_id("log"), "org_id": dep["org_id"], "deployment_id": dep["id"], "service_id": dep["service_id"],
            "project_id": dep.get("project_id"), "seq": seq, "ts": now, "created": now,
            "level": level, "step": step, "message": message[:4000]}
    ports.store.collection("log_lines").insert(line)   # the store writes its outbox record
    return line
