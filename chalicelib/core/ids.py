"""Ids and timestamps: prefixed, time-sortable ids and ISO-8601 UTC strings that sort as text.
`parse_iso` is the one reader of times people type (query parameters, search filters)."""
from __future__ import annotations

import os
import re
import time
from datetime import datetime, timezone

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # Crockford base32, lower case


def _b32(n: int, width: int) -> str:
    out = []
    for _ in range(width):
        out.append(_ALPHABET[n & 31])
        n >>= 5
    return "".join(reversed(out))


def new_id(prefix: str) -> str:
    """`prefix_` + 10 chars of milliseconds + 16 random chars (a ULID in lower case)."""
    ms = int(time.time() * 1000)
    return f"{prefix}_{_b32(ms, 10)}{_b32(int.from_bytes(os.urandom(10), 'big'), 16)}"


def now_iso() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def iso_from_epoch(ts: float) -> str:
    return datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
MAX_ISO_CHARS = 64
_SPACE_OFFSET = re.compile(r"^(.+[T ]\d\d:\d\d(?::\d\d(?:[.,]\d+)?)?) (\d\d(?::?\d\d)?)$")
ISO_EXAMPLE = "2026-01-31, 2026-01-31T12:00Z or 2026-01-31T14:00:00.5+02:00"


def parse_iso(value: str) -> datetime:
    """Any ISO-8601 date or time -> an aware UTC datetime. A date alone is its midnight, a time
    without an offset is UTC; `Z`, `+02:00` and fractions of a second of any length are understood.
    ValueError (with a message for the user) when it is not one."""
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_ISO_CHARS:
        raise ValueError(f"not an ISO-8601 time (like {ISO_EXAMPLE})")
    # an unencoded "+02:00" in a URL query arrives as " 02:00"
    text = _SPACE_OFFSET.sub(r"\1+\2", value.strip())
    if text[-1:] in "zZ":
        text = text[:-1] + "+00:00"
    try:
        dt = datetime.fromisoformat(text)
        if dt.tzinfo is None:
            dt = dt.replace(tzinfo=timezone.utc)
        return dt.astimezone(timezone.utc)
    except (ValueError, OverflowError):  # OverflowError: year 9999 with an offset, say
        raise ValueError(f"not an ISO-8601 time (like {ISO_EXAMPLE})") from None


def micros_from_iso(value: str) -> int:
    """Microseconds since the epoch, exact (no float rounding)."""
    delta = parse_iso(value) - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def normalise_iso(value: str) -> str:
    """Any ISO-8601 time -> the stored form (UTC, microseconds, Z), which sorts as text."""
    return parse_iso(value).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"  # 4-digit years


def epoch_from_iso(s: str) -> float:
    return parse_iso(s).timestamp()
