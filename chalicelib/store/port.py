"""The document store port. Two adapters implement it: sqlite.py (embedded default)
and mongo.py (pymongo; MongoDB Atlas in production). The contract tests in
tests/contract/test_store_contract.py run the same assertions against both.
"""
from __future__ import annotations

import base64
import json
from typing import Any, ContextManager, Iterator, Optional, Protocol

Doc = dict[str, Any]
OPERATORS = ("$in", "$lt", "$lte", "$gt", "$gte", "$ne")


class Conflict(Exception):
    """A unique index refused the write; `field` names the clashing field."""

    def __init__(self, collection: str, field: str):
        super().__init__(f"{collection}: {field} already exists")
        self.collection = collection
        self.field = field


class Collection(Protocol):
    name: str

    def insert(self, doc: Doc) -> Doc: ...
    def get(self, id: str) -> Optional[Doc]: ...
    def find_one(self, where: Doc) -> Optional[Doc]: ...
    def find(self, where: Doc, order: str = "-created", limit: int = 50,
             after: Optional[str] = None) -> tuple[list[Doc], Optional[str]]: ...
    def update(self, id: str, changes: Doc, expect: Optional[Doc] = None) -> Optional[Doc]: ...
    def delete(self, id: str, expect: Optional[Doc] = None) -> bool: ...
    def delete_many(self, where: Doc) -> int: ...
    def count(self, where: Doc) -> int: ...


class Store(Protocol):
    kind: str

    def collection(self, name: str) -> Collection: ...
    def transaction(self) -> ContextManager[None]: ...
    def next_number(self, key: str) -> int: ...
    def ping(self) -> dict[str, Any]: ...


# --- keyset cursors: opaque to clients, shared by both adapters ---------------

def encode_cursor(value: Any, id: str) -> str:
    raw = json.dumps([value, id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


class BadCursor(ValueError):
    pass


def decode_cursor(cursor: str) -> tuple[Any, str]:
    try:
        pad = "=" * (-len(cursor) % 4)
        value, id = json.loads(base64.urlsafe_b64decode(cursor + pad))
        if not isinstance(id, str):
            raise ValueError
        return value, id
    except Exception as exc:  # any garbage from a client is a 400, not a 500
        raise BadCursor("cursor is not valid") from exc


def parse_order(order: str) -> tuple[str, bool]:
    """'-created' -> ('created', descending=True)."""
    return (order[1:], True) if order.startswith("-") else (order, False)


def iter_all(coll: Collection, where: Doc, order: str = "created", page: int = 500) -> Iterator[Doc]:
    """Walk a whole collection slice with keyset pages (reindex, exports)."""
    after = None
    while True:
        docs, after = coll.find(where, order=order, limit=page, after=after)
        yield from docs
        if not after:
            return
