"""Deleting one's own account: from a log-in session, with the password (and the second factor).

It leaves every organization; an organization it is the only owner of must first get another
owner or be deleted (org_deletion.py), so no organization is left without one. What is the
person's goes: their memberships, sessions, API tokens, one-time links and the user itself. What
is the organizations' stays: audit events name who did what, by address, as they did then."""
from __future__ import annotations

import time
from typing import Any, Optional

from chalicelib.accounts import mfa, owners
from chalicelib.accounts.sessions import caller, require_log_in
from chalicelib.audit import service as audit
from chalicelib.core.context import Actor, Ports
from chalicelib.core.errors import StateConflict, named
from chalicelib.mail import messages
from chalicelib.mail import service as mail
from chalicelib.store.port import iter_all

MAX_NAMED = 5
PERSONAL = ("sessions", "tokens", "password_resets", "email_verifications", "email_changes")


def _only_owner_of(ports: Ports, memberships: list[dict[str, Any]]) -> list[dict[str, Any]]:
    orgs = ports.store.collection("organizations")
    out = []
    for m in memberships:
        if m["role"] != "owner":
            continue
        org = orgs.get(m["org_id"])
        if org is not None and ports.store.collection("memberships").count({"org_id": org["id"], "role": "owner"}) <= 1:
            out.append(org)
    return out


def _refusal(orgs: list[dict[str, Any]]) -> StateConflict:
    names = ", ".join(o["name"] for o in orgs[:MAX_NAMED]) + (" and more" if len(orgs) > MAX_NAMED else "")
    return StateConflict(f"you are the only owner of {names}: make another member an owner, or delete the "
                         "organization (DELETE /v1/orgs/{id}?confirm=NAME), then delete your account",
                         field="organizations", resources=named("organization", orgs))


def delete(ports: Ports, actor: Actor, password: str, code: Optional[str], recovery_code: Optional[str]) -> dict[str, Any]:
    from chalicelib.accounts.service import check_password

    require_log_in(actor, "an account is deleted")
    store = ports.store
    user = caller(ports, actor)
    check_password(ports, user, password, actor.source_ip)
    if mfa.enabled(user):
        mfa.verify_second_factor(ports, user, code, recovery_code, actor.source_ip)
    memberships = list(iter_all(store.collection("memberships"), {"user_id": user["id"]}))
    alone = _only_owner_of(ports, memberships)
    if alone:
        raise _refusal(alone)
    left: list[str] = []
    with store.transaction():
        taken: list[str] = []
        try:
            for m in memberships:
                if m["role"] == "owner":   # the last-owner rule under concurrency (owners.py)
                    owners.take_one(ports, m["org_id"])
                    taken.append(m["org_id"])
        except StateConflict:   # another owner left meanwhile: give back what was taken, refuse
            for org_id in taken:
                owners.give_one(ports, org_id)
            raise _refusal([store.collection("organizations").get(m["org_id"]) or {"id": m["org_id"], "name": m["org_id"]}
                            for m in memberships if m["role"] == "owner" and m["org_id"] not in taken][:1]) from None
        for m in memberships:
            store.collection("memberships").delete(m["id"])
            org = store.collection("organizations").get(m["org_id"])
            left.append(org["name"] if org else m["org_id"])
            audit.record(ports, actor, m["org_id"], "user.delete", "user", user["id"], {"role": m["role"]})
        for name in PERSONAL:
            store.collection(name).delete_many({"user_id": user["id"]})
        store.collection("users").delete(user["id"])
        when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
        notice = mail.queue(ports, user["email"], messages.account_deleted(user["email"], when, actor.source_ip),
                            "account_deleted")
    mail.publish(ports, notice["id"])
    return {"status": "deleted", "email": user["email"], "left_organizations": sorted(left)}
