"""CheckedOnceResponse (chalicelib/api/gunicorn_response.py) writes what gunicorn's Response writes
and refuses what it refuses, on the first answer and on every one after it."""
from __future__ import annotations

import socket
from types import SimpleNamespace

import pytest
from gunicorn.config import Config
from gunicorn.http.errors import InvalidResponseHeader, InvalidResponseHeaderName
from gunicorn.http.wsgi import Response

from chalicelib.api import gunicorn_response
from chalicelib.api.gunicorn_response import CheckedOnceResponse

API_HEADERS = [("Content-Type", "application/json"), ("Content-Length", "11"), ("X-Content-Type-Options", "nosniff"),
               ("X-Frame-Options", "DENY"), ("Referrer-Policy", "no-referrer"), ("Cache-Control", "no-store"),
               ("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'"), ("Vary", "Origin")]


@pytest.fixture(autouse=True)
def forget(monkeypatch):
    monkeypatch.setattr(gunicorn_response, "_checked", set())


def answer(cls, headers, body=(b'{"items":[]}',), method="GET", version=(1, 1), status="200 OK"):
    """One answer written by `cls` -> (the bytes on the wire without the Date line, the response)."""
    a, b = socket.socketpair()
    try:
        req = SimpleNamespace(method=method, version=version, should_close=lambda: False)
        resp = cls(req, a, Config())
        resp.force_close()
        resp.start_response(status, list(headers))
        for chunk in body:
            resp.write(chunk)
        resp.close()
        a.close()
        wire = b""
        while chunk := b.recv(65536):
            wire += chunk
    finally:
        b.close()
    return b"".join(line for line in wire.splitlines(keepends=True) if not line.startswith(b"Date: ")), resp


@pytest.mark.parametrize("headers", [
    API_HEADERS,
    API_HEADERS + [("Access-Control-Allow-Origin", "http://127.0.0.1:5173"), ("Location", "/v1/orgs/o1")],
    [("Content-Type", "text/plain"), ("X-Padded", "  value\t"), ("Connection", "keep-alive"), ("Transfer-Encoding", "chunked"),
     ("Server", "me"), ("Upgrade", "h2c")],   # stripped, and hop-by-hop headers that gunicorn drops
    [("Content-Type", "text/plain")],          # no length: chunked on HTTP/1.1
    [["Content-Type", "text/plain"], ["X-List", "x"]],   # lists, which gunicorn takes too (never remembered)
])
def test_every_answer_is_gunicorns_byte_for_byte(headers):
    expected, plain = answer(Response, headers)
    for _ in range(3):   # the first answer checks, the next ones remember
        wire, resp = answer(CheckedOnceResponse, headers)
        assert wire == expected
        assert (resp.headers, resp.response_length, resp.chunked) == (plain.headers, plain.response_length, plain.chunked)


def test_the_constant_headers_are_remembered_and_the_rest_checked_each_time():
    headers = API_HEADERS + [("X-Padded", " v "), ("Connection", "close")]
    answer(CheckedOnceResponse, headers)
    remembered = gunicorn_response._checked
    assert ("X-Frame-Options", "DENY") in remembered and ("Content-Type", "application/json") in remembered
    # Content-Length sets the length on each answer, a padded value is stripped each time, hop-by-hop is dropped
    assert not {h for h in remembered if h[0] in ("Content-Length", "X-Padded", "Connection")}


def test_content_length_is_honoured_on_every_answer():
    for _ in range(3):
        wire, resp = answer(CheckedOnceResponse, [("Content-Type", "text/plain"), ("Content-Length", "4")], body=(b"abcdefgh",))
        assert wire.endswith(b"\r\n\r\nabcd") and resp.response_length == 4


@pytest.mark.parametrize("header,error", [
    (("X-Injected", "a\r\nSet-Cookie: s=1"), InvalidResponseHeader),
    (("X-Nul", "a\x00b"), InvalidResponseHeader),
    (("Bad Name", "x"), InvalidResponseHeaderName),
    ((b"X-Bytes", "x"), TypeError),
    (("X-Int", 5), TypeError),
    (("X-Unhashable", ["x"]), TypeError),   # gunicorn's error, not the set's
])
def test_a_bad_header_is_refused_every_time(header, error):
    for _ in range(3):
        answer(CheckedOnceResponse, API_HEADERS)
        with pytest.raises(error):
            answer(CheckedOnceResponse, API_HEADERS[:2] + [header])
    assert all(type(h) is tuple and type(h[0]) is str and type(h[1]) is str for h in gunicorn_response._checked)


def test_at_most_max_remembered_pairs_are_kept(monkeypatch):
    monkeypatch.setattr(gunicorn_response, "MAX_REMEMBERED", 4)
    answer(CheckedOnceResponse, API_HEADERS)
    first = set(gunicorn_response._checked)
    assert len(first) == 4
    for i in range(10):   # a header whose value changes on each answer
        wire, _ = answer(CheckedOnceResponse, API_HEADERS + [("ETag", f'"{i}"')])
        assert f'ETag: "{i}"\r\n'.encode() in wire
    assert gunicorn_response._checked == first


def test_the_workers_handle_request_is_gunicorns_but_for_the_response_class():
    """ExclusiveSyncWorker.handle_request is a copy of gunicorn's (to pass its response class): if a
    gunicorn upgrade changes the original, this fails, and the copy is to be made again."""
    import ast
    import inspect
    import textwrap

    from gunicorn.workers.sync import SyncWorker

    from chalicelib.api.gunicorn_worker import ExclusiveSyncWorker

    class Plain(ast.NodeTransformer):
        """Our copy's typing and its one intended change, undone."""

        def visit_FunctionDef(self, node):
            node.returns = None
            for arg in node.args.args:
                arg.annotation = None
            return self.generic_visit(node)

        def visit_AnnAssign(self, node):
            return ast.Assign(targets=[node.target], value=node.value, lineno=node.lineno)

        def visit_Call(self, node):
            node.keywords = [k for k in node.keywords if k.arg != "response_class"]
            return self.generic_visit(node)

        def visit_Raise(self, node):
            node.cause = None
            return node

    def tree(fn, plain=False):
        t = ast.parse(textwrap.dedent(inspect.getsource(fn)))
        return ast.dump(Plain().visit(t) if plain else t, annotate_fields=False)

    ours = inspect.getsource(ExclusiveSyncWorker.handle_request)
    assert "response_class=CheckedOnceResponse" in ours
    assert tree(ExclusiveSyncWorker.handle_request, plain=True) == tree(SyncWorker.handle_request)
