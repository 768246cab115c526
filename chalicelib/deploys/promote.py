"""Promotion: what is live in one environment, deployed as it is to the same-named services of
another (staging -> production). Build once, run everywhere: each target service runs the
source's live image by digest, with its source commit, under the target's own settings,
variables, secrets and linked resources. Nothing is rebuilt.

An environment can also promote by itself (`promote_to`, chalicelib/catalog/environments.py):
`follow_on`, the lifecycle's AutoPromote hook, promotes each new release that goes live there.

`plan` says per service what a promotion would do (deploy, or skip and why) and what to look at
first (warnings: names the source sets that the target lacks, an image in another account's
registry, architectures that differ), without changing anything; `promote` applies the same plan.
A release Launchbay built from source was built for one CPU architecture: it is not promoted to a
service that runs on the other (a registry's image may hold both, so there it is a warning).

Each deploy is a normal deployment (`promoted_from` says where its release came from): an environment that requires
approval holds it for an admin, and a retry of a promotion skips what is already on its way.
"""
from __future__ import annotations

import logging
from typing import Any, Optional

from chalicelib.accounts.service import authorize
from chalicelib.audit import service as audit
from chalicelib.catalog import environments, freezes
from chalicelib.cloud.naming import ECR_REPO
from chalicelib.core.context import SYSTEM, Actor, Ports
from chalicelib.core.errors import Invalid, NotFound, StateConflict
from chalicelib.deploys import service as deploys
from chalicelib.lifecycle import states
from chalicelib.store.port import iter_all

log = logging.getLogger("launchbay.deploys")

# a promotion of this release to this service is already asked for, on its way or live
_ON_ITS_WAY = ("awaiting_approval",) + tuple(sorted(states.UNDER_WAY))
MAX_SERVICES = 200


def plan(ports: Ports, actor: Actor, org_id: str, project_id: str, from_ref: str, to_ref: str,
         names: Optional[list[str]] = None) -> dict[str, Any]:
    """What promoting `from_ref` to `to_ref` would do, service by service (read-only)."""
    source, target = _environments(ports, actor, org_id, project_id, from_ref, to_ref)
    return _plan(ports, source, target, names)


def promote(ports: Ports, actor: Actor, org_id: str, project_id: str, from_ref: str, to_ref: str,
            names: Optional[list[str]] = None, idempotency_key: Optional[str] = None) -> tuple[dict[str, Any], bool]:
    """Apply the plan: one deployment per service it deploys. -> (the plan with each
    `deployment`, whether any deployment was created)."""
    source, target = _environments(ports, actor, org_id, project_id, from_ref, to_ref)
    authorize(ports, actor, org_id, "deploy", source["project_id"])
    key = deploys.checked_key(idempotency_key)
    out = _plan(ports, source, target, names)
    return out, _apply(ports, actor, source, target, out, key and f"promote:{key}")


def target_of(ports: Ports, dep: dict[str, Any]) -> Optional[tuple[dict, dict, dict]]:
    """-> (service, its environment, the environment it promotes to) when `dep` is a new release
    (not a rollback, a restart or a resume) of an environment with a live `promote_to`; else None."""
    if states.reruns(dep):
        return None
    store = ports.store
    service = store.collection("services").get(dep["service_id"])
    source = environments.of_service(ports, service) if service else {}
    target = store.collection("environments").get(source.get("promote_to_id") or "")
    if service is None or target is None or target.get("status") == "deleting":
        return None
    return service, source, target


def follow_on(ports: Ports, dep: dict[str, Any]) -> Optional[dict[str, Any]]:
    """The lifecycle's AutoPromote hook, once `dep` is live: a new release of an environment with
    `promote_to` goes on to that environment's namesake service. The person who asked stays the
    requester there (prevent_self_approval); the key `auto-promote:<dep>` makes a second call (the
    reaper's, after a worker died before the first finished) return the first deployment.
    -> the promotion's entry, or None when the environment promotes nowhere."""
    found = target_of(ports, dep)
    if found is None:
        return None
    service, source, target = found
    dst = ports.store.collection("services").find_one({"environment_id": target["id"], "name": service["name"]})
    entry = _entry(ports, source, target, service, dst)
    out = {**_ends(source, target), "services": [entry]}
    actor = Actor(user_id=dep.get("actor_id") or SYSTEM.user_id,
                  email=f"launchbay (auto-promote of {source['name']} #{dep['number']}, asked by {dep.get('actor') or 'launchbay'})")
    _apply(ports, actor, source, target, out, f"auto-promote:{dep['id']}", audit_empty=False)
    made = entry.get("deployment") if entry["action"] == "deploy" else None
    from chalicelib.deploys.logs import append_log

    append_log(ports, dep, f"promoted to {target['name']}: deployment #{made['number']} "
                           f"({made['status'].replace('_', ' ')})" if made else
                           f"not promoted to {target['name']}: {entry['reason']}", "promote")
    return entry


def _apply(ports: Ports, actor: Actor, source: dict[str, Any], target: dict[str, Any], out: dict[str, Any],
           key: Optional[str], audit_empty: bool = True) -> bool:
    """One deployment per entry that deploys; -> whether any was created (a retry finds its first)."""
    created_any = False
    for entry in out["services"]:
        if entry["action"] != "deploy":
            continue
        service = ports.store.collection("services").get(entry["to"]["service_id"]) or {}
        live = entry["from"]
        try:
            dep, created = deploys._new_deployment(
                ports, actor, service, live["image"], key, commit=live.get("commit"),
                extra={"promoted_from_id": live["deployment_id"],
                       "promoted_from": {"deployment_id": live["deployment_id"], "number": live["number"],
                                         "service_id": live["service_id"], "environment": source["name"],
                                         "environment_id": source["id"]}})
        except StateConflict as exc:   # changed since the plan was read (suspended, being deleted)
            entry.update(action="skip", reason=exc.message)
            continue
        created_any = created_any or created
        entry["deployment"] = deploys.summary(dep)
    deployed = [e["service"] for e in out["services"] if e["action"] == "deploy" and e.get("deployment")]
    out["summary"] = _summary(out["services"])
    if not deployed and not audit_empty:   # an automatic promotion that had nothing to do: its log says why
        return created_any
    audit.record(ports, actor, source["org_id"], "environment.promote", "environment", target["id"],
                 {"from": source["name"], "to": target["name"], "deployed": deployed,
                  "skipped": len(out["services"]) - len(deployed)})
    return created_any


def _environments(ports: Ports, actor: Actor, org_id: str, project_id: str, from_ref: str,
                  to_ref: str) -> tuple[dict[str, Any], dict[str, Any]]:
    source = environments.get_environment(ports, actor, org_id, project_id, from_ref)
    try:
        target = environments.get_environment(ports, actor, org_id, project_id, to_ref)
    except NotFound as exc:   # named as the request names it
        raise NotFound(exc.message, field="to") from None
    if target["id"] == source["id"]:
        raise Invalid(f"promote {source['name']} to another environment, not to itself", field="to")
    if target.get("status") == "deleting":
        raise StateConflict(f"the {target['name']} environment is being deleted", field="to")
    return source, target


def _plan(ports: Ports, source: dict[str, Any], target: dict[str, Any],
          names: Optional[list[str]]) -> dict[str, Any]:
    services = ports.store.collection("services")
    from_services = {s["name"]: s for s in iter_all(services, {"environment_id": source["id"]})}
    to_services = {s["name"]: s for s in iter_all(services, {"environment_id": target["id"]})}
    if names:
        unknown = sorted(set(names) - set(from_services))
        if unknown:
            raise Invalid(f"no service named {', '.join(unknown)} in {source['name']}", field="services")
        wanted = sorted(set(names))
    else:
        wanted = sorted(from_services)
    if len(wanted) > MAX_SERVICES:
        raise Invalid(f"promote at most {MAX_SERVICES} services at once (name them with services)", field="services")
    entries = [_entry(ports, source, target, from_services[name], to_services.get(name)) for name in wanted]
    return {**_ends(source, target), "services": entries, "summary": _summary(entries)}


def _ends(source: dict[str, Any], target: dict[str, Any]) -> dict[str, Any]:
    """The plan's `from` and `to`, as the API answers them."""
    return {"from": {"id": source["id"], "name": source["name"]},
            "to": {"id": target["id"], "name": target["name"], "require_approval": bool(target.get("require_approval"))}}


def _release(dep: dict[str, Any]) -> dict[str, Any]:
    return {"deployment_id": dep["id"], "number": dep["number"], "service_id": dep["service_id"],
            "image": (dep.get("spec") or {}).get("image") or dep["image"], "commit": dep.get("commit")}


def _entry(ports: Ports, source: dict[str, Any], target: dict[str, Any], src: dict[str, Any],
           dst: Optional[dict[str, Any]]) -> dict[str, Any]:
    deps = ports.store.collection("deployments")
    entry: dict[str, Any] = {"service": src["name"], "kind": src["kind"], "from": None, "to": None,
                             "action": "skip", "reason": "", "approval": False, "warnings": []}
    live = deps.get(src.get("live_deployment_id") or "")
    if live is not None:
        entry["from"] = _release(live)
    if dst is not None:
        dst_live = deps.get(dst.get("live_deployment_id") or "")
        entry["to"] = {"service_id": dst["id"], "kind": dst["kind"], "status": dst["status"],
                       "live": _release(dst_live) if dst_live else None}
    if live is None:
        entry["reason"] = f"{src['name']} has no live release in {source['name']}"
    elif dst is None:
        entry["reason"] = (f"{target['name']} has no service named {src['name']}: add it (or clone the environment), "
                           "then promote")
    elif dst["status"] == "deleting":
        entry["reason"] = f"{src['name']} in {target['name']} is being deleted"
    elif freeze := freezes.freeze_of(target):
        entry["reason"] = freezes.frozen_message(target, freeze)
    elif dst["status"] in states.SUSPENDED:
        entry["reason"] = f"{src['name']} in {target['name']} is {dst['status']}: resume it first"
    elif entry["to"]["live"] and entry["to"]["live"]["image"] == entry["from"]["image"]:
        entry["reason"] = f"{target['name']} already runs this image (release #{entry['to']['live']['number']})"
    elif built_for := _built_elsewhere(live, dst):
        entry["reason"] = (f"{src['name']}'s release #{live['number']} was built for {built_for} only, and "
                           f"{src['name']} runs on {_arch(dst)} in {target['name']}: its tasks would not start. "
                           f"Give both the same architecture, or deploy {target['name']}'s {src['name']} from source "
                           f"(it builds for {_arch(dst)})")
    else:
        pending = _pending_promotion(ports, dst["id"], live["id"])
        if pending is not None:
            entry["reason"] = f"already promoted: deployment #{pending['number']} is {pending['status'].replace('_', ' ')}"
            entry["deployment"] = deploys.summary(pending)
        else:
            held = bool(target.get("require_approval"))
            entry.update(action="deploy", approval=held,
                         reason=f"deploys {source['name']}'s release #{live['number']} to {target['name']}"
                                + (" (waits for approval by an admin or owner)" if held else ""))
    if live is not None and dst is not None:
        entry["warnings"] = _warnings(ports, source, target, src, dst, entry["from"]["image"], live.get("spec") or {})
    return entry


def _arch(service_or_spec: dict[str, Any]) -> str:
    return service_or_spec.get("architecture") or "x86_64"


def _built_elsewhere(live: dict[str, Any], dst: dict[str, Any]) -> Optional[str]:
    """The CPU architecture a release Launchbay built from source was built for (one only: it builds
    on a host of that CPU, deploys/build.py), when the target service runs on the other; else None."""
    spec = live.get("spec") or {}
    if spec.get("source") and _arch(spec) != _arch(dst):
        return _arch(spec)
    return None


def _pending_promotion(ports: Ports, service_id: str, from_deployment_id: str) -> Optional[dict[str, Any]]:
    found, _ = ports.store.collection("deployments").find(
        {"service_id": service_id, "status": {"$in": list(_ON_ITS_WAY)},
         "promoted_from_id": from_deployment_id}, limit=1)
    return found[0] if found else None


def _names(ports: Ports, service: dict[str, Any]) -> dict[str, str]:
    """What the service's tasks are given, by name -> where it comes from."""
    links, _ = ports.store.collection("resource_links").find({"service_id": service["id"]}, limit=100)
    variables, secrets = environments.resolved(ports, service)   # one pass over its layers
    return {**{k: "variable" for k in variables}, **{k: "secret" for k in secrets},
            **{link["variable"]: "linked resource" for link in links}}


def _warnings(ports: Ports, source: dict[str, Any], target: dict[str, Any], src: dict[str, Any],
              dst: dict[str, Any], image: str, spec: dict[str, Any]) -> list[str]:
    out = []
    have, lack = _names(ports, dst), _names(ports, src)
    missing = sorted(set(lack) - set(have))
    if missing:
        out.append(f"{src['name']} in {target['name']} lacks what {source['name']} gives it: "
                   + ", ".join(f"{name} ({lack[name]})" for name in missing))
    if not spec.get("source") and _arch(spec) != _arch(dst):   # an image from a registry: it may hold both
        out.append(f"{src['name']} runs on {_arch(spec)} in {source['name']} and on {_arch(dst)} in {target['name']}: "
                   f"the image must have a variant for both (a multi-platform image), or {target['name']}'s tasks "
                   "will not start")
    if src["kind"] != dst["kind"]:
        out.append(f"{src['name']} is a {src['kind']} service in {source['name']} and a {dst['kind']} service "
                   f"in {target['name']}")
    m = ECR_REPO.match(image)   # an image in a private ECR registry: the account and region it lives in
    if m:
        from chalicelib.deploys.placement import target_for

        there, origin = target_for(ports, dst), target_for(ports, src)
        account, region = there.get("account"), there.get("region")
        ours = m["repo"].startswith("launchbay/") and m["region"] == origin.get("region") == region
        if ours and (account or None) != (origin.get("account") or None):
            out.append(f"the image is in {source['name']}'s ECR (account {m['account']}): the deployment lets "
                       f"{'account ' + account if account else 'the platform account'} pull it first "
                       "(a statement in that repository's policy)")
        elif (account and m["account"] != account) or (region and m["region"] != region):
            out.append(f"the image is in ECR of account {m['account']} ({m['region']}); {target['name']} deploys to "
                       f"{'account ' + account if account else 'the platform account'} ({region}): its tasks must be "
                       "allowed to pull it (a repository policy on that repository)")
    return out


def _summary(entries: list[dict[str, Any]]) -> dict[str, int]:
    return {"deploy": sum(1 for e in entries if e["action"] == "deploy"),
            "skip": sum(1 for e in entries if e["action"] != "deploy"),
            "approval": sum(1 for e in entries if e["action"] == "deploy" and e["approval"])}
