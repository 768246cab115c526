"""The document store port. Two adapters implement it: sqlite.py (embedded default)
and mongo.py (pymongo; MongoDB Atlas in production). The contract tests in
tests/contract/test_store_contract.py run the same assertions against both.
"""
from __future__ import annotations

import base64
import json
import math
from dataclasses import dataclass
from typing import Any, ContextManager, Iterator, Optional, Protocol, Sequence

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


@dataclass(frozen=True, eq=False)   # hashed by identity: adapters keep what they make of it per plan
class FirstOfEach:
    """Reads by equality fixed in code, made together by Store.first_of_each: for each
    (collection, fields), the document (any one, as find_one) whose fields equal the next values
    given, or None. In one round trip where the adapter can (SQLite: one statement of scalar
    subqueries); authentication reads the caller's session and membership with it. Made once, at
    import: the adapter prepares each plan once. Values are never None (equality, not IS NULL)."""
    reads: tuple[tuple[str, tuple[str, ...]], ...]


class Store(Protocol):
    kind: str

    def collection(self, name: str) -> Collection: ...
    def transaction(self) -> ContextManager[None]: ...
    def snapshot(self) -> ContextManager[None]: ...
    def first_of_each(self, plan: "FirstOfEach", values: Sequence[Any]) -> list[Optional[Doc]]: ...
    def next_number(self, key: str) -> int: ...
    def ping(self) -> dict[str, Any]: ...


# --- keyset cursors: opaque to clients, shared by both adapters ---------------

def encode_cursor(value: Any, id: str) -> str:
    raw = json.dumps([value, id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


class BadCursor(ValueError):
    pass


MAX_CURSOR_CHARS = 2048
MAX_CURSOR_TEXT = 512   # a sort value that is text (names, ISO times) is far shorter
MAX_CURSOR_INT = 2 ** 63 - 1  # what both SQLite and MongoDB store as an integer


def _sane(value: Any) -> bool:
    """A keyset value is one scalar, as encode_cursor wrote it: never a list, object or huge number."""
    if value is None or isinstance(value, bool):
        return True
    if isinstance(value, int):
        return -MAX_CURSOR_INT - 1 <= value <= MAX_CURSOR_INT
    if isinstance(value, float):
        return math.isfinite(value)
    return isinstance(value, str) and len(value) <= MAX_CURSOR_TEXT


def decode_cursor(cursor: str) -> tuple[Any, str]:
    try:
        if not isinstance(cursor, str) or len(cursor) > MAX_CURSOR_CHARS:
            raise ValueError
        pad = "=" * (-len(cursor) % 4)
        value, id = json.loads(base64.urlsafe_b64decode(cursor + pad))
        if not isinstance(id, str) or not id or len(id) > MAX_CURSOR_TEXT or not _sane(value):
            raise ValueError
        return value, id
    except Exception as exc:  # any garbage from a client is a 400, not a 500 (RecursionError included)
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
