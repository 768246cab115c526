"""Organizations beyond the first: a user creates more (a company's, a side project's), renames
them. Sign-up makes the first one (service.signup); this module the rest.

A user's organizations are told apart by name in the CLI (`launchbay orgs use Acme`) and the UI's
switcher, so one user cannot hold two of the same name (case aside)."""
from __future__ import annotations

from typing import Any, Optional

from chalicelib.accounts import mfa, throttle
from chalicelib.accounts.sessions import caller
from chalicelib.audit import service as audit
from chalicelib.core.context import Actor, Ports
from chalicelib.core.errors import AlreadyExists, Forbidden, Invalid, NotFound, StateConflict
from chalicelib.core.ids import new_id, now_iso
from chalicelib.store.port import iter_all

CREATES_PER_WINDOW = 10  # per user per rate window (an hour)


def _names_of(ports: Ports, user_id: str, but: Optional[str] = None) -> dict[str, str]:
    """{lowercased name: org id} of the user's organizations (but `but`)."""
    orgs = ports.store.collection("organizations")
    out = {}
    for m in iter_all(ports.store.collection("memberships"), {"user_id": user_id}):
        org = orgs.get(m["org_id"])
        if org and org["id"] != but:
            out[org["name"].strip().lower()] = org["id"]
    return out


def _refuse_same_name(ports: Ports, user_id: str, name: str, but: Optional[str] = None) -> None:
    if name.strip().lower() in _names_of(ports, user_id, but):
        raise AlreadyExists(f"you belong to an organization named {name!r} already: choose another name", field="name")


def create(ports: Ports, actor: Actor, name: str) -> dict[str, Any]:
    """A new organization, the caller its owner. -> it, as GET /v1/me lists it."""
    from chalicelib.accounts.service import public_org

    if actor.token_org_id:
        raise Forbidden("a token limited to one organization cannot create another", field="authorization")
    store = ports.store
    caller(ports, actor)   # the account still exists
    s = ports.settings
    owned = store.collection("memberships").count({"user_id": actor.user_id, "role": "owner"})
    if owned >= s.orgs_per_user:
        raise StateConflict(f"you own {owned} organizations, the most one person may here "
                            f"(LAUNCHBAY_ORGS_PER_USER={s.orgs_per_user}): delete one you no longer "
                            "use, or make someone else its owner and leave it", field="name")
    _refuse_same_name(ports, actor.user_id, name)
    throttle.hit(s, "org-create", actor.user_id, CREATES_PER_WINDOW, s.rate_window_seconds,
                 "too many organizations created: try again later", field="name")
    now = now_iso()
    org: dict[str, Any] = {"id": new_id("org"), "name": name, "created": now, "owners": 1}   # owners.py
    with store.transaction():
        store.collection("organizations").insert(org)
        store.collection("memberships").insert({"id": new_id("mem"), "org_id": org["id"], "user_id": actor.user_id,
                                                "role": "owner", "require_mfa": False, "created": now})
        audit.record(ports, actor, org["id"], "org.create", "organization", org["id"], {"name": name})
    return public_org(org, "owner")


def update(ports: Ports, actor: Actor, org_id: str, name: Optional[str], require_mfa: Optional[bool]) -> dict[str, Any]:
    """PATCH /v1/orgs/{org}: its name (owners and admins), its two-factor policy (mfa.py)."""
    from chalicelib.accounts.service import authorize, public_org

    if name is None and require_mfa is None:
        raise Invalid("give name or require_mfa", field="name")
    if require_mfa is not None:
        mfa.session_only_policy(actor)
    role = authorize(ports, actor, org_id, "org.write")
    orgs = ports.store.collection("organizations")
    org = orgs.get(org_id)
    if org is None:   # deleted since the role was read
        raise NotFound("organization not found", field="org")
    if name is not None and name != org["name"]:
        _refuse_same_name(ports, actor.user_id, name, but=org_id)
        with ports.store.transaction():
            renamed = orgs.update(org_id, {"name": name}, expect={"name": org["name"]})
            if renamed is None:
                raise StateConflict("the organization changed meanwhile: read it again", field="org")
            audit.record(ports, actor, org_id, "org.rename", "organization", org_id, {"from": org["name"], "to": name})
        org = renamed
    if require_mfa is not None:
        return mfa.set_org_policy(ports, actor, org_id, require_mfa)
    return public_org(org, role)

