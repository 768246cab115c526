"""Deleting an organization: its owner, from a log-in session, naming it again, once its projects
are gone (each project's deletion tears its environments down in AWS first).

Two halves, as everything slow here: the API takes access away at once, in one transaction (the
organization, its memberships, invitations and the API tokens limited to it), and leaves a
tombstone (`org_deletions`); the worker's `purge` then takes the copies of the organization's
credentials out of the AWS accounts it deployed to and deletes the rest of its documents (deploy
history, logs, audit events, connections), in batches, each step idempotent. A purge a killed
worker left half done is queued again by the cleanup beat (`resume`)."""
from __future__ import annotations

import logging
import time
from typing import Any, Optional

from chalicelib import tasks
from chalicelib.accounts.sessions import require_log_in
from chalicelib.core.context import Actor, Ports
from chalicelib.core.errors import MAX_RESOURCES, Invalid, NotFound, StateConflict, named
from chalicelib.core.ids import epoch_from_iso, now_iso
from chalicelib.mail import messages
from chalicelib.mail import service as mail
from chalicelib.store.port import iter_all

log = logging.getLogger("launchbay.accounts")
TOMBSTONES = "org_deletions"
BATCH = 500            # documents deleted per step of the purge
MAX_TOLD = 200         # members e-mailed that the organization is gone
RESUME_AFTER = 600     # seconds: a purge still unfinished then is queued again
MAX_NAMED = 5


def delete(ports: Ports, actor: Actor, org_id: str, confirm: Optional[str], request_base: str = "") -> dict[str, Any]:
    """-> {status: "deleting", ...}: access is gone now; the worker removes the rest."""
    from chalicelib.accounts.service import authorize

    require_log_in(actor, "an organization is deleted")
    authorize(ports, actor, org_id, "org.delete")
    store = ports.store
    org = store.collection("organizations").get(org_id)
    if org is None:
        raise NotFound("organization not found", field="org")
    if confirm != org["name"]:
        raise Invalid(f"to delete it, confirm with its name: ?confirm={org['name']}", field="confirm")
    projects, _ = store.collection("projects").find({"org_id": org_id}, order="created", limit=MAX_RESOURCES)
    if projects:
        names = ", ".join(p["name"] for p in projects[:MAX_NAMED]) + (" and more" if len(projects) > MAX_NAMED else "")
        raise StateConflict(f"the organization still has projects ({names}): delete them first (that tears "
                            "down what they run in AWS)", field="org", resources=named("project", projects))
    leaving = store.collection("environments").count({"org_id": org_id})
    if leaving:
        raise StateConflict(f"{leaving} environment(s) of deleted projects are still being torn down in AWS: "
                            "wait until they are gone", field="org")
    now = now_iso()
    members = list(iter_all(store.collection("memberships"), {"org_id": org_id}))
    with store.transaction():
        store.collection(TOMBSTONES).insert({
            "id": org_id, "org_id": org_id, "name": org["name"], "created": now, "by": actor.label,
            "registries": [d["host"] for d in iter_all(store.collection("registry_credentials"), {"org_id": org_id})],
            "env_groups": [d["id"] for d in iter_all(store.collection("env_groups"), {"org_id": org_id})],
            "left": []})
        store.collection("memberships").delete_many({"org_id": org_id})
        store.collection("invitations").delete_many({"org_id": org_id})
        tokens = store.collection("tokens").delete_many({"org_id": org_id})   # limited to it: they reach nothing now
        store.collection("organizations").delete(org_id)
        told = _tell_members(ports, members, org, actor, request_base)
    for doc in told:
        mail.publish(ports, doc["id"])
    _queue(ports, org_id)
    return {"status": "deleting", "id": org_id, "name": org["name"], "members_removed": len(members),
            "revoked_api_tokens": tokens}


def _tell_members(ports: Ports, members: list[dict[str, Any]], org: dict[str, Any], actor: Actor,
                  request_base: str) -> list[dict[str, Any]]:
    """Each member with a confirmed address hears the organization is gone, and by whom (a rogue
    owner's deletion must not go unnoticed: its audit log goes with it)."""
    users = ports.store.collection("users")
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    out = []
    for m in members[:MAX_TOLD]:
        user = users.get(m["user_id"])
        if user and user.get("email_verified"):
            out.append(mail.queue(ports, user["email"], messages.org_deleted(org["name"], actor.label, when),
                                  "org_deleted"))
    return out


def _queue(ports: Ports, org_id: str) -> None:
    try:
        ports.queue.publish(tasks.PURGE_ORGANIZATION, org_id)
    except Exception as exc:   # the broker is down: the cleanup beat queues it later (resume)
        log.warning("organization %s is deleted but its purge was not queued (%s)", org_id, type(exc).__name__)


# --- the worker's half ---------------------------------------------------------------------

def _places(ports: Ports, org_id: str) -> list[dict[str, Any]]:
    """Each AWS account and region the organization deployed to (its deploy history says)."""
    seen: dict[tuple, dict[str, Any]] = {}
    for dep in iter_all(ports.store.collection("deployments"), {"org_id": org_id}):
        target = dep.get("target") or {}
        place = {"aws_account_id": target.get("aws_account_id"), "region": target.get("region")}
        seen.setdefault((place["aws_account_id"], place["region"]), place)
    return list(seen.values())


def _forget_in_aws(ports: Ports, tomb: dict[str, Any]) -> list[str]:
    """The organization's credentials copied into its AWS accounts (GitHub token, registry
    credentials, environment group secrets) deleted there. A place that refuses for good (its
    connection's role was removed) is recorded as left; a transient failure is raised (retried).
    Their documents go first, so the `forget_everywhere` functions see them gone."""
    from chalicelib.envgroups import service as envgroups
    from chalicelib.hooks import credentials
    from chalicelib.registries import service as registries

    store, org_id = ports.store, tomb["org_id"]
    store.collection("secrets").delete_many({"scope_id": org_id})          # the GitHub token
    store.collection("registry_credentials").delete_many({"org_id": org_id})
    for group_id in tomb["env_groups"]:
        store.collection("secrets").delete_many({"scope_id": group_id})
    store.collection("env_groups").delete_many({"org_id": org_id})
    left = []
    for place in _places(ports, org_id):
        try:
            credentials.forget_everywhere(ports, org_id, targets=[place])
            for host in tomb["registries"]:
                registries.forget_everywhere(ports, org_id, host, places=[place])
            for group_id in tomb["env_groups"]:
                envgroups.forget_everywhere(ports, org_id, group_id, None, places=[place])
        except Exception as exc:
            if ports.cloud.is_retryable(exc):
                raise
            left.append(f"{place['aws_account_id'] or 'the platform account'} {place['region'] or ''}: "
                        f"{type(exc).__name__}: {str(exc)[:200]}")
    return left


def _delete_in_batches(ports: Ports, collection: str, where: dict[str, Any]) -> int:
    coll, total = ports.store.collection(collection), 0
    while True:
        docs, _ = coll.find(where, limit=BATCH)
        if not docs:
            return total
        for doc in docs:
            total += int(coll.delete(doc["id"]))


def purge(ports: Ports, org_id: str) -> dict[str, Any]:
    """Worker: everything of a deleted organization, gone. Safe to run again at any point."""
    store = ports.store
    tomb = store.collection(TOMBSTONES).get(org_id)
    if tomb is None:
        return {"status": "nothing to purge"}
    left = _forget_in_aws(ports, tomb)
    if left:
        store.collection(TOMBSTONES).update(org_id, {"left": left})
        log.warning("organization %s deleted; copies left in AWS: %s", org_id, "; ".join(left))
    counts: dict[str, int] = {"deployments": 0, "log_lines": 0}
    services: set[str] = set()
    deployments = store.collection("deployments")
    while True:   # the deploy history, with each deployment's log lines
        docs, _ = deployments.find({"org_id": org_id}, limit=BATCH)
        if not docs:
            break
        for dep in docs:
            services.add(dep.get("service_id") or "")
            counts["log_lines"] += _delete_in_batches(ports, "log_lines", {"deployment_id": dep["id"]})
            counts["deployments"] += int(deployments.delete(dep["id"]))
    for service_id in sorted(services - {""}):   # what the deleted services left behind them
        for name in ("runs", "alerts", "alert_rules"):
            counts[name] = counts.get(name, 0) + _delete_in_batches(ports, name, {"service_id": service_id})
    for name in ("audit_events", "notify_subscriptions", "aws_accounts"):
        counts[name] = _delete_in_batches(ports, name, {"org_id": org_id})
    store.collection(TOMBSTONES).delete(org_id)
    return {"status": "purged", "left_in_aws": left, **counts}


def resume(ports: Ports) -> int:
    """Cleanup beat: purges queued over RESUME_AFTER seconds ago and not finished, queued again."""
    stale = time.time() - RESUME_AFTER
    queued = 0
    for tomb in list(iter_all(ports.store.collection(TOMBSTONES), {})):
        if epoch_from_iso(tomb["created"]) < stale:
            _queue(ports, tomb["org_id"])
            queued += 1
    return queued
