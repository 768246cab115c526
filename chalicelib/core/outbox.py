"""Outbox records: written in the same store transaction as the change they describe,
relayed to the search index by a Celery task (chalicelib/search/indexer.py)."""
from __future__ import annotations

from chalicelib.core.ids import new_id, now_iso

INDEXED = {"services", "deployments", "log_lines", "audit_events"}


def record(store, collection: str, doc_id: str, org_id: str, op: str = "upsert") -> None:
    if collection not in INDEXED:
        return
    store.collection("outbox").insert({"id": new_id("obx"), "op": op, "collection": collection,
                                       "doc_id": doc_id, "org_id": org_id, "created": now_iso()})
