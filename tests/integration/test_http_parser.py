"""gunicorn's C request parser (gunicorn_h1c, which gunicorn.conf.py takes when it is installed)
against its Python one, on the requests that matter for safety: each server, gunicorn.conf.py with
one or the other parser, gets the same raw bytes and must answer with the same status, the status
written here. Smuggling (two lengths, a length and chunked, chunked not last), header injection,
obsolete folding, the limits, bad methods and versions. The one difference, written as such: the C
parser refuses HTTP/1.2, which the Python one serves as HTTP/1.1."""
from __future__ import annotations

import socket
from pathlib import Path

import pytest

from tests.support.net import free_port, start_gunicorn, stop_gunicorn

try:
    import gunicorn_h1c  # noqa: F401
except ImportError:   # pragma: no cover - requirements-dev.txt installs it
    pytest.skip("gunicorn_h1c is not installed (pip install -r requirements-dev.txt; it needs a C compiler)",
                allow_module_level=True)


def echo_app(environ, start_response):
    """Reads the whole body (so chunked bodies are parsed), answers its length and X-A."""
    body = environ["wsgi.input"].read()
    out = b"%d %s" % (len(body), environ.get("HTTP_X_A", "-").encode("latin-1"))
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(out)))])
    return [out]


HOST = b"Host: x\r\n"
GET = b"GET / HTTP/1.1\r\n" + HOST
POST = b"POST / HTTP/1.1\r\n" + HOST
CHUNKED = POST + b"Transfer-Encoding: chunked\r\n\r\n"

# name -> (raw request, the status both parsers answer)
CASES = {
    "a plain GET": (GET + b"\r\n", 200),
    "a body by length": (POST + b"Content-Length: 3\r\n\r\nabc", 200),
    "a chunked body": (CHUNKED + b"3\r\nabc\r\n0\r\n\r\n", 200),
    "a chunk extension": (CHUNKED + b"3;a=b\r\nabc\r\n0\r\n\r\n", 200),
    "two Content-Lengths": (POST + b"Content-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", 400),
    "Content-Length and chunked": (POST + b"Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
    "chunked not last": (POST + b"Transfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n", 400),
    "a chunk size that is not hex": (CHUNKED + b"zz\r\nabc\r\n0\r\n\r\n", 400),
    "a signed Content-Length": (POST + b"Content-Length: +3\r\n\r\nabc", 400),
    "a negative Content-Length": (POST + b"Content-Length: -1\r\n\r\n", 400),
    "obsolete line folding": (GET + b"X-A: 1\r\n  2\r\n\r\n", 400),
    "a space before the colon": (GET + b"X-A : 1\r\n\r\n", 400),
    "an empty header name": (GET + b": 1\r\n\r\n", 400),
    "a non-ASCII header name": (GET + b"X-\xe4: 1\r\n\r\n", 400),
    "NUL in a value": (GET + b"X-A: a\x00b\r\n\r\n", 400),
    "CR in a value": (GET + b"X-A: a\rb\r\n\r\n", 400),
    "bare LF line ends": (b"GET / HTTP/1.1\nHost: x\n\n", 400),
    "two Hosts": (GET + HOST + b"\r\n", 400),
    "a header over limit_request_field_size": (GET + b"X-A: " + b"a" * 9000 + b"\r\n\r\n", 431),
    "more fields than limit_request_fields": (GET + b"".join(b"X-%d: 1\r\n" % i for i in range(120)) + b"\r\n", 431),
    "a request line over limit_request_line": (b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\n" + HOST + b"\r\n", 414),
    "a method with a bad character": (b"G@T / HTTP/1.1\r\n" + HOST + b"\r\n", 400),
    "a lowercase method": (b"get / HTTP/1.1\r\n" + HOST + b"\r\n", 400),
    "HTTP/2.0 on HTTP/1's port": (b"GET / HTTP/2.0\r\n" + HOST + b"\r\n", 400),
    "no version": (b"GET /\r\n" + HOST + b"\r\n", 400),
    "a space in the target": (b"GET /a b HTTP/1.1\r\n" + HOST + b"\r\n", 400),
    "Expect: 100-continue": (POST + b"Expect: 100-continue\r\nContent-Length: 1\r\n\r\na", 100),
    "another expectation": (POST + b"Expect: foo\r\nContent-Length: 1\r\n\r\na", 417),
}


def _start(tmp_path: Path, parser: str):
    port = free_port()
    proc, log = start_gunicorn("tests.integration.test_http_parser:echo_app",
                               {"LAUNCHBAY_WEB_WORKERS": "1", "LAUNCHBAY_ACCESS_LOG": "off", "LAUNCHBAY_WEB_PRELOAD": "0",
                                "LAUNCHBAY_LOG_LEVEL": "info", "GUNICORN_CMD_ARGS": f"--http-parser {parser}"},
                               [port], tmp_path / f"gunicorn-{parser}.log")
    return proc, port, log


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("parsers")
    started = {parser: _start(tmp, parser) for parser in ("python", "fast")}
    try:
        yield {parser: port for parser, (_proc, port, _log) in started.items()}, \
            {parser: log for parser, (_proc, _port, log) in started.items()}
    finally:
        for proc, _port, log in started.values():
            stop_gunicorn(proc, log)


def _send(port: int, raw: bytes) -> bytes:
    """The raw answer to `raw`, sent on a new connection whose writing side is then closed."""
    with socket.create_connection(("127.0.0.1", port), 10) as s:
        s.sendall(raw)
        s.shutdown(socket.SHUT_WR)
        out = b""
        while chunk := s.recv(65536):
            out += chunk
    return out


def _status(answer: bytes) -> int:
    return int(answer.split(b"\r\n", 1)[0].split(b" ")[1])


def test_each_server_says_which_parser_it_runs(servers):
    _ports, logs = servers
    for parser, said in (("python", "HTTP parser: Python"), ("fast", "HTTP parser: gunicorn_h1c (C)")):
        logs[parser].seek(0)
        assert said in logs[parser].read()


@pytest.mark.parametrize("name", list(CASES))
def test_both_parsers_answer_alike(servers, name):
    ports, _logs = servers
    raw, status = CASES[name]
    answers = {parser: _send(port, raw) for parser, port in ports.items()}
    assert {parser: _status(a) for parser, a in answers.items()} == {"python": status, "fast": status}
    if status == 200:   # and the app saw the same request
        assert answers["python"].rsplit(b"\r\n\r\n", 1)[1] == answers["fast"].rsplit(b"\r\n\r\n", 1)[1]


def test_a_header_value_reaches_the_app_alike(servers):
    ports, _logs = servers
    raw = GET + b"X-A: \t bearer abc.def-ghi_jkl \t\r\n\r\n"   # spaces and tabs around it are not the value
    bodies = {parser: _send(port, raw).rsplit(b"\r\n\r\n", 1)[1] for parser, port in ports.items()}
    assert bodies == {"python": b"0 bearer abc.def-ghi_jkl", "fast": b"0 bearer abc.def-ghi_jkl"}


def test_the_c_parser_refuses_http_1_2_which_python_serves_as_1_1(servers):
    ports, _logs = servers
    raw = b"GET / HTTP/1.2\r\n" + HOST + b"\r\n"
    assert _status(_send(ports["python"], raw)) == 200
    assert _status(_send(ports["fast"], raw)) == 400
