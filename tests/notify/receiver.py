"""A real HTTP receiver on 127.0.0.1 (http.server in a thread) that records every request.

    with Receiver(answers=[500, 200], delay=0) as r:   # answers: status per request, the last repeats
        url = r.url("/hook")
        ...
        r.wait(2)                                      # until two requests arrived
"""
from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float
    method: str = "POST"

    def json(self) -> Any:
        return json.loads(self.body)


class Receiver:
    def __init__(self, answers: list[int] | None = None, delay: float = 0.0,
                 reply: Callable[[Received], bytes] | None = None):
        """`reply`: the body of a 2xx answer to a request (default b"ok"), e.g. an API's JSON."""
        self.answers = list(answers or [200])
        self.delay = delay
        self.requests: list[Received] = []
        self._lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's naming)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                got = Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body, time.time(),
                               self.command)
                with outer._lock:
                    outer.requests.append(got)
                    n = len(outer.requests)
                    status = outer.answers[min(n, len(outer.answers)) - 1]
                if outer.delay:
                    time.sleep(outer.delay)
                payload = (reply(got) if reply else b"ok") if status < 300 else b"receiver is unhappy"
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except OSError:  # the sender gave up (its read timeout)
                    pass

            do_PATCH = do_GET = do_POST  # noqa: N815

            def log_message(self, *args):  # quiet
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def __enter__(self) -> "Receiver":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def events(self) -> list[str]:
        with self._lock:
            return [r.headers.get("launchbay-event", "") for r in self.requests]

    def wait(self, count: int, timeout: float = 60.0) -> list[Received]:
        deadline = time.time() + timeout
        while time.time() < deadline:
            with self._lock:
                if len(self.requests) >= count:
                    return list(self.requests)
            time.sleep(0.05)
        raise AssertionError(f"the receiver got {len(self.requests)} requests, expected {count}: {self.events()}")
