"""What the next deploy of a service would do in AWS, field by field, without touching
anything: the display executor over the same step planners the engine runs."""
from __future__ import annotations

from typing import Any

from chalicelib.catalog.service import effective_spec, get_service
from chalicelib.core.context import Actor, Ports
from chalicelib.cost.plans import service_change
from chalicelib.deploys import build, placement, plan, steps


def preview(ports: Ports, actor: Actor, org_id: str, service_id: str) -> dict[str, Any]:
    service = get_service(ports, actor, org_id, service_id)
    spec = effective_spec(ports, service)
    dep = {"id": "(next deployment)", "org_id": org_id, "service_id": service_id, "service_name": service["name"],
           "project_id": service["project_id"], "environment_id": service.get("environment_id"), "kind": service["kind"], "spec": spec, "image": spec["image"],
           "secret_refs": None, "steps": [], "target": placement.for_new_deployment(ports, service)}
    todo = steps.STEPS[service["kind"]]
    if service.get("source"):   # built first: the image is known only once the build has run
        dep.update(build=build.build_of(service), number=0)
        spec["image"] = dep["image"] = plan.KnownAfterApply("build")["image"]
        todo = build.STEPS + todo
    ctx = steps.Ctx(ports=ports, dep=dep, preview=True)
    out: list[dict[str, Any]] = []
    for step in todo:
        if step.wait is not None:
            what = {"build": "build", "release": "release command"}.get(step.name, "rollout")
            started = ctx.results.get("release.start")
            skipped = step.name == "release" and not isinstance(started, plan.KnownAfterApply) \
                and bool((started or {}).get("skipped"))
            out.append({"step": step.name, "resource": what, "name": ctx.names.service,
                        "action": "skip" if skipped else "wait", "changes": {}, "calls": []})
            continue
        assert step.plan is not None
        try:
            planned = step.plan(ctx)
        except Exception as exc:  # e.g. an ECR tag that does not exist: the deploy would fail here
            out.append({"step": step.name, "resource": step.name, "name": "", "action": "error", "changes": {},
                        "calls": [], "error": f"{type(exc).__name__}: {exc}"})
            ctx.results[step.name] = plan.KnownAfterApply(step.name)
            continue
        out.append(planned.public())
        ctx.results[step.name] = planned.result if planned.result is not None else plan.KnownAfterApply(step.name)
    counts: dict[str, int] = {}
    for entry in out:
        counts[entry["action"]] = counts.get(entry["action"], 0) + 1
    return {"service_id": service_id, "sandbox": ports.settings.sandbox, "target": placement.public(dep["target"]),
            "steps": out, "summary": counts, "cost": service_change(ports, service),
            "message": "nothing would change in AWS but the rollout" if not counts.get("create") and not counts.get("update")
            else f"{counts.get('create', 0)} to create, {counts.get('update', 0)} to change"}
