"""One contract for every document-store adapter.

SQLite always runs; pymongo runs against a real server when MONGODB_URI is set and
against mongomock otherwise (the test id says which).
"""
from __future__ import annotations

import multiprocessing
import os
import uuid

import pytest

from chalicelib.core.ids import new_id, now_iso
from chalicelib.store.port import BadCursor, Conflict, iter_all


def _sqlite(tmp_path):
    from chalicelib.store.sqlite import SqliteStore
    return SqliteStore(tmp_path / "db.sqlite")


def _mongomock(tmp_path):
    import mongomock

    from chalicelib.store.mongo import MongoStore
    return MongoStore(mongomock.MongoClient(), "t" + uuid.uuid4().hex[:8])


def _mongodb(tmp_path):
    uri = os.environ.get("MONGODB_URI")
    if not uri:
        pytest.skip("MONGODB_URI not set: no MongoDB server on this machine (the mongomock variant ran instead)")
    from chalicelib.store.mongo import MongoStore
    store = MongoStore.from_uri(uri, "launchbay_test_" + uuid.uuid4().hex[:8])
    yield store
    store.client.drop_database(store.db.name)


@pytest.fixture(params=["sqlite", "pymongo-mongomock", "pymongo-server"])
def store(request, tmp_path):
    if request.param == "sqlite":
        yield _sqlite(tmp_path)
    elif request.param == "pymongo-mongomock":
        yield _mongomock(tmp_path)
    else:
        yield from _mongodb(tmp_path)


def project(org="org_a", name=None, **kw):
    return {"id": new_id("prj"), "org_id": org, "name": name or uuid.uuid4().hex[:6], "created": now_iso(), **kw}


def test_insert_get_roundtrip(store):
    p = project(description="x", tags=["a"], nested={"k": 1})
    store.collection("projects").insert(p)
    assert store.collection("projects").get(p["id"]) == p
    assert store.collection("projects").get("prj_missing") is None


def test_unique_constraints_name_the_field(store):
    projects = store.collection("projects")
    projects.insert(project(name="api"))
    with pytest.raises(Conflict) as err:
        projects.insert(project(name="api"))
    assert err.value.field == "name"
    projects.insert(project(org="org_b", name="api"))  # unique per org only
    users = store.collection("users")
    users.insert({"id": new_id("usr"), "email": "a@x.io", "created": now_iso()})
    with pytest.raises(Conflict) as err:
        users.insert({"id": new_id("usr"), "email": "a@x.io", "created": now_iso()})
    assert err.value.field == "email"
    assert users.count({"email": "a@x.io"}) == 1


def test_duplicate_id_conflicts(store):
    p = project()
    store.collection("projects").insert(p)
    with pytest.raises(Conflict):
        store.collection("projects").insert(dict(p, name="other"))


def test_optional_unique_field_may_be_absent_many_times(store):
    deps = store.collection("deployments")
    for n in range(3):
        deps.insert({"id": new_id("dep"), "service_id": "svc_1", "number": n, "created": now_iso()})
    deps.insert({"id": new_id("dep"), "service_id": "svc_1", "number": 9, "idempotency_scope": "k1", "created": now_iso()})
    with pytest.raises(Conflict) as err:
        deps.insert({"id": new_id("dep"), "service_id": "svc_1", "number": 10, "idempotency_scope": "k1", "created": now_iso()})
    assert err.value.field == "idempotency_scope"


def test_find_filters_and_operators(store):
    coll = store.collection("services")
    for i in range(6):
        coll.insert({"id": new_id("svc"), "org_id": "org_a" if i < 4 else "org_b", "project_id": "p",
                     "name": f"s{i}", "n": i, "status": "live" if i % 2 else "idle", "created": now_iso()})
    assert coll.count({"org_id": "org_a"}) == 4
    assert {d["name"] for d in coll.find({"org_id": "org_a", "status": "live"})[0]} == {"s1", "s3"}
    assert {d["name"] for d in coll.find({"n": {"$in": [0, 5]}})[0]} == {"s0", "s5"}
    assert {d["name"] for d in coll.find({"n": {"$gte": 4}})[0]} == {"s4", "s5"}
    assert {d["name"] for d in coll.find({"n": {"$lt": 1}})[0]} == {"s0"}
    assert coll.count({"status": {"$ne": "live"}}) == 3
    assert coll.find({"n": {"$in": []}})[0] == []
    assert coll.find_one({"name": "s2"})["n"] == 2
    assert coll.find_one({"name": "nope"}) is None


def test_keyset_pagination_walks_every_doc_once_in_order(store):
    coll = store.collection("log_lines")
    for seq in range(1, 26):
        coll.insert({"id": new_id("log"), "deployment_id": "dep_1", "seq": seq, "created": now_iso()})
    coll.insert({"id": new_id("log"), "deployment_id": "dep_2", "seq": 1, "created": now_iso()})
    seen, after = [], None
    while True:
        docs, after = coll.find({"deployment_id": "dep_1"}, order="seq", limit=10, after=after)
        seen += [d["seq"] for d in docs]
        if not after:
            break
    assert seen == list(range(1, 26))
    newest, _ = coll.find({"deployment_id": "dep_1"}, order="-seq", limit=3)
    assert [d["seq"] for d in newest] == [25, 24, 23]
    assert [d["seq"] for d in iter_all(coll, {"deployment_id": "dep_1"}, order="seq", page=7)] == list(range(1, 26))


def test_pagination_with_equal_sort_values_uses_id_as_tiebreak(store):
    coll = store.collection("audit_events")
    same = now_iso()
    ids = sorted(coll.insert({"id": new_id("aud"), "org_id": "o", "created": same})["id"] for _ in range(7))
    seen, after = [], None
    while True:
        docs, after = coll.find({"org_id": "o"}, order="-created", limit=3, after=after)
        seen += [d["id"] for d in docs]
        if not after:
            break
    assert seen == list(reversed(ids))


def test_bad_cursor_is_rejected(store):
    with pytest.raises(BadCursor):
        store.collection("projects").find({}, after="not-a-cursor!!")


def test_compare_and_set_update(store):
    deps = store.collection("deployments")
    d = deps.insert({"id": new_id("dep"), "service_id": "s", "number": 1, "status": "queued", "created": now_iso()})
    won = deps.update(d["id"], {"status": "provisioning"}, expect={"status": "queued"})
    assert won["status"] == "provisioning"
    assert deps.update(d["id"], {"status": "provisioning"}, expect={"status": "queued"}) is None
    assert deps.update(d["id"], {"status": "live"}, expect={"status": {"$in": ["provisioning", "deploying"]}})["status"] == "live"
    assert deps.update("dep_missing", {"status": "x"}) is None
    assert deps.get(d["id"])["number"] == 1  # untouched fields survive


def test_update_respects_unique_indexes(store):
    projects = store.collection("projects")
    projects.insert(project(name="one"))
    two = projects.insert(project(name="two"))
    with pytest.raises(Conflict):
        projects.update(two["id"], {"name": "one"})
    assert projects.get(two["id"])["name"] == "two"


def test_delete_and_delete_many(store):
    coll = store.collection("outbox")
    a = coll.insert({"id": new_id("obx"), "op": "upsert", "created": now_iso()})
    coll.insert({"id": new_id("obx"), "op": "delete", "created": now_iso()})
    assert coll.delete(a["id"], expect={"op": "delete"}) is False
    assert coll.delete(a["id"]) is True
    assert coll.delete(a["id"]) is False
    assert coll.delete_many({"op": "delete"}) == 1
    assert coll.count({}) == 0


def test_counters_are_monotonic_per_key(store):
    assert [store.next_number("svc_1") for _ in range(3)] == [1, 2, 3]
    assert store.next_number("svc_2") == 1


def test_transaction_groups_writes(store):
    with store.transaction():
        store.collection("projects").insert(project(name="t1"))
        store.collection("outbox").insert({"id": new_id("obx"), "op": "upsert", "created": now_iso()})
    assert store.collection("projects").count({"name": "t1"}) == 1
    assert store.ping()["ok"] is True


def test_first_of_each_reads_several_collections_at_once(store):
    """first_of_each answers each (collection, fields) of its plan as find_one would with the next
    values, in the order planned, None where nothing matches; authentication reads the session
    and the membership with it."""
    from chalicelib.store.port import FirstOfEach
    projects, users = store.collection("projects"), store.collection("users")
    p = projects.insert(project(name="one", description="é \u2028 x"))
    u = users.insert({"id": new_id("usr"), "email": "first@x.io", "created": now_iso()})
    plan = FirstOfEach((("projects", ("id",)), ("users", ("email",)), ("projects", ("org_id", "name"))))
    assert store.first_of_each(plan, (p["id"], "first@x.io", "org_a", "missing")) == [p, u, None]
    assert store.first_of_each(plan, ("prj_missing", "nobody@x.io", "org_a", "one")) == [None, None, p]
    with store.snapshot():   # the same inside a request's snapshot, and it sees a write made there
        projects.update(p["id"], {"name": "renamed"})
        assert store.first_of_each(plan, (p["id"], "first@x.io", "org_a", "renamed"))[2] == {**p, "name": "renamed"}
    with pytest.raises(ValueError):   # equality only: a None would silently match nothing
        store.first_of_each(plan, (None, "first@x.io", "org_a", "one"))
    with pytest.raises(KeyError):   # an unknown collection is refused, as collection() does
        store.first_of_each(FirstOfEach((("no_such_collection", ("id",)),)), ("x",))


def test_writes_inside_a_snapshot_are_kept_and_read_back(store):
    """An API request reads inside store.snapshot() and may write: the write ends the snapshot
    (SQLite) and the reads after it see it; nothing is lost when the block fails."""
    projects = store.collection("projects")
    first = projects.insert(project(name="before"))
    with store.snapshot():
        assert projects.get(first["id"])["name"] == "before"
        projects.update(first["id"], {"name": "renamed"})
        assert projects.get(first["id"])["name"] == "renamed"
        with store.transaction():
            second = projects.insert(project(name="second"))
        with store.snapshot():   # nested: joins the block
            assert projects.count({"org_id": "org_a"}) == 2
    with pytest.raises(RuntimeError):
        with store.snapshot():
            projects.get(first["id"])
            raise RuntimeError("a view failed")
    assert projects.get(second["id"]) is not None and projects.get(first["id"])["name"] == "renamed"
    with store.transaction(), store.snapshot():   # inside a write: the write's transaction reads
        projects.update(second["id"], {"name": "third"})
    assert projects.get(second["id"])["name"] == "third"


def test_sqlite_snapshot_reads_one_state_of_the_store(tmp_path):
    """Reads in a snapshot do not see another connection's commit made in the middle of it
    (one read transaction), and the next request sees it."""
    import threading

    from chalicelib.store.sqlite import SqliteStore
    store = SqliteStore(tmp_path / "db.sqlite")
    projects = store.collection("projects")
    doc = projects.insert(project(name="v1"))

    def writer():   # another thread: its own connection, like another worker process
        projects.update(doc["id"], {"name": "v2"})

    with store.snapshot():
        assert projects.get(doc["id"])["name"] == "v1"
        t = threading.Thread(target=writer)
        t.start()
        t.join(10)
        assert projects.get(doc["id"])["name"] == "v1"
        assert projects.find_one({"name": "v2"}) is None
    assert projects.get(doc["id"])["name"] == "v2"


def test_sqlite_reads_decode_what_orjson_refuses_as_the_stdlib_wrote_it(tmp_path):
    """get, find_one, find and first_of_each decode with orjson; a body it refuses (a lone surrogate: json.dumps
    writes it as an escape, SQLite's JSON functions read it) is read by the stdlib, in a page
    with ordinary bodies too."""
    from chalicelib.store.sqlite import SqliteStore
    store = SqliteStore(tmp_path / "db.sqlite")
    projects = store.collection("projects")
    odd = projects.insert(project(name="odd", note="\ud800"))
    plain = projects.insert(project(name="plain"))
    assert projects.get(odd["id"]) == odd
    assert projects.find_one({"name": "odd"}) == odd
    assert projects.get(plain["id"]) == plain
    docs, nxt = projects.find({"org_id": "org_a"}, limit=1)
    assert len(docs) == 1 and nxt is not None
    docs, nxt = projects.find({"org_id": "org_a"}, limit=5)
    assert sorted(docs, key=lambda d: d["name"]) == [odd, plain] and nxt is None
    from chalicelib.store.port import FirstOfEach
    plan = FirstOfEach((("projects", ("id",)), ("projects", ("name",))))
    assert store.first_of_each(plan, (plain["id"], "odd")) == [plain, odd]


def test_unknown_collection_fails_loudly(store):
    with pytest.raises(KeyError):
        store.collection("nope")


# --- SQLite specifics: several processes share one file --------------------------

def _sqlite_transaction_rolls_back(tmp_path):
    from chalicelib.store.sqlite import SqliteStore
    store = SqliteStore(tmp_path / "db.sqlite")
    with pytest.raises(RuntimeError):
        with store.transaction():
            store.collection("projects").insert(project(name="gone"))
            raise RuntimeError("boom")
    return store.collection("projects").count({"name": "gone"})


def test_sqlite_transaction_rolls_back(tmp_path):
    assert _sqlite_transaction_rolls_back(tmp_path) == 0


def test_sqlite_schema_is_built_once_per_version_of_it(tmp_path, monkeypatch):
    """The DDL runs when the file's user_version is not the schema's fingerprint: on a new file,
    after a schema change, or after someone set it to 0 (bench/scale_data.py drops indexes and
    does). Otherwise a new store (each worker process) reads one PRAGMA and runs none of it."""
    import sqlite3

    from chalicelib.store import sqlite as adapter

    path = tmp_path / "lb.db"
    fingerprint, ddl = adapter._schema_statements()
    first = adapter.SqliteStore(path)
    first.collection("projects").insert(project(name="kept"))

    def version() -> int:
        with sqlite3.connect(path) as conn:
            return conn.execute("PRAGMA user_version").fetchone()[0]

    def index_exists(name: str) -> bool:
        with sqlite3.connect(path) as conn:
            return conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?", (name,)).fetchone() is not None

    assert version() == fingerprint > 0 and index_exists("ix_projects__org_id__created__id")
    with sqlite3.connect(path) as conn:
        conn.execute("DROP INDEX ix_projects__org_id__created__id")
    adapter.SqliteStore(path)   # current fingerprint: nothing runs, so the index stays dropped
    assert not index_exists("ix_projects__org_id__created__id")
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version=0")
    adapter.SqliteStore(path)   # not current: built again
    assert index_exists("ix_projects__org_id__created__id") and version() == fingerprint

    # a new index in the schema: its new fingerprint makes the next store build it, data kept
    changed = (fingerprint ^ 1, ddl + ("CREATE INDEX IF NOT EXISTS ix_test_new ON c_projects(id)",))
    monkeypatch.setattr(adapter, "_schema_statements", lambda: changed)
    store = adapter.SqliteStore(path)
    assert index_exists("ix_test_new") and version() == changed[0]
    assert store.collection("projects").count({"name": "kept"}) == 1


def _worker(path, n, queue):
    from chalicelib.store.sqlite import SqliteStore
    store = SqliteStore(path)
    numbers, wins = [], 0
    deps = store.collection("deployments")
    for _ in range(n):
        numbers.append(store.next_number("shared"))
    for d in deps.find({"service_id": "race"}, limit=1000)[0]:
        if deps.update(d["id"], {"status": "claimed", "by": os.getpid()}, expect={"status": "queued"}):
            wins += 1
    queue.put((numbers, wins))


def test_sqlite_is_safe_across_processes(tmp_path):
    from chalicelib.store.sqlite import SqliteStore
    path = tmp_path / "db.sqlite"
    store = SqliteStore(path)
    deps = store.collection("deployments")
    for i in range(40):
        deps.insert({"id": new_id("dep"), "service_id": "race", "number": i, "status": "queued", "created": now_iso()})
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    procs = [ctx.Process(target=_worker, args=(path, 50, queue)) for _ in range(4)]
    for p in procs:
        p.start()
    results = [queue.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(60)
    numbers = sorted(n for r in results for n in r[0])
    assert numbers == list(range(1, 201))          # no counter value handed out twice
    assert sum(r[1] for r in results) == 40          # each deployment claimed exactly once
    assert deps.count({"status": "claimed"}) == 40


def test_sqlite_forked_child_opens_its_own_connection(tmp_path):
    """A gunicorn or Celery worker is forked from a parent that may have used the store: the
    child must not share the parent's SQLite handle (the store notices the fork without asking
    the kernel for its pid on every query). The parent let go of its own before forking (see the
    next test), and opens a new one when it uses the store again."""
    from chalicelib.store.sqlite import SqliteStore
    store = SqliteStore(tmp_path / "db.sqlite")
    parent_conn = store._conn()
    store.collection("projects").insert(project(name="before"))
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()

    def child():
        conn = store._conn()
        store.collection("projects").insert(project(name="child"))
        queue.put((conn is not parent_conn, store.collection("projects").count({})))

    proc = ctx.Process(target=child)
    proc.start()
    fresh, seen = queue.get(timeout=60)
    proc.join(60)
    assert proc.exitcode == 0 and fresh and seen == 2
    assert store._conn() is not parent_conn and store.collection("projects").count({"name": "child"}) == 1


def _rename_and_close(path, prj_id, name):
    """Another process (a CLI, a migration, a worker that stops): one write, then it lets go."""
    from chalicelib.store.sqlite import SqliteStore
    store = SqliteStore(path)
    store.collection("projects").update(prj_id, {"name": name})
    store.close()


def test_sqlite_forked_child_reads_what_others_wrote_after_the_parent_let_go(tmp_path):
    """A parent that used the store, forks a worker, then lets go of the store (a gunicorn master
    with --preload, a Celery parent). SQLite's memory of its open files (the locks it holds, the
    mapped WAL index) used to be copied into the child, where it is false: POSIX locks do not
    cross fork, so the child held no lock at all. The next process to close the database then
    took itself for the last user, checkpointed it and deleted the WAL and -shm while the child
    still used them: the child kept reading the old rows, and its next write failed with
    "database disk image is malformed"."""
    from chalicelib.store.sqlite import SqliteStore
    path = tmp_path / "db.sqlite"
    store = SqliteStore(path)
    prj = project(name="v0")
    store.collection("projects").insert(prj)
    ctx = multiprocessing.get_context("fork")
    ours, theirs = ctx.Pipe()

    def child():
        projects = store.collection("projects")
        while (msg := theirs.recv()) != "stop":
            try:
                if msg == "read":
                    theirs.send(projects.get(prj["id"])["name"])
                else:
                    projects.update(prj["id"], {"name": msg})
                    theirs.send("written")
            except Exception as exc:  # the parent asserts on it
                theirs.send(f"{type(exc).__name__}: {exc}")

    def ask(msg):
        ours.send(msg)
        assert ours.poll(30), "the child did not answer"
        return ours.recv()

    proc = ctx.Process(target=child)
    proc.start()
    try:
        assert ask("read") == "v0"
        store.close()                       # the parent is done with the store
        other = multiprocessing.get_context("spawn").Process(target=_rename_and_close, args=(path, prj["id"], "v1"))
        other.start()
        other.join(60)
        assert other.exitcode == 0
        assert ask("read") == "v1"          # read-your-writes across processes
        assert ask("v2") == "written"
        assert SqliteStore(path).collection("projects").get(prj["id"])["name"] == "v2"
    finally:
        ours.send("stop")
        proc.join(30)


# --- the outbox is the store's job ------------------------------------------------------

def _outbox(store, doc_id):
    docs, _ = store.collection("outbox").find({"doc_id": doc_id}, order="created", limit=50)
    return [(d["collection"], d["op"], d["org_id"]) for d in docs]


def test_writes_to_searchable_collections_carry_their_outbox_record(store):
    svc = {"id": new_id("svc"), "org_id": "org_a", "project_id": "p", "name": "web", "status": "new",
           "created": now_iso()}
    services = store.collection("services")
    services.insert(svc)
    assert _outbox(store, svc["id"]) == [("services", "upsert", "org_a")]
    services.update(svc["id"], {"health": {"status": "healthy"}})        # not a searched field: no record
    assert len(_outbox(store, svc["id"])) == 1
    services.update(svc["id"], {"status": "live"}, expect={"status": "nope"})   # refused: no record
    assert len(_outbox(store, svc["id"])) == 1
    services.update(svc["id"], {"status": "live"})
    assert _outbox(store, svc["id"])[-1] == ("services", "upsert", "org_a")
    services.delete(svc["id"])
    assert _outbox(store, svc["id"])[-1] == ("services", "delete", "org_a")
    assert len(_outbox(store, svc["id"])) == 3


def test_delete_many_records_each_document_and_other_collections_record_nothing(store):
    lines = [{"id": new_id("log"), "org_id": "org_b", "deployment_id": "d", "seq": i, "created": now_iso()}
             for i in range(3)]
    for line in lines:
        store.collection("log_lines").insert(line)
    assert store.collection("log_lines").delete_many({"deployment_id": "d"}) == 3
    assert [op for line in lines for (_, op, _) in _outbox(store, line["id"])] == ["upsert", "delete"] * 3
    p = project()
    store.collection("projects").insert(p)
    store.collection("projects").update(p["id"], {"name": "x"})
    assert _outbox(store, p["id"]) == []


def test_a_rolled_back_write_leaves_no_outbox_record(tmp_path):
    store = _sqlite(tmp_path)
    svc_id = new_id("svc")
    with pytest.raises(RuntimeError):
        with store.transaction():
            store.collection("services").insert({"id": svc_id, "org_id": "o", "name": "w", "created": now_iso()})
            raise RuntimeError("crash before commit")
    assert store.collection("services").get(svc_id) is None and _outbox(store, svc_id) == []
