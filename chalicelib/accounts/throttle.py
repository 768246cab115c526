"""Throttles for log-in, sign-up and token creation: fixed-window counters in Redis.

One MULTI round trip per attempt: SET NX EX starts the window, INCR counts, TTL says when
it ends (the `Retry-After`). Attempts are counted before the (slow) password check, so a
burst of parallel guesses cannot slip past the limit; a success gives its attempt back
(`refund`), which leaves the counter at "failures in this window".

Redis unreachable: the request goes through (availability over throttling) and a warning
is logged. Keys hold a hash, never an e-mail or an address."""
from __future__ import annotations

import functools
import hashlib
import logging
from typing import TYPE_CHECKING, Any

from chalicelib.core.errors import DomainError

if TYPE_CHECKING:
    from chalicelib.settings import Settings

log = logging.getLogger("launchbay.throttle")


class Throttled(DomainError):
    status, code = 429, "too_many_requests"

    def __init__(self, message: str, retry_after: int, field: str | None = None):
        super().__init__(message, field)
        self.retry_after = max(1, int(retry_after))


@functools.lru_cache(maxsize=4)
def _client(url: str) -> Any:  # redis.Redis (imported on first use)
    import redis

    # Short timeouts: a throttle must never make log-in hang when Redis is in trouble.
    return redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5)


def _key(settings: Settings, kind: str, ident: str) -> str:
    digest = hashlib.sha256(ident.strip().lower().encode()).hexdigest()[:32]
    # The queue prefix keeps deployments (and test runs) sharing one Redis apart.
    return f"{settings.queue_prefix}.throttle.{kind}.{digest}"


def hit(settings: Settings, kind: str, ident: str, limit: int, window: int, message: str,
        field: str | None = None) -> None:
    """Count one attempt; Throttled once more than `limit` fall in the current window."""
    key = _key(settings, kind, ident)
    try:
        pipe = _client(settings.redis_url).pipeline(transaction=True)
        pipe.set(key, 0, ex=window, nx=True)
        pipe.incr(key)
        pipe.ttl(key)
        _, count, ttl = pipe.execute()
    except Exception as exc:  # redis.RedisError, OSError: fail open
        log.warning("throttle %s not enforced: Redis unreachable (%s)", kind, type(exc).__name__)
        return
    if count > limit:
        raise Throttled(message, ttl if ttl and ttl > 0 else window, field)


def refund(settings: Settings, kind: str, ident: str) -> None:
    """Give back one attempt (it succeeded). Never below zero, never extends the window."""
    key = _key(settings, kind, ident)
    try:
        client = _client(settings.redis_url)
        if int(client.decr(key)) < 0:
            client.delete(key)
    except Exception as exc:
        log.warning("throttle %s refund skipped: Redis unreachable (%s)", kind, type(exc).__name__)
