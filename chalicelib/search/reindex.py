"""`make reindex` / `python -m chalicelib.search.reindex`: rebuild the search index from the
store into a new version and swap it in (no downtime), with a progress bar.

Run it where the index writer may run: stop the `search` worker first with the embedded
engine (one writer per index); OpenSearch has no such limit."""
from __future__ import annotations

import sys


def main() -> int:
    from tqdm import tqdm

    from chalicelib.search.indexer import reindex_all
    from chalicelib.settings import get_settings
    from chalicelib.wiring import get_search, get_store

    store, index = get_store(), get_search()
    kinds = {"services", "deployments", "log_lines", "audit_events"}
    total = sum(store.collection(name).count({}) for name in kinds)
    print(f"reindexing {total} documents from {get_settings().store_kind} into {index.kind}")
    with tqdm(total=total, unit="doc") as bar:
        done = reindex_all(store, index, progress=bar.update)
    print(f"indexed {done} documents")
    return 0


if __name__ == "__main__":
    sys.exit(main())
