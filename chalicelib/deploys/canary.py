"""Canary releases (a web service's `canary` setting): before the new release replaces the
old one, it runs as a second, small ECS service in a target group of its own, and the
service's listener rules send it `percent` of the requests (a weighted forward). For
`minutes` the load balancer's counts of that target group are read: more 5xx answers than
`max_5xx_percent`, or (when set) a 95th percentile response time above `max_p95_ms`, fail the
step, and the deployment rolls back with nothing else changed
(the old release kept serving the rest). Passed, or ended early by a person
(POST …/deployments/{id}/proceed), the release rolls out as usual and the canary is retired:
the rules forward to the service's own target group alone and the canary service is deleted.

With a `ramp` ([25, 50]), each larger share is a stage of its own after the first watch: the
canary service grows to that share of the tasks (`canary.service@25`, `canary.rollout@25`),
the rules send it that share (`canary.traffic@25`), and it is watched again for `minutes`
with the same limits (`canary.analysis@25`). A proceed skips the stages not yet begun.

Only a new release of a service with a live one has a canary (a first release has no
traffic to share; a rollback, restart or resume runs a release that went live already).
Every step converges, so a worker killed anywhere resumes where the deployment's record
says; the watch keeps its progress on the deployment (`canary_watch`), so no minute of
simulated metrics is published twice."""
from __future__ import annotations

import math
import time
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Optional

from chalicelib.cloud import capacity as capacities
from chalicelib.core.ids import iso_from_epoch
from chalicelib.deploys.plan import Action, Call, KnownAfterApply, StepPlan, known

if TYPE_CHECKING:
    from chalicelib.deploys.steps import Ctx, Pending

STEPS = ("canary.target_group", "canary.attach", "canary.service", "canary.rollout", "canary.traffic", "canary.analysis")
RETIRE = "canary.retire"
ROLLBACK = "rollback.canary"
OPEN = ("waiting", "starting", "watching")   # states with a watch still to end (proceed, or a newer release)
MIN_REQUESTS = 20        # fewer answers than this in the watch say nothing about the error rate
LOOK_SECONDS = 15.0      # how often the watch reads the load balancer's counts


def for_new_release(service: dict[str, Any], release: bool, env: dict[str, Any]) -> Optional[dict[str, Any]]:
    """The canary a new deployment gets (the service's setting then, stored on it), or None. How a
    release goes out is not what it runs: the setting is not in the spec, nor its fingerprint. A
    preview environment's releases take its pull request's traffic at once: no canary there."""
    wanted = service.get("canary")
    if release or not wanted or service.get("kind") != "web" or not service.get("live_deployment_id") \
            or env.get("preview"):
        return None
    from chalicelib.catalog.models import Canary

    return Canary.model_validate(wanted).model_dump()   # every field, as the API stores it


def stages(canary: dict[str, Any]) -> list[int]:
    """The shares the canary is watched at, in order: `percent`, then its ramp."""
    return [int(canary["percent"]), *[int(p) for p in canary.get("ramp") or []]]


def stage_step(name: str, percent: int) -> str:
    """A ramp stage's step: "canary.analysis@25" (the first stage's steps carry no share)."""
    return f"{name}@{percent}"


def size(dep: dict[str, Any], percent: Optional[int] = None, running: Optional[int] = None) -> int:
    """Tasks of the canary: its share of the service's tasks (the first stage's share unless
    given), at least one. The service's tasks: as many as run now (`running`: autoscaling may
    have added some), at least its minimum."""
    desired = max(int((dep.get("spec") or {}).get("min_instances") or 1), int(running or 0), 1)
    return max(1, math.ceil(desired * (percent or dep["canary"]["percent"]) / 100))


def tasks_of(dep: dict[str, Any], share: int) -> int:
    """The canary's tasks at a share as its step made them (the estimate before it ran)."""
    step = stage_step("canary.service", share) if share != dep["canary"]["percent"] else "canary.service"
    made = next((s.get("result") or {} for s in dep.get("steps") or [] if s["name"] == step and s.get("status") == "done"),
                {})
    return int(made.get("tasks") or size(dep, share))


def began(dep: dict[str, Any]) -> bool:
    """Whether the deployment started a canary: its retirement (or its rollback's) is owed."""
    return any(s["name"] == STEPS[0] for s in dep.get("steps") or [])


def _is_canary_step(name: str) -> bool:
    return name.split("@", 1)[0] in STEPS


def _watches(dep: dict[str, Any], entries: dict[str, Any]) -> list[tuple[int, dict[str, Any]]]:
    """(share, step entry) of each watch the deployment reached, in stage order."""
    shares = stages(dep["canary"]) if dep.get("canary") else []
    names = ["canary.analysis"] + [stage_step("canary.analysis", p) for p in shares[1:]]
    return [(p, entries[n]) for p, n in zip(shares, names) if n in entries]


def state_of(dep: dict[str, Any]) -> str:
    """waiting | starting | watching | passed | proceeded | failed | not_started, from the steps."""
    entries = {s["name"]: s for s in dep.get("steps") or []}
    if any(s.get("status") == "failed" for n, s in entries.items() if _is_canary_step(n)):
        return "failed"
    watches = _watches(dep, entries)
    if watches:
        last_share, last = watches[-1]
        state = (last.get("result") or {}).get("state") if last.get("status") == "done" else None
        if state == "proceeded" or (state and last_share == stages(dep["canary"])[-1]):
            return str(state)
        return "watching"
    if any(_is_canary_step(n) for n in entries):
        return "starting"
    from chalicelib.lifecycle import states

    return "not_started" if states.settled(dep) else "waiting"


def public(dep: dict[str, Any]) -> Optional[dict[str, Any]]:
    """The deployment's canary as the API shows it: settings, state, what the watch counted."""
    if not dep.get("canary"):
        return None
    watch = dep.get("canary_watch") or {}
    entries = {s["name"]: s for s in dep.get("steps") or []}
    retired = any(entries.get(n, {}).get("status") == "done" for n in (RETIRE, ROLLBACK))
    shares, reached = stages(dep["canary"]), _watches(dep, entries)
    share = reached[-1][0] if reached else shares[0]
    return {**dep["canary"], "ramp": dep["canary"].get("ramp") or [], "baseline": bool(dep["canary"].get("baseline")),
            "state": state_of(dep),
            "share": share, "stage": shares.index(share) + 1, "stages": len(shares),
            "tasks": tasks_of(dep, share), "retired": retired,
            "requests": watch.get("requests"), "http_5xx": watch.get("http_5xx"), "p95_ms": watch.get("p95_ms"),
            "baseline_requests": watch.get("baseline_requests"), "baseline_http_5xx": watch.get("baseline_http_5xx"),
            "watch_started": watch.get("started"), "watch_ends": watch.get("ends"),
            "proceed": dep.get("canary_proceed")}


# --- the steps ---------------------------------------------------------------------------

def target_group(ctx: Ctx) -> StepPlan:
    from chalicelib.deploys.steps import target_group as plan

    return plan(ctx, ctx.names.canary_target_group, "canary.target_group")


def _proceeded(ctx: Ctx, step: str, resource: str) -> Optional[StepPlan]:
    """A later stage's change once a person proceeded: nothing to do (the rollout takes over)."""
    if not ctx.dep.get("canary_proceed"):
        return None
    return StepPlan(step, resource, ctx.names.canary_service, "skip", {}, [], {"skipped": "proceeded"},
                    description="the watch was ended by a person: the release rolls out to every task")


def service(ctx: Ctx, percent: Optional[int] = None) -> StepPlan:
    """The canary's own ECS service: the new task definition, its share of the tasks, its own
    target group (the service's tasks keep theirs). A ramp stage (`percent`) grows it."""
    from chalicelib.deploys.steps import _plan

    step = stage_step("canary.service", percent) if percent else "canary.service"
    skipped = _proceeded(ctx, step, "ECS service (canary)") if percent else None
    if skipped:
        return skipped
    # no cluster yet (a preview before the first deploy): there is no service either
    known_cluster = not isinstance(ctx.results.get("cluster"), KnownAfterApply)
    main = ctx.cloud.describe_service(ctx.names.service) if known_cluster else None
    name, td = ctx.names.canary_service, ctx.results["task_definition"]["arn"]
    count = size(ctx.dep, percent, (main or {}).get("desired"))
    found = ctx.cloud.describe_service(name) if known_cluster else None
    changes = {k: v for k, v in {"task_definition": [found.get("task_definition"), td],
                                 "desired": [found.get("desired"), count]}.items() if v[0] != v[1]} if found else {}
    kwargs = {"name": name, "task_definition_arn": td, "desired_count": count, "network": ctx.results["network"],
              "target_group_arn": ctx.results["canary.target_group"]["arn"], "container_name": ctx.spec["name"],
              "container_port": ctx.spec.get("port"), "capacity": capacities.strategy(ctx.spec.get("spot"))}
    return _plan(step, "ECS service (canary)", name, found, changes, [Call("ensure_service", kwargs)],
                 None, lambda outs: {"arn": outs[-1].get("arn"), "deployment_id": outs[-1].get("deployment_id"),
                                     "tasks": count}, always=True)


def rollout(ctx: Ctx, percent: Optional[int] = None) -> dict[str, Any] | Pending:
    from chalicelib.deploys.steps import rollout as wait

    step = stage_step("canary.service", percent) if percent else "canary.service"
    if percent and (ctx.results.get(step) or {}).get("skipped"):
        return {"skipped": "proceeded"}
    return wait(ctx, service_step=step, service_name=ctx.names.canary_service)


def describe_rollout(ctx: Ctx, percent: Optional[int] = None) -> StepPlan:
    path = (ctx.spec.get("health_check") or {}).get("path") or "/"
    verb = "grow the canary to" if percent else "start"
    return StepPlan(stage_step("canary.rollout", percent) if percent else "canary.rollout", "rollout (canary)",
                    ctx.names.canary_service, "wait",
                    description=f"{verb} {size(ctx.dep, percent)} task(s) of the new release beside the live ones "
                                f"and wait until they pass the health check on {path}")


def _hosts(ctx: Ctx) -> list[tuple[str, Any]]:
    """(host, listener) of each rule that forwards to the service: its internal host on HTTP, and
    its custom domain once verified (on HTTPS once served there: its HTTP rule only redirects)."""
    from chalicelib.deploys.steps import routed_hosts

    http = ctx.results["load_balancer"]["listener_arn"]
    internal = ctx.results.get("listener_rule")
    out = [(internal["host"], http)] if isinstance(internal, dict) and internal.get("host") else []
    for r in routed_hosts(ctx.results.get("domain_rule")):
        if r.get("redirects_to"):   # an alias sending its visitors to the domain: nothing to share there
            continue
        https = r.get("https") if isinstance(r.get("https"), dict) else None
        out.append((r["host"], https.get("listener_arn") or http if https else http))
    return out


def _route(ctx: Ctx, step: str, percent: int, attach: bool = False) -> StepPlan:
    """Every host of the service forwards `percent` to the canary's target group, the rest to the
    service's own (0: the service's own alone; with `attach`, the canary's group named at weight 0)."""
    from chalicelib.deploys.steps import maintenance_message, rule_sources

    down = maintenance_message(ctx)   # in maintenance every rule answers its page, whatever the shares
    split = bool(percent) or attach
    main = ctx.results["target_group"]["arn"]
    made = ctx.results.get("canary.target_group")   # (not `or {}`: a KnownAfterApply is an empty dict)
    canary_tg = made.get("arn") if made is not None else None
    if not canary_tg and step != "canary.traffic":   # no canary was made (a rollback of one that failed first)
        canary_tg = (ctx.cloud.find_target_group(ctx.names.canary_target_group) or {}).get("arn")
    routes, calls, changes = _hosts(ctx), [], {}
    hosts = [h for h, _ in routes]
    for host, listener in routes:
        found = ctx.cloud.find_listener_rule(listener, host, "/*") if known(listener) else None
        now = (found or {}).get("weights") or ({found["target_group_arn"]: 100} if found else {})
        wanted = {main: 100 - percent, **({canary_tg: percent} if split else {})}
        if now != wanted:
            changes[host] = [_shares(now, canary_tg), _shares(wanted, canary_tg)]
        calls.append(Call("ensure_listener_rule", {
            "listener_arn": listener, "host": host, "path": "/*", "target_group_arn": main,
            "owner": ctx.dep["service_id"], "allowed_ips": rule_sources(ctx.spec),
            **({"maintenance": down} if down is not None else {}),
            "canary": {"target_group_arn": canary_tg, "percent": percent} if split else None}))
    action: Action = "update" if changes else "no-op"
    result = {"hosts": hosts, "percent": percent}
    return StepPlan(step, "listener rules (canary share)", ", ".join(hosts) or "-", action, changes, calls,
                    result if action == "no-op" else None, lambda outs: result, True)


def _shares(weights: dict[str, int], canary_tg: Optional[str]) -> str:
    share = weights.get(canary_tg or "", 0) if canary_tg else 0
    if share:
        return f"{share} % to the canary"
    return "all to the service, the canary's group named at 0 %" if canary_tg in weights else "all to the service"


def attach(ctx: Ctx) -> StepPlan:
    """The canary's target group joins the service's rules at weight 0, before its ECS service is
    made: ECS refuses a target group no load balancer uses ("does not have an associated load
    balancer"). No request goes to it yet."""
    return _route(ctx, "canary.attach", 0, attach=True)


def traffic(ctx: Ctx, percent: Optional[int] = None) -> StepPlan:
    if percent:
        return _proceeded(ctx, stage_step("canary.traffic", percent), "listener rules (canary share)") \
            or _route(ctx, stage_step("canary.traffic", percent), percent)
    return _route(ctx, "canary.traffic", int(ctx.dep["canary"]["percent"]))


def analysis(ctx: Ctx, percent: Optional[int] = None) -> dict[str, Any] | Pending:
    """Read the canary target group's requests and 5xx answers since its traffic began (this
    stage's): too many 5xx fail at once (the deployment rolls back); after `minutes`, or when a
    person says so, it passes."""
    from chalicelib.deploys.steps import Pending, StepFailed

    canary, dep = ctx.dep["canary"], ctx.dep
    traffic = percent or int(canary["percent"])   # this stage's share of the requests
    if percent and dep.get("canary_proceed"):   # a person ended the watch at an earlier stage
        return {"state": "proceeded", "by": dep["canary_proceed"]["by"], "skipped": True}
    started = ctx.step_started
    ends = started + canary["minutes"] * 60
    now = time.time()
    requests, errors, p95 = _counts(ctx, started, now, traffic)
    share = 100.0 * errors / requests if requests else 0.0
    limit = canary.get("max_p95_ms")
    # whole minutes: the deploy log gets a line when this changes, about once a minute (the counts
    # are one-minute sums too), not at every look
    watched = f"{int(max(now - started, 0) // 60)} of {canary['minutes']} min watched"
    counted = f"{share:.1f} % 5xx of {requests} request{'s' if requests != 1 else ''}" + \
        (f", p95 {p95:,.0f} ms" if limit and p95 is not None else "")
    kept = f"the old release kept serving the other {100 - traffic} %"
    allowed, said = float(canary["max_5xx_percent"]), f"at most {canary['max_5xx_percent']:g} % allowed"
    live: Optional[float] = None
    if canary.get("baseline"):   # against the live release's own share over the same minutes
        live = _baseline(ctx, started, now)
        if live is None:   # too few of its requests to compare with: the limit itself
            said += " (the live release had too few requests to compare with)"
        else:
            allowed += live
            said = f"the live release answered {live:.1f} %: at most {allowed:.1f} % allowed"
            counted += f" (live release {live:.1f} %)"
    if requests >= MIN_REQUESTS and share > allowed:
        raise StepFailed(f"the canary answered {counted} in {_minutes(now - started)} min ({said}); {kept}")
    if limit and requests >= MIN_REQUESTS and p95 is not None and p95 > limit:
        raise StepFailed(f"the canary's 95th percentile response time was {p95:,.0f} ms over "
                         f"{_minutes(now - started)} min (at most {limit:,} ms allowed); {kept}")
    result: dict[str, Any] = {"requests": requests, "http_5xx": errors, "percent_5xx": round(share, 2),
                              "minutes": round((now - started) / 60, 1),
                              **({"baseline_percent_5xx": round(live, 2)} if live is not None else {}),
                              **({"p95_ms": round(p95)} if p95 is not None else {})}
    if dep.get("canary_proceed"):
        return {**result, "state": "proceeded", "by": dep["canary_proceed"]["by"]}
    if now >= ends:
        if requests < MIN_REQUESTS:
            result["note"] = f"only {requests} requests reached the canary: too few to judge its error rate"
        return {**result, "state": "passed"}
    stage = f" (stage {stages(canary).index(traffic) + 1} of {len(stages(canary))})" if canary.get("ramp") else ""
    return Pending(min(LOOK_SECONDS, max(ends - now, 0.05)),
                   f"canary: {traffic} % of traffic{stage}, {watched}, {counted}")


def _baseline(ctx: Ctx, started: float, now: float) -> Optional[float]:
    """The live release's 5xx share (%) over the watch's minutes, read from the service's own
    target group (the canary's requests are in the canary's group); recorded on the watch. None
    with fewer than MIN_REQUESTS of its requests: nothing to compare with."""
    from chalicelib.cloud import metrics as cw

    dep, cloud = ctx.dep, ctx.cloud
    lb, tg = ctx.results["load_balancer"]["arn"], ctx.results["target_group"]["arn"]
    if cloud.sandbox:   # the live release's simulated minutes, each sent once (observe/alerts.py keeps track)
        from chalicelib.observe.alerts import publish_sandbox_metrics

        service = ctx.ports.store.collection("services").get(dep["service_id"])
        if service:
            publish_sandbox_metrics(ctx.ports, service, now)
    dims = cw.target_dimensions(tg, lb)
    queries = [cw.MetricQuery(id=key, namespace=cw.SERIES[key][0], metric=cw.SERIES[key][1], stat=cw.SERIES[key][2],
                              dimensions=dims) for key in ("requests", "http_5xx")]
    data = cloud.get_metric_data(queries, datetime.fromtimestamp(int(started // 60 * 60), timezone.utc),
                                 datetime.fromtimestamp(now + 60, timezone.utc), 60)
    requests, errors = (int(sum(data.get(key, {}).values())) for key in ("requests", "http_5xx"))
    watch = dict(dep.get("canary_watch") or {})
    watch.update(baseline_requests=requests, baseline_http_5xx=errors)
    if ctx.ports.store.collection("deployments").update(dep["id"], {"canary_watch": watch},
                                                        expect={"lease_owner": dep.get("lease_owner")}) is not None:
        dep["canary_watch"] = watch
    return 100.0 * errors / requests if requests >= MIN_REQUESTS else None


def _minutes(seconds: float) -> str:
    return f"{max(seconds, 0) / 60:.0f}" if seconds >= 90 else f"{max(seconds, 0) / 60:.1f}"


def _counts(ctx: Ctx, started: float, now: float, share: int) -> tuple[int, int, Optional[float]]:
    """(requests, 5xx answers, p95 response time in ms or None) of the canary's target group since
    `started`; recorded on the deployment as the watch's progress. The p95 is each minute's p95
    weighted by that minute's requests (CloudWatch keeps percentiles per period, not their parts)."""
    from chalicelib.cloud import metrics as cw

    dep, cloud = ctx.dep, ctx.cloud
    lb, tg = ctx.results["load_balancer"]["arn"], ctx.results["canary.target_group"]["arn"]
    watch = dict(dep.get("canary_watch") or {})
    first = int(started // 60 * 60)
    if cloud.sandbox:   # the sandbox's simulated tasks report what the load balancer would count
        after = int(watch.get("published_until") or first - 60)
        watch["published_until"] = cloud.publish_simulated_metrics(  # type: ignore[attr-defined]
            ctx.names.canary_service, tg, lb, after, now=now)
    dims = cw.target_dimensions(tg, lb)
    queries = [cw.MetricQuery(id=key, namespace=cw.SERIES[key][0], metric=cw.SERIES[key][1], stat=cw.SERIES[key][2],
                              dimensions=dims) for key in ("requests", "http_5xx", "latency_p95")]
    data = cloud.get_metric_data(queries, datetime.fromtimestamp(first, timezone.utc),
                                 datetime.fromtimestamp(now + 60, timezone.utc), 60)
    per_minute = data.get("requests", {})
    requests, errors = (int(sum(data.get(key, {}).values())) for key in ("requests", "http_5xx"))
    weighted = [(v, per_minute.get(t, 0.0)) for t, v in data.get("latency_p95", {}).items()]
    weight = sum(w for _, w in weighted)
    p95 = 1000.0 * sum(v * w for v, w in weighted) / weight if weight else None   # seconds -> ms
    watch.update(requests=requests, http_5xx=errors, p95_ms=round(p95) if p95 is not None else None, share=share,
                 started=iso_from_epoch(started), ends=iso_from_epoch(started + dep["canary"]["minutes"] * 60))
    got = ctx.ports.store.collection("deployments").update(dep["id"], {"canary_watch": watch},
                                                           expect={"lease_owner": dep.get("lease_owner")})
    if got is not None:
        dep["canary_watch"] = watch
    return requests, errors, p95


def describe_analysis(ctx: Ctx, percent: Optional[int] = None) -> StepPlan:
    c = ctx.dep["canary"]
    return StepPlan(stage_step("canary.analysis", percent) if percent else "canary.analysis", "canary watch",
                    ctx.names.canary_service, "wait",
                    description=f"send {percent or c['percent']} % of the requests to the new release for {c['minutes']} min; "
                                f"more than {c['max_5xx_percent']:g} "
                                + ("points of 5xx answers above the live release's share" if c.get("baseline")
                                   else "% 5xx answers")
                                + (f" or a p95 response time above {c['max_p95_ms']:,} ms" if c.get("max_p95_ms") else "")
                                + " roll the deploy back")


def retire(ctx: Ctx, step: str = RETIRE) -> StepPlan:
    """The rules forward to the service's own target group alone; the canary service goes."""
    plan = _route(ctx, step, 0)
    name = ctx.names.canary_service
    plan.calls = plan.calls + [Call("delete_service", {"name": name})]
    plan.resource, plan.name, plan.action = "canary", name, "delete"
    plan.changes = {**plan.changes, "canary service": [name, None]}
    plan.shape = lambda outs: {"retired": name}
    plan.result = None
    return plan


def rollback(ctx: Ctx) -> StepPlan:
    return retire(ctx, ROLLBACK)
