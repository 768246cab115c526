"""A database restored to a point in time: the answer to "the migration dropped a column an hour
ago". RDS restores the source's automated backups and logs into a NEW instance (it cannot rewind
one in place), so a restore is a new resource of the same engine, version and storage, with the
source's credentials (a restored instance keeps its master password); the source stays as it is
until someone deletes it. With `switch_links`, once the copy is available the source's links move
to it and the linked services are redeployed: the app then reads the restored data.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Optional

from chalicelib.audit import service as audit
from chalicelib.catalog.service import refresh_config_hash
from chalicelib.cloud.naming import resource_names
from chalicelib.core.context import SYSTEM, Actor, Ports
from chalicelib.core.errors import Invalid, StateConflict
from chalicelib.resources.kinds import KINDS
from chalicelib.resources.service import aws_answer, create_resource, get_resource, queue_task


def _source(ports: Ports, actor: Actor, org_id: str, resource_id: str, action: str) -> dict[str, Any]:
    doc = get_resource(ports, actor, org_id, resource_id, action)
    if KINDS[doc["kind"]].aws != "rds":
        raise Invalid(f"only a database restores to a point in time; {doc['name']!r} is a {doc['kind']}",
                      field="resource")
    if doc["status"] not in ("available", "modifying"):
        raise StateConflict(f"the database is {doc['status']}: restore it once it is available", field="status")
    if not doc.get("backup_retention_days"):
        raise StateConflict(f"{doc['name']!r} keeps no automated backups (backup_retention_days 0): there is no "
                            "point in time to restore; turn backups on for the next time", field="backup_retention_days")
    return doc


def window(ports: Ports, actor: Actor, org_id: str, resource_id: str) -> dict[str, Any]:
    """-> {earliest, latest, backup_retention_days}: the times a restore may ask for (ISO 8601, UTC)."""
    doc = _source(ports, actor, org_id, resource_id, "read")
    earliest, latest = _span(ports, doc)
    return {"earliest": _iso(earliest), "latest": _iso(latest), "backup_retention_days": doc["backup_retention_days"]}


def _span(ports: Ports, doc: dict[str, Any]) -> tuple[dt.datetime, dt.datetime]:
    """(earliest, latest) restorable moments of a database already read and checked (_source)."""
    seen = aws_answer(ports, doc, lambda cloud: cloud.restore_window(resource_names(doc).ident))
    if seen is None or seen["latest"] is None:
        raise StateConflict("RDS reports no restorable time yet (the first backup is still being taken)",
                            field="resource")
    retention = dt.timedelta(days=int(doc["backup_retention_days"]))
    earliest = max(seen["created"], seen["latest"] - retention) if seen["created"] else seen["latest"] - retention
    return earliest, seen["latest"]


def _iso(t: dt.datetime) -> str:
    return t.astimezone(dt.timezone.utc).isoformat().replace("+00:00", "Z")


def restore(ports: Ports, actor: Actor, org_id: str, resource_id: str, name: str, to: Optional[dt.datetime],
            size: Optional[str] = None, switch_links: bool = False) -> dict[str, Any]:
    """A new resource `name` restored from `resource_id` at `to` (None: the latest restorable time)."""
    src = _source(ports, actor, org_id, resource_id, "project.write")
    if to is not None:   # compared as moments: "…:22Z" is inside a window ending "…:22.56Z"
        earliest, latest = _span(ports, src)
        if not earliest.replace(microsecond=0) <= to <= latest:
            raise Invalid(f"{_iso(to)} is outside the restorable window {_iso(earliest)} .. {_iso(latest)}",
                          field="to")
    body = {"name": name, "kind": src["kind"], "environment": src["environment_id"], "size": size or src["size"],
            "version": src["version"], "storage_gb": src["storage_gb"],
            "backup_retention_days": src["backup_retention_days"]}
    doc = create_resource(ports, actor, org_id, src["project_id"], body, start=False)
    restored_from = {"resource_id": src["id"], "name": src["name"], "ident": resource_names(src).ident,
                     "to": _iso(to) if to else None, "switch_links": switch_links,
                     "requested_by": {"user_id": actor.user_id, "email": actor.email}}
    with ports.store.transaction():
        # the restored instance keeps the source's master password: the connection must carry it
        doc = ports.store.collection("resources").update(doc["id"], {"restored_from": restored_from,
                                                                     "credential": src["credential"]}) or doc
        audit.record(ports, actor, org_id, "resource.restore", "resource", src["id"],
                     {"name": src["name"], "into": name, "to": restored_from["to"] or "latest",
                      "switch_links": switch_links})
    queue_task(ports, doc)
    return doc


def unfinished(doc: dict[str, Any]) -> bool:
    """Available, asked to switch links, and the switch or its redeploys not done yet (a worker
    killed in between: the redelivered task finishes it)."""
    return bool(doc.get("status") == "available" and (doc.get("restored_from") or {}).get("switch_links")
                and not doc.get("links_done"))


def finish(ports: Ports, doc: dict[str, Any]) -> list[str]:
    """The restored database is available: with `switch_links`, the source's links move to it
    (once: marked with the move) and the linked services are redeployed (their idempotency keys
    make a second try queue nothing twice). -> the deployments made."""
    from chalicelib.resources.engine import redeploy_linked

    wanted = doc.get("restored_from") or {}
    if not wanted.get("switch_links"):
        return []
    col, links = ports.store.collection("resources"), ports.store.collection("resource_links")
    if not doc.get("links_switched"):
        moved, _ = links.find({"resource_id": wanted["resource_id"]}, limit=100)
        with ports.store.transaction():
            for link in moved:
                links.update(link["id"], {"resource_id": doc["id"]})
                refresh_config_hash(ports, link["service_id"])
            col.update(doc["id"], {"links_switched": True})
            audit.record(ports, SYSTEM, doc["org_id"], "resource.links_switched", "resource", doc["id"],
                         {"from": wanted["name"], "to": doc["name"],
                          "services": sorted({lk["service_id"] for lk in moved})})
    made = redeploy_linked(ports, doc, wanted.get("requested_by") or {}, key="restore")
    col.update(doc["id"], {"links_done": True})
    return made
