"""The OpenSearch adapter's requests, checked on a recorded transport: the client gets a
Connection subclass that records method, URL, params and body and answers canned JSON.
There is no OpenSearch server here; the contract suite runs against one when
OPENSEARCH_URL is set."""
from __future__ import annotations

import base64
import json
import re
from typing import Any, Callable

import pytest
from opensearchpy import Connection, OpenSearch

from chalicelib.search.opensearch import MAPPINGS, OpenSearchIndex
from chalicelib.search.port import SearchSyntaxError
from chalicelib.search.query import decode_cursor

ORG = "org_a"
ALIAS = "launchbay-search"


class Server:
    """Canned answers keyed by (method, url regex); records every request."""

    def __init__(self) -> None:
        self.log: list[dict[str, Any]] = []
        self.routes: list[tuple[str, str, Callable[[dict], tuple[int, Any]]]] = []
        self.alias_of: str | None = None   # the index the alias points at
        self.search_answer: dict[str, Any] = _answer([])

    def on(self, method: str, pattern: str, fn: Callable[[dict], tuple[int, Any]]) -> None:
        self.routes.insert(0, (method, pattern, fn))

    def handle(self, req: dict) -> tuple[int, Any]:
        for method, pattern, fn in self.routes:
            if req["method"] == method and re.fullmatch(pattern, req["url"]):
                return fn(req)
        m, url = req["method"], req["url"]
        if m == "HEAD" and url == "/":
            return 200, {}
        if m == "GET" and url == f"/_alias/{ALIAS}":
            if self.alias_of is None:
                return 404, {"error": "alias [launchbay-search] missing", "status": 404}
            return 200, {self.alias_of: {"aliases": {ALIAS: {}}}}
        if m == "PUT" and re.fullmatch(r"/launchbay-search-v\d+", url):
            if req["body"].get("aliases"):
                self.alias_of = url[1:]
            return 200, {"acknowledged": True, "index": url[1:]}
        if m == "POST" and url == "/_bulk":
            items = []
            for line in req["ndjson"]:
                op = next(iter(line)) if len(line) == 1 and next(iter(line)) in ("index", "delete") else None
                if op:
                    items.append({op: {"_id": line[op]["_id"], "_index": "x", "status": 201 if op == "index" else 404}})
            return 200, {"took": 1, "errors": False, "items": items}
        if m == "POST" and url.endswith("/_search"):
            return 200, self.search_answer
        if m == "POST" and url.endswith("/_delete_by_query"):
            return 200, {"deleted": 3}
        if m == "POST" and url == "/_aliases":
            return 200, {"acknowledged": True}
        if m in ("POST", "GET") and url.endswith("/_refresh"):
            return 200, {"_shards": {}}
        if m == "DELETE":
            return 200, {"acknowledged": True}
        return 400, {"error": f"no canned answer for {m} {url}"}

    def requests(self, method: str, pattern: str) -> list[dict]:
        return [r for r in self.log if r["method"] == method and re.fullmatch(pattern, r["url"])]


def _answer(hits: list[dict], total: int | None = None, aggs: dict | None = None) -> dict:
    return {"took": 1, "hits": {"total": {"value": len(hits) if total is None else total, "relation": "eq"},
                                "hits": hits}, "aggregations": aggs or {}}


def _hit(i: int, **extra: Any) -> dict:
    src = {"id": f"dep_{i}", "type": "deployment", "title": f"api deployment #{i}", "body": "deployment failed",
           "link": f"/v1/orgs/{ORG}/deployments/dep_{i}", "status": "failed", "project_id": "prj_1",
           "created": f"2026-11-25T15:00:{i:02d}.000000Z"}
    return {"_id": src["id"], "_score": 2.5, "_source": src, "sort": [2.5, 1795618800000 + i, src["id"]], **extra}


@pytest.fixture
def server() -> Server:
    return Server()


@pytest.fixture
def client(server: Server) -> OpenSearch:
    class Recorded(Connection):
        def perform_request(self, method, url, params=None, body=None, timeout=None, ignore=(), headers=None):
            text = body.decode() if isinstance(body, bytes) else body
            req: dict[str, Any] = {"method": method, "url": url, "raw": text,
                                   "params": {k: v.decode() if isinstance(v, bytes) else v
                                              for k, v in (params or {}).items()}}
            if text and method == "POST" and url.endswith("/_bulk"):
                req["ndjson"] = [json.loads(line) for line in text.splitlines() if line]
            else:
                req["body"] = json.loads(text) if text else {}
            server.log.append(req)
            status, data = server.handle(req)
            raw = json.dumps(data)
            if not 200 <= status < 300 and status not in ignore:
                self._raise_error(status, raw, "application/json")
            return status, {"content-type": "application/json"}, raw

    return OpenSearch(hosts=[{"host": "recorded", "port": 9200}], connection_class=Recorded, max_retries=0)


@pytest.fixture
def ix(client: OpenSearch) -> OpenSearchIndex:
    return OpenSearchIndex(client, "launchbay", chunk_size=2)


def doc(i: int, **kw: Any) -> dict:
    d = {"id": f"svc_{i}", "type": "service", "org_id": ORG, "project_id": "prj_1", "title": f"web {i}",
         "body": "nginx web", "status": "live", "image": "nginx:1.25", "actor": None,
         "created": "2026-11-25T15:00:00.000000Z", "link": f"/v1/orgs/{ORG}/services/svc_{i}"}
    return {**d, **kw}


# --- connection -----------------------------------------------------------------------

def test_from_url_reads_auth_tls_port_and_prefix():
    ix = OpenSearchIndex.from_url("https://admin:s%40cret@search.internal:9443", prefix="acme", refresh=True)
    [conn] = ix.client.transport.connection_pool.connections
    assert conn.host == "https://search.internal:9443"
    assert conn.headers["authorization"] == "Basic " + base64.b64encode(b"admin:s@cret").decode()
    assert ix.alias == "acme-search" and ix.refresh is True and ix.kind == "opensearch"
    plain = OpenSearchIndex.from_url("http://localhost:9200")
    assert plain.client.transport.connection_pool.connections[0].host == "http://localhost:9200"


# --- index creation and bulk ----------------------------------------------------------------

def test_first_index_creates_v1_with_explicit_mappings_behind_the_alias(ix, server):
    ix.index([doc(1)])
    [create] = server.requests("PUT", r"/launchbay-search-v1")
    body = create["body"]
    assert body["aliases"] == {ALIAS: {}}
    props = body["mappings"]["properties"]
    assert body["mappings"]["dynamic"] == "strict"
    assert props["org_id"] == {"type": "keyword"} and props["type"] == {"type": "keyword"}
    assert props["title"] == {"type": "text", "analyzer": "lb_text"} == props["body"]
    assert props["created"]["type"] == "date" and props["link"]["index"] is False
    analysis = body["settings"]["analysis"]
    assert analysis["analyzer"]["lb_text"]["filter"][0] == "lowercase"
    assert analysis["tokenizer"]["lb_words"] == {"type": "pattern", "pattern": "[^\\p{L}\\p{N}]+"}
    assert set(props) == set(MAPPINGS["properties"])


def test_bulk_is_ndjson_to_the_alias_in_chunks_without_empty_fields(ix, server):
    ix.index([doc(i) for i in range(5)])
    bulks = server.requests("POST", "/_bulk")
    assert [len(b["ndjson"]) for b in bulks] == [4, 4, 2]       # chunk_size=2: action + source lines
    assert all(b["raw"].endswith("\n") for b in bulks)
    lines = [line for b in bulks for line in b["ndjson"]]
    actions, sources = lines[0::2], lines[1::2]
    assert actions[0] == {"index": {"_index": ALIAS, "_id": "svc_0"}}
    assert [a["index"]["_id"] for a in actions] == [f"svc_{i}" for i in range(5)]
    assert sources[0] == {k: v for k, v in doc(0).items() if v is not None}
    assert "actor" not in sources[0]
    ix.index([doc(9)])
    assert len(server.requests("PUT", r"/launchbay-search-v\d+")) == 1   # the index is created once


def test_an_existing_alias_is_reused(ix, server):
    server.alias_of = "launchbay-search-v7"
    ix.index([doc(1)])
    assert server.requests("PUT", r".*") == []
    assert server.requests("POST", "/_bulk")[0]["ndjson"][0]["index"]["_index"] == ALIAS


def test_refresh_is_passed_when_asked(client, server):
    OpenSearchIndex(client, refresh="wait_for").index([doc(1)])
    assert server.requests("POST", "/_bulk")[0]["params"]["refresh"] == "wait_for"


def test_delete_sends_delete_actions_and_tolerates_missing(ix, server):
    server.alias_of = "launchbay-search-v1"
    ix.delete(["svc_1", "svc_2", "svc_3"])    # the canned answer says 404 for each: fine
    lines = [line for b in server.requests("POST", "/_bulk") for line in b["ndjson"]]
    assert lines == [{"delete": {"_index": ALIAS, "_id": f"svc_{i}"}} for i in (1, 2, 3)]


# --- search -----------------------------------------------------------------------------

def _body(server: Server) -> dict:
    return server.requests("POST", rf"/{ALIAS}/_search")[-1]["body"]


def _org_ids(obj: Any) -> list[Any]:
    """Every value ever given for org_id anywhere in a request body."""
    found = []
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k == "org_id":
                found.append(v)
            found += _org_ids(v)
    elif isinstance(obj, list):
        for v in obj:
            found += _org_ids(v)
    return found


@pytest.mark.parametrize("q", [
    "", "deployment", "kube", '"connection refused"', "a OR b", "-x", "type:log status:failed image:ng*",
    "zebrasecret OR (kube* -failed)", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 🚀", "'; DROP", "{!lucene}", "deployment " * 30,
])
def test_every_search_is_filtered_by_org_and_never_query_string(ix, server, q):
    ix.search(ORG, q, types=["log"], project_id="prj_1", status="failed")
    body = _body(server)
    assert body["query"]["bool"]["filter"][0] == {"term": {"org_id": ORG}}
    assert _org_ids(body) == [ORG]     # the filter is the one and only place org_id appears
    text = json.dumps(body)
    assert "query_string" not in text and "simple_query_string" not in text and "script" not in text


@pytest.mark.parametrize("q", ["org_id:org_b", "* OR org_id:x", ")(", '"', "x" * 600])
def test_rejected_queries_never_reach_the_server(ix, server, q):
    with pytest.raises(SearchSyntaxError):
        ix.search(ORG, q)
    assert server.requests("POST", r".*_search") == []


def test_filters_become_bool_filters(ix, server):
    ix.search(ORG, "", types=["log", "audit"], project_id="prj_2", status="error",
              since="2026-11-25T15:00:00Z", until="2026-11-26T00:00:00+00:00")
    assert _body(server)["query"]["bool"]["filter"] == [
        {"term": {"org_id": ORG}}, {"terms": {"type": ["audit", "log"]}}, {"term": {"project_id": "prj_2"}},
        {"term": {"status": "error"}},
        {"range": {"created": {"gte": "2026-11-25T15:00:00.000000Z", "lt": "2026-11-26T00:00:00.000000Z"}}},
    ]
    body = _body(server)
    assert "must" not in body["query"]["bool"]
    assert body["sort"] == [{"created": "desc"}, {"id": "asc"}]   # no text: newest first


def test_words_are_exact_fuzzy_and_the_last_one_a_prefix(ix, server):
    ix.search(ORG, "deplyoment kube")
    [first, last] = _body(server)["query"]["bool"]["must"][0]["bool"]["must"]
    should = first["bool"]["should"]
    assert {"term": {"title": {"value": "deplyoment", "boost": 2.0}}} in should
    fuzzy = [c["fuzzy"]["body"] for c in should if "fuzzy" in c and "body" in c["fuzzy"]]
    assert fuzzy == [{"value": "deplyoment", "fuzziness": 2, "transpositions": True, "prefix_length": 0,
                      "boost": pytest.approx(0.3)}]
    assert not any("prefix" in c for c in should)
    prefixes = [c["prefix"] for c in last["bool"]["should"] if "prefix" in c]
    assert prefixes == [{"title": {"value": "kube", "boost": 1.0}}, {"body": {"value": "kube", "boost": 0.5}}]
    assert _body(server)["sort"][0] == {"_score": "desc"}


@pytest.mark.parametrize("word, edits", [("go", 0), ("wbe", 1), ("deplo", 1), ("deploy", 2), ("deplyoment", 2)])
def test_fuzziness_follows_opensearch_auto(ix, server, word, edits):
    ix.search(ORG, f"{word} x")
    should = _body(server)["query"]["bool"]["must"][0]["bool"]["must"][0]["bool"]["should"]
    fuzzy = [c["fuzzy"]["body"] for c in should if "fuzzy" in c and "body" in c["fuzzy"]]
    if edits:
        assert [(f["fuzziness"], f["transpositions"]) for f in fuzzy] == [(edits, True)]
    else:
        assert fuzzy == []  # 1-2 letters: exact only


def test_phrases_fields_and_negation(ix, server):
    ix.search(ORG, '"connection refused" image:nginx* -type:log')
    must = _body(server)["query"]["bool"]["must"][0]["bool"]
    phrase, image = must["must"]
    assert phrase["bool"]["should"][1] == {"match_phrase": {"body": {"query": "connection refused", "boost": 1.0}}}
    assert image == {"constant_score": {"filter": {"prefix": {"image": "nginx"}}, "boost": 0.0}}
    assert must["must_not"] == [{"constant_score": {"filter": {"term": {"type": "log"}}, "boost": 0.0}}]


def test_results_highlight_facets_and_search_after_cursor(ix, server):
    hits = [_hit(i, highlight={"body": ["<mark>deployment</mark> failed"]}) for i in range(3)]
    aggs = {"type": {"buckets": [{"key": "deployment", "doc_count": 40}]},
            "status": {"buckets": [{"key": "failed", "doc_count": 30}, {"key": "live", "doc_count": 10}]}}
    server.search_answer = _answer(hits, total=40, aggs=aggs)
    page = ix.search(ORG, "deployment", limit=2)
    body = _body(server)
    assert body["size"] == 3 and body["track_total_hits"] is True
    assert body["highlight"]["pre_tags"] == ["<mark>"] and body["highlight"]["encoder"] == "html"
    assert body["aggs"]["type"]["terms"]["field"] == "type"
    assert [r["id"] for r in page["results"]] == ["dep_0", "dep_1"]
    assert page["results"][0]["snippet"] == "<mark>deployment</mark> failed"
    assert page["results"][0]["score"] == 2.5 and page["results"][0]["link"].endswith("/deployments/dep_0")
    assert page["facets"] == {"type": {"deployment": 40}, "status": {"failed": 30, "live": 10}}
    assert page["total"] == 40
    assert decode_cursor(page["next"]) == {"a": hits[1]["sort"]}
    server.search_answer = _answer(hits[2:], total=40, aggs=aggs)
    page2 = ix.search(ORG, "deployment", limit=2, cursor=page["next"])
    assert _body(server)["search_after"] == hits[1]["sort"]
    assert page2["next"] is None and [r["id"] for r in page2["results"]] == ["dep_2"]


def test_snippet_without_highlight_is_escaped_text(ix, server):
    h = _hit(1)
    h["_source"]["body"] = "<b>bold</b>"
    server.search_answer = _answer([h])
    assert ix.search(ORG, "")["results"][0]["snippet"] == "&lt;b&gt;bold&lt;/b&gt;"
    assert ix.search(ORG, "")["results"][0]["score"] is None


def test_cursor_of_the_wrong_shape_is_a_syntax_error(ix, server):
    from chalicelib.search.query import encode_cursor

    with pytest.raises(SearchSyntaxError):
        ix.search(ORG, "x", cursor=encode_cursor({"o": 20}))      # an embedded-engine cursor
    with pytest.raises(SearchSyntaxError):
        ix.search(ORG, "", cursor=encode_cursor({"a": [1, 2, 3]}))  # wrong length for this sort
    for after in ([[1], "x"], [{"a": 1}, "x"], [10 ** 30, "x"], [1, "x" * 600]):   # not what OpenSearch sent
        with pytest.raises(SearchSyntaxError) as err:
            ix.search(ORG, "", cursor=encode_cursor({"a": after}))
        assert err.value.field == "cursor"


def test_search_before_anything_is_indexed_is_empty(ix, server):
    server.on("POST", rf"/{ALIAS}/_search", lambda req: (404, {"error": {"type": "index_not_found_exception"}}))
    assert ix.search(ORG, "x") == {"results": [], "facets": {"type": {}, "status": {}}, "total": 0, "next": None}


# --- retention, rebuild, ping -------------------------------------------------------------

def test_delete_older_than_is_a_filtered_delete_by_query(ix, server):
    server.alias_of = "launchbay-search-v1"
    assert ix.delete_older_than("log", "2026-11-11T00:00:00Z") == 3
    [req] = server.requests("POST", rf"/{ALIAS}/_delete_by_query")
    assert req["body"] == {"query": {"bool": {"filter": [
        {"term": {"type": "log"}}, {"range": {"created": {"lt": "2026-11-11T00:00:00.000000Z"}}}]}}}
    with pytest.raises(SearchSyntaxError):
        ix.delete_older_than("secret", "2026-11-11T00:00:00Z")


def test_rebuild_fills_the_next_version_then_swaps_the_alias_atomically(ix, server):
    server.alias_of = "launchbay-search-v3"
    seen: list[int] = []
    assert ix.rebuild(iter([doc(i) for i in range(5)]), progress=seen.append) == 5
    assert sum(seen) == 5
    order = [(r["method"], r["url"]) for r in server.log]
    assert order.index(("DELETE", "/launchbay-search-v4")) < order.index(("PUT", "/launchbay-search-v4"))
    [create] = server.requests("PUT", "/launchbay-search-v4")
    assert "aliases" not in create["body"] and create["body"]["mappings"] == MAPPINGS
    lines = [line for b in server.requests("POST", "/_bulk") for line in b["ndjson"]]
    assert {a["index"]["_index"] for a in lines[0::2]} == {"launchbay-search-v4"}   # straight into v4
    [swap] = server.requests("POST", "/_aliases")
    assert swap["body"] == {"actions": [{"remove": {"index": "launchbay-search-v3", "alias": ALIAS}},
                                        {"add": {"index": "launchbay-search-v4", "alias": ALIAS}}]}
    assert order.index(("POST", "/launchbay-search-v4/_refresh")) < order.index(("POST", "/_aliases"))
    assert order[-1] == ("DELETE", "/launchbay-search-v3")


def test_first_rebuild_creates_v1_and_only_adds_the_alias(ix, server):
    assert ix.rebuild(iter([])) == 0
    [swap] = server.requests("POST", "/_aliases")
    assert swap["body"] == {"actions": [{"add": {"index": "launchbay-search-v1", "alias": ALIAS}}]}


def test_ping(ix, server):
    assert ix.ping() == {"ok": True, "kind": "opensearch"}
    server.on("HEAD", "/", lambda req: (503, {}))
    assert ix.ping()["ok"] is False
