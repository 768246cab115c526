"""The steps of a deploy. Most steps *plan* (plan.py): they look at what exists in AWS
and return a StepPlan of Cloud port calls, which the engine's executor then runs and
records before the next step starts. The rollout step *waits*: it looks at ECS and
returns `Pending` until the rollout settles. Every call converges (ensure_*), so a step
interrupted before its result was recorded can be planned and run again."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Optional, cast

from chalicelib.cloud import capacity as capacities
from chalicelib.cloud import naming
from chalicelib.deploys.plan import Action, Call, FromCall, KnownAfterApply, SecretValue, StepPlan, known

if TYPE_CHECKING:
    from chalicelib.cloud.port import Cloud, ContainerSpec, HealthCheckSpec, Network
    from chalicelib.core.context import Ports

LOG_RETENTION_DAYS = 30


@dataclass
class Pending:
    """Not done yet: look again in `seconds`; `message` goes to the deploy log when it changes."""
    seconds: float
    message: str


class StepFailed(Exception):
    """A permanent failure with a reason a person can act on."""


@dataclass
class Ctx:
    ports: Ports
    dep: dict[str, Any]
    results: dict[str, Any] = field(default_factory=dict)   # name -> result of finished steps
    step_started: float = 0.0
    preview: bool = False            # a display-only plan: nothing may be changed

    @property
    def target(self) -> Optional[dict[str, Any]]:
        """Where this deployment acts (placement.py); None: the names from before targets."""
        return self.dep.get("target")

    @property
    def cloud(self) -> Cloud:
        return self.ports.cloud_for(self.target)

    @property
    def load_balancer_name(self) -> str:
        from chalicelib.deploys.placement import load_balancer_name

        return load_balancer_name(self.target)

    @property
    def spec(self) -> dict[str, Any]:
        return self.dep["spec"]

    @property
    def names(self) -> naming.ServiceNames:
        return naming.of_deployment(self.dep)


def step_result(dep: dict[str, Any], name: str) -> Optional[dict[str, Any]]:
    """The recorded result of a finished step of a deployment (None if it did not finish)."""
    return next((s.get("result") for s in dep.get("steps") or [] if s["name"] == name and s.get("status") == "done"),
                None)


def recorded_network(dep: dict[str, Any]) -> Optional[Network]:
    """The network step's recorded result: the Network that ensure_network() returned."""
    return cast("Optional[Network]", step_result(dep, "network"))


def _plan(step: str, resource: str, name: str, current: Optional[dict], changes: dict, calls: list[Call],
          result: Any, shape: Optional[Callable[[list[Any]], Any]] = None, always: bool = False) -> StepPlan:
    action: Action = "create" if current is None else ("update" if changes else "no-op")
    return StepPlan(step, resource, name, action, changes, calls, result if action == "no-op" else None, shape, always)


# --- shared resources (a cluster per organization, a network and load balancer per environment) --

SHARED_TTL = 300.0   # seconds a worker trusts what it learnt about shared resources
_shared: dict[tuple, tuple[float, Any]] = {}


def _shared_key(ctx: Ctx, name: str) -> tuple:
    """Per account and region, and per name there: two targets never share an answer."""
    s, t = ctx.ports.settings, ctx.target or {}
    return (name, s.aws_endpoint_url, t.get("aws_account_id"), t.get("region") or s.aws_region,
            t.get("cluster") or s.cluster_name, t.get("security_group"), ctx.load_balancer_name, t.get("egress"))


def _cached(ctx: Ctx, name: str) -> Any:
    """The cluster, network and load balancer are shared by every service: one worker process
    looks each up once per SHARED_TTL instead of on every deploy (no throttling at hundreds of
    deploys a minute)."""
    hit = _shared.get(_shared_key(ctx, name))
    return hit[1] if hit and time.monotonic() - hit[0] < SHARED_TTL else None


def _look(ctx: Ctx, name: str, find: Callable[[], Any]) -> Any:
    """The cached answer, or a fresh lookup (remembered when it found the resource complete)."""
    hit = _cached(ctx, name)
    if hit is not None:
        return hit
    found = find()
    if found and not ctx.preview:
        _shared[_shared_key(ctx, name)] = (time.monotonic(), dict(found))
    return found


def _remember(ctx: Ctx, name: str) -> Callable[[list[Any]], Any]:
    def shape(outs: list[Any]) -> Any:
        value = outs[-1] if name != "cluster" else {"arn": outs[-1]}
        value = dict(value)
        _shared[_shared_key(ctx, name)] = (time.monotonic(), value)
        return value
    return shape


def cluster(ctx: Ctx) -> StepPlan:
    found = _look(ctx, "cluster", ctx.cloud.find_cluster)
    current = {"arn": found["arn"]} if found else None
    return _plan("cluster", "ECS cluster", (ctx.target or {}).get("cluster") or ctx.ports.settings.cluster_name,
                 current, {},
                 [Call("ensure_cluster", {})], current, _remember(ctx, "cluster"))


def network(ctx: Ctx) -> StepPlan | Pending:
    """The VPC, subnets and task security group; with static egress (the environment's, recorded in
    the target), its private subnets behind its NAT gateway and Elastic IP (cloud/egress.py), once
    that NAT gateway is up (it takes AWS a minute or two: the step waits, as a rollout does)."""
    from chalicelib.deploys.egress import network_changes, not_ready, recorded

    found = _look(ctx, "network", ctx.cloud.find_network)
    waiting = not_ready(ctx) if found is None else None   # complete: its NAT gateway is up already
    if waiting is not None:
        return waiting
    remember = _remember(ctx, "network")
    # with static egress the call runs on every deploy (idempotent): its answer keeps the environment's
    # outbound address current, whichever deploy saw the NAT gateway come up
    return _plan("network", "network (VPC, subnets, security group)",
                 (ctx.target or {}).get("security_group") or naming.SERVICES_SECURITY_GROUP, found,
                 network_changes(ctx, found), [Call("ensure_network", {})], dict(found) if found else None,
                 lambda outs: recorded(ctx, remember(outs)), always=bool((ctx.target or {}).get("egress")))


def load_balancer(ctx: Ctx) -> StepPlan:
    name = ctx.load_balancer_name
    found = _look(ctx, "load_balancer", lambda: _complete(ctx.cloud.find_load_balancer(name)))
    return _plan("load_balancer", "load balancer", name, found, {},
                 [Call("ensure_load_balancer", {"name": name, "network": ctx.results["network"]})],
                 dict(found) if found else None, _remember(ctx, "load_balancer"))


def _complete(lb: Optional[dict]) -> Optional[dict]:
    return lb if lb and lb.get("listener_arn") else None   # no listener yet: ensure_* finishes it


# --- per service ---------------------------------------------------------------------------

def log_group(ctx: Ctx) -> StepPlan:
    from chalicelib.cloud.foundation import allowed_retention
    from chalicelib.resources import drains

    name = ctx.names.log_group
    found = ctx.cloud.find_log_group(name)
    changes = {} if not found or found.get("retention_days") == allowed_retention(LOG_RETENTION_DAYS) else \
        {"retention_days": [found.get("retention_days"), allowed_retention(LOG_RETENTION_DAYS)]}
    calls = [Call("ensure_log_group", {"name": name, "retention_days": LOG_RETENTION_DAYS})]
    # the environment's log drains that take this service's logs (resources/drains.py)
    service = ctx.ports.store.collection("services").get(ctx.dep["service_id"]) or {}
    wanted = drains.wanted(ctx.ports, service) if service else {}
    have = ctx.cloud.find_log_subscriptions(name, drains.FILTER_PREFIX) if found else {}
    if wanted != have:
        changes["log_drains"] = [_drain_names(have), _drain_names(wanted)]
        calls.append(Call("set_log_subscriptions", {"group": name, "wanted": wanted, "prefix": drains.FILTER_PREFIX}))
    return _plan("log_group", "log group", name, found, changes, calls, {"name": name}, lambda outs: {"name": name})


def _drain_names(filters: dict[str, dict[str, str]]) -> list[str]:
    from chalicelib.resources.drains import FILTER_PREFIX

    return sorted(f.removeprefix(FILTER_PREFIX) + (f" ({w['pattern']})" if w.get("pattern") else "")
                  for f, w in filters.items())


def image(ctx: Ctx) -> StepPlan:
    """Pin the image to its digest where the registry is ours (ECR), for exact rollbacks (a read);
    a release promoted from another account's environment first lets this account pull it. An
    image in a private registry the organization has credentials for: deploys/pull.py."""
    from chalicelib.deploys.pull import private_image
    from chalicelib.registries.service import for_image

    wanted = ctx.spec["image"]
    cred = for_image(ctx.ports, ctx.dep["org_id"], wanted)
    if cred is not None:
        return private_image(ctx, wanted, cred)
    resolved = ctx.cloud.resolve_image(wanted)
    changes = {"image": [wanted, resolved["image"]]} if resolved["image"] != wanted else {}
    return _pull_grant(ctx, resolved) or StepPlan("image", "container image", wanted, "no-op", changes, [], resolved)


def _pull_grant(ctx: Ctx, resolved: dict[str, Any]) -> Optional[StepPlan]:
    """A promotion across accounts (staging's account -> production's): the image is in the ECR
    of the environment it was promoted from. Where that repository is one Launchbay made there
    (launchbay/..., a build's), our statement in its policy gains this account, through the
    source environment's own connection, before any task here tries to pull it. Other registries
    are the user's to open (the promotion plan warns)."""
    from chalicelib.cloud.registry import ECR_PINNED

    m = ECR_PINNED.match(resolved["image"])
    origin = ctx.dep.get("promoted_from") or {}
    if not m or not origin or not m["repo"].startswith("launchbay/"):
        return None
    here = ctx.cloud.account_id()
    if m["account"] == here:
        return None
    source = ctx.ports.store.collection("deployments").get(origin.get("deployment_id") or "") or {}
    where = source.get("target")
    if where is None or where.get("region") != m["region"]:
        return None
    there = ctx.ports.cloud_for(where)
    if there.account_id() != m["account"]:   # not the source environment's registry: nothing to grant with
        return None
    allowed = there.pull_access(m["repo"])
    if here in allowed:
        return StepPlan("image", "ECR repository policy", m["repo"], "no-op", {}, [], resolved, where=where,
                        description=f"account {here} may pull it already")
    return StepPlan("image", "ECR repository policy", m["repo"], "update", {"pull allowed for": [allowed, allowed + [here]]},
                    [Call("allow_pull", {"repository": m["repo"], "account": here})], shape=lambda outs: resolved,
                    where=where, description=f"lets account {here} pull the promoted image from account {m['account']}")


def secrets(ctx: Ctx) -> StepPlan:
    """One SSM SecureString per secret *version*: immutable, so a rollback can point at the
    exact value an older release ran with. Values are read only by the executor."""
    if ctx.dep.get("secret_refs") is not None:       # a rollback reuses the release's parameters
        return StepPlan("secrets", "secrets (SSM parameters)", ctx.names.secret_prefix, "no-op",
                        {}, [], {"refs": ctx.dep["secret_refs"], "reused": True})
    scopes = _secret_scopes(ctx)   # the environment's secrets, overridden by the service's
    refs: dict[str, Any] = {}
    calls: list[Call] = []
    missing: list[str] = []
    for secret, ref in sorted(scopes.items()):
        param = naming.secret_parameter_name(ctx.dep["org_id"], ref["scope_id"], secret, ref["version"])
        found = ctx.cloud.find_secret(param)
        if found:
            refs[secret] = {"arn": found["arn"], "version": ref["version"], "scope_id": ref["scope_id"]}
        else:
            missing.append(secret)
            calls.append(Call("put_secret", {"name": param,
                                             "value": SecretValue(ref["scope_id"], secret, ref["version"])}))
    refs.update(_linked(ctx))

    def shape(outs: list[Any]) -> Any:
        out = dict(refs)
        for secret, put in zip(missing, outs):
            out[secret] = {"arn": put["arn"], "version": scopes[secret]["version"],
                           "scope_id": scopes[secret]["scope_id"]}
        return {"refs": out, "names": sorted(out)}

    changes = {"added": missing} if missing else {}
    step = StepPlan("secrets", "secrets (SSM parameters)", ctx.names.secret_prefix,
                    "create" if missing else "no-op", changes, calls, {"refs": refs, "names": sorted(refs)}, shape)
    if ctx.preview and missing:
        step.result = KnownAfterApply("secrets")
        # for the task definition's field-by-field diff: the parameters it would name (their ARNs
        # are known once made; a stand-in account id, as only the names and versions are compared)
        step.result["pending"] = {secret: f"arn:aws:ssm:{(ctx.target or {}).get('region') or 'us-east-1'}:000000000000:"
                                          f"parameter{call.kwargs['name']}" for secret, call in zip(missing, calls)}
        step.result["refs"] = refs
    return step


def _linked(ctx: Ctx) -> dict[str, dict[str, Any]]:
    """Linked resources' connections: the `url` key of each one's Secrets Manager secret, by
    reference (valueFrom), never a value in the task definition. The `resources` step waited
    for them; one that broke since fails the deploy."""
    from chalicelib.resources.links import linked

    found = linked(ctx.ports, ctx.dep["service_id"])
    if (found.waiting or found.broken) and not ctx.preview:
        raise StepFailed("; ".join(found.broken + found.waiting))
    return found.refs


def resources(ctx: Ctx) -> dict[str, Any] | Pending:
    """Wait for the linked resources a deploy needs: a database being created (a new
    environment, a preview) is waited for, one that failed or is going away fails the deploy."""
    from chalicelib.resources.links import linked

    found = linked(ctx.ports, ctx.dep["service_id"])
    if found.broken:
        raise StepFailed("; ".join(found.broken))
    if found.waiting:
        return Pending(1.0 if ctx.ports.settings.sandbox else 10.0, "waiting: " + "; ".join(found.waiting))
    return {"linked": sorted([*found.refs, *found.env])}


LINKED = "linked resources"   # what the `resources` step acts on, in its plan


def describe_resources(ctx: Ctx) -> StepPlan:
    """The `resources` wait, for a plan: which linked resources, and whether the deploy would wait
    for one (being created), fail on one (failed, going away: raised), or go straight on."""
    from chalicelib.resources.links import linked

    store = ctx.ports.store
    links, _ = store.collection("resource_links").find({"service_id": ctx.dep["service_id"]}, limit=100)
    if not links:
        return StepPlan("resources", LINKED, "", "skip",
                        description="the service links no database, cache, bucket or volume: nothing to wait for")
    names = sorted({(store.collection("resources").get(x["resource_id"]) or {}).get("name") or x["resource_id"]
                    for x in links})
    found = linked(ctx.ports, ctx.dep["service_id"])
    if found.broken:
        raise StepFailed("; ".join(found.broken))
    reads = (f"the task reads {', '.join(sorted(found.refs))} from Secrets Manager (a reference, never the value)"
             if found.refs else "")
    if found.mounts:
        reads += ("; " if reads else "") + "it mounts " + ", ".join(f"{m['name']} at {m['path']}" for m in found.mounts)
    reads = reads or "the task gets what they give it"
    if found.waiting:
        return StepPlan("resources", LINKED, ", ".join(names), "wait",
                        description=f"wait until the linked resources are available ({'; '.join(found.waiting)}); then {reads}")
    return StepPlan("resources", LINKED, ", ".join(names), "no-op",
                    description=f"{', '.join(names)} {'is' if len(names) == 1 else 'are'} available, nothing to wait for; {reads}")


def task_role(ctx: Ctx) -> StepPlan:
    from chalicelib.deploys.task_role import task_role as plan

    return plan(ctx)


TASK_ROLE = "task role (IAM)"


def _secret_scopes(ctx: Ctx) -> dict[str, dict[str, Any]]:
    from chalicelib.catalog.environments import secret_scopes

    service = ctx.ports.store.collection("services").get(ctx.dep["service_id"]) or \
        {"id": ctx.dep["service_id"], "environment_id": ctx.dep.get("environment_id")}
    return secret_scopes(ctx.ports, service)


def _container(ctx: Ctx) -> ContainerSpec:
    spec = ctx.spec
    refs = (ctx.results.get("secrets") or {}).get("refs") or {}
    pinned = (ctx.results.get("image") or {}).get("image") or spec["image"]
    role = ctx.results.get("task_role") or {}
    return {"name": spec["name"], "image": pinned, "port": spec.get("port"),
            "command": spec.get("command"), "cpu": spec["cpu"], "memory": spec["memory"],
            "env": {**_task_env(ctx), **(role.get("env") or {}), **(spec.get("env") or {})},
            "secrets": {k: v["arn"] for k, v in refs.items()},
            "log_group": ctx.names.log_group, "log_stream_prefix": spec["name"],
            "health_check_path": (spec.get("health_check") or {}).get("path"),
            "task_role_arn": role.get("arn"), "mounts": role.get("mounts") or [],
            "repository_credentials": ((ctx.results.get("image") or {}).get("credentials") or {}).get("arn"),
            **({"architecture": spec["architecture"]} if spec.get("architecture") else {})}


def _task_env(ctx: Ctx) -> dict[str, Any]:
    from chalicelib.deploys.discovery import task_env

    return task_env(ctx)


def private_dns(ctx: Ctx) -> StepPlan:
    from chalicelib.deploys.discovery import private_dns as plan

    return plan(ctx)


def discovery(ctx: Ctx) -> StepPlan:
    from chalicelib.deploys.discovery import discovery as plan

    return plan(ctx)


def task_definition(ctx: Ctx) -> StepPlan:
    family, container = ctx.names.family, _container(ctx)
    secrets = ctx.results.get("secrets")
    if isinstance(secrets, KnownAfterApply):
        # new secret versions: a new revision for sure; what else changes (cpu, env...) is shown too
        pending = secrets.get("pending")
        if not isinstance(pending, dict):
            return StepPlan("task_definition", "task definition", family, "create",
                            {"secrets": "new secret versions (known after apply)"}, [], KnownAfterApply("task_definition"))
        found = ctx.cloud.find_task_definition(family, {**container, "secrets": {**container["secrets"], **pending}})
        return StepPlan("task_definition", "task definition", family, "update" if found["latest_arn"] else "create",
                        found["changes"] or {"revision": "new"}, [], KnownAfterApply("task_definition"))
    found = ctx.cloud.find_task_definition(family, container)
    current = {"arn": found["latest_arn"], "revision": _revision(found["latest_arn"])} if found["latest_arn"] else None
    changes = {} if found["matches"] else (found["changes"] or {"revision": "new"})
    return _plan("task_definition", "task definition", family, current, changes,
                 [Call("register_task_definition", {"family": family, "container": container})], current,
                 lambda outs: {"arn": outs[0]["arn"], "revision": outs[0].get("revision")})


def _revision(arn: Optional[str]) -> Optional[int]:
    try:
        return int(str(arn).rsplit(":", 1)[1])
    except (IndexError, ValueError):
        return None


def _health(spec: dict[str, Any]) -> HealthCheckSpec:
    hc = spec.get("health_check") or {}
    return {"path": hc.get("path", "/"), "interval_seconds": hc.get("interval_seconds", 30),
            "timeout_seconds": hc.get("timeout_seconds", 5), "healthy_threshold": hc.get("healthy_threshold", 3),
            "unhealthy_threshold": hc.get("unhealthy_threshold", 3), "matcher": "200-399"}


def target_group(ctx: Ctx, name: Optional[str] = None, step: str = "target_group") -> StepPlan:
    """The service's target group (or, named, its canary's: deploys/canary.py)."""
    from chalicelib.cloud.inspect import diff, expected_health

    name, health = name or ctx.names.target_group, _health(ctx.spec)
    desired = {"port": ctx.spec["port"], "health": expected_health(health),
               "deregistration_delay": ctx.spec.get("deregistration_delay", 30)}
    found = ctx.cloud.find_target_group(name)
    return _plan(step, "target group" if step == "target_group" else "target group (canary)", name, found, diff(found, desired, desired) if found else {},
                 [Call("ensure_target_group", {"name": name, "port": ctx.spec["port"], "health": health,
                                               "vpc_id": ctx.results["network"]["vpc_id"],
                                               "deregistration_delay": ctx.spec.get("deregistration_delay", 30)})],
                 {"arn": found["arn"]} if found else None, lambda outs: {"arn": outs[0]})


def internal_host(name: str, org_id: str, service_id: str) -> str:
    """Every web service answers on this host; a custom domain is routed only once verified.
    The id's tail keeps two services of one name (in two projects) apart."""
    return f"{name}-{service_id.rsplit('_', 1)[-1][-6:]}.{org_id}.launchbay.internal"


def _rule(ctx: Ctx, step: str, resource: str, host: str, extra: Optional[dict] = None,
          listener: Any = None, redirect: bool = False, redirect_host: Optional[str] = None) -> StepPlan:
    """Route host to this service's target group (on the HTTP listener unless `listener` is
    given; with `redirect`, a 301 to HTTPS instead; while the service is in maintenance, its
    503 page instead), in a rule tagged with this service: the rule of another service for the
    same host is refused here, before anything runs (the adapter refuses too)."""
    from chalicelib.cloud.edge import maintenance_page, owned_by

    owner, tg = ctx.dep["service_id"], ctx.results["target_group"]["arn"]
    listener = listener if listener is not None else ctx.results["load_balancer"]["listener_arn"]
    found = ctx.cloud.find_listener_rule(listener, host, "/*") if known(listener) else None
    if found and not owned_by(found.get("owner"), owner, found["target_group_arn"], tg if known(tg) else None):
        raise StepFailed(f"the listener rule for {host} belongs to another Launchbay service: it is not re-pointed")
    changes = dict(extra or {})
    down = None if redirect or redirect_host else maintenance_message(ctx)
    wanted = "redirect" if redirect or redirect_host else ("maintenance" if down is not None else "forward")
    now = "redirect" if (found or {}).get("redirect") else ("maintenance" if (found or {}).get("page") else "forward")
    if found and now != wanted:
        said = f"301 to {'https' if redirect else 'http'}://{redirect_host}" if redirect_host else ANSWERS[wanted]
        changes["answer"] = [ANSWERS[now], said]
    elif found and wanted == "redirect" and found.get("redirect_to") != redirect_host:
        changes["redirects to"] = [found.get("redirect_to") or "itself over HTTPS", redirect_host or "itself over HTTPS"]
    elif found and wanted == "maintenance" and found.get("page") != maintenance_page(down or ""):
        changes["maintenance page"] = ["another message", down]
    elif found and wanted == "forward" and found["target_group_arn"] != tg:
        changes["target_group"] = [found["target_group_arn"], tg]
    if found and found.get("owner") is None:  # ours from before ownership tags: tagged now
        changes["owner"] = [None, owner]
    sources = rule_sources(ctx.spec)
    if found and sorted(found.get("allowed_ips") or []) != (sources or []):
        changes["allowed_ips"] = [found.get("allowed_ips") or "everyone", sources or "everyone"]
    return _plan(step, resource, host, found, changes,
                 [Call("ensure_listener_rule", {"listener_arn": listener, "host": host, "path": "/*",
                                                "target_group_arn": tg, "owner": owner, "allowed_ips": sources,
                                                **({"redirect_https": True} if redirect else {}),
                                                **({"redirect_host": redirect_host} if redirect_host else {}),
                                                **({"maintenance": down} if down is not None else {})})],
                 {"arn": found["arn"], "host": host} if found else None,
                 lambda outs: {"arn": outs[-1], "host": host})


ANSWERS = {"redirect": "301 to https://", "maintenance": "503 maintenance page", "forward": "forward to the service"}


def maintenance_message(ctx: Ctx) -> Optional[str]:
    """The message of the service's maintenance page while it is in maintenance (deploys/
    maintenance.py), else None: every rule that would forward answers that page instead."""
    found = (ctx.ports.store.collection("services").get(ctx.dep["service_id"]) or {}).get("maintenance")
    return str(found.get("message") or "") if found else None


def rule_sources(spec: dict[str, Any]) -> Optional[list[str]]:
    """The client addresses a release's listener rules admit, sorted as the load balancer's are
    compared (None: everyone). Every rule of the service says the same, a canary's included."""
    return sorted(spec.get("allowed_ips") or []) or None


def listener_rule(ctx: Ctx) -> StepPlan:
    return _rule(ctx, "listener_rule", "listener rule", internal_host(ctx.spec["name"], ctx.dep["org_id"], ctx.dep["service_id"]))


def _routed_before(ctx: Ctx) -> set[str]:
    """The hosts the live release routed (its internal host and any custom domain)."""
    service = ctx.ports.store.collection("services").get(ctx.dep["service_id"]) or {}
    live = ctx.ports.store.collection("deployments").get(service.get("live_deployment_id") or "") or {}
    internal = (step_result(live, "listener_rule") or {}).get("host")
    return ({internal} if internal else set()) | {h["host"] for h in routed_hosts(step_result(live, "domain_rule"))}


def custom_names(ctx: Ctx) -> list[str]:
    """The service's custom host names in this release: its domain, then its aliases."""
    from chalicelib.catalog import domains

    return domains.names_of(ctx.spec)


def routed_hosts(result: Any) -> list[dict[str, Any]]:
    """{"host", "https", "arn"} of each custom host a domain_rule result routes (the domain's
    first); a result from before aliases routes its `host` alone."""
    if not isinstance(result, dict):
        return []
    if result.get("hosts") is not None:
        return list(result["hosts"])
    return [{"host": result["host"], "https": result.get("https"), "arn": result.get("arn")}] if result.get("host") else []


def domain_rule(ctx: Ctx) -> StepPlan:
    """The custom domain's rule (and each alias's), once the service holds the name verified
    (catalog/domains.py): over HTTPS once its certificate is issued, HTTP answering a 301 to it.
    Until then the service answers on its internal host only, and the result says why. Rules of
    hosts this service no longer routes (a changed domain, a rename) are removed: only its own."""
    from chalicelib.catalog import domains

    names = custom_names(ctx)
    whys = {n: domains.not_routed_because(ctx.ports, ctx.dep["service_id"], n) for n in names}
    routed = [n for n in names if not whys[n]]
    why = whys[names[0]] if names else "no custom domain"   # the domain's (names[0]) reason
    wanted = {internal_host(ctx.spec["name"], ctx.dep["org_id"], ctx.dep["service_id"])} | set(routed)
    stale = sorted(_routed_before(ctx) - wanted)
    listener, tg = ctx.results["load_balancer"]["listener_arn"], ctx.results["target_group"]["arn"]
    https = ctx.results["load_balancer"].get("https_listener_arn") if stale else None
    removals = [Call("delete_listener_rule", {"listener_arn": arn, "host": host, "path": "/*",
                                              "owner": ctx.dep["service_id"], "target_group_arn": tg})
                for host in stale for arn in [listener] + ([https] if https else [])]
    if not routed:
        result = {"skipped": why, **({"removed": stale} if stale else {})}
        if not stale:
            return StepPlan("domain_rule", "listener rule (custom domain)", names[0] if names else "-", "skip", {}, [],
                            result)
        return StepPlan("domain_rule", "listener rule (custom domain)", ", ".join(stale), "update",
                        {"removed": stale}, removals, None, lambda outs: result)
    send_to = names[0] if ctx.spec.get("redirect_aliases") and names and names[0] in routed else None
    to_https = send_to is not None and _issued(ctx, send_to) is not None
    parts = [_host_rules(ctx, host, send_to if host != send_to else None, to_https) for host in routed]
    waiting = {n: w for n, w in whys.items() if w}

    def assemble(results: list[dict[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {"hosts": results}
        primary = next((r for r in results if names and r["host"] == names[0]), None)
        out.update(primary if primary else {"skipped": why})
        if waiting:
            out["waiting"] = waiting
        if stale:
            out["removed"] = stale
        return out

    return _combined("domain_rule", parts, removals, stale, assemble)


LISTENER_CERTIFICATES = 25   # certificates an ALB listener holds by default (AWS quota), its default one included


def _listener_full(ctx: Ctx, certificate_arn: str) -> bool:
    """Whether the environment's HTTPS listener has no room for this certificate (it is not on it
    and the listener holds the quota's worth): adding it would fail the deploy, so the name stays
    on HTTP and the plan says why."""
    https = ctx.results["load_balancer"].get("https_listener_arn") \
        or (ctx.cloud.find_load_balancer(ctx.load_balancer_name) or {}).get("https_listener_arn")
    if not https:
        return False
    held = ctx.cloud.listener_certificates(https)
    return certificate_arn not in held and len(held) >= LISTENER_CERTIFICATES


def _issued(ctx: Ctx, host: str) -> Optional[str]:
    """The ARN of the service's issued certificate for host, if it has one."""
    cert = ctx.cloud.find_certificate(host, owner=ctx.dep["service_id"])
    return cert["arn"] if cert and cert.get("status") == "ISSUED" else None


def _host_rules(ctx: Ctx, host: str, send_to: Optional[str] = None, to_https: bool = False) -> StepPlan:
    """One custom host's rules: HTTPS with its certificate once issued, else HTTP. With `send_to`
    (an alias of a service whose aliases redirect), each rule answers a 301 to that host instead
    (over HTTPS when `to_https`)."""
    cert = ctx.cloud.find_certificate(host, owner=ctx.dep["service_id"])
    full = cert is not None and cert.get("status") == "ISSUED" and _listener_full(ctx, cert["arn"])
    if cert and cert.get("status") == "ISSUED" and not full:
        return _https_rules(ctx, host, cert["arn"], None, send_to, to_https)
    if send_to:
        plan = _rule(ctx, "domain_rule", "listener rule (alias, redirects)", host, redirect=to_https,
                     redirect_host=send_to)
        plan.description = f"a 301 to {'https' if to_https else 'http'}://{send_to}"
        _mark(plan, {"https": None, "redirects_to": send_to})
        return plan
    plan = _rule(ctx, "domain_rule", "listener rule (custom domain)", host)
    plan.description = (
        f"HTTP only: the load balancer's HTTPS listener holds {LISTENER_CERTIFICATES} certificates already (the ALB "
        "quota; ask AWS to raise it, then deploy again)" if full else
        f"HTTP only until its certificate is issued ({cert['status']}); then HTTPS, and HTTP redirects to it"
        if cert else "HTTP only: the certificate step requests its certificate")
    _mark(plan, {"https": None})
    return plan


def _mark(plan: StepPlan, fields: dict[str, Any]) -> None:
    """Adds `fields` to the plan's result, as planned and as its calls will make it."""
    if plan.result is not None:
        plan.result = {**plan.result, **fields}
    shape = plan.shape
    if shape is not None:
        plan.shape = lambda outs: {**shape(outs), **fields}


def _combined(step: str, parts: list[StepPlan], removals: list[Call], stale: list[str],
              assemble: Callable[[list[Any]], Any], resource: str = "listener rules (custom domains)") -> StepPlan:
    """One step's plan made of several (one per host): their calls in order after `removals`
    (each part's references to its own earlier calls moved along), its action the strongest of
    theirs, its result `assemble`d from theirs."""
    calls, spans = list(removals), []
    for part in parts:
        start = len(calls)
        calls += [Call(c.method, {k: FromCall(v.index + start, v.key) if isinstance(v, FromCall) else v
                                  for k, v in c.kwargs.items()}) for c in part.calls]
        spans.append((start, len(calls)))
    kinds = {p.action for p in parts}
    action: Action = "create" if kinds == {"create"} and not removals else \
        ("update" if removals or kinds & {"create", "update"} else "no-op")
    if len(parts) == 1:
        changes = dict(parts[0].changes)
    else:
        changes = {p.name: p.changes or p.action for p in parts if p.action != "no-op" or p.changes}
    if stale:
        changes["removed"] = stale
    result = assemble([p.result for p in parts]) if all(p.result is not None for p in parts) else None

    def shape(outs: list[Any]) -> Any:
        return assemble([p.shape(outs[a:b]) if p.shape else p.result for p, (a, b) in zip(parts, spans)])

    names = ", ".join(p.name for p in parts)
    described = "; ".join(f"{p.name}: {p.description}" if len(parts) > 1 else p.description
                          for p in parts if p.description)
    return StepPlan(step, parts[0].resource if len(parts) == 1 else resource, names, action,
                    changes, calls, result if action == "no-op" else None, shape,
                    always=any(p.always for p in parts), description=described)


def _https_rules(ctx: Ctx, domain: str, certificate_arn: str, extra: Optional[dict], send_to: Optional[str] = None,
                 to_https: bool = False) -> StepPlan:
    """The domain over HTTPS, its certificate issued: the environment's load balancer serves it on
    :443 (the first such certificate is the listener's default, the others are picked by SNI), a
    rule there forwards the domain to the service, and its rule on :80 answers a 301 to HTTPS.
    With `send_to` (a redirecting alias), both rules answer a 301 to that host instead."""
    ensure = Call("ensure_load_balancer", {"name": ctx.load_balancer_name, "network": ctx.results["network"],
                                           "certificate_arn": certificate_arn})
    https_listener = ctx.results["load_balancer"].get("https_listener_arn")
    if not https_listener:   # not made yet (or the worker's remembered answer is older than it)
        https_listener = (ctx.cloud.find_load_balancer(ctx.load_balancer_name) or {}).get("https_listener_arn")
    secure = _rule(ctx, "domain_rule", "listener rule (custom domain, HTTPS)", domain, extra,
                   listener=https_listener or "(known after apply: load_balancer.https_listener_arn)",
                   redirect=bool(send_to) and to_https, redirect_host=send_to)
    plain = _rule(ctx, "domain_rule", "listener rule (custom domain)", domain, redirect=not send_to or to_https,
                  redirect_host=send_to)
    changes = {**{f"https {k}": v for k, v in secure.changes.items()}, **plain.changes}
    if secure.action == "create":
        changes["https"] = [None, f"served with certificate {certificate_arn.rsplit('/', 1)[-1]}"]
    for call in secure.calls:
        call.kwargs["listener_arn"] = FromCall(0, "https_listener_arn")
    action: Action = "no-op" if secure.action == plain.action == "no-op" else ("create" if secure.action == "create"
                                                                                else "update")
    sent = {"redirects_to": send_to} if send_to else {}
    result = {"arn": (plain.result or {}).get("arn"), "host": domain,
              "https": {"certificate": certificate_arn, "rule_arn": (secure.result or {}).get("arn"),
                        "listener_arn": https_listener}, **sent}
    said = (f"HTTPS with its certificate; both answer a 301 to {'https' if to_https else 'http'}://{send_to}"
            if send_to else "HTTPS with its certificate; HTTP answers a 301 to HTTPS")
    return StepPlan("domain_rule", "listener rules (custom domain, HTTPS)", domain, action, changes,
                    [ensure] + secure.calls + plain.calls, result if action == "no-op" else None,
                    lambda outs: {"arn": outs[2], "host": domain,
                                  "https": {"certificate": certificate_arn, "rule_arn": outs[1],
                                            "listener_arn": outs[0]["https_listener_arn"]}, **sent},
                    always=True, description=said)


def _current_service(ctx: Ctx) -> Optional[dict[str, Any]]:
    """What the ECS service runs now. A deploy (not a preview) of a service with a live release
    reads it from that release: ensure_service describes the service anyway, so the plan need not
    ask ECS a second time (drift detection tells when ECS was changed behind Launchbay's back)."""
    if not ctx.preview:
        service = ctx.ports.store.collection("services").get(ctx.dep["service_id"]) or {}
        live = ctx.ports.store.collection("deployments").get(service.get("live_deployment_id") or "")
        if live and live.get("task_definition") and live["id"] != ctx.dep["id"]:
            registry = step_result(live, "discovery") or {}
            return {"task_definition": live["task_definition"],
                    "desired": max((live.get("spec") or {}).get("min_instances", 1), 1),
                    "service_registries": [registry["arn"]] if registry.get("arn") else [],
                    "capacity": [list(x) for x in capacities.key(capacities.strategy((live.get("spec") or {}).get("spot")))]}
    return ctx.cloud.describe_service(ctx.names.service)


def ecs_service(ctx: Ctx) -> StepPlan:
    spec, web = ctx.spec, ctx.dep["kind"] == "web"
    td = ctx.results["task_definition"]["arn"]
    desired = max(spec.get("min_instances", 1), 1)
    # no cluster yet (a preview before the first deploy): there is no service either
    found = None if isinstance(ctx.results.get("cluster"), KnownAfterApply) else _current_service(ctx)
    changes = {}
    if found:
        changes = {k: v for k, v in {"task_definition": [found.get("task_definition"), td],
                                     "desired": [found.get("desired"), desired]}.items() if v[0] != v[1]}
        if "desired" in changes and not changes.get("task_definition") and found.get("desired", 0) >= desired:
            changes.pop("desired")   # autoscaling owns the count between min and max
    kwargs = {"name": ctx.names.service, "task_definition_arn": td, "desired_count": desired,
              "network": ctx.results["network"],
              "target_group_arn": ctx.results["target_group"]["arn"] if web else None,
              "container_name": spec["name"] if web else None, "container_port": spec.get("port") if web else None,
              "capacity": capacities.strategy(spec.get("spot"))}
    if found and found.get("capacity") is not None and \
            found["capacity"] != [list(x) for x in capacities.key(kwargs["capacity"])]:
        changes["capacity"] = [_capacity_words(found["capacity"]), capacities.words(spec.get("spot"))]
    from chalicelib.deploys.discovery import registries

    wanted = registries(ctx)
    if wanted is not None:
        kwargs["service_registries"] = wanted
        if found and sorted(found.get("service_registries") or []) != sorted(wanted):
            changes["service_registries"] = [found.get("service_registries") or [], wanted]
    if ctx.dep.get("restart_of") and found:   # nothing changed, and yet every task is replaced
        kwargs["force_new_deployment"] = True
        changes["tasks"] = ["running", "replaced by new ones"]
    calls = [Call("ensure_service", kwargs)]
    if ctx.dep.get("resume_of") and found:
        # suspended: 0 tasks, autoscaling held at 0..0 (which ensure_service would keep): the
        # release's own range goes back first, then its count
        changes["tasks"] = ["0 (suspended)", f"{desired} running"]
        scaling = autoscaling(ctx)
        calls = [c for c in scaling.calls if scaling.action != "skip"] + calls
    # always run: ECS names the rollout (its deployment id) only in the answer
    return _plan("service", "ECS service", ctx.names.service, found, changes, calls,
                 None, lambda outs: {"arn": outs[-1].get("arn"), "deployment_id": outs[-1].get("deployment_id")},
                 always=True)


def _capacity_words(found: list[list[Any]]) -> str:
    """An ECS service's strategy (as describe_service reads it) in the words of a spot setting."""
    spot = {int(w) for p, _, w in found if p == "FARGATE_SPOT"}
    if not spot:
        return capacities.words(None)
    on_demand = next(((int(b), int(w)) for p, b, w in found if p == "FARGATE"), (0, 0))
    share = round(100 * max(spot) / (max(spot) + on_demand[1]))
    return capacities.words({"percent": share, "on_demand_base": on_demand[0]})


def autoscaling(ctx: Ctx) -> StepPlan:
    from chalicelib.deploys import scaling as scheduled

    spec, web = ctx.spec, ctx.dep["kind"] == "web"
    scaling = spec.get("autoscaling") or {}
    lo, hi = max(spec.get("min_instances", 1), 1), spec.get("max_instances", 1)
    schedule = scaling.get("schedule") or []
    now_in = scheduled.in_force(schedule) if schedule else None
    if now_in:   # the range the schedule set last: a deploy at 10:00 keeps the 08:00 scale-up
        lo, hi = max(now_in["min_instances"], 1), now_in["max_instances"]
    if hi <= spec.get("min_instances", 1) and not scaling:
        return StepPlan("autoscaling", "autoscaling", ctx.names.service, "skip", {}, [],
                        {"skipped": "min_instances equals max_instances"})
    requests = scaling.get("requests_per_target") if web else None
    queue = _scaling_queue(ctx, scaling.get("queue"))
    found = ctx.cloud.find_autoscaling(ctx.names.service)
    current = {"min": found["min"], "max": found["max"]} if found else None
    changes = {k: v for k, v in {"min": [current and current["min"], lo], "max": [current and current["max"], hi]}.items()
               if current and v[0] != v[1]}
    wanted = [float(scaling.get("cpu_target", 60.0))] + ([float(requests)] if requests else []) + (
        [float(queue["messages_per_task"])] if queue else [])
    if found and (sorted((found.get("targets") or {}).values()) != sorted(wanted)
                  or (found.get("queue") or None) != (queue and queue["queue_name"])):
        changes["targets"] = [found.get("targets"), {"cpu": scaling.get("cpu_target", 60.0), "requests": requests,
                                                     **({"queue": _queue_words(queue)} if queue else {})}]
    kwargs = {"service_name": ctx.names.service, "min_count": lo, "max_count": hi,
              "cpu_target": scaling.get("cpu_target", 60.0), "requests_per_target": requests,
              "target_group_arn": ctx.results["target_group"]["arn"] if web else None,
              "load_balancer_arn": ctx.results["load_balancer"]["arn"] if web else None,
              "queue": queue}
    actions = scheduled.actions(ctx.names.service, schedule)
    calls = [Call("ensure_autoscaling", kwargs)]
    if actions or (found or {}).get("scheduled"):   # put, or take away what an earlier schedule left
        calls.append(Call("ensure_scheduled_scaling", {"service_name": ctx.names.service, "actions": actions}))
        if found and found.get("scheduled") != actions:
            changes["scheduled"] = [_schedule_words(found.get("scheduled") or []), _schedule_words(actions)]
    result = {"min": spec.get("min_instances"), "max": hi, **({"scheduled": [a["name"] for a in actions],
                                                                 "in_force": now_in} if actions else {})}
    return _plan("autoscaling", "autoscaling", ctx.names.service, current, changes, calls, result, lambda outs: result)


def _scaling_queue(ctx: Ctx, wanted: Optional[dict[str, Any]]) -> Optional[dict[str, Any]]:
    """The linked queue autoscaling follows -> {name, queue_name, messages_per_task}, or None."""
    if not wanted:
        return None
    linked = ((ctx.results.get("task_role") or {}).get("queues") or {}).get(wanted["name"])
    if linked is None:
        raise StepFailed(f"autoscaling.queue: the service links no queue named {wanted['name']!r}: link it "
                         f"(PUT …/links/<its id>) or change autoscaling.queue, then deploy again")
    return {"name": wanted["name"], "queue_name": linked["queue_name"],
            "messages_per_task": int(wanted.get("messages_per_task") or 100)}


def _queue_words(queue: dict[str, Any]) -> str:
    return f"{queue['messages_per_task']} waiting messages per task on queue {queue['name']}"


def _schedule_words(actions: list[dict[str, Any]]) -> list[str]:
    return [f"{a['schedule']} {a['timezone']}: {a['min']}..{a['max']} tasks" for a in actions]


def certificate(ctx: Ctx) -> StepPlan:
    """Requested, not awaited: DNS validation can take hours, and the service already serves.
    One per verified custom name (the domain, each alias), and only this service's own
    certificate is ever reused."""
    from chalicelib.catalog import domains

    owner, names = ctx.dep["service_id"], custom_names(ctx)
    routed = [n for n in names if not domains.not_routed_because(ctx.ports, owner, n)]
    if not routed:
        why = domains.not_routed_because(ctx.ports, owner, names[0]) if names else "no custom domain"
        return StepPlan("certificate", "certificate", names[0] if names else "-", "skip", {}, [], {"skipped": why})
    parts = []
    for name in routed:
        found = ctx.cloud.find_certificate(name, owner=owner)

        def shape(outs: list[Any], name: str = name) -> Any:
            cert, in_route53 = outs
            return {"arn": cert["arn"], "status": cert.get("status"), "domain": name,
                    "validation_records": cert.get("validation_records"), "dns_managed": in_route53}

        # request_certificate is idempotent and returns the validation records the DNS call needs
        plan = _plan("certificate", "certificate", name, found, {},
                     [Call("request_certificate", {"domain": name, "owner": owner})], None, shape, always=True)
        plan.calls.append(Call("upsert_dns_records", {"domain": name, "records": FromCall(0, "validation_records")}))
        parts.append(plan)

    def assemble(results: list[Any]) -> Any:
        first = dict(results[0]) if results and isinstance(results[0], dict) else {}
        if len(results) > 1:
            first["hosts"] = {r["domain"]: r for r in results if isinstance(r, dict)}
        return first

    return _combined("certificate", parts, [], [], assemble, "certificates")


def schedule(ctx: Ctx) -> StepPlan:
    from chalicelib.cloud.inspect import diff

    td = ctx.results["task_definition"]["arn"]
    found = ctx.cloud.find_schedule(ctx.names.rule)
    # enabled: a suspended service's rule is disabled; its resume (any deploy) enables it again
    capacity = capacities.strategy(ctx.spec.get("spot"))
    desired = {"schedule": ctx.spec["schedule"], "task_definition": td, "enabled": True,
               "capacity": [list(x) for x in capacities.key(capacity)]}
    return _plan("schedule", "EventBridge schedule", ctx.names.rule, found,
                 diff(found, desired, desired) if found else {},
                 [Call("ensure_schedule", {"rule_name": ctx.names.rule, "schedule_expression": ctx.spec["schedule"],
                                           "task_definition_arn": td, "network": ctx.results["network"],
                                           **({"capacity": capacity} if ctx.spec.get("spot") else {})})],
                 {"rule_arn": found["arn"], "schedule": ctx.spec["schedule"]} if found else None,
                 lambda outs: {"rule_arn": outs[0], "schedule": ctx.spec["schedule"]})


# --- the release command: one task of the new task definition, before anything rolls out ---

RELEASE_POLL_SECONDS = 5.0   # on AWS; the sandbox uses its rollout poll


def release_words(command: list[str]) -> str:
    return "`" + " ".join(command) + "`"


def _release_skipped(ctx: Ctx) -> Optional[str]:
    if not ctx.spec.get("release_command"):
        return "no release command"
    if ctx.dep.get("rollback_of"):   # the release's migrations ran when it first went out
        return "a rollback does not run the release command again"
    if ctx.dep.get("restart_of"):
        return "a restart does not run the release command again"
    if ctx.dep.get("resume_of"):
        return "a resume does not run the release command again"
    return None


def release_start(ctx: Ctx) -> StepPlan:
    """Start the release command (migrations...) as one task of the NEW task definition with
    its command overridden. The client token is the deployment and step, so a worker killed
    after RunTask and before the result was recorded gets the same task back, not a second."""
    why = _release_skipped(ctx)
    if why:
        return StepPlan("release.start", "release command", "-", "skip", {}, [], {"skipped": why})
    command = list(ctx.spec["release_command"])
    kwargs = {"task_definition_arn": ctx.results["task_definition"]["arn"], "network": ctx.results["network"],
              # only the sandbox's LAUNCHBAY_SANDBOX_* switches (AWS reads none of it; no values in the plan)
              "env": {k: v for k, v in (ctx.spec.get("env") or {}).items() if k.startswith("LAUNCHBAY_SANDBOX_")},
              "client_token": f"{ctx.dep['id']}:release", "command": command, "container": ctx.spec["name"],
              "release": True}
    return StepPlan("release.start", "release command (one ECS task)", " ".join(command), "create",
                    {"command": [None, command]}, [Call("run_task", kwargs)], None,
                    lambda outs: {**outs[0], "command": command}, always=True)


def describe_release(ctx: Ctx) -> StepPlan:
    """The release wait, for a plan: what it waits for (or why it is skipped)."""
    why = _release_skipped(ctx)
    if why:
        return StepPlan("release", "release command", "-", "skip", description=why)
    command = list(ctx.spec["release_command"])
    return StepPlan("release", "release command", " ".join(command), "wait",
                    description=f"run {release_words(command)} as one task of the new task definition and wait until it "
                                "stops; a non-zero exit fails the deployment before anything rolls out")


def release(ctx: Ctx) -> dict[str, Any] | Pending:
    """Wait for the release task to stop, its log lines streamed into the deployment log; a
    non-zero exit fails the deployment before anything rolled out (the old release keeps serving)."""
    from chalicelib.deploys.logs import append_log

    started = ctx.results["release.start"]
    if started.get("skipped"):
        return {"skipped": started["skipped"]}
    command, arn = started["command"], started["task_arn"]
    if started.get("simulated"):   # the sandbox knows the outcome, due after its delay
        due = time.time() >= float(started.get("ends_at") or 0)
        run: dict[str, Any] = {"finished_ms": 1 if due else None, "exit_code": started.get("exit_code"),
                               "status": "STOPPED" if due else "RUNNING (sandbox)"}
    else:
        found = ctx.cloud.describe_task_runs([arn])
        if not found:
            raise StepFailed(f"the release command {release_words(command)}: ECS no longer knows its task {arn}")
        run = found[0]
    _stream_release_log(ctx, arn, append_log)
    if run.get("finished_ms") is None:
        limit = ctx.ports.settings.deploy_timeout_seconds
        if time.time() > ctx.step_started + limit:
            ctx.cloud.stop_task(arn, f"the release command did not finish within {limit} s")
            raise StepFailed(f"the release command {release_words(command)} did not finish within {limit} s "
                             f"(its task {arn} was stopped)")
        poll = ctx.ports.settings.rollout_poll_seconds if ctx.ports.settings.sandbox else RELEASE_POLL_SECONDS
        return Pending(poll, f"running the release command {release_words(command)} ({run.get('status') or 'starting'})")
    code = run.get("exit_code")
    if code is None:
        raise StepFailed(f"the release command {release_words(command)} did not run: "
                         f"{run.get('reason') or 'its task stopped without an exit code'}")
    if code != 0:
        raise StepFailed(f"the release command {release_words(command)} exited with {code}")
    return {"task_arn": arn, "exit_code": 0, "command": command}


def stop_release_task(ports: Ports, dep: dict[str, Any], why: str) -> Optional[str]:
    """Stop the release command's task of a deployment leaving before it ended (a cancel, a
    rollback taking over), so no migration keeps running for it. -> words, or None when no
    release task is running for it."""
    started = step_result(dep, "release.start")
    if not started or not started.get("task_arn") or step_result(dep, "release") is not None:
        return None
    ports.cloud_for(dep.get("target")).stop_task(started["task_arn"], why)
    return f"its release command's task {started['task_arn']} was stopped; nothing rolled out"


def _stream_release_log(ctx: Ctx, task_arn: str, append_log: Callable[..., Any]) -> None:
    """The task's new log lines (awslogs stream PREFIX/CONTAINER/TASK_ID) into the deployment
    log, from the last one seen (kept on the deployment, so a resumed step repeats none)."""
    deps = ctx.ports.store.collection("deployments")
    seen = (deps.get(ctx.dep["id"]) or ctx.dep).get("release_log_ms")
    name = ctx.spec["name"]
    stream = f"{name}/{name}/{task_arn.rsplit('/', 1)[-1]}"
    last, token = seen, None
    for _ in range(10):   # at most 1,000 lines a look; the next look reads on
        events, token = ctx.cloud.read_logs(ctx.names.log_group, stream, start_ms=(seen + 1) if seen else None,
                                            next_token=token, limit=100)
        for e in events:
            if seen is None or e["ts"] > seen:
                append_log(ctx.ports, ctx.dep, str(e["message"])[:2000], "release")
                last = max(last or 0, e["ts"])
        if not token or not events:
            break
    if last != seen:
        deps.update(ctx.dep["id"], {"release_log_ms": last})


# --- the rollout: a wait, not a change --------------------------------------------------

def rollout(ctx: Ctx, env: Optional[dict] = None, service_step: str = "service",
            service_name: Optional[str] = None) -> dict[str, Any] | Pending:
    deadline = ctx.step_started + ctx.ports.settings.deploy_timeout_seconds
    status = ctx.cloud.observe_rollout(service_name or ctx.names.service,
                                       ctx.results[service_step].get("deployment_id") or "",
                                       env if env is not None else (ctx.spec.get("env") or {}), ctx.step_started)
    state = status.get("state")
    if state == "completed":
        return {"state": "completed", "running": status.get("running"), "desired": status.get("desired")}
    if state == "failed":
        raise StepFailed(status.get("reason") or "the rollout failed")
    counts = f"{status.get('running', 0)} of {status.get('desired', '?')} tasks running"
    if time.time() > deadline:
        raise StepFailed(f"the rollout did not finish within {ctx.ports.settings.deploy_timeout_seconds} s "
                         f"({counts}; {status.get('reason') or 'no reason given by ECS'})")
    why = f": {status['reason']}" if status.get("reason") else ""
    return Pending(min(ctx.ports.settings.rollout_poll_seconds, max(deadline - time.time(), 0.05)),
                   f"waiting for the rollout: {counts}{why}")


def describe_rollout(ctx: Ctx) -> StepPlan:
    """The rollout wait, for a plan: what it waits for."""
    path = (ctx.dep["spec"].get("health_check") or {}).get("path") or "/"
    until = f"its new tasks pass the health check on {path}" if ctx.dep["kind"] == "web" else "its new tasks are running"
    return StepPlan("rollout", "rollout", ctx.names.service, "wait",
                    description=f"roll out the new task definition on ECS service {ctx.names.service} and wait until "
                                f"{until}; a rollout that fails rolls back to the live release, when there is one")


# --- the steps of each kind --------------------------------------------------------------

@dataclass(frozen=True)
class Step:
    name: str
    status: str                                      # the deployment status it runs in
    plan: Optional[Callable[[Ctx], Any]] = None      # a change to AWS: planned (a StepPlan), then executed;
    #                                                   Pending instead: wait for what it builds on first
    wait: Optional[Callable[[Ctx], Any]] = None       # a look at AWS until something settles
    describe: Optional[Callable[[Ctx], StepPlan]] = None   # a wait, for a plan: what it waits for (changes nothing)
    resource: str = ""                               # what a plan says it acts on, if not its name

    @property
    def acts_on(self) -> str:
        return self.resource or self.name


_COMMON = [Step("cluster", "provisioning", cluster), Step("network", "provisioning", network),
           Step("log_group", "provisioning", log_group), Step("image", "provisioning", image),
           Step("resources", "provisioning", wait=resources, describe=describe_resources, resource=LINKED),
           Step("task_role", "provisioning", task_role, resource=TASK_ROLE),
           Step("secrets", "provisioning", secrets), Step("task_definition", "provisioning", task_definition)]
# After the task definition, before the ECS service or schedule changes: the release command
# runs on the new release's task definition while the old release still serves.
_RELEASE = [Step("release.start", "provisioning", release_start),
            Step("release", "provisioning", wait=release, describe=describe_release)]
STEPS: dict[str, list[Step]] = {
    "web": _COMMON + [Step("load_balancer", "provisioning", load_balancer),
                      Step("target_group", "provisioning", target_group),
                      Step("listener_rule", "provisioning", listener_rule),
                      Step("domain_rule", "provisioning", domain_rule),
                      Step("private_dns", "provisioning", private_dns), Step("discovery", "provisioning", discovery),
                      *_RELEASE,
                      Step("service", "deploying", ecs_service), Step("rollout", "deploying", wait=rollout, describe=describe_rollout),
                      Step("autoscaling", "deploying", autoscaling), Step("certificate", "deploying", certificate)],
    "worker": _COMMON + [*_RELEASE, Step("service", "deploying", ecs_service),
                         Step("rollout", "deploying", wait=rollout, describe=describe_rollout),
                         Step("autoscaling", "deploying", autoscaling)],
    "cron": _COMMON + [*_RELEASE, Step("schedule", "deploying", schedule)],
}
# Steps after which AWS runs something new: a failure from here on needs a rollback.
TOUCHES_RUNTIME = {"service", "schedule", "canary.service"}


def _canary_steps(ramp: list[int]) -> tuple[list[Step], Step]:
    """The canary's steps; each share of its ramp grows it, routes that share, watches again."""
    from functools import partial

    from chalicelib.deploys import canary as c

    stages: list[Step] = []
    for p in ramp:
        stages += [Step(c.stage_step("canary.service", p), "deploying", partial(c.service, percent=p)),
                   Step(c.stage_step("canary.rollout", p), "deploying", wait=partial(c.rollout, percent=p),
                        describe=partial(c.describe_rollout, percent=p)),
                   Step(c.stage_step("canary.traffic", p), "deploying", partial(c.traffic, percent=p)),
                   Step(c.stage_step("canary.analysis", p), "deploying", wait=partial(c.analysis, percent=p),
                        describe=partial(c.describe_analysis, percent=p))]
    return [Step("canary.target_group", "deploying", c.target_group), Step("canary.attach", "deploying", c.attach),
            Step("canary.service", "deploying", c.service),
            Step("canary.rollout", "deploying", wait=c.rollout, describe=c.describe_rollout),
            Step("canary.traffic", "deploying", c.traffic),
            Step("canary.analysis", "deploying", wait=c.analysis, describe=c.describe_analysis), *stages], \
        Step(c.RETIRE, "deploying", c.retire)


def of_deployment(dep: dict[str, Any]) -> list[Step]:
    """The steps of a deployment's kind; with a canary (deploys/canary.py), its steps go before the
    ECS service changes and its retirement right after the rollout."""
    todo = STEPS[dep["kind"]]
    if not dep.get("canary"):
        return todo
    before, retire = _canary_steps([int(p) for p in dep["canary"].get("ramp") or []])
    at = next(i for i, s in enumerate(todo) if s.name == "service")
    done = next(i for i, s in enumerate(todo) if s.name == "rollout") + 1
    return todo[:at] + before + todo[at:done] + [retire] + todo[done:]


def rollback_steps(previous: dict[str, Any]) -> list[Step]:
    """Put the previous release's task definition back and wait for it to settle."""
    prev_td = previous.get("task_definition")
    prev_env = (previous.get("spec") or {}).get("env") or {}

    def restore(ctx: Ctx) -> StepPlan:
        if ctx.dep["kind"] == "cron":
            ctx.results["task_definition"] = {"arn": prev_td}
            ctx.spec["schedule"] = previous["spec"]["schedule"]
            plan = schedule(ctx)
            plan.shape = lambda outs: {"rule_arn": outs[0], "task_definition": prev_td}
        else:
            ctx.results["task_definition"] = {"arn": prev_td}
            plan = ecs_service(ctx)
            inner = plan.shape
            plan.shape = lambda outs: {**(inner(outs) if inner else {}), "task_definition": prev_td}
        plan.step, plan.always = "rollback.service", True
        return plan

    def settle(ctx: Ctx) -> dict[str, Any] | Pending:
        if ctx.dep["kind"] == "cron":
            return {"state": "completed"}
        return rollout(ctx, env=prev_env, service_step="rollback.service")

    return [Step("rollback.service", "rolling_back", restore), Step("rollback.rollout", "rolling_back", wait=settle)]


def rollback_steps_of(dep: dict[str, Any], previous: dict[str, Any]) -> list[Step]:
    """A deployment's rollback: its canary, if one was started, goes first (the rules forward to
    the service's own target group alone), then the previous release is put back."""
    from chalicelib.deploys import canary

    return ([Step(canary.ROLLBACK, "rolling_back", canary.rollback)] if canary.began(dep) else []) + \
        rollback_steps(previous)


def stop_release(ports: Ports, dep: dict[str, Any]) -> str:
    """Stop a cancelled first release: no tasks keep running, no schedule keeps firing."""
    names, cloud = naming.of_deployment(dep), ports.cloud_for(dep.get("target"))
    if dep["kind"] == "cron":
        cloud.delete_schedule(names.rule)
        return "its schedule was removed"
    td, net, tg = step_result(dep, "task_definition"), recorded_network(dep), step_result(dep, "target_group")
    if td and net:
        web_tg = tg if dep["kind"] == "web" and tg else None
        cloud.ensure_service(names.service, td["arn"], 0, net,
                                   target_group_arn=web_tg["arn"] if web_tg else None,
                                   container_name=dep["spec"]["name"] if web_tg else None,
                                   container_port=dep["spec"].get("port") if web_tg else None)
        return "its ECS service was scaled to 0 tasks"
    return "nothing was running yet"
