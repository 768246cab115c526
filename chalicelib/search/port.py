"""The search port: what the API and the indexer need from a search engine.

Two adapters implement it: embedded.py (tantivy on local disk, the default) and
opensearch.py. Both parse the user's query with query.py, so the query language,
its errors, typo tolerance and prefix matching behave the same on either, and both
add the org filter themselves: no query string can reach another org's documents.
"""
from __future__ import annotations

from typing import Any, Callable, Iterable, Optional, Protocol, TypedDict

SearchDoc = dict[str, Any]  # flat search document, see documents.py


class SearchSyntaxError(ValueError):
    """The query (or a filter or cursor) is not valid: the API answers 400 with this message.
    `field` names the argument at fault ("q", "since", "until", "cursor", "type", "limit")."""

    def __init__(self, message: str, field: str = "q"):
        super().__init__(message)
        self.field = field


class SearchResult(TypedDict):
    id: str
    type: str
    title: str
    snippet: str          # HTML-escaped text with <mark>…</mark> around matches
    link: str
    status: Optional[str]
    project_id: Optional[str]
    created: str
    score: Optional[float]  # None when there is no text query (newest first)


class SearchPage(TypedDict):
    results: list[SearchResult]
    facets: dict[str, dict[str, int]]  # {"type": {...}, "status": {...}} over the whole org-filtered match
    total: int
    next: Optional[str]   # opaque cursor for the next page, None on the last


class SearchIndex(Protocol):
    kind: str  # "embedded" | "opensearch"

    def index(self, docs: list[SearchDoc]) -> None:
        """Upsert by doc["id"]; one batch, visible to searches once this returns."""

    def delete(self, ids: list[str]) -> None: ...

    def search(self, org_id: str, q: str, *, types: Optional[list[str]] = None,
               project_id: Optional[str] = None, status: Optional[str] = None,
               since: Optional[str] = None, until: Optional[str] = None,
               cursor: Optional[str] = None, limit: int = 20) -> SearchPage:
        """`since` <= created < `until` (ISO-8601). Empty `q`: everything matching the filters, newest first."""

    def delete_older_than(self, type: str, before: str) -> int:
        """Retention (log lines): delete documents of `type` created before `before`; returns how many."""

    def rebuild(self, docs_iter: Iterable[SearchDoc],
                progress: Optional[Callable[[int], None]] = None) -> int:
        """Build a fresh versioned index from `docs_iter`, then swap it in atomically; returns the count.
        `progress(n)` is called with the number of documents added since the last call."""

    def ping(self) -> dict[str, Any]: ...
