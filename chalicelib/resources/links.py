"""What a deploy needs from a service's linked resources: one valueFrom per variable, and
whether each resource is ready (a deploy waits for one being created, and fails for one that
failed or is going away)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from chalicelib.core.context import Ports


@dataclass
class Linked:
    refs: dict[str, dict[str, Any]] = field(default_factory=dict)   # VARIABLE -> {"arn": "<arn>:url::", ...}
    waiting: list[str] = field(default_factory=list)                # still being created, in words
    broken: list[str] = field(default_factory=list)                 # failed, deleting or gone, in words


def linked(ports: Ports, service_id: str) -> Linked:
    links, _ = ports.store.collection("resource_links").find({"service_id": service_id}, limit=100)
    out = Linked()
    for link in links:
        res = ports.store.collection("resources").get(link["resource_id"])
        name = (res or {}).get("name", link["resource_id"])
        arn = ((res or {}).get("aws") or {}).get("secret_arn")
        if res is not None and res["status"] == "creating":
            out.waiting.append(f"{link['variable']}: the linked resource {name!r} is being created")
        elif res is None or res["status"] in ("deleting", "failed") or not arn:
            state = res["status"] if res else "gone"
            why = f" ({res['last_error']})" if res and res.get("last_error") else ""
            out.broken.append(f"{link['variable']}: the linked resource {name!r} is {state}{why}; "
                              "unlink it or fix it, then deploy again")
        else:   # available, or being resized: its connection stays the same
            out.refs[link["variable"]] = {"arn": f"{arn}:url::", "resource_id": res["id"]}
    return out
