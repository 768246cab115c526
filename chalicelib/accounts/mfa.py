"""Two-factor authentication with TOTP (RFC 6238, authenticator apps) and recovery codes.

- Setup gives a new secret (and its otpauth:// URI) that stays *pending*, encrypted at rest
  (Fernet with the secrets key, as every secret), until a valid code confirms it; then it is
  the active secret, never shown again, and 10 one-time recovery codes are shown once and
  stored as SHA-256 (80 random bits each: no slow hash needed, as for API tokens).
- A code is accepted within one 30-second step either side of now; each user's codes are
  accepted in increasing time steps only (`mfa_last_step`, written by compare-and-set), so a
  code, once used, is refused (a replay), and so are the codes before it.
- Wrong codes are throttled like passwords (throttle.py, per account and per client address,
  with the log-in limits).
- With 2FA on, a right password earns a challenge (a 5-minute, single-use JWT of `typ` "mfa",
  naming a server-side record), not a session: POST /auth/login/mfa exchanges it, with a
  code or a recovery code, for the session.
- Turning 2FA on or off ends the user's other sessions (the calling one stays); API tokens
  stay (they are for CI, and cannot change these settings).
- An organization may require 2FA (`require_mfa`): its routes then answer 403 (field `mfa`)
  to any credential of a member without it, API tokens included (service.authorize)."""
from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from typing import Any, Optional

from chalicelib.accounts import sessions as user_sessions
from chalicelib.accounts import throttle
from chalicelib.audit import service as audit
from chalicelib.core import security
from chalicelib.core.context import Actor, Ports
from chalicelib.core.errors import DomainError, Forbidden, Invalid, StateConflict, Unauthorized
from chalicelib.core.ids import iso_from_epoch, new_id, now_iso
from chalicelib.store.port import iter_all

ISSUER = "Launchbay"
STEP = 30                 # seconds per TOTP code
WINDOW = 1                # steps accepted either side of now (clock drift, a code typed late)
DIGITS = 6
CHALLENGE_TTL = 300       # seconds a password-verified sign-in waits for its second step
RECOVERY_CODES = 10
_RECOVERY_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"   # no 0/o, 1/l/i to misread
_RECOVERY_LENGTH = 16     # 16 x log2(31): about 79 bits
# the fields of a user document that hold 2FA state (never in an answer: public_user copies named fields)
FIELDS = ("mfa_secret", "mfa_pending", "mfa_enabled", "mfa_last_step", "mfa_recovery")


def enabled(user: dict[str, Any]) -> bool:
    return bool(user.get("mfa_secret"))


def status(user: dict[str, Any]) -> dict[str, Any]:
    return {"enabled": enabled(user), "recovery_codes_left": len(user.get("mfa_recovery") or []) if enabled(user) else 0}


# --- codes -------------------------------------------------------------------------------

def _totp(secret: str) -> Any:
    import pyotp  # on first use: the log-in path of a user without 2FA never imports it

    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP)


def matching_step(secret: str, code: str, now: Optional[float] = None) -> Optional[int]:
    """The time step whose code `code` is, within WINDOW steps of now; None when none is."""
    code = "".join(code.split())
    if len(code) != DIGITS or not code.isdigit():
        return None
    totp = _totp(secret)
    current = int((time.time() if now is None else now) // STEP)
    found = None
    for step in range(current - WINDOW, current + WINDOW + 1):   # every one compared: no early exit
        if hmac.compare_digest(totp.generate_otp(step), code):
            found = step
    return found


def _normal_recovery(code: str) -> str:
    return "".join(c for c in code.lower() if c.isalnum())


def _hash_recovery(code: str) -> str:
    return hashlib.sha256(("launchbay-recovery:" + _normal_recovery(code)).encode()).hexdigest()


def _new_recovery_codes() -> tuple[list[str], list[str]]:
    """-> (the codes as shown, xxxx-xxxx-xxxx-xxxx, their hashes as stored)."""
    shown = []
    for _ in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(_RECOVERY_LENGTH))
        shown.append("-".join(raw[i:i + 4] for i in range(0, _RECOVERY_LENGTH, 4)))
    return shown, [_hash_recovery(c) for c in shown]


def _key(ports: Ports) -> bytes:
    return ports.settings.fernet_key()


# --- checks shared by log-in and the settings ----------------------------------------------

def _count_attempt(ports: Ports, user: dict[str, Any], source_ip: str) -> None:
    """Counted before the check, given back on success (as log-in does: throttle.py)."""
    s = ports.settings
    throttle.hit(s, "mfa-account", user["id"], s.login_failures_per_account, s.login_window_seconds,
                 "too many wrong codes for this account: try again later", field="code")
    throttle.hit(s, "mfa-address", source_ip, s.login_failures_per_address, s.login_window_seconds,
                 "too many wrong codes from this address: try again later")


def _refund_attempt(ports: Ports, user: dict[str, Any], source_ip: str) -> None:
    throttle.refund(ports.settings, "mfa-account", user["id"])
    throttle.refund(ports.settings, "mfa-address", source_ip)


def _take_step(ports: Ports, user: dict[str, Any], code: str) -> bool:
    """A valid code of a time step after the last one used, recorded (compare-and-set: of two
    requests with the same code, one wins)."""
    secret = security.decrypt(_key(ports), user["mfa_secret"])
    step = matching_step(secret, code)
    last = user.get("mfa_last_step")
    if step is None or (last is not None and step <= last):
        return False
    return ports.store.collection("users").update(user["id"], {"mfa_last_step": step},
                                                  expect={"mfa_last_step": last}) is not None


def _take_recovery_code(ports: Ports, user: dict[str, Any], code: str) -> Optional[int]:
    """Uses one recovery code up -> how many are left; None when it is not one of them."""
    hashes = list(user.get("mfa_recovery") or [])
    digest = _hash_recovery(code)
    if not any(hmac.compare_digest(digest, h) for h in hashes):
        return None
    left = [h for h in hashes if h != digest]
    if ports.store.collection("users").update(user["id"], {"mfa_recovery": left},
                                              expect={"mfa_recovery": hashes}) is None:
        return None   # used meanwhile by a concurrent request
    return len(left)


def verify_second_factor(ports: Ports, user: dict[str, Any], code: Optional[str], recovery_code: Optional[str],
                         source_ip: str, refusal: type[DomainError] = Forbidden) -> None:
    """Exactly one of a current code and a recovery code, throttled; `refusal` when wrong."""
    if bool(code) == bool(recovery_code):
        raise Invalid("give either code (from your authenticator app) or recovery_code", field="code")
    _count_attempt(ports, user, source_ip)
    if code:
        if not _take_step(ports, user, code):
            raise refusal("the code is not valid (wrong, or used already: wait for the next one)", field="code")
    else:
        left = _take_recovery_code(ports, user, recovery_code or "")
        if left is None:
            raise refusal("the recovery code is not valid (wrong, or used already)", field="recovery_code")
        _audit_everywhere(ports, Actor(user_id=user["id"], email=user["email"], source_ip=source_ip),
                          "user.mfa.recovery_code_used", {"remaining": left})
    _refund_attempt(ports, user, source_ip)


def _audit_everywhere(ports: Ports, actor: Actor, action: str, details: Optional[dict[str, Any]] = None) -> None:
    """A user's security event goes to the audit log of every organization they belong to
    (their owners and admins are the ones who need to know). Never a secret or a code."""
    for m in iter_all(ports.store.collection("memberships"), {"user_id": actor.user_id}):
        audit.record(ports, actor, m["org_id"], action, "user", actor.user_id, details)


def _session_only(actor: Actor) -> None:
    if actor.token_id:
        raise Forbidden("two-factor authentication is managed from a log-in session: API tokens (for CI) "
                        "cannot set it up, change or disable it", field="authorization")


# --- the routes ---------------------------------------------------------------------------

def _check_password(ports: Ports, actor: Actor, user: dict[str, Any], password: str) -> None:
    from chalicelib.accounts.service import check_password

    check_password(ports, user, password, actor.source_ip)


def setup(ports: Ports, actor: Actor, password: str) -> dict[str, Any]:
    """A new pending secret (replacing any earlier pending one); nothing changes until confirm.
    The password is asked again: a stolen session alone must not put its own authenticator on
    the account (which would end the owner's other sessions and keep them out)."""
    import pyotp

    _session_only(actor)
    user = user_sessions.caller(ports, actor)
    if enabled(user):
        raise StateConflict("two-factor authentication is on already: disable it first to set up a new "
                            "authenticator", field="mfa")
    _check_password(ports, actor, user, password)
    secret = pyotp.random_base32()   # 160 bits
    ports.store.collection("users").update(user["id"], {"mfa_pending": security.encrypt(_key(ports), secret)})
    uri = _totp(secret).provisioning_uri(name=user["email"], issuer_name=ISSUER)
    return {"secret": secret, "otpauth_uri": uri, "issuer": ISSUER, "account": user["email"],
            "digits": DIGITS, "period": STEP}


def confirm(ports: Ports, actor: Actor, code: str) -> dict[str, Any]:
    """A valid code of the pending secret turns 2FA on -> the recovery codes, this once."""
    _session_only(actor)
    user = user_sessions.caller(ports, actor)
    if enabled(user):
        raise StateConflict("two-factor authentication is on already", field="mfa")
    pending = user.get("mfa_pending")
    if not pending:
        raise StateConflict("nothing to confirm: start with POST /v1/auth/mfa/setup", field="mfa")
    _count_attempt(ports, user, actor.source_ip)
    step = matching_step(security.decrypt(_key(ports), pending), code)
    if step is None:
        raise Forbidden("the code is not valid: type the current one from your authenticator app", field="code")
    _refund_attempt(ports, user, actor.source_ip)
    shown, hashes = _new_recovery_codes()
    with ports.store.transaction():
        done = ports.store.collection("users").update(
            user["id"], {"mfa_secret": pending, "mfa_pending": None, "mfa_enabled": now_iso(),
                         "mfa_last_step": step, "mfa_recovery": hashes}, expect={"mfa_pending": pending})
        if done is None:
            raise StateConflict("the setup changed meanwhile: start it again", field="mfa")
        ended = user_sessions.delete_others(ports, actor)
        _audit_everywhere(ports, actor, "user.mfa.enable", {"other_sessions_ended": ended})
    return {"recovery_codes": shown, "mfa": status(done)}


def disable(ports: Ports, actor: Actor, password: str, code: Optional[str], recovery_code: Optional[str]) -> dict[str, Any]:
    """The password and a current code (or a recovery code) turn 2FA off."""
    _session_only(actor)
    user = user_sessions.caller(ports, actor)
    if not enabled(user):
        raise StateConflict("two-factor authentication is not on", field="mfa")
    _check_password(ports, actor, user, password)
    verify_second_factor(ports, user, code, recovery_code, actor.source_ip)
    with ports.store.transaction():
        done = ports.store.collection("users").update(user["id"], {k: None for k in FIELDS})
        ended = user_sessions.delete_others(ports, actor)
        _audit_everywhere(ports, actor, "user.mfa.disable", {"other_sessions_ended": ended,
                                                             "with": "code" if code else "recovery code"})
    return {"mfa": status(done or {})}


def regenerate_recovery_codes(ports: Ports, actor: Actor, code: str) -> dict[str, Any]:
    """A current code replaces every recovery code with 10 new ones, shown this once."""
    _session_only(actor)
    user = user_sessions.caller(ports, actor)
    if not enabled(user):
        raise StateConflict("two-factor authentication is not on", field="mfa")
    verify_second_factor(ports, user, code, None, actor.source_ip)
    shown, hashes = _new_recovery_codes()
    with ports.store.transaction():
        done = ports.store.collection("users").update(user["id"], {"mfa_recovery": hashes})
        _audit_everywhere(ports, actor, "user.mfa.recovery_codes_regenerated")
    return {"recovery_codes": shown, "mfa": status(done or {})}


# --- log-in --------------------------------------------------------------------------------

def start_challenge(ports: Ports, user: dict[str, Any]) -> dict[str, Any]:
    """What a right password gets when 2FA is on: no session yet, a challenge for the code."""
    now = time.time()
    sessions = ports.store.collection("sessions")
    cid = new_id("mfa")
    # among the sessions, so that a password change (which ends them all) ends it too; no
    # access token ever names it, and authentication refuses one that would (service.py)
    sessions.insert({"id": cid, "user_id": user["id"], "kind": "mfa", "created": now_iso(),
                     "expires": iso_from_epoch(now + CHALLENGE_TTL)})
    token = security.issue_challenge(user["id"], ports.settings.jwt_secret, CHALLENGE_TTL, cid, now=now)
    return {"mfa_required": True, "mfa_token": token, "expires_in": CHALLENGE_TTL,
            "methods": ["code", "recovery_code"]}


def finish_login(ports: Ports, mfa_token: str, code: Optional[str], recovery_code: Optional[str],
                 source_ip: str) -> dict[str, Any]:
    """-> the user whose challenge this is, once their second factor is right (the challenge is
    used up: a second call with it is refused)."""
    again = "this sign-in has expired or was used already: log in again with your password"
    try:
        claims = security.decode_jwt(mfa_token, ports.settings.jwt_secret, typ="mfa")
    except Unauthorized:
        raise Unauthorized(again, field="mfa_token") from None
    sessions = ports.store.collection("sessions")
    challenge = sessions.get(str(claims.get("sid")))
    if (challenge is None or challenge.get("kind") != "mfa" or challenge["user_id"] != claims["sub"]
            or challenge["expires"] <= now_iso()):
        raise Unauthorized(again, field="mfa_token")
    user = ports.store.collection("users").get(claims["sub"])
    if user is None or not enabled(user):
        raise Unauthorized(again, field="mfa_token")
    verify_second_factor(ports, user, code, recovery_code, source_ip, refusal=Unauthorized)
    if not sessions.delete(challenge["id"]):
        raise Unauthorized(again, field="mfa_token")   # a concurrent call used it
    return user


# --- organization policy -------------------------------------------------------------------

def set_org_policy(ports: Ports, actor: Actor, org_id: str, require: bool) -> dict[str, Any]:
    from chalicelib.accounts.service import authorize, public_org

    session_only_policy(actor)
    role = authorize(ports, actor, org_id, "org.write")
    if require and not enabled(user_sessions.caller(ports, actor)):
        raise StateConflict("turn on two-factor authentication for yourself first (it would lock you out)",
                            field="require_mfa")
    orgs = ports.store.collection("organizations")
    with ports.store.transaction():
        org = orgs.get(org_id)
        if org is None:
            raise StateConflict("the organization changed meanwhile", field="org")
        before = bool(org.get("require_mfa"))
        org = orgs.update(org_id, {"require_mfa": require}) or org
        if before != require:
            audit.record(ports, actor, org_id, "org.mfa_policy", "organization", org_id, {"require_mfa": require})
    mark_memberships(ports, org_id)
    return public_org(org, role)


def mark_memberships(ports: Ports, org_id: str, user_id: Optional[str] = None) -> int:
    """Every membership of the organization (or the one of `user_id`) carries its policy, so that
    authorizing a request needs no read of the organization. Run after the policy's commit, and
    after a membership's (an invitation accepted): whichever commits second sees the other's
    write, so no membership keeps a stale policy. -> how many changed."""
    org = ports.store.collection("organizations").get(org_id) or {}
    required, changed = bool(org.get("require_mfa")), 0
    memberships = ports.store.collection("memberships")
    where = {"org_id": org_id, **({"user_id": user_id} if user_id else {})}
    for m in list(iter_all(memberships, where)):
        if m.get("require_mfa") is not required:
            memberships.update(m["id"], {"require_mfa": required})
            changed += 1
    return changed


def session_only_policy(actor: Actor) -> None:
    user_sessions.require_log_in(actor, "an organization's two-factor policy is changed")


def policy_refusal(org: dict[str, Any]) -> Forbidden:
    return Forbidden(f"{org.get('name') or 'this organization'} requires two-factor authentication: turn it on "
                     "for your account first (Account in the web UI, `launchbay mfa enable`, or POST "
                     "/v1/auth/mfa/setup then /v1/auth/mfa/confirm)", field="mfa")
