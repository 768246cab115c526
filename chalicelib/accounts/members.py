"""Organization members and their roles. Only an owner may make or unmake owners, and
an organization always keeps at least one owner."""
from __future__ import annotations

from typing import Any, Optional

from chalicelib.accounts.service import authorize, public_user
from chalicelib.audit import service as audit
from chalicelib.core.context import Actor, Ports
from chalicelib.core.errors import AlreadyExists, Forbidden, NotFound, StateConflict
from chalicelib.core.ids import new_id, now_iso
from chalicelib.store.port import Conflict


def _out(ports: Ports, m: dict[str, Any]) -> dict[str, Any]:
    user = ports.store.collection("users").get(m["user_id"]) or {"id": m["user_id"]}
    return {"user": public_user(user), "role": m["role"], "created": m["created"]}


def _membership(ports: Ports, org_id: str, user_id: str) -> dict[str, Any]:
    m = ports.store.collection("memberships").find_one({"org_id": org_id, "user_id": user_id})
    if m is None:
        raise NotFound("member not found", field="user")
    return m


def _guard_owner_change(ports: Ports, caller_role: str, org_id: str, current: Optional[str], new: Optional[str]) -> None:
    if "owner" in (current, new) and caller_role != "owner":
        raise Forbidden("only an owner may grant or remove the owner role")
    if current == "owner" and new != "owner" and ports.store.collection("memberships").count(
            {"org_id": org_id, "role": "owner"}) <= 1:
        raise StateConflict("an organization needs at least one owner", field="role")


def add(ports: Ports, actor: Actor, org_id: str, email: str, role: str) -> dict[str, Any]:
    caller_role = authorize(ports, actor, org_id, "member.write")
    _guard_owner_change(ports, caller_role, org_id, None, role)
    user = ports.store.collection("users").find_one({"email": email})
    if user is None:
        raise NotFound("no Launchbay account uses this email: ask them to sign up first", field="email")
    m = {"id": new_id("mem"), "org_id": org_id, "user_id": user["id"], "role": role, "created": now_iso()}
    try:
        with ports.store.transaction():
            ports.store.collection("memberships").insert(m)
            audit.record(ports, actor, org_id, "member.add", "user", user["id"], {"role": role})
    except Conflict:
        raise AlreadyExists("already a member of this organization", field="email") from None
    return _out(ports, m)


def list_members(ports: Ports, actor: Actor, org_id: str, limit: int, after: Optional[str]):
    authorize(ports, actor, org_id, "read")
    docs, nxt = ports.store.collection("memberships").find({"org_id": org_id}, limit=limit, after=after)
    return [_out(ports, m) for m in docs], nxt


def change_role(ports: Ports, actor: Actor, org_id: str, user_id: str, role: str) -> dict[str, Any]:
    caller_role = authorize(ports, actor, org_id, "member.write")
    m = _membership(ports, org_id, user_id)
    _guard_owner_change(ports, caller_role, org_id, m["role"], role)
    with ports.store.transaction():
        new = ports.store.collection("memberships").update(m["id"], {"role": role}, expect={"role": m["role"]})
        if new is None:
            raise StateConflict("the role changed meanwhile: read it again", field="role")
        audit.record(ports, actor, org_id, "member.role", "user", user_id, {"from": m["role"], "to": role})
    return _out(ports, new)


def remove(ports: Ports, actor: Actor, org_id: str, user_id: str) -> None:
    caller_role = authorize(ports, actor, org_id, "member.write") if user_id != actor.user_id else \
        authorize(ports, actor, org_id, "read")  # anyone may leave
    m = _membership(ports, org_id, user_id)
    _guard_owner_change(ports, caller_role if user_id != actor.user_id else "owner", org_id, m["role"], None)
    with ports.store.transaction():
        ports.store.collection("memberships").delete(m["id"])
        audit.record(ports, actor, org_id, "member.remove", "user", user_id, {"role": m["role"]})
