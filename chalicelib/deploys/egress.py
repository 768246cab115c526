"""Static egress, the deploy's side (the AWS side is chalicelib/cloud/egress.py).

An environment with `static_egress` records it in each new deployment's target (`egress`: the
name of its NAT gateway and private subnets), so the `network` step makes them (once per
environment) and the service's tasks run in the private subnets; the Elastic IP is kept on the
environment (`egress_ips`) for people to allow. Turned off, each service moves back to the public
subnets at its next deploy, and the cleanup beat removes the NAT gateway and releases its address
once no live release of the environment uses them (`reap`). Deleting the environment removes them
too (deploys/env_teardown.py).
"""
from __future__ import annotations

from typing import Any, Optional

from chalicelib.cloud import naming
from chalicelib.core.context import Ports
from chalicelib.core.ids import now_iso
from chalicelib.store.port import iter_all

WORDS = "static: a NAT gateway with an Elastic IP, tasks in private subnets"


def network_changes(ctx: Any, found: Optional[dict[str, Any]]) -> dict[str, Any]:
    """What the network step changes about egress, for its plan."""
    wanted = (ctx.target or {}).get("egress")
    if wanted and found is None:
        return {"egress": [None, WORDS]}
    return {}


def not_ready(ctx: Any) -> Optional[Any]:
    """The network step's wait: the environment's NAT gateway exists but AWS is still starting it
    (Pending: look again shortly); one AWS could not make fails the deploy with AWS's words."""
    from chalicelib.deploys.steps import Pending, StepFailed

    name = (ctx.target or {}).get("egress")
    if not name or ctx.preview:
        return None
    found = ctx.cloud.find_static_egress(name)
    if found and found.get("failure"):
        raise StepFailed(f"AWS could not make the environment's NAT gateway: {found['failure']} (fix the cause, "
                         "for example the account's Elastic IP quota, then deploy again)")
    if found and found.get("state") == "pending":
        return Pending(1.0 if ctx.ports.settings.sandbox else 15.0,
                       f"waiting for the NAT gateway {found['nat_gateway_id']} of the environment's static egress "
                       "(AWS takes a minute or two)")
    return None


def recorded(ctx: Any, network: dict[str, Any]) -> dict[str, Any]:
    """The environment keeps its outbound address(es) once its NAT gateway is up (shown by the API;
    an address that changed (made again) replaces the old)."""
    ips = network.get("egress_ips")
    env_id = ctx.dep.get("environment_id")
    if ips and env_id:
        envs = ctx.ports.store.collection("environments")
        env = envs.get(env_id) or {}
        if env.get("egress_ips") != ips:
            target = ctx.target or {}
            envs.update(env_id, {"egress_ips": ips, "egress_since": now_iso(),
                                 "egress_where": {"aws_account_id": target.get("aws_account_id"),
                                                  "region": target.get("region"), "egress": target.get("egress")}})
    return network


def shown(env: dict[str, Any]) -> dict[str, Any]:
    """The environment's egress as the API answers it."""
    on, ips = bool(env.get("static_egress")), list(env.get("egress_ips") or [])
    if on and ips:
        words = f"outbound traffic leaves from {', '.join(ips)}"
    elif on:
        words = "the next deploy makes the NAT gateway and its Elastic IP; the address is shown here then"
    elif ips:
        words = (f"turned off: services move back to public subnets at their next deploy; {', '.join(ips)} is "
                 "released once none runs behind it")
    else:
        words = "each task leaves from its own public IP, which changes at every deploy"
    return {"static_egress": on, "egress_ips": ips if on or ips else [], "egress": words}


def _behind(ports: Ports, env: dict[str, Any]) -> bool:
    """Whether a live release of the environment still runs behind its NAT gateway."""
    deps = ports.store.collection("deployments")
    for svc in iter_all(ports.store.collection("services"), {"environment_id": env["id"]}):
        live = deps.get(svc.get("live_deployment_id") or "")
        if live and (live.get("target") or {}).get("egress"):
            return True
    return False


def flags(current: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """What a change of `static_egress` adds to the environment's update: turned off with an address
    in use, the cleanup beat looks for it (`egress_reap`, an index); turned on again, it does not."""
    if "static_egress" not in changes:
        return {}
    if changes["static_egress"]:
        return {"static_egress": True, "egress_reap": None}
    return {"static_egress": None, "egress_reap": True if current.get("egress_ips") else None}


def reap(ports: Ports, limit: int = 20) -> dict[str, Any]:
    """The cleanup beat: environments whose static egress was turned off and whose services all
    moved back lose the NAT gateway (it costs by the hour) and its address. Idempotent; a NAT
    gateway still being deleted is looked at again at the next beat."""
    released: list[str] = []
    waiting: list[str] = []
    envs = ports.store.collection("environments")
    for env in iter_all(envs, {"egress_reap": True}):
        if env.get("static_egress") or not env.get("egress_ips") or env.get("status") == "deleting":
            envs.update(env["id"], {"egress_reap": None})   # turned on again, or going with its environment
            continue
        if len(released) + len(waiting) >= limit or _behind(ports, env):
            continue
        where = env.get("egress_where") or {}
        cloud = ports.cloud_for({"aws_account_id": where.get("aws_account_id"), "region": where.get("region")})
        name = where.get("egress") or naming.egress_name(env["id"])
        try:
            cloud.delete_static_egress(name)
        except Exception as exc:   # RetryLater while AWS deletes the NAT gateway; anything else: next beat
            waiting.append(f"{env['id']}: {exc}")
            continue
        envs.update(env["id"], {"egress_ips": None, "egress_since": None, "egress_where": None, "egress_reap": None})
        released.append(env["id"])
    return {"released": released, "waiting": waiting}
