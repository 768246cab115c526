"""Deleting a service: remove what it runs on AWS, then its documents."""
from __future__ import annotations

from chalicelib.core import outbox
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
    secrets, _ = store.collection("secrets").find({"service_id": service_id}, limit=1000)
    with store.transaction():
        for s in secrets:
            store.collection("secrets").delete(s["id"])
        store.collection("services").delete(service_id)
        outbox.record(store, "services", service_id, service["org_id"], op="delete")
    return "deleted"
