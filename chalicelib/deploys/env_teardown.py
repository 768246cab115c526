"""Deleting an environment: remove what it made in AWS, then its documents.

Services remove their own resources when they are deleted (deploys/teardown.py). The
environment's managed resources (databases, caches, buckets) go first, each through the
resource task (resources/engine.py: a final snapshot of a database is kept); one with deletion
protection stops the deletion (refused at DELETE time, see catalog/environments.py). What an
environment's services shared stays until the environment goes: its load balancer (with its
listeners and their rules), the target groups its services left, its Cloud Map private DNS
namespace (with any service left in it), its task and load balancer security groups, its static egress
(NAT gateway, Elastic IP, private subnets), its secrets' SSM parameters (every version), its services' log groups, and the
organization's cluster when nothing else uses it. The places come from the environment's
deployments, whose `target` says in which account and region (and under which names) they acted.

Plan, then apply: `plan(ports, env)` looks (read-only find_* calls) and returns StepPlans whose
action is `delete` (with the calls that do it), `no-op` (already gone) or `skip` (kept, and why);
`run` executes them with the deploy executor. Every delete tolerates "already gone" and the plan
is made again on each run, so a run after a killed worker finishes what the first one began.
"""
from __future__ import annotations

from typing import Any, Optional

from chalicelib.cloud import naming
from chalicelib.core.context import SYSTEM, Ports
from chalicelib.core.ids import now_iso
from chalicelib.deploys import plan as planning
from chalicelib.deploys import teardown
from chalicelib.deploys.plan import Call, StepPlan
from chalicelib.store.port import iter_all


class ServicesRemain(Exception):
    """The environment still has services; their teardown publishes this one again."""


class ResourcesRemain(ServicesRemain):
    """Its resources are being deleted; the last one's task publishes this one again."""


class ResourceRefused(Exception):
    """A resource cannot be deleted (protection turned on meanwhile, a bucket holding objects)."""


# --- where, and what ------------------------------------------------------------------

def _place_key(target: Optional[dict[str, Any]], default_region: str) -> tuple[Optional[str], str]:
    t = target or {}
    return t.get("aws_account_id"), t.get("region") or default_region


def places(ports: Ports, env: dict[str, Any]) -> list[dict[str, Any]]:
    """The targets the environment's deployments acted in (one per account, region and names).
    Deployments from before targets used the platform's shared names: nothing of theirs is the
    environment's alone."""
    out: dict[tuple, dict[str, Any]] = {}
    for dep in iter_all(ports.store.collection("deployments"), {"environment_id": env["id"]}):
        t = dep.get("target")
        if t:
            key = (t.get("aws_account_id"), t.get("region"), t.get("cluster"), t.get("load_balancer"),
                   t.get("security_group"), t.get("private_domain"))
            out.setdefault(key, t)
    return list(out.values())


def _deployed_services(ports: Ports, env: dict[str, Any], target: dict[str, Any]) -> dict[str, str]:
    """service id -> name, for the environment's deployments in this target."""
    out: dict[str, str] = {}
    for dep in iter_all(ports.store.collection("deployments"), {"environment_id": env["id"]}):
        if dep.get("target") == target:
            out[dep["service_id"]] = dep["service_name"]
    return out


def _others_here(ports: Ports, env: dict[str, Any], target: dict[str, Any]) -> list[dict[str, Any]]:
    """The organization's services outside this environment whose resources are in the same
    account and region (they may share the cluster, and a log group by name)."""
    from chalicelib.deploys.placement import of_service

    here = _place_key(target, ports.settings.aws_region)
    return [svc for svc in iter_all(ports.store.collection("services"), {"org_id": env["org_id"]})
            if svc.get("environment_id") != env["id"]
            and _place_key(of_service(ports, svc), ports.settings.aws_region) == here]


def _log_group_users(ports: Ports, env: dict[str, Any], target: dict[str, Any], name: str,
                     others: list[dict[str, Any]]) -> list[str]:
    """Other environments whose services log to the same group (log groups are named after the
    organization and the service name, so two environments' `web` share one)."""
    here = _place_key(target, ports.settings.aws_region)
    users = {svc.get("environment") or "?" for svc in others if svc["name"] == name}
    envs = ports.store.collection("environments")
    for dep in iter_all(ports.store.collection("deployments"), {"org_id": env["org_id"], "service_name": name}):
        if dep.get("environment_id") in (None, env["id"]) or _place_key(dep.get("target"), ports.settings.aws_region) != here:
            continue
        other = envs.get(dep["environment_id"])
        if other and other.get("status") != "deleting":
            users.add(other["name"] if other["project_id"] == env["project_id"] else f"{other['name']} (another project)")
    return sorted(users)


def _step(step: str, resource: str, name: str, exists: bool, calls: list[Call],
          changes: Optional[dict[str, Any]] = None) -> StepPlan:
    return StepPlan(step, resource, name, "delete" if exists else "no-op", changes or {}, calls if exists else [])


def plan_place(ports: Ports, env: dict[str, Any], target: dict[str, Any]) -> list[StepPlan]:
    """What deleting the environment removes in one target, in an order AWS accepts: the load
    balancer before the groups it uses, the task group before the load balancer's group it names."""
    cloud = ports.cloud_for(target)
    lb = target["load_balancer"]
    found_lb = cloud.find_load_balancer(lb)
    listeners = [p for p, k in ((80, "listener_arn"), (443, "https_listener_arn")) if (found_lb or {}).get(k)]
    steps = [_step("load_balancer", "load balancer (its listeners and their rules with it)", lb, found_lb is not None,
                   [Call("delete_load_balancer", {"name": lb})], {"listeners": listeners} if listeners else {})]
    services = _deployed_services(ports, env, target)
    names = {sid: naming.for_service(env["org_id"], sid, n) for sid, n in sorted(services.items())}
    for tg in sorted({n.target_group for n in names.values()}):
        steps.append(_step("target_group", "target group", tg, cloud.find_target_group(tg) is not None,
                           [Call("delete_target_group_named", {"name": tg})]))
    domain = target.get("private_domain")
    if domain:   # before the groups: nothing of the namespace uses them, but its services went first
        steps.append(_step("private_dns", "private DNS namespace (Cloud Map, its services with it)", domain,
                           cloud.find_namespace(domain) is not None, [Call("delete_namespace", {"name": domain})]))
    for sg, what in ((target["security_group"], "task security group"),
                     (naming.load_balancer_security_group(naming.elb_name(lb)), "load balancer security group")):
        steps.append(_step("security_group", what, sg, bool(cloud.find_security_groups(sg)),
                           [Call("delete_security_group", {"name": sg})]))
    # static egress (on now, once, or half made): the NAT gateway, its address, the private subnets
    egress = naming.egress_name(env["id"])
    steps.append(_step("static_egress", "static egress (NAT gateway, Elastic IP, private subnets)", egress,
                       cloud.find_static_egress(egress) is not None, [Call("delete_static_egress", {"name": egress})]))
    path = f"{naming.SECRET_PREFIX}/{env['org_id']}/{env['id']}"
    params = cloud.find_parameters(path)
    steps.append(_step("parameters", "SSM parameters (the environment's secrets, every version)", path, bool(params),
                       [Call("delete_secret", {"name": p}) for p in params], {"parameters": params} if params else {}))
    others = _others_here(ports, env, target)
    for group in sorted({n.log_group for n in names.values()}):
        users = _log_group_users(ports, env, target, group.rsplit("/", 1)[-1], others)
        exists = cloud.find_log_group(group) is not None
        if exists and users:
            steps.append(StepPlan("log_group", "log group", group, "skip", {"kept": f"also used by {', '.join(users)}"}))
        else:
            steps.append(_step("log_group", "log group", group, exists, [Call("delete_log_group", {"name": group})]))
    steps.append(_cluster_step(ports, target, cloud, others, {n.service for n in names.values()}))
    return steps


def _cluster_step(ports: Ports, target: dict[str, Any], cloud: Any, others: list[dict[str, Any]],
                  own: set[str]) -> StepPlan:
    """The organization's cluster goes with its last environment there. ECS services of this
    environment's deleted services may still be draining: delete_cluster waits for them
    (RetryLater); any other service keeps the cluster."""
    from chalicelib.deploys.placement import of_service

    cluster = target.get("cluster") or ports.settings.cluster_name
    usage = cloud.cluster_usage()
    if usage is None:
        return _step("cluster", "ECS cluster", cluster, False, [])
    sharing = sorted({svc.get("environment") or "?" for svc in others
                      if ((of_service(ports, svc) or {}).get("cluster") or ports.settings.cluster_name) == cluster})
    foreign = sorted(set(usage["services"]) - own)
    if sharing or foreign:
        why = f"environment {', '.join(sharing)} deploys there" if sharing else f"ECS runs {', '.join(foreign)} in it"
        return StepPlan("cluster", "ECS cluster", cluster, "skip", {"kept": f"the organization's cluster: {why}"})
    draining = {"draining": usage["services"]} if usage["services"] else {}
    return _step("cluster", "ECS cluster", cluster, True, [Call("delete_cluster", {})], draining)


def resources(ports: Ports, env: dict[str, Any]) -> list[dict[str, Any]]:
    """For the API: the managed resources the deletion removes, and what it costs."""
    from chalicelib.resources.kinds import KINDS
    from chalicelib.resources.service import of_environment

    out = []
    for res in of_environment(ports, env["id"]):
        kind = KINDS[res["kind"]]
        what = {"kind": res["kind"], "size": res.get("size"), "status": res["status"]}
        if kind.backups:
            what["final_snapshot"] = True
        if res.get("deletion_protection"):
            out.append({"step": "resource", "name": res["name"], "action": "skip",
                        "changes": {**what, "kept": "deletion protection is on: the deletion is refused until it "
                                                     "is turned off"}})
        else:
            out.append({"step": "resource", "name": res["name"], "action": "delete",
                        "changes": {**what, "deletes_data": kind.deletion_note}})
    return out


def _delete_resources(ports: Ports, env: dict[str, Any]) -> list[str]:
    """Ask the resource task to delete each resource -> the names still there. A resource whose
    delete failed is asked again only when the DELETE was sent again (teardown state `queued`)."""
    from chalicelib.resources.service import delete_with_environment, of_environment

    waiting = []
    for res in of_environment(ports, env["id"]):
        if res.get("deletion_protection"):
            raise ResourceRefused(f"resource {res['name']!r} has deletion protection: turn it off, then send "
                                  "the DELETE again")
        if res.get("delete_failed") and (env.get("teardown") or {}).get("state") != "queued":
            raise ResourceRefused(f"resource {res['name']!r} could not be deleted: {res.get('last_error')}")
        delete_with_environment(ports, res)
        waiting.append(res["name"])
    return waiting


def plan(ports: Ports, env: dict[str, Any]) -> list[dict[str, Any]]:
    """For the API: per place, what deleting the environment would remove (nothing is changed)."""
    from chalicelib.deploys.placement import public

    out = []
    for t in places(ports, env):
        try:
            out.append({"target": public(t), "steps": [s.public() for s in plan_place(ports, env, t)]})
        except Exception as exc:   # e.g. the connection's role is gone: say so for this place
            out.append({"target": public(t), "steps": [], "error": f"{type(exc).__name__}: {exc}"})
    return out


# --- the task ---------------------------------------------------------------------------

def _record(ports: Ports, env_id: str, **teardown: Any) -> None:
    env = ports.store.collection("environments").get(env_id)
    if env is not None:
        ports.store.collection("environments").update(env_id, {"teardown": {**(env.get("teardown") or {}), **teardown,
                                                                            "updated": now_iso()}})


def _waiting_for_services(ports: Ports, env: dict[str, Any], services: list[dict[str, Any]], more: bool) -> None:
    """Record which services the environment waits for, and why one of them will not go by
    itself (its teardown failed: its DELETE must be sent again once the cause is fixed); raise."""
    names = sorted(s["name"] for s in services)
    stuck = next((s for s in services if (s.get("teardown") or {}).get("state") == "failed"), None)
    error = None
    if stuck is not None:
        error = (f"the service {stuck['name']!r} could not be deleted ({stuck['teardown'].get('error') or 'no reason'}); "
                 "fix the cause and delete that service again")[:1000]
    _record(ports, env["id"], state="waiting", waiting_for=[f"service {n}" for n in names], error=error)
    raise ServicesRemain(f"{len(names)}{'+' if more else ''} service(s) of environment {env['name']!r} are still being deleted"
                         + (f": {error}" if error else ""))


def run(ports: Ports, env_id: str) -> str:
    """Remove the environment's AWS resources, then the environment. Raises what a cloud call
    raised (the worker retries what is retryable) after recording it in words on the environment."""
    from chalicelib.audit import service as audit

    envs = ports.store.collection("environments")
    env = envs.get(env_id)
    if env is None:
        return "already gone"
    if env.get("status") != "deleting":
        return f"not deleting ({env.get('status') or 'active'})"
    remaining, more = ports.store.collection("services").find({"environment_id": env_id}, limit=50)
    if remaining:
        _waiting_for_services(ports, env, remaining, more is not None)
    done: list[dict[str, Any]] = []
    try:
        waiting = _delete_resources(ports, env)
    except ResourceRefused as exc:
        _failed(ports, env, done, "deleting its resources", exc)
        raise
    if waiting:   # before the groups and the network: a database's group admits the task group
        _record(ports, env_id, state="waiting", waiting_for=waiting, error=None)
        raise ResourcesRemain(f"resources {', '.join(waiting)} of environment {env['name']!r} are being deleted")
    for target in places(ports, env):
        where = f"in {target.get('account') or 'the platform account'} {target.get('region')}"
        try:
            steps = plan_place(ports, env, target)
        except Exception as exc:   # e.g. the connection's role is gone
            _failed(ports, env, done, f"planning the teardown {where}", exc)
            raise
        for step in steps:
            try:
                planning.execute(ports.cloud_for(target), step, reveal=_no_secrets)
            except Exception as exc:
                _failed(ports, env, done, f"{step.resource} {step.name} {where}", exc)
                raise
            done.append({"step": step.step, "name": step.name, "action": step.action, "region": target.get("region"),
                         "account": target.get("account"), **({"kept": step.changes["kept"]}
                                                              if "kept" in step.changes else {})})
            if step.action == "delete":
                _record(ports, env_id, state="running", done=done, error=None)
    removed = [d for d in done if d["action"] == "delete"]
    with ports.store.transaction():
        if envs.get(env_id) is None:   # a concurrent run (the DELETE sent twice) finished first
            return "already gone"
        ports.store.collection("secrets").delete_many({"scope_id": env_id})
        envs.delete(env_id)
        audit.record(ports, SYSTEM, env["org_id"], "environment.deleted", "environment", env_id,
                     {"name": env["name"], "project_id": env["project_id"],
                      "removed": [f"{d['step']} {d['name']}" for d in removed][:100],
                      "kept": [f"{d['step']} {d['name']}: {d['kept']}" for d in done if "kept" in d]})
    return f"deleted ({len(removed)} resources removed)"


def _failed(ports: Ports, env: dict[str, Any], done: list[dict[str, Any]], what: str, exc: Exception) -> None:
    """Recorded in words on the environment; a permanent failure is an audit event too (the
    environment stays `deleting` until the cause is fixed and the DELETE sent again)."""
    from chalicelib.audit import service as audit

    retry = ports.cloud.is_retryable(exc)
    error = f"{what}: {exc}"
    _record(ports, env["id"], state="retrying" if retry else "failed", error=error, done=done)
    if not retry:
        audit.record(ports, SYSTEM, env["org_id"], "environment.teardown_failed", "environment", env["id"],
                     {"name": env["name"], "error": error[:500]})


def resume(ports: Ports, now: Optional[float] = None) -> int:
    """Beat: queue again the teardowns that stopped moving (a lost task, retries used up on a slow
    AWS); a permanent failure waits for its cause to be fixed and the DELETE to be sent again."""
    from chalicelib import tasks

    return teardown.requeue_stalled(ports, "environments", tasks.TEARDOWN_ENVIRONMENT, now)


def _no_secrets(value: Any) -> str:
    raise ValueError("a teardown plan carries no secret values")
