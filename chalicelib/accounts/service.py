"""Sign-up, log-in, sessions, authentication, API tokens and the organization scope check."""
from __future__ import annotations

import time
from typing import Any, Optional

from chalicelib.accounts import mfa, roles, throttle
from chalicelib.accounts import sessions as user_sessions
from chalicelib.audit import service as audit
from chalicelib.core import security
from chalicelib.core.context import Actor, Ports
from chalicelib.core.errors import AlreadyExists, Forbidden, Invalid, NotFound, Unauthorized
from chalicelib.core.ids import epoch_from_iso, iso_from_epoch, new_id, now_iso
from chalicelib.store.port import Conflict, FirstOfEach, iter_all


def public_user(user: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {k: user[k] for k in ("id", "email", "name", "created") if k in user}
    out["email_verified"] = bool(user.get("email_verified"))   # proven by a link mailed to it (verification.py)
    return out


def public_org(org: dict[str, Any], role: Optional[str] = None,
               project_roles: Optional[dict[str, str]] = None) -> dict[str, Any]:
    out = {k: org[k] for k in ("id", "name", "created")}
    out["require_mfa"] = bool(org.get("require_mfa"))   # members need two-factor authentication (mfa.py)
    if role:
        out["role"] = role
        # the caller's roles in single projects ({project id: role}), which decide there (roles.effective)
        out["project_roles"] = {} if role in ("owner", "admin") else dict(project_roles or {})
    return out


LAST_USED_EVERY = 60  # seconds: an API token's last_used is written at most this often
MAX_USER_AGENT = 200  # characters of a session's User-Agent kept


def _new_session(ports: Ports, user: dict[str, Any], source_ip: str = "", user_agent: str = "") -> dict[str, Any]:
    """A session per log-in; the access token names it, and authentication checks it exists.
    Where it was opened from (address, browser or CLI) is kept so its owner can tell it apart
    in the list of sessions (sessions.py)."""
    ttl, now = ports.settings.jwt_ttl_seconds, time.time()
    sessions = ports.store.collection("sessions")
    sid = new_id("ses")
    sessions.insert({"id": sid, "user_id": user["id"], "email": user["email"], "created": now_iso(),
                     "expires": iso_from_epoch(now + ttl), "source_ip": source_ip,
                     "user_agent": user_agent[:MAX_USER_AGENT]})
    sessions.delete_many({"user_id": user["id"], "expires": {"$lt": now_iso()}})  # tidy as we go
    token = security.issue_jwt(user["id"], ports.settings.jwt_secret, ttl, now=now, session_id=sid)
    return {"token": token, "expires_in": ttl}


def signup(ports: Ports, email: str, password: str, organization: Optional[str], name: Optional[str],
           source_ip: str = "", invitation: Optional[str] = None, request_base: str = "",
           user_agent: str = "") -> dict[str, Any]:
    """A new user, and the organization they name (as its owner).

    With `invitation` (the token of an invitation e-mail's link, for this address) the address is
    proven: the user joins every organization that invited it, and may leave `organization` out to
    join only those. Without it, a link to confirm the address is e-mailed, and invitations wait
    for that (verification.py)."""
    from chalicelib.accounts import invitations, verification
    from chalicelib.mail import service as mail

    s = ports.settings
    throttle.hit(s, "signup-address", source_ip, s.signups_per_address, s.rate_window_seconds,
                 "too many sign-ups from this address: try again later")
    store = ports.store
    now = now_iso()
    proven = False
    if invitation:
        proven = invitations.find_live(ports, invitation)["email"] == email
        if not proven:
            raise Invalid("this invitation was sent to another e-mail address: sign up with that address",
                          field="invitation")
    elif organization is None:
        raise Invalid("name the organization to create (only a person who follows an invitation e-mail's link may "
                      "leave it out: they join the organization that invited them)", field="organization")
    user: dict[str, Any] = {"id": new_id("usr"), "email": email, "name": name or email.split("@")[0],
            "password_hash": security.hash_password(password), "created": now, "email_verified": now if proven else None}
    actor = Actor(user_id=user["id"], email=email, source_ip=source_ip)
    if organization is None:
        return _signup_invited(ports, user, actor, user_agent)
    org: dict[str, Any] = {"id": new_id("org"), "name": organization, "created": now, "owners": 1}  # owners.py
    link = None
    try:
        with store.transaction():
            store.collection("users").insert(user)
            store.collection("organizations").insert(org)
            store.collection("memberships").insert({"id": new_id("mem"), "org_id": org["id"], "user_id": user["id"],
                                                    "role": "owner", "require_mfa": False, "created": now})
            audit.record(ports, actor, org["id"], "user.signup", "user", user["id"])
            if not proven:
                link = verification.queue_link(ports, user, request_base)
    except Conflict:
        raise AlreadyExists("an account with this email already exists", field="email") from None
    if link:
        mail.publish(ports, link["id"])
    invitations.accept_pending(ports, user, source_ip)
    session = _new_session(ports, user, source_ip, user_agent)
    return {"token": session["token"], "user": public_user(user), "organization": public_org(org, "owner")}


def _signup_invited(ports: Ports, user: dict[str, Any], actor: Actor, user_agent: str = "") -> dict[str, Any]:
    """The user (its address proven by the invitation's link) and their invitations' memberships
    in one transaction: with no live invitation left (revoked or accepted meanwhile) the sign-up
    is refused and leaves no account behind."""
    from chalicelib.accounts import invitations

    store = ports.store
    try:
        with store.transaction():
            store.collection("users").insert(user)
            joined = invitations.accept_pending(ports, user, actor.source_ip)
            if not joined:
                raise Invalid(invitations.INVALID, field="invitation")
            org_id, role = joined[0]
            audit.record(ports, actor, org_id, "user.signup", "user", user["id"])
    except Conflict:
        raise AlreadyExists("an account with this email already exists", field="email") from None
    org = store.collection("organizations").get(org_id) or {"id": org_id, "name": "", "created": ""}
    session = _new_session(ports, user, actor.source_ip, user_agent)
    return {"token": session["token"], "user": public_user(user), "organization": public_org(org, role)}


def count_login_attempt(ports: Ports, email: str, source_ip: str) -> None:
    """Counted before the password check (see throttle.py); a success refunds it."""
    s = ports.settings
    throttle.hit(s, "login-account", email, s.login_failures_per_account, s.login_window_seconds,
                 "too many failed log-ins for this account: try again later", field="email")
    throttle.hit(s, "login-address", source_ip, s.login_failures_per_address, s.login_window_seconds,
                 "too many failed log-ins from this address: try again later")


def refund_login_attempt(ports: Ports, email: str, source_ip: str) -> None:
    throttle.refund(ports.settings, "login-account", email)
    throttle.refund(ports.settings, "login-address", source_ip)


def login(ports: Ports, email: str, password: str, source_ip: str = "", user_agent: str = "") -> dict[str, Any]:
    """-> the session, and `joined`: the organizations whose invitations it accepted (a confirmed
    address's only), so a client following an invitation's link knows it need not accept it too."""
    from chalicelib.accounts import invitations

    count_login_attempt(ports, email, source_ip)
    user = ports.store.collection("users").find_one({"email": email})
    if user is None:
        security.verify_password(security.dummy_hash(), password)  # same cost as a real check
        raise Unauthorized("email or password is wrong")
    if not security.verify_password(user["password_hash"], password):
        raise Unauthorized("email or password is wrong")
    refund_login_attempt(ports, email, source_ip)
    if mfa.enabled(user):   # no session yet: a challenge that POST /auth/login/mfa exchanges with a code
        return mfa.start_challenge(ports, user)
    joined = invitations.accept_pending(ports, user, source_ip)
    return {**_new_session(ports, user, source_ip, user_agent), "joined": invitations.joined_orgs(ports, joined)}


def login_second_step(ports: Ports, mfa_token: str, code: Optional[str], recovery_code: Optional[str],
                      source_ip: str = "", user_agent: str = "") -> dict[str, Any]:
    """The challenge of a right password and a code (or a recovery code) -> the session; the
    invitations of the address are accepted then, as at a log-in without 2FA."""
    from chalicelib.accounts import invitations

    user = mfa.finish_login(ports, mfa_token, code, recovery_code, source_ip)
    joined = invitations.accept_pending(ports, user, source_ip)
    return {**_new_session(ports, user, source_ip, user_agent), "joined": invitations.joined_orgs(ports, joined)}


def check_password(ports: Ports, user: dict[str, Any], password: str, source_ip: str, field: str = "password") -> None:
    """A signed-in user's password asked again (a password change, 2FA setup and disable), counted
    with log-in's limits: no password oracle around them. Wrong: 403 naming `field`."""
    count_login_attempt(ports, user["email"], source_ip)
    if not security.verify_password(user["password_hash"], password):
        raise Forbidden(f"the {field.replace('_', ' ')} is wrong", field=field)
    refund_login_attempt(ports, user["email"], source_ip)


def change_password(ports: Ports, actor: Actor, current: str, new: str, request_base: str = "",
                    user_agent: str = "") -> dict[str, Any]:
    """Revokes every session, API token and reset link of the user, and tells the address;
    answers with a fresh session."""
    from chalicelib.accounts import resets
    from chalicelib.mail import service as mail

    if actor.token_org_id:  # the fresh session would reach beyond the token's organization
        raise Forbidden("a token limited to one organization cannot change the password", field="authorization")
    store = ports.store
    user = user_sessions.caller(ports, actor)
    if actor.token_id and mfa.enabled(user):   # the fresh session would skip the second factor
        raise Forbidden("with two-factor authentication on, the password is changed from a log-in session, "
                        "not an API token", field="authorization")
    check_password(ports, user, current, actor.source_ip, field="current_password")
    with store.transaction():
        _, revoked = resets.revoke_everything(ports, user, security.hash_password(new))
        notice = resets.changed_notice(ports, user, "from the account's settings", actor.source_ip, request_base)
    mail.publish(ports, notice["id"])
    return {**_new_session(ports, user, actor.source_ip, user_agent), "revoked_api_tokens": revoked}


def _bearer(authorization: Optional[str]) -> str:
    if not authorization or not authorization.startswith("Bearer "):
        raise Unauthorized("missing bearer token")
    return authorization[7:].strip()


def _api_token(ports: Ports, raw: str) -> dict[str, Any]:
    tokens = ports.store.collection("tokens")
    tok = tokens.find_one({"token_hash": security.hash_api_token(raw)})
    if tok is None:
        raise Unauthorized("token is not valid")
    if tok.get("expires") and tok["expires"] <= now_iso():
        raise Unauthorized("the API token has expired")
    now, last = time.time(), tok.get("last_used")
    if last is None or epoch_from_iso(last) < now - LAST_USED_EVERY:
        # compare-and-set: of many concurrent requests, one writes
        tokens.update(tok["id"], {"last_used": iso_from_epoch(now)}, expect={"last_used": last})
    return tok


_SESSION_AND_MEMBERSHIP = FirstOfEach((("sessions", ("id",)), ("memberships", ("org_id", "user_id"))))


def _session(ports: Ports, raw: str, org_id: Optional[str], source_ip: str) -> Actor:
    """A signed, unexpired access token whose session still exists (not logged out, no
    password change since): one read by primary key on every request, never remembered, so a
    log-out or a password change holds at once in every worker and container.
    org_id: the organization the request's path names; the caller's membership there is read in
    the same statement (store.first_of_each) and handed to the request's first membership_in."""
    claims = security.decode_jwt(raw, ports.settings.jwt_secret)
    sid, user_id = claims.get("sid"), claims["sub"]
    if not isinstance(sid, str):
        raise Unauthorized("the session has ended: log in again")
    if org_id:
        session, member = ports.store.first_of_each(_SESSION_AND_MEMBERSHIP, (sid, org_id, user_id))
    else:
        session, member = ports.store.collection("sessions").get(sid), None
    if session is None or session["user_id"] != user_id or session.get("kind") == "mfa":
        raise Unauthorized("the session has ended: log in again")
    # the address: the session's since tokens stopped carrying it (a change of address ends every
    # session, so it cannot be stale); the token's for sessions opened before
    return Actor(user_id=user_id, email=session.get("email") or claims.get("email", ""), source_ip=source_ip,
                 session_id=sid, prefetched=[org_id, member] if org_id else None)


def authenticate(ports: Ports, authorization: Optional[str], source_ip: str = "",
                 org_id: Optional[str] = None) -> Actor:
    """`Authorization: Bearer <JWT or API token>` -> Actor, or Unauthorized. org_id: see _session."""
    raw = _bearer(authorization)
    if raw.startswith(security.API_TOKEN_PREFIX):
        tok = _api_token(ports, raw)
        user = ports.store.collection("users").get(tok["user_id"])
        if user is None:
            raise Unauthorized("token is not valid")
        return Actor(user_id=user["id"], email=user["email"], token_id=tok["id"],
                     token_org_id=tok.get("org_id"), source_ip=source_ip)
    # What a user may reach is still decided per request by their memberships.
    return _session(ports, raw, org_id, source_ip)


def logout(ports: Ports, authorization: Optional[str], source_ip: str = "") -> None:
    """Ends what the request presented: the access token's session, or the API token."""
    actor = authenticate(ports, authorization, source_ip)
    if actor.token_id:
        ports.store.collection("tokens").delete(actor.token_id)
    elif actor.session_id:
        ports.store.collection("sessions").delete(actor.session_id)


def membership_in(ports: Ports, actor: Actor, org_id: str) -> Optional[dict[str, Any]]:
    if actor.token_org_id and actor.token_org_id != org_id:
        return None
    pre = actor.prefetched
    if pre and pre[0] == org_id:
        # read with the session, in this request's snapshot; taken once, so that a later check
        # in the request (after a write, say) reads the store again as before
        member = pre[1]
        pre.clear()
        return member
    return ports.store.collection("memberships").find_one({"org_id": org_id, "user_id": actor.user_id})


def role_in(ports: Ports, actor: Actor, org_id: str) -> Optional[str]:
    m = membership_in(ports, actor, org_id)
    return m["role"] if m else None


def authorize(ports: Ports, actor: Actor, org_id: str, action: str, project_id: Optional[str] = None) -> str:
    """Another organization's resources do not exist for the caller (404); a role too low is 403;
    so is a member without two-factor authentication where the organization requires it
    (whatever the credential: a session or an API token), field `mfa`. The membership carries
    the organization's policy (`require_mfa`, kept in step by mfa.mark_memberships), so an
    authorized request reads nothing more than it did before the policy existed.
    project_id: the project the action is on, where it has one: the member's role in that project
    (roles.effective) decides the project's actions."""
    m = membership_in(ports, actor, org_id)
    if m is None:
        raise NotFound("organization not found", field="org")
    role, scoped = roles.effective(m, action, project_id) if project_id else (m["role"], False)
    required = m.get("require_mfa")
    if required is None:   # a membership from before memberships carried it: the organization says
        required = bool((ports.store.collection("organizations").get(org_id) or {}).get("require_mfa"))
    if required:
        user = ports.store.collection("users").get(actor.user_id)
        if user is None or not mfa.enabled(user):
            raise mfa.policy_refusal(ports.store.collection("organizations").get(org_id) or {})
    if not roles.allows(role, action):
        raise Forbidden(f"your role {'in this project' if scoped else 'here'} is {role}: "
                        f"{roles.ACTION_WORDS.get(action, action)} takes {roles.PERMISSIONS[action]} or higher "
                        "(an owner or admin can change your role)", field="role")
    return role


def authorize_somewhere(ports: Ports, actor: Actor, org_id: str, action: str) -> None:
    """`action` is allowed to the caller in the organization or in one of its projects at least (a
    viewer who is a developer of one project may start an org-wide deploy whose services are then
    each authorized in their own project). Membership and the 2FA policy are checked as always; a
    refusal is authorize's own."""
    authorize(ports, actor, org_id, "read")
    m = membership_in(ports, actor, org_id) or {}
    if not any(roles.allows(role, action) for role in (m.get("project_roles") or {}).values()) \
            or m.get("role") in ("owner", "admin"):
        authorize(ports, actor, org_id, action)


def load_in_org(ports: Ports, actor: Actor, org_id: str, action: str, collection: str, doc_id: str,
                label: str) -> dict[str, Any]:
    """The one way to read an org's resource by id: authorized, and another org's id is a 404. An
    action on a project's resource is decided by the member's role in that project: a member is
    first checked as one (404 otherwise), the resource read, then the action authorized there."""
    in_project = action in roles.PROJECT_ACTIONS
    authorize(ports, actor, org_id, "read" if in_project else action)
    doc = ports.store.collection(collection).get(doc_id)
    if doc is None or doc.get("org_id") != org_id:
        raise NotFound(f"{label.replace('_', ' ')} not found", field=label)
    if in_project:
        authorize(ports, actor, org_id, action, doc["id"] if collection == "projects" else doc.get("project_id"))
    return doc


def me(ports: Ports, actor: Actor) -> dict[str, Any]:
    user = user_sessions.caller(ports, actor)
    mems, _ = ports.store.collection("memberships").find({"user_id": actor.user_id}, limit=200)
    orgs = []
    for m in mems:
        if actor.token_org_id and m["org_id"] != actor.token_org_id:
            continue
        org = ports.store.collection("organizations").get(m["org_id"])
        if org:
            orgs.append(public_org(org, m["role"], m.get("project_roles")))
    from chalicelib.accounts import email_change
    from chalicelib.mail import feedback

    return {"user": public_user(user), "organizations": orgs, "mfa": mfa.status(user),
            # null while mail reaches the address; else why nothing is sent there (a bounce, a complaint)
            "email_delivery": feedback.public(feedback.suppression(ports, user["email"])),
            # a change of address waiting for the new address's link (email_change.py), or null
            "pending_email": email_change.pending(ports, user)}


def lift_suppression(ports: Ports, actor: Actor) -> None:
    """The caller's mailbox works again: e-mail to their address resumes. 404 when none was held back."""
    from chalicelib.mail import feedback

    user = user_sessions.caller(ports, actor)
    if not feedback.lift(ports, user["email"]):
        raise NotFound("e-mail to this address is not held back", field="email")


def notification_preferences(ports: Ports, actor: Actor, changes: Optional[dict[str, bool]] = None) -> dict[str, Any]:
    """The caller's e-mails about their own work (notify/personal.py), changed by `changes` first."""
    from chalicelib.notify import personal

    users = ports.store.collection("users")
    user = user_sessions.caller(ports, actor)
    if changes:
        user = users.update(user["id"], {"notifications": {**(user.get("notifications") or {}), **changes}}) or user
    prefs = personal.preferences(user)
    return {**prefs, "email": user["email"], "about": {k: personal.WORDS[k] for k in prefs}}


def _public_token(tok: dict[str, Any]) -> dict[str, Any]:
    return {k: tok.get(k) for k in ("id", "name", "prefix", "org_id", "created", "expires", "last_used")}


def _token_expiry(ports: Ports, actor: Actor, days: Optional[int]) -> Optional[str]:
    """When the new token stops working: `days` from now, never later than the calling token
    (a token never makes a token that outlives it; unasked, the new one inherits its end)."""
    wanted = iso_from_epoch(time.time() + days * 86400) if days else None
    parent = ports.store.collection("tokens").get(actor.token_id) if actor.token_id else None
    limit = (parent or {}).get("expires")
    if limit and (wanted is None or wanted > limit):
        return str(limit)
    return wanted


def _live_name(user_id: str, name: str) -> str:
    return f"{user_id}:{name}"


def _name_taken(tok: dict[str, Any]) -> AlreadyExists:
    return AlreadyExists(f"you already have an API token named {tok['name']!r} ({tok['prefix']}…, {tok['id']}): "
                         "revoke it first, or choose another name", field="name")


def _refuse_a_second_active(ports: Ports, user_id: str, name: str) -> None:
    """A user's working tokens have distinct names: the name is how a person (and `launchbay
    tokens revoke NAME`) tells them apart. An expired token's name can be taken again: it gives
    up its `live_name` (the unique index that makes two concurrent creates of a name one)."""
    now, tokens = now_iso(), ports.store.collection("tokens")
    for tok in iter_all(tokens, {"user_id": user_id, "name": name}):
        if not tok.get("expires") or str(tok["expires"]) > now:
            raise _name_taken(tok)
        if tok.get("live_name") == _live_name(user_id, name):
            tokens.update(tok["id"], {"live_name": tok["id"]})


def create_token(ports: Ports, actor: Actor, name: str, org_id: Optional[str],
                 expires_days: Optional[int] = None) -> dict[str, Any]:
    if actor.token_org_id:  # a token never makes a token wider than itself
        if org_id is None:
            org_id = actor.token_org_id
        elif org_id != actor.token_org_id:
            raise Forbidden("a token limited to one organization can only create tokens limited to it",
                            field="organization_id")
    _refuse_a_second_active(ports, actor.user_id, name)
    s = ports.settings
    throttle.hit(s, "token-user", actor.user_id, s.tokens_per_user, s.rate_window_seconds,
                 "too many API tokens created: try again later")
    if org_id is not None and role_in(ports, actor, org_id) is None:
        raise NotFound("organization not found", field="organization_id")
    plain, digest, prefix = security.new_api_token()
    tok: dict[str, Any] = {"id": new_id("tok"), "user_id": actor.user_id, "org_id": org_id, "name": name,
           "token_hash": digest, "prefix": prefix, "created": now_iso(),
           "expires": _token_expiry(ports, actor, expires_days), "last_used": None,
           "made_by": actor.token_id,   # revoking that token revokes this one (delete_token)
           "live_name": _live_name(actor.user_id, name)}
    try:
        with ports.store.transaction():
            ports.store.collection("tokens").insert(tok)
            if org_id:
                audit.record(ports, actor, org_id, "token.create", "token", tok["id"],
                             {"name": name, "expires": tok["expires"]})
    except Conflict as exc:
        if exc.field != "live_name":
            raise
        other = ports.store.collection("tokens").find_one({"live_name": tok["live_name"]})   # a concurrent create won
        raise _name_taken(other or tok) from None
    return {**_public_token(tok), "token": plain}  # the only time the plaintext is shown


def _visible_tokens(actor: Actor) -> dict[str, Any]:
    """A limited token sees only the user's tokens limited to the same organization."""
    where: dict[str, Any] = {"user_id": actor.user_id}
    if actor.token_org_id:
        where["org_id"] = actor.token_org_id
    return where


def list_tokens(ports: Ports, actor: Actor, limit: int,
                after: Optional[str]) -> tuple[list[dict[str, Any]], Optional[str]]:
    docs, nxt = ports.store.collection("tokens").find(_visible_tokens(actor), limit=limit, after=after)
    return [_public_token(t) for t in docs], nxt


def _made_from(ports: Ports, tok: dict[str, Any]) -> list[str]:
    """The tokens `tok` made, and those they made, and so on: a stolen token that minted another
    must not leave that one working once it is revoked (a token never outlives its maker)."""
    made: dict[str, list[str]] = {}
    for t in iter_all(ports.store.collection("tokens"), {"user_id": tok["user_id"]}):
        if t.get("made_by"):
            made.setdefault(t["made_by"], []).append(t["id"])
    out, todo = [], list(made.get(tok["id"], []))
    while todo:
        out.append(todo.pop())
        todo += made.get(out[-1], [])
    return out


def delete_token(ports: Ports, actor: Actor, token_id: str) -> None:
    tok = ports.store.collection("tokens").get(token_id)
    if tok is None or any(tok.get(k) != v for k, v in _visible_tokens(actor).items()):
        raise NotFound("token not found", field="token")
    descendants = _made_from(ports, tok)
    with ports.store.transaction():
        for tid in [token_id, *descendants]:
            ports.store.collection("tokens").delete(tid)
        if tok.get("org_id"):
            audit.record(ports, actor, tok["org_id"], "token.delete", "token", token_id,
                         {"with_tokens_it_made": descendants} if descendants else None)
