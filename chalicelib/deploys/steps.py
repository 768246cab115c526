"""The steps of a deploy. Each takes the run context and returns a JSON-able result
(recorded before the next step starts) or `Pending` to be looked at again later.
Every step is idempotent: the cloud port's ensure_* calls converge, so a step
that was interrupted before its result was recorded can simply run again."""
from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

from chalicelib.catalog.service import secret_values


@dataclass
class Pending:
    """Not done yet: look again in `seconds`; `message` goes to the deploy log."""
    seconds: float
    message: str


class StepFailed(Exception):
    """A permanent failure with a reason a person can act on."""


@dataclass
class Ctx:
    ports: Any
    dep: dict[str, Any]
    results: dict[str, Any] = field(default_factory=dict)   # name -> result of finished steps
    step_started: float = 0.0

    @property
    def cloud(self):
        return self.ports.cloud

    @property
    def spec(self) -> dict[str, Any]:
        return self.dep["spec"]


def names(dep: dict[str, Any]) -> dict[str, str]:
    """AWS resource names derived from ids: stable across retries, unique per service."""
    svc = dep["service_id"].split("_", 1)[-1]
    short = hashlib.sha1(dep["service_id"].encode()).hexdigest()[:10]
    return {"family": f"lb-{svc}", "service": f"lb-{svc}", "log_group": f"/launchbay/{dep['org_id']}/{dep['service_name']}",
            "target_group": f"lb-{short}", "rule": f"lb-{svc}", "secret_prefix": f"/launchbay/{dep['org_id']}/{dep['service_id']}"}


# --- provisioning -------------------------------------------------------------

SHARED_TTL = 300.0   # seconds a worker trusts what it learnt about shared resources
_shared: dict[tuple, tuple[float, Any]] = {}


def _shared_resource(ctx: Ctx, name: str, make: Callable[[], Any]) -> Any:
    """The cluster, the network and the load balancer are shared by every service of an
    environment: one worker process ensures each once per SHARED_TTL instead of on every
    deploy (fewer AWS calls, no throttling at hundreds of deploys a minute)."""
    s = ctx.ports.settings
    key = (name, s.aws_endpoint_url, s.aws_region, s.cluster_name)
    hit = _shared.get(key)
    if hit and time.monotonic() - hit[0] < SHARED_TTL:
        return hit[1]
    value = make()
    _shared[key] = (time.monotonic(), value)
    return value


def cluster(ctx: Ctx):
    return _shared_resource(ctx, "cluster", lambda: {"arn": ctx.cloud.ensure_cluster()})


def network(ctx: Ctx):
    return _shared_resource(ctx, "network", lambda: dict(ctx.cloud.ensure_network()))


def log_group(ctx: Ctx):
    name = names(ctx.dep)["log_group"]
    ctx.cloud.ensure_log_group(name, 30)
    return {"name": name}


def secrets(ctx: Ctx):
    """One SSM SecureString per secret *version*: immutable, so a rollback can point at
    the exact value an older release ran with. Values never leave this function."""
    if ctx.dep.get("secret_refs") is not None:       # a rollback reuses the release's parameters
        return {"refs": ctx.dep["secret_refs"], "reused": True}
    prefix = names(ctx.dep)["secret_prefix"]
    refs = {}
    for name, (version, value) in secret_values(ctx.ports, ctx.dep["service_id"]).items():
        put = ctx.cloud.put_secret(f"{prefix}/{name}/v{version}", value)
        refs[name] = {"arn": put["arn"], "version": version}
    return {"refs": refs, "names": sorted(refs)}


def image(ctx: Ctx):
    """Pin the image to its digest where the registry is ours (ECR), for exact rollbacks."""
    return ctx.cloud.resolve_image(ctx.spec["image"])


def task_definition(ctx: Ctx):
    spec, n = ctx.spec, names(ctx.dep)
    refs = ctx.results["secrets"]["refs"]
    pinned = (ctx.results.get("image") or {}).get("image") or spec["image"]
    container = {"name": spec["name"], "image": pinned, "port": spec.get("port"),
                 "command": spec.get("command"), "cpu": spec["cpu"], "memory": spec["memory"],
                 "env": dict(spec.get("env") or {}), "secrets": {k: v["arn"] for k, v in refs.items()},
                 "log_group": ctx.results["log_group"]["name"], "log_stream_prefix": spec["name"],
                 "health_check_path": (spec.get("health_check") or {}).get("path")}
    out = ctx.cloud.register_task_definition(n["family"], container)
    return {"arn": out["arn"], "revision": out.get("revision")}


def load_balancer(ctx: Ctx):
    return _shared_resource(ctx, "load_balancer",
                            lambda: dict(ctx.cloud.ensure_load_balancer("launchbay", ctx.results["network"])))


def target_group(ctx: Ctx):
    hc = ctx.spec.get("health_check") or {}
    health = {"path": hc.get("path", "/"), "interval_seconds": hc.get("interval_seconds", 30),
              "timeout_seconds": hc.get("timeout_seconds", 5), "healthy_threshold": hc.get("healthy_threshold", 3),
              "unhealthy_threshold": hc.get("unhealthy_threshold", 3), "matcher": "200-399"}
    arn = ctx.cloud.ensure_target_group(names(ctx.dep)["target_group"], ctx.spec["port"], health,
                                        ctx.results["network"]["vpc_id"], ctx.spec.get("deregistration_delay", 30))
    return {"arn": arn}


def listener_rule(ctx: Ctx):
    host = ctx.spec.get("domain") or f"{ctx.spec['name']}.{ctx.dep['org_id']}.launchbay.internal"
    arn = ctx.cloud.ensure_listener_rule(ctx.results["load_balancer"]["listener_arn"], host, "/*",
                                         ctx.results["target_group"]["arn"])
    return {"arn": arn, "host": host}


# --- rollout ------------------------------------------------------------------

def ecs_service(ctx: Ctx, task_definition_arn: Optional[str] = None):
    spec = ctx.spec
    web = ctx.dep["kind"] == "web"
    out = ctx.cloud.ensure_service(
        names(ctx.dep)["service"], task_definition_arn or ctx.results["task_definition"]["arn"],
        max(spec.get("min_instances", 1), 1) if ctx.dep["kind"] != "cron" else 0, ctx.results["network"],
        target_group_arn=ctx.results["target_group"]["arn"] if web else None,
        container_name=spec["name"] if web else None, container_port=spec.get("port") if web else None)
    return {"arn": out.get("arn"), "deployment_id": out.get("deployment_id")}


def rollout(ctx: Ctx, env: Optional[dict] = None, service_step: str = "service"):
    deadline = ctx.step_started + ctx.ports.settings.deploy_timeout_seconds
    status = ctx.cloud.observe_rollout(names(ctx.dep)["service"], ctx.results[service_step].get("deployment_id") or "",
                                       env if env is not None else (ctx.spec.get("env") or {}), ctx.step_started)
    state = status.get("state")
    if state == "completed":
        return {"state": "completed", "running": status.get("running"), "desired": status.get("desired")}
    if state == "failed":
        raise StepFailed(status.get("reason") or "the rollout failed")
    waited = time.time() - ctx.step_started
    if time.time() > deadline:
        raise StepFailed(f"the rollout did not finish within {ctx.ports.settings.deploy_timeout_seconds} s "
                         f"({status.get('running', 0)} of {status.get('desired', '?')} tasks running; "
                         f"{status.get('reason') or 'no reason given by ECS'})")
    return Pending(min(ctx.ports.settings.rollout_poll_seconds, max(deadline - time.time(), 0.05)),
                   f"waiting for the rollout: {status.get('running', 0)} of {status.get('desired', '?')} tasks "
                   f"running, {waited:.0f} s elapsed")


def autoscaling(ctx: Ctx):
    spec = ctx.spec
    scaling = spec.get("autoscaling") or {}
    if spec.get("max_instances", 1) <= spec.get("min_instances", 1) and not scaling:
        return {"skipped": "min_instances equals max_instances"}
    web = ctx.dep["kind"] == "web"
    ctx.cloud.ensure_autoscaling(
        names(ctx.dep)["service"], max(spec.get("min_instances", 1), 1), spec["max_instances"],
        cpu_target=scaling.get("cpu_target", 60.0),
        requests_per_target=scaling.get("requests_per_target") if web else None,
        target_group_arn=ctx.results["target_group"]["arn"] if web else None,
        load_balancer_arn=ctx.results["load_balancer"]["arn"] if web else None)
    return {"min": spec.get("min_instances"), "max": spec["max_instances"]}


def certificate(ctx: Ctx):
    """Requested, not awaited: DNS validation can take hours, and the service already serves."""
    domain = ctx.spec.get("domain")
    if not domain:
        return {"skipped": "no custom domain"}
    cert = ctx.cloud.request_certificate(domain)
    in_route53 = ctx.cloud.upsert_dns_records(domain, cert.get("validation_records") or [])
    return {"arn": cert["arn"], "status": cert.get("status"), "validation_records": cert.get("validation_records"),
            "dns_managed": in_route53}


def schedule(ctx: Ctx):
    arn = ctx.cloud.ensure_schedule(names(ctx.dep)["rule"], ctx.spec["schedule"],
                                    ctx.results["task_definition"]["arn"], ctx.results["network"])
    return {"rule_arn": arn, "schedule": ctx.spec["schedule"]}


# --- plans ----------------------------------------------------------------------

Step = tuple[str, Callable[[Ctx], Any], str]   # (name, function, the status it runs in)

_COMMON: list[Step] = [("cluster", cluster, "provisioning"), ("network", network, "provisioning"),
                       ("log_group", log_group, "provisioning"), ("image", image, "provisioning"),
                       ("secrets", secrets, "provisioning"),
                       ("task_definition", task_definition, "provisioning")]
PLANS: dict[str, list[Step]] = {
    "web": _COMMON + [("load_balancer", load_balancer, "provisioning"), ("target_group", target_group, "provisioning"),
                      ("listener_rule", listener_rule, "provisioning"), ("service", ecs_service, "deploying"),
                      ("rollout", rollout, "deploying"), ("autoscaling", autoscaling, "deploying"),
                      ("certificate", certificate, "deploying")],
    "worker": _COMMON + [("service", ecs_service, "deploying"), ("rollout", rollout, "deploying"),
                         ("autoscaling", autoscaling, "deploying")],
    "cron": _COMMON + [("schedule", schedule, "deploying")],
}
# Steps after which AWS runs something new: a failure from here on needs a rollback.
TOUCHES_RUNTIME = {"service", "schedule"}


def stop_release(ports: Any, dep: dict[str, Any]) -> str:
    """Stop a cancelled first release: no tasks keep running, no schedule keeps firing."""
    done = {s["name"]: s.get("result") for s in dep["steps"] if s.get("status") == "done"}
    if dep["kind"] == "cron":
        ports.cloud.delete_schedule(names(dep)["rule"])
        return "its schedule was removed"
    if done.get("task_definition") and done.get("network"):
        web = dep["kind"] == "web" and done.get("target_group")
        ports.cloud.ensure_service(names(dep)["service"], done["task_definition"]["arn"], 0, done["network"],
                                   target_group_arn=done["target_group"]["arn"] if web else None,
                                   container_name=dep["spec"]["name"] if web else None,
                                   container_port=dep["spec"].get("port") if web else None)
        return "its ECS service was scaled to 0 tasks"
    return "nothing was running yet"


def rollback_plan(previous: dict[str, Any]) -> list[Step]:
    """Put the previous release's task definition back and wait for it to settle."""
    prev_td = previous.get("task_definition")
    prev_env = (previous.get("spec") or {}).get("env") or {}

    def restore(ctx: Ctx):
        if ctx.dep["kind"] == "cron":
            arn = ctx.cloud.ensure_schedule(names(ctx.dep)["rule"], previous["spec"]["schedule"], prev_td,
                                            ctx.results["network"])
            return {"rule_arn": arn, "task_definition": prev_td}
        return {**ecs_service(ctx, prev_td), "task_definition": prev_td}

    def settle(ctx: Ctx):
        if ctx.dep["kind"] == "cron":
            return {"state": "completed"}
        return rollout(ctx, env=prev_env, service_step="rollback.service")

    return [("rollback.service", restore, "rolling_back"), ("rollback.rollout", settle, "rolling_back")]
