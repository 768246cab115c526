"""What a deploy needs from a service's linked resources: one valueFrom per connection variable,
the plain variables (a volume's path, a queue's URL), the volumes to mount, the queues it may
scale on, what the service's task role must be allowed, and whether each resource is
ready (a deploy waits for one being created, and fails for one that failed or is going away)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from chalicelib.core.context import Ports
from chalicelib.resources.kinds import KINDS


@dataclass
class Linked:
    refs: dict[str, dict[str, Any]] = field(default_factory=dict)   # VARIABLE -> {"arn": "<arn>:url::", ...}
    env: dict[str, str] = field(default_factory=dict)               # VARIABLE -> plain value (a volume's path)
    mounts: list[dict[str, Any]] = field(default_factory=list)      # volumes: {name, file_system_id, access_point_id, path, read_only}
    grants: list[dict[str, Any]] = field(default_factory=list)      # for the task role: {kind, arn, read_only, ...}
    queues: dict[str, dict[str, Any]] = field(default_factory=dict) # queues by resource name: {queue_name, arn} (autoscaling)
    waiting: list[str] = field(default_factory=list)                # still being created, in words
    broken: list[str] = field(default_factory=list)                 # failed, deleting or gone, in words


def _ready(res: dict[str, Any]) -> bool:
    aws, kind = res.get("aws") or {}, KINDS[res["kind"]]
    if kind.mounted:
        return bool(aws.get("file_system_id") and aws.get("access_point_id"))
    if kind.queue:
        return bool(aws.get("queue_arn") and aws.get("address"))
    return bool(aws.get("secret_arn"))


def linked(ports: Ports, service_id: str) -> Linked:
    links, _ = ports.store.collection("resource_links").find({"service_id": service_id}, limit=100)
    out = Linked()
    for link in links:
        res = ports.store.collection("resources").get(link["resource_id"])
        name = (res or {}).get("name", link["resource_id"])
        if res is not None and res["status"] == "creating":
            out.waiting.append(f"{link['variable']}: the linked resource {name!r} is being created")
        elif res is None or res["status"] in ("deleting", "failed") or not _ready(res):
            state = res["status"] if res else "gone"
            why = f" ({res['last_error']})" if res and res.get("last_error") else ""
            out.broken.append(f"{link['variable']}: the linked resource {name!r} is {state}{why}; "
                              "unlink it or fix it, then deploy again")
        else:   # available, or being resized: its connection stays the same
            _add(out, link, res)
    out.mounts.sort(key=lambda m: m["path"])
    out.grants.sort(key=lambda g: g["name"])
    return out


def _add(out: Linked, link: dict[str, Any], res: dict[str, Any]) -> None:
    aws, kind, read_only = res["aws"], KINDS[res["kind"]], bool(link.get("read_only"))
    if kind.mounted:
        out.env[link["variable"]] = link["path"]
        out.mounts.append({"name": res["name"], "resource_id": res["id"], "file_system_id": aws["file_system_id"],
                           "access_point_id": aws["access_point_id"], "path": link["path"], "read_only": read_only})
        out.grants.append({"kind": "volume", "name": res["name"], "arn": aws.get("file_system_arn"),
                           "access_point_arn": aws.get("access_point_arn"), "read_only": read_only})
        return
    if kind.queue:
        out.env[link["variable"]] = aws["address"]
        out.queues[res["name"]] = {"queue_name": aws["queue_name"], "arn": aws["queue_arn"]}
        out.grants.append({"kind": "queue", "name": res["name"], "arn": aws["queue_arn"],
                           "send_only": bool(link.get("send_only")), "read_only": False})
        return
    out.refs[link["variable"]] = {"arn": f"{aws['secret_arn']}:url::", "resource_id": res["id"]}
    if kind.aws == "s3":
        out.grants.append({"kind": "bucket", "name": res["name"], "bucket": aws.get("address"),
                           "read_only": read_only})
