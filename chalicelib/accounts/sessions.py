"""A user's log-in sessions, as they see them: where each was opened (address, browser or CLI),
when, until when, and which one is this one; and ending them (one, or all but this one).

Why: a notice that the password or the address changed, or a laptop left somewhere, is acted on
here: a session ends at once in every worker (authentication reads it on every request)."""
from __future__ import annotations

from typing import Any

from chalicelib.audit import service as audit
from chalicelib.core.context import Actor, Ports
from chalicelib.core.errors import Forbidden, NotFound, Unauthorized
from chalicelib.core.ids import now_iso
from chalicelib.store.port import iter_all

MAX_LISTED = 200      # sessions shown; each log-in makes one, expired ones are tidied at log-in
MAX_AUDITED_ORGS = 100


def require_log_in(actor: Actor, what: str) -> None:
    """What only a person at a log-in session does (`what`, in words: "an organization is deleted"):
    an API token, a script's credential, is refused (403 at `authorization`)."""
    if actor.token_id:
        raise Forbidden(f"{what} from a log-in session, not an API token", field="authorization")


def caller(ports: Ports, actor: Actor) -> dict[str, Any]:
    """The caller's user document; 401 when the account is gone (deleted since the token was issued)."""
    user = ports.store.collection("users").get(actor.user_id)
    if user is None:
        raise Unauthorized("token is not valid")
    return user


def _reaching_all(actor: Actor) -> None:
    if actor.token_org_id:   # sessions reach every organization of the user
        raise Forbidden("a token limited to one organization cannot see or end log-in sessions", field="authorization")


def _live(ports: Ports, user_id: str) -> list[dict[str, Any]]:
    now = now_iso()
    found = [s for s in iter_all(ports.store.collection("sessions"), {"user_id": user_id})
             if s.get("kind") != "mfa" and s["expires"] > now]   # a 2FA challenge is not signed in yet
    return sorted(found, key=lambda s: s["created"], reverse=True)


def _public(session: dict[str, Any], actor: Actor) -> dict[str, Any]:
    return {"id": session["id"], "created": session["created"], "expires": session["expires"],
            "source_ip": session.get("source_ip") or None, "user_agent": session.get("user_agent") or None,
            "current": session["id"] == actor.session_id}


def list_sessions(ports: Ports, actor: Actor) -> dict[str, Any]:
    _reaching_all(actor)
    live = _live(ports, actor.user_id)
    return {"items": [_public(s, actor) for s in live[:MAX_LISTED]], "next": None}


def end(ports: Ports, actor: Actor, session_id: str) -> None:
    """One session of the caller's ends (this one too: that is a log-out). 404 at `session` otherwise."""
    _reaching_all(actor)
    sessions = ports.store.collection("sessions")
    session = sessions.get(session_id)
    if session is None or session["user_id"] != actor.user_id or session.get("kind") == "mfa":
        raise NotFound("no such session of yours", field="session")
    sessions.delete(session_id)


def delete_others(ports: Ports, actor: Actor) -> int:
    """Every session of the caller's but the one making the request (all, for an API token). -> how many."""
    where: dict[str, Any] = {"user_id": actor.user_id}
    if actor.session_id:
        where["id"] = {"$ne": actor.session_id}
    return ports.store.collection("sessions").delete_many(where)


def end_others(ports: Ports, actor: Actor) -> dict[str, Any]:
    """DELETE /v1/me/sessions: `delete_others`, recorded in the audit log of each of the caller's
    organizations. -> how many ended."""
    _reaching_all(actor)
    store = ports.store
    with store.transaction():
        ended = delete_others(ports, actor)
        if ended:
            orgs, _ = store.collection("memberships").find({"user_id": actor.user_id}, limit=MAX_AUDITED_ORGS)
            for m in orgs:
                audit.record(ports, actor, m["org_id"], "user.sessions_ended", "user", actor.user_id,
                             {"signed_out_sessions": ended})
    return {"signed_out_sessions": ended}
