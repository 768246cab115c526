"""E-mails queued in the store and sent by the worker, one attempt per task.

`queue` writes the e-mail (its body encrypted: a reset link is a credential) in the caller's
transaction; `publish` then asks the worker to send it, and the beat's `send_due` picks up
whatever a lost publish or a dead worker left behind. Attempt n is claimed with a compare-and-set
on `attempts` (n-1 -> n), so a message delivered twice sends once. Once settled (sent or failed),
the body is dropped: only who, what subject and what happened stay, for 30 days.
"""
from __future__ import annotations

import json
import logging
import time
from typing import Any, Optional

from chalicelib import tasks
from chalicelib.core import attempts, security
from chalicelib.core.attempts import Outcome
from chalicelib.core.context import Ports
from chalicelib.core.ids import iso_from_epoch, new_id, now_iso
from chalicelib.mail import feedback
from chalicelib.mail.messages import Message
from chalicelib.mail.port import Email, Mailer, MailRefused

log = logging.getLogger("launchbay.mail")
COLLECTION = "emails"
MAX_ATTEMPTS = 6
STALE_CLAIM = 60.0     # seconds: a claim older than this lost its worker
LOST_AFTER = 60.0      # seconds past its due time: an e-mail no task is carrying (its publish failed)
KEEP_DAYS = 30


def backoff(attempt: int) -> float:
    """Seconds before attempt `attempt + 1`: 5, 20, 80, then 100 (under the broker's visibility timeout)."""
    return float(min(5 * 4 ** (attempt - 1), 100))


def queue(ports: Ports, to: str, message: Message, kind: str, org_id: Optional[str] = None,
          dedup: Optional[str] = None) -> dict[str, Any]:
    """The e-mail, stored to be sent (call `publish` with its id once the caller's transaction is done).
    `dedup`: a key no other e-mail may have (store.Conflict if one does): one e-mail per occasion."""
    now = now_iso()
    body = json.dumps({"text": message.text, "html": message.html})
    doc = {"id": new_id("eml"), "to": to, "kind": kind, "org_id": org_id, "subject": message.subject,
           "body_cipher": security.encrypt(ports.settings.fernet_key(), body), "status": "pending", "attempts": 0,
           "created": now, "updated": now, "next_attempt": now, "claimed": None, "error": None}
    if dedup:
        doc["dedup"] = dedup
    ports.store.collection(COLLECTION).insert(doc)
    return doc


def sandbox_note(settings: Any) -> Optional[str]:
    """What an answer that promises an e-mail adds in the sandbox: where the message went."""
    if not settings.sandbox:
        return None
    return f"no e-mail leaves this machine: messages are written to {settings.mailbox_dir.resolve()}"


def publish(ports: Ports, email_id: str, attempt: int = 1) -> None:
    """Best effort: an e-mail whose task never arrives is sent by the beat's sweep a minute later."""
    try:
        ports.queue.publish(tasks.SEND_EMAIL, email_id, attempt)
    except Exception as exc:   # Redis unreachable: the stored e-mail waits for the sweep
        log.warning("e-mail %s not queued now (%s): the sweep sends it", email_id, type(exc).__name__)


def attempt(ports: Ports, mailer: Mailer, email_id: str, n: int) -> Outcome:
    coll = ports.store.collection(COLLECTION)
    doc = attempts.take(coll, email_id, n, ("sent", "failed"), STALE_CLAIM, "e-mail")
    if isinstance(doc, Outcome):   # gone, settled, or this attempt is another task's
        return doc
    blocked = feedback.why_not(ports, doc)
    if blocked:   # the address bounced for good or complained: SES is not asked at all
        return _settle(ports, doc, n, "failed", blocked)
    body = json.loads(security.decrypt(ports.settings.fernet_key(), doc["body_cipher"]))
    email = Email(sender=ports.settings.mail_sender, to=doc["to"], subject=doc["subject"], text=body["text"],
                  html=body.get("html"), reference=doc["id"])
    try:
        message_id = mailer.send(email)
    except MailRefused as exc:
        return _settle(ports, doc, n, "failed", str(exc))
    except Exception as exc:   # throttled, SES or the network down: try again later
        error = f"{type(exc).__name__}: {exc}"[:300]
        if n >= MAX_ATTEMPTS:
            return _settle(ports, doc, n, "failed", error)
        wait = backoff(n)
        coll.update(doc["id"], {"status": "retrying", "error": error, "claimed": None, "updated": now_iso(),
                                "next_attempt": iso_from_epoch(time.time() + wait)}, expect={"attempts": n})
        return Outcome("retry", wait, error)
    return _settle(ports, doc, n, "sent", None, message_id)


def _settle(ports: Ports, doc: dict[str, Any], n: int, status: str, error: Optional[str],
            message_id: Optional[str] = None) -> Outcome:
    ports.store.collection(COLLECTION).update(doc["id"], {
        "status": status, "error": error, "message_id": message_id, "claimed": None, "updated": now_iso(),
        "sent": now_iso() if status == "sent" else None, "next_attempt": None,
        "body_cipher": None}, expect={"attempts": n})   # the body (a reset link, say) is not kept
    if status == "failed":
        log.warning("e-mail %s (%s) failed: %s", doc["id"], doc["kind"], error)
    return Outcome(status, detail=error or message_id or "")


def send_due(ports: Ports, limit: int = 500) -> int:
    """Beat: publish the e-mails no task carries (due a minute ago and not sent, or claimed by a
    worker that died), and forget settled ones after KEEP_DAYS. -> how many were published."""
    coll = ports.store.collection(COLLECTION)
    now = time.time()
    late = iso_from_epoch(now - LOST_AFTER)
    published = 0
    for status in ("pending", "retrying"):
        docs, _ = coll.find({"status": status, "next_attempt": {"$lte": late}}, order="next_attempt", limit=limit)
        for doc in docs:
            publish(ports, doc["id"], int(doc.get("attempts") or 0) + 1)
            published += 1
    stale = iso_from_epoch(now - STALE_CLAIM)
    docs, _ = coll.find({"status": "sending", "claimed": {"$lte": stale}}, order="claimed", limit=limit)
    for doc in docs:   # the same attempt again: attempts.claim takes over a stale claim
        publish(ports, doc["id"], int(doc.get("attempts") or 1))
        published += 1
    forget = iso_from_epoch(now - KEEP_DAYS * 86400)
    for status in ("sent", "failed", "bounced", "complained"):
        coll.delete_many({"status": status, "updated": {"$lt": forget}})
    return published
