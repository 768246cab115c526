"""HTTPS for a custom domain once its certificate is issued, without waiting for a deploy.

A deploy routes a verified domain or alias (step `domain_rule`) and requests its certificate
(step `certificate`); DNS validation takes minutes to hours, so that deploy serves the name over
HTTP (its entry in the rule's result says `"https": None`). Beat (`upgrade_https`, every 5 minutes) looks
at those domains: once ACM says ISSUED, the live release's `domain_rule` is planned again and
executed as a deploy would (the certificate on the load balancer's :443 listener, the rule
there, HTTP answering 301 to HTTPS) and its recorded result updated. Not while a deployment of
the service is under way: that deployment's own `domain_rule` does it.
"""
from __future__ import annotations

import logging
from typing import Any

from chalicelib.core.context import Ports
from chalicelib.lifecycle import states

log = logging.getLogger(__name__)


def _waiting(ports: Ports, claim: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """(service, live release) when the domain is routed over HTTP only by the live release. A
    claim found served over HTTPS is marked so (`https_served`): the beat reads it no more."""
    from chalicelib.deploys.steps import routed_hosts, step_result

    service = ports.store.collection("services").get(claim.get("service_id") or "")
    if not service or service["status"] in states.SUSPENDED or service["status"] == "deleting":
        return None
    live = ports.store.collection("deployments").get(service.get("live_deployment_id") or "")
    entry = next((h for h in routed_hosts(step_result(live or {}, "domain_rule")) if h["host"] == claim["name"]), None)
    if entry is not None and entry.get("https"):
        ports.store.collection("domains").update(claim["id"], {"https_served": True})
    if not live or entry is None or entry.get("https"):
        return None
    return service, live


def upgrade(ports: Ports) -> dict[str, int]:
    """-> {"checked": domains waiting for their certificate, "upgraded": now served over HTTPS}."""
    from chalicelib.deploys import engine, plan, steps
    from chalicelib.deploys.service import under_way
    from chalicelib.store.port import iter_all

    checked = upgraded = 0
    # a name served over HTTPS stays so (a changed name is a new claim): only the others are read
    for claim in iter_all(ports.store.collection("domains"), {"status": "verified", "https_served": {"$ne": True}}):
        found = _waiting(ports, claim)
        if found is None:
            continue
        service, live = found
        checked += 1
        cloud = ports.cloud_for(live.get("target"))
        cert = cloud.find_certificate(claim["name"], owner=service["id"])
        if not cert or cert.get("status") != "ISSUED" or under_way(ports, service["id"]):
            continue
        ctx = steps.Ctx(ports=ports, dep=live, results=engine._done(live))
        planned = steps.domain_rule(ctx)
        result = plan.execute(cloud, planned, lambda ref: "")   # no secrets in a rule's calls
        served = any(h["host"] == claim["name"] and h.get("https") for h in steps.routed_hosts(result))
        if _record(ports, live, result) and served:   # not served: the listener's certificate quota, say
            ports.store.collection("domains").update(claim["id"], {"https_served": True})
            upgraded += 1
            log.info("https: %s is served over HTTPS now (service %s)", claim["name"], service["id"])
    return {"checked": checked, "upgraded": upgraded}


def _record(ports: Ports, live: dict[str, Any], result: Any) -> bool:
    """The live release's domain_rule result, as its deploy would have recorded it."""
    from chalicelib.deploys.endpoints import of_release

    entries = [dict(s) for s in live["steps"]]
    for entry in entries:
        if entry["name"] == "domain_rule" and entry.get("status") == "done":
            entry["result"] = result
    new = ports.store.collection("deployments").update(
        live["id"], {"steps": entries}, expect={"status": "live", "updated": live["updated"]})
    if new is None:
        return False
    # where the service answers (written at go-live): its domain's address is https:// now
    ports.store.collection("services").update(live["service_id"], {"endpoints": of_release(new)},
                                              expect={"live_deployment_id": live["id"]})
    return True
