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
    from chalicelib.catalog import environments
    from chalicelib.deploys import canary

    dep["canary"] = canary.for_new_release(service, False, environments.of_service(ports, service))
    todo = steps.of_deployment(dep)
    if service.get("source"):   # built first: the image is known only once the build has run
        dep.update(build=build.build_of(service), number=0)
        spec["image"] = dep["image"] = plan.KnownAfterApply("build")["image"]
        todo = build.STEPS + todo
    ctx = steps.Ctx(ports=ports, dep=dep, preview=True)
    out: list[dict[str, Any]] = []
    for step in todo:
        # a wait changes nothing: it says what it would wait for (each its own kind of wait)
        planner = step.describe if step.wait is not None else step.plan
        assert planner is not None
        try:
            planned = planner(ctx)
        except Exception as exc:  # e.g. an ECR tag that does not exist: the deploy would fail here
            out.append({"step": step.name, "resource": step.acts_on, "name": "", "action": "error", "changes": {},
                        "calls": [], "error": str(exc) if isinstance(exc, steps.StepFailed) else f"{type(exc).__name__}: {exc}"})
            if step.wait is None:
                ctx.results[step.name] = plan.KnownAfterApply(step.name)
            continue
        out.append(planned.public())
        if step.wait is None:   # a wait's result (the built image, the rollout) is known only once it has run
            ctx.results[step.name] = planned.result if planned.result is not None else plan.KnownAfterApply(step.name)
    counts: dict[str, int] = {}
    for entry in out:
        counts[entry["action"]] = counts.get(entry["action"], 0) + 1
    return {"service_id": service_id, "sandbox": ports.settings.sandbox, "target": placement.public(dep["target"]),
            "steps": out, "summary": counts, "cost": service_change(ports, service),
            "message": "nothing would change in AWS but the rollout" if not counts.get("create") and not counts.get("update")
            else f"{counts.get('create', 0)} to create, {counts.get('update', 0)} to change"}
