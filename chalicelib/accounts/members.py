"""Organization members and their roles. Only an owner may make or unmake owners, and
an organization always keeps at least one owner (owners.py). Members join through
invitations (invitations.py)."""
from __future__ import annotations

from typing import Any, Optional

from chalicelib.accounts import owners
from chalicelib.accounts.service import authorize, public_user
from chalicelib.audit import service as audit
from chalicelib.core.context import Actor, Ports
from chalicelib.core.errors import Forbidden, NotFound, StateConflict


def _out(ports: Ports, m: dict[str, Any]) -> dict[str, Any]:
    user = ports.store.collection("users").get(m["user_id"]) or {"id": m["user_id"]}
    return {"user": public_user(user), "role": m["role"], "created": m["created"]}


def _membership(ports: Ports, org_id: str, user_id: str) -> dict[str, Any]:
    m = ports.store.collection("memberships").find_one({"org_id": org_id, "user_id": user_id})
    if m is None:
        raise NotFound("member not found", field="user")
    return m


def _guard_owner_role(caller_role: str, current: Optional[str], new: Optional[str]) -> None:
    if "owner" in (current, new) and caller_role != "owner":
        raise Forbidden("only an owner may grant or remove the owner role")


def list_members(ports: Ports, actor: Actor, org_id: str, limit: int,
                 after: Optional[str]) -> tuple[list[dict[str, Any]], Optional[str]]:
    authorize(ports, actor, org_id, "read")
    docs, nxt = ports.store.collection("memberships").find({"org_id": org_id}, limit=limit, after=after)
    return [_out(ports, m) for m in docs], nxt


def change_role(ports: Ports, actor: Actor, org_id: str, user_id: str, role: str) -> dict[str, Any]:
    # Authorize, read, check and write in one transaction, with the owner counter as the
    # guard (see owners.py): two owners demoting each other at once cannot both succeed.
    with ports.store.transaction():
        caller_role = authorize(ports, actor, org_id, "member.write")
        m = _membership(ports, org_id, user_id)
        _guard_owner_role(caller_role, m["role"], role)
        losing = m["role"] == "owner" and role != "owner"
        gaining = role == "owner" and m["role"] != "owner"
        if losing:
            owners.take_one(ports, org_id)
        if gaining:
            owners.before_grant(ports, org_id)
        new = ports.store.collection("memberships").update(m["id"], {"role": role}, expect={"role": m["role"]})
        if new is None:
            if losing:  # a store without transactions does not roll the counter back for us
                owners.give_one(ports, org_id)
            raise StateConflict("the role changed meanwhile: read it again", field="role")
        if gaining:
            owners.give_one(ports, org_id)
        audit.record(ports, actor, org_id, "member.role", "user", user_id, {"from": m["role"], "to": role})
    return _out(ports, new)


def remove(ports: Ports, actor: Actor, org_id: str, user_id: str) -> None:
    leaving = user_id == actor.user_id  # anyone may leave; removing others needs member.write
    with ports.store.transaction():
        caller_role = authorize(ports, actor, org_id, "read" if leaving else "member.write")
        m = _membership(ports, org_id, user_id)
        if not leaving:
            _guard_owner_role(caller_role, m["role"], None)
        losing = m["role"] == "owner"
        if losing:
            owners.take_one(ports, org_id)
        if not ports.store.collection("memberships").delete(m["id"], expect={"role": m["role"]}):
            if losing:
                owners.give_one(ports, org_id)
            raise StateConflict("the membership changed meanwhile: read it again", field="user")
        audit.record(ports, actor, org_id, "member.remove", "user", user_id, {"role": m["role"]})
