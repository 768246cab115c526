"""Keeps the search index in step with the store.

Writers put an outbox record (`{id, op, collection, doc_id, org_id, created}`) in
the same transaction as the change; the search-queue consumer calls relay_outbox(),
which reads the CURRENT document for each record (not a copy taken at write time,
so the latest state wins), indexes the batch and only then deletes the records.
A crash between the two steps leaves the records in place and the next run
indexes the same documents again, which is harmless (index() upserts by id).
"""
from __future__ import annotations

from typing import Any, Callable, Iterator, Optional

from chalicelib.search.documents import INDEXED, to_search_doc
from chalicelib.search.port import SearchDoc, SearchIndex


class _Projects:
    """project_id of log lines, which carry only their deployment id (cached per run)."""

    def __init__(self, store: Any):
        self.deployments = store.collection("deployments")
        self.cache: dict[str, Optional[str]] = {}

    def of(self, collection: str, doc: dict) -> Optional[str]:
        dep = doc.get("deployment_id") if collection == "log_lines" else None
        if not dep:
            return None
        if dep not in self.cache:
            found = self.deployments.get(dep)
            self.cache[dep] = found.get("project_id") if found else None
        return self.cache[dep]


def relay_outbox(store: Any, index: SearchIndex, batch_size: int = 500) -> int:
    """Apply up to `batch_size` outbox records (oldest first); returns how many were processed.
    Call again while it returns `batch_size`."""
    outbox = store.collection("outbox")
    records, _ = outbox.find({}, order="created", limit=batch_size)
    if not records:
        return 0
    projects = _Projects(store)
    upserts: dict[str, SearchDoc] = {}
    deletes: set[str] = set()
    for rec in records:  # oldest first, so the last record for a document decides
        coll, doc_id = rec.get("collection"), rec.get("doc_id")
        if coll not in INDEXED or not doc_id:
            continue  # not searchable (secrets, tokens, ...): just drop the record
        doc = None if rec.get("op") == "delete" else store.collection(coll).get(doc_id)
        sdoc = to_search_doc(coll, doc, project_id=projects.of(coll, doc)) if doc else None
        if sdoc is not None:
            upserts[doc_id] = sdoc
            deletes.discard(doc_id)
        else:
            deletes.add(doc_id)
            upserts.pop(doc_id, None)
    if upserts:
        index.index(list(upserts.values()))
    if deletes:
        index.delete(sorted(deletes))
    # only the records read above: ones added meanwhile stay for the next run
    outbox.delete_many({"id": {"$in": [r["id"] for r in records]}})
    return len(records)


def iter_search_docs(store: Any, page: int = 500) -> Iterator[SearchDoc]:
    """Every searchable document in the store, collection by collection, by keyset pages."""
    projects = _Projects(store)
    for coll in INDEXED:
        c, after = store.collection(coll), None
        while True:
            # order by id: the primary key on both stores (ids are time-sortable anyway)
            docs, after = c.find({}, order="id", limit=page, after=after)
            for doc in docs:
                sdoc = to_search_doc(coll, doc, project_id=projects.of(coll, doc))
                if sdoc is not None:
                    yield sdoc
            if not after:
                break


def reindex_all(store: Any, index: SearchIndex, progress: Optional[Callable[[int], None]] = None) -> int:
    """Rebuild the whole index from the store into a fresh version, then swap it in.
    Changes made during the rebuild still have their outbox records, relayed afterwards."""
    return index.rebuild(iter_search_docs(store), progress=progress)
