"""What runs, read back from AWS for a person: run-time logs and the custom domain's state."""
from __future__ import annotations

from typing import Any, Optional

from chalicelib.catalog import domains
from chalicelib.catalog.service import get_service
from chalicelib.cloud import naming
from chalicelib.core.context import Actor, Ports
from chalicelib.core.errors import NotFound
from chalicelib.deploys.placement import cloud_of
from chalicelib.deploys.steps import routed_hosts, step_result


def service_logs(ports: Ports, actor: Actor, org_id: str, service_id: str, start_ms: Optional[int],
                 after: Optional[str], limit: int) -> dict[str, Any]:
    service = get_service(ports, actor, org_id, service_id)
    events, nxt = cloud_of(ports, service).read_logs(naming.of_service(service).log_group, service["name"], start_ms, after, limit)
    return {"lines": events, "next": nxt, "sandbox": ports.settings.sandbox}


def domain_status(ports: Ports, actor: Actor, org_id: str, service_id: str) -> dict[str, Any]:
    """The domain's claim (the TXT record that proves it), whether traffic reaches it, over HTTPS
    or not yet, and its certificate once a deploy requested one; the same for each alias."""
    service = get_service(ports, actor, org_id, service_id)
    if not service.get("domain"):
        raise NotFound("the service has no custom domain", field="domain")
    live = _live(ports, service)
    names = domains.names_of(service)
    out = _name_status(ports, service, live, names[0])
    if len(names) > 1:
        out["aliases"] = [_name_status(ports, service, live, n) for n in names[1:]]
    return out


def _name_status(ports: Ports, service: dict[str, Any], live: dict[str, Any], name: str) -> dict[str, Any]:
    claim = domains.claim_of(ports, service["id"], name)
    if claim is None:  # set before domains were claimed: verify claims it
        return {"domain": name, "status": "unclaimed", "routed": False, "certificate": None, "https": False,
                "message": f"domain {name} is not claimed: POST .../domain/verify to claim it"}
    cert = _certificate_of(step_result(live, "certificate"), name)
    entry = next((h for h in routed_hosts(step_result(live, "domain_rule")) if h["host"] == name), None)
    out = {**domains.public(claim), "routed": entry is not None, "certificate": None,
           "https": bool(entry and entry.get("https"))}
    if entry and entry.get("redirects_to"):   # an alias answering a 301 to the domain
        out["redirects_to"] = entry["redirects_to"]
    if cert and cert.get("arn"):
        current = ports.cloud_for(live.get("target")).describe_certificate(cert["arn"])
        out["certificate"] = {"arn": cert["arn"], "status": current.get("status"),
                              "validation_records": current.get("validation_records"),
                              "dns_managed": cert.get("dns_managed")}
    if claim["status"] != "verified":
        out["message"] = f"domain {claim['name']} is not verified: {domains.how_to_verify(claim)}; until then " \
                         "the service does not answer on it"
    elif not out["routed"]:
        out["message"] = "verified: the next deploy routes it and requests its certificate"
    elif out["certificate"] and not out["certificate"]["dns_managed"] and out["certificate"]["status"] != "ISSUED":
        out["message"] = "create the certificate's CNAME validation records at your DNS provider; once it is " \
                         "issued, HTTPS is served within 5 minutes and HTTP redirects to it"
    elif out["certificate"] and not out["https"]:
        out["message"] = ("certificate issued: HTTPS is served within 5 minutes (and HTTP redirects to it)"
                          if out["certificate"]["status"] == "ISSUED" else
                          f"certificate {out['certificate']['status']}: HTTPS is served once it is issued")
    else:
        out["message"] = None
    return out


def _certificate_of(result: Any, name: str) -> Optional[dict[str, Any]]:
    """The certificate step's entry for one host ({"arn", "dns_managed", ...}); a result from before
    aliases holds the domain's alone."""
    if not isinstance(result, dict):
        return None
    if result.get("hosts"):
        return (result["hosts"] or {}).get(name)
    return result if result.get("domain", name) == name else None


def _live(ports: Ports, service: dict[str, Any]) -> dict[str, Any]:
    return ports.store.collection("deployments").get(service.get("live_deployment_id") or "") or {}


def _routes(live: dict[str, Any], name: str) -> bool:
    """Whether the live release has the listener rule for the name (only a deploy makes it)."""
    return any(h["host"] == name for h in routed_hosts(step_result(live, "domain_rule")))


def verify_domain(ports: Ports, actor: Actor, org_id: str, service_id: str) -> dict[str, Any]:
    """-> the claim, verified, with `routed`: false until a deploy after the verification."""
    service = get_service(ports, actor, org_id, service_id, "service.write")
    out = domains.verify(ports, actor, org_id, service)
    routed = _routes(_live(ports, service), out["domain"])
    if not routed and out.get("message") == "already verified":
        out["message"] = "already verified: the next deploy routes it and requests its certificate"
    return {**out, "routed": routed}
