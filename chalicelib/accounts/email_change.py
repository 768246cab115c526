"""Changing an account's e-mail address: asked for from a log-in session with the password (and
the second factor when on), proven by a link mailed to the new address, told to the old one.

Why this shape: the address is how an account is recovered (password resets go there), so moving
it is an account takeover's last step. A stolen API token (CI) must not do it, nor a session left
open without its password; and nothing changes until the new address proves it is read by the
person asking. The old address hears of the request and of the change, so its owner can react.

After the change every log-in session ends: sessions' access tokens carry the address they were
issued for (the audit log shows it), so a new log-in is asked with the new address. API tokens go
on working (they read the user on every request). Reset and confirmation links to the old
address end. Invitations waiting for the new address are accepted: it is proven."""
from __future__ import annotations

import time
from typing import Any, Optional

from chalicelib.accounts import links, mfa, throttle
from chalicelib.accounts.sessions import caller, require_log_in
from chalicelib.audit import service as audit
from chalicelib.core.context import Actor, Ports
from chalicelib.core.errors import AlreadyExists, Invalid, NotFound
from chalicelib.core.ids import epoch_from_iso, now_iso
from chalicelib.mail import feedback as mail_feedback
from chalicelib.mail import messages
from chalicelib.mail import service as mail
from chalicelib.store.port import Conflict, iter_all

COLLECTION = "email_changes"
TTL = 86400          # seconds the new address's link works
ASK_EVERY = 60       # seconds between two requests (each e-mails two addresses)
ASKS_PER_WINDOW = 5  # per user per hour: the new address may be a stranger's
MAX_AUDITED_ORGS = 100
INVALID = "this link is not valid, was used or cancelled already, or has expired: ask for the change again"
TAKEN = "an account with this email already exists"


def pending(ports: Ports, user: dict[str, Any]) -> Optional[dict[str, Any]]:
    """The change waiting for its link, for GET /v1/me: the new address, until when, and what became
    of the e-mail to it (a mistyped address bounces). None when none waits."""
    link = ports.store.collection(COLLECTION).find_one({"user_id": user["id"]})
    if link is None or link["expires"] <= now_iso() or link.get("old_email") != user["email"]:
        return None
    sent = ports.store.collection(mail.COLLECTION).get(link["email_id"]) if link.get("email_id") else None
    return {"email": link["email"], "requested": link["created"], "expires": link["expires"],
            "email_status": None if sent is None else {"status": sent["status"], "error": sent.get("error"),
                                                       "sent": sent.get("sent")}}


def request(ports: Ports, actor: Actor, new_email: str, password: str, code: Optional[str],
            recovery_code: Optional[str], request_base: str) -> dict[str, Any]:
    """Mails a link to `new_email` (replacing an earlier request's) and a notice to the current address."""
    from chalicelib.accounts.service import check_password

    require_log_in(actor, "the e-mail address is changed")
    store = ports.store
    user = caller(ports, actor)
    if new_email == user["email"]:
        raise Invalid("this is the account's address already", field="email")
    check_password(ports, user, password, actor.source_ip)
    if mfa.enabled(user):
        mfa.verify_second_factor(ports, user, code, recovery_code, actor.source_ip)
    # Sign-up says 409 for a used address too, so this tells nothing sign-up would not.
    if store.collection("users").find_one({"email": new_email}) is not None:
        raise AlreadyExists(TAKEN, field="email")
    last = store.collection(COLLECTION).find_one({"user_id": user["id"]})
    if last:
        wait = ASK_EVERY - (time.time() - epoch_from_iso(last["created"]))
        if wait > 0:
            raise throttle.Throttled(f"a change was asked for less than {ASK_EVERY} s ago: wait a moment",
                                     int(wait) + 1, field="email")
    s = ports.settings
    throttle.hit(s, "email-change", user["id"], ASKS_PER_WINDOW, s.rate_window_seconds,
                 "too many address changes asked for: try again later", field="email")
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    with store.transaction():
        plain = links.issue(ports, COLLECTION, user, TTL, "emc", email=new_email, old_email=user["email"],
                            source_ip=actor.source_ip)
        link = ports.settings.ui_link(f"/confirm-email-change?token={plain}", request_base)
        to_new = mail.queue(ports, new_email, messages.email_change_link(user["email"], new_email, link, TTL // 3600),
                            "email_change")
        changes = store.collection(COLLECTION)
        issued = changes.find_one({"user_id": user["id"]})   # the one link of this user, just issued
        if issued is not None:   # the e-mail's fate shows in GET /v1/me (a mistyped address bounces)
            changes.update(issued["id"], {"email_id": to_new["id"]})
        to_old = mail.queue(ports, user["email"], messages.email_change_requested(
            user["email"], new_email, when, actor.source_ip, ports.settings.ui_link("/account", request_base)),
            "email_change_notice")
    mail.publish(ports, to_new["id"])
    mail.publish(ports, to_old["id"])
    answer = {"status": "sent", "email": new_email, "expires_in": TTL,
              "message": f"a link to confirm {new_email} is on its way; your address stays {user['email']} "
                         f"until it is followed, within {TTL // 3600} hours"}
    note = mail.sandbox_note(s)
    if note:
        answer["sandbox"] = note
    return answer


def cancel(ports: Ports, actor: Actor) -> None:
    """The waiting change's link stops working. 404 at `email` when none waits."""
    require_log_in(actor, "the e-mail address is changed")
    user = caller(ports, actor)
    if pending(ports, user) is None:
        raise NotFound("no change of address is waiting", field="email")
    ports.store.collection(COLLECTION).delete_many({"user_id": user["id"]})


def confirm(ports: Ports, token: str, source_ip: str) -> dict[str, Any]:
    """The new address's link -> the account moves to it (proven), every session ends, and the old
    address is told. Needs no session: the link may be opened on another device."""
    from chalicelib.accounts import invitations, resets, verification

    s = ports.settings
    throttle.hit(s, "email-change-confirm", source_ip, s.login_failures_per_address, s.login_window_seconds,
                 "too many address changes confirmed from this address: try again later")
    store = ports.store
    link = links.find(ports, COLLECTION, token, INVALID)
    old, new = link["old_email"], link["email"]
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    try:
        with store.transaction():
            user = links.use(ports, link, COLLECTION, INVALID)
            if user["email"] != old:   # the address moved since this link was asked for
                raise Invalid(INVALID, field="token")
            if store.collection("users").find_one({"email": new}) is not None:
                raise AlreadyExists(f"{TAKEN}: {new} signed up since the change was asked for", field="email")
            user = store.collection("users").update(user["id"], {"email": new, "email_verified": now_iso()}) or user
            sessions = store.collection("sessions").delete_many({"user_id": user["id"]})
            store.collection(resets.COLLECTION).delete_many({"user_id": user["id"]})
            store.collection(verification.COLLECTION).delete_many({"user_id": user["id"]})
            mail_feedback.lift(ports, new)   # the link got through
            actor = Actor(user_id=user["id"], email=new, source_ip=source_ip)
            orgs, _ = store.collection("memberships").find({"user_id": user["id"]}, limit=MAX_AUDITED_ORGS)
            for m in orgs:   # a security event each organization's admins may need to see
                audit.record(ports, actor, m["org_id"], "user.email_changed", "user", user["id"],
                             {"from": old, "to": new, "signed_out_sessions": sessions})
                _move_subscriptions(ports, m["org_id"], old, new)
            notice = mail.queue(ports, old, messages.email_changed(old, new, when, source_ip), "email_changed")
    except Conflict:   # a sign-up took the address between the check and the write
        raise AlreadyExists(f"{TAKEN}: {new} signed up since the change was asked for", field="email") from None
    mail.publish(ports, notice["id"])
    throttle.refund(s, "email-change-confirm", source_ip)
    joined = invitations.accept_pending(ports, user, source_ip)
    return {"status": "changed", "email": new, "previous_email": old, "signed_out_sessions": sessions,
            "joined": invitations.joined_orgs(ports, joined)}


def _move_subscriptions(ports: Ports, org_id: str, old: str, new: str) -> None:
    """E-mail notification subscriptions of the organization that name the old address name the new
    one: the person still gets the news they subscribed to."""
    from chalicelib.notify.service import SUBS

    subs = ports.store.collection(SUBS)
    for sub in list(iter_all(subs, {"org_id": org_id, "kind": "email"})):
        emails = sub.get("emails") or []
        if old in emails:
            moved = [a for a in emails if a != new]
            subs.update(sub["id"], {"emails": [new if a == old else a for a in moved], "updated": now_iso()})


def forget_expired(ports: Ports) -> int:
    return links.forget_expired(ports, COLLECTION)
