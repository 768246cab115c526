"""Subscriptions (CRUD scoped to an organization's project: admins manage, every member reads),
the delivery log, and emitting events.

The receiver URL may carry a token (Slack's does) and the webhook signing secret is one:
both are stored encrypted (Fernet, the secrets key) and never returned, except the secret
once, when it is made (create, rotate). Answers show the URL's scheme and host only.
"""
from __future__ import annotations

import hashlib
import logging
import threading
from typing import Any, Optional

from chalicelib import tasks
from chalicelib.accounts.service import load_in_org
from chalicelib.audit import service as audit
from chalicelib.core import security
from chalicelib.core.context import Actor, Ports
from chalicelib.core.errors import Invalid, NotFound
from chalicelib.core.ids import new_id, now_iso
from chalicelib.notify import events, personal, signing, urls
from chalicelib.store.port import Conflict, iter_all

log = logging.getLogger("launchbay.notify")
SUBS = "notify_subscriptions"
DELIVERIES = "notify_deliveries"
MAX_PER_PROJECT = 50
PUBLISH_WAIT = 0.5  # seconds a status move waits for its event to be queued (see _publish_briefly)


# --- shaping --------------------------------------------------------------------------

def url_hint(url: str) -> str:
    """What an answer shows of a receiver URL: scheme, host and port (the path may hold a token)."""
    t = urls.parse(url)
    default = 443 if t.scheme == "https" else 80
    host = f"[{t.host}]" if ":" in t.host else t.host
    return f"{t.scheme}://{host}{'' if t.port == default else f':{t.port}'}/…"


def public(sub: dict[str, Any]) -> dict[str, Any]:
    out = {k: sub.get(k) for k in ("id", "org_id", "project_id", "kind", "name", "url_hint", "emails", "events",
                                   "enabled", "created", "updated", "secret_rotated")}
    out["signed"] = sub.get("kind") == "webhook"
    return out


def public_delivery(d: dict[str, Any]) -> dict[str, Any]:
    return {k: d.get(k) for k in ("id", "subscription_id", "event_id", "event", "status", "attempts", "response_code",
                                  "error", "duration_ms", "history", "next_attempt", "created", "updated")}


# --- reading --------------------------------------------------------------------------

def _project(ports: Ports, actor: Actor, org_id: str, project_id: str, action: str) -> dict[str, Any]:
    return load_in_org(ports, actor, org_id, action, "projects", project_id, "project")


def get_subscription(ports: Ports, actor: Actor, org_id: str, project_id: str, sub_id: str,
                     action: str = "read") -> dict[str, Any]:
    _project(ports, actor, org_id, project_id, action)
    sub = ports.store.collection(SUBS).get(sub_id)
    if sub is None or sub["org_id"] != org_id or sub["project_id"] != project_id:
        raise NotFound("notification subscription not found", field="sub")
    return sub


def list_subscriptions(ports: Ports, actor: Actor, org_id: str, project_id: str, limit: int, after: Optional[str]):
    _project(ports, actor, org_id, project_id, "read")
    return ports.store.collection(SUBS).find({"project_id": project_id}, order="created", limit=limit, after=after)


def list_deliveries(ports: Ports, actor: Actor, org_id: str, project_id: str, sub_id: str, limit: int,
                    after: Optional[str]):
    """Newest first, by cursor."""
    get_subscription(ports, actor, org_id, project_id, sub_id)
    return ports.store.collection(DELIVERIES).find({"subscription_id": sub_id}, order="-created", limit=limit,
                                                   after=after)


# --- writing --------------------------------------------------------------------------

def _checked_url(ports: Ports, url: str) -> str:
    try:
        urls.check_url(url, urls.local_mode(ports.settings))
    except urls.Refused as exc:
        raise Invalid(str(exc), field="url") from None
    return url


def _checked_emails(ports: Ports, org_id: str, addresses: list[str]) -> list[str]:
    """Members' addresses only: a project's news is not for anyone an admin types in."""
    from chalicelib.notify.email import member_addresses

    unique = list(dict.fromkeys(addresses))
    _, others = member_addresses(ports.store, org_id, unique)
    if others:
        raise Invalid(f"{others[0]} is not the confirmed address of a member of this organization: e-mail "
                      "notifications go to members only, once they confirm their address (invite them first)",
                      field="emails")
    return unique


def _target(ports: Ports, org_id: str, kind: str, url: Optional[str], emails: Optional[list[str]]) -> dict[str, Any]:
    """The receiver's fields to store: an e-mail subscription's addresses, or another kind's URL."""
    if kind == "email":
        if url is not None:
            raise Invalid("an e-mail subscription has no url: list its addresses in emails", field="url")
        if not emails:
            raise Invalid("emails is required for an e-mail subscription", field="emails")
        return {"emails": _checked_emails(ports, org_id, emails), "url_cipher": None, "url_hint": None}
    if emails is not None:
        raise Invalid(f"a {kind} subscription has no emails: it posts to its url", field="emails")
    if url is None:
        raise Invalid("url is required", field="url")
    checked = _checked_url(ports, url)
    return {"url_cipher": security.encrypt(_key(ports), checked), "url_hint": url_hint(checked), "emails": None}


def _key(ports: Ports) -> bytes:
    return ports.settings.fernet_key()


def create_subscription(ports: Ports, actor: Actor, org_id: str, project_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """-> the subscription, with its signing secret (webhooks) this once."""
    _project(ports, actor, org_id, project_id, "project.write")
    target = _target(ports, org_id, body["kind"], body.get("url"), body.get("emails"))
    if ports.store.collection(SUBS).count({"project_id": project_id}) >= MAX_PER_PROJECT:
        raise Invalid(f"a project has at most {MAX_PER_PROJECT} notification subscriptions", field="project")
    secret = signing.new_secret() if body["kind"] == "webhook" else None
    now = now_iso()
    doc = {"id": new_id("ntf"), "org_id": org_id, "project_id": project_id, "kind": body["kind"],
           "name": body.get("name") or "", "events": body.get("events") or [events.ALL],
           "enabled": bool(body.get("enabled", True)), **target,
           "secret_cipher": security.encrypt(_key(ports), secret) if secret else None,
           "secret_rotated": now if secret else None, "created": now, "updated": now}
    with ports.store.transaction():
        ports.store.collection(SUBS).insert(doc)
        audit.record(ports, actor, org_id, "notification.create", "notification", doc["id"],
                     {"project_id": project_id, "kind": doc["kind"], "url": doc["url_hint"], "emails": doc["emails"]})
    out = public(doc)
    if secret:
        out["secret"] = secret
    return out


def update_subscription(ports: Ports, actor: Actor, org_id: str, project_id: str, sub_id: str,
                        changes: dict[str, Any]) -> dict[str, Any]:
    current = get_subscription(ports, actor, org_id, project_id, sub_id, "project.write")
    changes = {k: v for k, v in changes.items() if v is not None}
    write: dict[str, Any] = {k: changes[k] for k in ("name", "events", "enabled") if k in changes}
    if "url" in changes or "emails" in changes:   # the kind stays: only its own receiver field may change
        write.update(_target(ports, org_id, current["kind"], changes.get("url"), changes.get("emails")))
    if not write:
        return public(current)
    with ports.store.transaction():
        doc = ports.store.collection(SUBS).update(sub_id, {**write, "updated": now_iso()})
        if doc is None:
            raise NotFound("notification subscription not found", field="sub")
        audit.record(ports, actor, org_id, "notification.update", "notification", sub_id,
                      {"project_id": project_id, "fields": sorted(changes)})
    return public(doc)


def rotate_secret(ports: Ports, actor: Actor, org_id: str, project_id: str, sub_id: str) -> dict[str, Any]:
    """A new signing secret, shown this once; the old one stops signing at once."""
    current = get_subscription(ports, actor, org_id, project_id, sub_id, "project.write")
    if current["kind"] != "webhook":
        raise Invalid("only webhook subscriptions are signed; a Slack webhook has no secret", field="sub")
    secret = signing.new_secret()
    now = now_iso()
    with ports.store.transaction():
        doc = ports.store.collection(SUBS).update(sub_id, {"secret_cipher": security.encrypt(_key(ports), secret),
                                                           "secret_rotated": now, "updated": now})
        if doc is None:
            raise NotFound("notification subscription not found", field="sub")
        audit.record(ports, actor, org_id, "notification.rotate_secret", "notification", sub_id,
                     {"project_id": project_id})
    return {**public(doc), "secret": secret}


def delete_subscription(ports: Ports, actor: Actor, org_id: str, project_id: str, sub_id: str) -> None:
    get_subscription(ports, actor, org_id, project_id, sub_id, "project.write")
    with ports.store.transaction():
        ports.store.collection(SUBS).delete(sub_id)
        ports.store.collection(DELIVERIES).delete_many({"subscription_id": sub_id})
        audit.record(ports, actor, org_id, "notification.delete", "notification", sub_id, {"project_id": project_id})


def send_test(ports: Ports, actor: Actor, org_id: str, project_id: str, sub_id: str) -> dict[str, Any]:
    """Queue a `notification.test` event to this subscription alone (enabled or not); the
    delivery log shows the outcome."""
    sub = get_subscription(ports, actor, org_id, project_id, sub_id, "project.write")
    event = new_event(ports, org_id, project_id, events.TEST, {"subscription_id": sub_id, "requested_by": actor.label})
    delivery = _new_delivery(ports, sub, event)
    ports.queue.publish(tasks.DELIVER_NOTIFICATION, delivery["id"], 1)
    return public_delivery(delivery)


# --- events ---------------------------------------------------------------------------

def new_event(ports: Ports, org_id: str, project_id: str, kind: str, data: dict[str, Any]) -> dict[str, Any]:
    return {"id": new_id("evt"), "type": kind, "created": now_iso(), "org_id": org_id, "project_id": project_id,
            "data": data}


def emit(ports: Ports, org_id: str, project_id: Optional[str], event: str, data: dict[str, Any]) -> Optional[str]:
    """Publish an event to the project's subscriptions. Preview environments call this with
    preview.created / preview.deleted and data such as {"name": "pr-42", "environment": "pr-42",
    "link": <the preview's URL>} (Slack's text reads `name`, `environment` and `link`; webhooks
    get `data` as given). Never raises and never waits on a receiver: one
    indexed read (does the project have an enabled subscription?) and, if so, one task
    published; the fan-out and the deliveries happen in the worker. -> the event id, or None."""
    if not project_id:
        return None
    try:
        if event not in events.EVENTS:
            raise ValueError(f"unknown event type {event!r}")
        subs, _ = ports.store.collection(SUBS).find({"project_id": project_id, "enabled": True}, limit=1)
        if not subs and event not in personal.EVENTS:   # those e-mail people without a subscription
            return None
        doc = new_event(ports, org_id, project_id, event, data)
    except Exception:  # a notification must never fail (or slow) what it reports on
        log.exception("could not publish the %s event of project %s", event, project_id)
        return None
    _publish_briefly(ports, doc)
    return doc["id"]


def _publish_briefly(ports: Ports, doc: dict[str, Any]) -> None:
    """Publish, waiting at most PUBLISH_WAIT: with Redis healthy that is a few milliseconds; with
    Redis down the producer's own connection retries (seconds) go on in the background and end
    in the log, while the deploy that emitted the event carries on."""
    def publish() -> None:
        try:
            ports.queue.publish(tasks.NOTIFY_EVENT, doc)
        except Exception:
            log.exception("could not publish the %s event of project %s", doc["type"], doc["project_id"])

    thread = threading.Thread(target=publish, name=f"notify-{doc['id']}", daemon=True)
    thread.start()
    thread.join(PUBLISH_WAIT)


def deployment_moved(ports: Ports, dep: dict[str, Any], status: str, frm: Optional[str] = None) -> Optional[str]:
    """The lifecycle's hook: the events for a deployment entering `status`. A deployment from
    source starts by building: "started" then "building" then; its later move to provisioning
    tells nobody again."""
    if status == "provisioning" and frm == "building":
        return None
    kinds = [events.STARTED, events.BUILDING] if status == "building" else [events.for_status(status)]
    last = None
    for kind in kinds:
        if kind is not None:
            last = emit(ports, dep["org_id"], dep.get("project_id"), kind, deployment_data(ports, dep))
    return last


def link(ports: Ports, path: str) -> str:
    """The UI's page at `path`, absolute with LAUNCHBAY_PUBLIC_URL (Slack shows only those as links)."""
    return ports.settings.ui_link(path)


def deployment_data(ports: Ports, dep: dict[str, Any]) -> dict[str, Any]:
    return {"deployment": {k: dep.get(k) for k in ("id", "number", "status", "reason", "error", "image", "commit",
                                                   "rollback_to", "rollback_of", "restart_of", "auto_rollback",
                                                   "promoted_from", "actor", "deadline", "created", "updated")},
            "service": {"id": dep.get("service_id"), "name": dep.get("service_name"), "kind": dep.get("kind")},
            "environment": dep.get("environment") or "production",
            "link": link(ports, f"/orgs/{dep['org_id']}/deployments/{dep['id']}")}


def alert_changed(ports: Ports, service: dict[str, Any], alert: dict[str, Any], change: str,
                  message: str) -> Optional[str]:
    """The alert pass's hook, once an alert has opened or resolved (its update while it lasts
    tells nobody): `message` says it in words, e.g. "web: 5xx responses 62 % over 5 min
    (threshold 5 %)"; the link is the service's metrics."""
    kind = {"opened": events.ALERT_OPENED, "resolved": events.ALERT_RESOLVED}.get(change)
    if kind is None:
        return None
    data = {"alert": {**{k: alert.get(k) for k in ("id", "rule", "status", "value", "peak", "threshold", "unit",
                                                   "opened", "resolved")}, "message": message},
            "service": {"id": service["id"], "name": service["name"], "kind": service.get("kind")},
            "environment": service.get("environment") or "production",
            "link": link(ports, f"/orgs/{service['org_id']}/services/{service['id']}/metrics")}
    return emit(ports, service["org_id"], service.get("project_id"), kind, data)


def service_changed(ports: Ports, service: dict[str, Any], change: str) -> Optional[str]:
    """The lifecycle's hook once a service was suspended or resumed (never raises). Not for the
    moves of a sleep schedule: its environment's one environment.asleep/awake says them."""
    if change == "suspended" and (service.get("suspended") or {}).get("sleep"):
        return None
    kind = {"suspended": events.SERVICE_SUSPENDED, "resumed": events.SERVICE_RESUMED}[change]
    data = {"service": {"id": service["id"], "name": service["name"], "kind": service.get("kind")},
            "suspended": {k: v for k, v in (service.get("suspended") or {}).items() if k in ("at", "by")} or None,
            "environment": service.get("environment") or "production",
            "link": link(ports, f"/orgs/{service['org_id']}/services/{service['id']}")}
    return emit(ports, service["org_id"], service.get("project_id"), kind, data)


def maintenance_changed(ports: Ports, service: dict[str, Any]) -> Optional[str]:
    """A web service went into maintenance (or changed its message), or out of it; after the
    commit, never raises."""
    on = service.get("maintenance")
    data = {"service": {"id": service["id"], "name": service["name"], "kind": service.get("kind")},
            "maintenance": dict(on) if on else None, "environment": service.get("environment") or "production",
            "link": link(ports, f"/orgs/{service['org_id']}/services/{service['id']}")}
    return emit(ports, service["org_id"], service.get("project_id"),
                events.SERVICE_MAINTENANCE if on else events.SERVICE_MAINTENANCE_OVER, data)


def queue_dead_letters(ports: Ports, res: dict[str, Any], new: int, total: int) -> Optional[str]:
    """A queue's dead-letter queue grew by `new` since the last look (resources/queues.py)."""
    data = {"name": res["name"], "resource": {"id": res["id"], "name": res["name"], "kind": res["kind"]},
            "environment": res.get("environment") or "production",
            "dead": {"new": new, "total": total, "max_receives": res.get("max_receives")},
            "link": link(ports, f"/orgs/{res['org_id']}/resources/{res['id']}")}
    return emit(ports, res["org_id"], res.get("project_id"), events.QUEUE_DEAD_LETTERS, data)


def log_drain_delivery(ports: Ports, res: dict[str, Any], seen: dict[str, Any], failing: bool) -> Optional[str]:
    """A log drain's endpoint stopped taking its lines, or takes them again (resources/drains.py)."""
    from chalicelib.resources.drains import endpoint_url

    data = {"name": res["name"], "resource": {"id": res["id"], "name": res["name"], "kind": res["kind"]},
            "environment": res.get("environment") or "production", "destination": res.get("destination"),
            "url": endpoint_url(res), "delivery": seen,
            "link": link(ports, f"/orgs/{res['org_id']}/resources/{res['id']}")}
    kind = events.LOG_DRAIN_FAILING if failing else events.LOG_DRAIN_RECOVERED
    return emit(ports, res["org_id"], res.get("project_id"), kind, data)


def environment_changed(ports: Ports, env: dict[str, Any], change: str, data: dict[str, Any]) -> Optional[str]:
    """A deploy freeze started or was lifted (catalog/freezes.py), or its sleep schedule put its
    services to sleep or woke them (deploys/sleep.py); after the commit, never raises."""
    kind = {"frozen": events.ENVIRONMENT_FROZEN, "unfrozen": events.ENVIRONMENT_UNFROZEN,
            "asleep": events.ENVIRONMENT_ASLEEP, "awake": events.ENVIRONMENT_AWAKE}[change]
    return emit(ports, env["org_id"], env["project_id"], kind,
                {"environment": env["name"], "environment_id": env["id"], **data,
                 "link": link(ports, f"/orgs/{env['org_id']}/projects/{env['project_id']}")})

def _delivery_id(event_id: str, sub_id: str) -> str:
    """One delivery per (event, subscription): a fan-out run twice makes no second delivery.
    The event id's time part comes first, so ids still sort by time."""
    tail = hashlib.sha256(f"{event_id}:{sub_id}".encode()).hexdigest()[:16]
    return f"dlv_{event_id.removeprefix('evt_')[:10]}{tail}"


def _new_delivery(ports: Ports, sub: dict[str, Any], event: dict[str, Any]) -> dict[str, Any]:
    now = now_iso()
    doc = {"id": _delivery_id(event["id"], sub["id"]), "org_id": sub["org_id"], "project_id": sub["project_id"],
           "subscription_id": sub["id"], "event_id": event["id"], "event": event["type"], "payload": event,
           "status": "queued", "attempts": 0, "response_code": None, "error": None, "duration_ms": None,
           "history": [], "next_attempt": now, "claimed": None, "created": now, "updated": now}
    return ports.store.collection(DELIVERIES).insert(doc)


def fan_out(ports: Ports, event: dict[str, Any]) -> list[str]:
    """One delivery per enabled subscription of the project that wants the event, each with its
    own task (a slow receiver holds up only its own), and the e-mails to the people it concerns
    (personal.py). Safe to run twice. -> delivery ids."""
    try:
        personal.send(ports, event)
    except Exception:   # the subscriptions still get the event
        log.exception("personal e-mails for event %s failed", event.get("id"))
    ids = []
    for sub in iter_all(ports.store.collection(SUBS), {"project_id": event["project_id"], "enabled": True}):
        if sub["org_id"] != event["org_id"] or not events.wanted(sub.get("events") or [events.ALL], event["type"]):
            continue
        try:
            delivery = _new_delivery(ports, sub, event)
        except Conflict:  # this fan-out ran before: publish again only what never started
            delivery = ports.store.collection(DELIVERIES).get(_delivery_id(event["id"], sub["id"])) or {}
            if delivery.get("status") != "queued" or delivery.get("attempts"):
                continue
        ports.queue.publish(tasks.DELIVER_NOTIFICATION, delivery["id"], 1)
        ids.append(delivery["id"])
    return ids


DELIVERY_LOG_DAYS = 30   # how long the delivery log keeps a settled delivery


def purge_deliveries(ports: Ports, now: Optional[float] = None) -> int:
    """Settled deliveries older than DELIVERY_LOG_DAYS leave the log (the hourly cleanup), so it
    does not grow without end; queued or sending ones stay whatever their age."""
    import time

    from chalicelib.core.ids import iso_from_epoch

    cutoff = iso_from_epoch((time.time() if now is None else now) - DELIVERY_LOG_DAYS * 86400)
    return ports.store.collection(DELIVERIES).delete_many(
        {"created": {"$lt": cutoff}, "status": {"$in": ["delivered", "failed"]}})
