"""Webhook signatures, after Stripe's scheme.

Every webhook request carries

    Launchbay-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>
    Launchbay-Delivery:  <delivery id>   (the same on every retry of one delivery: deduplicate on it)
    Launchbay-Event:     <event type>

A receiver recomputes the HMAC over the raw request body (before any JSON parsing) with the
subscription's secret (`whsec_...`, shown once), compares in constant time, and refuses a
timestamp more than five minutes away from its clock (replays). `verify` does exactly that;
README.md ("Notifications") has the same in six lines for receivers.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from typing import Optional

HEADER = "Launchbay-Signature"
TOLERANCE_SECONDS = 300
SECRET_PREFIX = "whsec_"


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def _mac(secret: str, timestamp: int, body: bytes) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def sign(secret: str, body: bytes, timestamp: Optional[int] = None) -> str:
    """-> the Launchbay-Signature header value."""
    t = int(time.time()) if timestamp is None else timestamp
    return f"t={t},v1={_mac(secret, t, body)}"


class InvalidSignature(ValueError):
    pass


def verify(secret: str, body: bytes, header: str, tolerance: int = TOLERANCE_SECONDS,
           now: Optional[float] = None) -> int:
    """Check a Launchbay-Signature header against the raw body; -> its timestamp.
    InvalidSignature when malformed, outside the tolerance, or no v1 signature matches (any of
    several v1 entries may match, as in Stripe's scheme; Launchbay sends one)."""
    parts: dict[str, list[str]] = {}
    for item in (header or "").split(","):
        key, _, value = item.strip().partition("=")
        parts.setdefault(key, []).append(value)
    try:
        t = int(parts["t"][0])
    except (KeyError, ValueError):
        raise InvalidSignature("no timestamp in the signature header") from None
    if abs((time.time() if now is None else now) - t) > tolerance:
        raise InvalidSignature("timestamp outside the tolerance (replayed or clock skew)")
    expected = _mac(secret, t, body)
    if not any(hmac.compare_digest(expected, v) for v in parts.get("v1", [])):
        raise InvalidSignature("no signature matches")
    return t
