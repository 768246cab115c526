"""Projects, services and secrets, always scoped to the caller's organization. A service
belongs to one environment of its project (chalicelib/catalog/environments.py)."""
from __future__ import annotations

from typing import Any, Optional

from chalicelib import lifecycle, tasks
from chalicelib.accounts import members
from chalicelib.accounts.service import authorize, load_in_org
from chalicelib.audit import service as audit
from chalicelib.catalog import domains, environments
from chalicelib.catalog.models import service_problems, with_defaults
from chalicelib.core.context import Actor, Ports
from chalicelib.core.errors import MAX_RESOURCES, AlreadyExists, Invalid, NotFound, StateConflict, named
from chalicelib.core.ids import new_id, now_iso
from chalicelib.store.port import Conflict, iter_all

# What a release freezes: rolling back to it reproduces exactly this. A change to any of
# these (or to a secret) takes effect with the next deploy.
SPEC_FIELDS = ("kind", "name", "image", "port", "command", "cpu", "memory", "env", "health_check",
               "min_instances", "max_instances", "schedule", "domain", "deregistration_delay", "autoscaling")


def effective_spec(ports: Ports, service: dict[str, Any], env: Optional[dict[str, Any]] = None,
                   variables: Optional[dict[str, str]] = None) -> dict[str, Any]:
    """What a deploy of the service runs: its settings, with its environment's variables and its
    environment groups' under its own (`env`: the environment's document, when the caller has read it;
    `variables`: environments.resolved's, when the caller has them)."""
    spec = {k: service.get(k) for k in SPEC_FIELDS}
    if env is None:   # read once: its variables and its allowed addresses
        env = environments.of_service(ports, service)
    spec["env"] = variables if variables is not None else environments.effective_env(ports, service, env)
    if service.get("env_groups"):   # only then, as below: other fingerprints stay as they were
        spec["env_groups"] = list(service["env_groups"])
    if service.get("release_command"):   # only then, as source below: other fingerprints stay as they were
        spec["release_command"] = list(service["release_command"])
    allowed = environments.effective_allowed_ips(service, env)
    if allowed:   # the listener rules' source addresses (deploys/steps.py _rule); only then: fingerprints stay
        spec["allowed_ips"] = allowed
    if service.get("aliases"):   # more routed hosts (deploys/steps.py domain_rule); only then, as above
        spec["aliases"] = list(service["aliases"])
        if service.get("redirect_aliases"):
            spec["redirect_aliases"] = True
    for key in ("architecture", "spot"):   # only where set, as above
        if service.get(key):
            spec[key] = service[key]
    if service.get("source"):  # only then: the fingerprint of an image service stays as it was
        spec.update(source=dict(service["source"]), build_env=dict(service.get("build_env") or {}))
    return spec


def config_hash(ports: Ports, service: dict[str, Any]) -> str:
    """Fingerprint of what a deploy of this configuration would run (effective settings, secret
    versions of both scopes, linked resources): compared with the live release's to tell whether
    the service needs a deploy (rollbacks included)."""
    import hashlib
    import json

    env = environments.of_service(ports, service)
    variables, scopes = environments.resolved(ports, service, env)   # once: its layers' variables and secrets
    secrets = {k: [v["scope_id"], v["version"]] for k, v in scopes.items()}
    body: dict[str, Any] = {"spec": effective_spec(ports, service, env, variables), "secrets": dict(sorted(secrets.items()))}
    if env.get("static_egress"):   # only then, as below: the network moves
        body["egress"] = "static"
    links, _ = ports.store.collection("resource_links").find({"service_id": service["id"]}, limit=200)
    if links:   # only then: a service that links nothing keeps the fingerprint it had
        # a mount path or read-only access too, only where set: other links keep their fingerprint
        body["links"] = sorted([x["resource_id"], x["variable"]]
                               + ([x.get("path"), bool(x.get("read_only"))] if x.get("path") or x.get("read_only")
                                  else []) for x in links)
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()[:16]


def refresh_config_hash(ports: Ports, service_id: str) -> None:
    service = ports.store.collection("services").get(service_id)
    if service:
        ports.store.collection("services").update(service_id, {"config_hash": config_hash(ports, service)})


def public_service(service: dict[str, Any]) -> dict[str, Any]:
    # services made before a setting existed answer it as unset: the groups it links by name
    # (chalicelib/envgroups), its CPU architecture and Fargate Spot share
    out = {"architecture": None, "spot": None, "env_groups": None, **service}
    # the configuration differs from what runs (after a rollback too), or nothing runs yet
    out["needs_deploy"] = service.get("config_hash") != service.get("live_config_hash") or not service.get("live_deployment_id")
    if out.get("suspended"):   # the request's Idempotency-Key is the caller's, not the service's
        out["suspended"] = {k: v for k, v in out["suspended"].items() if k != "key"}
    return out


def private_address(ports: Ports, service: dict[str, Any]) -> Optional[str]:
    """Where the environment's other services reach it (`api.<private domain>:8080`): from its live
    release (the port and environment it runs with); None before one, or without a port."""
    from chalicelib.deploys.placement import private_address as address

    live = ports.store.collection("deployments").get(service.get("live_deployment_id") or "")
    if not live:
        return None
    spec = live.get("spec") or {}
    return address({"name": service["name"], "kind": live.get("kind"), "port": spec.get("port")}, live.get("target"))


# --- projects ----------------------------------------------------------------

def create_project(ports: Ports, actor: Actor, org_id: str, name: str, description: str) -> dict[str, Any]:
    authorize(ports, actor, org_id, "project.write")
    now = now_iso()
    project = {"id": new_id("prj"), "org_id": org_id, "name": name, "description": description,
               "created": now, "updated": now}
    try:
        with ports.store.transaction():
            ports.store.collection("projects").insert(project)
            environments.ensure_default(ports, org_id, project["id"])
            audit.record(ports, actor, org_id, "project.create", "project", project["id"], {"name": name})
    except Conflict:
        raise AlreadyExists(f"a project named {name!r} already exists", field="name") from None
    return project


def get_project(ports: Ports, actor: Actor, org_id: str, project_id: str, action: str = "read") -> dict[str, Any]:
    return load_in_org(ports, actor, org_id, action, "projects", project_id, "project")


def list_projects(ports: Ports, actor: Actor, org_id: str, limit: int,
                  after: Optional[str]) -> tuple[list[dict[str, Any]], Optional[str]]:
    authorize(ports, actor, org_id, "read")
    return ports.store.collection("projects").find({"org_id": org_id}, limit=limit, after=after)


def update_project(ports: Ports, actor: Actor, org_id: str, project_id: str, changes: dict) -> dict[str, Any]:
    get_project(ports, actor, org_id, project_id, "project.write")
    changes = {k: v for k, v in changes.items() if v is not None}
    try:
        with ports.store.transaction():
            project = ports.store.collection("projects").update(project_id, {**changes, "updated": now_iso()},
                                                                expect={"org_id": org_id})
            audit.record(ports, actor, org_id, "project.update", "project", project_id, {"fields": sorted(changes)})
    except Conflict:
        raise AlreadyExists(f"a project named {changes.get('name')!r} already exists", field="name") from None
    if project is None:
        raise NotFound("project not found", field="project")
    return project


def delete_project(ports: Ports, actor: Actor, org_id: str, project_id: str) -> None:
    """The project goes at once; each of its environments that deployed stays `deleting` until a
    worker has removed what it made in AWS (chalicelib/deploys/env_teardown.py)."""
    get_project(ports, actor, org_id, project_id, "project.delete")
    services, _ = ports.store.collection("services").find({"project_id": project_id}, order="name", limit=MAX_RESOURCES)
    if services:
        raise StateConflict("the project still has services: delete them first", field="project",
                            resources=named("service", services))
    with ports.store.transaction():
        queued = [environments.mark_deleting(ports, actor, env)
                  for env in list(iter_all(ports.store.collection("environments"), {"project_id": project_id}))]
        ports.store.collection("projects").delete(project_id)
        members.forget_project(ports, org_id, project_id)
        audit.record(ports, actor, org_id, "project.delete", "project", project_id)
    for env in queued:
        if env is not None:
            environments.queue_teardown(ports, env["id"])


# --- services ----------------------------------------------------------------

def _check(doc: dict) -> None:
    problems = service_problems(doc)
    if problems:
        message = "; ".join(m for _, m in problems)
        raise Invalid(message, field=problems[0][0], fields=[{"field": f, "message": m} for f, m in problems])


def _known_groups(ports: Ports, org_id: str, service: dict[str, Any]) -> None:
    """Each environment group the service links is one of its organization's (422 at env_groups)."""
    if service.get("env_groups"):
        from chalicelib.envgroups.service import check_known

        check_known(ports, org_id, service["env_groups"])


def create_service(ports: Ports, actor: Actor, org_id: str, project_id: str, spec: dict) -> dict[str, Any]:
    get_project(ports, actor, org_id, project_id, "service.write")
    env_name = spec.get("environment") or environments.DEFAULT
    env = environments.find(ports, project_id, env_name)
    if env is None and env_name == environments.DEFAULT:
        env = environments.ensure_default(ports, org_id, project_id)
    if env is None:
        raise NotFound(f"environment {env_name!r} not found in this project", field="environment")
    environments.writable(env)
    now = now_iso()
    service = with_defaults({k: v for k, v in spec.items() if k != "environment"}, env.get("domain_suffix"))
    _check(service)
    _known_groups(ports, org_id, service)
    service.update({"id": new_id("svc"), "org_id": org_id, "project_id": project_id, "environment_id": env["id"],
                    "environment": env["name"], "status": lifecycle.states.SERVICE_STATUSES[0],
                    "live_deployment_id": None, "live_config_hash": None, "created": now, "updated": now})
    service["config_hash"] = config_hash(ports, service)
    try:
        with ports.store.transaction():
            ports.store.collection("services").insert(service)
            for name in domains.names_of(service):  # 409 when another service holds one, whichever org
                domains.claim(ports, org_id, service["id"], name,
                              "domain" if name == domains.normalize(service["domain"] or "") else "aliases")
            audit.record(ports, actor, org_id, "service.create", "service", service["id"], {"name": service["name"]})
    except Conflict:
        raise AlreadyExists(f"a service named {service['name']!r} already exists in environment {env['name']!r}",
                            field="name") from None
    return service


def get_service(ports: Ports, actor: Actor, org_id: str, service_id: str, action: str = "read") -> dict[str, Any]:
    return load_in_org(ports, actor, org_id, action, "services", service_id, "service")


def list_services(ports: Ports, actor: Actor, org_id: str, project_id: str, limit: int, after: Optional[str],
                  environment: Optional[str] = None) -> tuple[list[dict[str, Any]], Optional[str]]:
    get_project(ports, actor, org_id, project_id)
    where: dict[str, Any] = {"org_id": org_id, "project_id": project_id}
    if environment:
        env = environments.find(ports, project_id, environment)
        if env is None:
            raise NotFound(f"environment {environment!r} not found in this project", field="environment")
        where["environment_id"] = env["id"]
    return ports.store.collection("services").find(where, limit=limit, after=after)


def _merged_setting(key: str, current: Optional[dict], given: dict) -> dict[str, Any]:
    """A PATCH of health_check, autoscaling, auto_rollback, canary or spot changes the fields it names: `launchbay
    services update --health-path /healthz` keeps the intervals. Stored whole (every field, defaults
    filled in) as a create stores it, and checked whole (a timeout must stay below the interval)."""
    from pydantic import BaseModel, ValidationError

    from chalicelib.catalog.models import AutoRollback, Autoscaling, Canary, HealthCheck, Spot

    models: dict[str, type[BaseModel]] = {"health_check": HealthCheck, "autoscaling": Autoscaling,
                                          "auto_rollback": AutoRollback, "canary": Canary, "spot": Spot}
    model = models[key]
    try:
        return model.model_validate({**(current or {}), **given}).model_dump()
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        where = ".".join([key, *(str(p) for p in err["loc"])])
        raise Invalid(f"{where}: {err['msg'].removeprefix('Value error, ')}", field=key) from None


def update_service(ports: Ports, actor: Actor, org_id: str, service_id: str, changes: dict) -> dict[str, Any]:
    """Every setting can change after creation; runtime ones apply on the next deploy."""
    current = get_service(ports, actor, org_id, service_id, "service.write")
    if current["status"] == "deleting":
        raise StateConflict("the service is being deleted", field="service")
    if changes.get("source") and not changes.get("image"):   # giving one of image and source switches to it
        from chalicelib.catalog.models import Source

        changes["source"] = Source.model_validate(changes["source"]).model_dump()   # with its defaults, as on create
        changes["image"] = None
    elif changes.get("image") and not changes.get("source"):
        changes["source"] = None
    for key in ("health_check", "autoscaling", "auto_rollback", "canary", "spot"):
        if changes.get(key) is not None and current.get(key) is None and key == "autoscaling" \
                and changes[key] and not any(changes[key].values()):
            del changes[key]   # {"queue": null} or {"schedule": []} takes away what is not there: no setting made
        elif changes.get(key) is not None:   # the fields given change, the others stay as they were
            changes[key] = _merged_setting(key, current.get(key), changes[key])
    merged = {**current, **changes}
    if current["kind"] != "web" and current.get("port") and "port" not in changes:
        # stored before a worker's or cron job's port was refused: it stays loadable and changeable
        # (the port is unused); only giving it a port again is refused
        _check({**merged, "port": None})
    else:
        _check(merged)
    if changes.get("env_groups"):
        _known_groups(ports, org_id, merged)
    with ports.store.transaction():
        fingerprint = config_hash(ports, merged)
        service = ports.store.collection("services").update(
            service_id, {**changes, "config_hash": fingerprint, "updated": now_iso()},
            expect={"org_id": org_id, "updated": current["updated"]})
        if service is None:
            raise StateConflict("the service changed meanwhile: read it again and retry", field="service")
        released: list[str] = []
        if "domain" in changes or "aliases" in changes:  # frees the names dropped; a new name needs a new proof
            released = domains.sync(ports, org_id, service_id, domains.names_of(current), domains.names_of(merged),
                                    merged.get("domain"))
        audit.record(ports, actor, org_id, "service.update", "service", service_id, {"fields": sorted(changes)})
    for old in released:
        domains.stop_routing(ports, current, old)  # the old name is free for another service now
    return service


def delete_service(ports: Ports, actor: Actor, org_id: str, service_id: str) -> dict[str, Any]:
    """Marks the service `deleting`; a worker tears its AWS resources down, then removes it.
    Sent again for a service already `deleting` (its teardown failed, say), it queues the
    teardown again, which resumes where it stopped."""
    current = get_service(ports, actor, org_id, service_id, "service.write")
    queued = {"state": "queued", "error": None, "updated": now_iso()}
    with ports.store.transaction():
        service = lifecycle.set_service(ports, service_id, "deleting", teardown=queued)
        if service is not None and current["status"] != "deleting":
            audit.record(ports, actor, org_id, "service.delete", "service", service_id, {"name": current["name"]})
        elif service is not None and (current.get("teardown") or {}).get("state") == "failed":
            audit.record(ports, actor, org_id, "service.delete_retry", "service", service_id,
                         {"name": current["name"], "error": (current["teardown"].get("error") or "")[:500]})
    ports.queue.publish(tasks.TEARDOWN_SERVICE, service_id)
    return service or current


# --- secrets -----------------------------------------------------------------

def put_secret(ports: Ports, actor: Actor, org_id: str, service_id: str, name: str, value: str) -> dict[str, Any]:
    service = get_service(ports, actor, org_id, service_id, "secret.write")
    environments.check_secret_name(name)
    if name in (service.get("env") or {}):
        raise Invalid(f"{name} is already a plain env var of this service", field="name")
    link = ports.store.collection("resource_links").find_one({"service_id": service_id, "variable": name})
    if link is not None:   # the link's connection would silently win over this value at deploy
        res = ports.store.collection("resources").get(link["resource_id"]) or {}
        raise StateConflict(f"{name} comes from the linked resource {res.get('name')!r}: unlink it first, "
                            "or link it under another variable", field="name")
    with ports.store.transaction():
        secret = environments.put_secret_value(ports, actor, org_id, service_id, name, value)
        refresh_config_hash(ports, service_id)
    return {**environments.public_secret(secret), "scope": "service", "redeploy_needed": True,
            "message": "the new value reaches running tasks with the next deploy: POST .../deployments"}


def list_secrets(ports: Ports, actor: Actor, org_id: str, service_id: str) -> list[dict[str, Any]]:
    """The service's secrets and those it inherits from its environment and its environment groups
    (names, versions, scope; `env_group`: the group's name when it comes from one)."""
    service = get_service(ports, actor, org_id, service_id)
    groups = {layer["scope_id"]: layer["name"] for layer in environments.layers(ports, service)
              if layer["kind"] == "env_group"}
    out = []
    for name, ref in sorted(environments.secret_scopes(ports, service).items()):
        doc = ports.store.collection("secrets").find_one({"scope_id": ref["scope_id"], "name": name}) or {}
        scope = "service" if ref["scope_id"] == service_id else "env_group" if ref["scope_id"] in groups \
            else "environment"
        out.append({**environments.public_secret({**doc, "name": name}), "scope": scope,
                    **({"env_group": groups[ref["scope_id"]]} if scope == "env_group" else {})})
    return out


def delete_secret(ports: Ports, actor: Actor, org_id: str, service_id: str, name: str) -> None:
    get_service(ports, actor, org_id, service_id, "secret.write")
    coll = ports.store.collection("secrets")
    existing = coll.find_one({"scope_id": service_id, "name": environments.check_secret_name(name)})
    if existing is None:
        raise NotFound("secret not found", field="name")
    with ports.store.transaction():
        coll.delete(existing["id"])
        refresh_config_hash(ports, service_id)
        audit.record(ports, actor, org_id, "secret.delete", "service", service_id, {"name": name})
