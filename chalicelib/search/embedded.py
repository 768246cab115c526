"""Embedded search: tantivy on local disk (the default when OPENSEARCH_URL is not set).

Layout under `root`:
    CURRENT       the live version's directory name ("v000003"), replaced atomically
    v000003/      a tantivy index
    writer.lock   flock held by the one process that writes (see below)

tantivy allows one writer per index, so indexing runs in ONE process (the Celery
consumer of the search queue, which also runs rebuilds), while any number of
processes (the API workers) search. Readers open the live version with
`Index.open` and never create a writer, so they never take tantivy's lock; they
notice new commits by a stat of meta.json and call `reload()` (tantivy does not
pick commits up by itself soon enough), and a rebuild by the pointer changing.
The writer is opened lazily, on the first index()/delete()/rebuild(), and holds
`writer.lock` from then on so that a second writer fails clearly instead of
racing a rebuild.
"""
from __future__ import annotations

import fcntl
import os
import shutil
import time
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable, Iterable, Optional

import tantivy

from chalicelib.search import query as Q
from chalicelib.search.port import SearchDoc, SearchPage, SearchResult, SearchSyntaxError

_KEYWORDS = ("id", "type", "org_id", "project_id", "status", "image", "actor", "link", "created")
_FACET_FIELDS = ("type", "status")
_TEXT_BOOST = {"title": 2.0, "body": 1.0}
_FUZZY_WEIGHT = 0.3   # fuzzy and prefix matches score a constant: keep them below exact (BM25) hits
_PREFIX_WEIGHT = 0.5
POINTER = "CURRENT"
# Bump when _schema() changes: a version directory built by older code is then never opened
# (readers answer empty, the writer starts a fresh version); run indexer.reindex_all() after.
SCHEMA_VERSION = "2"
_FACET_CACHE = 256  # facet results kept per process, keyed by the index state and the match

_pools: dict[int, ThreadPoolExecutor] = {}


def _pool() -> ThreadPoolExecutor:
    """One helper thread per process (created after any fork, never inherited)."""
    pid = os.getpid()
    if pid not in _pools:
        _pools.clear()
        _pools[pid] = ThreadPoolExecutor(max_workers=1, thread_name_prefix="search-facets")
    return _pools[pid]


def _schema() -> tantivy.Schema:
    sb = tantivy.SchemaBuilder()
    for name in _KEYWORDS:  # whole values: filters, facets (fast), stored for results
        sb.add_text_field(name, stored=True, tokenizer_name="raw", fast=name in _FACET_FIELDS)
    sb.add_text_field("title", stored=True)   # default tokenizer: alphanumeric runs, lowercased
    sb.add_text_field("body", stored=True)
    # title + body again, documents only (no positions): one field for the fuzzy and prefix
    # automata instead of one per field, which is what a query word costs most
    sb.add_text_field("text", index_option="basic")
    sb.add_integer_field("ts", indexed=True, fast=True)  # created, microseconds: sort and range
    return sb.build()


class EmbeddedIndex:
    kind = "embedded"

    def __init__(self, root: str | os.PathLike, *, writer_heap: int = 64_000_000,
                 writer_threads: int = 1, lock_timeout: float = 30.0):
        self.root = Path(root)
        self.schema = _schema()
        self.writer_heap = writer_heap
        self.writer_threads = writer_threads
        self.lock_timeout = lock_timeout
        self._reader: Optional[tuple[str, Any]] = None   # (version, tantivy.Index)
        self._meta_sig: Optional[tuple[int, int, int]] = None
        self._writer: Optional[Any] = None
        self._writer_version: Optional[str] = None
        self._writer_index: Optional[Any] = None
        self._lock_fd: Optional[int] = None
        self._facet_cache: OrderedDict[tuple, dict[str, dict[str, int]]] = OrderedDict()

    # --- versions ---------------------------------------------------------------
    def _current(self) -> Optional[str]:
        try:
            return (self.root / POINTER).read_text().strip() or None
        except FileNotFoundError:
            return None

    def _swap_pointer(self, version: str) -> None:
        tmp = self.root / f".{POINTER}.{os.getpid()}"
        tmp.write_text(version)
        os.replace(tmp, self.root / POINTER)  # atomic: readers see the old or the new name

    def _compatible(self, version: str) -> bool:
        try:
            return (self.root / version / "SCHEMA").read_text().strip() == SCHEMA_VERSION
        except FileNotFoundError:
            return False

    def _versions(self) -> list[str]:
        return sorted(p.name for p in self.root.glob("v[0-9]*") if p.is_dir())

    def _next_version(self) -> str:
        nums = [int(v[1:]) for v in self._versions()]
        return f"v{(max(nums) + 1 if nums else 1):06d}"

    # --- reader side: never takes the writer lock ---------------------------------
    def _searcher(self) -> Optional[Any]:
        version = self._current()
        if version is None:
            return None  # nothing indexed yet
        if self._reader is None or self._reader[0] != version:
            if not self._compatible(version):
                return None  # built by older code: empty until the writer starts a new version
            ix = tantivy.Index.open(str(self.root / version))
            ix.config_reader(reload_policy="manual")  # we reload on our own signal below
            self._reader, self._meta_sig = (version, ix), None
        ix = self._reader[1]
        try:
            st = os.stat(self.root / version / "meta.json")
            sig = (st.st_ino, st.st_mtime_ns, st.st_size)
        except FileNotFoundError:
            sig = None
        if sig != self._meta_sig:
            ix.reload()
            self._meta_sig = sig
        return ix.searcher()

    # --- writer side: one process ------------------------------------------------
    def _lock(self) -> None:
        if self._lock_fd is not None:
            return
        self.root.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.root / "writer.lock", os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.monotonic() + self.lock_timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    os.close(fd)
                    raise RuntimeError(f"another process is writing the search index in {self.root} "
                                       "(index from the search queue consumer only)") from None
                time.sleep(0.05)
        self._lock_fd = fd

    def _new_index(self, version: str) -> Any:
        path = self.root / version
        if path.exists():  # leftover of a rebuild that crashed before its swap
            shutil.rmtree(path)
        path.mkdir(parents=True)
        ix = tantivy.Index(self.schema, path=str(path))
        (path / "SCHEMA").write_text(SCHEMA_VERSION)
        return ix

    def _get_writer(self) -> Any:
        if self._writer is None:
            self._lock()
            version = self._current()
            if version is None or not self._compatible(version):
                version = self._next_version()
                ix = self._new_index(version)
                self._swap_pointer(version)
            else:
                ix = tantivy.Index.open(str(self.root / version))
            self._writer_index = ix
            self._writer = ix.writer(self.writer_heap, self.writer_threads)
            self._writer_version = version
        return self._writer

    def close(self) -> None:
        """Release the writer (and its locks) so that another process may write."""
        if self._writer is not None:
            self._writer.wait_merging_threads()  # consumes the writer, releasing tantivy's lock
        self._writer = self._writer_index = self._writer_version = None
        if self._lock_fd is not None:
            os.close(self._lock_fd)  # closing the fd drops the flock
            self._lock_fd = None

    def _doc(self, d: SearchDoc) -> Any:
        doc = tantivy.Document()
        for name in _KEYWORDS:
            if d.get(name):
                doc.add_text(name, str(d[name]))
        for name in ("title", "body"):
            if d.get(name):
                doc.add_text(name, str(d[name]))
        if d.get("title") or d.get("body"):
            doc.add_text("text", f"{d.get('title') or ''} {d.get('body') or ''}")
        try:
            ts = Q.to_micros(d["created"]) if d.get("created") else 0
        except (ValueError, OverflowError):
            ts = 0
        doc.add_integer("ts", ts)
        return doc

    def index(self, docs: list[SearchDoc]) -> None:
        if not docs:
            return
        w = self._get_writer()
        for d in docs:
            # a delete only hits documents added before it, so delete-then-add is an upsert
            # even when the same id comes twice in one batch
            w.delete_documents_by_term("id", str(d["id"]))
            w.add_document(self._doc(d))
        w.commit()

    def delete(self, ids: list[str]) -> None:
        if not ids:
            return
        w = self._get_writer()
        for i in ids:
            w.delete_documents_by_term("id", str(i))
        w.commit()

    def delete_older_than(self, type: str, before: str) -> int:
        _, cutoff = Q.retention_cutoff(type, before)
        w = self._get_writer()
        ix = self._writer_index
        assert ix is not None  # opened with the writer
        old = tantivy.Query.boolean_query([
            (tantivy.Occur.Must, tantivy.Query.term_query(self.schema, "type", type)),
            (tantivy.Occur.Must, tantivy.Query.range_query(self.schema, "ts", tantivy.FieldType.Integer,
                                                           None, cutoff, include_upper=False)),
        ])
        ix.reload()
        n = ix.searcher().search(old, 1, count=True).count
        if n:
            w.delete_documents_by_query(old)
            w.commit()
        return n

    def rebuild(self, docs_iter: Iterable[SearchDoc], progress: Optional[Callable[[int], None]] = None,
                *, batch: int = 10_000) -> int:
        writer = self._get_writer()  # takes writer.lock: no one else writes while we build
        version = self._next_version()
        ix = self._new_index(version)
        w = ix.writer(max(self.writer_heap, 128_000_000), 0)  # bulk: more heap, all cores
        count = pending = 0
        for d in docs_iter:
            w.add_document(self._doc(d))
            count += 1
            pending += 1
            if pending >= batch and progress:
                progress(pending)
                pending = 0
        w.commit()
        w.wait_merging_threads()
        if progress and pending:
            progress(pending)
        old = self._writer_version
        writer.wait_merging_threads()  # let go of the old version's tantivy lock
        self._swap_pointer(version)
        self._writer_index, self._writer_version = ix, version
        self._writer = ix.writer(self.writer_heap, self.writer_threads)
        # Keep the version before: a reader elsewhere may still be on it until its next search.
        for v in self._versions():
            if v < (old or version) and v != version:
                shutil.rmtree(self.root / v, ignore_errors=True)
        return count

    def ping(self) -> dict[str, Any]:
        try:
            s, version = self._searcher(), self._current()
            if s is None and version is not None:
                return {"ok": False, "kind": self.kind, "version": version,
                        "error": "search index was built by an older version: reindex"}
            return {"ok": True, "kind": self.kind, "version": version, "docs": s.num_docs if s else 0}
        except Exception as exc:  # health checks report, they do not raise
            return {"ok": False, "kind": self.kind, "error": str(exc)}

    # --- search --------------------------------------------------------------------
    def search(self, org_id: str, q: str, *, types: Optional[list[str]] = None,
               project_id: Optional[str] = None, status: Optional[str] = None,
               since: Optional[str] = None, until: Optional[str] = None,
               cursor: Optional[str] = None, limit: int = Q.DEFAULT_LIMIT) -> SearchPage:
        req = Q.prepare(org_id, q, types=types, project_id=project_id, status=status, since=since,
                        until=until, cursor=cursor, limit=limit)
        offset = req.cursor.get("o", 0)
        if (req.cursor and set(req.cursor) != {"o"}) or not isinstance(offset, int) \
                or not 0 <= offset <= Q.MAX_OFFSET:
            raise SearchSyntaxError("cursor is not valid", field="cursor")
        empty: SearchPage = {"results": [], "facets": {"type": {}, "status": {}}, "total": 0, "next": None}
        searcher = self._searcher()
        if searcher is None:
            return empty
        query = self._query(req)
        # Facets run the query a second time (an aggregation): in parallel with the top-k search
        # (tantivy releases the GIL), and not at all when the same match was just counted (paging).
        key = (self._reader[0] if self._reader else None, self._meta_sig, req.org_id, req.node,
               tuple(req.types or ()), req.project_id, req.status, req.since_us, req.until_us)
        facets = self._facet_cache.get(key)
        pending = None if facets is not None else _pool().submit(self._facets, searcher, query)
        if req.scored:
            res = searcher.search(query, req.limit + 1, count=True, offset=offset)
        else:
            res = searcher.search(query, req.limit + 1, count=True, offset=offset, order_by_field="ts",
                                  order=tantivy.Order.Desc)
        hits = res.hits[:req.limit]
        more = len(res.hits) > req.limit and offset + req.limit < Q.MAX_OFFSET
        match = Q.matcher(req.node)
        results = [self._result(searcher.doc(addr), score if req.scored else None, match)
                   for score, addr in hits]
        if pending is not None:
            facets = pending.result()
            self._facet_cache[key] = facets
            while len(self._facet_cache) > _FACET_CACHE:
                self._facet_cache.popitem(last=False)
        else:
            self._facet_cache.move_to_end(key)
        assert facets is not None  # cached, or just computed
        return {"results": results, "facets": facets, "total": res.count,
                "next": Q.encode_cursor({"o": offset + req.limit}) if more else None}

    def _facets(self, searcher: Any, query: Any) -> dict[str, dict[str, int]]:
        aggs = searcher.aggregate(query, {f: {"terms": {"field": f, "size": 50}} for f in _FACET_FIELDS})
        return {f: {b["key"]: b["doc_count"] for b in aggs[f]["buckets"] if b["key"]} for f in _FACET_FIELDS}

    def _result(self, doc: Any, score: Optional[float], match: Any) -> SearchResult:
        d = doc.to_dict()

        def get(k: str) -> Any:  # the stored value (documents.py gives every doc id, type, link, created)
            return d[k][0] if d.get(k) else None

        snippet, hit = Q.highlight(get("body") or "", match)
        if not hit:
            title, title_hit = Q.highlight(get("title") or "", match)
            if title_hit or not snippet:
                snippet = title
        return {"id": get("id"), "type": get("type"), "title": get("title") or "", "snippet": snippet,
                "link": get("link"), "status": get("status"), "project_id": get("project_id"),
                "created": get("created"), "score": float(score) if score is not None else None}

    # --- query tree -> tantivy -------------------------------------------------------
    def _query(self, req: Q.Request) -> Any:
        T, O, s = tantivy.Query, tantivy.Occur, self.schema
        filters = [T.term_query(s, "org_id", req.org_id)]   # always, whatever the query says
        if req.types:  # a plain term is cheaper than a term set for the usual single type
            filters.append(T.term_query(s, "type", req.types[0]) if len(req.types) == 1
                           else T.term_set_query(s, "type", req.types))
        if req.project_id:
            filters.append(T.term_query(s, "project_id", req.project_id))
        if req.status:
            filters.append(T.term_query(s, "status", req.status))
        if req.since_us is not None or req.until_us is not None:
            filters.append(T.range_query(s, "ts", tantivy.FieldType.Integer, req.since_us, req.until_us,
                                         include_upper=req.until_us is None))  # since <= ts < until
        clauses = [(O.Must, T.const_score_query(f, 0.0)) for f in filters]
        if req.node is not None:
            clauses.append((O.Must, self._node(req.node)))
        return T.boolean_query(clauses)

    def _node(self, n: Q.Node) -> Any:
        T, O, s = tantivy.Query, tantivy.Occur, self.schema
        if isinstance(n, Q.Term):
            # exact matches are ranked by BM25 per field; typo and prefix matches score a constant
            subs = [T.boost_query(T.term_query(s, f, n.word), boost) for f, boost in _TEXT_BOOST.items()]
            d = Q.fuzziness(n.word)
            if d:
                subs.append(T.boost_query(T.fuzzy_term_query(s, "text", n.word, d, True, False), _FUZZY_WEIGHT))
            if n.prefix:
                subs.append(T.boost_query(T.fuzzy_term_query(s, "text", n.word, 0, True, True), _PREFIX_WEIGHT))
            return T.boolean_query([(O.Should, q) for q in subs])
        if isinstance(n, Q.Prefix):
            # NOTES.md: parse_query('kuber*') matches nothing; a distance-0 fuzzy prefix query does
            return T.fuzzy_term_query(s, "text", n.word, 0, True, True)
        if isinstance(n, Q.Phrase):
            make = T.phrase_prefix_query if n.prefix else T.phrase_query
            return T.boolean_query([(O.Should, T.boost_query(make(s, f, list(n.words)), b))
                                    for f, b in _TEXT_BOOST.items()])
        if isinstance(n, Q.Field):
            q = (T.fuzzy_term_query(s, n.name, n.value, 0, True, True) if n.prefix
                 else T.term_query(s, n.name, n.value))
            return T.const_score_query(q, 0.0)
        if isinstance(n, Q.Not):
            everything = T.const_score_query(T.all_query(), 0.0)  # tantivy: MustNot alone matches nothing
            return T.boolean_query([(O.Must, everything), (O.MustNot, self._node(n.child))])
        if isinstance(n, Q.And):
            clauses = [(O.MustNot, self._node(c.child)) if isinstance(c, Q.Not) else (O.Must, self._node(c))
                       for c in n.children]
            if all(o == O.MustNot for o, _ in clauses):
                clauses.append((O.Must, T.const_score_query(T.all_query(), 0.0)))
            return T.boolean_query(clauses)
        if isinstance(n, Q.Or):
            return T.boolean_query([(O.Should, self._node(c)) for c in n.children])
        raise SearchSyntaxError("query is not valid")  # unreachable: query.py builds only the nodes above
