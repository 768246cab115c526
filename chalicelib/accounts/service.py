"""Sign-up, log-in, authentication, API tokens and the organization scope check."""
from __future__ import annotations

from typing import Any, Optional

from chalicelib.accounts import roles
from chalicelib.audit import service as audit
from chalicelib.core import security
from chalicelib.core.context import Actor, Ports
from chalicelib.core.errors import AlreadyExists, Forbidden, NotFound, Unauthorized
from chalicelib.core.ids import new_id, now_iso
from chalicelib.store.port import Conflict


def public_user(user: dict[str, Any]) -> dict[str, Any]:
    return {k: user[k] for k in ("id", "email", "name", "created") if k in user}


def public_org(org: dict[str, Any], role: Optional[str] = None) -> dict[str, Any]:
    out = {k: org[k] for k in ("id", "name", "created")}
    if role:
        out["role"] = role
    return out


def signup(ports: Ports, email: str, password: str, organization: str, name: Optional[str],
           source_ip: str = "") -> dict[str, Any]:
    store = ports.store
    now = now_iso()
    user = {"id": new_id("usr"), "email": email, "name": name or email.split("@")[0],
            "password_hash": security.hash_password(password), "created": now}
    org = {"id": new_id("org"), "name": organization, "created": now}
    try:
        with store.transaction():
            store.collection("users").insert(user)
            store.collection("organizations").insert(org)
            store.collection("memberships").insert({"id": new_id("mem"), "org_id": org["id"], "user_id": user["id"],
                                                    "role": "owner", "created": now})
            actor = Actor(user_id=user["id"], email=email, source_ip=source_ip)
            audit.record(ports, actor, org["id"], "user.signup", "user", user["id"])
    except Conflict:
        raise AlreadyExists("an account with this email already exists", field="email") from None
    token = security.issue_jwt(user["id"], ports.settings.jwt_secret, ports.settings.jwt_ttl_seconds, email=email)
    return {"token": token, "user": public_user(user), "organization": public_org(org, "owner")}


def login(ports: Ports, email: str, password: str) -> dict[str, Any]:
    user = ports.store.collection("users").find_one({"email": email})
    if user is None:
        security.verify_password(security.dummy_hash(), password)  # same cost as a real check
        raise Unauthorized("email or password is wrong")
    if not security.verify_password(user["password_hash"], password):
        raise Unauthorized("email or password is wrong")
    token = security.issue_jwt(user["id"], ports.settings.jwt_secret, ports.settings.jwt_ttl_seconds,
                               email=user["email"])
    return {"token": token, "expires_in": ports.settings.jwt_ttl_seconds}


def authenticate(ports: Ports, authorization: Optional[str], source_ip: str = "") -> Actor:
    """`Authorization: Bearer <JWT or API token>` -> Actor, or Unauthorized."""
    if not authorization or not authorization.startswith("Bearer "):
        raise Unauthorized("missing bearer token")
    raw = authorization[7:].strip()
    if raw.startswith(security.API_TOKEN_PREFIX):
        tok = ports.store.collection("tokens").find_one({"token_hash": security.hash_api_token(raw)})
        if tok is None:
            raise Unauthorized("token is not valid")
        user = ports.store.collection("users").get(tok["user_id"])
        if user is None:
            raise Unauthorized("token is not valid")
        return Actor(user_id=user["id"], email=user["email"], token_id=tok["id"],
                     token_org_id=tok.get("org_id"), source_ip=source_ip)
    # Access tokens are stateless and short-lived: no store read here. What a user may
    # reach is still decided per request by their memberships.
    claims = security.decode_jwt(raw, ports.settings.jwt_secret)
    return Actor(user_id=claims["sub"], email=claims.get("email", ""), source_ip=source_ip)


def role_in(ports: Ports, actor: Actor, org_id: str) -> Optional[str]:
    if actor.token_org_id and actor.token_org_id != org_id:
        return None
    m = ports.store.collection("memberships").find_one({"org_id": org_id, "user_id": actor.user_id})
    return m["role"] if m else None


def authorize(ports: Ports, actor: Actor, org_id: str, action: str) -> str:
    """Another organization's resources do not exist for the caller (404); a role too low is 403."""
    role = role_in(ports, actor, org_id)
    if role is None:
        raise NotFound("organization not found", field="org")
    if not roles.allows(role, action):
        raise Forbidden(f"role {role!r} may not {action}; needs {roles.PERMISSIONS[action]!r} or higher")
    return role


def load_in_org(ports: Ports, actor: Actor, org_id: str, action: str, collection: str, doc_id: str,
                label: str) -> dict[str, Any]:
    """The one way to read an org's resource by id: authorized, and another org's id is a 404."""
    authorize(ports, actor, org_id, action)
    doc = ports.store.collection(collection).get(doc_id)
    if doc is None or doc.get("org_id") != org_id:
        raise NotFound(f"{label.replace('_', ' ')} not found", field=label)
    return doc


def me(ports: Ports, actor: Actor) -> dict[str, Any]:
    user = ports.store.collection("users").get(actor.user_id)
    if user is None:
        raise Unauthorized("token is not valid")
    mems, _ = ports.store.collection("memberships").find({"user_id": actor.user_id}, limit=200)
    orgs = []
    for m in mems:
        if actor.token_org_id and m["org_id"] != actor.token_org_id:
            continue
        org = ports.store.collection("organizations").get(m["org_id"])
        if org:
            orgs.append(public_org(org, m["role"]))
    return {"user": public_user(user), "organizations": orgs}


def _public_token(tok: dict[str, Any]) -> dict[str, Any]:
    return {k: tok.get(k) for k in ("id", "name", "prefix", "org_id", "created", "last_used")}


def create_token(ports: Ports, actor: Actor, name: str, org_id: Optional[str]) -> dict[str, Any]:
    if org_id is not None and role_in(ports, actor, org_id) is None:
        raise NotFound("organization not found", field="organization_id")
    plain, digest, prefix = security.new_api_token()
    tok = {"id": new_id("tok"), "user_id": actor.user_id, "org_id": org_id, "name": name,
           "token_hash": digest, "prefix": prefix, "created": now_iso(), "last_used": None}
    with ports.store.transaction():
        ports.store.collection("tokens").insert(tok)
        if org_id:
            audit.record(ports, actor, org_id, "token.create", "token", tok["id"], {"name": name})
    return {**_public_token(tok), "token": plain}  # the only time the plaintext is shown


def list_tokens(ports: Ports, actor: Actor, limit: int, after: Optional[str]):
    docs, nxt = ports.store.collection("tokens").find({"user_id": actor.user_id}, limit=limit, after=after)
    return [_public_token(t) for t in docs], nxt


def delete_token(ports: Ports, actor: Actor, token_id: str) -> None:
    tok = ports.store.collection("tokens").get(token_id)
    if tok is None or tok["user_id"] != actor.user_id:
        raise NotFound("token not found", field="token")
    with ports.store.transaction():
        ports.store.collection("tokens").delete(token_id)
        if tok.get("org_id"):
            audit.record(ports, actor, tok["org_id"], "token.delete", "token", token_id)
