"""The API server's worker class (chalicelib/api/gunicorn_worker.py) under a real gunicorn with
gunicorn.conf.py: one idle worker is woken per connection, so back-to-back requests stay on one
worker; concurrent ones still spread over all of them; signals still stop it at once; and where
EPOLLEXCLUSIVE is missing it is gunicorn's sync worker as it is."""
from __future__ import annotations

import http.client
import os
import select
import signal
import socket
import subprocess
import threading
import time

import pytest

from tests.support.net import free_port, start_gunicorn, stop_gunicorn

WORKERS = 3

pytestmark = pytest.mark.skipif(not hasattr(select, "EPOLLEXCLUSIVE"), reason="epoll with EPOLLEXCLUSIVE is Linux-only")


def pid_app(environ, start_response):
    """Answers its worker's pid; `?sleep=S` first sleeps S seconds (a slow request); `?inject`
    answers a header whose value would start a second header (gunicorn must refuse it)."""
    query = environ.get("QUERY_STRING", "")
    if query.startswith("sleep="):
        time.sleep(float(query[6:]))
    body = str(os.getpid()).encode()
    extra = [("X-Injected", "a\r\nSet-Cookie: s=1")] if query == "inject" else []
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body))),
                              ("X-Frame-Options", "DENY")] + extra)
    return [body]


def _start(tmp_path, *ports: int):
    return start_gunicorn("tests.integration.test_gunicorn_worker:pid_app",
                          {"LAUNCHBAY_WEB_WORKERS": str(WORKERS), "LAUNCHBAY_WEB_THREADS": "1",
                           "LAUNCHBAY_ACCESS_LOG": "off", "LAUNCHBAY_WEB_PRELOAD": "0", "LAUNCHBAY_LOG_LEVEL": "info"},
                          list(ports), tmp_path / "gunicorn.log", ready=_get)


@pytest.fixture
def server(tmp_path):
    port = free_port()
    proc, log = _start(tmp_path, port)
    try:
        yield proc, port, log
    finally:
        stop_gunicorn(proc, log)


def _get(port: int, path: str = "/") -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        assert resp.status == 200
        return int(resp.read())
    finally:
        conn.close()


def _raw(port: int, path: str) -> tuple[int, list[tuple[str, str]], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        return resp.status, resp.getheaders(), resp.read()
    finally:
        conn.close()


def _worker_pids(master: int) -> set[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(master)], capture_output=True, text=True).stdout
    return {int(x) for x in out.split()}


def test_the_server_runs_the_exclusive_worker(server):
    proc, port, log = server
    log.seek(0)
    assert "Using worker: chalicelib.api.gunicorn_worker.ExclusiveSyncWorker" in log.read()


def test_back_to_back_requests_stay_on_one_worker(server):
    """gunicorn's select()-based sync worker spreads sequential requests over every worker (all
    wake and race for each connection: the busiest of 3 took 36-41 % of 200 here). Here one
    worker takes most of them (75-80 % here); the rest go to a second one, woken when the next
    connection came in while the first was between its accept() and its wait."""
    proc, port, _ = server
    time.sleep(0.5)   # every worker is waiting
    pids = [_get(port) for _ in range(200)]
    busiest = max(pids.count(p) for p in set(pids))
    assert busiest >= 130, {p: pids.count(p) for p in set(pids)}
    assert set(pids) <= _worker_pids(proc.pid)


def test_concurrent_requests_still_use_every_worker(server):
    """Slow requests at once: each wakes another idle worker, none waits behind another."""
    proc, port, _ = server
    answers: list[int] = []
    started = time.monotonic()
    threads = [threading.Thread(target=lambda: answers.append(_get(port, "/?sleep=0.6"))) for _ in range(WORKERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    elapsed = time.monotonic() - started
    assert len(answers) == WORKERS and len(set(answers)) == WORKERS, answers
    assert elapsed < 0.6 * 2, f"{WORKERS} slow requests took {elapsed:.2f} s: they ran one after another"


def test_a_stop_signal_still_wakes_idle_workers(server):
    """Waiting workers hear the master's signals through gunicorn's pipe, which is in their epoll
    set too: a graceful stop ends at once, not after the 30 s wait timeout."""
    proc, port, _ = server
    _get(port)
    started = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    proc.wait(15)
    assert time.monotonic() - started < 5
    assert proc.returncode == 0


def test_headers_are_checked_on_every_answer_not_only_the_first(server):
    """The worker's answers remember the header pairs they accepted (chalicelib/api/gunicorn_response.py):
    the same headers on every answer, and a bad one refused every time, after good answers too."""
    proc, port, log = server
    for _ in range(3 * WORKERS):
        status, headers, body = _raw(port, "/")
        assert status == 200 and [h for h in headers if h[0] not in ("Server", "Date", "Connection")] == [
            ("Content-Type", "text/plain"), ("Content-Length", str(len(body))), ("X-Frame-Options", "DENY")]
        status, headers, _ = _raw(port, "/?inject")
        assert status == 500 and not [h for h in headers if h[0] in ("Set-Cookie", "X-Injected")]


def test_several_addresses_are_each_served(tmp_path):
    """LAUNCHBAY_BIND with two addresses: gunicorn's loop for several listeners gets the socket
    that is ready from the epoll set, on either."""
    first, second = free_port(), free_port()
    proc, log = _start(tmp_path, first, second)
    try:
        served = [_get(port) for _ in range(20) for port in (first, second)]
        assert len(served) == 40 and set(served) <= _worker_pids(proc.pid)
    finally:
        stop_gunicorn(proc, log)


def test_without_epollexclusive_it_is_gunicorns_sync_worker(monkeypatch):
    """Where the flag is missing (macOS, Linux before 4.5), wait() is SyncWorker's select()."""
    from chalicelib.api import gunicorn_worker

    worker = gunicorn_worker.ExclusiveSyncWorker.__new__(gunicorn_worker.ExclusiveSyncWorker)
    read, write = os.pipe()
    listener = socket.socket()
    try:
        worker.PIPE, worker.sockets = (read, write), [listener]
        monkeypatch.setattr(gunicorn_worker, "EPOLLEXCLUSIVE", 0)
        assert worker._open_epoll() is None
        monkeypatch.undo()
        ep = worker._open_epoll()
        assert ep is not None and worker._by_fd == {listener.fileno(): listener}
        ep.close()
    finally:
        listener.close()
        os.close(read)
        os.close(write)
