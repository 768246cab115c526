"""The WSGI adapter's short road (chalicelib/api/fastpath.py) answers exactly as LocalGateway's:
the same status, headers (in the same order) and body, for the test app of test_wsgi_adapter.py
and for every route of the real API, through both roads of the same adapter class
(`make_wsgi_app(app, fast=False)` sends every request through LocalGateway). Also: the route
table against Chalice's RouteMatcher on route sets chosen to trip an ordering shortcut, and
`plain` against urlparse."""
from __future__ import annotations

import json
import random
import re
import string
from urllib.parse import parse_qs, urlparse

import pytest
from chalice import Chalice, Response
from chalice.app import AuthResponse
from chalice.local import RouteMatcher

from chalicelib.api.fastpath import RouteTable, plain
from chalicelib.api.wsgi import make_wsgi_app
from tests.unit.test_wsgi_adapter import build_app, call, environ


def _answer(adapter, env):
    status, headers, body = call(adapter, env)
    return status, list(headers), body


def _both(app, **options):
    return make_wsgi_app(app, fast=True, **options), make_wsgi_app(app, fast=False, **options)


# Writes that succeed and change nothing here: signing out every other session of a user who has one.
NO_OP_WRITES = {("DELETE", "/v1/me/sessions", "")}


def _compare(app, envs, writes_refused=False, **options):
    fast, slow = _both(app, **options)
    shortcut = 0
    for make in envs:
        env_fast, env_slow = make(), make()
        answer = _answer(fast, env_fast)
        where = (env_fast["REQUEST_METHOD"], env_fast["PATH_INFO"], env_fast.get("QUERY_STRING"))
        assert answer == _answer(slow, env_slow), where
        if writes_refused and env_fast["REQUEST_METHOD"] not in ("GET", "HEAD", "OPTIONS") and where not in NO_OP_WRITES:
            assert answer[0] >= 400, where  # nothing changed between the two roads' answers
        shortcut += plain(env_fast["PATH_INFO"], env_fast.get("QUERY_STRING", ""))
    return shortcut


def _rich_app(catch_all: bool = True) -> Chalice:
    """build_app()'s routes plus what the short road must hand to Chalice's own code: CORS,
    an authorizer, binary answers, a user OPTIONS route, a catch-all (install() brings its own)."""
    app = build_app()
    app.api.binary_types = ["application/octet-stream", "image/png"]

    @app.authorizer()
    def auth(req):
        return AuthResponse(routes=["/private"], principal_id="u") if req.token == "allow" else AuthResponse([], "u")

    @app.route("/private", authorizer=auth)
    def private():
        return {"ok": True}

    @app.route("/cors", methods=["GET", "POST"], cors=True)
    def cors():
        return {"cors": True}

    @app.route("/png")
    def png():
        return Response(body=b"\x89PNG\r\n", headers={"Content-Type": "image/png"})

    @app.route("/star")
    def star():
        return Response(body="x", headers={"Content-Type": "*/*"})

    @app.route("/opts", methods=["GET", "OPTIONS"])
    def opts():
        return {"method": app.current_request.method}

    @app.route("/json-only", methods=["POST"], content_types=["application/json"])
    def json_only():
        return app.current_request.json_body

    if catch_all:
        @app.route("/{proxy+}", methods=["GET"])
        def catch_all_view():
            return {"catch": app.current_request.context["resourcePath"]}

    return app


REQUESTS = [
    lambda: environ("/echo-header", headers={"Authorization": "Bearer abc", "X-Request-Id": "r-1"}),
    lambda: environ("/query", query="tag=a&tag=b&q=hello%20world&empty=&plus=x+y"),
    lambda: environ("/query", query="a=1?b=2&c=%3F&d"),
    lambda: environ("/query", query="a=1#frag"),
    lambda: environ("/query", query="a=%0A1&b=\t"),
    lambda: environ("/query"),
    lambda: environ("/query/"),
    lambda: environ("/query", method="DELETE"),
    lambda: environ("/items/svc_1"),
    lambda: environ("/items/svc_1/"),
    lambda: environ("/items/"),
    lambda: environ("/items//"),
    lambda: environ("//items/x"),
    lambda: environ("/items/a;b"),
    lambda: environ("/items/a\tb"),
    lambda: environ("/items/a?b#c%dé"),
    lambda: environ("/items/%3F"),
    lambda: environ("/items/héllo wörld"),
    lambda: environ("/items/x", method="POST", body=b'{"a": [1, 2]}', content_type="application/json"),
    lambda: environ("/items/x", method="PUT", body=b"not json", content_type="application/json"),
    lambda: environ("/items/x", method="POST", body=b"{}", content_type="text/csv"),
    lambda: environ("/items/x", method="PATCH"),
    lambda: environ("/items/x", method="OPTIONS"),
    lambda: environ("/upload", method="POST", body=bytes(range(256)), content_type="application/octet-stream"),
    lambda: environ("/upload", method="POST", body="plain é".encode(), content_type="text/plain"),
    lambda: environ("/upload", method="POST", body=b"\xff\xfe", content_type="text/plain"),
    lambda: environ("/upload", method="POST", body=b"x", content_type="application/json"),
    lambda: environ("/boom"),
    lambda: environ("/bad"),
    lambda: environ("/cookies"),
    lambda: environ("/cookies", method="HEAD"),
    lambda: environ("/request-id", headers={"X-Request-Id": "req-123"}),
    lambda: environ("/unavailable"),
    lambda: environ("/private", headers={"Authorization": "allow", "X-Request-Id": "r-2"}),
    lambda: environ("/private", headers={"Authorization": "deny", "X-Request-Id": "r-3"}),
    lambda: environ("/private", headers={"X-Request-Id": "r-4"}),
    lambda: environ("/cors", headers={"Origin": "https://else.example"}),
    lambda: environ("/cors", method="POST", body=b"x", content_type="image/gif"),
    lambda: environ("/cors", method="OPTIONS", headers={"Origin": "https://else.example"}),
    lambda: environ("/png"),
    lambda: environ("/png", headers={"Accept": "image/png"}),
    lambda: environ("/png", headers={"Accept": "text/html, image/*;q=0.8, */*"}),
    lambda: environ("/star"),
    lambda: environ("/star", headers={"Accept": "*/*"}),
    lambda: environ("/opts", method="OPTIONS"),
    lambda: environ("/json-only", method="POST", body=b'{"x": 1}', content_type="application/json; charset=utf-8"),
    lambda: environ("/json-only", method="POST", body=b'{"x": 1}', content_type="Application/JSON"),
    lambda: environ("/json-only", method="POST", body=b'{"x": 1}', content_type="text/plain"),
    lambda: environ("/json-only", method="POST"),
    lambda: environ("/anything"),
    lambda: environ("/anything/deeper"),
    lambda: environ("/"),
    lambda: environ(""),
]


def test_both_roads_answer_the_same_on_the_test_app():
    shortcut = _compare(_rich_app(), REQUESTS, max_body_bytes=1024)
    assert shortcut > len(REQUESTS) // 2  # most of them did take the short road


def test_both_roads_answer_the_same_with_the_installed_error_shape_and_headers(monkeypatch):
    from chalicelib import wiring
    from chalicelib.api.http import install

    monkeypatch.setenv("LAUNCHBAY_STAGE", "local")
    monkeypatch.setenv("LAUNCHBAY_UI_ORIGINS", "https://ui.example.com")
    wiring.reset()
    app = _rich_app(catch_all=False)
    install(app)
    cors = [lambda e=e: {**e(), "HTTP_ORIGIN": "https://ui.example.com"} for e in REQUESTS[:20]]
    try:
        _compare(app, REQUESTS + cors, max_body_bytes=1024)
    finally:
        wiring.reset()


def test_a_route_added_after_the_adapter_is_unknown_on_both_roads():
    app = build_app()
    fast, slow = _both(app)
    app.route("/late")(lambda: {"late": True})
    assert _answer(fast, environ("/late")) == _answer(slow, environ("/late"))
    assert _answer(fast, environ("/late"))[0] == 404


def test_the_app_keeps_no_request_after_the_short_road():
    app = build_app()
    fast = make_wsgi_app(app)
    call(fast, environ("/echo-header", headers={"Authorization": "Bearer leftover"}))
    assert app.current_request is None and app.lambda_context is None


# --- the real API ---------------------------------------------------------------------

def _api_requests(app, org: str, project: str, token: str):
    """Every route of the API with real and unknown ids, read-only or refused before writing."""
    auth = {"Authorization": f"Bearer {token}", "X-Request-Id": "req-fixed"}
    out = []
    for route, methods in sorted(app.routes.items()):
        for fill in ({"org": org, "project": project}, {}):
            path = re.sub(r"\{([^}+]+)\}", lambda m, f=fill: f.get(m.group(1), "x_1"), route).replace("{proxy+}", "nope")
            for method in methods:
                if method == "GET":
                    for query in ("", "limit=1", "limit=0", "limit=abc&cursor=zz", "q=a&q=b"):
                        out.append(lambda p=path, q=query: environ(p, query=q, headers=auth))
                    out.append(lambda p=path: environ(p, headers={"X-Request-Id": "anon"}))
                    out.append(lambda p=path: environ(p, headers={"Authorization": "Bearer forged", "X-Request-Id": "f"}))
                elif method in ("POST", "PUT", "PATCH") and not fill and not route.endswith("/logout"):
                    # writes that are refused before anything is written: unknown ids, bodies that do not parse
                    for body in (b"{", b"[1]", b"[" * 50 + b"]" * 50) if "{" not in route else (b"{", b"{}"):
                        out.append(lambda p=path, m=method, b=body: environ(p, method=m, body=b, headers=auth,
                                                                             content_type="application/json"))
                elif method == "DELETE" and not fill:
                    out.append(lambda p=path: environ(p, method="DELETE", headers=auth))
                elif method == "OPTIONS":
                    out.append(lambda p=path: environ(p, method="OPTIONS", headers={"Origin": "http://localhost:5173"}))
            out.append(lambda p=path: environ(p, method="TRACE", headers=auth))
    return out


def test_both_roads_answer_the_same_on_every_route_of_the_api(api):
    import app as app_module
    from chalicelib.api import lazy

    lazy.load_all()
    owner = api.call("POST", "/auth/signup", {"email": "fast@example.com", "password": "correct horse battery",
                                              "organization": "Fast"})[1]
    org, token = owner["organization"]["id"], owner["token"]
    status, prj = api.call("POST", f"/orgs/{org}/projects", {"name": "fast"}, token=token)
    assert status == 201, prj
    requests = _api_requests(app_module.app, org, prj["id"], token)
    assert len(requests) > 500
    shortcut = _compare(app_module.app, requests, writes_refused=True)
    assert shortcut > len(requests) * 0.9
    fast = make_wsgi_app(app_module.app)
    status, _, body = call(fast, environ(f"/v1/orgs/{org}/projects", headers={"Authorization": f"Bearer {token}"}))
    assert status == 200 and [p["id"] for p in json.loads(body)["items"]] == [prj["id"]]


# --- the route table and `plain` ------------------------------------------------------

ROUTE_SETS = [
    ["/a/{x}/c", "/a/b/{y}", "/a/{z}", "/a/b", "/a", "/"],
    ["/a/{x}/c", "/a/~/c", "/a/é/c", "/a/|/{q}"],                 # static segments that sort after "{"
    ["/a/{y}/c", "/a/{x}/{z}", "/a/{w}/c/{v}"],                  # params whose names decide the order
    ["/v1/{proxy+}", "/v1/orgs/{org}", "/{proxy+}", "/v1/orgs/me"],
    ["/a/{x", "/a/{x}", "/a/x}", "/a/{}", "/a//b", "/a/{x}/"],   # odd segments: unclosed braces, empty ones
]


def _random_paths(routes, rnd):
    pieces = ["a", "b", "c", "x", "~", "é", "|", "{x", "x}", "{}", "me", "orgs", "v1", "", "q"]
    out = ["/", "", "//", "/a/", "/a//", "/a/b/"]
    for route in routes:
        segs = route.split("/")
        for _ in range(30):
            out.append("/".join(s if rnd.random() < 0.5 else rnd.choice(pieces) for s in segs)
                       + rnd.choice(["", "/", "/c", "?q=1"]))
    return out


@pytest.mark.parametrize("routes", ROUTE_SETS)
def test_route_table_answers_as_chalice(routes):
    rnd = random.Random(7)
    theirs, ours = RouteMatcher(routes), RouteTable(routes)
    for url in _random_paths(routes, rnd):
        path = urlparse(url).path
        try:
            m = theirs.match_route(url)
            expected = (m.route, m.captured)
        except ValueError:
            expected = None
        assert ours.match(path) == expected, url


def test_plain_paths_and_queries_come_out_of_urlparse_unchanged():
    rnd = random.Random(11)
    alphabet = string.ascii_letters + string.digits + "/?#;%&=+:@!$'()*,~-._ \t\r\né"
    checked = 0
    for _ in range(20000):
        path = "/" + "".join(rnd.choice(alphabet) for _ in range(rnd.randrange(0, 12)))
        query = "".join(rnd.choice(alphabet) for _ in range(rnd.randrange(0, 8)))
        if not plain(path, query):
            continue
        checked += 1
        parsed = urlparse(path + ("?" + query if query else ""))
        assert (parsed.path, parsed.query) == (path, query), (path, query)
        assert parse_qs(parsed.query, keep_blank_values=True) == parse_qs(query, keep_blank_values=True)
    assert checked > 2000
    assert not plain("//host/x", "") and not plain("/a;b", "") and not plain("/a", "b#c") and not plain("x", "")


def test_the_request_helper_reads_the_slot_the_adapter_makes():
    """chalicelib.api.http.request() reads the app's per-thread request under wsgi's key."""
    from chalicelib.api import http, wsgi

    assert http._TLS_KEY == wsgi._TLS_KEY


def _headers_as_before(env):
    """WSGIAdapter._headers as it was written before it planned per set of keys."""
    headers = {}
    for key, value in env.items():
        if key.startswith("HTTP_"):
            name = key[5:].replace("_", "-").lower()
        elif key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            name = key.replace("_", "-").lower()
        else:
            continue
        if not value and key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            continue
        if isinstance(value, str) and not value.isascii():
            try:
                value = value.encode("latin-1").decode("utf-8")
            except (UnicodeEncodeError, UnicodeDecodeError):
                pass
        headers[name] = value
    return headers


def test_headers_from_the_environ_as_before(monkeypatch):
    from chalicelib.api import wsgi

    envs = [environ("/x"), environ("/x", headers={"Authorization": "Bearer t", "X-A_B": "1"}),
            environ("/x", method="POST", body=b"{}", content_type="application/json"),
            {**environ("/x"), "CONTENT_TYPE": "", "CONTENT_LENGTH": "", "HTTP_CONTENT_TYPE": "text/plain"},
            {**environ("/x"), "HTTP_X_NAME": "caf\u00c3\u00a9", "HTTP_X_BAD": "\u00ff\u00fe"},
            {"HTTP_B": "2", "HTTP_A": "1", "CONTENT_TYPE": "a/b"}, {"CONTENT_TYPE": "a/b", "HTTP_CONTENT_TYPE": "c/d"}]
    for env in envs * 2:   # the second time from the plans
        got = wsgi.WSGIAdapter._headers(env)
        assert got == _headers_as_before(env) and list(got) == list(_headers_as_before(env))
    monkeypatch.setattr(wsgi, "_HEADER_PLANS", {})
    for i in range(300):   # clients choose header names: the plans stay bounded
        assert wsgi.WSGIAdapter._headers({f"HTTP_X_{i}": "v"}) == {f"x-{i}": "v"}
    assert len(wsgi._HEADER_PLANS) <= 256


def test_the_short_roads_request_object_is_chalices():
    """LeanHandler.create_request_object builds what chalice.app.Request(event, context) does."""
    from chalice.app import Request

    from chalicelib.api.fastpath import LeanHandler

    app = Chalice("t")
    handler = LeanHandler(app.routes, app.api, app.log, app.debug)
    context = object()
    events = [
        {"requestContext": {"httpMethod": "GET", "resourcePath": "/a/{b}", "path": "/a/1"},
         "headers": {"authorization": "Bearer x", "accept": "*/*"}, "pathParameters": {"b": "1"},
         "stageVariables": {}, "multiValueQueryStringParameters": {"q": ["1", "2"]}, "body": None,
         "isBase64Encoded": False},
        {"requestContext": {"httpMethod": "POST", "resourcePath": "/a"}, "headers": {}, "pathParameters": {},
         "stageVariables": None, "multiValueQueryStringParameters": None, "body": "aGk=", "isBase64Encoded": True},
        {"requestContext": {"httpMethod": "PUT", "resourcePath": "/a"}, "headers": None, "pathParameters": None,
         "stageVariables": {}, "multiValueQueryStringParameters": None, "body": '{"a": 1}'},
    ]
    for event in events:
        ours, theirs = handler.create_request_object(event, context), Request(event, context)
        assert handler.current_request is ours
        mine, chalices = vars(ours), vars(theirs)
        assert mine.keys() == chalices.keys()
        for name in chalices:
            if name in ("headers", "query_params"):
                assert type(mine[name]) is type(chalices[name])
                assert (None if mine[name] is None else dict(mine[name]._dict)) \
                    == (None if chalices[name] is None else dict(chalices[name]._dict))
            else:
                assert mine[name] == chalices[name], name
        assert ours.raw_body == theirs.raw_body and ours.to_dict() == theirs.to_dict()
    assert handler.create_request_object({"requestContext": {}}, context) is None
