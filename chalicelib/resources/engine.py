"""The resource task: one step of a resource's create, resize or delete per run, then "look
again later" (the worker republishes with a countdown), so no worker waits while AWS works.

Every step is idempotent: a killed worker's redelivered task repeats the step harmlessly (the
cloud calls are find-or-create; the password was fixed at creation, see service.py).
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Optional

from chalicelib.cloud.naming import resource_names
from chalicelib.core import security
from chalicelib.core.context import Ports
from chalicelib.lifecycle import states
from chalicelib.lifecycle.resources import move_resource
from chalicelib.resources import drains
from chalicelib.resources.kinds import KINDS, QUEUE_DEFAULTS
from chalicelib.resources.service import credential

if TYPE_CHECKING:
    from chalicelib.cloud.port import Cloud

POLL_SECONDS = 5.0


@dataclass
class Outcome:
    state: str          # "done" | "later"
    detail: str
    countdown: float = 0.0


def _later(ports: Ports, detail: str) -> Outcome:
    return Outcome("later", detail, 1.0 if ports.settings.sandbox else POLL_SECONDS)


def connection_value(doc: dict[str, Any], password: str, address: str, port: int | None) -> str:
    """The URL a linked service receives (JSON {"url"} in Secrets Manager; valueFrom picks `url`)."""
    kind = doc["kind"]
    n = resource_names(doc)
    if kind == "postgres":
        url = f"postgresql://{n.username}:{password}@{address}:{port}/{n.db_name}?sslmode=require"
    elif kind == "mysql":
        url = f"mysql://{n.username}:{password}@{address}:{port}/{n.db_name}?ssl-mode=REQUIRED"
    elif kind == "redis":
        url = f"rediss://:{password}@{address}:{port}/0"
    else:
        url = address   # a bucket: its name
    return json.dumps({"url": url})


def run(ports: Ports, resource_id: str) -> Outcome:
    doc = ports.store.collection("resources").get(resource_id)
    if doc is None:
        return Outcome("done", "already gone")
    step = {"creating": _create, "modifying": _modify, "deleting": _delete}.get(doc["status"])
    if step is None:
        from chalicelib.resources.restore import finish, unfinished

        if unfinished(doc):   # a restore's link switch a killed worker left: finish it
            return Outcome("done", f"restored; redeployed {len(finish(ports, doc))} linked service(s)")
        return Outcome("done", f"nothing to do ({doc['status']})")
    try:
        return step(ports, doc)
    except Exception as exc:
        if _cloud(ports, doc).is_retryable(exc):
            raise   # the task retries the same step with backoff
        why = f"{type(exc).__name__}: {exc}"
        now = ports.store.collection("resources").get(resource_id) or doc
        if now["status"] == "modifying":   # the resource is still there as it was
            move_resource(ports, now, "available", "the change failed", last_error=why, pending=None, applied=None)
        else:
            move_resource(ports, now, "failed", why)
        return Outcome("done", why)


def _cloud(ports: Ports, doc: dict[str, Any]) -> "Cloud":
    return ports.cloud_for(doc.get("target"))


def _aws(ports: Ports, doc: dict[str, Any], **changes: Any) -> dict[str, Any]:
    aws = {**(doc.get("aws") or {}), **changes}
    return ports.store.collection("resources").update(doc["id"], {"aws": aws}) or doc


def _create(ports: Ports, doc: dict[str, Any]) -> Outcome:
    cloud, kind, n = _cloud(ports, doc), KINDS[doc["kind"]], resource_names(doc)
    aws = doc.get("aws") or {}
    if not aws.get("requested"):
        spec: dict[str, Any] = {"aws": kind.aws, "ident": n.ident, "tags": n.tags}
        if kind.queue:
            spec.update(fifo=bool(doc.get("fifo")), **{f: doc.get(f) for f in QUEUE_DEFAULTS})
        if kind.drain:
            spec["endpoint"] = drains.endpoint(ports, doc)
        if kind.in_vpc:
            network = cloud.ensure_network()
            group = cloud.ensure_datastore_group(network["vpc_id"], n.security_group, kind.port or 0,
                                                 network["security_groups"][0])
            spec.update(engine=kind.engine, version=doc["version"], size=doc["size"], storage_gb=doc.get("storage_gb"),
                        backup_retention_days=doc.get("backup_retention_days") or 0,
                        deletion_protection=bool(doc.get("deletion_protection")), subnets=network["subnets"],
                        security_group=group, username=n.username, password=credential(ports, doc),
                        db_name=n.db_name)
            if doc.get("restored_from"):   # a point-in-time restore of another instance, not an empty one
                spec["restore"] = {"source": doc["restored_from"]["ident"], "time": doc["restored_from"]["to"]}
            doc = _aws(ports, doc, vpc_id=network["vpc_id"], security_group=group, subnets=network["subnets"])
        cloud.ensure_datastore(spec)
        doc = _aws(ports, doc, ident=n.ident, requested=True, requested_at=time.time())
    seen = cloud.observe_datastore(kind.aws, n.ident, doc["aws"].get("requested_at") or 0.0)
    if seen["state"] == "in_progress" and not (kind.mounted and seen.get("next")):
        return _later(ports, seen["reason"])
    if seen["state"] in ("failed", "missing"):
        why = seen["reason"] if seen["state"] == "failed" else f"{n.ident} disappeared while it was being created"
        move_resource(ports, doc, "failed", why)
        return Outcome("done", why)
    if kind.mounted:
        return _volume_ready(ports, cloud, doc, seen)
    if doc.get("restored_from") and not aws.get("retention_set"):
        # RDS restores with the source's settings, not all of ours: backups as this resource says
        cloud.modify_datastore(kind.aws, n.ident, {"backup_retention_days": doc.get("backup_retention_days") or 0})
        _aws(ports, doc, retention_set=True, requested_at=time.time())
        return _later(ports, "restored; setting its backup retention")
    if kind.drain:   # the stream takes records: now the services' log groups feed it
        doc = _aws(ports, doc, stream_arn=seen["stream_arn"], bucket=seen["bucket"])
        taking = drains.sync_environment(ports, doc, live=True)
        move_resource(ports, doc, "available", f"log drain {doc['name']} takes the logs of "
                      f"{len(taking)} deployed service(s)")
        return Outcome("done", "available")
    if kind.queue:   # its URL is no secret: a linked service gets it as a plain variable
        doc = _aws(ports, doc, address=seen["address"], port=None, queue_arn=seen["queue_arn"],
                   queue_name=seen["queue_name"], dlq_url=seen["dlq_url"], dlq_arn=seen["dlq_arn"])
        move_resource(ports, doc, "available", f"queue {doc['name']} is available")
        return Outcome("done", "available")
    arn = cloud.put_connection(n.secret, connection_value(doc, credential(ports, doc), seen["address"], seen["port"]))
    doc = _aws(ports, doc, address=seen["address"], port=seen["port"], secret_arn=arn, secret_name=n.secret)
    moved = move_resource(ports, doc, "available", f"{doc['kind']} {doc['name']} is available")
    if moved is not None and doc.get("restored_from"):
        from chalicelib.resources.restore import finish

        made = finish(ports, moved)
        return Outcome("done", f"restored; redeployed {len(made)} linked service(s)" if made else "restored")
    return Outcome("done", "available")


def _volume_ready(ports: Ports, cloud: "Cloud", doc: dict[str, Any], seen: dict[str, Any]) -> Outcome:
    """A volume's file system is there: its mount targets and access point next (once), then
    available. No connection secret: a linked service mounts it (deploys/steps.py task_role)."""
    if seen["state"] == "in_progress":   # "next": "mounts"
        aws = doc["aws"]
        cloud.ensure_volume_mounts(seen["file_system_id"], aws.get("subnets") or [], aws["security_group"],
                                   resource_names(doc).ident)
        return _later(ports, "mount targets and access point requested")
    doc = _aws(ports, doc, address=seen["address"], port=seen["port"], file_system_id=seen["file_system_id"],
               file_system_arn=seen["file_system_arn"], access_point_id=seen["access_point_id"],
               access_point_arn=seen["access_point_arn"])
    move_resource(ports, doc, "available", f"volume {doc['name']} is available")
    return Outcome("done", "available")


def _apply_then_look(ports: Ports, doc: dict[str, Any], apply: Callable[[], None],
                     what: str) -> tuple[dict[str, Any], dict[str, Any], Optional[Outcome]]:
    """A change to a database or cache: `apply()` once (a retry finds `applied` set), then look at
    AWS. -> (the document, what AWS shows, None once it is available again | the outcome meanwhile)."""
    cloud, kind, n = _cloud(ports, doc), KINDS[doc["kind"]], resource_names(doc)
    if not doc.get("applied"):
        apply()
        doc = ports.store.collection("resources").update(doc["id"], {"applied": True,
                                                                     "aws": {**doc["aws"], "requested_at": time.time()}}) or doc
    seen = cloud.observe_datastore(kind.aws, n.ident, doc["aws"].get("requested_at") or 0.0)
    if seen["state"] == "in_progress":
        return doc, seen, _later(ports, seen["reason"])
    if seen["state"] != "available":
        move_resource(ports, doc, "available", f"the {what} did not apply", last_error=seen["reason"],
                      pending=None, applied=None)
        return doc, seen, Outcome("done", seen["reason"])
    return doc, seen, None


def _modify(ports: Ports, doc: dict[str, Any]) -> Outcome:
    cloud, kind, n = _cloud(ports, doc), KINDS[doc["kind"]], resource_names(doc)
    pending = dict(doc.get("pending") or {})
    if pending.get("rotate"):
        return _rotate(ports, doc, pending)
    if kind.drain:
        return _modify_drain(ports, cloud, doc, pending)
    doc, _, meanwhile = _apply_then_look(ports, doc, lambda: cloud.modify_datastore(kind.aws, n.ident, pending),
                                         "change")
    if meanwhile:
        return meanwhile
    move_resource(ports, doc, "available", "changed: " + ", ".join(f"{k} {v}" for k, v in sorted(pending.items())),
                  pending=None, applied=None, **pending)
    return Outcome("done", "changed")


def _modify_drain(ports: Ports, cloud: "Cloud", doc: dict[str, Any], pending: dict[str, Any]) -> Outcome:
    """A new URL or key changes the stream's destination in place; new services move the
    subscription filters. Both converge, so a retry repeats them harmlessly."""
    new = {**doc, **pending}
    if "url" in pending or "access_key" in pending:
        cloud.update_drain(resource_names(doc).ident, drains.endpoint(ports, new))
    drains.sync_environment(ports, new, live=True)
    said = ", ".join(k if k == "access_key" else f"{k} {pending[k]}" for k in sorted(pending))
    move_resource(ports, doc, "available", f"changed: {said}", pending=None, applied=None, **pending)
    return Outcome("done", "changed")


def _rotate(ports: Ports, doc: dict[str, Any], pending: dict[str, Any]) -> Outcome:
    """New credentials: the password (fixed, encrypted, when the rotation was asked, so a retry
    sets the same one) goes to the database or cache, then into the connection secret; the
    linked services are redeployed so that new tasks read it."""
    cloud, kind, n = _cloud(ports, doc), KINDS[doc["kind"]], resource_names(doc)
    password = security.decrypt(ports.settings.fernet_key(), pending["credential_next"])
    doc, seen, meanwhile = _apply_then_look(ports, doc, lambda: cloud.set_datastore_password(kind.aws, n.ident, password),
                                            "rotation")
    if meanwhile:
        return meanwhile
    cloud.put_connection(n.secret, connection_value(doc, password, seen["address"], seen["port"]))
    moved = move_resource(ports, doc, "available", "credentials rotated", credential=pending["credential_next"],
                          pending=None, applied=None)
    if moved is not None:
        redeployed = redeploy_linked(ports, moved, pending.get("requested_by") or {}, restart=True)
        return Outcome("done", f"credentials rotated; redeployed {len(redeployed)} linked service(s)")
    return Outcome("done", "credentials rotated")


def redeploy_linked(ports: Ports, doc: dict[str, Any], by: dict[str, str], key: str = "rotate",
                    restart: bool = False) -> list[str]:
    """Deploy again every linked service that has a live release, as the person who asked
    (`key`: why, in the deployments' idempotency keys); with `restart`, restart its live release
    instead: new tasks of the same release read the connection secret as it is now (its reference
    names no version), nothing else of the service's pending changes goes out with them, and a
    deploy freeze lets restarts through (new credentials: the old ones no longer work). A deploy refused (a frozen environment,
    a service being deleted, someone no longer allowed to deploy) leaves that service as it is and
    is said in the resource's reason: the resource is available all the same (it was the task
    failing, and trying to move an available resource to failed, while the rest went undeployed)."""
    from chalicelib.core.context import Actor
    from chalicelib.core.errors import DomainError
    from chalicelib.deploys.service import create_deployment
    from chalicelib.deploys.service import restart as restart_service

    actor = Actor(user_id=by.get("user_id", ""), email=by.get("email", ""))
    links, _ = ports.store.collection("resource_links").find({"resource_id": doc["id"]}, limit=100)
    made, refused = [], []
    for link in links:
        service = ports.store.collection("services").get(link["service_id"]) or {}
        if not service.get("live_deployment_id") or service["status"] in states.SUSPENDED:
            continue   # its resume starts new tasks, which read the connection secret as it is then (AWSCURRENT)
        try:
            again = f"{key}:{doc['id']}:{doc['updated']}"
            dep, _ = (restart_service(ports, actor, doc["org_id"], service["id"], idempotency_key=again) if restart
                      else create_deployment(ports, actor, doc["org_id"], service["id"], None, idempotency_key=again))
        except DomainError as exc:
            refused.append(f"{service['name']} ({exc})")
            continue
        made.append(dep["id"])
    if refused:
        ports.store.collection("resources").update(doc["id"], {
            "reason": f"{doc.get('reason')}; not redeployed: {'; '.join(refused)}: deploy them to apply it"})
    return made


def _delete(ports: Ports, doc: dict[str, Any]) -> Outcome:
    cloud, kind, n = _cloud(ports, doc), KINDS[doc["kind"]], resource_names(doc)
    aws = doc.get("aws") or {}
    if kind.drain and aws.get("stream_arn") and not aws.get("unsubscribed"):
        drains.sync_environment(ports, doc, live=False)   # the log groups stop feeding it first
        doc = _aws(ports, doc, unsubscribed=True)
    if kind.drain and aws.get("requested") and cloud.delete_datastore("firehose", n.ident, None) != "drain deleted":
        return _later(ports, f"waiting for the delivery stream {n.ident} to be deleted")
    if aws.get("requested") and not aws.get("delete_sent") and not kind.drain:
        snapshot = n.final_snapshot(doc["updated"]) if kind.backups else None
        try:
            said = cloud.delete_datastore(kind.aws, n.ident, snapshot)
        except ValueError as exc:   # a bucket with objects: keep it, say why
            move_resource(ports, doc, "failed", str(exc), delete_failed=True)
            _environment_again(ports, doc)   # a deleting environment records why it stopped
            return Outcome("done", str(exc))
        doc = _aws(ports, doc, delete_sent=True, final_snapshot=snapshot, said=said)
    if aws.get("requested") and not kind.drain:
        seen = cloud.observe_datastore(kind.aws, n.ident)
        if seen["state"] != "missing" and kind.mounted:
            # EFS takes the file system only after its mount targets are gone: ask again
            said = cloud.delete_datastore(kind.aws, n.ident, None)
            seen = cloud.observe_datastore(kind.aws, n.ident) if said == "file system deleted" else seen
        if seen["state"] != "missing":
            return _later(ports, f"waiting for {n.ident} to be deleted ({seen['reason']})")
        if kind.secret_connection:
            cloud.delete_connection(n.secret)
        if kind.in_vpc:
            cloud.delete_subnet_group(kind.aws, n.ident)
            if doc["aws"].get("vpc_id"):
                cloud.delete_security_group_named(doc["aws"]["vpc_id"], n.security_group)
    from chalicelib.audit import service as audit
    from chalicelib.core.context import SYSTEM

    with ports.store.transaction():
        ports.store.collection("resources").delete(doc["id"])
        audit.record(ports, SYSTEM, doc["org_id"], "resource.deleted", "resource", doc["id"],
                     {"name": doc["name"], "final_snapshot": doc["aws"].get("final_snapshot")})
    _environment_again(ports, doc)
    return Outcome("done", "deleted")


def measure_volumes(ports: Ports) -> dict[str, int]:
    """How much each available volume holds, as EFS last metered it (beat, hourly): shown on the
    resource (`used_bytes`) and priced by the cost estimate instead of an assumed size."""
    from chalicelib.store.port import iter_all

    measured = failed = 0
    for doc in iter_all(ports.store.collection("resources"), {"kind": "volume", "status": "available"}):
        try:
            seen = _cloud(ports, doc).observe_datastore("efs", resource_names(doc).ident)
        except Exception:   # one account unreachable: the others are still measured
            failed += 1
            continue
        if seen.get("size_bytes") is not None:
            ports.store.collection("resources").update(doc["id"], {"used_bytes": int(seen["size_bytes"]),
                                                                   "measured": time.time()})
            measured += 1
    return {"measured": measured, "failed": failed}


def _environment_again(ports: Ports, doc: dict[str, Any]) -> None:
    """An environment being deleted waits for its resources (deploys/env_teardown.py): wake it."""
    from chalicelib import tasks

    env = ports.store.collection("environments").get(doc["environment_id"])
    if env is not None and env.get("status") == "deleting":
        ports.queue.publish(tasks.TEARDOWN_ENVIRONMENT, env["id"])

