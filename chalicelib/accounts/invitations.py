"""Adding a member by e-mail creates a pending invitation, whether or not the address has
an account: the answer is the same either way, so it does not reveal who has signed up.

The invitation turns into a membership once someone proves they read the address: by signing up
or logging in through the invitation e-mail's link (its token: 256 random bits, the store keeps
their SHA-256), or by confirming the address of their account (verification.py). An account
whose address is only claimed joins nothing."""
from __future__ import annotations

import secrets
import time
from datetime import datetime, timedelta, timezone
from typing import Any, Optional

from chalicelib.accounts import mfa, owners, verification
from chalicelib.accounts.service import authorize
from chalicelib.audit import service as audit
from chalicelib.core import security
from chalicelib.core.context import Actor, Ports
from chalicelib.core.errors import AlreadyExists, Forbidden, Invalid, NotFound
from chalicelib.core.ids import epoch_from_iso, new_id, now_iso
from chalicelib.store.port import Conflict

TTL = timedelta(days=14)  # an address recycled long after the invitation must not inherit it


RESEND_EVERY = 60   # seconds between two e-mails of one invitation
INVALID = "this invitation link is not valid, was used or revoked, or has expired: ask for a new invitation"


def _public(inv: dict[str, Any], now: str, email: Optional[dict[str, Any]] = None) -> dict[str, Any]:
    out = {k: inv.get(k) for k in ("id", "email", "role", "created", "expires", "last_sent")}
    out["sends"] = int(inv.get("sends") or 0)   # invitation e-mails queued so far
    out["status"] = "expired" if inv["expires"] <= now else "pending"
    # what became of the last e-mail: pending/sending/retrying, sent, or failed with SES's reason
    out["email_status"] = None if email is None else {"status": email["status"], "error": email.get("error"),
                                                      "sent": email.get("sent")}
    return out


def _expiry() -> str:
    return (datetime.now(timezone.utc) + TTL).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _email(ports: Ports, actor: Actor, inv: dict[str, Any], request_base: str) -> dict[str, Any]:
    """The invitation's e-mail with a new token (its hash set on `inv`: the earlier e-mail's links
    end), queued in the caller's transaction (published after it)."""
    from chalicelib.mail import messages
    from chalicelib.mail import service as mail

    store = ports.store
    org = store.collection("organizations").get(inv["org_id"]) or {"name": inv["org_id"]}
    inviter = store.collection("users").get(actor.user_id) or {}
    who = inviter.get("name") or actor.email or "A member"
    if inviter.get("email") and inviter.get("name") != inviter["email"]:
        who = f"{who} ({inviter['email']})"
    token = secrets.token_urlsafe(32)
    inv["token_hash"] = security.hash_api_token(token)
    message = messages.invitation(inv["email"], who, org["name"], inv["role"], ports.settings.ui_link("", request_base),
                                  inv["expires"], token)
    return mail.queue(ports, inv["email"], message, "invitation", inv["org_id"])


def invite(ports: Ports, actor: Actor, org_id: str, email: str, role: str, request_base: str = "") -> dict[str, Any]:
    """The invitation, and its e-mail to the address (with a sign-up and a log-in link)."""
    from chalicelib.mail import service as mail

    caller_role = authorize(ports, actor, org_id, "member.write")
    if role == "owner" and caller_role != "owner":
        raise Forbidden("only an owner may grant or remove the owner role", field="role")
    store = ports.store
    # Saying "already a member" reveals nothing the caller cannot list already.
    user = store.collection("users").find_one({"email": email})
    if user and store.collection("memberships").find_one({"org_id": org_id, "user_id": user["id"]}):
        raise AlreadyExists("already a member of this organization", field="email")
    now = now_iso()
    inv: dict[str, Any] = {"id": new_id("inv"), "org_id": org_id, "email": email, "role": role, "invited_by": actor.user_id,
                           "created": now, "expires": _expiry(), "last_sent": now, "sends": 1}
    try:
        with store.transaction():
            store.collection("invitations").delete_many({"org_id": org_id, "email": email, "expires": {"$lte": now}})
            sent = _email(ports, actor, inv, request_base)   # a refused insert takes it back with it
            inv["last_email_id"] = sent["id"]
            store.collection("invitations").insert(inv)
            audit.record(ports, actor, org_id, "member.invite", "invitation", inv["id"], {"email": email, "role": role})
    except Conflict:
        raise AlreadyExists("this address is already invited: revoke the invitation to change it",
                            field="email") from None
    mail.publish(ports, sent["id"])
    return _public(inv, now, sent)


def resend(ports: Ports, actor: Actor, org_id: str, invitation_id: str, request_base: str = "") -> dict[str, Any]:
    """The invitation's e-mail again, its 14 days starting over (an expired one comes back to life)."""
    from chalicelib.accounts.throttle import Throttled
    from chalicelib.mail import service as mail

    authorize(ports, actor, org_id, "member.write")
    store = ports.store
    inv = store.collection("invitations").get(invitation_id)
    if inv is None or inv["org_id"] != org_id:
        raise NotFound("invitation not found", field="invitation")
    last = inv.get("last_sent")
    if last:
        wait = RESEND_EVERY - (time.time() - epoch_from_iso(last))
        if wait > 0:
            raise Throttled(f"the invitation was e-mailed less than {RESEND_EVERY} s ago: wait a moment",
                            int(wait) + 1, field="invitation")
    now = now_iso()
    changes = {"expires": _expiry(), "last_sent": now, "sends": int(inv.get("sends") or 0) + 1}
    with store.transaction():
        fresh = {**inv, **changes}
        sent = _email(ports, actor, fresh, request_base)   # a refused update takes it back with it
        changes["token_hash"] = fresh["token_hash"]         # the earlier e-mail's links end
        updated = store.collection("invitations").update(inv["id"], {**changes, "last_email_id": sent["id"]},
                                                         expect={"last_sent": last})
        if updated is None:   # accepted, revoked or resent meanwhile
            raise NotFound("invitation not found (accepted, revoked or resent just now)", field="invitation")
        audit.record(ports, actor, org_id, "member.invite_resend", "invitation", inv["id"], {"email": inv["email"]})
    mail.publish(ports, sent["id"])
    return _public(updated, now, sent)


def list_invitations(ports: Ports, actor: Actor, org_id: str, limit: int,
                     after: Optional[str]) -> tuple[list[dict[str, Any]], Optional[str]]:
    authorize(ports, actor, org_id, "member.write")
    docs, nxt = ports.store.collection("invitations").find({"org_id": org_id}, limit=limit, after=after)
    now = now_iso()
    emails = ports.store.collection("emails")
    return [_public(d, now, emails.get(d["last_email_id"]) if d.get("last_email_id") else None) for d in docs], nxt


def revoke(ports: Ports, actor: Actor, org_id: str, invitation_id: str) -> None:
    authorize(ports, actor, org_id, "member.write")
    store = ports.store
    inv = store.collection("invitations").get(invitation_id)
    if inv is None or inv["org_id"] != org_id:
        raise NotFound("invitation not found", field="invitation")
    with store.transaction():
        if not store.collection("invitations").delete(invitation_id):
            raise NotFound("invitation not found", field="invitation")  # accepted or revoked meanwhile
        audit.record(ports, actor, org_id, "member.uninvite", "invitation", invitation_id, {"email": inv["email"]})


def find_live(ports: Ports, token: str, field: str = "invitation") -> dict[str, Any]:
    """The invitation whose e-mail carried `token`, unexpired; else 422 at `field` (the body's name for it)."""
    inv = ports.store.collection("invitations").find_one({"token_hash": security.hash_api_token(token)})
    if inv is None or inv["expires"] <= now_iso():
        raise Invalid(INVALID, field=field)
    return inv


def accept(ports: Ports, actor: Actor, token: str, source_ip: str = "") -> dict[str, Any]:
    """A signed-in person follows their invitation's link: the token proves they read the invited
    address, which must be their account's; they join every organization that invited it."""
    if actor.token_org_id:   # joining reaches beyond the token's organization
        raise Forbidden("a token limited to one organization cannot accept invitations", field="authorization")
    store = ports.store
    user = store.collection("users").get(actor.user_id)
    if user is None:
        raise Forbidden("token is not valid", field="authorization")
    inv = find_live(ports, token, field="token")
    if inv["email"] != user["email"]:
        raise Forbidden("this invitation was sent to another e-mail address: log in with that address to accept it",
                        field="token")
    with store.transaction():
        user = verification.mark_verified(ports, user)
    joined = accept_pending(ports, user, source_ip)
    return {"email_verified": True, "joined": joined_orgs(ports, joined)}


def joined_orgs(ports: Ports, joined: list[tuple[str, str]]) -> list[dict[str, Any]]:
    orgs = ports.store.collection("organizations")
    return [{"id": org_id, "name": (orgs.get(org_id) or {}).get("name", ""), "role": role} for org_id, role in joined]


def accept_pending(ports: Ports, user: dict[str, Any], source_ip: str = "") -> list[tuple[str, str]]:
    """At sign-up, log-in and the address's confirmation: every live invitation for the address
    becomes a membership, once the address is proven (nothing before).
    -> (organization id, role) of each organization joined, oldest invitation first."""
    if not verification.is_verified(user):
        return []
    store = ports.store
    now = now_iso()
    pending, _ = store.collection("invitations").find({"email": user["email"]}, limit=200)
    actor = Actor(user_id=user["id"], email=user["email"], source_ip=source_ip)
    joined: list[tuple[str, str]] = []
    for inv in sorted(pending, key=lambda i: i["created"]):
        with store.transaction():
            # Deleting first claims it: a concurrent log-in or a revocation sees it gone.
            if not store.collection("invitations").delete(inv["id"]) or inv["expires"] <= now:
                continue
            if store.collection("memberships").find_one({"org_id": inv["org_id"], "user_id": user["id"]}):
                continue  # a member already (checked, not caught: a failed write aborts a Mongo transaction)
            owner = inv["role"] == "owner"
            if owner:
                owners.before_grant(ports, inv["org_id"])
            policy = bool((store.collection("organizations").get(inv["org_id"]) or {}).get("require_mfa"))
            store.collection("memberships").insert({"id": new_id("mem"), "org_id": inv["org_id"],
                                                    "user_id": user["id"], "role": inv["role"],
                                                    "require_mfa": policy, "created": now})
            if owner:
                owners.give_one(ports, inv["org_id"])
            audit.record(ports, actor, inv["org_id"], "member.join", "user", user["id"],
                         {"role": inv["role"], "invitation": inv["id"]})
            joined.append((inv["org_id"], inv["role"]))
    for org_id, _ in joined:   # after the commit: a policy changed meanwhile reaches this membership too
        mfa.mark_memberships(ports, org_id, user["id"])
    return joined
