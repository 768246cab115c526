"""Environments of a project (production, staging, previews...). Each has its own variables,
secrets and domain suffix; its services inherit them, and a service's own values win.

Secrets of both scopes live in the `secrets` collection, keyed by `scope_id` (the environment's
or the service's id): names and versions go out, values never do.
"""
from __future__ import annotations

import logging
import re
from typing import Any, Optional

from chalicelib import lifecycle, tasks
from chalicelib.accounts.service import authorize, load_in_org
from chalicelib.audit import service as audit
from chalicelib.core import security
from chalicelib.core.context import SYSTEM, Actor, Ports
from chalicelib.core.errors import MAX_RESOURCES, AlreadyExists, Invalid, NotFound, StateConflict, named
from chalicelib.core.ids import new_id, now_iso
from chalicelib.store.port import Conflict, iter_all

log = logging.getLogger(__name__)
DEFAULT = "production"
NAME = re.compile(r"^[a-z][a-z0-9-]{0,31}$")
NAME_HELP = "environment names are lower-case letters, digits and hyphens, starting with a letter (at most 32)"
SECRET_NAME = re.compile(r"^[A-Z_][A-Z0-9_]{0,127}$")


def check_name(name: str, field: str = "name") -> str:
    if not isinstance(name, str) or not NAME.match(name):
        raise Invalid(NAME_HELP, field=field)
    return name


def effective_region(ports: Ports, env: dict[str, Any]) -> str:
    """The region the environment's services deploy to: its own, else the platform's."""
    return env.get("region") or ports.settings.aws_region


def public(ports: Ports, env: dict[str, Any]) -> dict[str, Any]:
    """`region` is what was set (null: the default); `effective_region` where its services deploy."""
    out = {k: env.get(k) for k in ("id", "org_id", "project_id", "name", "domain_suffix", "env", "aws_account_id",
                                   "region", "branch", "preview", "allowed_ips", "created", "updated")}
    target = ports.store.collection("environments").get(env["promote_to_id"]) if env.get("promote_to_id") else None
    out["promote_to"] = target["name"] if target else None   # (a deleted target promotes nowhere)
    from chalicelib.catalog import freezes  # (it reads environments through this module)

    out.update(freezes.shown(env))
    out.update(_sleep_shown(env))
    out["require_approval"] = bool(env.get("require_approval"))
    out["prevent_self_approval"] = bool(env.get("prevent_self_approval"))
    out["deploys_to"] = "connected account" if env.get("aws_account_id") else "platform account"
    out["effective_region"] = effective_region(ports, env)
    out["status"] = env.get("status") or "active"
    from chalicelib.deploys.egress import shown as egress_shown

    out.update(egress_shown(env))
    if env.get("teardown"):   # progress of the removal of its AWS resources (deploys/env_teardown.py)
        out["teardown"] = env["teardown"]
    return out


def _sleep_shown(env: dict[str, Any]) -> dict[str, Any]:
    """Its sleep schedule (deploys/sleep.py): the windows, `sleeping` while its services sleep
    (until when), else `next_sleep`."""
    from chalicelib.catalog import windows

    recurring = env.get("sleep_windows") or []
    lifted = env.get("sleep_lifted_until")   # woken by hand until this window ends
    opened = windows.open_unless_lifted(recurring, lifted)
    now = opened if opened and env.get("sleep_state") == "asleep" else None
    if now or not recurring:
        upcoming = None
    elif opened:   # open but not yet acted on (beat looks every minute): that one is next, under way
        upcoming = {"starts": opened["at"], "until": opened["until"], "reason": opened["reason"]}
    else:          # the next opening, after the one woken from if any
        upcoming = windows.next_window(recurring, windows.moment(lifted) if lifted and lifted > now_iso() else None)
    return {"sleep_windows": recurring,
            "sleeping": {"until": now["until"], "reason": now["reason"]} if now else None,
            "next_sleep": {k: upcoming[k] for k in ("starts", "until", "reason")} if upcoming else None}


# --- reading -----------------------------------------------------------------------

def find(ports: Ports, project_id: str, ref: str) -> Optional[dict[str, Any]]:
    """By id (env_...) or by name within the project."""
    envs = ports.store.collection("environments")
    doc = envs.get(ref) if ref.startswith("env_") else envs.find_one({"project_id": project_id, "name": ref})
    return doc if doc and doc["project_id"] == project_id else None


def get_environment(ports: Ports, actor: Actor, org_id: str, project_id: str, ref: str,
                    action: str = "read") -> dict[str, Any]:
    load_in_org(ports, actor, org_id, action, "projects", project_id, "project")
    env = find(ports, project_id, ref)
    if env is None or env["org_id"] != org_id:
        raise NotFound(f"environment {ref!r} not found in this project", field="environment")
    return env


def list_environments(ports: Ports, actor: Actor, org_id: str, project_id: str, limit: int, after: Optional[str]):
    load_in_org(ports, actor, org_id, "read", "projects", project_id, "project")
    return ports.store.collection("environments").find({"project_id": project_id}, order="name", limit=limit,
                                                       after=after)


def of_service(ports: Ports, service: dict[str, Any]) -> dict[str, Any]:
    env = ports.store.collection("environments").get(service.get("environment_id") or "")
    return env or {"id": None, "name": DEFAULT, "env": {}, "domain_suffix": None}


# --- writing -----------------------------------------------------------------------

def _insert(ports: Ports, org_id: str, project_id: str, name: str, domain_suffix: Optional[str],
            env: Optional[dict[str, str]], branch: Optional[str] = None) -> dict[str, Any]:
    now = now_iso()
    doc = {"id": new_id("env"), "org_id": org_id, "project_id": project_id, "name": check_name(name),
           "domain_suffix": domain_suffix, "env": dict(env or {}), "branch": branch, "created": now, "updated": now}
    try:
        return ports.store.collection("environments").insert(doc)
    except Conflict:
        raise AlreadyExists(f"an environment named {name!r} already exists in this project", field="name") from None


def ensure_default(ports: Ports, org_id: str, project_id: str) -> dict[str, Any]:
    """The project's `production` environment, made when the project is (and by the migration)."""
    existing = find(ports, project_id, DEFAULT)
    if existing:
        return existing
    try:
        return _insert(ports, org_id, project_id, DEFAULT, None, None)
    except AlreadyExists:  # made concurrently
        return find(ports, project_id, DEFAULT)  # type: ignore[return-value]


def create_environment(ports: Ports, actor: Actor, org_id: str, project_id: str, name: str,
                       domain_suffix: Optional[str] = None, env: Optional[dict[str, str]] = None,
                       place: Optional[dict[str, Any]] = None, branch: Optional[str] = None,
                       approval: Optional[dict[str, Any]] = None, promote_to: Optional[str] = None) -> dict[str, Any]:
    """`approval`: the settings it starts with besides these: {require_approval, prevent_self_approval,
    freeze_windows, sleep_windows, allowed_ips} (deploys/service.approve, catalog/windows.py);
    `promote_to`: the environment its new live releases are promoted to (deploys/promote.py)."""
    load_in_org(ports, actor, org_id, "project.write", "projects", project_id, "project")
    where = _where(ports, org_id, {}, place or {}) if place else {}
    with ports.store.transaction():
        doc = _insert(ports, org_id, project_id, name, domain_suffix, env, branch)
        chain: dict[str, Any] = {"promote_to_id": promotion_target(ports, doc, promote_to)} if promote_to else {}
        chain.update(_window_flags(approval or {}))
        if (approval or {}).get("static_egress"):
            _egress_possible(ports, {**doc, **where}, True)
        if where or approval or chain:
            doc = ports.store.collection("environments").update(doc["id"], {**where, **(approval or {}), **chain}) or doc
        audit.record(ports, actor, org_id, "environment.create", "environment", doc["id"],
                     {"name": name, "project_id": project_id})
    return doc


def update_environment(ports: Ports, actor: Actor, org_id: str, project_id: str, ref: str,
                       changes: dict[str, Any]) -> dict[str, Any]:
    current = writable(get_environment(ports, actor, org_id, project_id, ref, "project.write"))
    if "name" in changes:
        check_name(changes["name"])
    if {"aws_account_id", "region"} & set(changes):
        changes = {**changes, **_where(ports, org_id, current, changes)}
    if "promote_to" in changes:
        changes = {**changes, "promote_to_id": promotion_target(ports, current, changes["promote_to"])}
        del changes["promote_to"]
    asked = sorted(changes)   # what the caller changed (the audit's words), before the flags below
    changes = {**changes, **_window_flags(changes)}
    if "static_egress" in changes:
        from chalicelib.deploys.egress import flags

        _egress_possible(ports, current if "aws_account_id" not in changes else {**current, **changes},
                         bool(changes["static_egress"]))
        changes = {**changes, **flags(current, changes)}
    try:
        with ports.store.transaction():
            doc = ports.store.collection("environments").update(current["id"], {**changes, "updated": now_iso()})
            if doc is None:
                raise NotFound("environment not found", field="environment")
            if {"name", "env", "allowed_ips", "static_egress"} & set(changes):
                refresh_services(ports, doc)
            if "sleep_windows" in changes:
                _previews_sleep_alike(ports, doc)
            audit.record(ports, actor, org_id, "environment.update", "environment", current["id"],
                         {"fields": asked, **({"aws_account_id": changes.get("aws_account_id"),
                                                         "region": changes.get("region")}
                                                        if "region" in changes else {})})
    except Conflict:
        raise AlreadyExists(f"an environment named {changes.get('name')!r} already exists", field="name") from None
    return doc


def egress_refusal(ports: Ports, place: dict[str, Any]) -> Optional[str]:
    """Why an environment deploying to `place` ({"aws_account_id"}) cannot have static egress (None: it
    can). It needs the VPC Launchbay manages: with LAUNCHBAY_SUBNETS (the platform's own account
    only), the operator's routing decides the outbound address. The API and launchbay.yaml's plan
    (configfile/plan.py) refuse it in these words."""
    if not place.get("aws_account_id") and ports.settings.subnets.strip():
        return ("this platform runs services in the subnets LAUNCHBAY_SUBNETS names: their own routing (a NAT "
                "gateway of yours) decides the outbound address")
    return None


def _egress_possible(ports: Ports, env: dict[str, Any], wanted: bool) -> None:
    why = egress_refusal(ports, env) if wanted else None
    if why:
        raise Invalid(why, field="static_egress")


def _window_flags(fields: dict[str, Any]) -> dict[str, Any]:
    """`has_freeze_windows` / `has_sleep_windows` for the lists `fields` sets: the beats that tell
    freeze windows opening and closing (catalog/freezes.py) and put services to sleep
    (deploys/sleep.py) find the environments by them (an index)."""
    return {f"has_{kind}": True if fields[kind] else None for kind in ("freeze_windows", "sleep_windows")
            if kind in fields}


def promotion_target(ports: Ports, env: dict[str, Any], ref: Optional[str]) -> Optional[str]:
    """The id of the environment `env` promotes its new live releases to (None or "": none):
    another environment of the same project, with no way back to `env` along the chain."""
    if not ref:
        return None
    target = find(ports, env["project_id"], ref)
    if target is None:
        raise NotFound(f"environment {ref!r} not found in this project", field="promote_to")
    if target["id"] == env["id"]:
        raise Invalid(f"{env['name']} cannot promote to itself", field="promote_to")
    seen: set[str] = {env["id"]}
    step: Optional[dict[str, Any]] = target
    while step is not None and step.get("promote_to_id"):   # staging -> production -> staging would never end
        if step["promote_to_id"] in seen:
            raise Invalid(f"{target['name']} promotes back to {env['name']} (directly or through others): "
                          "promotions must not go round in a circle", field="promote_to")
        seen.add(step["id"])
        step = ports.store.collection("environments").get(step["promote_to_id"])
    return target["id"]


def _where(ports: Ports, org_id: str, current: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """The account connection and region an environment deploys to, checked: this organization's
    verified connection (another's is a 404), a region it allows (422). Moving an environment
    whose services were deployed is refused: their resources stay where they are."""
    from chalicelib.accounts import aws_accounts

    conn_id = changes.get("aws_account_id", current.get("aws_account_id"))
    region = changes.get("region", current.get("region"))
    if region is not None and not aws_accounts.REGION.match(region):
        raise Invalid(f"{region!r} is not an AWS region name", field="region")
    if conn_id:
        conn = aws_accounts.usable(ports, org_id, conn_id, region)
        region = region or conn["regions"][0]
    where = {"aws_account_id": conn_id or None, "region": region}
    moved = {k for k, v in where.items() if v != current.get(k)}
    if moved and current.get("id") and ports.store.collection("services").count(
            {"environment_id": current["id"], "status": {"$ne": "new"}}):
        raise StateConflict(f"the environment's services have been deployed where it is now: delete them before "
                            f"changing its {' and '.join(sorted(moved))}", field=sorted(moved)[0])
    return where


# what a clone's services take over besides what their deploys run (SPEC_FIELDS)
CLONED_SETTINGS = ("release_command", "auto_rollback", "canary", "allowed_ips", "env_groups")


def mark_preview(ports: Ports, env_id: str, preview: dict[str, Any],
                 base: Optional[dict[str, Any]] = None) -> Optional[dict[str, Any]]:
    """A preview environment (chalicelib/hooks/previews.py): {"pr", "head_sha", "last_push", ...};
    it tracks no branch itself (the pull request's pushes update it). It sleeps when its `base`
    sleeps (a preview nobody looks at at night costs as much as staging would)."""
    sleeps = list((base or {}).get("sleep_windows") or [])
    return ports.store.collection("environments").update(env_id, {
        "preview": preview, "branch": None, "updated": now_iso(),
        **({"sleep_windows": sleeps, **_window_flags({"sleep_windows": sleeps})} if sleeps else {})})


def _previews_sleep_alike(ports: Ports, base: dict[str, Any]) -> None:
    """The previews made from `base` sleep when it sleeps (mark_preview): its new windows are theirs."""
    from chalicelib.store.port import iter_all

    sleeps = list(base.get("sleep_windows") or [])
    for env in iter_all(ports.store.collection("environments"), {"project_id": base["project_id"]}):
        if (env.get("preview") or {}).get("base_environment_id") == base["id"]:
            ports.store.collection("environments").update(env["id"], {
                "sleep_windows": sleeps, **_window_flags({"sleep_windows": sleeps}), "updated": now_iso()})


def refresh_services(ports: Ports, env: dict[str, Any]) -> None:
    """What the environment gives its services changed: their name and fingerprint follow
    (so `needs_deploy` turns true where the running release differs)."""
    from chalicelib.catalog.service import refresh_config_hash

    for svc in iter_all(ports.store.collection("services"), {"environment_id": env["id"]}):
        if svc.get("environment") != env["name"]:
            ports.store.collection("services").update(svc["id"], {"environment": env["name"]})
        refresh_config_hash(ports, svc["id"])


def writable(env: dict[str, Any]) -> dict[str, Any]:
    """Nothing is added to or changed in an environment whose resources are being removed."""
    if env.get("status") == "deleting":
        raise StateConflict(f"environment {env['name']!r} is being deleted", field="environment")
    return env


def delete_environment(ports: Ports, actor: Actor, org_id: str, project_id: str,
                       ref: str) -> Optional[dict[str, Any]]:
    """-> None when the environment is gone at once (it never deployed: nothing of it is in AWS),
    else the environment in `deleting`, its teardown queued (deploys/env_teardown.py)."""
    env = get_environment(ports, actor, org_id, project_id, ref, "project.delete")
    _refuse_protected(ports, env)
    services, _ = ports.store.collection("services").find({"environment_id": env["id"]}, order="name",
                                                          limit=MAX_RESOURCES)
    if services:
        raise StateConflict(f"environment {env['name']!r} still has services: delete them first (or plan and "
                            "apply a launchbay.yaml without it, with allow_delete)", field="environment",
                            resources=named("service", services))
    return begin_delete(ports, actor, env)


def _refuse_protected(ports: Ports, env: dict[str, Any]) -> None:
    from chalicelib.resources.service import refuse_protected  # resources import this module

    refuse_protected(ports, env)


def begin_delete(ports: Ports, actor: Actor, env: dict[str, Any]) -> Optional[dict[str, Any]]:
    """Delete the environment (it has no services left): at once when none of its deployments
    acted in AWS, otherwise move it to `deleting` and queue the teardown of what it made there.
    Calling it again for a `deleting` one queues the teardown again (it resumes where it stopped)."""
    marked = mark_deleting(ports, actor, env)
    if marked is not None:   # published once committed, so the worker finds it `deleting`
        queue_teardown(ports, marked["id"])
    return marked


def queue_teardown(ports: Ports, env_id: str) -> None:
    try:
        ports.queue.publish(tasks.TEARDOWN_ENVIRONMENT, env_id)
    except Exception as exc:  # the broker is unreachable: the environment stays `deleting` and the
        # beat's resume_teardowns queues it again later (env_teardown.resume)
        log.warning("environment %s is deleting but its teardown was not queued (%s)", env_id, type(exc).__name__)


def mark_deleting(ports: Ports, actor: Actor, env: dict[str, Any]) -> Optional[dict[str, Any]]:
    """begin_delete without the publish (for a caller's own transaction): -> the environment to
    queue a teardown for, or None when it was deleted at once."""
    if not ports.store.collection("deployments").count({"environment_id": env["id"]}) and \
            not ports.store.collection("resources").count({"environment_id": env["id"]}):
        with ports.store.transaction():
            ports.store.collection("secrets").delete_many({"scope_id": env["id"]})
            ports.store.collection("environments").delete(env["id"])
            audit.record(ports, actor, env["org_id"], "environment.delete", "environment", env["id"],
                         {"name": env["name"]})
        return None
    if env.get("status") != "deleting":
        env = lifecycle.set_environment(ports, env, "deleting", actor, teardown={"state": "queued"}) or \
            ports.store.collection("environments").get(env["id"]) or env
    else:   # asked again (e.g. after a failure's cause was fixed): queued anew
        env = ports.store.collection("environments").update(
            env["id"], {"teardown": {**(env.get("teardown") or {}), "state": "queued", "error": None}}) or env
    return env


def plan_delete(ports: Ports, actor: Actor, org_id: str, project_id: str, ref: str) -> dict[str, Any]:
    """What deleting the environment would remove in AWS, per account and region (read-only)."""
    from chalicelib.deploys import env_teardown

    env = get_environment(ports, actor, org_id, project_id, ref)
    services = [s["name"] for s in iter_all(ports.store.collection("services"), {"environment_id": env["id"]})]
    return {"environment": public(ports, env), "services_to_delete_first": sorted(services),
            "resources": env_teardown.resources(ports, env), "places": env_teardown.plan(ports, env)}


def retire_environment(ports: Ports, actor: Actor, org_id: str, project_id: str, ref: str) -> dict[str, Any]:
    """Delete the environment once its services are gone: now if it has none, otherwise when
    the teardown of its last service finishes (chalicelib/deploys/teardown.py)."""
    env = get_environment(ports, actor, org_id, project_id, ref, "project.delete")
    _refuse_protected(ports, env)
    ports.store.collection("environments").update(env["id"], {"retiring": True, "updated": now_iso()})
    audit.record(ports, actor, org_id, "environment.retire", "environment", env["id"], {"name": env["name"]})
    if not ports.store.collection("services").count({"environment_id": env["id"]}):
        remove_if_retired(ports, env["id"], actor)
    return env


def remove_if_retired(ports: Ports, env_id: str, actor: Actor = SYSTEM) -> bool:
    """A retiring environment whose last service is gone starts its own deletion."""
    env = ports.store.collection("environments").get(env_id)
    if not env or not env.get("retiring") or ports.store.collection("services").count({"environment_id": env_id}):
        return False
    begin_delete(ports, actor, env)
    return True


def clone_environment(ports: Ports, actor: Actor, org_id: str, project_id: str, ref: str, name: str,
                      with_secrets: bool = False, domain_suffix: Optional[str] = None) -> dict[str, Any]:
    """A new environment with the same variables and services (configuration, not releases).
    Secret values are copied only when asked; otherwise the names come without values."""
    from chalicelib.catalog.service import SPEC_FIELDS, create_service

    source = get_environment(ports, actor, org_id, project_id, ref, "project.write")
    authorize(ports, actor, org_id, "service.write", source["project_id"])
    if with_secrets:
        authorize(ports, actor, org_id, "secret.write", source["project_id"])
    place = {k: source[k] for k in ("aws_account_id", "region") if source.get(k)}   # deploys where the source does
    # reachable from where the source is (a preview of a locked staging is locked too)
    kept = {"allowed_ips": list(source["allowed_ips"])} if source.get("allowed_ips") else None
    target = create_environment(ports, actor, org_id, project_id, name, domain_suffix, source.get("env"), place,
                                approval=kept)
    services = list(iter_all(ports.store.collection("services"), {"environment_id": source["id"]}))
    copied = []
    for svc in services:
        spec = {k: svc.get(k) for k in SPEC_FIELDS + CLONED_SETTINGS}
        if svc.get("source"):   # built from source: the clone builds from the same repository
            spec.update(source=dict(svc["source"]), build_env=dict(svc.get("build_env") or {}))
        if spec.get("domain"):  # a domain belongs to one service: the clone gets none (or the new suffix's)
            spec["domain"] = f"{svc['name']}.{domain_suffix}" if domain_suffix else None
        made = create_service(ports, actor, org_id, project_id, {**spec, "environment": target["name"]})
        copied.append(made)
        if with_secrets:
            _copy_secrets(ports, actor, org_id, svc["id"], made["id"])
    if with_secrets:
        _copy_secrets(ports, actor, org_id, source["id"], target["id"])
    from chalicelib.resources.service import copy_for_clone  # new, small, empty resources, linked alike

    resources = copy_for_clone(ports, actor, org_id, project_id, source["id"], target["name"],
                               list(zip(services, copied)))
    audit.record(ports, actor, org_id, "environment.clone", "environment", target["id"],
                 {"from": source["name"], "services": len(copied), "with_secrets": with_secrets,
                  "resources": len(resources)})
    return {**public(ports, target), "services": [s["id"] for s in copied], "with_secrets": with_secrets,
            "resources": [r["id"] for r in resources],
            "secrets_to_set": [] if with_secrets else secret_names(ports, source, services)}


def secret_names(ports: Ports, env: dict[str, Any], services: list[dict[str, Any]]) -> list[str]:
    names = {s["name"] for s in iter_all(ports.store.collection("secrets"), {"scope_id": env["id"]})}
    for svc in services:
        names |= {s["name"] for s in iter_all(ports.store.collection("secrets"), {"scope_id": svc["id"]})}
    return sorted(names)


def _copy_secrets(ports: Ports, actor: Actor, org_id: str, from_scope: str, to_scope: str) -> None:
    key = ports.settings.fernet_key()
    for s in iter_all(ports.store.collection("secrets"), {"scope_id": from_scope}):
        put_secret_value(ports, actor, org_id, to_scope, s["name"], security.decrypt(key, s["ciphertext"]))


# --- secrets of either scope ----------------------------------------------------------

def check_secret_name(name: str) -> str:
    if not SECRET_NAME.match(name or ""):
        raise Invalid("secret names are upper case letters, digits and _ (e.g. DATABASE_URL)", field="name")
    return name


def put_secret_value(ports: Ports, actor: Actor, org_id: str, scope_id: str, name: str, value: str,
                     audited: bool = True) -> dict[str, Any]:
    """Store a new version (encrypted); call with the scope already authorized (`audited` False: the
    caller records what it did in its own words)."""
    check_secret_name(name)
    coll = ports.store.collection("secrets")
    ciphertext = security.encrypt(ports.settings.fernet_key(), value)
    now = now_iso()
    with ports.store.transaction():
        existing = coll.find_one({"scope_id": scope_id, "name": name})
        if existing:
            version = existing["version"] + 1
            coll.update(existing["id"], {"ciphertext": ciphertext, "version": version, "updated": now})
            secret = {**existing, "version": version, "updated": now}
        else:
            secret = coll.insert({"id": new_id("sec"), "org_id": org_id, "scope_id": scope_id,
                                  "service_id": scope_id if scope_id.startswith("svc_") else None,
                                  "name": name, "ciphertext": ciphertext, "version": 1, "created": now, "updated": now})
        scope = {"env": "environment", "org": "organization"}.get(scope_id.split("_", 1)[0], "service")
        if audited:
            audit.record(ports, actor, org_id, "secret.put", scope, scope_id, {"name": name, "version": secret["version"]})
    return secret


def public_secret(secret: dict[str, Any]) -> dict[str, Any]:
    return {k: secret[k] for k in ("name", "version", "created", "updated")}


def put_env_secret(ports: Ports, actor: Actor, org_id: str, project_id: str, ref: str, name: str,
                   value: str) -> dict[str, Any]:
    env = writable(get_environment(ports, actor, org_id, project_id, ref))
    authorize(ports, actor, org_id, "secret.write", env["project_id"])
    if name in (env.get("env") or {}):
        raise Invalid(f"{name} is already a plain variable of this environment", field="name")
    with ports.store.transaction():
        secret = put_secret_value(ports, actor, org_id, env["id"], name, value)
        refresh_services(ports, env)
    return {**public_secret(secret), "scope": "environment", "redeploy_needed": True,
            "message": "the new value reaches the environment's services with their next deploy"}


def list_env_secrets(ports: Ports, actor: Actor, org_id: str, project_id: str, ref: str) -> list[dict[str, Any]]:
    env = get_environment(ports, actor, org_id, project_id, ref)
    docs, _ = ports.store.collection("secrets").find({"scope_id": env["id"]}, order="name", limit=1000)
    return [public_secret(s) for s in docs]


def delete_env_secret(ports: Ports, actor: Actor, org_id: str, project_id: str, ref: str, name: str) -> None:
    env = get_environment(ports, actor, org_id, project_id, ref)
    authorize(ports, actor, org_id, "secret.write", env["project_id"])
    existing = ports.store.collection("secrets").find_one({"scope_id": env["id"], "name": check_secret_name(name)})
    if existing is None:
        raise NotFound("secret not found", field="name")
    with ports.store.transaction():
        ports.store.collection("secrets").delete(existing["id"])
        refresh_services(ports, env)
        audit.record(ports, actor, org_id, "secret.delete", "environment", env["id"], {"name": name})


# --- what a service gets ------------------------------------------------------------------

def deploy_places(ports: Ports, org_id: str) -> list[dict[str, Any]]:
    """Each {"aws_account_id", "region"} the organization's environments deploy to, once: where a
    removed credential's or secret's copies are taken out."""
    places: dict[tuple, dict[str, Any]] = {}
    for env in iter_all(ports.store.collection("environments"), {"org_id": org_id}):
        where = {"aws_account_id": env.get("aws_account_id"), "region": effective_region(ports, env)}
        places[where["aws_account_id"], where["region"]] = where
    return list(places.values())


def effective_allowed_ips(service: dict[str, Any], env: dict[str, Any]) -> list[str]:
    """The client addresses a web service answers: its own, else its environment's ([]: everyone)."""
    if service.get("kind") != "web":
        return []
    return list(service.get("allowed_ips") or env.get("allowed_ips") or [])


def layers(ports: Ports, service: dict[str, Any], env: Optional[dict[str, Any]] = None) -> list[dict[str, Any]]:
    """What the service's tasks get, lowest first: its environment's, each environment group it links
    in the order it lists them (chalicelib/envgroups), its own. Each: {"scope_id" (of its secrets),
    "kind": "environment" | "env_group" | "service", "name", "env": its variables}."""
    from chalicelib.envgroups.service import linked_groups

    env = env if env is not None else of_service(ports, service)
    out = [{"scope_id": env.get("id"), "kind": "environment", "name": env.get("name"), "env": env.get("env") or {}}]
    out += [{"scope_id": g["id"], "kind": "env_group", "name": g["name"], "env": g.get("env") or {}}
            for g in linked_groups(ports, service)]
    out.append({"scope_id": service.get("id"), "kind": "service", "name": service.get("name"),
                "env": service.get("env") or {}})
    return out


def resolved(ports: Ports, service: dict[str, Any],
             env: Optional[dict[str, Any]] = None) -> tuple[dict[str, str], dict[str, dict[str, Any]]]:
    """(variables, secrets: NAME -> {"scope_id", "version"}) the service's tasks get. A name goes to
    the highest layer that has it, as a plain variable or a secret, whichever that layer says, so
    that no name is both (a task definition refuses that): an environment's variable is overridden
    by a group's or the service's secret of that name, and the other way round. Within one layer a
    secret wins over a variable of the same name (each scope refuses to make such a pair)."""
    variables: dict[str, str] = {}
    secrets: dict[str, dict[str, Any]] = {}
    for layer in layers(ports, service, env):
        for name, value in layer["env"].items():
            variables[name] = value
            secrets.pop(name, None)
        if layer["scope_id"]:
            docs, _ = ports.store.collection("secrets").find({"scope_id": layer["scope_id"]}, order="name", limit=1000)
            for s in docs:
                secrets[s["name"]] = {"scope_id": layer["scope_id"], "version": s["version"]}
                variables.pop(s["name"], None)
    return variables, secrets


def effective_env(ports: Ports, service: dict[str, Any], env: Optional[dict[str, Any]] = None) -> dict[str, str]:
    """The service's plain variables: its environment's, under its environment groups', under its own
    (`env`: the environment's document, when the caller has read it); a name a higher layer makes a
    secret is not among them (resolved)."""
    return resolved(ports, service, env)[0]


def secret_scopes(ports: Ports, service: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """NAME -> {"scope_id", "version"}: the environment's secrets, overridden by its environment
    groups' in order, overridden by the service's (a higher layer's plain variable takes the name: resolved)."""
    return resolved(ports, service)[1]


def secret_value(ports: Ports, scope_id: str, name: str) -> tuple[Optional[int], str]:
    """For the deploy engine's executor only: (version, plaintext). Never returned by the API."""
    doc = ports.store.collection("secrets").find_one({"scope_id": scope_id, "name": name})
    if doc is None:
        return None, ""
    return doc["version"], security.decrypt(ports.settings.fernet_key(), doc["ciphertext"])

