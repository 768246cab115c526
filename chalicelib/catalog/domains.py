"""Custom domains: one service on the whole platform holds a domain, and its organization
proves control of it (a DNS TXT record Launchbay checks) before any traffic is routed to it.

A claim is a `domains` document {id, name, org_id, service_id, status: pending|verified,
token, created, verified_at}; `name` is unique platform-wide (schema.py). Claims are made
and released in the same store transaction as the service change that asks for them.
"""
from __future__ import annotations

import logging
import secrets
from typing import Any, Optional

from chalicelib.audit import service as audit
from chalicelib.core.context import Actor, Ports
from chalicelib.core.errors import AlreadyExists, NotFound, StateConflict, Unavailable
from chalicelib.core.ids import new_id, now_iso
from chalicelib.store.port import Conflict

log = logging.getLogger(__name__)
CHALLENGE_PREFIX = "_launchbay-challenge."
VALUE_PREFIX = "launchbay-verify="
# the same words whoever holds it (this org or another): nothing about the holder leaks
TAKEN = "domain {name} is already claimed by another service"


class NotVerified(StateConflict):
    code = "domain_not_verified"


def normalize(name: str) -> str:
    return name.strip().lower().rstrip(".")


def challenge(claim: dict[str, Any]) -> dict[str, str]:
    """The DNS record that proves control of the domain."""
    return {"type": "TXT", "name": CHALLENGE_PREFIX + claim["name"], "value": VALUE_PREFIX + claim["token"]}


def how_to_verify(claim: dict[str, Any]) -> str:
    rr = challenge(claim)
    return f"create TXT {rr['name']} = {rr['value']}, then POST .../domain/verify"


def claim(ports: Ports, org_id: str, service_id: str, name: str, field: str = "domain") -> dict[str, Any]:
    """A pending claim; call inside the store transaction that gives the service its domain
    (or an alias: `field` names it in a refusal)."""
    doc = {"id": new_id("dom"), "name": normalize(name), "org_id": org_id, "service_id": service_id,
           "status": "pending", "token": secrets.token_urlsafe(24), "created": now_iso(), "verified_at": None}
    try:
        return ports.store.collection("domains").insert(doc)
    except Conflict:
        raise AlreadyExists(TAKEN.format(name=doc["name"]), field=field) from None


def release(ports: Ports, service_id: str) -> int:
    """Free the service's claim (its domain changed, or the service is gone)."""
    return ports.store.collection("domains").delete_many({"service_id": service_id})


def names_of(service: dict[str, Any]) -> list[str]:
    """The custom host names a service holds: its domain first, then its aliases."""
    names = [normalize(service["domain"])] if service.get("domain") else []
    return names + [normalize(a) for a in service.get("aliases") or [] if normalize(a) not in names]


def sync(ports: Ports, org_id: str, service_id: str, old: list[str], new: list[str],
         domain: Optional[str] = None) -> list[str]:
    """The service's names go from old to new: the claims of names dropped are freed, names added
    get a pending claim (a new proof each); names kept keep theirs, verified or not. Call inside
    the store transaction of the update. -> the names freed."""
    coll = ports.store.collection("domains")
    gone = [n for n in old if n not in new]
    for name in gone:
        coll.delete_many({"service_id": service_id, "name": name})
    for name in new:
        if name not in old or claim_of(ports, service_id, name) is None:
            claim(ports, org_id, service_id, name, "domain" if name == normalize(domain or "") else "aliases")
    return gone


def stop_routing(ports: Ports, service: dict[str, Any], host: str) -> bool:
    """Once a domain is released, the live release's rule for it goes now, not at the next
    deploy: the next holder's deploy is refused while this service's rule exists. Only this
    service's own rule is deleted. Best effort: the next deploy removes it too."""
    from chalicelib.deploys.steps import routed_hosts

    live = ports.store.collection("deployments").get(service.get("live_deployment_id") or "") or {}
    done = {s["name"]: s.get("result") or {} for s in live.get("steps") or [] if s.get("status") == "done"}
    host = normalize(host)
    entry = next((h for h in routed_hosts(done.get("domain_rule")) if h["host"] == host), None)
    if (entry is None and host != done.get("listener_rule", {}).get("host")) or not done.get("load_balancer"):
        return False
    https = entry.get("https") if entry and isinstance(entry.get("https"), dict) else None
    listeners = [done["load_balancer"]["listener_arn"]] + ([https["listener_arn"]] if https else [])
    try:
        cloud, tg = ports.cloud_for(live.get("target")), done.get("target_group", {}).get("arn")
        return any([cloud.delete_listener_rule(arn, host, "/*", owner=service["id"], target_group_arn=tg)
                    for arn in listeners])
    except Exception:  # AWS unreachable: the rule stays until the next deploy of this service
        log.warning("could not remove the listener rule of released domain %s", host, exc_info=True)
        return False


def claim_of(ports: Ports, service_id: str, name: Optional[str]) -> Optional[dict[str, Any]]:
    if not name:
        return None
    return ports.store.collection("domains").find_one({"name": normalize(name), "service_id": service_id})


def not_routed_because(ports: Ports, service_id: str, name: str) -> Optional[str]:
    """None when the service holds the domain verified; else why no traffic goes to it."""
    held = claim_of(ports, service_id, name)
    if held is None:
        return f"domain {normalize(name)} is not claimed by this service: set it again, then verify it"
    if held["status"] != "verified":
        return f"domain {held['name']} is not verified: {how_to_verify(held)}"
    return None


def public(claim_doc: dict[str, Any]) -> dict[str, Any]:
    return {"domain": claim_doc["name"], "status": claim_doc["status"], "verification": challenge(claim_doc),
            "verified_at": claim_doc.get("verified_at")}


def verify(ports: Ports, actor: Actor, org_id: str, service: dict[str, Any]) -> dict[str, Any]:
    """Look the TXT records up (real DNS on AWS, the sandbox's Route 53 in the sandbox) and mark
    the claims verified: the domain's and each alias's. `service` is already loaded in the
    caller's org with write rights. The domain unproven is a 409 (aliases proven meanwhile stay
    verified); an alias unproven is said in its entry of `aliases`."""
    if not service.get("domain"):
        raise NotFound("the service has no custom domain", field="domain")
    names = names_of(service)
    results = {name: _verify_one(ports, actor, org_id, service, name) for name in names}
    first = results[names[0]]
    if isinstance(first, NotVerified):
        raise first
    out = dict(first)
    if len(names) > 1:
        out["aliases"] = [r if isinstance(r, dict) else {**public(claim_of(ports, service["id"], n) or {}), "message": str(r)}
                          for n, r in list(results.items())[1:]]
        waiting = [a["domain"] for a in out["aliases"] if a["status"] != "verified"]
        if waiting:
            out["message"] = f"{out['message']}; not verified yet: {', '.join(waiting)} (see aliases)"
    return out


def _verify_one(ports: Ports, actor: Actor, org_id: str, service: dict[str, Any], name: str) -> Any:
    """-> the claim's public view with a message, or the NotVerified refusal for that name."""
    from chalicelib.cloud.edge import DnsUnavailable

    held = claim_of(ports, service["id"], name)
    if held is None:  # a name set before claims existed: claim it now
        with ports.store.transaction():
            held = claim(ports, org_id, service["id"], name)
    if held["status"] == "verified":
        return {**public(held), "message": "already verified"}
    rr = challenge(held)
    try:
        found = ports.cloud.lookup_txt(rr["name"])
    except DnsUnavailable as exc:
        raise Unavailable(f"{exc}; try again in a minute", field="domain") from None
    if rr["value"] not in found:
        ours = [v[:100] for v in found if v.startswith(VALUE_PREFIX)]
        seen = f"it holds {', '.join(ours)}, not {rr['value']}" if ours else "no launchbay-verify value was found"
        where = ("in the sandbox's Route 53: a public hosted zone containing the name, see docs/cloud.md"
                 if ports.settings.sandbox else "DNS changes can take minutes to show")   # no public DNS there
        return NotVerified(f"domain {held['name']} is not verified: TXT {rr['name']}: {seen}. "
                           f"Create TXT {rr['name']} = {rr['value']} and try again ({where})", field="domain")
    with ports.store.transaction():
        done = ports.store.collection("domains").update(
            held["id"], {"status": "verified", "verified_at": now_iso()}, expect={"status": "pending",
                                                                                 "token": held["token"]})
        if done is None:  # verified by a concurrent call, or released by a domain change
            again = claim_of(ports, service["id"], name)
            if again and again["status"] == "verified":
                return {**public(again), "message": "already verified"}
            raise StateConflict("the domain changed meanwhile: read it again and retry", field="domain")
        audit.record(ports, actor, org_id, "domain.verify", "service", service["id"], {"domain": held["name"]})
    return {**public(done), "message": f"verified: the next deploy routes {done['name']} to this service and "
                                       "requests its certificate"}
