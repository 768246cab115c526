"""A week's notice before an API token expires, by e-mail to its owner: a CI job's token that
ends unnoticed fails every deploy it makes. Tokens meant to live a week or less get none (their
end is no surprise); each token is told once. The owner may turn it off (notify/personal.py)."""
from __future__ import annotations

import time
from typing import Any

from chalicelib.core.context import Ports
from chalicelib.core.ids import epoch_from_iso, iso_from_epoch
from chalicelib.mail import messages
from chalicelib.mail import service as mail
from chalicelib.notify import personal
from chalicelib.store.port import iter_all

NOTICE_DAYS = 7


def warn_expiring(ports: Ports, now: float | None = None) -> int:
    """Beat (hourly): e-mail the owners of tokens entering their last week. -> e-mails queued."""
    now = time.time() if now is None else now
    store = ports.store
    tokens = store.collection("tokens")
    horizon = iso_from_epoch(now + NOTICE_DAYS * 86400)
    queued = []
    for tok in iter_all(tokens, {"expires": {"$gt": iso_from_epoch(now), "$lte": horizon},
                                 "expiry_warned": {"$ne": True}}):
        long_lived = epoch_from_iso(tok["expires"]) - epoch_from_iso(tok["created"]) > NOTICE_DAYS * 86400
        user = store.collection("users").get(tok["user_id"]) if long_lived else None
        with store.transaction():
            if tokens.update(tok["id"], {"expiry_warned": True}, expect={"expiry_warned": tok.get("expiry_warned")}) is None:
                continue   # revoked, or told by a concurrent run
            if user and personal.preferences(user)["token_expiry"]:
                queued.append(mail.queue(ports, user["email"], _message(ports, tok, now), "personal.token_expiry",
                                         tok.get("org_id"))["id"])
    for email_id in queued:
        mail.publish(ports, email_id)
    return len(queued)


def _message(ports: Ports, tok: dict[str, Any], now: float) -> messages.Message:
    page = ports.settings.ui_link("/tokens")
    where = page if "://" in page else "the Tokens page of Launchbay"   # no LAUNCHBAY_PUBLIC_URL: no address
    days = max(1, round((epoch_from_iso(tok["expires"]) - now) / 86400))
    subject = f"Your Launchbay API token {tok['name']!r} expires in {days} day{'' if days == 1 else 's'}"
    text = (f"The API token {tok['name']!r} ({tok['prefix']}…) expires on {tok['expires'][:10]} "
            f"({tok['expires'][11:16]} UTC). Whatever uses it (a CI job, a script) is refused after that.\n\n"
            f"Make a new one and swap it in before then: {where}, or\n"
            f"  launchbay tokens create --name {tok['name']}-new --expires-days 90\n\n"
            f"You get this e-mail about {personal.WORDS['token_expiry']}; turn it off on your account page "
            "(or: launchbay account notifications --token-expiry off).")
    return messages.Message(subject, text + "\n\n" + messages.FOOTER + "\n")
