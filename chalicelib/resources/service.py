"""Managed resources of a project's environments, and the services' links to them.

Create, resize and delete only record the wish and move the status (chalicelib/lifecycle/
resources.py); the resource task (engine.py) does the AWS work without holding a worker while
AWS works. Credentials are generated here, encrypted at rest, and reach the services only
through Secrets Manager (a task definition's secrets[].valueFrom): the API never returns them.
"""
from __future__ import annotations

import secrets as pysecrets
from typing import Any, Callable, Optional

from chalicelib import tasks
from chalicelib.accounts.service import load_in_org
from chalicelib.audit import service as audit
from chalicelib.catalog import environments as envs
from chalicelib.catalog.service import refresh_config_hash
from chalicelib.core import security
from chalicelib.core.context import Actor, Ports
from chalicelib.core.errors import AlreadyExists, DomainError, Invalid, NotFound, StateConflict, Unavailable, named
from chalicelib.core.ids import new_id, now_iso
from chalicelib.lifecycle.resources import BUSY, move_resource
from chalicelib.resources import drains
from chalicelib.resources.kinds import KINDS, PRODUCTION_NAMES, QUEUE_DEFAULTS
from chalicelib.resources.models import QUEUE_FIELDS, problems
from chalicelib.store.port import Conflict

PUBLIC = ("id", "org_id", "project_id", "environment_id", "environment", "name", "kind", "size", "version",
          "storage_gb", "backup_retention_days", "deletion_protection", "status", "reason", "last_error",
          "variable", "used_bytes", "created", "updated")


def public(doc: dict[str, Any], ports: Ports) -> dict[str, Any]:
    """The resource as the API shows it; `ports` lets a log drain say which services it takes now."""
    out = {k: doc.get(k) for k in PUBLIC}
    aws = doc.get("aws") or {}
    out["endpoint"] = {"address": aws.get("address"), "port": aws.get("port")} if aws.get("address") else None
    out["where"] = {"account": (doc.get("target") or {}).get("account"), "region": (doc.get("target") or {}).get("region")}
    if doc.get("restored_from"):
        out["restored_from"] = {k: doc["restored_from"].get(k) for k in ("resource_id", "name", "to", "switch_links")}
    if KINDS[doc["kind"]].queue:
        out.update({f: doc.get(f) for f in QUEUE_FIELDS})
        out["dead_letter_queue"] = aws.get("dlq_url")
    if KINDS[doc["kind"]].drain:
        out.update({"destination": doc.get("destination"), "url": drains.endpoint_url(doc),
                    "access_key_set": bool(doc.get("access_key")), "services": doc.get("services"),
                    "filter_pattern": doc.get("filter_pattern") or "",
                    "taking": drains.taking(ports, doc),
                    "failed_deliveries_bucket": aws.get("bucket"),
                    "delivery": doc.get("delivery")})   # as the watch last saw it (resources/drains.py)
        out["endpoint"] = None
    return out  # never the credential, the connection secret's value or a drain's access key


def aws_answer(ports: Ports, doc: dict[str, Any], call: Callable[[Any], Any]) -> Any:
    """`call(cloud)` for a route that reads or acts on AWS while the caller waits: trouble worth
    retrying (throttling, AWS's own 5xx, no connection) is a 503 with Retry-After, a refusal
    (access denied in a connected account, say) a 409 in AWS's words; never a 500."""
    from chalicelib.cloud.errors import describe

    cloud = ports.cloud_for(doc.get("target"))
    try:
        return call(cloud)
    except DomainError:
        raise
    except Exception as exc:
        if cloud.is_retryable(exc):
            raise Unavailable(f"AWS did not answer ({describe(exc)}); try again in a minute",
                              field="resource") from None
        raise StateConflict(f"AWS refused: {describe(exc)}", field="resource") from None


def _raise(found: list[tuple[str, str]]) -> None:
    if found:
        raise Invalid("; ".join(f"{f}: {m}" for f, m in found), field=found[0][0],
                      fields=[{"field": f, "message": m} for f, m in found])


def _or(value: Any, default: Any) -> Any:
    return default if value is None else value


def local_mode(ports: Ports) -> bool:
    from chalicelib.notify.urls import local_mode as local

    return local(ports.settings)


def _encrypted(ports: Ports, value: Optional[str]) -> Optional[str]:
    return security.encrypt(ports.settings.fernet_key(), value) if value else None


def queue_task(ports: Ports, doc: dict[str, Any]) -> None:
    """Queue the resource task (after the caller's transaction committed: the worker must find it)."""
    ports.queue.publish(tasks.RUN_RESOURCE, doc["id"])


# --- reading ---------------------------------------------------------------------------

def get_resource(ports: Ports, actor: Actor, org_id: str, resource_id: str, action: str = "read") -> dict[str, Any]:
    return load_in_org(ports, actor, org_id, action, "resources", resource_id, "resource")


def list_resources(ports: Ports, actor: Actor, org_id: str, project_id: str, environment: Optional[str],
                   limit: int, after: Optional[str]):
    load_in_org(ports, actor, org_id, "read", "projects", project_id, "project")
    where: dict[str, Any] = {"project_id": project_id}
    if environment:
        where["environment_id"] = envs.get_environment(ports, actor, org_id, project_id, environment)["id"]
    return ports.store.collection("resources").find(where, order="created", limit=limit, after=after)


# --- writing ---------------------------------------------------------------------------

def create_resource(ports: Ports, actor: Actor, org_id: str, project_id: str, body: dict[str, Any],
                    start: bool = True) -> dict[str, Any]:
    from chalicelib.deploys.placement import target_for

    load_in_org(ports, actor, org_id, "project.write", "projects", project_id, "project")
    kind = KINDS[body["kind"]]
    _raise(problems(kind.name, body.get("size"), body.get("version"), body.get("storage_gb"),
                    body.get("backup_retention_days"), {f: body.get(f) for f in QUEUE_FIELDS})
           + drains.problems(body, kind.drain, local_mode(ports), creating=True))
    env = envs.get_environment(ports, actor, org_id, project_id, body.get("environment") or envs.DEFAULT)
    if kind.drain:
        drains.refuse_crowding(ports, env["id"], body["name"], body.get("services"))
    now = now_iso()
    rid = new_id("res")
    protect = body.get("deletion_protection")
    doc: dict[str, Any] = {
        "id": rid, "org_id": org_id, "project_id": project_id, "environment_id": env["id"],
        "environment": env["name"], "name": body["name"], "kind": kind.name,
        "size": body.get("size") or kind.default_size, "version": body.get("version") or kind.default_version,
        "storage_gb": (body.get("storage_gb") or 20) if kind.storage else None,
        "backup_retention_days": _or(body.get("backup_retention_days"), 7) if kind.backups else None,
        "deletion_protection": (env["name"] in PRODUCTION_NAMES and kind.holds_data) if protect is None else protect,
        "variable": kind.variable_for(body["name"]), "status": "creating", "reason": "queued", "last_error": None,
        # where it lives: the environment's account and region, fixed at creation like a deployment's target
        "target": target_for(ports, {"org_id": org_id, "project_id": project_id, "environment_id": env["id"]}),
        "aws": {}, "credential": security.encrypt(ports.settings.fernet_key(), pysecrets.token_urlsafe(24)),
        "created": now, "updated": now,
    }
    if kind.queue:
        doc["fifo"] = bool(body.get("fifo"))
        doc.update({f: _or(body.get(f), default) for f, default in QUEUE_DEFAULTS.items()})
    if kind.drain:
        doc.update(destination=body["destination"], url=body.get("url"), services=body.get("services"),
                   access_key=_encrypted(ports, body.get("access_key")), filter_pattern=body.get("filter_pattern") or "")
        drains.pattern_problem(ports, doc, doc["filter_pattern"])
    with ports.store.transaction():
        try:
            ports.store.collection("resources").insert(doc)
        except Conflict:
            raise AlreadyExists(f"a resource named {body['name']!r} already exists in {env['name']}",
                                field="name") from None
        audit.record(ports, actor, org_id, "resource.create", "resource", rid,
                     {"name": doc["name"], "kind": doc["kind"], "environment": env["name"], "size": doc["size"]})
    if start:
        queue_task(ports, doc)
    return doc


def update_resource(ports: Ports, actor: Actor, org_id: str, resource_id: str, body: dict[str, Any],
                    start: bool = True) -> dict[str, Any]:
    doc = get_resource(ports, actor, org_id, resource_id, "project.write")
    kind = KINDS[doc["kind"]]
    _raise(problems(kind.name, body.get("size"), None, body.get("storage_gb"), body.get("backup_retention_days"),
                    {f: body.get(f) for f in QUEUE_FIELDS})
           + drains.problems(body, kind.drain, local_mode(ports), creating=False))
    if body.get("storage_gb") is not None and body["storage_gb"] < (doc.get("storage_gb") or 0):
        raise Invalid(f"storage can only grow (now {doc['storage_gb']} GB)", field="storage_gb")
    changes = {k: v for k, v in body.items() if v is not None and doc.get(k) != v and k not in drains.FIELDS}
    if kind.drain:
        changes.update(_drain_changes(ports, doc, body))
    if not changes:
        return doc
    if doc["status"] != "available":
        raise StateConflict(f"the resource is {doc['status']}: change it once it is available", field="status")
    new = move_resource(ports, doc, "modifying", "change requested" if kind.drain else "resize requested", actor,
                        pending=changes, applied=False)
    if new is None:
        raise StateConflict("the resource changed meanwhile: try again", field="status")
    if start:
        queue_task(ports, new)
    return new


def _drain_changes(ports: Ports, doc: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    """A drain's new URL, key (encrypted here: a pending change holds no plain key) or services
    (`"services": null` in the body: every service again)."""
    out: dict[str, Any] = {}
    if body.get("url") is not None and body["url"] != drains.endpoint_url(doc):
        out["url"] = body["url"]
    if body.get("access_key") is not None:
        out["access_key"] = _encrypted(ports, body["access_key"])
    if body.get("filter_pattern") is not None and body["filter_pattern"] != (doc.get("filter_pattern") or ""):
        drains.pattern_problem(ports, doc, body["filter_pattern"])
        out["filter_pattern"] = body["filter_pattern"]
    if "services" in body and body["services"] != doc.get("services"):
        drains.refuse_crowding(ports, doc["environment_id"], doc["name"], body["services"], exclude_id=doc["id"])
        out["services"] = body["services"]
    return out


def rotate_credentials(ports: Ports, actor: Actor, org_id: str, resource_id: str) -> dict[str, Any]:
    """New generated credentials for a database or cache; its linked services are redeployed
    once the new ones are in place (RDS refuses the old password at once: until the redeploy,
    running tasks keep their open connections only)."""
    doc = get_resource(ports, actor, org_id, resource_id, "project.write")
    if not KINDS[doc["kind"]].backups:
        raise Invalid(f"a {doc['kind']} has no credentials to rotate: its tasks reach it through their IAM role",
                      field="resource")
    if doc["status"] != "available":
        raise StateConflict(f"the resource is {doc['status']}: rotate once it is available", field="status")
    pending = {"rotate": True, "credential_next": security.encrypt(ports.settings.fernet_key(),
                                                                    pysecrets.token_urlsafe(24)),
               "requested_by": {"user_id": actor.user_id, "email": actor.email}}
    new = move_resource(ports, doc, "modifying", "credential rotation requested", actor, pending=pending, applied=False)
    if new is None:
        raise StateConflict("the resource changed meanwhile: try again", field="status")
    queue_task(ports, new)
    return new


def delete_resource(ports: Ports, actor: Actor, org_id: str, resource_id: str, confirm: Optional[str],
                    start: bool = True) -> dict[str, Any]:
    doc = get_resource(ports, actor, org_id, resource_id, "project.delete")
    if KINDS[doc["kind"]].holds_data and confirm != doc["name"]:
        raise Invalid(f"deleting {doc['name']!r} deletes its data ({KINDS[doc['kind']].deletion_note}): "
                      f"confirm with ?confirm={doc['name']}", field="confirm")
    if doc.get("deletion_protection"):
        raise StateConflict(f"{doc['name']!r} has deletion protection: turn it off first "
                            "(PATCH deletion_protection=false)", field="deletion_protection")
    users = linked_by(ports, doc)
    if users:
        raise StateConflict(f"{doc['name']} is linked by {', '.join(users)}: unlink it first", field="resource",
                            resources=named("service", _linking_services(ports, doc)))
    if doc["status"] == "deleting":
        return doc
    if doc["status"] in BUSY - {"deleting"} and doc["status"] != "creating":
        raise StateConflict(f"the resource is {doc['status']}: delete it once that is done", field="status")
    new = move_resource(ports, doc, "deleting", "delete requested", actor)
    if new is None:
        raise StateConflict("the resource changed meanwhile: try again", field="status")
    if start:
        queue_task(ports, new)
    return new


# --- links -----------------------------------------------------------------------------

def _linking(ports: Ports, res: dict[str, Any]) -> dict[str, Optional[dict[str, Any]]]:
    """Service id -> the service linking the resource (None: a service being removed); a service
    linking it under two variables is there once."""
    links, _ = ports.store.collection("resource_links").find({"resource_id": res["id"]}, limit=200)
    return {link["service_id"]: ports.store.collection("services").get(link["service_id"]) for link in links}


def _linking_services(ports: Ports, res: dict[str, Any]) -> list[dict[str, Any]]:
    """The services (still stored) that link the resource, by name."""
    return sorted((s for s in _linking(ports, res).values() if s), key=lambda s: (s["name"], s["id"]))


def linked_by(ports: Ports, res: dict[str, Any], limit: int = 20) -> list[str]:
    """The services that link the resource, as a person finds them: "web (production)", sorted;
    past `limit`, "and N more"."""
    ordered = sorted({f"{svc['name']} ({svc.get('environment') or res.get('environment')})" if svc
                      else f"a service being removed ({service_id})" for service_id, svc in _linking(ports, res).items()})
    return ordered[:limit] + ([f"and {len(ordered) - limit} more"] if len(ordered) > limit else [])


def _service(ports: Ports, actor: Actor, org_id: str, service_id: str, action: str) -> dict[str, Any]:
    return load_in_org(ports, actor, org_id, action, "services", service_id, "service")


def list_links(ports: Ports, actor: Actor, org_id: str, service_id: str) -> list[dict[str, Any]]:
    _service(ports, actor, org_id, service_id, "read")
    links, _ = ports.store.collection("resource_links").find({"service_id": service_id}, limit=100)
    out = []
    for link in links:
        res = ports.store.collection("resources").get(link["resource_id"]) or {}
        out.append(link_view(link, res))
    return out


def link_view(link: dict[str, Any], res: dict[str, Any]) -> dict[str, Any]:
    out = {"resource_id": link["resource_id"], "resource": res.get("name"), "kind": res.get("kind"),
           "variable": link["variable"], "status": res.get("status"), "created": link["created"]}
    if link.get("path"):
        out["path"] = link["path"]
    if link.get("read_only") is not None:
        out["read_only"] = bool(link["read_only"])
    if link.get("send_only") is not None:
        out["send_only"] = bool(link["send_only"])
    return out


def _link_shape(res: dict[str, Any], path: Optional[str], read_only: Optional[bool],
                send_only: Optional[bool] = None) -> dict[str, Any]:
    """A link's mount path and access, checked against its resource's kind -> the fields to store."""
    from chalicelib.resources.models import mount_path_problem

    kind = KINDS[res["kind"]]
    if kind.drain:
        raise Invalid(f"{res['name']!r} is a log drain: nothing links it; it takes the logs of every service "
                      "of its environment, or of those it names (PATCH its services)", field="resource")
    if send_only is not None and not kind.queue:
        raise Invalid(f"only a queue link can be send-only; {res['name']!r} is a {res['kind']}", field="send_only")
    if kind.queue:
        if path or read_only is not None:
            field = "path" if path else "read_only"
            raise Invalid(f"{res['name']!r} is a queue: its link gives its URL and may be send_only", field=field)
        return {"send_only": bool(send_only)}
    if kind.mounted:
        if not path:
            raise Invalid(f"{res['name']!r} is a volume: give the path to mount it at (e.g. /data)", field="path")
        why = mount_path_problem(path)
        if why:
            raise Invalid(f"path: {why}", field="path")
        return {"path": path.rstrip("/") or "/", "read_only": bool(read_only)}
    if path:
        raise Invalid(f"only a volume is mounted at a path; {res['name']!r} is a {res['kind']} (it gives a variable)",
                      field="path")
    if read_only is not None and not kind.read_only_links:
        raise Invalid(f"a {res['kind']} link cannot be read-only (its credentials decide what it may do)",
                      field="read_only")
    return {"read_only": bool(read_only)} if kind.read_only_links else {}


def link(ports: Ports, actor: Actor, org_id: str, service_id: str, resource_id: str,
         variable: Optional[str], copying: bool = False, path: Optional[str] = None,
         read_only: Optional[bool] = None, send_only: Optional[bool] = None) -> dict[str, Any]:
    """`copying`: a clone or preview links as its original did, even where the original also
    has a secret of that name (made before links and secrets refused each other).
    A volume is mounted at `path`; its variable holds that path."""
    service = _service(ports, actor, org_id, service_id, "service.write")
    res = get_resource(ports, actor, org_id, resource_id)
    if res["environment_id"] != service.get("environment_id"):
        raise StateConflict(f"{res['name']!r} belongs to {res['environment']}, the service to "
                            f"{service.get('environment')}: a service links its own environment's resources",
                            field="resource")
    shape = _link_shape(res, path, read_only, send_only)
    variable = variable or res["variable"]
    if variable in (service.get("env") or {}):
        raise StateConflict(f"the service already sets {variable} as a variable: pick another name",
                            field="variable")
    if not copying and ports.store.collection("secrets").find_one({"scope_id": service_id, "name": variable}):
        raise StateConflict(f"the service has a secret {variable}, which the link would silently replace: "
                            "delete the secret first, or pick another variable", field="variable")
    links = ports.store.collection("resource_links")
    existing = links.find_one({"service_id": service_id, "resource_id": resource_id})
    doc = {"id": (existing or {}).get("id") or new_id("lnk"), "org_id": org_id, "service_id": service_id,
           "resource_id": resource_id, "variable": variable, **shape, "created": (existing or {}).get("created") or now_iso()}
    if shape.get("path"):
        _refuse_nested_mounts(ports, service_id, resource_id, shape["path"])
    with ports.store.transaction():
        try:
            if existing:
                links.update(existing["id"], {"variable": variable, **shape})
            else:
                links.insert(doc)
        except Conflict:
            raise AlreadyExists(f"the service already receives {variable} from another resource",
                                field="variable") from None
        audit.record(ports, actor, org_id, "resource.link", "service", service_id,
                     {"resource": res["name"], "variable": variable, **shape})
        refresh_config_hash(ports, service_id)   # the next deploy gives the variable: it needs one
    return {**link_view(doc, res), "redeploy": "deploy the service to apply"}


def _refuse_nested_mounts(ports: Ports, service_id: str, resource_id: str, path: str) -> None:
    """Two volumes at one path, or one inside the other, would hide each other's files."""
    links, _ = ports.store.collection("resource_links").find({"service_id": service_id}, limit=100)
    for other in links:
        there = other.get("path")
        if not there or other["resource_id"] == resource_id:
            continue
        if path == there or path.startswith(there.rstrip("/") + "/") or there.startswith(path.rstrip("/") + "/"):
            raise StateConflict(f"another volume is mounted at {there}: mount this one at a path apart from it",
                                field="path")


def unlink(ports: Ports, actor: Actor, org_id: str, service_id: str, resource_id: str) -> None:
    _service(ports, actor, org_id, service_id, "service.write")
    links = ports.store.collection("resource_links")
    existing = links.find_one({"service_id": service_id, "resource_id": resource_id})
    if existing is None:
        raise NotFound("the service does not link that resource", field="resource")
    with ports.store.transaction():
        links.delete(existing["id"])
        audit.record(ports, actor, org_id, "resource.unlink", "service", service_id, {"resource_id": resource_id})
        refresh_config_hash(ports, service_id)


def credential(ports: Ports, doc: dict[str, Any]) -> str:
    return security.decrypt(ports.settings.fernet_key(), doc["credential"])




# --- with their environment ------------------------------------------------------------

def of_environment(ports: Ports, env_id: str) -> list[dict[str, Any]]:
    from chalicelib.store.port import iter_all

    return sorted(iter_all(ports.store.collection("resources"), {"environment_id": env_id}), key=lambda r: r["name"])


def refuse_protected(ports: Ports, env: dict[str, Any]) -> None:
    """Deleting an environment deletes its resources: one with deletion protection stops it (409)."""
    names = [r["name"] for r in of_environment(ports, env["id"]) if r.get("deletion_protection")]
    if names:
        raise StateConflict(f"environment {env['name']!r} holds {', '.join(repr(n) for n in names)} with deletion "
                            "protection: turn it off first (PATCH deletion_protection=false), then delete the "
                            "environment", field="deletion_protection")


def delete_with_environment(ports: Ports, doc: dict[str, Any]) -> Optional[dict[str, Any]]:
    """The environment's teardown deletes the resource (its services are gone: their links go
    too). The same task as a single delete, so the final snapshot is kept."""
    if doc.get("deletion_protection"):
        raise StateConflict(f"{doc['name']!r} has deletion protection", field="deletion_protection")
    ports.store.collection("resource_links").delete_many({"resource_id": doc["id"]})
    if doc["status"] == "deleting":
        return doc
    new = move_resource(ports, doc, "deleting", "its environment is being deleted", delete_failed=None)
    if new is not None:
        queue_task(ports, new)
    return new


def copy_for_clone(ports: Ports, actor: Actor, org_id: str, project_id: str, source_env_id: str, target_env: str,
                   services: list[tuple[dict[str, Any], dict[str, Any]]]) -> list[dict[str, Any]]:
    """A cloned environment (a preview) gets new, empty resources of the smallest size, without
    backups or protection, and its services link the copies as the originals did (a log drain:
    its copy sends the clone's logs to the same destination). Data is not
    copied: RDS has no cheap branch of a database (a snapshot restore takes many minutes and
    costs the full storage), and a preview should not hold production data anyway."""
    copies: dict[str, dict[str, Any]] = {}
    for res in of_environment(ports, source_env_id):
        if res["status"] == "deleting":
            continue
        kind = KINDS[res["kind"]]
        body: dict[str, Any] = {"name": res["name"], "kind": res["kind"], "environment": target_env,
                                "size": kind.default_size, "version": res.get("version"), "deletion_protection": False}
        if kind.backups:
            body["backup_retention_days"] = 0
        if kind.storage:
            body["storage_gb"] = 20
        if kind.queue:   # the same order and timings: the preview's code relies on them
            body.update({f: res.get(f) for f in QUEUE_FIELDS})
        if kind.drain:   # its own stream, to the same destination: the copy's logs go where the original's do
            body.update(destination=res["destination"], url=res.get("url"), access_key=drains.plain_key(ports, res),
                        services=res.get("services"), filter_pattern=res.get("filter_pattern"), version=None)
        copies[res["id"]] = create_resource(ports, actor, org_id, project_id, body)
    for original, copy in services:
        links, _ = ports.store.collection("resource_links").find({"service_id": original["id"]}, limit=100)
        for lk in links:
            if lk["resource_id"] in copies:
                link(ports, actor, org_id, copy["id"], copies[lk["resource_id"]]["id"], lk["variable"], copying=True,
                     path=lk.get("path"), read_only=lk.get("read_only"), send_only=lk.get("send_only"))
    return list(copies.values())
