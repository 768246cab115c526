"""Deleting a service: remove what it runs on AWS, then its documents."""
from __future__ import annotations

from chalicelib.cloud import naming
from chalicelib.deploys.steps import step_result


def run(ports, service_id: str) -> str:
    store = ports.store
    service = store.collection("services").get(service_id)
    if service is None:
        return "already gone"
    if service["status"] != "deleting":
        return f"not deleting ({service['status']})"
    n = naming.of_service(service)
    cloud = ports.cloud
    if service["kind"] == "cron":
        cloud.delete_schedule(n.rule)
    else:
        cloud.delete_service(n.service)
    live = store.collection("deployments").get(service.get("live_deployment_id") or "")
    rule, listener = step_result(live or {}, "listener_rule"), step_result(live or {}, "load_balancer")
    if rule and listener:  # stop routing the host name to a service that is gone
        cloud.delete_listener_rule(listener["listener_arn"], rule["host"], "/*")
    secrets, _ = store.collection("secrets").find({"service_id": service_id}, limit=1000)
    for s in secrets:  # every version's parameter: releases kept them for rollbacks
        for version in range(1, s["version"] + 1):
            cloud.delete_secret(n.secret(s["name"], version))
    with store.transaction():
        for s in secrets:
            store.collection("secrets").delete(s["id"])
        store.collection("services").delete(service_id)   # the store tells search
    return "deleted"
