"""A log drain's receiver for tests: an HTTP endpoint speaking Amazon Data Firehose's protocol
(the sandbox delivers to it as Firehose does: scripts/sandbox_server.py)."""
from __future__ import annotations

import base64
import gzip
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Receiver:
    """An HTTP endpoint speaking Firehose's protocol: keeps each request's headers and the
    CloudWatch Logs records it carried; answers `status`."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.status = 200
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):   # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if self.headers.get("Content-Encoding") == "gzip":
                    body = gzip.decompress(body)
                doc = json.loads(body)
                records = []
                for r in doc["records"]:
                    data = base64.b64decode(r["data"])
                    records.append(json.loads(gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data))
                outer.requests.append({"headers": dict(self.headers), "records": records})
                answer = json.dumps({"requestId": doc["requestId"], "timestamp": doc["timestamp"]}).encode()
                self.send_response(outer.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/firehose"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def lines(self, group: str | None = None) -> list[str]:
        return [e["message"] for req in self.requests for rec in req["records"]
                if group is None or rec.get("logGroup") == group for e in rec["logEvents"]]
