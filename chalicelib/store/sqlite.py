"""Embedded document store: SQLite (stdlib) in WAL mode, one table per collection,
JSON bodies, expression indexes for lookups and unique constraints.

Safe across processes (the API and several Celery workers share the file): every
write runs in `BEGIN IMMEDIATE`, which takes SQLite's single write lock, so a
compare-and-set reads and writes under that lock. Each thread of each process
gets its own connection (connections must not cross a fork: the forking thread
closes its own first, see _before_fork).
"""
from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import operator
import os
import re
import sqlite3
import threading
import weakref
from pathlib import Path
from typing import Any, Iterator, Optional, Sequence

import orjson

from chalicelib.core.errors import STORE_WAIT, StoreUnavailable
from chalicelib.store.port import OPERATORS, Conflict, Doc, FirstOfEach, decode_cursor, encode_cursor, parse_order
from chalicelib.store.schema import COLLECTIONS, OUTBOX, RETIRED_UNIQUE, indexes_for, outbox_record, touches_search

_FIELD = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
BUSY_TIMEOUT_MS = 30000  # a writer's patience for the lock, unless the context sets a budget (STORE_WAIT)
_SQL_OPS = {"$lt": "<", "$lte": "<=", "$gt": ">", "$gte": ">=", "$ne": "IS NOT"}


_COLUMNS: dict[str, str] = {}   # field -> its SQL, for the names that passed the check


def _col(field: str) -> str:
    """The SQL of this module splices in identifiers only: table names from the schema registry
    (collection() refuses others) and field names checked here; every value is a bound
    parameter. That is why its queries carry `# nosec B608` (bandit's string-built SQL)."""
    col = _COLUMNS.get(field) if isinstance(field, str) else None
    if col is None:
        if not _FIELD.match(field):  # field names come from code, but never splice anything odd into SQL
            raise ValueError(f"bad field name {field!r}")
        col = "id" if field == "id" else f"json_extract(body, '$.{field}')"
        if len(_COLUMNS) < 1024:
            _COLUMNS[field] = col
    return col


def _loads(body: str) -> Any:
    """A stored body: orjson reads one in a fraction of the stdlib's time (every API read
    decodes a few); what it refuses and json.dumps wrote (NaN, integers beyond 64 bits, lone
    surrogates) goes to the stdlib, so the answer is the same."""
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        return json.loads(body)


_orjson_loads = orjson.loads
_JSONDecodeError = orjson.JSONDecodeError


def _param(value: Any) -> Any:
    if isinstance(value, (dict, list)):
        raise ValueError("only scalar values can be compared")
    return value


# The SQL of a where made of equalities only, by its field names (they come from code).
_EQUALS: dict[tuple[str, ...], str] = {}


def _where(where: Doc) -> tuple[str, list[Any]]:
    values = list(where.values())
    for v in values:
        if v is None or isinstance(v, (dict, list)):
            break
    else:
        fields = tuple(where)
        sql = _EQUALS.get(fields)
        if sql is None:
            sql = " AND ".join(f"{_col(f)} = ?" for f in fields) or "1"
            if len(_EQUALS) < 1024:
                _EQUALS[fields] = sql
        return sql, values
    clauses: list[str] = []
    params: list[Any] = []
    for field, cond in where.items():
        col = _col(field)
        if isinstance(cond, dict):
            for op, value in cond.items():
                if op not in OPERATORS:
                    raise ValueError(f"unsupported operator {op}")
                if op == "$in":
                    values = list(value)
                    if not values:
                        clauses.append("0")
                        continue
                    clauses.append(f"{col} IN ({','.join('?' * len(values))})")
                    params.extend(_param(v) for v in values)
                else:
                    clauses.append(f"{col} {_SQL_OPS[op]} ?")
                    params.append(_param(value))
        elif cond is None:
            clauses.append(f"{col} IS NULL")
        else:
            clauses.append(f"{col} = ?")
            params.append(_param(cond))
    return (" AND ".join(clauses) or "1"), params


_COMPARE = {"$lt": operator.lt, "$lte": operator.le, "$gt": operator.gt, "$gte": operator.ge}


def _holds(op: str, value: Any, arg: Any) -> bool:
    """One operator of an `expect` condition, as the SQL in _where() would judge it."""
    if op == "$in":
        return value in arg
    if op == "$ne":
        return value != arg
    return value is not None and _COMPARE[op](value, arg)


def _matches(doc: Doc, expect: Doc) -> bool:
    for field, cond in expect.items():
        value = doc.get(field)
        if isinstance(cond, dict):
            if not all(_holds(op, value, arg) for op, arg in cond.items()):
                return False
        elif value != cond:
            return False
    return True


# This process's id, kept current across fork() so that _conn() need not ask the kernel
# (os.getpid() is a system call) on every query.
_pid = [os.getpid()]
# Every store of this process, for _before_fork().
_STORES: "weakref.WeakSet[SqliteStore]" = weakref.WeakSet()


def _before_fork() -> None:
    """The forking thread lets go of its connections, so that nothing of SQLite's for our file
    crosses the fork. SQLite keeps per process what it knows of an open file (the locks it holds,
    the mapped WAL index) and a new connection in the child would take that copy over, but POSIX
    locks are not inherited: the child would hold no lock at all, and the last other process to
    close the database would take itself for the last user, checkpoint it and delete the WAL and
    -shm the child still uses (stale reads, then "database disk image is malformed";
    tests/contract/test_store_contract.py). Both sides open a new connection when next needed."""
    for store in list(_STORES):
        store.close()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(before=_before_fork, after_in_child=lambda: _pid.__setitem__(0, os.getpid()))


def _busy(exc: sqlite3.OperationalError) -> bool:
    return "locked" in str(exc) or "busy" in str(exc)


class SqliteCollection:
    def __init__(self, store: "SqliteStore", name: str):
        self.store = store
        self.name = name
        self.table = f"c_{name}"
        # index name -> the field a client should change (the last of a compound key)
        self._unique_fields = {f"ux_{name}__{'__'.join(f)}": f[-1] for f in indexes_for(name).unique}
        self.searchable = bool(indexes_for(name).search)
        # The reads' SQL, made once per shape (a where's fields, an order, a cursor or none): the
        # same str object each time, so sqlite3's statement cache finds it without the text being
        # built and hashed again. Shapes come from code; bounded all the same.
        self._get_sql = f"SELECT body FROM {self.table} WHERE id = ?"  # nosec B608  # see _col
        self._statements: dict[Any, Any] = {}

    def _statement(self, key: Any, make: Any) -> Any:
        found = self._statements.get(key)
        if found is None:
            found = make()
            if len(self._statements) < 512:
                self._statements[key] = found
        return found

    # -- reads ----------------------------------------------------------------
    # get, find_one, find: the thread's reader cursor (SqliteStore._reader) and orjson (_loads)
    # called here, without those two Python calls per read; _loads when orjson refuses a body.
    def get(self, id: str) -> Optional[Doc]:
        local = self.store._local
        reader = local.reader if getattr(local, "pid", None) == _pid[0] else self.store._reader()
        row = reader.execute(self._get_sql, (id,)).fetchone()
        if not row:
            return None
        try:
            return _orjson_loads(row[0])
        except _JSONDecodeError:
            return _loads(row[0])

    def find_one(self, where: Doc) -> Optional[Doc]:
        sql, params = _where(where)
        statement = self._statements.get(sql) or self._statement(
            sql, lambda: f"SELECT body FROM {self.table} WHERE {sql} LIMIT 1")  # nosec B608  # see _col
        local = self.store._local
        reader = local.reader if getattr(local, "pid", None) == _pid[0] else self.store._reader()
        row = reader.execute(statement, params).fetchone()
        if not row:
            return None
        try:
            return _orjson_loads(row[0])
        except _JSONDecodeError:
            return _loads(row[0])

    def find(self, where: Doc, order: str = "-created", limit: int = 50,
             after: Optional[str] = None) -> tuple[list[Doc], Optional[str]]:
        sql, params = _where(where)
        key = (sql, order, not after)
        shape = self._statements.get(key) or self._statement(key, lambda: self._find_sql(sql, order, bool(after)))
        statement, field, desc = shape
        if after:
            value, last_id = decode_cursor(after)
            params += [value, value, last_id]
        params.append(limit + 1)
        local = self.store._local
        reader = local.reader if getattr(local, "pid", None) == _pid[0] else self.store._reader()
        rows = reader.execute(statement, params).fetchall()
        if len(rows) > limit:
            del rows[limit:]
            more = True
        else:
            more = False
        try:
            docs = [_orjson_loads(r[0]) for r in rows]
        except _JSONDecodeError:
            docs = [_loads(r[0]) for r in rows]
        nxt = encode_cursor(docs[-1].get(field), docs[-1]["id"]) if more else None
        return docs, nxt

    def _find_sql(self, sql: str, order: str, after: bool) -> tuple[str, str, bool]:
        field, desc = parse_order(order)
        col = _col(field)
        if after:
            cmp = "<" if desc else ">"
            # (col, id) < (v, last) spelled so that SQLite takes a range of the (..., col, id)
            # index (it does not for the row value with expression columns); same result, NULLs too
            sql += f" AND {col} {cmp}= ? AND ({col} {cmp} ? OR id {cmp} ?)"
        direction = "DESC" if desc else "ASC"
        return (f"SELECT body FROM {self.table} WHERE {sql} ORDER BY {col} {direction}, id {direction} LIMIT ?",  # nosec B608  # see _col
                field, desc)

    def count(self, where: Doc) -> int:
        sql, params = _where(where)
        return self.store._conn().execute(f"SELECT COUNT(*) FROM {self.table} WHERE {sql}", params).fetchone()[0]  # nosec B608  # see _col

    # -- writes ---------------------------------------------------------------
    def insert(self, doc: Doc) -> Doc:
        body = json.dumps(doc, separators=(",", ":"))
        try:
            with self.store.transaction():
                self.store._conn().execute(f"INSERT INTO {self.table}(id, body) VALUES (?, ?)", (doc["id"], body))  # nosec B608  # see _col
                if self.searchable:
                    self._outbox(doc, "upsert")
        except sqlite3.IntegrityError as exc:
            raise Conflict(self.name, self._conflict_field(str(exc))) from None
        return doc

    def _outbox(self, doc: Doc, op: str) -> None:
        """Called inside the write's transaction: the record commits or rolls back with it."""
        rec = outbox_record(self.name, doc["id"], doc.get("org_id") or "", op)
        self.store._conn().execute(f"INSERT INTO c_{OUTBOX}(id, body) VALUES (?, ?)",  # nosec B608  # see _col
                                   (rec["id"], json.dumps(rec, separators=(",", ":"))))

    def _conflict_field(self, message: str) -> str:
        for index, field in self._unique_fields.items():
            if index in message:
                return field
        return "id"

    def update(self, id: str, changes: Doc, expect: Optional[Doc] = None) -> Optional[Doc]:
        try:
            with self.store.transaction():
                conn = self.store._conn()
                row = conn.execute(f"SELECT body FROM {self.table} WHERE id = ?", (id,)).fetchone()  # nosec B608  # see _col
                if not row:
                    return None
                doc = _loads(row[0])
                if expect and not _matches(doc, expect):
                    return None
                doc.update(changes)
                conn.execute(f"UPDATE {self.table} SET body = ? WHERE id = ?",  # nosec B608  # see _col
                             (json.dumps(doc, separators=(",", ":")), id))
                if self.searchable and touches_search(self.name, changes):
                    self._outbox(doc, "upsert")
                return doc
        except sqlite3.IntegrityError as exc:
            raise Conflict(self.name, self._conflict_field(str(exc))) from None

    def delete(self, id: str, expect: Optional[Doc] = None) -> bool:
        with self.store.transaction():
            conn = self.store._conn()
            doc = self.get(id) if (expect or self.searchable) else None
            if expect and (not doc or not _matches(doc, expect)):
                return False
            gone = conn.execute(f"DELETE FROM {self.table} WHERE id = ?", (id,)).rowcount > 0  # nosec B608  # see _col
            if gone and doc and self.searchable:
                self._outbox(doc, "delete")
            return gone

    def delete_many(self, where: Doc) -> int:
        sql, params = _where(where)
        with self.store.transaction():
            conn = self.store._conn()
            if self.searchable:
                for (body,) in conn.execute(f"SELECT body FROM {self.table} WHERE {sql}", params).fetchall():  # nosec B608  # see _col
                    self._outbox(_loads(body), "delete")
            return conn.execute(f"DELETE FROM {self.table} WHERE {sql}", params).rowcount  # nosec B608  # see _col


class _Snapshot:
    """SqliteStore.snapshot(): a deferred BEGIN (SQLite takes the read lock at the first
    read) and its end; inside a transaction or another snapshot, nothing."""

    __slots__ = ("store", "conn")

    def __init__(self, store: "SqliteStore") -> None:
        self.store = store
        self.conn: Optional[sqlite3.Connection] = None

    def __enter__(self) -> None:
        conn = self.store._conn()
        if not conn.in_transaction:
            self.store._local.reader.execute("BEGIN")
            self.conn = conn

    def __exit__(self, *exc: Any) -> None:
        conn = self.conn
        self.conn = None
        live: Optional[sqlite3.Connection] = getattr(self.store._local, "conn", None)
        if conn is None or live is not conn:
            return   # not begun here, or the connection was closed meanwhile
        local = self.store._local
        if conn.in_transaction and not local.depth:   # not ended by a write
            local.reader.execute("COMMIT")


@functools.lru_cache(maxsize=1)
def _schema_statements() -> tuple[int, tuple[str, ...]]:
    """(fingerprint, DDL): what _create_schema runs, and a positive 31-bit number naming it."""
    ddl = ["CREATE TABLE IF NOT EXISTS counters (key TEXT PRIMARY KEY, value INTEGER NOT NULL)"]
    for name, retired in RETIRED_UNIQUE.items():
        ddl += [f"DROP INDEX IF EXISTS ux_{name}__{'__'.join(fields)}" for fields in retired]
    for name, ix in COLLECTIONS.items():
        table = f"c_{name}"
        ddl.append(f"CREATE TABLE IF NOT EXISTS {table} (id TEXT PRIMARY KEY, body TEXT NOT NULL)")
        for fields in ix.unique:
            cols = ", ".join(_col(f) for f in fields)
            ddl.append(f"CREATE UNIQUE INDEX IF NOT EXISTS ux_{name}__{'__'.join(fields)} ON {table}({cols})")
        for fields in ix.index:
            cols = ", ".join(_col(f) for f in fields)
            ddl.append(f"CREATE INDEX IF NOT EXISTS ix_{name}__{'__'.join(fields)} ON {table}({cols})")
    digest = hashlib.sha256("\n".join(ddl).encode()).digest()
    return (int.from_bytes(digest[:4], "big") & 0x7FFFFFFF) or 1, tuple(ddl)


class SqliteStore:
    kind = "sqlite"

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._collections: dict[str, SqliteCollection] = {}
        self._lock = threading.Lock()
        self._plans: dict[FirstOfEach, str] = {}  # first_of_each's statement by plan
        self._create_schema()
        _STORES.add(self)

    def _conn(self) -> sqlite3.Connection:
        local = self._local
        if getattr(local, "pid", None) != _pid[0]:  # a forked child must not reuse the parent's handle
            conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None,
                                   check_same_thread=True)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            local.conn, local.pid, local.depth, local.busy_ms = conn, _pid[0], 0, BUSY_TIMEOUT_MS
            local.reader = conn.cursor()
        return local.conn

    def _reader(self) -> sqlite3.Cursor:
        """This thread's cursor for reads that fetch their rows at once (get, find_one, find):
        `conn.execute` makes, registers and frees a cursor per query."""
        local = self._local
        if getattr(local, "pid", None) != _pid[0]:
            self._conn()
        return local.reader

    def _begin(self, conn: sqlite3.Connection) -> None:
        """BEGIN IMMEDIATE, waiting for the write lock at most the context's budget."""
        wait = STORE_WAIT.get()
        busy_ms = BUSY_TIMEOUT_MS if wait is None else max(0, int(wait * 1000))
        if busy_ms != self._local.busy_ms:  # one PRAGMA when the budget changes, not per write
            conn.execute(f"PRAGMA busy_timeout={busy_ms}")
            self._local.busy_ms = busy_ms
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if _busy(exc):
                raise StoreUnavailable(f"the store is busy (no write lock within {busy_ms / 1000:g} s); "
                                       "try again shortly") from None
            raise

    def _create_schema(self) -> None:
        """Tables and indexes for every collection. Their DDL's fingerprint is kept in the file's
        `user_version`: a process that finds it current (every start but the first after a schema
        change) reads one PRAGMA instead of taking the write lock for ~150 statements (5 ms, on
        each gunicorn worker's first request, each worker task process, each CLI call). Whoever
        drops an index by hand sets it to 0 (bench/scale_data.py does)."""
        statements = _schema_statements()
        conn = self._conn()
        if conn.execute("PRAGMA user_version").fetchone()[0] == statements[0]:
            return
        with self.transaction():
            for sql in statements[1]:
                conn.execute(sql)
            conn.execute(f"PRAGMA user_version={statements[0]}")   # in the transaction: set with the schema or not at all

    def collection(self, name: str) -> SqliteCollection:
        coll = self._collections.get(name)
        if coll is None:
            indexes_for(name)  # unknown names fail loudly
            with self._lock:
                coll = self._collections.setdefault(name, SqliteCollection(self, name))
        return coll

    def first_of_each(self, plan: FirstOfEach, values: Sequence[Any]) -> list[Optional[Doc]]:
        """One statement of scalar subqueries, `SELECT (SELECT body FROM a WHERE … LIMIT 1), …`:
        one execute and one fetch (about 7k instructions each, docs/benchmarks.md) for them all."""
        statement = self._plans.get(plan) or self._plan(plan)
        if None in values:
            raise ValueError("first_of_each compares with values, not None")
        local = self._local
        reader = local.reader if getattr(local, "pid", None) == _pid[0] else self._reader()
        out: list[Optional[Doc]] = []
        for body in reader.execute(statement, values).fetchone():
            if body is None:
                out.append(None)
                continue
            try:
                out.append(_orjson_loads(body))
            except _JSONDecodeError:
                out.append(_loads(body))
        return out

    def _plan(self, plan: FirstOfEach) -> str:
        subqueries = []
        for name, fields in plan.reads:
            where = " AND ".join(f"{_col(f)} = ?" for f in fields)
            subqueries.append(f"(SELECT body FROM {self.collection(name).table} WHERE {where} LIMIT 1)")  # nosec B608  # see _col
        statement = "SELECT " + ", ".join(subqueries)
        if len(self._plans) < 256:   # plans are made in code, at import
            self._plans[plan] = statement
        return statement

    def snapshot(self) -> "_Snapshot":
        """Reads in the block share one read transaction: one snapshot of the store, and one
        pair of WAL lock calls (fcntl) instead of one per query (an API request reads 3-5 times).
        A write in the block ends it first (transaction()), so writes and the reads after them see
        the latest data, as without it."""
        return _Snapshot(self)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """Nested calls join the outermost transaction; IMMEDIATE takes the write lock up front."""
        conn = self._conn()
        local = self._local
        if local.depth:
            local.depth += 1
            try:
                yield
            finally:
                local.depth -= 1
            return
        if conn.in_transaction:   # a snapshot's read transaction (depth 0): the write ends it
            conn.execute("COMMIT")
        self._begin(conn)
        local.depth = 1
        try:
            yield
            conn.execute("COMMIT")
        except BaseException as exc:
            local.depth = 0
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            if isinstance(exc, sqlite3.OperationalError) and _busy(exc):  # rolled back: nothing half-written
                raise StoreUnavailable("the store is busy; try again shortly") from None
            raise
        local.depth = 0

    def next_number(self, key: str) -> int:
        with self.transaction():
            row = self._conn().execute(
                "INSERT INTO counters(key, value) VALUES (?, 1) "
                "ON CONFLICT(key) DO UPDATE SET value = value + 1 RETURNING value", (key,)).fetchone()
        return int(row[0])

    def close(self) -> None:
        """This thread lets go of its connection (the next use opens a new one). Not inside a
        transaction: that would roll it back."""
        local = self._local
        conn = getattr(local, "conn", None)
        if conn is not None and not local.depth:
            local.conn, local.pid = None, None
            conn.close()

    def ping(self) -> dict[str, Any]:
        try:
            self._conn().execute("SELECT 1").fetchone()
            return {"ok": True, "kind": self.kind}
        except sqlite3.Error as exc:
            return {"ok": False, "kind": self.kind, "detail": str(exc)}
