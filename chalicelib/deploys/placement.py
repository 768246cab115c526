"""Where a service's resources live: its environment's AWS account connection (or the platform's
own credentials) and region, and the names of what its services share there. A deployment
records this `target` when it is created, so every later call about it (steps, rollback, cancel,
health, drift, runs, logs, teardown) acts in the same place, whatever changes afterwards.

Isolation by name, in any account: one ECS cluster per organization, one load balancer, one
task security group (reachable from that load balancer and from the group's own members only)
and one Cloud Map private DNS namespace (`private_domain`) per environment. Log groups and SSM
paths already carry the organization's id (cloud/naming.py).
Deployments made before targets existed have none: they keep the names of that time (the
settings' cluster, the load balancer `launchbay`, the group `launchbay-services`)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional

from chalicelib.cloud import naming

if TYPE_CHECKING:
    from chalicelib.cloud.port import Cloud
    from chalicelib.core.context import Ports

LEGACY_LOAD_BALANCER = "launchbay"


def _tail(doc_id: str) -> str:
    return doc_id.split("_", 1)[-1]


def target_for(ports: Ports, service: dict[str, Any]) -> dict[str, Any]:
    """Where the service's environment deploys now."""
    from chalicelib.catalog.environments import effective_region, of_service

    env = of_service(ports, service)
    conn_id = env.get("aws_account_id")
    conn = ports.store.collection("aws_accounts").get(conn_id) if conn_id else None
    scope = env.get("id") or service["project_id"]   # every service has an environment since they exist
    project = ports.store.collection("projects").get(service["project_id"]) or {}
    egress = {"egress": naming.egress_name(env["id"])} if env.get("static_egress") and env.get("id") else {}
    return {**egress, "aws_account_id": conn_id, "account": (conn or {}).get("account_id"),
            "region": effective_region(ports, env),
            "cluster": f"{ports.settings.cluster_name}-{_tail(service['org_id'])}",
            "load_balancer": naming.elb_name(f"lb-{_tail(scope)}"),
            "security_group": f"launchbay-env-{_tail(scope)}",
            "private_domain": naming.private_domain(env.get("name") or "default", project.get("name") or _tail(scope),
                                                    service["org_id"])}


def placed(ports: Ports, service: dict[str, Any]) -> Optional[dict[str, Any]]:
    """The deployment whose target says where the service's resources are: the live release, else
    the newest deployment (a first deploy that failed still made things)."""
    deps = ports.store.collection("deployments")
    live = deps.get(service.get("live_deployment_id") or "")
    if live:
        return live
    newest, _ = deps.find({"service_id": service["id"]}, order="-number", limit=1)
    return newest[0] if newest else None


def for_new_deployment(ports: Ports, service: dict[str, Any]) -> Optional[dict[str, Any]]:
    """A service whose live release predates targets stays where it runs (None: the old names)."""
    live = ports.store.collection("deployments").get(service.get("live_deployment_id") or "")
    if live is not None and "target" not in live:
        return None
    return target_for(ports, service)


def of_service(ports: Ports, service: dict[str, Any]) -> Optional[dict[str, Any]]:
    """Where the service's resources are (None: the names from before targets)."""
    dep = placed(ports, service)
    if dep is None:
        return target_for(ports, service)
    return dep.get("target")


def cloud_of(ports: Ports, service: dict[str, Any]) -> Cloud:
    return ports.cloud_for(of_service(ports, service))


def load_balancer_name(target: Optional[dict[str, Any]]) -> str:
    return (target or {}).get("load_balancer") or LEGACY_LOAD_BALANCER


def private_address(service: dict[str, Any], target: Optional[dict[str, Any]]) -> Optional[str]:
    """`name.<private domain>:port` once a release carried the environment's private domain;
    None for a service with no port (a worker, a cron job) or before its first deploy."""
    if not service.get("port") or service.get("kind") == "cron" or not (target or {}).get("private_domain"):
        return None
    return f"{naming.discovery_service(service['name'])}.{target['private_domain']}:{service['port']}"  # type: ignore[index]


def public(target: Optional[dict[str, Any]]) -> dict[str, Any]:
    """For the API: where a deployment went ("platform" when no connection is named)."""
    if not target:
        return {"aws_account_id": None, "account": None, "region": None, "mode": "platform"}
    return {"aws_account_id": target.get("aws_account_id"), "account": target.get("account"),
            "region": target.get("region"), "mode": "connected" if target.get("aws_account_id") else "platform"}
