"""Adding a member by e-mail creates a pending invitation, whether or not the address has
an account: the answer is the same either way, so it does not reveal who has signed up.
The invitation turns into a membership when that address signs up or logs in."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any, Optional

from chalicelib.accounts import mfa, owners
from chalicelib.accounts.service import authorize
from chalicelib.audit import service as audit
from chalicelib.core.context import Actor, Ports
from chalicelib.core.errors import AlreadyExists, Forbidden, NotFound
from chalicelib.core.ids import new_id, now_iso
from chalicelib.store.port import Conflict

TTL = timedelta(days=14)  # an address recycled long after the invitation must not inherit it


def _public(inv: dict[str, Any], now: str) -> dict[str, Any]:
    out = {k: inv.get(k) for k in ("id", "email", "role", "created", "expires")}
    out["status"] = "expired" if inv["expires"] <= now else "pending"
    return out


def invite(ports: Ports, actor: Actor, org_id: str, email: str, role: str) -> dict[str, Any]:
    caller_role = authorize(ports, actor, org_id, "member.write")
    if role == "owner" and caller_role != "owner":
        raise Forbidden("only an owner may grant or remove the owner role", field="role")
    store = ports.store
    # Saying "already a member" reveals nothing the caller cannot list already.
    user = store.collection("users").find_one({"email": email})
    if user and store.collection("memberships").find_one({"org_id": org_id, "user_id": user["id"]}):
        raise AlreadyExists("already a member of this organization", field="email")
    now = now_iso()
    expires = (datetime.now(timezone.utc) + TTL).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    inv = {"id": new_id("inv"), "org_id": org_id, "email": email, "role": role, "invited_by": actor.user_id,
           "created": now, "expires": expires}
    try:
        with store.transaction():
            store.collection("invitations").delete_many({"org_id": org_id, "email": email, "expires": {"$lte": now}})
            store.collection("invitations").insert(inv)
            audit.record(ports, actor, org_id, "member.invite", "invitation", inv["id"], {"email": email, "role": role})
    except Conflict:
        raise AlreadyExists("this address is already invited: revoke the invitation to change it",
                            field="email") from None
    return _public(inv, now)


def list_invitations(ports: Ports, actor: Actor, org_id: str, limit: int,
                     after: Optional[str]) -> tuple[list[dict[str, Any]], Optional[str]]:
    authorize(ports, actor, org_id, "member.write")
    docs, nxt = ports.store.collection("invitations").find({"org_id": org_id}, limit=limit, after=after)
    now = now_iso()
    return [_public(d, now) for d in docs], nxt


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


def accept_pending(ports: Ports, user: dict[str, Any], source_ip: str = "") -> list[tuple[str, str]]:
    """At sign-up and log-in: every live invitation for this address becomes a membership.
    -> (organization id, role) of each organization joined, oldest invitation first."""
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
