"""Proving an account's e-mail address: a link mailed to it, or an invitation's link (mailed to
it too), or a password reset's.

Anyone can sign up with any address, so an address is only a claim until then. The account works
meanwhile, but invitations to the address wait (invitations.accept_pending): an invitation must
reach the person who reads the address, not whoever signed up with it first.

A link's token is 256 random bits and the store keeps its SHA-256 only. A user has one live
link (the newest), valid for three days."""
from __future__ import annotations

import time
from typing import Any, Optional

from chalicelib.accounts import links, throttle
from chalicelib.accounts.sessions import caller
from chalicelib.core.context import Actor, Ports
from chalicelib.core.errors import AlreadyExists, Invalid, StateConflict
from chalicelib.core.ids import epoch_from_iso, now_iso
from chalicelib.mail import feedback as mail_feedback
from chalicelib.mail import messages
from chalicelib.mail import service as mail

COLLECTION = "email_verifications"
TTL = 3 * 86400       # seconds a link works
RESEND_EVERY = 60     # seconds between two links asked for by the user
RESENDS_PER_WINDOW = 5   # links asked for per user in the rate window (an hour): an unconfirmed
                         # address may be a stranger's, who must not be mailed a link a minute
INVALID = "this link is not valid, was used already or has expired: ask for a new one"


def is_verified(user: dict[str, Any]) -> bool:
    return bool(user.get("email_verified"))


def queue_link(ports: Ports, user: dict[str, Any], request_base: str) -> dict[str, Any]:
    """A new link (replacing the user's earlier one) and its e-mail, in the caller's transaction.
    -> the e-mail (publish it after the commit)."""
    plain = links.issue(ports, COLLECTION, user, TTL, "evl", email=user["email"])
    link = ports.settings.ui_link(f"/verify-email?token={plain}", request_base)
    return mail.queue(ports, user["email"], messages.verify_address(user["email"], link, TTL // 86400),
                      "verify_address")


def mark_verified(ports: Ports, user: dict[str, Any]) -> dict[str, Any]:
    """The address is proven (in the caller's transaction); its other links end, and a suppression of
    it (mail/feedback.py) is lifted: mail got through. -> the user as now."""
    store = ports.store
    store.collection(COLLECTION).delete_many({"user_id": user["id"]})
    mail_feedback.lift(ports, user["email"])
    if is_verified(user):
        return user
    return store.collection("users").update(user["id"], {"email_verified": now_iso()}) or user


def confirm(ports: Ports, token: str, source_ip: str) -> dict[str, Any]:
    """The link's token -> the address verified, and the invitations waiting for it accepted."""
    from chalicelib.accounts import invitations

    s = ports.settings
    throttle.hit(s, "verify-confirm", source_ip, s.login_failures_per_address, s.login_window_seconds,
                 "too many address confirmations from this address: try again later")
    store = ports.store
    link = links.find(ports, COLLECTION, token, INVALID)
    with store.transaction():
        user = links.use(ports, link, COLLECTION, INVALID)
        if user["email"] != link["email"]:   # an address changed since: the link proved the old one
            raise Invalid(INVALID, field="token")
        user = mark_verified(ports, user)
    throttle.refund(s, "verify-confirm", source_ip)
    joined = invitations.accept_pending(ports, user, source_ip)
    return {"status": "verified", "email": user["email"], "joined": invitations.joined_orgs(ports, joined)}


def resend(ports: Ports, actor: Actor, request_base: str) -> dict[str, Any]:
    """A new link to the caller's address; 409 when it is proven already or mail to it is held back
    (mail/feedback.py: the link would not go out), 429 within a minute of the last."""
    store = ports.store
    user = caller(ports, actor)
    if is_verified(user):
        raise AlreadyExists("this e-mail address is confirmed already", field="email")
    held = mail_feedback.suppression(ports, user["email"])
    if held is not None:
        raise StateConflict(f"e-mail to {user['email']} is held back since {held['updated'][:10]} "
                            f"({held['detail']}): once your mailbox works, lift that "
                            "(DELETE /v1/me/email-suppression), then ask for a link", field="email")
    last: Optional[dict[str, Any]] = store.collection(COLLECTION).find_one({"user_id": user["id"]})
    if last:
        wait = RESEND_EVERY - (time.time() - epoch_from_iso(last["created"]))
        if wait > 0:
            raise throttle.Throttled(f"a link was e-mailed less than {RESEND_EVERY} s ago: wait a moment", int(wait) + 1,
                            field="email")
    s = ports.settings
    throttle.hit(s, "verify-resend", user["id"], RESENDS_PER_WINDOW, s.rate_window_seconds,
                 "too many confirmation links asked for: try again later", field="email")
    with store.transaction():
        sent = queue_link(ports, user, request_base)
    mail.publish(ports, sent["id"])
    answer = {"status": "sent", "email": user["email"], "expires_in": TTL,
              "message": f"a link to confirm {user['email']} is on its way; it works within {TTL // 86400} days"}
    note = mail.sandbox_note(ports.settings)
    if note:
        answer["sandbox"] = note
    return answer


def forget_expired(ports: Ports) -> int:
    return links.forget_expired(ports, COLLECTION)
