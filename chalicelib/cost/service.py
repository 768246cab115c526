"""Cost estimates of what the store holds: a service, and a project per environment. Every read
is scoped to the caller's organization (get_service / get_project authorize and check it)."""
from __future__ import annotations

from typing import Any, Iterable, Optional

from chalicelib.catalog import environments
from chalicelib.catalog.service import get_project, get_service
from chalicelib.core.context import Actor, Ports
from chalicelib.cost import prices
from chalicelib.cost.estimate import Placement, resource_estimate, service_estimate, total
from chalicelib.lifecycle.states import SUSPENDED
from chalicelib.store.port import iter_all

# what an estimate reads of a service (a live release's spec carries the same keys)
PRICED_FIELDS = ("kind", "cpu", "memory", "min_instances", "max_instances", "schedule", "autoscaling",
                 "architecture", "spot")


def region_of(ports: Ports, env: Optional[dict[str, Any]]) -> str:
    """The region an environment deploys to: its own (set from its AWS connection), else the
    platform's; the rule of deploys/placement.target_for."""
    return (env or {}).get("region") or ports.settings.aws_region


def placement(ports: Ports, env: Optional[dict[str, Any]], services: Iterable[dict[str, Any]]) -> Placement:
    # tasks get a public IPv4 in the default VPC, none in configured (private) subnets: cloud/foundation.py
    from chalicelib.catalog.windows import share_open

    services = list(services)
    webs = sum(1 for s in services if s.get("kind") == "web")
    asleep = share_open((env or {}).get("sleep_windows") or [])   # deploys/sleep.py suspends them then
    # static egress: the services share one NAT gateway and run without public IPs (deploys/egress.py)
    egress = max(len(services), 1) if (env or {}).get("static_egress") else 0
    return Placement(region=region_of(ports, env), public_ip=not ports.settings.subnets.strip() and not egress,
                     web_services=webs, asleep=asleep, egress_services=egress)


def env_services(ports: Ports, org_id: str, env_id: Optional[str]) -> list[dict[str, Any]]:
    """The environment's services that will keep running (not being deleted)."""
    if not env_id:
        return []
    found = iter_all(ports.store.collection("services"), {"org_id": org_id, "environment_id": env_id})
    return [s for s in found if s.get("status") != "deleting"]


def priced(spec: dict[str, Any]) -> dict[str, Any]:
    """A service's (or a release spec's) priced fields; a suspended service runs no tasks (one asleep
    by its environment's schedule is priced by the share of the week it is awake)."""
    by_hand = spec.get("status") in SUSPENDED and not (spec.get("suspended") or {}).get("sleep")
    return {**{k: spec.get(k) for k in PRICED_FIELDS}, "suspended": by_hand}


def service_cost(ports: Ports, actor: Actor, org_id: str, service_id: str) -> dict[str, Any]:
    """The service's estimate with its current settings (what its next deploy runs)."""
    service = get_service(ports, actor, org_id, service_id)
    env = environments.of_service(ports, service)
    others = [s for s in env_services(ports, org_id, env.get("id")) if s["id"] != service_id]
    est = service_estimate(priced(service), placement(ports, env, others + [service]))
    return {"service_id": service_id, "name": service["name"], "kind": service["kind"],
            "environment": env.get("name"), **est, "prices": prices.about()}


def env_resources(ports: Ports, env_id: Optional[str]) -> list[dict[str, Any]]:
    """The environment's managed resources that will keep running (not being deleted)."""
    if not env_id:
        return []
    found = iter_all(ports.store.collection("resources"), {"environment_id": env_id})
    return [r for r in found if r.get("status") != "deleting"]


def environment_cost(ports: Ports, env: dict[str, Any], services: list[dict[str, Any]],
                     resources: Optional[list[dict[str, Any]]] = None) -> dict[str, Any]:
    """An environment's services and managed resources, each with its estimate, and their sum."""
    place = placement(ports, env, services)
    items = [{"id": s.get("id"), "name": s["name"], "kind": s["kind"], **service_estimate(priced(s), place)}
             for s in services]
    held = [{"id": r.get("id"), "name": r["name"], "kind": r["kind"], "size": r.get("size"),
             **resource_estimate(r, place.region)} for r in (resources or [])]
    brief = ("lines", "assumptions")
    return {"id": env.get("id"), "name": env["name"], "region": place.region, **total(items + held),
            "services": [{k: v for k, v in i.items() if k not in brief} for i in items],
            "resources": [{k: v for k, v in i.items() if k not in brief} for i in held]}


def project_cost(ports: Ports, actor: Actor, org_id: str, project_id: str) -> dict[str, Any]:
    get_project(ports, actor, org_id, project_id)
    envs = [environment_cost(ports, env, env_services(ports, org_id, env["id"]), env_resources(ports, env["id"]))
            for env in iter_all(ports.store.collection("environments"), {"org_id": org_id, "project_id": project_id})]
    return {"project_id": project_id, **total(envs), "environments": envs, "prices": prices.about()}
