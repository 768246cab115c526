"""Deleting a service: remove what it runs on AWS, then its documents."""
from __future__ import annotations

import logging
import time
from typing import Any, Optional

from chalicelib import lifecycle
from chalicelib.audit import service as audit
from chalicelib.catalog import domains
from chalicelib.cloud import naming
from chalicelib.cloud.port import Cloud
from chalicelib.core.context import SYSTEM, Ports
from chalicelib.core.ids import iso_from_epoch, now_iso
from chalicelib.deploys.placement import cloud_of, of_service
from chalicelib.deploys.steps import internal_host, routed_hosts, step_result
from chalicelib.observe import alerts
from chalicelib.store.port import iter_all

log = logging.getLogger(__name__)


def _planned_name(dep: dict[str, Any], step: str) -> Optional[str]:
    return next((str((s.get("plan") or {}).get("name") or "") or None for s in dep.get("steps") or []
                 if s["name"] == step), None)


def _routing(cloud: Cloud, live: dict[str, Any]) -> tuple[Optional[dict[str, Any]], Optional[dict[str, Any]]]:
    """The load balancer and target group the live release used, as they are now, found by the
    names its plan recorded: a recorded ARN can be gone (the load balancer made again, its
    environment torn down, a sandbox restored from its recording). Gone: None, nothing to undo.
    A release from before plans were recorded: its recorded results."""
    lb_name, tg_name = _planned_name(live, "load_balancer"), _planned_name(live, "target_group")
    listener = cloud.find_load_balancer(lb_name) if lb_name else step_result(live, "load_balancer")
    tg = cloud.find_target_group(tg_name) if tg_name else step_result(live, "target_group")
    return listener, tg


class _Doing:
    """What the teardown is doing now, so that a refusal is told with the step it stopped at."""
    what = "finding the AWS account the service runs in"


def run(ports: Ports, service_id: str, retries_left: bool = False) -> str:
    """Remove what the service runs on AWS, then its documents. Every delete below is idempotent,
    so a run after a failed one (the DELETE sent again) finishes what the first began. A failure
    is recorded in words on the service (`teardown`) and raised; `retries_left`: the worker will
    try again by itself when the error is a transient one."""
    store = ports.store
    service = store.collection("services").get(service_id)
    if service is None:
        return "already gone"
    if service["status"] != "deleting":
        return f"not deleting ({service['status']})"
    doing = _Doing()
    try:
        secrets = _remove_from_aws(ports, service, doing)
    except Exception as exc:
        _failed(ports, service, doing.what, exc, retries_left and ports.cloud.is_retryable(exc))
        raise
    alerts.resolve_for_deleted(ports, service)   # nothing evaluates them once the service is gone
    with store.transaction():
        for s in secrets:
            store.collection("secrets").delete(s["id"])
        domains.release(ports, service_id)   # the domain is free for another service now
        # its links: the resources it used may be deleted now (they were refused as still linked)
        store.collection("resource_links").delete_many({"service_id": service_id})
        store.collection("deploy_hooks").delete_many({"service_id": service_id})   # its URL deploys nothing now
        store.collection("services").delete(service_id)   # the store tells search
    if service.get("environment_id"):   # an environment removed by an apply goes with its last service
        from chalicelib.catalog.environments import remove_if_retired

        remove_if_retired(ports, service["environment_id"])
    return "deleted"


def _remove_from_aws(ports: Ports, service: dict[str, Any], doing: _Doing) -> list[dict[str, Any]]:
    """-> the service's secret documents (their parameters are gone; the caller deletes them)."""
    store, service_id = ports.store, service["id"]
    n = naming.of_service(service)
    cloud = cloud_of(ports, service)   # the account and region it runs in
    if service["kind"] == "cron":
        doing.what = f"deleting the schedule {n.rule}"
        cloud.delete_schedule(n.rule)
    else:
        doing.what = f"deleting the ECS service {n.service}"
        cloud.delete_service(n.service)
        if service["kind"] == "web":   # a canary left by a deploy that never finished (deploys/canary.py)
            doing.what = f"deleting the ECS service {n.canary_service}"
            cloud.delete_service(n.canary_service)
        _remove_discovery(ports, service, cloud, doing)
    live = store.collection("deployments").get(service.get("live_deployment_id") or "")
    if service.get("source") or (live or {}).get("build"):   # built from source: its project and images
        doing.what = f"deleting the build project {naming.build_project(service_id)} and its images"
        cloud.delete_build_project(naming.build_project(service_id), naming.image_repository(service["org_id"], service_id))
    doing.what = "finding the load balancer and target group of the live release"
    listener, tg = _routing(cloud, live or {})
    if listener and listener.get("listener_arn"):  # stop routing its host names; only its own rules go
        hosts = {internal_host(service["name"], service["org_id"], service["id"]), *domains.names_of(service)} | \
            {r["host"] for r in (step_result(live or {}, "listener_rule"),) if r and r.get("host")} | \
            {h["host"] for h in routed_hosts(step_result(live or {}, "domain_rule"))}
        listeners = [listener["listener_arn"]] + ([listener["https_listener_arn"]] if listener.get("https_listener_arn") else [])
        for host in sorted(h for h in hosts if h):
            doing.what = f"deleting the load balancer rules for {host}"
            for arn in listeners:   # HTTP, and HTTPS for a custom domain served there
                cloud.delete_listener_rule(arn, host, "/*", owner=service_id, target_group_arn=(tg or {}).get("arn"))
    if tg and tg.get("arn"):   # unrouted now (rules above, ECS service before): nothing else uses it
        doing.what = f"deleting the target group {tg['arn']}"
        cloud.delete_target_group(tg["arn"])
    canary_tg = cloud.find_target_group(n.canary_target_group) if service["kind"] == "web" else None
    if canary_tg:   # made by a canary release: its rules went with the service's
        doing.what = f"deleting the target group {canary_tg['arn']}"
        cloud.delete_target_group(canary_tg["arn"])
    doing.what = f"deleting the task role {n.task_role}"   # its tasks are gone: nothing runs as it
    cloud.delete_task_role(n.task_role)
    secrets, _ = store.collection("secrets").find({"scope_id": service_id}, limit=1000)
    for s in secrets:  # every version's parameter: releases kept them for rollbacks
        doing.what = f"deleting the parameters of the secret {s['name']}"
        for version in range(1, s["version"] + 1):
            cloud.delete_secret(n.secret(s["name"], version))
    return secrets


def _remove_discovery(ports: Ports, service: dict[str, Any], cloud: Cloud, doing: _Doing) -> None:
    """Its Cloud Map service (after the ECS service, whose tasks were registered in it); the
    environment's namespace stays for its other services (env_teardown.py removes it)."""
    domain = (of_service(ports, service) or {}).get("private_domain")
    if domain and service["kind"] == "web":
        name = naming.discovery_service(service["name"])
        doing.what = f"deleting the Cloud Map service {name}.{domain}"
        cloud.delete_discovery_service(domain, name)


def _failed(ports: Ports, service: dict[str, Any], doing: str, exc: Exception, retrying: bool) -> None:
    """The reason, in words, on the service (it stays `deleting`: what is left in AWS still runs
    or costs); a failure that will not be retried by itself is an audit event too, and waits for
    its cause to be fixed and the DELETE to be sent again."""
    error = f"{doing}: {str(exc) or type(exc).__name__}"[:1000]
    lifecycle.set_service(ports, service["id"], None,
                          teardown={"state": "retrying" if retrying else "failed", "error": error, "updated": now_iso()})
    log.warning("teardown of service %s failed (%s)", service["id"], "retrying" if retrying else "gave up")
    if not retrying:
        audit.record(ports, SYSTEM, service["org_id"], "service.teardown_failed", "service", service["id"],
                     {"name": service["name"], "error": error[:500]})


# A teardown whose record has not moved for this long lost its task: Celery redelivers a task
# whose worker died, but not one whose message went with a Redis that lost its data, nor one
# whose retries ran out on a slow AWS while it was still `retrying`.
STALE_SECONDS = 600


def requeue_stalled(ports: Ports, collection: str, task: str, now: Optional[float] = None) -> int:
    """Queue again the teardown of each `deleting` document of `collection` (services or
    environments) whose record stopped moving; -> how many. A `failed` one waits for its
    cause to be fixed and the DELETE sent again. A teardown is idempotent and resumes where it
    stopped, so one queued twice only finds less to do."""
    cutoff = iso_from_epoch((now or time.time()) - STALE_SECONDS)
    n = 0
    for doc in iter_all(ports.store.collection(collection), {"status": "deleting"}):
        t = doc.get("teardown") or {}
        if t.get("state") != "failed" and (t.get("updated") or doc["updated"]) < cutoff:
            ports.queue.publish(task, doc["id"])
            n += 1
    return n


def resume(ports: Ports, now: Optional[float] = None) -> int:
    """Beat: the service teardowns that stopped moving, queued again."""
    from chalicelib import tasks

    return requeue_stalled(ports, "services", tasks.TEARDOWN_SERVICE, now)
