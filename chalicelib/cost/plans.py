"""The cost side of a plan, {before, after, delta} of monthly min and max: for a service's next
deploy (deploys/preview.py) and for a launchbay.yaml applied to a project (configfile/plan.py)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional

from chalicelib.catalog import environments
from chalicelib.cost.estimate import difference, total
from chalicelib.cost.service import env_services, environment_cost, priced

if TYPE_CHECKING:
    from chalicelib.configfile.model import LaunchbayFile
    from chalicelib.core.context import Ports


def service_change(ports: Ports, service: dict[str, Any]) -> dict[str, Any]:
    """What runs now (the live release's settings; nothing before a first deploy) against what
    the next deploy would run (the service's settings), in the same environment."""
    env = environments.of_service(ports, service)
    services = env_services(ports, service["org_id"], env.get("id"))
    if service["id"] not in {s["id"] for s in services}:
        services.append(service)
    live = ports.store.collection("deployments").get(service.get("live_deployment_id") or "")
    after = environment_cost(ports, env, services)
    before: Optional[dict[str, Any]] = None
    if live and live.get("spec"):
        old = [{**s, **priced(live["spec"])} if s["id"] == service["id"] else s for s in services]
        before = environment_cost(ports, env, old)
    mine = [x for x in after["services"] if x["id"] == service["id"]]
    was = [x for x in before["services"] if x["id"] == service["id"]] if before else []
    return difference(total(was) if was else None, total(mine))


def project_change(ports: Ports, project_id: str, doc: LaunchbayFile,
                   places: Optional[dict[str, dict[str, Any]]] = None) -> dict[str, Any]:
    """The project as it is against the project once the document is applied, services and
    managed resources both (what the plan deletes is gone; a service the plan cannot create yet,
    or whose kind it cannot change, stays as it is; so do a resource's kind and version).
    `places`: per environment, the {"aws_account_id", "region"} the plan moves it to (priced there), and
    `static_egress` where the document sets it (its NAT gateway is shared among the services)."""
    from chalicelib.configfile.plan import current_state, desired_resource, desired_service

    state = current_state(ports, project_id)
    before, after = [], []
    for have in state.values():
        before.append(environment_cost(ports, have["doc"], list(have["services"].values()),
                                       list(have["resources"].values())))
    for name, env_spec in doc.environments.items():
        have = state.get(name) or {"doc": {"name": name, "region": None}, "services": {}, "resources": {}}
        env_doc = {**have["doc"], **(places or {}).get(name, {})}
        wanted = []
        for svc_name, spec in env_spec.services.items():
            current = have["services"].get(svc_name)
            if spec.source is not None and not spec.source.repo:   # the plan cannot create it yet
                wanted += [current] if current else []
                continue
            new = {**desired_service(spec, svc_name, env_spec.domain_suffix), "name": svc_name}
            wanted.append({**new, "kind": current["kind"], "id": current["id"]} if current else new)
        held = []
        for res_name, res_spec in env_spec.resources.items():
            current = have["resources"].get(res_name)
            if current and current["kind"] != res_spec.kind:   # kind cannot change in place: it stays
                held.append(current)
                continue
            new = {**desired_resource(res_spec, name), "name": res_name}
            if current:   # storage only grows; the version stays (plan warns about both)
                new.update(id=current["id"], version=current.get("version"),
                           storage_gb=max(new.get("storage_gb") or 0, current.get("storage_gb") or 0) or None)
            held.append(new)
        after.append(environment_cost(ports, env_doc, wanted, held))
    out = difference(total(before), total(after))
    return {**out, "environments": _by_env(before, after)}


def _by_env(before: list[dict[str, Any]], after: list[dict[str, Any]]) -> list[dict[str, Any]]:
    old = {e["name"]: e for e in before}
    new = {e["name"]: e for e in after}
    return [{"name": n, "region": (new.get(n) or old[n])["region"], **difference(old.get(n), new.get(n))}
            for n in sorted(set(old) | set(new))]
