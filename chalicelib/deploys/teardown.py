"""Deleting a service: remove what it runs on AWS, then its documents."""
from __future__ import annotations

from typing import Any, Optional

from chalicelib.catalog import domains
from chalicelib.cloud import naming
from chalicelib.cloud.port import Cloud
from chalicelib.core.context import Ports
from chalicelib.deploys.placement import cloud_of
from chalicelib.deploys.steps import internal_host, step_result


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


def run(ports: Ports, service_id: str) -> str:
    store = ports.store
    service = store.collection("services").get(service_id)
    if service is None:
        return "already gone"
    if service["status"] != "deleting":
        return f"not deleting ({service['status']})"
    n = naming.of_service(service)
    cloud = cloud_of(ports, service)   # the account and region it runs in
    if service["kind"] == "cron":
        cloud.delete_schedule(n.rule)
    else:
        cloud.delete_service(n.service)
    live = store.collection("deployments").get(service.get("live_deployment_id") or "")
    if service.get("source") or (live or {}).get("build"):   # built from source: its project and images
        cloud.delete_build_project(naming.build_project(service_id), naming.image_repository(service["org_id"], service_id))
    listener, tg = _routing(cloud, live or {})
    if listener and listener.get("listener_arn"):  # stop routing its host names; only its own rules go
        hosts = {internal_host(service["name"], service["org_id"], service["id"]), domains.normalize(service.get("domain") or "")} | \
            {r["host"] for r in (step_result(live or {}, "listener_rule"), step_result(live or {}, "domain_rule"))
             if r and r.get("host")}
        for host in sorted(h for h in hosts if h):
            cloud.delete_listener_rule(listener["listener_arn"], host, "/*", owner=service_id,
                                       target_group_arn=(tg or {}).get("arn"))
    if tg and tg.get("arn"):   # unrouted now (rules above, ECS service before): nothing else uses it
        cloud.delete_target_group(tg["arn"])
    secrets, _ = store.collection("secrets").find({"scope_id": service_id}, limit=1000)
    for s in secrets:  # every version's parameter: releases kept them for rollbacks
        for version in range(1, s["version"] + 1):
            cloud.delete_secret(n.secret(s["name"], version))
    with store.transaction():
        for s in secrets:
            store.collection("secrets").delete(s["id"])
        domains.release(ports, service_id)   # the domain is free for another service now
        store.collection("services").delete(service_id)   # the store tells search
    if service.get("environment_id"):   # an environment removed by an apply goes with its last service
        from chalicelib.catalog.environments import remove_if_retired

        remove_if_retired(ports, service["environment_id"])
    return "deleted"
