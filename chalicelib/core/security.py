"""Passwords (argon2), access tokens (JWT, HS256), API tokens (random, stored as SHA-256),
and encryption of secrets at rest (Fernet). Libraries are imported on first use so the
Lambda import path stays light."""
from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
import time
from typing import Any

from chalicelib.core.errors import Unauthorized

API_TOKEN_PREFIX = "lb_"


@functools.lru_cache(maxsize=1)
def _hasher():
    from argon2 import PasswordHasher

    return PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    from argon2.exceptions import InvalidHashError, VerificationError

    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# A fixed hash to verify against when the e-mail is unknown, so log-in takes as long
# either way and does not reveal which addresses have accounts.
@functools.lru_cache(maxsize=1)
def dummy_hash() -> str:
    return hash_password(secrets.token_hex(16))


def issue_jwt(user_id: str, secret: str, ttl: int, now: float | None = None,
              session_id: str | None = None) -> str:
    """`sid` names the server-side session the token belongs to: authentication checks it
    still exists, which is what makes log-out and password changes revoke the token. Nothing
    else rides in it (the address is the session's): the token is sent on every request, and
    every character of it costs the server about 60 instructions to parse (docs/benchmarks.md)."""
    import jwt

    now = time.time() if now is None else now
    claims = {"sub": user_id, "exp": int(now + ttl), "typ": "access"}
    if session_id:
        claims["sid"] = session_id
    return jwt.encode(claims, secret, algorithm="HS256", headers=_SHORT_HEADER)


# {"alg":"HS256"}: the header without its optional "typ":"JWT" (the claims' own typ says what the
# token is for); decoding needs neither
_SHORT_HEADER = {"typ": None}


def import_jwt() -> None:
    """Imports PyJWT (and with it cryptography, ~45 ms): a server that forks its workers calls
    this before the fork, so that no worker pays it on its first authenticated request. Lambda
    does not: `import app` stays cheap, and a cold start that never sees a token never pays it."""
    import jwt  # noqa: F401


def decode_jwt(token: str, secret: str, typ: str = "access") -> dict[str, Any]:
    """A token of that type only: an MFA challenge (`typ` "mfa") is never an access token, nor
    the other way round. Signature checks are remembered per process (a client sends the same
    token many times; up to _MAX_VERIFIED, then forgotten all at once); failures never are. The
    expiry is checked on every call, so a remembered token still expires."""
    hit = _VERIFIED.get(token)
    if hit is None or hit[0] != secret or hit[1] != typ:
        hit = (secret, typ, _verified_claims(token, secret, typ))
        if len(_VERIFIED) >= _MAX_VERIFIED:
            _VERIFIED.clear()
        _VERIFIED[token] = hit
    claims = hit[2]
    if claims["exp"] <= time.time():
        raise Unauthorized("token expired")
    return claims


# token -> (secret, typ, claims): a dict rather than functools.lru_cache, whose key building and
# recency list cost about 3k instructions per request (docs/benchmarks.md)
_VERIFIED: dict[str, tuple[str, str, dict[str, Any]]] = {}
_MAX_VERIFIED = 4096


def issue_challenge(user_id: str, secret: str, ttl: int, challenge_id: str, now: float | None = None) -> str:
    """The MFA challenge a right password earns when two-factor authentication is on: it names
    the server-side challenge (`sid`, single use) and can only be exchanged for a session by
    POST /auth/login/mfa with a code (its `typ` is refused everywhere else)."""
    import jwt

    now = time.time() if now is None else now
    claims = {"sub": user_id, "exp": int(now + ttl), "typ": "mfa", "sid": challenge_id}
    return jwt.encode(claims, secret, algorithm="HS256", headers=_SHORT_HEADER)


def _verified_claims(token: str, secret: str, typ: str = "access") -> dict[str, Any]:
    import jwt

    try:
        claims = jwt.decode(token, secret, algorithms=["HS256"], options={"require": ["exp", "sub"]})
    except jwt.ExpiredSignatureError:
        raise Unauthorized("token expired") from None
    except jwt.PyJWTError:
        raise Unauthorized("token is not valid") from None
    if claims.get("typ") != typ:
        raise Unauthorized("token is not valid")
    return claims


def new_api_token() -> tuple[str, str, str]:
    """-> (plaintext shown once, its SHA-256 hex stored, a short prefix to recognise it)."""
    plain = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
    return plain, hash_api_token(plain), plain[:10]


def hash_api_token(plain: str) -> str:
    # 256 random bits need no slow hash: SHA-256 is enough and keeps auth fast.
    return hashlib.sha256(plain.encode()).hexdigest()


def constant_time_equal(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


@functools.lru_cache(maxsize=4)
def _fernet(key: bytes):
    from cryptography.fernet import Fernet

    return Fernet(key)


def encrypt(key: bytes, plaintext: str) -> str:
    return _fernet(key).encrypt(plaintext.encode()).decode()


def decrypt(key: bytes, ciphertext: str) -> str:
    return _fernet(key).decrypt(ciphertext.encode()).decode()
