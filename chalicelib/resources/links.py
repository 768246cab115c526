"""What a deploy needs from a service's linked resources: one valueFrom per variable."""
from __future__ import annotations

from typing import Any

from chalicelib.core.context import Ports


def connection_refs(ports: Ports, service_id: str) -> tuple[dict[str, dict[str, Any]], list[str]]:
    """-> ({VARIABLE: {"arn": "<secret arn>:url::", "resource_id"}}, [why a link is not ready, in words])."""
    links, _ = ports.store.collection("resource_links").find({"service_id": service_id}, limit=100)
    refs: dict[str, dict[str, Any]] = {}
    waiting: list[str] = []
    for link in links:
        res = ports.store.collection("resources").get(link["resource_id"])
        arn = ((res or {}).get("aws") or {}).get("secret_arn")
        if res is None or res["status"] in ("creating", "deleting", "failed") or not arn:
            state = res["status"] if res else "gone"
            waiting.append(f"{link['variable']}: the linked resource {(res or {}).get('name', link['resource_id'])!r} "
                           f"is {state}; deploy once it is available")
            continue
        refs[link["variable"]] = {"arn": f"{arn}:url::", "resource_id": res["id"]}
    return refs, waiting
