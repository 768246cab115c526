"""The WSGI adapter around chalice.local.LocalGateway (chalicelib/api/wsgi.py).

A tiny Chalice app is defined here; the adapter is called directly with
wsgiref-style environs (wrapped in wsgiref.validate to check PEP 3333), from many
threads at once, and behind a real threaded HTTP server.
"""
from __future__ import annotations

import base64
import http.client
import io
import json
import socketserver
import sys
import threading
import time
import wsgiref.util
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server
from wsgiref.validate import validator

import pytest
from chalice import BadRequestError, Chalice, Response
from chalice.config import Config
from chalice.local import LocalGateway

from chalicelib.api import wsgi
from chalicelib.api.wsgi import LazyApplication, make_thread_local, make_wsgi_app

N_THREADS = 24


def build_app(debug: bool = False, barrier: threading.Barrier | None = None) -> Chalice:
    app = Chalice(app_name="wsgi-test", debug=debug, configure_logs=False)

    @app.route("/echo-header")
    def echo_header():
        first = app.current_request.headers.get("authorization")
        if barrier is not None:
            # Every thread has created its request before any of them reads it again.
            barrier.wait(timeout=10)
        time.sleep(0)
        return {"first": first, "auth": app.current_request.headers.get("authorization")}

    @app.route("/query")
    def query():
        params = app.current_request.query_params
        return {k: params.getlist(k) for k in params} if params else {}

    @app.route("/items/{item_id}", methods=["GET", "POST", "PUT"])
    def item(item_id):
        req = app.current_request
        return {
            "id": item_id,
            "method": req.method,
            "json": req.json_body if req.method != "GET" else None,
            "ip": req.context["identity"]["sourceIp"],
            "path": req.context["path"],
        }

    @app.route("/upload", methods=["POST"], content_types=["application/octet-stream", "text/plain"])
    def upload():
        raw = app.current_request.raw_body
        return {"size": len(raw), "b64": base64.b64encode(raw).decode()}

    @app.route("/boom")
    def boom():
        raise RuntimeError("secret-internal-detail at /srv/app.py line 42")

    @app.route("/bad")
    def bad():
        raise BadRequestError("nope")

    @app.route("/cookies")
    def cookies():
        return Response(body="hello", headers={"Content-Type": "text/plain",
                                               "Set-Cookie": ["a=1", "b=2"], "X-One": "1"},
                        status_code=202)

    @app.route("/request-id")
    def request_id():
        return {"context": app.current_request.context.get("requestId"),
                "lambda": app.lambda_context.aws_request_id}

    @app.route("/unavailable")
    def unavailable():
        return Response(body={"status": "degraded"}, status_code=503)

    return app


def environ(path="/", method="GET", query="", headers=None, body=b"", content_type=None,
            content_length=True, remote_addr="10.1.2.3"):
    env: dict = {}
    wsgiref.util.setup_testing_defaults(env)
    env["REQUEST_METHOD"] = method
    # PEP 3333: PATH_INFO is percent-decoded, UTF-8 bytes carried as latin-1 characters.
    env["PATH_INFO"] = path.encode("utf-8").decode("latin-1")
    env["QUERY_STRING"] = query
    env["REMOTE_ADDR"] = remote_addr
    env["wsgi.input"] = io.BytesIO(body)
    if content_type:
        env["CONTENT_TYPE"] = content_type
    if body and content_length:
        env["CONTENT_LENGTH"] = str(len(body))
    for name, value in (headers or {}).items():
        env["HTTP_" + name.upper().replace("-", "_")] = value
    return env


def call(app, env):
    captured = {}

    def start_response(status, headers, exc_info=None):
        captured["status"] = status
        captured["headers"] = headers

    result = app(env, start_response)
    try:
        body = b"".join(result)
    finally:
        if hasattr(result, "close"):
            result.close()
    return int(captured["status"].split()[0]), captured["headers"], body


def header(headers, name):
    values = [v for k, v in headers if k.lower() == name.lower()]
    return values[0] if len(values) == 1 else values or None


@pytest.fixture()
def app():
    return build_app()


@pytest.fixture()
def wsgi_app(app):
    # wsgiref.validate checks the adapter honours PEP 3333 (types, start_response, iterable).
    return validator(make_wsgi_app(app, max_body_bytes=1024))


# --- request translation -------------------------------------------------------------

def test_echoes_header(wsgi_app):
    status, headers, body = call(wsgi_app, environ("/echo-header", headers={"Authorization": "Bearer abc"}))
    assert status == 200
    assert header(headers, "content-type") == "application/json"
    assert int(header(headers, "content-length")) == len(body)
    assert json.loads(body) == {"first": "Bearer abc", "auth": "Bearer abc"}


def test_query_string_keeps_multiple_values_and_blanks(wsgi_app):
    status, _, body = call(wsgi_app, environ("/query", query="tag=a&tag=b&q=hello%20world&empty=&plus=x+y"))
    assert status == 200
    assert json.loads(body) == {"tag": ["a", "b"], "q": ["hello world"], "empty": [""], "plus": ["x y"]}


def test_no_query_string_gives_empty_params(wsgi_app):
    assert json.loads(call(wsgi_app, environ("/query"))[2]) == {}


def test_json_body_path_params_method_and_client_ip(wsgi_app):
    payload = {"name": "web", "n": 3, "nested": {"ok": True}, "text": "héllo"}
    status, _, body = call(wsgi_app, environ("/items/svc_1", method="POST",
                                             body=json.dumps(payload).encode(), content_type="application/json"))
    assert status == 200
    assert json.loads(body) == {"id": "svc_1", "method": "POST", "json": payload,
                                "ip": "10.1.2.3", "path": "/items/svc_1"}


def test_path_parameter_with_encoded_question_mark_and_unicode(wsgi_app):
    # The client sent /items/a%3Fb%23c%25d%C3%A9 ; the server decoded it into PATH_INFO.
    status, _, body = call(wsgi_app, environ("/items/a?b#c%dé"))
    assert status == 200
    doc = json.loads(body)
    assert doc["id"] == "a?b#c%dé"
    assert doc["path"] == "/items/a?b#c%dé"


def test_trailing_slash_matches_route_like_api_gateway(wsgi_app):
    status, _, body = call(wsgi_app, environ("/items/x/"))
    assert status == 200 and json.loads(body)["id"] == "x"


def test_binary_body_is_passed_base64_and_decoded_by_chalice(wsgi_app):
    blob = bytes(range(256)) * 3  # not valid UTF-8
    status, _, body = call(wsgi_app, environ("/upload", method="POST", body=blob,
                                             content_type="application/octet-stream"))
    assert status == 200
    doc = json.loads(body)
    assert doc["size"] == len(blob)
    assert base64.b64decode(doc["b64"]) == blob


def test_text_body_reaches_app_as_text(wsgi_app):
    status, _, body = call(wsgi_app, environ("/upload", method="POST", body="plain é".encode(),
                                             content_type="text/plain"))
    assert status == 200
    assert base64.b64decode(json.loads(body)["b64"]).decode("utf-8") == "plain é"


def test_multi_value_response_headers_and_status(wsgi_app):
    status, headers, body = call(wsgi_app, environ("/cookies"))
    assert status == 202
    assert body == b"hello"
    assert header(headers, "set-cookie") == ["a=1", "b=2"]
    assert header(headers, "x-one") == "1"
    assert header(headers, "content-type") == "text/plain"


def test_head_request_sends_no_body(app):
    app.route("/head", methods=["HEAD"])(lambda: {"x": 1})
    status, headers, body = call(validator(make_wsgi_app(app, max_body_bytes=10)), environ("/head", method="HEAD"))
    assert status == 200 and body == b""
    assert int(header(headers, "content-length")) > 0


def test_request_id_from_client_header_or_generated(wsgi_app):
    doc = json.loads(call(wsgi_app, environ("/request-id", headers={"X-Request-Id": "req-123"}))[2])
    assert doc == {"context": "req-123", "lambda": "req-123"}
    first = json.loads(call(wsgi_app, environ("/request-id"))[2])
    second = json.loads(call(wsgi_app, environ("/request-id"))[2])
    assert first["context"] == first["lambda"] and len(first["context"]) >= 32
    assert first["context"] != second["context"]


# --- errors ------------------------------------------------------------------------

def test_unknown_route_is_404_json(wsgi_app):
    for headers in ({}, {"Authorization": "Bearer x"}):
        status, hdrs, body = call(wsgi_app, environ("/no/such/route", headers=headers))
        assert status == 404
        assert header(hdrs, "content-type") == "application/json"
        assert json.loads(body)["error"]["code"] == "not_found"


def test_wrong_method_is_405(wsgi_app):
    status, _, _ = call(wsgi_app, environ("/query", method="DELETE"))
    assert status == 405


def test_view_exception_is_500_json_without_traceback(wsgi_app):
    status, headers, body = call(wsgi_app, environ("/boom"))
    assert status == 500
    assert header(headers, "content-type") == "application/json"
    assert json.loads(body) == {"error": {"code": "internal_error",
                                          "message": "internal error; it has been logged", "field": None}}
    assert b"secret-internal-detail" not in body and b"Traceback" not in body


def test_debug_mode_traceback_never_leaves_the_process():
    wsgi_app = validator(make_wsgi_app(build_app(debug=True), max_body_bytes=10))
    status, headers, body = call(wsgi_app, environ("/boom"))
    assert status == 500
    assert header(headers, "content-type") == "application/json"
    assert b"Traceback" not in body and b"secret-internal-detail" not in body
    assert json.loads(body)["error"]["code"] == "internal_error"


def test_installed_error_shape_reshapes_what_chalice_answers_itself():
    from chalicelib.api.http import install

    app = build_app(debug=True)
    install(app)
    wsgi_app = validator(make_wsgi_app(app, max_body_bytes=1024))
    status, headers, body = call(wsgi_app, environ("/query", method="DELETE"))
    assert status == 405 and header(headers, "allow") == "GET, OPTIONS"  # install() answers CORS preflights
    assert json.loads(body) == {"error": {"code": "method_not_allowed", "message": "Unsupported method: DELETE",
                                          "field": None}}
    status, _, body = call(wsgi_app, environ("/bad"))  # a view raising Chalice's own BadRequestError
    assert status == 400 and json.loads(body)["error"] == {"code": "bad_request", "message": "nope", "field": None}
    status, _, body = call(wsgi_app, environ("/upload", method="POST", body=b"{}", content_type="image/png"))
    assert status == 415 and json.loads(body)["error"]["code"] == "unsupported_media_type"
    status, _, body = call(wsgi_app, environ("/boom"))  # debug mode: Chalice's traceback body
    assert status == 500 and json.loads(body)["error"]["code"] == "internal_error" and b"Traceback" not in body
    status, _, body = call(wsgi_app, environ("/nowhere"))  # the catch-all route
    assert status == 404 and json.loads(body)["error"] == {"code": "not_found", "message": "no route for GET /nowhere",
                                                           "field": None}


def test_exception_inside_the_adapter_is_500_json(app, monkeypatch):
    adapter = make_wsgi_app(app, max_body_bytes=10)

    def explode(**kwargs):
        raise KeyError("internal detail")

    monkeypatch.setattr(adapter.gateway, "handle_request", explode)
    status, _, body = call(validator(adapter), environ("/query"))
    assert status == 500
    assert json.loads(body)["error"]["code"] == "internal_error"
    assert b"internal detail" not in body


def test_view_errors_and_non_500_statuses_pass_through(wsgi_app):
    status, _, body = call(wsgi_app, environ("/bad"))
    assert status == 400 and json.loads(body)["Message"] == "nope"
    status, _, body = call(wsgi_app, environ("/unavailable"))
    assert status == 503 and json.loads(body) == {"status": "degraded"}


class ExplodingInput(io.RawIOBase):
    """wsgi.input that fails if the adapter tries to read it."""

    def read(self, *args):  # pragma: no cover - reaching it fails the test
        raise AssertionError("body was read")

    readline = readlines = read


def test_oversized_body_is_413_without_reading_it(app):
    adapter = make_wsgi_app(app, max_body_bytes=1000)
    env = environ("/items/x", method="POST", content_type="application/json")
    env["CONTENT_LENGTH"] = str(50 * 1024 * 1024)
    env["wsgi.input"] = ExplodingInput()
    status, headers, body = call(adapter, env)
    assert status == 413
    assert header(headers, "content-type") == "application/json"
    doc = json.loads(body)
    assert doc["error"]["code"] == "payload_too_large"
    assert doc["error"]["field"] is None
    assert "1000" in doc["error"]["message"]


def test_body_at_the_limit_is_accepted(app):
    adapter = validator(make_wsgi_app(app, max_body_bytes=100))
    payload = json.dumps({"s": "x" * 80}).encode()
    assert len(payload) <= 100
    status, _, _ = call(adapter, environ("/items/x", method="POST", body=payload, content_type="application/json"))
    assert status == 200
    status, _, _ = call(adapter, environ("/items/x", method="POST", body=payload + b" " * (101 - len(payload)),
                                         content_type="application/json"))
    assert status == 413


class CountingInput:
    def __init__(self, data: bytes):
        self._buf = io.BytesIO(data)
        self.consumed = 0

    def read(self, n=-1):
        chunk = self._buf.read(n)
        self.consumed += len(chunk)
        return chunk


def test_chunked_body_over_limit_is_413_after_reading_at_most_limit_plus_one(app):
    adapter = make_wsgi_app(app, max_body_bytes=1000)
    env = environ("/items/x", method="POST", content_type="application/json", headers={"Transfer-Encoding": "chunked"})
    stream = CountingInput(b"x" * 10_000_000)
    env["wsgi.input"] = stream
    status, _, body = call(adapter, env)
    assert status == 413
    assert json.loads(body)["error"]["code"] == "payload_too_large"
    assert stream.consumed <= 1001


def test_chunked_body_under_limit_is_passed(app):
    adapter = make_wsgi_app(app, max_body_bytes=1000)
    env = environ("/items/x", method="POST", content_type="application/json", headers={"Transfer-Encoding": "chunked"})
    env["wsgi.input"] = CountingInput(b'{"a": 1}')
    status, _, body = call(adapter, env)
    assert status == 200 and json.loads(body)["json"] == {"a": 1}


def test_bad_content_length_is_400(app):
    env = environ("/items/x", method="POST")
    env["CONTENT_LENGTH"] = "abc"
    status, _, body = call(make_wsgi_app(app, max_body_bytes=10), env)
    assert status == 400 and json.loads(body)["error"]["code"] == "bad_request"


def test_default_limit_comes_from_settings(app, monkeypatch):
    from chalicelib import wiring as settings

    monkeypatch.setenv("LAUNCHBAY_MAX_BODY_BYTES", "64")
    settings.reset()
    try:
        adapter = make_wsgi_app(app)
        assert adapter.max_body_bytes == 64
        status, _, _ = call(adapter, environ("/items/x", method="POST", body=b"{}" + b" " * 100,
                                             content_type="application/json"))
        assert status == 413
    finally:
        settings.reset()
    monkeypatch.delenv("LAUNCHBAY_MAX_BODY_BYTES")
    settings.reset()
    try:
        assert make_wsgi_app(build_app()).max_body_bytes == 1024 * 1024
    finally:
        settings.reset()


def test_trusted_proxy_hop_gives_client_address(app):
    adapter = make_wsgi_app(app, max_body_bytes=10, trusted_proxy_hops=1)
    env = environ("/items/x", headers={"X-Forwarded-For": "198.51.100.7, 203.0.113.9"}, remote_addr="10.0.0.5")
    assert json.loads(call(adapter, env)[2])["ip"] == "203.0.113.9"
    # Without trust, a client cannot choose its own address.
    plain = make_wsgi_app(build_app(), max_body_bytes=10)
    assert json.loads(call(plain, env)[2])["ip"] == "10.0.0.5"


# --- thread safety -----------------------------------------------------------------

def test_shared_current_request_leaks_between_threads_without_the_patch():
    """The hazard the adapter guards against: plain Chalice shares current_request."""
    barrier = threading.Barrier(N_THREADS)
    app = build_app(barrier=barrier)
    gateway = LocalGateway(app, Config.create(app_name="t"))

    def one(i):
        resp = gateway.handle_request(method="GET", path="/echo-header",
                                      headers={"authorization": "Bearer user-%d" % i}, body=None)
        return i, json.loads(resp["body"])

    with ThreadPoolExecutor(N_THREADS) as pool:
        results = list(pool.map(one, range(N_THREADS)))
    wrong = [i for i, doc in results if doc["auth"] != "Bearer user-%d" % i]
    assert wrong, "expected plain Chalice to mix up requests across threads"


def test_each_thread_sees_its_own_request_through_the_adapter():
    barrier = threading.Barrier(N_THREADS)
    adapter = make_wsgi_app(build_app(barrier=barrier), max_body_bytes=1024)

    def one(i):
        token = "Bearer user-%d" % i
        status, _, body = call(adapter, environ("/echo-header", headers={"Authorization": token}))
        return token, status, json.loads(body)

    with ThreadPoolExecutor(N_THREADS) as pool:
        results = list(pool.map(one, range(N_THREADS)))
    for token, status, doc in results:
        assert status == 200
        assert doc == {"first": token, "auth": token}


def test_many_concurrent_requests_without_barrier():
    adapter = make_wsgi_app(build_app(), max_body_bytes=1024)

    def one(i):
        token = "Bearer t-%d" % i
        status, _, body = call(adapter, environ("/echo-header", headers={"Authorization": token}))
        return token, status, json.loads(body)

    with ThreadPoolExecutor(16) as pool:
        for token, status, doc in pool.map(one, range(800)):
            assert status == 200 and doc["auth"] == token and doc["first"] == token


def test_request_is_not_left_on_the_app_after_a_response():
    app = build_app()
    adapter = make_wsgi_app(app, max_body_bytes=10)
    call(adapter, environ("/echo-header", headers={"Authorization": "Bearer leftover"}))
    assert app.current_request is None


def test_thread_local_patch_keeps_app_identity_and_is_idempotent():
    app = build_app()
    cls = type(app)
    assert make_thread_local(app) is app
    patched = type(app)
    assert patched is not cls and isinstance(app, Chalice) and isinstance(app, cls)
    assert make_thread_local(app) is app and type(app) is patched
    other = build_app()
    assert type(other) is Chalice  # other apps are not touched
    seen = {}

    def worker():
        seen["other_thread"] = app.current_request

    app.current_request = "mine"
    t = threading.Thread(target=worker)
    t.start()
    t.join()
    assert app.current_request == "mine"
    assert seen["other_thread"] is None


class _ThreadingWSGIServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):
        pass


def test_real_threaded_http_server_with_concurrent_clients():
    barrier = threading.Barrier(8)
    adapter = make_wsgi_app(build_app(barrier=barrier), max_body_bytes=1024)
    server = make_server("127.0.0.1", 0, adapter, server_class=_ThreadingWSGIServer, handler_class=_QuietHandler)
    port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        def one(i):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
            try:
                token = "Bearer http-%d" % i
                conn.request("GET", "/echo-header", headers={"Authorization": token})
                resp = conn.getresponse()
                return token, resp.status, json.loads(resp.read())
            finally:
                conn.close()

        with ThreadPoolExecutor(8) as pool:
            for token, status, doc in pool.map(one, range(8)):
                assert status == 200 and doc == {"first": token, "auth": token}

        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
        conn.request("GET", "/query?tag=a&tag=b")
        resp = conn.getresponse()
        assert resp.status == 200 and json.loads(resp.read()) == {"tag": ["a", "b"]}
        conn.close()
    finally:
        server.shutdown()
        server.server_close()


# --- lazy module-level application -------------------------------------------------

def test_lazy_application_imports_target_on_first_request(tmp_path, monkeypatch):
    (tmp_path / "lazy_target_app.py").write_text(
        "from chalice import Chalice\n"
        "app = Chalice(app_name='lazy', configure_logs=False)\n"
        "@app.route('/v1/health')\n"
        "def health():\n"
        "    return {'ok': True}\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "lazy_target_app", raising=False)
    lazy = LazyApplication("lazy_target_app:app", max_body_bytes=10)
    assert "lazy_target_app" not in sys.modules
    status, _, body = call(validator(lazy), environ("/v1/health"))
    assert status == 200 and json.loads(body) == {"ok": True}
    assert "lazy_target_app" in sys.modules
    assert lazy.load() is lazy.load()


def test_lazy_application_that_fails_to_import_answers_500_json():
    lazy = LazyApplication("no_such_module_for_launchbay_tests:app")
    status, _, body = call(validator(lazy), environ("/v1/health"))
    assert status == 500
    assert json.loads(body)["error"]["code"] == "internal_error"
    assert b"No module" not in body


def test_module_level_application_targets_app_py():
    assert isinstance(wsgi.application, LazyApplication)
    assert wsgi.application.target == "app:app"


# --- security and CORS headers (issue #9) -------------------------------------------

def test_every_answer_carries_the_security_headers_even_the_adapters_own(app, monkeypatch):
    from chalicelib import wiring

    monkeypatch.setenv("LAUNCHBAY_STAGE", "local")
    monkeypatch.setenv("LAUNCHBAY_UI_ORIGINS", "https://ui.example.com")
    wiring.reset()
    wsgi_app = validator(make_wsgi_app(app, max_body_bytes=8))

    def explode(**kwargs):
        raise KeyError("internal detail")

    broken = make_wsgi_app(app, max_body_bytes=8)
    monkeypatch.setattr(broken.gateway, "handle_request", explode)
    cases = [(wsgi_app, environ("/cookies"), 202), (wsgi_app, environ("/nowhere"), 404),
             (wsgi_app, environ("/upload", method="POST", body=b"x" * 9, content_type="text/plain"), 413),
             (make_wsgi_app(app), {**environ("/query", method="POST", body=b"{}"), "CONTENT_LENGTH": "nan"}, 400),
             (validator(broken), environ("/query"), 500)]
    try:
        for adapter, env, expected in cases:
            env["HTTP_ORIGIN"] = "https://ui.example.com"
            status, headers, _ = call(adapter, env)
            assert status == expected
            assert header(headers, "x-content-type-options") == "nosniff"
            assert header(headers, "x-frame-options") == "DENY"
            assert header(headers, "cache-control") == "no-store"
            assert header(headers, "referrer-policy") == "no-referrer"
            assert header(headers, "content-security-policy") == "default-src 'none'; frame-ancestors 'none'"
            assert header(headers, "strict-transport-security") is None  # stage local: plain HTTP
            assert header(headers, "access-control-allow-origin") == "https://ui.example.com"
        status, headers, _ = call(wsgi_app, environ("/cookies", headers={"Origin": "https://evil.example"}))
        assert header(headers, "access-control-allow-origin") is None
        assert header(headers, "set-cookie") == ["a=1", "b=2"] and header(headers, "x-one") == "1"  # the app's kept
    finally:
        wiring.reset()


def test_request_ids_are_uuid4s_unique_within_and_across_forked_workers():
    """Ids made for requests without an X-Request-Id: uuid4's format, a counter within a process
    and a new random start in every forked worker."""
    import os
    import uuid

    from chalicelib.api.wsgi import _new_request_id

    ids = [_new_request_id() for _ in range(1000)]
    assert len(set(ids)) == 1000 and all(uuid.UUID(i).version == 4 and str(uuid.UUID(i)) == i for i in ids)
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:   # a worker forked from the preloaded master
        os.write(write, _new_request_id().encode())
        os._exit(0)
    os.waitpid(pid, 0)
    child = os.read(read, 100).decode()
    os.close(read)
    os.close(write)
    assert child not in ids and child[:24] != ids[0][:24]


_FIRST_REQUEST = r'''
import io, sys, wsgiref.util
from chalicelib.api.wsgi import LazyApplication

app = LazyApplication("app:app")
app.preload()   # what gunicorn.conf.py's when_ready does in the master before it forks workers
before = set(sys.modules)
env = {}
wsgiref.util.setup_testing_defaults(env)
env.update({"PATH_INFO": sys.argv[1], "HTTP_AUTHORIZATION": "Bearer " + sys.argv[2], "wsgi.input": io.BytesIO()})
seen = []
b"".join(app(env, lambda status, headers, exc=None: seen.append(status)))
print(seen[0])
print(" ".join(sorted(set(sys.modules) - before)))
'''


def test_after_preload_the_first_authenticated_request_imports_nothing(make_org):
    """A worker forked from the preloaded master serves its first request without importing a
    module: PyJWT (with cryptography) and the store's adapter and driver were imported inside
    functions, ~70 ms on a new worker's first request (seen as p99 spikes when gunicorn recycles
    a worker, or when a worker that had been idle took its first request)."""
    import subprocess

    org = make_org()
    out = subprocess.run([sys.executable, "-c", _FIRST_REQUEST, f"/v1/orgs/{org.id}/projects", org.owner["token"]],
                         capture_output=True, text=True, timeout=120, cwd=str(Path(__file__).resolve().parents[2]))
    assert out.returncode == 0, out.stderr[-3000:]
    status, imported = (out.stdout.splitlines() + [""])[:2]
    assert status == "200 OK", out.stdout + out.stderr[-2000:]
    assert imported == "", f"the first request imported: {imported}"
