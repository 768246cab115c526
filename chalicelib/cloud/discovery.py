"""AWS Cloud Map: an environment's private DNS namespace, and one service (A records) per
Launchbay service with a port, which ECS fills with its tasks' private IPs (serviceRegistries).

Namespaces are found by name (ours are tagged launchbay:managed); a creation is asynchronous
on AWS (an operation), waited for here, and named by a CreatorRequestId made from the name, so
a retried create gets the same operation back. Deletes tolerate "already gone".
"""
from __future__ import annotations

import time
from typing import Any, Optional

from chalicelib.cloud import naming
from chalicelib.cloud.base import CloudBase, aws_tags, ignoring
from chalicelib.cloud.errors import RetryLater, error_code

OPERATION_WAIT_SECONDS = 90.0   # a namespace usually takes well under a minute
DNS_TTL = 10                    # seconds: a replaced task's address is forgotten quickly
GONE = ("NamespaceNotFound", "ServiceNotFound", "InstanceNotFound")


def _namespace(ns: dict[str, Any]) -> dict[str, Any]:
    props = (ns.get("Properties") or {}).get("DnsProperties") or {}
    return {"id": ns["Id"], "arn": ns.get("Arn"), "name": ns["Name"], "hosted_zone": props.get("HostedZoneId")}


class DiscoveryMixin(CloudBase):
    # --- lookups (List/Get only) ------------------------------------------------------
    def find_namespace(self, name: str) -> Optional[dict[str, Any]]:
        """{"id", "arn", "name", "hosted_zone"} of the private DNS namespace of this name, or None."""
        sd = self.client("servicediscovery")
        for page in sd.get_paginator("list_namespaces").paginate(
                Filters=[{"Name": "TYPE", "Values": ["DNS_PRIVATE"], "Condition": "EQ"}]):
            for ns in page.get("Namespaces", []):   # moto ignores the filter: checked here too
                if ns.get("Name") == name and ns.get("Type") == "DNS_PRIVATE":
                    return _namespace(ns)
        return None

    def find_discovery_service(self, namespace_id: str, name: str) -> Optional[dict[str, Any]]:
        """{"id", "arn", "name", "namespace_id"} of the namespace's service of this name, or None."""
        sd = self.client("servicediscovery")
        for page in sd.get_paginator("list_services").paginate(
                Filters=[{"Name": "NAMESPACE_ID", "Values": [namespace_id], "Condition": "EQ"}]):
            for s in page.get("Services", []):
                if s.get("Name") != name:
                    continue
                try:   # a summary does not say its namespace (and moto ignores the filter)
                    full = sd.get_service(Id=s["Id"])["Service"]
                except Exception as exc:
                    if error_code(exc) in GONE:
                        continue
                    raise
                if full.get("NamespaceId") == namespace_id:
                    return {"id": full["Id"], "arn": full["Arn"], "name": name, "namespace_id": namespace_id}
        return None

    # --- ensure (idempotent) ----------------------------------------------------------
    def ensure_namespace(self, name: str, vpc_id: str) -> dict[str, Any]:
        """Find or create the private DNS namespace `name` in the VPC; waits for its creation."""
        found = self.find_namespace(name)
        if found is not None:
            return found
        op = self._create_namespace(name, vpc_id)
        ns_id = self._wait_operation(op, f"the private DNS namespace {name}")
        ns = self.client("servicediscovery").get_namespace(Id=ns_id)["Namespace"]
        return _namespace(ns)

    def _create_namespace(self, name: str, vpc_id: str) -> str:
        return self.client("servicediscovery").create_private_dns_namespace(
            Name=name, Vpc=vpc_id, CreatorRequestId=naming.idempotency_token("namespace", name, vpc_id, n=64),
            Description="Launchbay: private addresses of an environment's services",
            Tags=aws_tags())["OperationId"]

    def _wait_operation(self, operation_id: str, what: str) -> str:
        """-> the id of the namespace the operation made; RetryLater while AWS still works on it."""
        sd, deadline = self.client("servicediscovery"), time.monotonic() + OPERATION_WAIT_SECONDS
        while True:
            op = sd.get_operation(OperationId=operation_id)["Operation"]
            if op.get("Status") == "SUCCESS":
                return op["Targets"]["NAMESPACE"]
            if op.get("Status") == "FAIL":
                raise RuntimeError(f"creating {what} failed: {op.get('ErrorCode')}: {op.get('ErrorMessage')}")
            if time.monotonic() > deadline:
                raise RetryLater(f"{what} is still being created (operation {operation_id})")
            time.sleep(2.0)

    def ensure_discovery_service(self, namespace_id: str, name: str) -> dict[str, Any]:
        """Find or create the namespace's service `name`: MULTIVALUE A records that ECS keeps
        (its tasks' health, by the custom health check ECS reports to)."""
        found = self.find_discovery_service(namespace_id, name)
        if found is not None:
            return found
        s = self.client("servicediscovery").create_service(
            Name=name, NamespaceId=namespace_id,
            CreatorRequestId=naming.idempotency_token("discovery", namespace_id, name, n=64),
            Description="Launchbay service", Tags=aws_tags(),
            DnsConfig={"RoutingPolicy": "MULTIVALUE", "DnsRecords": [{"Type": "A", "TTL": DNS_TTL}]},
            HealthCheckCustomConfig={"FailureThreshold": 1})["Service"]
        return {"id": s["Id"], "arn": s["Arn"], "name": name, "namespace_id": namespace_id}

    # --- deletes (idempotent) ---------------------------------------------------------
    def delete_discovery_service(self, namespace: str, name: str) -> bool:
        """Delete the service `name` of the namespace called `namespace` -> whether it existed.
        Instances left behind (the ECS service is deleted first; ECS deregisters its tasks as
        they stop) are deregistered; AWS refuses the delete while one remains: RetryLater."""
        ns = self.find_namespace(namespace)
        found = self.find_discovery_service(ns["id"], name) if ns else None
        if found is None:
            return False
        self._delete_service_by_id(found["id"], f"{name}.{namespace}")
        return True

    def _delete_service_by_id(self, service_id: str, what: str) -> None:
        sd = self.client("servicediscovery")
        with ignoring(*GONE):
            for page in sd.get_paginator("list_instances").paginate(ServiceId=service_id):
                for inst in page.get("Instances", []):
                    with ignoring(*GONE):
                        sd.deregister_instance(ServiceId=service_id, InstanceId=inst["Id"])
        try:
            sd.delete_service(Id=service_id)
        except Exception as exc:
            if error_code(exc) in GONE:
                return
            if error_code(exc) == "ResourceInUse":
                raise RetryLater(f"Cloud Map service {what} still has instances being deregistered") from exc
            raise

    def delete_namespace(self, name: str) -> bool:
        """Delete the private DNS namespace (its services left behind first) -> whether it existed."""
        ns = self.find_namespace(name)
        if ns is None:
            return False
        sd = self.client("servicediscovery")
        for page in sd.get_paginator("list_services").paginate(
                Filters=[{"Name": "NAMESPACE_ID", "Values": [ns["id"]], "Condition": "EQ"}]):
            for s in page.get("Services", []):
                with ignoring(*GONE):
                    if sd.get_service(Id=s["Id"])["Service"].get("NamespaceId") == ns["id"]:
                        self._delete_service_by_id(s["Id"], f"{s.get('Name')}.{name}")
        try:
            sd.delete_namespace(Id=ns["id"])
        except Exception as exc:
            if error_code(exc) == "ResourceInUse":
                raise RetryLater(f"the namespace {name} still has services being deleted") from exc
            if error_code(exc) not in GONE:
                raise
        return True
