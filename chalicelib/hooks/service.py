"""A project's GitHub webhook: its secret (made and rotated by admins, shown once, Fernet-encrypted
at rest), the reception of deliveries (signature, replay, then a task) and their processing:
a push to an environment's tracked branch deploys the services built from that repository;
pull requests drive preview environments (chalicelib/hooks/previews.py).

Deliveries act with the rights of the admin who made (or last rotated) the hook: a hook whose
admin has left the organization or lost the role stops acting, with the reason recorded."""
from __future__ import annotations

import logging
import secrets
from typing import Any, Optional

from chalicelib import tasks
from chalicelib.accounts.service import load_in_org
from chalicelib.audit import service as audit
from chalicelib.core import security
from chalicelib.core.context import Actor, Ports
from chalicelib.core.errors import BadRequest, DomainError, TooLarge, Unauthorized
from chalicelib.core.ids import new_id, now_iso
from chalicelib.hooks import github, paths
from chalicelib.lifecycle import states
from chalicelib.store.port import Conflict, iter_all

log = logging.getLogger("launchbay.hooks")
DELIVERY_PATH = "/v1/hooks/github/{project}"
EVENTS = ("push", "pull_request")
BAD_SIGNATURE = "the X-Hub-Signature-256 header does not match this project's webhook secret"


# --- the hook itself ---------------------------------------------------------------

def create_or_rotate(ports: Ports, actor: Actor, org_id: str, project_id: str, base_url: str) -> dict[str, Any]:
    """-> {"url", "secret", ...}: the secret is shown here only; a second call replaces it."""
    load_in_org(ports, actor, org_id, "project.write", "projects", project_id, "project")
    secret = secrets.token_urlsafe(32)
    hooks, now = ports.store.collection("hooks"), now_iso()
    fields = {"ciphertext": security.encrypt(ports.settings.fernet_key(), secret), "acts_as": actor.user_id,
              "updated": now}
    with ports.store.transaction():
        current = hooks.find_one({"project_id": project_id})
        if current is None:
            doc = hooks.insert({"id": new_id("hook"), "org_id": org_id, "project_id": project_id,
                                "provider": "github", "created": now, **fields})
        else:
            doc = hooks.update(current["id"], fields) or current
        audit.record(ports, actor, org_id, "hook.rotate" if current else "hook.create", "project", project_id,
                     {"provider": "github", "hook_id": doc["id"]})
    url = base_url.rstrip("/") + DELIVERY_PATH.format(project=project_id)
    return {"id": doc["id"], "provider": "github", "url": url, "secret": secret, "content_type": "application/json",
            "events": list(EVENTS), "rotated": current is not None}


def describe(ports: Ports, actor: Actor, org_id: str, project_id: str, base_url: str) -> dict[str, Any]:
    """The hook without its secret, with its payload URL (to set GitHub up again) and latest deliveries.
    No hook yet is a normal state of a project, not a missing resource: `configured: false`."""
    load_in_org(ports, actor, org_id, "read", "projects", project_id, "project")
    url = base_url.rstrip("/") + DELIVERY_PATH.format(project=project_id)
    hook = ports.store.collection("hooks").find_one({"project_id": project_id})
    if hook is None:
        return {"configured": False, "id": None, "provider": "github", "url": url, "events": list(EVENTS),
                "created": None, "updated": None, "deliveries": []}
    recent, _ = ports.store.collection("hook_deliveries").find({"project_id": project_id}, order="-created", limit=20)
    return {"configured": True, "id": hook["id"], "provider": "github", "url": url,
            "events": list(EVENTS), "created": hook["created"], "updated": hook["updated"],
            "deliveries": [public_delivery(d) for d in recent]}


# --- a delivery arrives ------------------------------------------------------------

def receive(ports: Ports, project_id: str, headers: dict[str, str], raw: bytes) -> tuple[int, dict[str, Any]]:
    """Check and record one delivery; the work happens in a task. -> (HTTP status, body).
    Nothing is stored unless the signature matches the project's secret."""
    if len(raw) > ports.settings.max_body_bytes:
        raise TooLarge(f"delivery larger than {ports.settings.max_body_bytes} bytes")
    hook = ports.store.collection("hooks").find_one({"project_id": project_id}) if project_id.startswith("prj_") else None
    # an unknown project and a wrong signature look the same: nothing tells which ids exist
    secret = security.decrypt(ports.settings.fernet_key(), hook["ciphertext"]) if hook else ""
    if hook is None or not github.signature_ok(secret, raw, headers.get("x-hub-signature-256")):
        raise Unauthorized(BAD_SIGNATURE, field="X-Hub-Signature-256")
    event = (headers.get("x-github-event") or "").strip()
    delivery = (headers.get("x-github-delivery") or "").strip()
    if not event or not delivery or len(delivery) > 100:
        raise BadRequest("X-GitHub-Event and X-GitHub-Delivery (at most 100 characters) are required",
                         field="X-GitHub-Delivery" if event else "X-GitHub-Event")
    if event == "ping":
        return 200, {"ok": True, "event": "ping", "project_id": project_id}
    if event not in EVENTS:
        return 200, {"ignored": f"event {event!r}: this hook acts on {' and '.join(EVENTS)} only"}
    data = github.payload(raw, headers.get("content-type") or "application/json")
    parsed = github.parse(event, data)
    doc = {"id": new_id("dlv"), "org_id": hook["org_id"], "project_id": project_id, "hook_id": hook["id"],
           "delivery": delivery, "event": event, "payload": parsed.model_dump(mode="json"),
           "status": "received", "result": None, "created": now_iso()}
    try:
        ports.store.collection("hook_deliveries").insert(doc)   # unique (project_id, delivery): a replay stops here
    except Conflict:
        return 200, {"duplicate": True, "delivery": delivery, "message": "this delivery was received before"}
    try:
        ports.queue.publish(tasks.PROCESS_HOOK, doc["id"])
    except Exception as exc:  # the broker is down: the delivery stays `received` for republish_stale (beat)
        log.warning("hook delivery %s stored but not published (%s)", doc["id"], type(exc).__name__)
    return 202, {"delivery": delivery, "id": doc["id"], "event": event, "status": "received"}


# --- the task ------------------------------------------------------------------------

def process(ports: Ports, delivery_id: str) -> dict[str, Any]:
    """Run once per delivery (a repeated task finds it no longer `received`)."""
    from chalicelib.hooks import previews

    deliveries = ports.store.collection("hook_deliveries")
    doc = deliveries.get(delivery_id)
    if doc is None or doc["status"] != "received":
        return {"skipped": f"delivery is {doc['status'] if doc else 'gone'}"}
    if deliveries.update(delivery_id, {"status": "processing"}, expect={"status": "received"}) is None:
        return {"skipped": "taken by another worker"}
    try:
        actor = acting_actor(ports, doc)
        if doc["event"] == "push":
            result = on_push(ports, actor, doc, github.PushEvent.model_validate(doc["payload"]))
        else:
            result = previews.on_pull_request(ports, actor, doc,
                                              github.PullRequestEvent.model_validate(doc["payload"]))
        status = "done"
    except DomainError as exc:   # e.g. the hook's admin lost the role: recorded, not retried
        result, status = {"error": exc.message}, "failed"
    except Exception:   # e.g. the store briefly unavailable: back to `received`, republished by beat
        deliveries.update(delivery_id, {"status": "received"}, expect={"status": "processing"})
        raise
    if result.get("skipped") or result.get("error"):
        log.info("hook delivery %s (%s): %s", doc["delivery"], doc["event"], result.get("skipped") or result.get("error"))
    deliveries.update(delivery_id, {"status": status, "result": result, "finished": now_iso()})
    return result


def republish_stale(ports: Ports, older_than: float = 60.0) -> int:
    """Beat: deliveries stored while the broker was down (still `received`) get their task."""
    import time

    from chalicelib.core.ids import iso_from_epoch

    cutoff = iso_from_epoch(time.time() - older_than)
    stale, _ = ports.store.collection("hook_deliveries").find({"status": "received", "created": {"$lt": cutoff}},
                                                               order="created", limit=100)
    for doc in stale:
        ports.queue.publish(tasks.PROCESS_HOOK, doc["id"])
    return len(stale)


def acting_actor(ports: Ports, delivery: dict[str, Any]) -> Actor:
    hook = ports.store.collection("hooks").get(delivery["hook_id"]) or {}
    sender = (delivery["payload"].get("sender") or {}).get("login") or "unknown"
    user = ports.store.collection("users").get(hook.get("acts_as") or "") or {}
    return Actor(user_id=hook.get("acts_as") or "", email=f"github:{sender} (hook of {user.get('email', '?')})")


def tracked_environments(ports: Ports, project_id: str, branch: str) -> list[dict[str, Any]]:
    return [e for e in iter_all(ports.store.collection("environments"), {"project_id": project_id, "branch": branch})
            if not e.get("preview") and not e.get("retiring")]


def source_services(ports: Ports, env_id: str, repo: str) -> list[dict[str, Any]]:
    """The environment's services built from `repo` (owner/name, as GitHub spells it, any case)."""
    return [s for s in iter_all(ports.store.collection("services"), {"environment_id": env_id})
            if s.get("status") != "deleting"
            and ((s.get("source") or {}).get("repo") or "").lower() == repo.lower()]


def deploy(ports: Ports, actor: Actor, services: list[dict[str, Any]], delivery: dict[str, Any],
           commit: Optional[dict[str, str]]) -> list[str]:
    """One deployment per service; the delivery id as idempotency key makes a re-run of the task
    return the same deployments. A newer deployment supersedes the service's older queued ones."""
    from chalicelib.catalog.freezes import freeze_of
    from chalicelib.deploys.service import create_deployment

    made = []
    frozen: dict[str, bool] = {}   # environment id -> frozen (services share their environment: read once)
    for svc in services:
        if svc["status"] in states.SUSPENDED:   # deploys wait for its resume (deploys/suspend.py)
            if (svc.get("suspended") or {}).get("sleep"):   # asleep by its schedule: deployed once it wakes
                ports.store.collection("services").update(svc["id"], {
                    "missed_push": {"commit": commit, "delivery": delivery["delivery"]}, "missed_push_at": now_iso()})
            continue
        env_id = svc.get("environment_id") or ""
        if env_id not in frozen:
            frozen[env_id] = bool(freeze_of(ports.store.collection("environments").get(env_id) or {}))
        if frozen[env_id]:   # frozen: this push is not deployed there (the delivery's result says so)
            continue
        dep, _ = create_deployment(ports, actor, svc["org_id"], svc["id"], None, f"github:{delivery['delivery']}",
                                   commit=commit)
        made.append(dep["id"])
    return made


def on_push(ports: Ports, actor: Actor, delivery: dict[str, Any], push: github.PushEvent) -> dict[str, Any]:
    branch = push.branch
    if branch is None or push.deleted or push.after == github.ZERO_SHA:
        return {"skipped": f"{push.ref} is not a branch update"}
    envs = tracked_environments(ports, delivery["project_id"], branch)
    if not envs:
        return {"skipped": f"no environment tracks branch {branch!r}"}
    services = [s for e in envs for s in source_services(ports, e["id"], push.repository.full_name)]
    if not services:
        return {"skipped": f"no service of {', '.join(e['name'] for e in envs)} is built from "
                           f"{push.repository.full_name}"}
    # a monorepo: services with watch paths deploy only when the push touches them
    changed = paths.changed_files([c.model_dump() for c in push.commits])
    left = {f"{s['name']} ({s.get('environment')})": why for s in services
            if (why := paths.skip_reason(s, changed))}
    services = [s for s in services if not paths.skip_reason(s, changed)]
    if not services:
        return {"skipped": "no service's watch paths changed", "unchanged": left}
    deployments = deploy(ports, actor, services, delivery, push.commit())
    from chalicelib.catalog.freezes import freeze_of

    frozen = [e["name"] for e in envs if freeze_of(e)]
    return {"branch": branch, "environments": [e["name"] for e in envs], "deployments": deployments,
            **({"frozen": frozen} if frozen else {}), **({"unchanged": left} if left else {})}


def public_delivery(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: doc.get(k) for k in ("id", "delivery", "event", "status", "result", "created", "finished")}
