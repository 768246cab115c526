"""Numbered attempts at a side effect (a webhook delivery, an e-mail), claimed with a
compare-and-set on the document's `attempts`: n-1 -> n. A task delivered twice finds attempt n
taken and does nothing; a claim older than `stale_after` seconds lost its worker, and the same
attempt may be taken over (compare-and-set on the old claim's time)."""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Optional

from chalicelib.core.ids import epoch_from_iso, now_iso


@dataclass
class Outcome:
    """What one attempt came to, for its task: retry (after `retry_in` s), skipped, or the side
    effect's own final state (delivered, sent, failed)."""
    state: str
    retry_in: float = 0.0
    detail: str = ""


def claim(coll: Any, doc: dict[str, Any], n: int, stale_after: float) -> Optional[dict[str, Any]]:
    """-> the document, now `sending` attempt n; None when attempt n is someone else's."""
    changes = {"attempts": n, "status": "sending", "claimed": now_iso(), "updated": now_iso()}
    claimed = coll.update(doc["id"], changes, expect={"attempts": n - 1})
    if claimed is None and doc.get("attempts") == n and doc.get("status") == "sending" and doc.get("claimed") \
            and time.time() - epoch_from_iso(doc["claimed"]) > stale_after:
        claimed = coll.update(doc["id"], changes, expect={"attempts": n, "claimed": doc["claimed"]})
    return claimed


def take(coll: Any, doc_id: str, n: int, settled: tuple[str, ...], stale_after: float,
         what: str) -> dict[str, Any] | Outcome:
    """Attempt n of the document `doc_id` (a `what`): the claimed document, or the skipped outcome
    when it is gone, settled, or attempt n is someone else's."""
    doc = coll.get(doc_id)
    if doc is None or doc["status"] in settled:
        return Outcome("skipped", detail=f"{what} gone or settled")
    claimed = claim(coll, doc, n, stale_after)
    return claimed if claimed is not None else Outcome("skipped", detail=f"attempt {n} already taken")
