"""Deleting a service: remove what it runs on AWS, then its documents."""
from __future__ import annotations

from chalicelib.deploys.steps import names


def run(ports, service_id: str) -> str:
    store = ports.store
    service = store.collection("services").get(service_id)
    if service is None:
        return "already gone"
    if service["status"] != "deleting":
        return f"not deleting ({service['status']})"
    n = names({"service_id": service_id, "org_id": service["org_id"], "service_name": service["name"]})
    cloud = ports.cloud
    if service["kind"] == "cron":
        cloud.delete_schedule(n["rule"])
    else:
        cloud.delete_service(n["service"])
    live = store.collection("deployments").get(service.get("live_deployment_id") or "")
    rule = next((s.get("result") for s in (live or {}).get("steps", []) if s["name"] == "listener_rule"), None)
    listener = next((s.get("result") for s in (live or {}).get("steps", []) if s["name"] == "load_balancer"), None)
    if rule and listener:  # stop routing the host name to a service that is gone
        cloud.delete_listener_rule(listener["listener_arn"], rule["host"], "/*")
    secrets, _ = store.collection("secrets").find({"service_id": service_id}, limit=1000)
    for s in secrets:  # every version's parameter: releases kept them for rollbacks
        for version in range(1, s["version"] + 1):
            cloud.delete_secret(f"{n['secret_prefix']}/{s['name']}/v{version}")
    with store.transaction():
        for s in secrets:
            store.collection("secrets").delete(s["id"])
        store.collection("services").delete(service_id)   # the store tells search
    return "deleted"
