"""MongoDB adapter (pymongo; MongoDB Atlas in production).

Indexes are created at start from schema.py. Every status change is one
`find_one_and_update` whose filter carries the expected values, so it is atomic.
Documents keep our string `id` as `_id`. `transaction()` uses a session
transaction when the server supports it (Atlas replica sets do); on a standalone
server or mongomock it only groups the writes.
"""
from __future__ import annotations

import contextlib
import contextvars
import functools
from typing import Any, Callable, ContextManager, Iterator, Optional, Sequence

from chalicelib.core.errors import STORE_WAIT, StoreUnavailable
from chalicelib.store.port import Conflict, Doc, FirstOfEach, decode_cursor, encode_cursor, parse_order
from chalicelib.store.schema import COLLECTIONS, OUTBOX, RETIRED_UNIQUE, indexes_for, outbox_record, touches_search

_session: contextvars.ContextVar = contextvars.ContextVar("launchbay_mongo_session", default=None)


def _doc(raw: dict) -> Doc:
    doc = dict(raw)
    doc["id"] = doc.pop("_id")
    return doc


def _out(raw: Optional[dict]) -> Optional[Doc]:
    return None if raw is None else _doc(raw)


def _filter(where: Doc) -> Doc:
    return {("_id" if k == "id" else k): v for k, v in where.items()}


@contextlib.contextmanager
def _within_budget(outermost: bool = True) -> Iterator[None]:
    """The context's budget (pymongo's client-side timeout), and an unreachable or slow server
    as StoreUnavailable: the API answers 503 + Retry-After instead of a 500 after 30 s."""
    import pymongo
    from pymongo.errors import ConnectionFailure, PyMongoError

    wait = STORE_WAIT.get()
    try:
        if wait is None or not outermost:  # inside a transaction: the budget it began with
            yield
        else:
            with pymongo.timeout(wait):
                yield
    except PyMongoError as exc:
        if isinstance(exc, ConnectionFailure) or getattr(exc, "timeout", False):
            raise StoreUnavailable(f"the store did not answer in time ({type(exc).__name__}); "
                                   "try again shortly") from None
        raise


def _available(method: Callable) -> Callable:
    @functools.wraps(method)
    def call(*args: Any, **kwargs: Any) -> Any:
        with _within_budget(_session.get() is None):
            return method(*args, **kwargs)
    return call


class MongoCollection:
    def __init__(self, store: "MongoStore", name: str):
        self.store = store
        self.name = name
        self.coll = store.db[name]
        self._unique = indexes_for(name).unique
        self.searchable = bool(indexes_for(name).search)

    def _outbox(self, doc: Doc, op: str) -> None:
        """Inside the write's session transaction (Atlas); the record commits with the change."""
        rec = outbox_record(self.name, doc.get("_id") or doc["id"], doc.get("org_id") or "", op)
        rec["_id"] = rec.pop("id")
        self.store.db[OUTBOX].insert_one(rec, **self._kw())

    def _kw(self) -> dict:
        s = _session.get()
        return {"session": s} if s is not None else {}

    def _conflict(self, exc: Any, body: Doc) -> Conflict:
        """Name the clashing field: servers say so in keyPattern; otherwise look for the twin."""
        pattern = (getattr(exc, "details", None) or {}).get("keyPattern") or {}
        if pattern:
            key = list(pattern)[-1]
            return Conflict(self.name, "id" if key == "_id" else key)
        for fields in self._unique:
            if all(f in body for f in fields):
                twin = self.coll.find_one({f: body[f] for f in fields}, **self._kw())
                if twin is not None and twin["_id"] != body.get("_id"):
                    return Conflict(self.name, fields[-1])
        return Conflict(self.name, "id")

    def insert(self, doc: Doc) -> Doc:
        from pymongo.errors import DuplicateKeyError

        body = dict(doc)
        body["_id"] = body.pop("id")
        with self.store.transaction():
            try:
                self.coll.insert_one(body, **self._kw())
            except DuplicateKeyError as exc:
                raise self._conflict(exc, body) from None
            if self.searchable:
                self._outbox(body, "upsert")
        return doc

    def get(self, id: str) -> Optional[Doc]:
        return _out(self.coll.find_one({"_id": id}, **self._kw()))

    def find_one(self, where: Doc) -> Optional[Doc]:
        return _out(self.coll.find_one(_filter(where), **self._kw()))

    def find(self, where: Doc, order: str = "-created", limit: int = 50,
             after: Optional[str] = None) -> tuple[list[Doc], Optional[str]]:
        field, desc = parse_order(order)
        key = "_id" if field == "id" else field
        query = _filter(where)
        if after:
            value, last_id = decode_cursor(after)
            op = "$lt" if desc else "$gt"
            keyset = {"$or": [{key: {op: value}}, {key: value, "_id": {op: last_id}}]}
            query = {"$and": [query, keyset]} if query else keyset
        direction = -1 if desc else 1
        sort = [(key, direction)] if key == "_id" else [(key, direction), ("_id", direction)]
        raw = list(self.coll.find(query, **self._kw()).sort(sort).limit(limit + 1))
        docs = [_doc(r) for r in raw[:limit]]
        nxt = encode_cursor(docs[-1].get(field), docs[-1]["id"]) if len(raw) > limit else None
        return docs, nxt

    def update(self, id: str, changes: Doc, expect: Optional[Doc] = None) -> Optional[Doc]:
        from pymongo import ReturnDocument
        from pymongo.errors import DuplicateKeyError

        query = {"_id": id, **_filter(expect or {})}
        with self.store.transaction():
            try:
                raw = self.coll.find_one_and_update(query, {"$set": changes},
                                                    return_document=ReturnDocument.AFTER, **self._kw())
            except DuplicateKeyError as exc:
                raise self._conflict(exc, {**changes, "_id": id}) from None
            if raw is not None and self.searchable and touches_search(self.name, changes):
                self._outbox(raw, "upsert")
        return _out(raw)

    def delete(self, id: str, expect: Optional[Doc] = None) -> bool:
        with self.store.transaction():
            raw = self.coll.find_one_and_delete({"_id": id, **_filter(expect or {})}, **self._kw())
            if raw is not None and self.searchable:
                self._outbox(raw, "delete")
        return raw is not None

    def delete_many(self, where: Doc) -> int:
        with self.store.transaction():
            if self.searchable:
                for raw in self.coll.find(_filter(where), {"org_id": 1}, **self._kw()):
                    self._outbox(raw, "delete")
            return self.coll.delete_many(_filter(where), **self._kw()).deleted_count

    def count(self, where: Doc) -> int:
        return self.coll.count_documents(_filter(where), **self._kw())


for _name in ("insert", "get", "find_one", "find", "update", "delete", "delete_many", "count"):
    setattr(MongoCollection, _name, _available(getattr(MongoCollection, _name)))


class MongoStore:
    kind = "mongodb"

    def __init__(self, client: Any, db_name: str):
        self.client = client
        self.db = client[db_name]
        self._collections: dict[str, MongoCollection] = {}
        self._transactions = self._supports_transactions()
        self._create_indexes()

    @classmethod
    def from_uri(cls, uri: str, db_name: str) -> "MongoStore":
        from pymongo import MongoClient

        # Short server selection: /v1/health must answer quickly when Atlas is unreachable.
        return cls(MongoClient(uri, serverSelectionTimeoutMS=5000, retryWrites=True, tz_aware=False), db_name)

    def _supports_transactions(self) -> bool:
        try:
            hello = self.client.admin.command("hello")
        except Exception:
            return False
        return bool(hello.get("setName") or hello.get("msg") == "isdbgrid")

    def _create_indexes(self) -> None:
        from pymongo import ASCENDING

        for name, retired in RETIRED_UNIQUE.items():
            existing = self.db[name].index_information()
            for fields in retired:
                index_name = "_".join(f"{f}_1" for f in fields)
                if index_name in existing:
                    self.db[name].drop_index(index_name)
        for name, ix in COLLECTIONS.items():
            coll = self.db[name]
            for fields in ix.unique:
                if len(fields) == 1:  # sparse: optional unique fields (an idempotency key) may be absent
                    coll.create_index([(fields[0], ASCENDING)], unique=True, sparse=True)
                else:  # documents from before a field existed (migrated at start) do not collide
                    coll.create_index([(f, ASCENDING) for f in fields], unique=True,
                                      partialFilterExpression={fields[0]: {"$type": "string"}})
            for fields in ix.index:  # our `id` is MongoDB's `_id` (keyset indexes end with it)
                coll.create_index([("_id" if f == "id" else f, ASCENDING) for f in fields])

    def collection(self, name: str) -> MongoCollection:
        coll = self._collections.get(name)
        if coll is None:
            indexes_for(name)
            coll = self._collections.setdefault(name, MongoCollection(self, name))
        return coll

    def first_of_each(self, plan: FirstOfEach, values: Sequence[Any]) -> list[Optional[Doc]]:
        """One find_one per read (a $unionWith would make it one round trip; each of these is one
        indexed read already)."""
        if None in values:
            raise ValueError("first_of_each compares with values, not None")
        out, at = [], 0
        for name, fields in plan.reads:
            out.append(self.collection(name).find_one(dict(zip(fields, values[at:at + len(fields)]))))
            at += len(fields)
        return out

    def snapshot(self) -> ContextManager[None]:
        """Nothing here: each read sees the latest data. (SQLite's snapshot is there to spare
        its per-query lock calls; MongoDB's snapshot reads would need a session per request.)"""
        return contextlib.nullcontext()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        with _within_budget(_session.get() is None), self._transaction():
            yield

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[None]:
        if not self._transactions or _session.get() is not None:
            yield
            return
        with self.client.start_session() as session:
            with session.start_transaction():
                token = _session.set(session)
                try:
                    yield
                finally:
                    _session.reset(token)

    @_available
    def next_number(self, key: str) -> int:
        from pymongo import ReturnDocument

        doc = self.db["counters"].find_one_and_update(
            {"_id": key}, {"$inc": {"value": 1}}, upsert=True, return_document=ReturnDocument.AFTER)
        return int(doc["value"])

    def ping(self) -> dict[str, Any]:
        try:
            self.client.admin.command("ping")
            return {"ok": True, "kind": self.kind}
        except Exception as exc:
            return {"ok": False, "kind": self.kind, "detail": type(exc).__name__}
