"""One delivery attempt: claim it, send the request, record what happened, and say whether
(and when) to try again. The Celery task (worker/tasks/notify.py) is a shell around `attempt`.

Attempt n of a delivery is claimed with a compare-and-set on `attempts` (n-1 -> n), so a
task message delivered twice (a redelivered or duplicated Celery message) sends once. A claim
whose worker died is taken over after STALE_CLAIM seconds. Every attempt of one delivery sends
the same body and the same Launchbay-Delivery header, so receivers can deduplicate; the
signature is made afresh (its timestamp is the attempt's).
"""
from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field
from typing import Any, Optional

from chalicelib.core import attempts, security
from chalicelib.core.attempts import Outcome
from chalicelib.core.context import Ports
from chalicelib.core.ids import iso_from_epoch, now_iso
from chalicelib.notify import signing, slack, teams, urls
from chalicelib.notify.service import DELIVERIES, SUBS

log = logging.getLogger("launchbay.notify")
MAX_ATTEMPTS = 6
CONNECT_TIMEOUT = 3.0   # seconds: a receiver that does not answer holds only its own task, briefly
READ_TIMEOUT = 5.0
STALE_CLAIM = 60.0      # more than one attempt can take: its worker is gone
MAX_ERROR_BODY = 200    # characters of a refusing receiver's answer kept in the log
USER_AGENT = "Launchbay-Notifications/1"


def backoff(attempt: int, ceiling: float = 100.0) -> float:
    """Seconds before attempt `attempt + 1`: 2, 8, 32, then the ceiling. The ceiling stays under
    the broker's visibility timeout (120 s by default), past which Redis would hand a waiting
    message to a second worker."""
    return float(min(2 * 4 ** (attempt - 1), ceiling))


@dataclass
class Sent:
    code: Optional[int]
    error: Optional[str]
    duration_ms: int
    body: bytes = b""               # a 2xx answer's first `keep` bytes (send's argument), when asked for
    headers: dict[str, str] = field(default_factory=dict)   # the answer's headers, names in lower case


def body_for(sub: dict[str, Any], event: dict[str, Any]) -> bytes:
    doc = slack.payload(event) if sub["kind"] == "slack" else teams.payload(event) if sub["kind"] == "teams" else event
    return json.dumps(doc, separators=(",", ":"), sort_keys=True).encode()


def headers_for(ports: Ports, sub: dict[str, Any], delivery: dict[str, Any], body: bytes) -> dict[str, str]:
    headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT,
               "Launchbay-Delivery": delivery["id"], "Launchbay-Event": delivery["event"]}
    if sub["kind"] == "webhook" and sub.get("secret_cipher"):
        secret = security.decrypt(ports.settings.fernet_key(), sub["secret_cipher"])
        headers[signing.HEADER] = signing.sign(secret, body)
    return headers


def attempt(ports: Ports, delivery_id: str, n: int) -> Outcome:
    delivery = attempts.take(ports.store.collection(DELIVERIES), delivery_id, n, ("delivered", "failed"),
                             STALE_CLAIM, "delivery")
    if isinstance(delivery, Outcome):   # gone, settled, or this attempt is another task's
        return delivery
    sub = ports.store.collection(SUBS).get(delivery["subscription_id"])
    if sub is None:
        return _settle(ports, delivery, n, "failed", Sent(None, "the subscription was deleted", 0))
    if sub["kind"] == "email":
        return _email(ports, delivery, n, sub)
    body = body_for(sub, delivery["payload"])
    try:
        url = security.decrypt(ports.settings.fernet_key(), sub["url_cipher"])
        sent = send(url, body, headers_for(ports, sub, delivery, body), urls.local_mode(ports.settings))
    except urls.Refused as exc:  # the guard's answer will not change by trying again
        return _settle(ports, delivery, n, "failed", Sent(None, f"refused: {exc}", 0))
    if sent.code is not None and 200 <= sent.code < 300:
        return _settle(ports, delivery, n, "delivered", sent)
    if n >= MAX_ATTEMPTS:
        return _settle(ports, delivery, n, "failed", sent)
    wait = backoff(n)
    _settle(ports, delivery, n, "retrying", sent, next_attempt=iso_from_epoch(time.time() + wait))
    return Outcome("retry", wait, sent.error or f"HTTP {sent.code}")


def _email(ports: Ports, delivery: dict[str, Any], n: int, sub: dict[str, Any]) -> Outcome:
    """Queues one e-mail per address still a member's, in the transaction that settles the attempt
    (a redelivered task finds it settled: no second e-mail); the mail queue retries sending."""
    from chalicelib.mail import service as mail
    from chalicelib.notify import email

    started = time.monotonic()
    to, gone = email.member_addresses(ports.store, sub["org_id"], list(sub.get("emails") or []))
    with ports.store.transaction():
        message = email.message(delivery["payload"])
        queued = [mail.queue(ports, address, message, "notification", sub["org_id"])["id"] for address in to]
        skipped = f"; not members (with a confirmed address) any more: {', '.join(gone)}" if gone else ""
        if queued:
            outcome = _settle(ports, delivery, n, "delivered", Sent(None, None, int((time.monotonic() - started) * 1000)))
            outcome.detail = f"e-mailed {', '.join(to)}{skipped}"
        else:
            outcome = _settle(ports, delivery, n, "failed", Sent(None, "no address is a member's any more" + skipped,
                                                                 int((time.monotonic() - started) * 1000)))
    for email_id in queued:
        mail.publish(ports, email_id)
    return outcome


def _settle(ports: Ports, delivery: dict[str, Any], n: int, status: str, sent: Sent,
            next_attempt: Optional[str] = None) -> Outcome:
    entry = {"attempt": n, "at": now_iso(), "response_code": sent.code, "error": sent.error,
             "duration_ms": sent.duration_ms}
    ports.store.collection(DELIVERIES).update(delivery["id"], {
        "status": status, "response_code": sent.code, "error": sent.error, "duration_ms": sent.duration_ms,
        "history": [*delivery.get("history", []), entry][-MAX_ATTEMPTS * 2:], "next_attempt": next_attempt,
        "claimed": None, "updated": now_iso()}, expect={"attempts": n})
    return Outcome(status if status != "retrying" else "retry", detail=sent.error or f"HTTP {sent.code}")


def _words(exc: Exception) -> str:
    """urllib3's errors in words, without the URL (its path may hold a token)."""
    import urllib3.exceptions as ux

    if isinstance(exc, ux.ConnectTimeoutError):
        return f"no connection within {CONNECT_TIMEOUT:g} s"
    if isinstance(exc, ux.ReadTimeoutError):
        return f"no answer within {READ_TIMEOUT:g} s"
    if isinstance(exc, ux.SSLError):
        return "TLS handshake failed (certificate not valid for the host?)"
    if isinstance(exc, ux.NewConnectionError):
        return "connection refused or unreachable"
    if isinstance(exc, ux.ProtocolError):
        return "the connection broke off"
    return type(exc).__name__


def send(url: str, body: bytes, headers: dict[str, str], local: bool, method: str = "POST", keep: int = 0) -> Sent:
    """POST (or `method`) to the receiver at the address the SSRF guard checked (TLS still verified
    against the URL's host name); no redirects followed; a 2xx answer's first `keep` bytes kept.
    urls.Refused when the guard says no."""
    import urllib3

    target = urls.check_url(url, local)
    started = time.monotonic()
    try:
        address = urls.resolve(target, local)
    except LookupError as exc:
        return Sent(None, str(exc), int((time.monotonic() - started) * 1000))
    default = 443 if target.scheme == "https" else 80
    host_header = (f"[{target.host}]" if ":" in target.host else target.host) + \
        ("" if target.port == default else f":{target.port}")
    timeout = urllib3.Timeout(connect=CONNECT_TIMEOUT, read=READ_TIMEOUT)
    pool: Any
    if target.scheme == "https":
        pool = urllib3.HTTPSConnectionPool(address, target.port, timeout=timeout, retries=False, maxsize=1,
                                           server_hostname=target.host, assert_hostname=target.host,
                                           cert_reqs="CERT_REQUIRED")
    else:
        pool = urllib3.HTTPConnectionPool(address, target.port, timeout=timeout, retries=False, maxsize=1)
    try:
        response = pool.urlopen(method, target.path, body=body, headers={**headers, "Host": host_header},
                                redirect=False, preload_content=False, assert_same_host=False)
        try:
            head = response.read(max(MAX_ERROR_BODY * 4, keep), decode_content=False)
        finally:
            response.release_conn()
        error = None
        if not 200 <= response.status < 300:
            snippet = head.decode("utf-8", "replace").strip()[:MAX_ERROR_BODY]
            error = f"the receiver answered HTTP {response.status}" + (f": {snippet}" if snippet else "")
        return Sent(response.status, error, int((time.monotonic() - started) * 1000),
                    head[:keep] if keep and error is None else b"",
                    {k.lower(): v for k, v in response.headers.items()})
    except urllib3.exceptions.HTTPError as exc:
        return Sent(None, _words(exc), int((time.monotonic() - started) * 1000))
    finally:
        pool.close()
