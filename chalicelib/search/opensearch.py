"""OpenSearch adapter (production): opensearch-py 2.x.

Documents live in versioned indices `{prefix}-search-v{N}` behind the alias
`{prefix}-search`; reads and writes use the alias, and rebuild() fills v{N+1}
and moves the alias in one atomic `_aliases` call. The user's query is parsed by
query.py and turned into DSL here (term/fuzzy/prefix/phrase clauses): no user
text ever reaches `query_string`, and the org filter is a `bool.filter` term on
every search and every delete-by-query.

Text fields use a pattern tokenizer equal to the embedded engine's (runs of
letters and digits, lowercased, long tokens dropped), so a word means the same
thing on both adapters.
"""
from __future__ import annotations

import html
import math
import re
from typing import Any, Callable, Iterable, Iterator, Optional
from urllib.parse import unquote, urlsplit

from opensearchpy import OpenSearch, helpers
from opensearchpy.exceptions import NotFoundError, RequestError

from chalicelib.search import query as Q
from chalicelib.search.port import SearchDoc, SearchPage, SearchResult, SearchSyntaxError

_TEXT_BOOST = {"title": 2.0, "body": 1.0}
_FUZZY_WEIGHT = 0.3
_PREFIX_WEIGHT = 0.5
_FRAGMENT = 160

SETTINGS: dict[str, Any] = {
    "analysis": {
        "tokenizer": {"lb_words": {"type": "pattern", "pattern": "[^\\p{L}\\p{N}]+"}},
        "filter": {"lb_long": {"type": "length", "max": Q.MAX_TOKEN_BYTES - 1}},
        "analyzer": {"lb_text": {"type": "custom", "tokenizer": "lb_words", "filter": ["lowercase", "lb_long"]}},
    },
}
MAPPINGS: dict[str, Any] = {
    "dynamic": "strict",  # a stray field (a secret, say) is refused instead of silently mapped
    "properties": {
        **{k: {"type": "keyword"} for k in ("id", "type", "org_id", "project_id", "status", "image", "actor")},
        "title": {"type": "text", "analyzer": "lb_text"},
        "body": {"type": "text", "analyzer": "lb_text"},
        "created": {"type": "date", "format": "strict_date_optional_time_nanos"},
        "link": {"type": "keyword", "index": False},
    },
}
_VERSION = re.compile(r"-v(\d+)$")


def _sort_value(v: Any) -> bool:
    """A search_after value as OpenSearch sent it (a score, a date in ms, an id): a sane scalar."""
    if isinstance(v, bool):
        return False
    if isinstance(v, int):
        return -2 ** 63 <= v < 2 ** 63  # a missing date sorts as Long.MIN_VALUE
    if isinstance(v, float):
        return math.isfinite(v)
    return isinstance(v, str) and len(v) <= 512


class OpenSearchIndex:
    kind = "opensearch"

    def __init__(self, client: OpenSearch, prefix: str = "launchbay", *, refresh: bool | str = False,
                 chunk_size: int = 500):
        self.client = client
        self.alias = f"{prefix}-search"
        # False: visible after the next refresh (about 1 s); True / "wait_for" for read-your-writes (tests)
        self.refresh = refresh
        self.chunk_size = chunk_size
        self._ready = False

    @classmethod
    def from_url(cls, url: str, prefix: str = "launchbay", **kwargs: Any) -> "OpenSearchIndex":
        parts = urlsplit(url)
        auth = (unquote(parts.username), unquote(parts.password or "")) if parts.username else None
        host = {"host": parts.hostname or "localhost", "port": parts.port or (443 if parts.scheme == "https" else 9200)}
        if parts.path.strip("/"):
            host["url_prefix"] = parts.path
        client_kwargs = kwargs.pop("client_kwargs", {})
        client = OpenSearch(hosts=[host], http_auth=auth, use_ssl=parts.scheme == "https",
                            verify_certs=parts.scheme == "https", timeout=10, max_retries=2,
                            retry_on_timeout=True, **client_kwargs)
        return cls(client, prefix, **kwargs)

    # --- indices and the alias ----------------------------------------------------
    def _name(self, n: int) -> str:
        return f"{self.alias}-v{n}"

    def _current(self) -> Optional[str]:
        try:
            found = self.client.indices.get_alias(name=self.alias)
        except NotFoundError:
            return None
        # normally one index; mid-swap by another process, the newest wins
        return max(found, key=lambda name: int(m.group(1)) if (m := _VERSION.search(name)) else -1) if found else None

    def _create(self, name: str, alias: bool) -> None:
        body: dict[str, Any] = {"settings": SETTINGS, "mappings": MAPPINGS}
        if alias:
            body["aliases"] = {self.alias: {}}
        try:
            self.client.indices.create(index=name, body=body)
        except RequestError as exc:  # another process created it first: fine
            if exc.error != "resource_already_exists_exception":
                raise

    def _ensure(self) -> None:
        if self._ready:
            return
        if self._current() is None:
            self._create(self._name(1), alias=True)
        self._ready = True

    # --- writes -------------------------------------------------------------------
    def _action(self, d: SearchDoc, index: str) -> dict[str, Any]:
        src = {k: v for k, v in d.items() if k in MAPPINGS["properties"] and v not in (None, "")}
        return {"_op_type": "index", "_index": index, "_id": str(d["id"]), "_source": src}

    def index(self, docs: list[SearchDoc]) -> None:
        if not docs:
            return
        self._ensure()
        helpers.bulk(self.client, (self._action(d, self.alias) for d in docs), chunk_size=self.chunk_size,
                     refresh=self.refresh)

    def delete(self, ids: list[str]) -> None:
        if not ids:
            return
        self._ensure()
        actions = ({"_op_type": "delete", "_index": self.alias, "_id": str(i)} for i in ids)
        helpers.bulk(self.client, actions, chunk_size=self.chunk_size, ignore_status=(404,), refresh=self.refresh)

    def delete_older_than(self, type: str, before: str) -> int:
        cutoff, _ = Q.retention_cutoff(type, before)
        self._ensure()
        body = {"query": {"bool": {"filter": [{"term": {"type": type}}, {"range": {"created": {"lt": cutoff}}}]}}}
        res = self.client.delete_by_query(index=self.alias, body=body, conflicts="proceed",
                                          refresh=bool(self.refresh))
        return int(res.get("deleted", 0))

    def rebuild(self, docs_iter: Iterable[SearchDoc], progress: Optional[Callable[[int], None]] = None) -> int:
        current = self._current()
        found = _VERSION.search(current) if current else None
        n = int(found.group(1)) + 1 if found else 1
        new = self._name(n)
        self.client.indices.delete(index=new, ignore=[404])  # leftover of a rebuild that died before its swap
        self._create(new, alias=False)
        count = 0

        def actions() -> Iterator[dict[str, Any]]:
            nonlocal count
            for d in docs_iter:
                count += 1
                if progress and count % self.chunk_size == 0:
                    progress(self.chunk_size)
                yield self._action(d, new)

        helpers.bulk(self.client, actions(), chunk_size=self.chunk_size)
        if progress and count % self.chunk_size:
            progress(count % self.chunk_size)
        self.client.indices.refresh(index=new)
        swap: list[dict[str, Any]] = [{"add": {"index": new, "alias": self.alias}}]
        if current:
            swap.insert(0, {"remove": {"index": current, "alias": self.alias}})
        self.client.indices.update_aliases(body={"actions": swap})  # atomic: searches see old or new
        if current:
            self.client.indices.delete(index=current, ignore=[404])
        self._ready = True
        return count

    def ping(self) -> dict[str, Any]:
        try:
            return {"ok": bool(self.client.ping()), "kind": self.kind}
        except Exception as exc:  # health checks report, they do not raise
            return {"ok": False, "kind": self.kind, "error": str(exc)}

    # --- search -------------------------------------------------------------------
    def build_search(self, req: Q.Request) -> dict[str, Any]:
        """The request body for a validated search (public for the request tests)."""
        filters: list[dict[str, Any]] = [{"term": {"org_id": req.org_id}}]  # always, whatever the query says
        if req.types:
            filters.append({"terms": {"type": req.types}})
        if req.project_id:
            filters.append({"term": {"project_id": req.project_id}})
        if req.status:
            filters.append({"term": {"status": req.status}})
        if req.since or req.until:
            filters.append({"range": {"created": {k: v for k, v in (("gte", req.since), ("lt", req.until)) if v}}})
        boolean: dict[str, Any] = {"filter": filters}
        if req.node is not None:
            boolean["must"] = [self._node(req.node)]
        sort: list[Any] = [{"created": "desc"}, {"id": "asc"}]
        if req.scored:
            sort.insert(0, {"_score": "desc"})
        body: dict[str, Any] = {
            "query": {"bool": boolean},
            "size": req.limit + 1,   # one more than asked: tells whether there is a next page
            "sort": sort,
            "track_total_hits": True,
            "_source": ["id", "type", "title", "body", "link", "status", "project_id", "created"],
            "aggs": {"type": {"terms": {"field": "type", "size": 10}},
                     "status": {"terms": {"field": "status", "size": 50}}},
            "highlight": {"pre_tags": ["<mark>"], "post_tags": ["</mark>"], "encoder": "html",
                          "fields": {"body": {"fragment_size": _FRAGMENT, "number_of_fragments": 1},
                                     "title": {"number_of_fragments": 0}}},
        }
        after = req.cursor.get("a")
        if req.cursor:
            if not isinstance(after, list) or len(after) != len(sort) or set(req.cursor) != {"a"} \
                    or not all(_sort_value(v) for v in after):
                raise SearchSyntaxError("cursor is not valid", field="cursor")
            body["search_after"] = after
        return body

    def search(self, org_id: str, q: str, *, types: Optional[list[str]] = None,
               project_id: Optional[str] = None, status: Optional[str] = None,
               since: Optional[str] = None, until: Optional[str] = None,
               cursor: Optional[str] = None, limit: int = Q.DEFAULT_LIMIT) -> SearchPage:
        req = Q.prepare(org_id, q, types=types, project_id=project_id, status=status, since=since,
                        until=until, cursor=cursor, limit=limit)
        body = self.build_search(req)
        try:
            res = self.client.search(index=self.alias, body=body)
        except NotFoundError:  # nothing indexed yet
            return {"results": [], "facets": {"type": {}, "status": {}}, "total": 0, "next": None}
        hits = res["hits"]["hits"]
        page = hits[:req.limit]
        aggs = res.get("aggregations", {})
        return {
            "results": [self._result(h, req.scored) for h in page],
            "facets": {f: {b["key"]: b["doc_count"] for b in aggs.get(f, {}).get("buckets", [])}
                       for f in ("type", "status")},
            "total": res["hits"]["total"]["value"],
            "next": Q.encode_cursor({"a": page[-1]["sort"]}) if len(hits) > req.limit else None,
        }

    @staticmethod
    def _result(hit: dict[str, Any], scored: bool) -> SearchResult:
        src, hl = hit["_source"], hit.get("highlight", {})
        snippet = (hl.get("body") or hl.get("title") or [None])[0]
        if snippet is None:
            body = src.get("body") or src.get("title") or ""
            snippet = html.escape(body[:_FRAGMENT]) + ("…" if len(body) > _FRAGMENT else "")
        return {"id": src.get("id", hit["_id"]), "type": src.get("type"), "title": src.get("title") or "",
                "snippet": snippet, "link": src.get("link"), "status": src.get("status"),
                "project_id": src.get("project_id"), "created": src.get("created"),
                "score": float(hit["_score"]) if scored and hit.get("_score") is not None else None}

    # --- query tree -> DSL ----------------------------------------------------------
    def _node(self, n: Q.Node) -> dict[str, Any]:
        if isinstance(n, Q.Term):
            should: list[dict[str, Any]] = []
            d = Q.fuzziness(n.word)
            for f, b in _TEXT_BOOST.items():
                should.append({"term": {f: {"value": n.word, "boost": b}}})
                if d:
                    should.append({"fuzzy": {f: {"value": n.word, "fuzziness": d, "transpositions": True,
                                                 "prefix_length": 0, "boost": b * _FUZZY_WEIGHT}}})
                if n.prefix:
                    should.append({"prefix": {f: {"value": n.word, "boost": b * _PREFIX_WEIGHT}}})
            return {"bool": {"should": should, "minimum_should_match": 1}}
        if isinstance(n, Q.Prefix):
            return {"bool": {"should": [{"prefix": {f: {"value": n.word, "boost": b}}} for f, b in _TEXT_BOOST.items()],
                             "minimum_should_match": 1}}
        if isinstance(n, Q.Phrase):
            kind = "match_phrase_prefix" if n.prefix else "match_phrase"
            return {"bool": {"should": [{kind: {f: {"query": " ".join(n.words), "boost": b}}}
                                        for f, b in _TEXT_BOOST.items()], "minimum_should_match": 1}}
        if isinstance(n, Q.Field):
            clause = {"prefix" if n.prefix else "term": {n.name: n.value}}
            return {"constant_score": {"filter": clause, "boost": 0.0}}
        if isinstance(n, Q.Not):
            return {"bool": {"must_not": [self._node(n.child)]}}
        if isinstance(n, Q.And):
            must = [self._node(c) for c in n.children if not isinstance(c, Q.Not)]
            must_not = [self._node(c.child) for c in n.children if isinstance(c, Q.Not)]
            out: dict[str, Any] = {}
            if must:
                out["must"] = must
            if must_not:
                out["must_not"] = must_not
            return {"bool": out}
        if isinstance(n, Q.Or):
            return {"bool": {"should": [self._node(c) for c in n.children], "minimum_should_match": 1}}
        raise SearchSyntaxError("query is not valid")  # unreachable: query.py builds only the nodes above
