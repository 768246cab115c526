"""Organization members and their roles. Only an owner may make or unmake owners, and
an organization always keeps at least one owner (owners.py). Members join through
invitations (invitations.py). A developer or viewer may also have a role in one project
(`project_roles`, roles.effective): higher (a viewer who deploys one team's project) or lower
(a developer who only reads production's project) than their organization role, for that
project's work only."""
from __future__ import annotations

from typing import Any, Optional

from chalicelib.accounts import owners, roles
from chalicelib.accounts.service import authorize, load_in_org, public_user
from chalicelib.audit import service as audit
from chalicelib.core.context import Actor, Ports
from chalicelib.core.errors import Forbidden, Invalid, NotFound, StateConflict

MAX_PROJECT_ROLES = 100


def _out(ports: Ports, m: dict[str, Any]) -> dict[str, Any]:
    user = ports.store.collection("users").get(m["user_id"]) or {"id": m["user_id"]}
    return {"user": public_user(user), "role": m["role"], "created": m["created"],
            "project_roles": project_roles(ports, m)}


def project_roles(ports: Ports, m: dict[str, Any]) -> list[dict[str, Any]]:
    """[{project_id, project (its name), role, applies}], by project name; `applies` is false while
    the member is an owner or admin (they act on every project as such; the roles wait, kept)."""
    given = m.get("project_roles") or {}
    out = []
    for project_id, role in given.items():
        project = ports.store.collection("projects").get(project_id) or {}
        out.append({"project_id": project_id, "project": project.get("name"), "role": role,
                    "applies": m["role"] not in ("owner", "admin")})
    return sorted(out, key=lambda x: (x["project"] or "", x["project_id"]))


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


def set_project_role(ports: Ports, actor: Actor, org_id: str, user_id: str, project_id: str,
                     role: Optional[str]) -> dict[str, Any]:
    """Give a developer or viewer a role in one project (None: take it away, back to their
    organization role there). Admins and owners only; audited."""
    authorize(ports, actor, org_id, "member.write")
    project = load_in_org(ports, actor, org_id, "read", "projects", project_id, "project")
    with ports.store.transaction():
        m = _membership(ports, org_id, user_id)
        given = dict(m.get("project_roles") or {})
        before = given.get(project_id)
        if role is None:
            if before is None:   # nothing to take away: as asked already (a repeated DELETE)
                return _out(ports, m)
            del given[project_id]
        else:
            if m["role"] in ("owner", "admin"):
                raise Invalid(f"{m['role']}s act on every project as {m['role']}: a project role is for developers "
                              "and viewers (change their organization role first)", field="role")
            if role not in roles.PROJECT_ROLES:
                raise Invalid(f"a project role is one of {', '.join(roles.PROJECT_ROLES)}", field="role")
            if before is None and len(given) >= MAX_PROJECT_ROLES:
                raise Invalid(f"at most {MAX_PROJECT_ROLES} project roles per member", field="project")
            given[project_id] = role
        new = ports.store.collection("memberships").update(m["id"], {"project_roles": given},
                                                           expect={"role": m["role"]})
        if new is None:
            raise StateConflict("the membership changed meanwhile: read it again", field="user")
        audit.record(ports, actor, org_id, "member.project_role", "user", user_id,
                     {"project": project["name"], "project_id": project_id, "from": before, "to": role})
    return _out(ports, new)


def forget_project(ports: Ports, org_id: str, project_id: str) -> None:
    """A deleted project's roles go from every membership that had one."""
    from chalicelib.store.port import iter_all

    for m in list(iter_all(ports.store.collection("memberships"), {"org_id": org_id})):
        given = m.get("project_roles") or {}
        if project_id in given:
            ports.store.collection("memberships").update(
                m["id"], {"project_roles": {k: v for k, v in given.items() if k != project_id}})
