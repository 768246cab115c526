"""E-mails to people about their own work, needing no subscription: the author of a deploy that
failed or was rolled back (for a git push or a deploy hook's call, who set that hook up: it acts as them), and whoever may approve a deploy that waits for approval. Each person
turns either off for themself (`PATCH /v1/me/notifications`); both are on by default. Only a
confirmed address gets them (accounts/verification.py).

Run by the notify worker with the event's fan-out; an e-mail per (event, person) at most, however
often the fan-out runs (the e-mail's `dedup` key is unique)."""
from __future__ import annotations

import dataclasses
from typing import Any, Iterator, Optional

from chalicelib.accounts import roles
from chalicelib.core.context import Ports
from chalicelib.mail import service as mail
from chalicelib.mail.messages import Message
from chalicelib.notify import email, events
from chalicelib.store.port import Conflict, iter_all

DEFAULTS = {"deploy_failures": True, "approvals": True, "token_expiry": True}
WORDS = {"deploy_failures": "deploys you started (yourself, or by a git webhook or deploy hook you set up) that fail "
                           "or are rolled back",
         "approvals": "deploys waiting for your approval",
         "token_expiry": "API tokens of yours that expire within a week"}
# event -> the preference that decides it
EVENTS = {events.FAILED: "deploy_failures", events.ROLLED_BACK: "deploy_failures",
          events.AWAITING_APPROVAL: "approvals"}
MAX_APPROVERS = 50


def preferences(user: dict[str, Any]) -> dict[str, bool]:
    return {**DEFAULTS, **(user.get("notifications") or {})}


def _author(ports: Ports, org_id: str, dep: dict[str, Any]) -> Iterator[dict[str, Any]]:
    user = ports.store.collection("users").get(dep.get("actor_id") or "")
    if user and ports.store.collection("memberships").find_one({"org_id": org_id, "user_id": user["id"]}):
        yield user


def _approvers(ports: Ports, org_id: str, project_id: str, dep: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Members whose role in the project allows approving, the requester aside."""
    found = 0
    for m in iter_all(ports.store.collection("memberships"), {"org_id": org_id}):
        role, _ = roles.effective(m, "deploy.approve", project_id)
        if not roles.allows(role, "deploy.approve") or m["user_id"] == dep.get("actor_id"):
            continue
        user = ports.store.collection("users").get(m["user_id"])
        if user:
            yield user
            found += 1
            if found >= MAX_APPROVERS:
                return


def send(ports: Ports, event: dict[str, Any]) -> list[str]:
    """-> ids of the e-mails queued for this event (none twice for one person)."""
    pref = EVENTS.get(event["type"])
    dep_id = ((event.get("data") or {}).get("deployment") or {}).get("id")
    if pref is None or not dep_id:
        return []
    dep = ports.store.collection("deployments").get(dep_id)
    if dep is None or dep.get("org_id") != event["org_id"]:
        return []
    people = _approvers(ports, event["org_id"], event["project_id"], dep) if pref == "approvals" \
        else _author(ports, event["org_id"], dep)
    message = email.message(event)
    queued = []
    for user in people:
        # an unconfirmed address may be a stranger's: deploy news waits for the confirmation
        if not preferences(user)[pref] or not user.get("email_verified"):
            continue
        doc = _queue(ports, user, message, event, pref)
        if doc is not None:
            queued.append(doc["id"])
    for email_id in queued:
        mail.publish(ports, email_id)
    return queued


def _queue(ports: Ports, user: dict[str, Any], message: Message, event: dict[str, Any], pref: str) -> Optional[dict[str, Any]]:
    footer = (f"\n\nYou get this e-mail about {WORDS[pref]}; turn it off on your account page "
              f"(or: launchbay account notifications --{pref.replace('_', '-')} off).")
    personal = dataclasses.replace(message, text=message.text.rstrip("\n") + footer + "\n")
    try:
        return mail.queue(ports, user["email"], personal, f"personal.{pref}", event["org_id"],
                          dedup=f"{event['id']}:{user['id']}")
    except Conflict:   # this fan-out ran before
        return None
