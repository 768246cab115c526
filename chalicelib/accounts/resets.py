"""Forgotten passwords: a link by e-mail that sets a new one, once, within 30 minutes.

The API's answer to a request is the same, and takes the same time, whether or not the address
has an account: it only counts the request (throttles) and hands it to the worker, which looks
the account up and e-mails the link (`issue`). The link's token is 256 random bits; the store
keeps its SHA-256 only. A new request replaces the user's earlier link; a reset ends every
session and API token, and tells the address."""
from __future__ import annotations

import time
from typing import Any

from chalicelib import tasks
from chalicelib.accounts import links, throttle, verification
from chalicelib.audit import service as audit
from chalicelib.core import security
from chalicelib.core.context import Actor, Ports
from chalicelib.core.errors import Unauthorized, Unavailable
from chalicelib.core.ids import now_iso
from chalicelib.mail import messages
from chalicelib.mail import service as mail

COLLECTION = "password_resets"
TTL = 1800   # seconds a link works
INVALID = "this link is not valid, was used already or has expired: ask for a new one"
MAX_AUDITED_ORGS = 100


def request(ports: Ports, email: str, source_ip: str, request_base: str) -> dict[str, Any]:
    s = ports.settings
    throttle.hit(s, "reset-address", source_ip, s.resets_per_address, s.rate_window_seconds,
                 "too many password resets from this address: try again later")
    throttle.hit(s, "reset-email", email, s.resets_per_email, s.rate_window_seconds,
                 "too many password resets for this e-mail address: try again later", field="email")
    try:
        ports.queue.publish(tasks.REQUEST_PASSWORD_RESET, email, source_ip, ports.settings.ui_link("", request_base))
    except Exception as exc:   # the broker down: say so rather than promise an e-mail that will not come
        raise Unavailable("password resets cannot be taken right now: try again in a minute") from exc
    answer = {"status": "requested", "expires_in": TTL,
              "message": f"if an account uses {email}, a link to choose a new password is on its way; "
                         f"it works once, within {TTL // 60} minutes"}
    note = mail.sandbox_note(s)
    if note:
        answer["sandbox"] = note
    return answer


def issue(ports: Ports, email: str, source_ip: str, base: str) -> str:
    """Worker: the link for the account of `email`, if there is one. -> what happened (the task's result)."""
    store = ports.store
    user = store.collection("users").find_one({"email": email})
    if user is None:
        return "no account"
    with store.transaction():
        plain = links.issue(ports, COLLECTION, user, TTL, "pwr", source_ip=source_ip)
        link = f"{base}/reset-password?token={plain}"
        doc = mail.queue(ports, user["email"], messages.password_reset(user["email"], link, TTL // 60, source_ip),
                         "password_reset")
    mail.publish(ports, doc["id"])
    return "link sent"


def confirm(ports: Ports, token: str, password: str, source_ip: str, request_base: str) -> dict[str, Any]:
    s = ports.settings
    throttle.hit(s, "reset-confirm", source_ip, s.login_failures_per_address, s.login_window_seconds,
                 "too many password reset attempts from this address: try again later")
    store = ports.store
    link = links.find(ports, COLLECTION, token, INVALID)
    with store.transaction():
        user = links.use(ports, link, COLLECTION, INVALID)
        sessions, tokens = revoke_everything(ports, user, security.hash_password(password))
        verification.mark_verified(ports, user)   # the link reached the address: it is proven
        notice = changed_notice(ports, user, "with a reset link", source_ip, request_base)
        actor = Actor(user_id=user["id"], email=user["email"], source_ip=source_ip)
        orgs, _ = store.collection("memberships").find({"user_id": user["id"]}, limit=MAX_AUDITED_ORGS)
        for m in orgs:   # a security event each organization's admins may need to see
            audit.record(ports, actor, m["org_id"], "user.password_reset", "user", user["id"],
                         {"signed_out_sessions": sessions, "revoked_api_tokens": tokens})
    mail.publish(ports, notice["id"])
    throttle.refund(s, "reset-confirm", source_ip)
    return {"status": "changed", "email": user["email"], "signed_out_sessions": sessions, "revoked_api_tokens": tokens}


def revoke_everything(ports: Ports, user: dict[str, Any], password_hash: str) -> tuple[int, int]:
    """A new password: every session, API token and reset link of the user ends (inside the
    caller's transaction). -> (sessions, API tokens) ended."""
    store = ports.store
    if store.collection("users").update(user["id"], {"password_hash": password_hash, "password_changed": now_iso()}) is None:
        raise Unauthorized("token is not valid")
    sessions = store.collection("sessions").delete_many({"user_id": user["id"]})
    tokens = store.collection("tokens").delete_many({"user_id": user["id"]})
    store.collection(COLLECTION).delete_many({"user_id": user["id"]})
    return sessions, tokens


def changed_notice(ports: Ports, user: dict[str, Any], how: str, source_ip: str, request_base: str) -> dict[str, Any]:
    """The "your password was changed" e-mail, queued in the caller's transaction (`how`: in words)."""
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    return mail.queue(ports, user["email"], messages.password_changed(user["email"], how, when, source_ip,
                                                                      ports.settings.ui_link("/forgot-password", request_base)),
                      "password_changed")


def forget_expired(ports: Ports) -> int:
    return links.forget_expired(ports, COLLECTION)
