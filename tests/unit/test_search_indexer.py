"""The outbox relay and the full reindex, on the SQLite store and the embedded index."""
from __future__ import annotations

import pytest

from chalicelib.search.embedded import EmbeddedIndex
from chalicelib.search.indexer import iter_search_docs, reindex_all, relay_outbox
from chalicelib.store.sqlite import SqliteStore

ORG = "org_1"
_clock = iter(range(10_000))


def now() -> str:
    """Strictly increasing timestamps (outbox order is by `created`)."""
    n = next(_clock)
    return f"2026-11-25T{n // 3600:02d}:{n // 60 % 60:02d}:{n % 60:02d}.000000Z"


class Recording:
    """A search index that records calls (and can fail once on demand)."""

    kind = "recording"

    def __init__(self):
        self.calls: list[tuple[str, list]] = []
        self.fail_next = False

    def index(self, docs):
        self.calls.append(("index", [d["id"] for d in docs]))
        if self.fail_next:
            self.fail_next = False
            raise RuntimeError("search engine down")

    def delete(self, ids):
        self.calls.append(("delete", list(ids)))

    def rebuild(self, docs_iter, progress=None):
        docs = list(docs_iter)
        self.calls.append(("rebuild", [d["id"] for d in docs]))
        return len(docs)


@pytest.fixture
def store(tmp_path):
    return SqliteStore(tmp_path / "launchbay.db")


@pytest.fixture
def search(tmp_path):
    ix = EmbeddedIndex(tmp_path / "search", writer_heap=15_000_000)
    yield ix
    ix.close()


def put(store, collection: str, doc: dict, op: str = "upsert") -> dict:
    """A writer's change: the store adds its outbox record in the same transaction."""
    with store.transaction():
        if op != "delete":
            if store.collection(collection).get(doc["id"]):
                store.collection(collection).update(doc["id"], doc)
            else:
                store.collection(collection).insert(doc)
        else:
            store.collection(collection).delete(doc["id"])
    return doc  # the store wrote the outbox record in the same transaction


def service(i: int, **kw) -> dict:
    return {"id": f"svc_{i}", "org_id": ORG, "project_id": "prj_1", "name": f"web{i}", "kind": "web",
            "image": "nginx:1.25", "env": {"TOKEN": "s3cr3t"}, "status": "live", "created": now(), **kw}


def test_relay_indexes_current_docs_then_empties_the_outbox(store, search):
    put(store, "services", service(1))
    put(store, "deployments", {"id": "dep_1", "org_id": ORG, "project_id": "prj_7", "service_id": "svc_1",
                               "service_name": "web1", "number": 1, "image": "nginx:1.25", "status": "failed",
                               "error": "connection refused", "created": now()})
    put(store, "log_lines", {"id": "log_1", "org_id": ORG, "deployment_id": "dep_1", "service_id": "svc_1",
                             "seq": 1, "ts": now(), "level": "error", "step": "rollout", "message": "oom killed"})
    put(store, "secrets", {"id": "sec_1", "org_id": ORG, "service_id": "svc_1", "name": "TOKEN",
                           "ciphertext": "s3cr3t", "created": now()})
    assert store.collection("outbox").count({"collection": "secrets"}) == 0   # not searchable: no record
    assert relay_outbox(store, search) == 3
    assert store.collection("outbox").count({}) == 0
    page = search.search(ORG, "")
    assert {r["id"] for r in page["results"]} == {"svc_1", "dep_1", "log_1"}   # not the secret
    [log] = search.search(ORG, "oom")["results"]
    assert log["project_id"] == "prj_7" and log["link"] == f"/v1/orgs/{ORG}/deployments/dep_1"
    assert search.search(ORG, "s3cr3t")["total"] == 0
    assert relay_outbox(store, search) == 0


def test_latest_state_wins_and_deletes_remove(store, search):
    put(store, "services", service(1, name="before"))
    put(store, "services", {**service(1), "name": "after"})
    put(store, "services", service(2))
    assert relay_outbox(store, search) == 3
    assert [r["title"] for r in search.search(ORG, "after")["results"]] == ["after"]
    assert search.search(ORG, "before")["total"] == 0
    put(store, "services", service(2), op="delete")
    # a record whose document vanished without a delete op is a delete too
    store._conn().execute("DELETE FROM c_services WHERE id = 'svc_1'")   # behind the store's back
    store.collection("outbox").insert({"id": "obx_gone", "op": "upsert", "collection": "services",
                                       "doc_id": "svc_1", "org_id": ORG, "created": now()})
    assert relay_outbox(store, search) == 2
    assert search.search(ORG, "")["total"] == 0


def test_one_batch_per_call_oldest_first(store):
    for i in range(5):
        put(store, "services", service(i))
    rec = Recording()
    assert relay_outbox(store, rec, batch_size=2) == 2
    assert rec.calls == [("index", ["svc_0", "svc_1"])]
    assert relay_outbox(store, rec, batch_size=2) == 2
    assert relay_outbox(store, rec, batch_size=2) == 1
    assert relay_outbox(store, rec, batch_size=2) == 0
    assert [c[1] for c in rec.calls] == [["svc_0", "svc_1"], ["svc_2", "svc_3"], ["svc_4"]]


def test_a_crash_before_the_outbox_delete_means_the_same_docs_again(store, search):
    put(store, "services", service(1))
    rec = Recording()
    rec.fail_next = True
    with pytest.raises(RuntimeError):
        relay_outbox(store, rec)
    assert store.collection("outbox").count({}) == 1       # nothing lost
    assert relay_outbox(store, rec) == 1
    assert rec.calls == [("index", ["svc_1"]), ("index", ["svc_1"])]
    # and indexing the same batch twice on a real index leaves one copy
    put(store, "services", service(1))
    relay_outbox(store, search)
    put(store, "services", service(1))
    relay_outbox(store, search)
    assert search.search(ORG, "")["total"] == 1


def test_records_added_during_a_relay_stay_for_the_next(store):
    put(store, "services", service(1))

    class Sneaky(Recording):
        def index(self, docs):
            super().index(docs)
            put(store, "services", service(2))   # a write lands while we index

    rec = Sneaky()
    assert relay_outbox(store, rec) == 1
    assert store.collection("outbox").count({}) == 1
    assert relay_outbox(store, Recording()) == 1


def test_reindex_all_walks_the_four_collections_into_a_rebuild(store, search):
    for i in range(7):
        store.collection("services").insert(service(i))
    store.collection("audit_events").insert({"id": "aud_1", "org_id": ORG, "actor": "bob", "action": "service.create",
                                             "target_type": "service", "target_id": "svc_1", "created": now()})
    store.collection("tokens").insert({"id": "tok_1", "org_id": ORG, "user_id": "usr_1", "name": "ci",
                                       "token_hash": "h", "prefix": "lb_", "created": now()})
    assert [d["id"] for d in iter_search_docs(store, page=3)] == [f"svc_{i}" for i in range(7)] + ["aud_1"]
    search.index([{"id": "svc_stale", "type": "service", "org_id": ORG, "title": "stale", "created": now()}])
    seen = []
    assert reindex_all(store, search, progress=seen.append) == 8
    assert sum(seen) == 8
    page = search.search(ORG, "", limit=50)
    assert page["total"] == 8 and "svc_stale" not in {r["id"] for r in page["results"]}
    assert page["facets"]["type"] == {"service": 7, "audit": 1}
