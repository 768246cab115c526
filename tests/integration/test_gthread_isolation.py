"""The real API under gunicorn `gthread` workers (LAUNCHBAY_WEB_THREADS > 1): many requests
at once in one process, with two users' tokens interleaved, and every answer is the caller's
own (Chalice's current_request is per thread in chalicelib/api/wsgi.py)."""
from __future__ import annotations

import http.client
import json
import signal
import uuid
from concurrent.futures import ThreadPoolExecutor

from tests.support.net import free_port, start_gunicorn


def _call(port, method, path, body=None, token=None, conn=None):
    own = conn is None
    conn = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = "Bearer " + token
    conn.request(method, path, json.dumps(body) if body is not None else None, headers)
    resp = conn.getresponse()
    data = json.loads(resp.read() or b"null")
    if own:
        conn.close()
    return resp.status, data


def test_gthread_workers_keep_each_request_its_own(launchbay_env, tmp_path):
    def up(port: int) -> None:
        if _call(port, "GET", "/v1/openapi.json")[0] != 200:
            raise OSError("the API does not answer yet")

    port = free_port()
    proc, log = start_gunicorn("chalicelib.api.wsgi:application",
                               {**launchbay_env, "LAUNCHBAY_WEB_WORKERS": "1", "LAUNCHBAY_WEB_THREADS": "8",
                                "LAUNCHBAY_ACCESS_LOG": "off", "LAUNCHBAY_LOG_LEVEL": "info"},
                               [port], tmp_path / "gunicorn.log", ready=up, timeout=60)
    try:
        users = {}
        for name in ("a", "b"):
            email = f"gthread-{name}-{uuid.uuid4().hex[:8]}@example.com"
            status, doc = _call(port, "POST", "/v1/auth/signup",
                                {"email": email, "password": "a long password", "organization": name.upper()})
            assert status == 201, doc
            users[email] = doc["token"]

        def client(i: int) -> list[tuple[str, str]]:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)   # keep-alive under gthread
            seen = []
            for j in range(100):
                email = sorted(users)[(i + j) % 2]
                status, me = _call(port, "GET", "/v1/me", token=users[email], conn=conn)
                assert status == 200, me
                seen.append((email, me["user"]["email"]))
            conn.close()
            return seen

        with ThreadPoolExecutor(16) as pool:
            answers = [pair for chunk in pool.map(client, range(16)) for pair in chunk]
        assert len(answers) == 1600
        assert [a for a in answers if a[0] != a[1]] == []       # nobody saw the other user's answer
        assert "Using worker: gthread" in (tmp_path / "gunicorn.log").read_text()
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(20)
        log.close()
