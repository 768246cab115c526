"""Private networking: the deploy steps that give a web service a private address.

`private_dns` finds or creates the environment's Cloud Map private DNS namespace in its VPC
(named in the deployment's target: placement.py), `discovery` the service's Cloud Map service
(A records) in it; the ECS service step then passes it as `serviceRegistries`, and ECS keeps
the running tasks' private IPs there. Other tasks of the environment reach the service at
`<name>.<private domain>:<port>` (the task security group admits its own members on every port).
Workers and cron jobs take no port: they skip both steps, yet their tasks get the namespace's
name (LAUNCHBAY_PRIVATE_DOMAIN) to call the web services by.
"""
from __future__ import annotations

from typing import Any, Optional

from chalicelib.cloud import naming
from chalicelib.deploys.plan import Call, KnownAfterApply, StepPlan, known
from chalicelib.deploys.steps import Ctx, _look, _plan, _remember

DOMAIN_VAR = "LAUNCHBAY_PRIVATE_DOMAIN"


def domain(ctx: Ctx) -> Optional[str]:
    """The environment's private domain (None: a deployment from before private networking)."""
    return (ctx.target or {}).get("private_domain")


def _skipped(ctx: Ctx) -> Optional[str]:
    if not domain(ctx):
        return "this release's target predates private networking"
    if ctx.dep["kind"] != "web" or not ctx.spec.get("port"):
        return "only a service with a port gets a private address"
    return None


def private_dns(ctx: Ctx) -> StepPlan:
    """The environment's namespace, shared by its services: found once, made by the first deploy."""
    why, name = _skipped(ctx), domain(ctx) or "-"
    if why:
        return StepPlan("private_dns", "private DNS namespace (Cloud Map)", name, "skip", {}, [], {"skipped": why})
    vpc = ctx.results["network"]["vpc_id"]
    found = _look(ctx, "private_dns", lambda: ctx.cloud.find_namespace(name))
    return _plan("private_dns", "private DNS namespace (Cloud Map)", name, found, {},
                 [Call("ensure_namespace", {"name": name, "vpc_id": vpc})],
                 dict(found) if found else None, _remember(ctx, "private_dns"))


def discovery(ctx: Ctx) -> StepPlan:
    """The service's Cloud Map service in the namespace; its private address is the result."""
    ns = ctx.results.get("private_dns")
    ns = {} if ns is None else ns   # (not `or`: a KnownAfterApply is an empty dict)
    if not isinstance(ns, KnownAfterApply) and ns.get("skipped"):
        return StepPlan("discovery", "service discovery (Cloud Map service)", "-", "skip", {}, [],
                        {"skipped": ns["skipped"]})
    name = naming.discovery_service(ctx.spec["name"])
    address = f"{name}.{domain(ctx)}:{ctx.spec['port']}"
    ns_id = ns.get("id")
    if isinstance(ns, KnownAfterApply) or not ns_id or not known(ns_id):
        return StepPlan("discovery", "service discovery (Cloud Map service)", f"{name}.{domain(ctx)}", "create",
                        {"address": [None, address]}, [], KnownAfterApply("discovery"))
    found = ctx.cloud.find_discovery_service(ns_id, name)
    current = {**found, "address": address} if found else None
    return _plan("discovery", "service discovery (Cloud Map service)", f"{name}.{domain(ctx)}", current, {},
                 [Call("ensure_discovery_service", {"namespace_id": ns_id, "name": name})], current,
                 lambda outs: {**outs[0], "address": address})


def registries(ctx: Ctx) -> Optional[list[str]]:
    """For the ECS service: the registries its tasks join ([] takes it out of one it was in);
    None leaves them as they are (a release from before private networking)."""
    found = ctx.results.get("discovery")
    if found is None or not domain(ctx):
        return None
    if isinstance(found, KnownAfterApply):
        return [found["arn"]]
    if found.get("skipped"):
        return []
    return [found["arn"]]


def task_env(ctx: Ctx) -> dict[str, Any]:
    """What every task of the environment is told: the namespace's name (a value set by the
    service itself wins)."""
    return {DOMAIN_VAR: domain(ctx)} if domain(ctx) else {}
