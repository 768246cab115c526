"""Suspend and resume a service (Render's "Suspend service", Heroku's scale to 0).

Suspend is an operation, not a deployment: nothing new is released, and the AWS side (below,
run by a Celery task) is a few idempotent calls on what the live release made: ECS desired
count 0 with autoscaling held at 0..0, or the cron rule disabled; a web service's host rules
answer 503 "service suspended". Nothing is remembered that the release's settings do not say.

Resume is a deployment (`resume_of` the live release, like a restart's `restart_of`): it runs
the same image, settings and secret versions through the engine, whose steps put the task
count, autoscaling range, schedule and host rules back from those settings and wait for
health, with the deploy's rollback if the release no longer starts. So a resume shows in the
deployment history and its log, and the lifecycle's rules settle the service as for any deploy.

A deploy, rollback or restart while suspended is refused (409, "resume it first"): a release
that went live with 0 tasks would say live and run nothing.
"""
from __future__ import annotations

import logging
from typing import Any, Optional

from chalicelib import tasks
from chalicelib.catalog.service import get_service, public_service
from chalicelib.cloud import naming
from chalicelib.core.context import Actor, Ports
from chalicelib.core.errors import StateConflict
from chalicelib.core.ids import iso_from_epoch
from chalicelib.deploys import service as deploys
from chalicelib.deploys.steps import step_result
from chalicelib.lifecycle import states, suspension
from chalicelib.store.port import iter_all

log = logging.getLogger("launchbay.deploys")


def suspend(ports: Ports, actor: Actor, org_id: str, service_id: str,
            idempotency_key: Optional[str] = None) -> tuple[dict[str, Any], bool]:
    """-> (the service, whether this request suspended it). A retried request (same key) gets
    the service again; the AWS side runs in the worker (the service says `suspending`)."""
    service = get_service(ports, actor, org_id, service_id, "deploy")
    key = deploys.checked_key(idempotency_key)
    if key and (service.get("suspended") or {}).get("key") == key:
        return public_service(service), False
    if service["status"] == "deleting":
        raise StateConflict("the service is being deleted", field="service")
    if service["status"] in states.SUSPENDED:
        raise StateConflict(f"{service['name']} is already {service['status']}", field="status")
    deploys.live_release(ports, service, "suspend")
    busy = deploys.under_way(ports, service_id)
    if busy:
        raise StateConflict(f"deployment #{busy['number']} is {busy['status']}: suspend once it has settled",
                            field="status")
    if service["status"] != "live":
        raise StateConflict(f"a {service['status']} service cannot be suspended", field="status")
    new = suspension.begin(ports, service, actor, key)
    if new is None:
        raise StateConflict("the service changed meanwhile: try again", field="status")
    queue(ports, service_id)
    return public_service(new), True


def queue(ports: Ports, service_id: str) -> None:
    try:
        ports.queue.publish(tasks.SUSPEND_SERVICE, service_id)
    except Exception as exc:  # the broker is unreachable: beat's requeue_stalled publishes it later
        log.warning("suspension of %s stored but not published (%s)", service_id, type(exc).__name__)


def resume(ports: Ports, actor: Actor, org_id: str, service_id: str,
           idempotency_key: Optional[str] = None) -> tuple[dict[str, Any], bool]:
    """-> (the resume deployment, created): the live release run again with its own settings."""
    service = get_service(ports, actor, org_id, service_id, "deploy")
    first = deploys.first_answer(ports, service_id, idempotency_key)   # a retried request gets its first answer
    if first:
        return first, False
    if service["status"] == "suspending":
        raise StateConflict(f"{service['name']} is still being suspended: resume it once it is suspended",
                            field="status")
    if service["status"] != "suspended":
        raise StateConflict(f"{service['name']} is not suspended ({service['status']})", field="status")
    live = deploys.live_release(ports, service, "resume")
    return deploys._new_deployment(ports, actor, service, None, idempotency_key, resume_of=live)   # authorized above


# --- the AWS side (worker) ---------------------------------------------------------------

def run(ports: Ports, service_id: str) -> str:
    """Stop what the live release runs. Every call is idempotent, so a redelivered task (a killed
    worker) or one queued again by beat does what is left; it ends by marking the service
    suspended, and resolving its open alerts (nothing evaluates a suspended service)."""
    service = ports.store.collection("services").get(service_id)
    if service is None:
        return "gone"
    if service["status"] != "suspending":
        return f"not suspending ({service['status']})"
    live = ports.store.collection("deployments").get(service.get("live_deployment_id") or "") or {}
    names, cloud = naming.of_deployment(live) if live else naming.of_service(service), \
        ports.cloud_for(live.get("target"))
    try:
        if service["kind"] == "cron":
            cloud.disable_schedule(names.rule)
            what = f"its schedule {names.rule} disabled"
        else:
            cloud.scale_to_zero(names.service)
            what = "scaled to 0 tasks, autoscaling held at 0"
            if service["kind"] == "web":
                what += _answer_suspended(ports, cloud, service, live)
    except Exception as exc:
        suspension.failed(ports, service, f"{type(exc).__name__}: {exc}")
        raise
    from chalicelib.observe import alerts

    alerts.resolve_for(ports, service, "the service was suspended")
    suspension.done(ports, service)
    return f"suspended: {what}"


def _answer_suspended(ports: Ports, cloud: Any, service: dict[str, Any], live: dict[str, Any]) -> str:
    from chalicelib.deploys.teardown import _routing

    listener, _ = _routing(cloud, live)
    if not (listener and listener.get("listener_arn")):
        return ""
    from chalicelib.deploys.steps import routed_hosts

    internal = (step_result(live, "listener_rule") or {}).get("host")
    hosts = sorted(({internal} if internal else set()) | {h["host"] for h in routed_hosts(step_result(live, "domain_rule"))})
    # a custom domain served over HTTPS: there too (its HTTP rule redirects to it)
    listeners = [listener["listener_arn"]] + ([listener["https_listener_arn"]] if listener.get("https_listener_arn") else [])
    held = [h for h in hosts if [arn for arn in listeners if cloud.answer_suspended(arn, h, "/*", service["id"])]]
    return f"; {', '.join(held)} answer 503 \"service suspended\"" if held else ""


STALE_SECONDS = 120   # a suspension whose task was lost (Redis down, a killed worker) is queued again


def requeue_stalled(ports: Ports, now: Optional[float] = None) -> int:
    """Beat: each `suspending` service untouched for STALE_SECONDS, queued again. -> how many."""
    import time

    cutoff = iso_from_epoch((now or time.time()) - STALE_SECONDS)
    n = 0
    for service in iter_all(ports.store.collection("services"), {"status": "suspending"}):
        if service["updated"] < cutoff:
            queue(ports, service["id"])
            n += 1
    return n
