"""An organization's environment groups: named sets of variables and secrets (datadog,
stripe-live) that any of its services links by name (the service's `env_groups`, in order).

Every member reads them (variables as a service's env is read; secrets by name and version only);
admins write them (`env_group.write`). Secrets live in the `secrets` collection with the group's id
as their scope, encrypted and versioned as an environment's (catalog/environments.put_secret_value),
never answered or logged. A change to a group's variables or secrets recomputes the fingerprint of
every service linking it, so `needs_deploy` tells which need a deploy; `deploy_group` deploys those,
each through create_deployment (approvals, freezes, suspension and each service's permission apply).
A group linked to a service cannot be deleted.
"""
from __future__ import annotations

import re
from typing import Any, Iterable, Optional

from chalicelib import tasks
from chalicelib.accounts.service import authorize, authorize_somewhere
from chalicelib.audit import service as audit
from chalicelib.catalog.environments import check_secret_name, put_secret_value
from chalicelib.cloud import naming
from chalicelib.core.context import Actor, Ports
from chalicelib.core.errors import AlreadyExists, DomainError, Invalid, NotFound, StateConflict, named
from chalicelib.core.ids import new_id, now_iso
from chalicelib.store.port import Conflict, iter_all

COLLECTION = "env_groups"
NAME = re.compile(r"^[a-z][a-z0-9-]{0,62}$")
NAME_HELP = ("environment group names are lower-case letters, digits and hyphens, starting with a letter "
             "(at most 63)")
MAX_GROUPS = 100        # per organization
MAX_SHOWN_SERVICES = 200
MAX_NAMED = 10          # services named in a refusal to delete


# --- reading -------------------------------------------------------------------------

def _find(ports: Ports, org_id: str, name: str) -> Optional[dict[str, Any]]:
    if not isinstance(name, str) or not NAME.match(name):
        return None
    return ports.store.collection(COLLECTION).find_one({"org_id": org_id, "name": name})


def _load(ports: Ports, actor: Actor, org_id: str, name: str, action: str = "read") -> dict[str, Any]:
    authorize(ports, actor, org_id, action)
    doc = _find(ports, org_id, name)
    if doc is None:
        raise NotFound(f"environment group {name!r} not found", field="group")
    return doc


def linked_groups(ports: Ports, service: dict[str, Any]) -> list[dict[str, Any]]:
    """The groups a service links, in its order (a group gone meanwhile gives nothing)."""
    out = []
    for name in service.get("env_groups") or []:
        doc = _find(ports, service.get("org_id") or "", name)
        if doc is not None:
            out.append(doc)
    return out


def check_known(ports: Ports, org_id: str, names: Iterable[str], field: str = "env_groups") -> None:
    """Each name is one of the organization's groups (422 at `field` naming the first unknown)."""
    for name in names:
        if _find(ports, org_id, name) is None:
            raise Invalid(f"the organization has no environment group {name!r} (create it first: `launchbay "
                          f"env-groups create {name}` or POST /v1/orgs/{{org}}/env-groups)", field=field)


def _linking(ports: Ports, org_id: str) -> dict[str, list[dict[str, Any]]]:
    """Group name -> the services (not being deleted) linking it, by one pass over the organization's."""
    out: dict[str, list[dict[str, Any]]] = {}
    for svc in iter_all(ports.store.collection("services"), {"org_id": org_id}):
        if svc.get("status") == "deleting":
            continue
        for name in svc.get("env_groups") or []:
            out.setdefault(name, []).append(svc)
    return out


def _secrets(ports: Ports, group_id: str) -> list[dict[str, Any]]:
    docs, _ = ports.store.collection("secrets").find({"scope_id": group_id}, order="name", limit=1000)
    return [public_secret(s) for s in docs]


def public_secret(secret: dict[str, Any]) -> dict[str, Any]:
    return {"name": secret["name"], "version": secret["version"], "updated": secret["updated"]}


def public(ports: Ports, doc: dict[str, Any], services: list[dict[str, Any]]) -> dict[str, Any]:
    projects: dict[str, Optional[str]] = {}

    def project(pid: str) -> Optional[str]:
        if pid not in projects:
            projects[pid] = (ports.store.collection("projects").get(pid) or {}).get("name")
        return projects[pid]

    shown = sorted(services, key=lambda s: (s.get("project_id") or "", s.get("environment") or "", s["name"]))
    return {"id": doc["id"], "name": doc["name"], "description": doc.get("description") or "",
            "env": dict(doc.get("env") or {}), "secrets": _secrets(ports, doc["id"]),
            "services": [{"id": s["id"], "name": s["name"], "project_id": s["project_id"],
                          "project": project(s["project_id"]), "environment": s.get("environment")}
                         for s in shown[:MAX_SHOWN_SERVICES]],
            "created": doc["created"], "updated": doc["updated"], "created_by": doc.get("created_by")}


def list_groups(ports: Ports, actor: Actor, org_id: str) -> list[dict[str, Any]]:
    authorize(ports, actor, org_id, "read")
    docs, _ = ports.store.collection(COLLECTION).find({"org_id": org_id}, order="name", limit=MAX_GROUPS)
    linking = _linking(ports, org_id) if docs else {}
    return [public(ports, d, linking.get(d["name"], [])) for d in docs]


def get_group(ports: Ports, actor: Actor, org_id: str, name: str) -> dict[str, Any]:
    doc = _load(ports, actor, org_id, name)
    return public(ports, doc, _linking(ports, org_id).get(doc["name"], []))


# --- writing -------------------------------------------------------------------------

def _refresh(ports: Ports, org_id: str, name: str) -> None:
    """The group's variables or secrets changed: the fingerprint of every service linking it follows
    (so `needs_deploy` turns true where the live release differs)."""
    from chalicelib.catalog.service import refresh_config_hash

    for svc in _linking(ports, org_id).get(name, []):
        refresh_config_hash(ports, svc["id"])


def _check_env_against_secrets(ports: Ports, group_id: str, env: dict[str, str]) -> None:
    both = sorted(set(env) & {s["name"] for s in _secrets(ports, group_id)})
    if both:
        raise Invalid(f"env: {', '.join(both)} {'is' if len(both) == 1 else 'are'} already a secret of this group "
                      "(a name is a variable or a secret: delete the secret first)", field="env")


def create_group(ports: Ports, actor: Actor, org_id: str, name: str, description: Optional[str] = None,
                 env: Optional[dict[str, str]] = None) -> dict[str, Any]:
    authorize(ports, actor, org_id, "env_group.write")
    if not isinstance(name, str) or not NAME.match(name):
        raise Invalid(NAME_HELP, field="name")
    coll = ports.store.collection(COLLECTION)
    if _find(ports, org_id, name) is not None:
        raise AlreadyExists(f"an environment group named {name!r} already exists", field="name")
    if coll.count({"org_id": org_id}) >= MAX_GROUPS:
        raise Invalid(f"an organization has at most {MAX_GROUPS} environment groups: delete one first", field="name")
    now = now_iso()
    doc: dict[str, Any] = {"id": new_id("envgrp"), "org_id": org_id, "name": name, "description": description or "",
           "env": dict(env or {}), "created": now, "updated": now, "created_by": actor.label}
    try:
        with ports.store.transaction():
            coll.insert(doc)
            audit.record(ports, actor, org_id, "env_group.create", "env_group", doc["id"],
                         {"name": name, "variables": sorted(doc["env"])})
    except Conflict:
        raise AlreadyExists(f"an environment group named {name!r} already exists", field="name") from None
    return public(ports, doc, [])


def update_group(ports: Ports, actor: Actor, org_id: str, name: str, changes: dict[str, Any]) -> dict[str, Any]:
    """`env` replaces the whole map (as a service's PATCH does); `description` null: none."""
    doc = _load(ports, actor, org_id, name, "env_group.write")
    fields: dict[str, Any] = {}
    if "description" in changes:
        fields["description"] = changes["description"] or ""
    if "env" in changes:
        fields["env"] = dict(changes["env"] or {})
        _check_env_against_secrets(ports, doc["id"], fields["env"])
    with ports.store.transaction():
        updated = ports.store.collection(COLLECTION).update(doc["id"], {**fields, "updated": now_iso()})
        if updated is None:
            raise NotFound(f"environment group {name!r} not found", field="group")
        if "env" in fields and fields["env"] != (doc.get("env") or {}):
            _refresh(ports, org_id, doc["name"])
        audit.record(ports, actor, org_id, "env_group.update", "env_group", doc["id"],
                     {"name": doc["name"], "fields": sorted(fields),
                      **({"variables": sorted(fields["env"])} if "env" in fields else {})})
    return get_group(ports, actor, org_id, name)


def delete_group(ports: Ports, actor: Actor, org_id: str, name: str) -> None:
    doc = _load(ports, actor, org_id, name, "env_group.write")
    linked = _linking(ports, org_id).get(doc["name"], [])
    if linked:
        names = sorted(f"{s['name']} ({s.get('environment')})" for s in linked)
        more = f" and {len(names) - MAX_NAMED} more" if len(names) > MAX_NAMED else ""
        raise StateConflict(f"environment group {name!r} is linked to {len(names)} service"
                            f"{'' if len(names) == 1 else 's'}: {', '.join(names[:MAX_NAMED])}{more}; remove it from "
                            "their env_groups first", field="group",
                            resources=named("service", sorted(linked, key=lambda s: (s["name"], s["id"]))))
    with ports.store.transaction():
        had = ports.store.collection("secrets").count({"scope_id": doc["id"]})
        ports.store.collection("secrets").delete_many({"scope_id": doc["id"]})
        ports.store.collection(COLLECTION).delete(doc["id"])
        audit.record(ports, actor, org_id, "env_group.delete", "env_group", doc["id"], {"name": doc["name"]})
    if had:   # the copies deploys made in AWS go too
        ports.queue.publish(tasks.FORGET_ENV_GROUP_SECRETS, org_id, doc["id"], None)


# --- secrets ---------------------------------------------------------------------------

def list_secrets(ports: Ports, actor: Actor, org_id: str, name: str) -> list[dict[str, Any]]:
    return _secrets(ports, _load(ports, actor, org_id, name)["id"])


def put_secret(ports: Ports, actor: Actor, org_id: str, name: str, secret: str, value: str) -> dict[str, Any]:
    doc = _load(ports, actor, org_id, name, "env_group.write")
    check_secret_name(secret)
    if secret in (doc.get("env") or {}):
        raise Invalid(f"{secret} is already a plain variable of this group", field="name")
    with ports.store.transaction():
        stored = put_secret_value(ports, actor, org_id, doc["id"], secret, value, audited=False)
        ports.store.collection(COLLECTION).update(doc["id"], {"updated": now_iso()})
        _refresh(ports, org_id, doc["name"])
        audit.record(ports, actor, org_id, "env_group.secret_set", "env_group", doc["id"],
                     {"group": doc["name"], "name": secret, "version": stored["version"]})
    return public_secret(stored)


def delete_secret(ports: Ports, actor: Actor, org_id: str, name: str, secret: str) -> None:
    doc = _load(ports, actor, org_id, name, "env_group.write")
    existing = ports.store.collection("secrets").find_one({"scope_id": doc["id"], "name": check_secret_name(secret)})
    if existing is None:
        raise NotFound(f"environment group {name!r} has no secret {secret}", field="name")
    with ports.store.transaction():
        ports.store.collection("secrets").delete(existing["id"])
        ports.store.collection(COLLECTION).update(doc["id"], {"updated": now_iso()})
        _refresh(ports, org_id, doc["name"])
        audit.record(ports, actor, org_id, "env_group.secret_delete", "env_group", doc["id"],
                     {"group": doc["name"], "name": secret})
    ports.queue.publish(tasks.FORGET_ENV_GROUP_SECRETS, org_id, doc["id"], secret)


def forget_everywhere(ports: Ports, org_id: str, group_id: str, secret: Optional[str],
                      places: Optional[list[dict[str, Any]]] = None) -> dict[str, Any]:
    """Delete the SSM parameters deploys made of a removed group secret (every version), or of
    every secret of a removed group, in each account and region the organization's environments
    deploy to (a task: retried until AWS answers). A secret set again meanwhile stays: its new
    versions may already be in use."""
    from chalicelib.catalog.environments import deploy_places

    if secret is not None and ports.store.collection("secrets").find_one({"scope_id": group_id, "name": secret}):
        return {"deleted": 0, "kept": f"{secret} was set again since"}
    targets = deploy_places(ports, org_id) if places is None else places   # `places`: given by an organization's deletion
    path = f"{naming.SECRET_PREFIX}/{org_id}/{group_id}" + (f"/{secret}" if secret else "")
    deleted = 0
    for target in targets:
        cloud = ports.cloud_for(target)
        for name in cloud.find_parameters(path):
            cloud.delete_secret(name)
            deleted += 1
    return {"deleted": deleted, "places": len(targets)}


# --- deploying what links it ---------------------------------------------------------------

def deploy_group(ports: Ports, actor: Actor, org_id: str, name: str) -> dict[str, Any]:
    """Deploy every service linking the group whose configuration differs from its live release
    (`needs_deploy`), each through create_deployment: a refusal for one (its approval rules, a
    freeze, a suspension, the caller's role) goes to `skipped` in its words, the others go on.
    Services never deployed are skipped: their first deploy is their own."""
    from chalicelib.catalog.service import public_service
    from chalicelib.deploys.service import create_deployment

    # the org role, or one project's; create_deployment then skips the services of other projects in its words
    authorize_somewhere(ports, actor, org_id, "deploy")
    doc = _load(ports, actor, org_id, name)
    deployments: list[dict[str, Any]] = []
    skipped: list[dict[str, Any]] = []
    projects: dict[str, Optional[str]] = {}
    for svc in sorted(_linking(ports, org_id).get(doc["name"], []), key=lambda s: (s["project_id"], s["name"])):
        svc = public_service(svc)
        if not svc.get("live_deployment_id"):
            skipped.append({"service_id": svc["id"], "service": svc["name"],
                            "reason": "it has no live release yet: its first deploy is its own"})
            continue
        if not svc["needs_deploy"]:
            skipped.append({"service_id": svc["id"], "service": svc["name"],
                            "reason": "its live release runs this configuration already"})
            continue
        try:
            dep, _ = create_deployment(ports, actor, org_id, svc["id"], None)
        except DomainError as exc:
            skipped.append({"service_id": svc["id"], "service": svc["name"], "reason": str(exc)})
            continue
        if svc["project_id"] not in projects:
            projects[svc["project_id"]] = (ports.store.collection("projects").get(svc["project_id"]) or {}).get("name")
        deployments.append({"service_id": svc["id"], "service": svc["name"], "project": projects[svc["project_id"]],
                            "environment": svc.get("environment"), "deployment_id": dep["id"]})
    return {"deployments": deployments, "skipped": skipped}
