"""Environments of a project, their variables and secrets, cloning and promotion."""
from chalice import Blueprint

from chalicelib.api.http import actor, endpoint, page, paged, parse_body, ports, query, request
from chalicelib.catalog import environments as envs
from chalicelib.catalog import freezes
from chalicelib.catalog.models import CloneIn, EnvironmentIn, EnvironmentPatch, FreezeIn, SecretIn
from chalicelib.core.errors import BadRequest
from chalicelib.deploys.models import PromoteIn

bp = Blueprint(__name__)
ENVS = "/orgs/{org}/projects/{project}/environments"
TAG = "environments"


@endpoint(bp, ENVS, "GET", "List a project's environments", tag=TAG)
def list_(org, project):
    who = actor(bp)
    limit, cursor = page(bp)
    docs, nxt = envs.list_environments(ports(), who, org, project, limit, cursor)
    return paged([envs.public(ports(), d) for d in docs], nxt)


@endpoint(bp, ENVS, "POST", "Add an environment (e.g. staging)", 201, EnvironmentIn, tag=TAG)
def create(org, project):
    who = actor(bp)
    body = parse_body(bp, EnvironmentIn)
    place = body.model_dump(include={"aws_account_id", "region"}, exclude_none=True)
    approval = body.model_dump(include={"require_approval", "prevent_self_approval", "freeze_windows", "sleep_windows",
                                        "allowed_ips", "static_egress"}, exclude_none=True)
    return 201, envs.public(ports(), envs.create_environment(ports(), who, org, project, body.name, body.domain_suffix,
                                                    body.env, place, body.branch, approval, body.promote_to))


@endpoint(bp, ENVS + "/{env}", "GET", "Read an environment (by name or id)", tag=TAG)
def get(org, project, env):
    return envs.public(ports(), envs.get_environment(ports(), actor(bp), org, project, env))


@endpoint(bp, ENVS + "/{env}", "PATCH", "Rename an environment or change its variables, domain suffix, the AWS "
          "account connection and region it deploys to, whether its deploys need approval, where its new releases are "
          "promoted (promote_to), its recurring deploy freezes (freeze_windows), when its services sleep (sleep_windows), "
          "who may reach its web services (allowed_ips) or whether they leave from one static outbound IP "
          "(static_egress)", 200,
          EnvironmentPatch, tag=TAG)
def patch(org, project, env):
    who = actor(bp)
    body = parse_body(bp, EnvironmentPatch)
    changes = body.model_dump(exclude_unset=True)
    for kind in ("freeze_windows", "sleep_windows"):   # each window whole, its defaults included
        if getattr(body, kind) is not None:
            changes[kind] = [w.model_dump() for w in getattr(body, kind)]
    return envs.public(ports(), envs.update_environment(ports(), who, org, project, env, changes))


@endpoint(bp, ENVS + "/{env}", "DELETE", "Delete an environment without services: 204 when it never deployed, "
          "else 202 with it `deleting` while a worker removes what it made in AWS (see …/plan-delete)", 202, tag=TAG)
def delete(org, project, env):
    doc = envs.delete_environment(ports(), actor(bp), org, project, env)
    return (204, None) if doc is None else (202, envs.public(ports(), doc))


@endpoint(bp, ENVS + "/{env}/plan-delete", "GET", "What deleting the environment would remove in AWS, per account "
          "and region, without touching anything", tag=TAG)
def plan_delete(org, project, env):
    return envs.plan_delete(ports(), actor(bp), org, project, env)


@endpoint(bp, ENVS + "/{env}/clone", "POST", "Copy an environment with its services (secret values only if asked)",
          201, CloneIn, tag=TAG)
def clone(org, project, env):
    who = actor(bp)
    body = parse_body(bp, CloneIn)
    return 201, envs.clone_environment(ports(), who, org, project, env, body.name, body.with_secrets,
                                       body.domain_suffix)


@endpoint(bp, ENVS + "/{env}/wake", "POST", "Wake the environment's services its sleep schedule suspended, before "
          "the window ends: a resume deployment each (developer role); they stay up until it next sleeps", 202, tag=TAG)
def wake(org, project, env):
    from chalicelib.deploys import sleep

    out = sleep.wake_now(ports(), actor(bp), org, project, env)
    return (202 if out["deployments"] else 200), out


@endpoint(bp, ENVS + "/{env}/promote", "GET", "What promoting the environment's live releases to another environment "
          "would deploy or skip, service by service, and what to check first, without changing anything", tag=TAG,
          query={"to": "the environment to promote to (name or id; required)",
                 "services": "only these services: names, comma-separated (default: all)"})
def plan_promote(org, project, env):
    from chalicelib.deploys import promote

    params = query(bp)
    to = (params.get("to") or "").strip()
    if not to:
        raise BadRequest("name the environment to promote to: ?to=production", field="to")
    names = [n.strip() for n in (params.get("services") or "").split(",") if n.strip()] or None
    if names and len(names) > promote.MAX_SERVICES:
        raise BadRequest(f"name at most {promote.MAX_SERVICES} services", field="services")
    return promote.plan(ports(), actor(bp), org, project, env, to, names)


@endpoint(bp, ENVS + "/{env}/promote", "POST", "Promote the environment's live releases: each same-named service of "
          "`to` deploys the same image (by digest) and commit, with its own settings and secrets, nothing rebuilt "
          "(202 with the plan and each deployment; an environment that requires approval holds them; honours "
          "Idempotency-Key)", 202, PromoteIn, tag=TAG)
def promote_(org, project, env):
    from chalicelib.deploys import promote

    who = actor(bp)
    body = parse_body(bp, PromoteIn)
    out, created = promote.promote(ports(), who, org, project, env, body.to, body.services,
                                   (request(bp).headers or {}).get("idempotency-key"))
    return (202 if created else 200), out


@endpoint(bp, ENVS + "/{env}/freeze", "POST", "Freeze the environment's deploys (admin or owner): new releases are "
          "refused there (409, with the reason) until `until` or until the freeze is lifted; rollbacks, restarts and "
          "resumes still run", 200, FreezeIn, tag=TAG)
def freeze(org, project, env):
    from chalicelib.core.ids import iso_from_epoch

    who = actor(bp)
    body = parse_body(bp, FreezeIn)
    until = iso_from_epoch(body.until.timestamp()) if body.until else None
    return envs.public(ports(), freezes.freeze_environment(ports(), who, org, project, env, body.reason, until))


@endpoint(bp, ENVS + "/{env}/freeze", "DELETE", "Lift the environment's deploy freeze (admin or owner)", tag=TAG)
def unfreeze(org, project, env):
    return envs.public(ports(), freezes.unfreeze_environment(ports(), actor(bp), org, project, env))


@endpoint(bp, ENVS + "/{env}/secrets", "GET", "Environment secret names and versions (never values)", tag="secrets")
def list_secrets(org, project, env):
    return {"items": envs.list_env_secrets(ports(), actor(bp), org, project, env)}


@endpoint(bp, ENVS + "/{env}/secrets/{name}", "PUT", "Set an environment secret, inherited by its services", 200,
          SecretIn, tag="secrets")
def put_secret(org, project, env, name):
    who = actor(bp)
    body = parse_body(bp, SecretIn)
    return envs.put_env_secret(ports(), who, org, project, env, name, body.value)


@endpoint(bp, ENVS + "/{env}/secrets/{name}", "DELETE", "Delete an environment secret", 204, tag="secrets")
def delete_secret(org, project, env, name):
    envs.delete_env_secret(ports(), actor(bp), org, project, env, name)
    return 204, None
