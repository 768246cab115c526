"""Bounces and complaints (mail/port.py Feedback), read by the worker every minute.

The e-mail they concern says so: its status becomes `bounced` or `complained`, with the receiving
server's words (an invitation's `email_status` shows them). An address that bounced for good, or
whose owner marked an e-mail as spam, is **suppressed**: nothing more is sent to it until that is
lifted. Sending on regardless hurts the platform's standing with SES, which reviews an account
above a 5 % bounce or 0.1 % complaint rate and may pause its sending for everyone.

A suppression is lifted by its address's owner (`DELETE /v1/me/email-suppression`, once their
mailbox works again), by a password reset through an e-mailed link (it got through), or by
confirming the address (the same). A password reset's e-mail is sent even to a suppressed address:
its owner asked for it just now, and it is the way back into an account whose address bounced."""
from __future__ import annotations

import hashlib
import logging
from typing import Any, Optional

from chalicelib.core.context import Ports
from chalicelib.core.ids import now_iso
from chalicelib.mail.port import Feedback, Mailer
from chalicelib.store.port import Conflict

log = logging.getLogger("launchbay.mail")
SUPPRESSIONS = "mail_suppressions"
EMAILS = "emails"
BATCH = 100
ASKED_FOR = {"password_reset", "email_change"}   # e-mail kinds sent to a suppressed address all the same (above):
                                                 # asked for just now by the owner of the address


def receive(ports: Ports, mailer: Mailer, limit: int = 1000) -> dict[str, int]:
    """Worker: record the waiting feedback, acking each once recorded (a crash in between gives
    it again, and recording it twice changes nothing). -> counts by kind."""
    counts = {"bounce": 0, "complaint": 0, "other": 0, "unreadable": 0}
    while sum(counts.values()) < limit:
        batch = mailer.feedback(min(BATCH, limit - sum(counts.values())))
        if not batch:
            break
        for fb in batch:
            record(ports, fb)
            mailer.ack(fb.handle)
            counts[fb.kind if fb.kind in counts else "other"] += 1
    return counts


def record(ports: Ports, fb: Feedback) -> Optional[dict[str, Any]]:
    """-> the e-mail it concerns, as now (None when it is not ours any more, or not a bounce or complaint)."""
    if fb.kind not in ("bounce", "complaint"):
        if fb.kind == "unreadable":
            log.warning("unreadable e-mail feedback dropped: %s", fb.detail)
        return None
    emails = ports.store.collection(EMAILS)
    doc = emails.get(fb.reference) if fb.reference else None
    if doc is None and fb.message_id:
        doc = emails.find_one({"message_id": fb.message_id})
    if doc is not None:
        status = "bounced" if fb.kind == "bounce" else "complained"
        words = fb.detail if fb.kind == "bounce" else f"the recipient {fb.detail}"
        doc = emails.update(doc["id"], {"status": status, "error": words[:500], "updated": now_iso(),
                                        "feedback_at": fb.at or now_iso()}) or doc
    if fb.permanent:
        for address in fb.recipients:
            suppress(ports, address, fb.kind, fb.detail, doc["id"] if doc else None)
    return doc


def suppress(ports: Ports, address: str, reason: str, detail: str, email_id: Optional[str]) -> None:
    coll = ports.store.collection(SUPPRESSIONS)
    fields = {"reason": reason, "detail": detail[:500], "email_id": email_id, "updated": now_iso()}
    existing = coll.find_one({"email": address})
    if existing is not None:
        coll.update(existing["id"], fields)
        return
    try:
        coll.insert({"id": "sup_" + _key(address), "email": address, "created": now_iso(), **fields})
    except Conflict:   # recorded meanwhile by another worker
        pass


def _key(address: str) -> str:
    return hashlib.sha256(address.encode()).hexdigest()[:24]


def suppression(ports: Ports, address: str) -> Optional[dict[str, Any]]:
    return ports.store.collection(SUPPRESSIONS).find_one({"email": address})


def why_not(ports: Ports, doc: dict[str, Any]) -> Optional[str]:
    """Before a send: the reason this e-mail must not go out (its address suppressed), or None."""
    if doc.get("kind") in ASKED_FOR:
        return None
    found = suppression(ports, doc["to"])
    if found is None:
        return None
    what = "bounced" if found["reason"] == "bounce" else "marked an e-mail as spam"
    return (f"not sent: {doc['to']} {what} on {found['updated'][:10]} ({found['detail']}); nothing more goes "
            "there until its owner lifts that (the account page, or: launchbay account resume-email)")


def lift(ports: Ports, address: str) -> bool:
    """-> whether a suppression was there to lift."""
    return ports.store.collection(SUPPRESSIONS).delete_many({"email": address}) > 0


def public(found: Optional[dict[str, Any]]) -> Optional[dict[str, Any]]:
    """What `GET /v1/me` says about its address: null while mail reaches it."""
    if found is None:
        return None
    return {"suppressed": True, "reason": found["reason"], "detail": found["detail"], "since": found["updated"]}
