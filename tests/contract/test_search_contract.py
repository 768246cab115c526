"""One suite, both search adapters: the embedded engine always, OpenSearch when
OPENSEARCH_URL points at a server (there is none on the development machines)."""
from __future__ import annotations

import os
import random
import re
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import pytest

from chalicelib.search.port import SearchSyntaxError
from chalicelib.search.query import encode_cursor

ROOT = Path(__file__).resolve().parents[2]
ORG, OTHER = "org_a", "org_b"


@pytest.fixture(params=["embedded", "opensearch"])
def search(request, tmp_path):
    if request.param == "embedded":
        from chalicelib.search.embedded import EmbeddedIndex

        ix = EmbeddedIndex(tmp_path / "search", writer_heap=15_000_000)
        yield ix
        ix.close()
        return
    url = os.environ.get("OPENSEARCH_URL", "").strip()
    if not url:
        pytest.skip("OPENSEARCH_URL not set: no OpenSearch server on this machine")
    from chalicelib.search.opensearch import OpenSearchIndex

    prefix = f"lbtest-{uuid.uuid4().hex[:8]}"
    ix = OpenSearchIndex.from_url(url, prefix=prefix, refresh=True)
    yield ix
    # by name: wildcard deletes may be refused (action.destructive_requires_name)
    for name in ix.client.indices.get(index=f"{prefix}-search-v*", ignore=[404]).keys() - {"error", "status"}:
        ix.client.indices.delete(index=name, ignore=[404])


def doc(id: str, type: str = "service", org: str = ORG, *, title: str = "", body: str = "",
        status: str | None = "live", project: str | None = "prj_1", image: str | None = None,
        created: str = "2026-11-25T15:00:00.000000Z") -> dict:
    return {"id": id, "type": type, "org_id": org, "project_id": project, "title": title or id, "body": body,
            "status": status, "image": image, "actor": None, "created": created, "link": f"/v1/orgs/{org}/x/{id}"}


def ts(minute: int) -> str:
    return f"2026-11-25T15:{minute:02d}:00.000000Z"


CORPUS = [
    doc("svc_k8s", title="kubernetes operator", body="runs the kubernetes operator on port 8080",
        image="ghcr.io/acme/op:1.2", created=ts(1)),
    doc("dep_1", "deployment", title="api deployment #1", body="deployment failed: connection refused",
        status="failed", image="nginx:1.25", created=ts(2)),
    doc("dep_2", "deployment", title="api deployment #2", body="rolled out, refused connection retried",
        status="live", image="nginx:1.26", created=ts(3)),
    doc("log_1", "log", title="build info", body="pulling image nginx <latest> & starting", status="info",
        project="prj_2", created=ts(4)),
    doc("log_2", "log", title="deploy error", body="postgres timeout; postgres down; postgres restart",
        status="error", project="prj_2", created=ts(5)),
    doc("aud_1", "audit", title="service.create svc_k8s", body="service.create alice@example.com service svc_k8s",
        status=None, project=None, created=ts(6)),
    doc("log_3", "log", title="run info", body="café ünïcode 日本語 postgres " + "filler " * 40, status="info",
        created=ts(7)),
    # another org, sharing words with the first, plus words of its own
    doc("svc_other", org=OTHER, title="kubernetes deployment", body="zebrasecret deployment failed postgres",
        status="failed", created=ts(8)),
    doc("dep_other", "deployment", org=OTHER, title="zebrasecret deployment", body="connection refused",
        status="failed", created=ts(9)),
]
OWN = {d["id"] for d in CORPUS if d["org_id"] == ORG}


@pytest.fixture
def loaded(search):
    search.index(CORPUS)
    return search


def ids(page) -> list[str]:
    return [r["id"] for r in page["results"]]


# --- shape, ordering, snippets ---------------------------------------------------

def test_result_shape_and_empty_query_newest_first(loaded):
    page = loaded.search(ORG, "")
    assert ids(page) == ["log_3", "aud_1", "log_2", "log_1", "dep_2", "dep_1", "svc_k8s"]
    assert page["total"] == len(OWN) and page["next"] is None
    r = page["results"][-1]
    assert set(r) == {"id", "type", "title", "snippet", "link", "status", "project_id", "created", "score"}
    assert (r["type"], r["title"], r["status"], r["project_id"], r["link"]) == (
        "service", "kubernetes operator", "live", "prj_1", "/v1/orgs/org_a/x/svc_k8s")
    assert r["created"] == ts(1) and r["score"] is None
    assert page["results"][1]["status"] is None and page["results"][1]["project_id"] is None


def test_snippet_marks_matches_and_escapes_html(loaded):
    [r] = loaded.search(ORG, "latest")["results"]
    assert r["id"] == "log_1"
    assert "<mark>latest</mark>" in r["snippet"]
    assert "&lt;" in r["snippet"] and "&amp;" in r["snippet"] and "<latest>" not in r["snippet"]
    assert isinstance(r["score"], float) and r["score"] > 0


def test_empty_index_answers_empty(search):
    page = search.search(ORG, "anything")
    assert page == {"results": [], "facets": {"type": {}, "status": {}}, "total": 0, "next": None}
    assert search.ping()["ok"] is True and search.ping()["kind"] == search.kind


# --- matching ---------------------------------------------------------------------

def test_typo_tolerance(loaded):
    assert set(ids(loaded.search(ORG, "deplyoment"))) == {"dep_1", "dep_2"}
    assert "svc_k8s" in ids(loaded.search(ORG, "kubernets"))


def test_typo_tolerance_is_opensearch_auto_with_transpositions(search):
    search.index([doc("svc_web", title="web", body="the web frontend on api"),
                  doc("svc_wide", title="wide", body="gateway"),
                  doc("svc_go", title="go", body="a go worker")])
    # 3-5 letters: one edit, a transposition counting as one (earlier words are whole words: no prefix)
    assert ids(search.search(ORG, "wbe frontend")) == ["svc_web"]
    assert ids(search.search(ORG, "wev frontend")) == ["svc_web"]
    assert ids(search.search(ORG, "frontend wbe")) == ["svc_web"]
    assert ids(search.search(ORG, "gatewya")) == ["svc_wide"]        # 7 letters: a transposition
    assert ids(search.search(ORG, "gtaewya")) == ["svc_wide"]        # ... and two edits
    assert ids(search.search(ORG, "webb frontend")) == ["svc_web"]   # 4 letters: one edit (an insertion)
    assert ids(search.search(ORG, "wxbe frontend")) == []            # two edits are too many below 6 letters
    # 1-2 letters: exact only
    assert ids(search.search(ORG, "go worker")) == ["svc_go"]
    assert ids(search.search(ORG, "og worker")) == []
    assert ids(search.search(ORG, "ga worker")) == []
    # the snippet marks the word the typo found
    [r] = search.search(ORG, "wbe frontend")["results"]
    assert "<mark>web</mark>" in r["snippet"]


def test_prefix_while_typing_and_explicit_prefix(loaded):
    assert ids(loaded.search(ORG, "kube")) == ["svc_k8s"]
    assert ids(loaded.search(ORG, "kube*")) == ["svc_k8s"]
    assert ids(loaded.search(ORG, "operator kube")) == ["svc_k8s"]   # the last word is the one being typed
    assert ids(loaded.search(ORG, "kube operator")) == []            # earlier words are whole words


def test_phrase_needs_order_and_adjacency(loaded):
    assert ids(loaded.search(ORG, '"connection refused"')) == ["dep_1"]
    assert set(ids(loaded.search(ORG, "connection refused"))) == {"dep_1", "dep_2"}


def test_relevance_bm25(loaded):
    # three mentions in a short body beat one mention in a long one
    assert ids(loaded.search(ORG, "postgres"))[:2] == ["log_2", "log_3"]
    page = loaded.search(ORG, "postgres")
    assert page["results"][0]["score"] > page["results"][1]["score"]


def test_boolean_operators_and_fields(loaded):
    assert set(ids(loaded.search(ORG, "postgres OR kubernetes"))) == {"log_2", "log_3", "svc_k8s"}
    assert set(ids(loaded.search(ORG, "deployment -failed"))) == {"dep_2"}
    assert set(ids(loaded.search(ORG, "deployment NOT failed"))) == {"dep_2"}
    assert set(ids(loaded.search(ORG, "-postgres type:log"))) == {"log_1"}
    assert set(ids(loaded.search(ORG, "type:deployment status:failed"))) == {"dep_1"}
    assert set(ids(loaded.search(ORG, "image:nginx*"))) == {"dep_1", "dep_2"}
    assert set(ids(loaded.search(ORG, 'image:"nginx:1.25"'))) == {"dep_1"}
    assert set(ids(loaded.search(ORG, "(postgres OR kubernetes) type:service"))) == {"svc_k8s"}


def test_unicode_and_punctuation(loaded):
    assert ids(loaded.search(ORG, "café")) == ["log_3"]
    assert ids(loaded.search(ORG, "日本語")) == ["log_3"]
    assert ids(loaded.search(ORG, "svc_k8s")) == ["aud_1"]   # split like the index splits it: a phrase
    assert loaded.search(ORG, "!!! ;;")["total"] == len(OWN)  # punctuation only: no text query


# --- filters, facets, paging ---------------------------------------------------------

def test_filters(loaded):
    assert set(ids(loaded.search(ORG, "", types=["log"]))) == {"log_1", "log_2", "log_3"}
    assert set(ids(loaded.search(ORG, "", types=["log", "audit"]))) == {"log_1", "log_2", "log_3", "aud_1"}
    assert set(ids(loaded.search(ORG, "", project_id="prj_2"))) == {"log_1", "log_2"}
    assert set(ids(loaded.search(ORG, "", status="failed"))) == {"dep_1"}
    assert ids(loaded.search(ORG, "", since=ts(2), until=ts(4))) == ["dep_2", "dep_1"]  # since <= created < until
    assert ids(loaded.search(ORG, "postgres", since="2026-11-25T15:06:00+00:00")) == ["log_3"]


def test_facets_count_the_org_filtered_match(loaded):
    page = loaded.search(ORG, "deployment OR postgres OR kubernetes")
    assert page["facets"]["type"] == {"deployment": 2, "log": 2, "service": 1}
    assert page["facets"]["status"] == {"failed": 1, "live": 2, "error": 1, "info": 1}
    assert page["total"] == 5
    page = loaded.search(ORG, "", types=["log"])
    assert page["facets"] == {"type": {"log": 3}, "status": {"info": 2, "error": 1}}


@pytest.mark.parametrize("q", ["", "deployment OR postgres OR kubernetes OR service OR build"])
def test_cursor_paging_walks_everything_once(loaded, q):
    full = ids(loaded.search(ORG, q, limit=100))
    seen, cursor = [], None
    for _ in range(10):
        page = loaded.search(ORG, q, limit=2, cursor=cursor)
        assert len(page["results"]) <= 2 and page["total"] == len(full)
        seen += ids(page)
        cursor = page["next"]
        if cursor is None:
            break
    assert seen == full and len(full) >= 5
    assert isinstance(loaded.search(ORG, q, limit=2)["next"], str)


# --- org isolation ---------------------------------------------------------------

ADVERSARIAL = [
    "org_id:org_b", "org_id:*", "* OR org_id:x", "zebrasecret OR org_id:org_b", ")(", "(", ")", '"', '"""',
    "\\", "type:service OR org_id:org_b", "title:zebrasecret", "_id:dep_other", "org_b", "zebrasecret",
    '"zebrasecret deployment"', "zebra*", "*:*", "**", "a AND OR b", "NOT", "-", "--", "OR OR",
    "status:failed", "{!lucene}org_id:org_b", '{"match_all": {}}', "'; DROP TABLE x; --", "\x00", "é" * 600,
    "deployment " * 100, "((((((((((deep))))))))))", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 🚀 zebrasecret", "type:audit OR type:log OR zebrasecret",
    "image:*", "status:", "deployment~2", "deploy^10", "[a TO z]", "/.*/", "org_id\\:org_b", "kubernetes -org_a",
]


def _assert_isolated(ix, q):
    try:
        page = ix.search(ORG, q, limit=100)
    except SearchSyntaxError as exc:
        assert str(exc)
        return
    assert set(ids(page)) <= OWN, q
    assert page["total"] <= len(OWN), q
    assert sum(page["facets"]["type"].values()) == page["total"], q


@pytest.mark.parametrize("q", ADVERSARIAL)
def test_no_query_string_reaches_another_org(loaded, q):
    _assert_isolated(loaded, q)


def test_random_query_strings_stay_in_the_org(loaded):
    rng = random.Random(7)
    alphabet = list('abcdeforgzebrasecret_:*"()-~^!\\/{}[] ') + ["OR", "AND", "NOT", "org_id:", "é", "日", "🚀"]
    for _ in range(150 if loaded.kind == "embedded" else 40):
        _assert_isolated(loaded, "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 30))))


def test_other_org_sees_only_its_own(loaded):
    assert set(ids(loaded.search(OTHER, ""))) == {"svc_other", "dep_other"}
    assert ids(loaded.search(ORG, "zebrasecret")) == []
    assert loaded.search("org_nobody", "deployment")["total"] == 0


# --- errors -------------------------------------------------------------------------

@pytest.mark.parametrize("q,msg", [
    ("org_id:org_b", "unknown field 'org_id'"), ('"abc', "missing closing quote"), (")(", "unexpected ')'"),
    ("*", "'*' must follow"), ("a OR", "OR needs a word"), ("x" * 513, "too long"), ("type:secret", "type must be"),
])
def test_syntax_errors_say_what_is_wrong(loaded, q, msg):
    with pytest.raises(SearchSyntaxError, match=re.escape(msg)):
        loaded.search(ORG, q)


def test_a_word_too_long_to_index_is_ignored_beside_others_and_refused_alone(loaded):
    digest = "4f6c1c7e" * 8   # 64 characters: no index holds it
    assert ids(loaded.search(ORG, "brand " + digest)) == ids(loaded.search(ORG, "brand"))
    for q in (digest, f'"{digest}"', f"({digest})", "日" * 14):   # 42 bytes
        with pytest.raises(SearchSyntaxError, match="too long to search for"):
            loaded.search(ORG, q)
    assert loaded.search(ORG, "日" * 13)["total"] == 0   # 39 bytes: a word like any other


@pytest.mark.parametrize("kwargs", [
    {"cursor": "not-a-cursor"}, {"cursor": encode_cursor({"o": -5})}, {"cursor": encode_cursor({"a": [1, "x"]})},
    {"cursor": "W10"},
    {"since": "yesterday"}, {"until": "2026-13-45"}, {"types": ["secret"]}, {"limit": "many"},
])
def test_bad_parameters_are_syntax_errors(loaded, kwargs):
    with pytest.raises(SearchSyntaxError):
        loaded.search(ORG, "deployment", **kwargs)


# --- writes: upsert, delete, retention, rebuild -----------------------------------

def test_index_upserts_by_id_and_delete_removes(loaded):
    loaded.index([doc("dep_1", "deployment", title="renamed", body="brand new words", status="live",
                      created=ts(2))])
    assert ids(loaded.search(ORG, "brand")) == ["dep_1"]
    assert ids(loaded.search(ORG, '"connection refused"')) == []
    assert loaded.search(ORG, "")["total"] == len(OWN)
    loaded.delete(["dep_1", "dep_2", "missing"])
    assert loaded.search(ORG, "")["total"] == len(OWN) - 2
    assert ids(loaded.search(OTHER, "deployment"))  # the other org is untouched


def test_same_id_twice_in_one_batch_keeps_the_last(search):
    search.index([doc("svc_x", title="first"), doc("svc_x", title="second")])
    page = search.search(ORG, "")
    assert ids(page) == ["svc_x"] and page["results"][0]["title"] == "second"


def test_delete_older_than_only_touches_that_type(loaded):
    assert loaded.delete_older_than("log", ts(5)) == 1          # log_1 (15:04); log_2 is at 15:05
    assert set(ids(loaded.search(ORG, "", types=["log"]))) == {"log_2", "log_3"}
    assert loaded.search(ORG, "")["total"] == len(OWN) - 1
    assert loaded.delete_older_than("log", ts(0)) == 0


def test_rebuild_swaps_in_a_fresh_index(loaded):
    seen = []
    fresh = [doc(f"svc_{i}", title=f"fresh {i}", created=ts(10 + i)) for i in range(5)]
    assert loaded.rebuild(iter(fresh), progress=seen.append) == 5
    assert sum(seen) == 5
    assert ids(loaded.search(ORG, "")) == [f"svc_{i}" for i in reversed(range(5))]
    assert loaded.search(OTHER, "")["total"] == 0
    loaded.index([doc("svc_after", title="after rebuild")])   # writes go to the new version
    assert ids(loaded.search(ORG, "after")) == ["svc_after"]
    assert loaded.rebuild(iter([])) == 0 and loaded.search(ORG, "")["total"] == 0


# --- embedded only: processes, locks, versions --------------------------------------

WRITER = textwrap.dedent("""
    import sys
    sys.path.insert(0, {root!r})
    from chalicelib.search.embedded import EmbeddedIndex
    ix = EmbeddedIndex({path!r}, writer_heap=15_000_000)
    def doc(i, word):
        return {{"id": f"log_{{i}}", "type": "log", "org_id": "org_a", "title": "line", "body": word,
                "created": f"2026-11-25T15:00:{{i:02d}}.000000Z", "link": "/x"}}
    ix.index([doc(1, "first batch")])
    print("indexed", flush=True)
    sys.stdin.readline()                      # the test searches while we still hold the writer
    ix.index([doc(2, "second batch")])
    ix.rebuild(iter([doc(3, "rebuilt only")]))
    print("rebuilt", flush=True)
    sys.stdin.readline()
""")


@pytest.fixture
def embedded(tmp_path):
    from chalicelib.search.embedded import EmbeddedIndex

    return lambda **kw: EmbeddedIndex(tmp_path / "search", writer_heap=15_000_000, **kw)


def test_one_writer_process_many_readers(embedded, tmp_path):
    path = str(tmp_path / "search")
    proc = subprocess.Popen([sys.executable, "-c", WRITER.format(root=str(ROOT), path=path)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "indexed"
        reader, reader2 = embedded(), embedded()
        assert ids(reader.search(ORG, "first")) == ["log_1"]
        # a reader in this process while the subprocess holds the writer: no lock taken
        assert reader2.search(ORG, "batch")["total"] == 1
        # ...but a second writer is refused, clearly, instead of corrupting anything
        with pytest.raises(RuntimeError, match="another process is writing"):
            embedded(lock_timeout=0.2).index([doc("svc_1")])
        proc.stdin.write("\n")
        proc.stdin.flush()
        assert proc.stdout.readline().strip() == "rebuilt"
        assert ids(reader.search(ORG, "")) == ["log_3"]        # commit + pointer swap picked up
        assert ids(reader2.search(ORG, "rebuilt")) == ["log_3"]
        proc.stdin.write("\n")
        proc.stdin.flush()
        assert proc.wait(timeout=60) == 0
    finally:
        proc.kill()
    # once the writer process is gone, this one may write
    w = embedded(lock_timeout=5)
    w.index([doc("svc_1", title="now me")])
    assert ids(reader.search(ORG, "now")) == ["svc_1"]


def test_searching_never_creates_or_locks_anything(embedded, tmp_path):
    ix = embedded()
    assert ix.search(ORG, "x")["total"] == 0 and ix.ping()["ok"]
    assert not (tmp_path / "search").exists()


def test_rebuild_keeps_one_previous_version(embedded, tmp_path):
    ix = embedded()
    ix.index([doc("svc_1")])
    for _ in range(3):
        ix.rebuild(iter([doc("svc_2")]))
    root = tmp_path / "search"
    assert sorted(p.name for p in root.glob("v*")) == ["v000003", "v000004"]
    assert (root / "CURRENT").read_text() == "v000004"
    ix.close()
    again = embedded()
    again.index([doc("svc_3", created=ts(30))])   # reopens the live version after a restart
    assert ids(again.search(ORG, "")) == ["svc_3", "svc_2"]


def test_an_index_built_by_older_code_is_set_aside(embedded, tmp_path):
    ix = embedded()
    ix.index([doc("svc_1")])
    ix.close()
    (tmp_path / "search" / "v000001" / "SCHEMA").write_text("0")   # as if an older release built it
    reader = embedded()
    assert reader.search(ORG, "")["total"] == 0                      # no crash on unknown fields
    assert reader.ping()["ok"] is False and "reindex" in reader.ping()["error"]
    writer = embedded()
    writer.index([doc("svc_2")])                                    # a fresh version, then the reindex
    assert (tmp_path / "search" / "CURRENT").read_text() == "v000002"
    assert ids(reader.search(ORG, "")) == ["svc_2"] and reader.ping()["ok"] is True
