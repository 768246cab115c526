"""One-time links e-mailed to an account's address (a password reset, an address confirmation):
256 random bits each, of which the store keeps the SHA-256 only; one live link per user and kind,
the newest; used once, and only before it expires."""
from __future__ import annotations

import secrets
import time
from typing import Any

from chalicelib.core import security
from chalicelib.core.context import Ports
from chalicelib.core.errors import Invalid
from chalicelib.core.ids import iso_from_epoch, new_id, now_iso


def issue(ports: Ports, collection: str, user: dict[str, Any], ttl: int, prefix: str, **fields: Any) -> str:
    """A new link for `user` (their earlier one of this kind ends), in the caller's transaction.
    -> its token, for the e-mail only."""
    plain = secrets.token_urlsafe(32)
    coll = ports.store.collection(collection)
    coll.delete_many({"user_id": user["id"]})
    coll.insert({"id": new_id(prefix), "user_id": user["id"], "token_hash": security.hash_api_token(plain),
                 "created": now_iso(), "expires": iso_from_epoch(time.time() + ttl), **fields})
    return plain


def find(ports: Ports, collection: str, token: str, invalid: str) -> dict[str, Any]:
    """The live link of `token`; else 422 at `token` with `invalid`."""
    link = ports.store.collection(collection).find_one({"token_hash": security.hash_api_token(token)})
    if link is None or link["expires"] <= now_iso():
        raise Invalid(invalid, field="token")
    return link


def use(ports: Ports, link: dict[str, Any], collection: str, invalid: str) -> dict[str, Any]:
    """Inside the caller's transaction: the link spent (a concurrent use of it fails here) -> its user."""
    store = ports.store
    if not store.collection(collection).delete(link["id"]):
        raise Invalid(invalid, field="token")
    user = store.collection("users").get(link["user_id"])
    if user is None:
        raise Invalid(invalid, field="token")
    return user


def forget_expired(ports: Ports, collection: str) -> int:
    return ports.store.collection(collection).delete_many({"expires": {"$lt": now_iso()}})
