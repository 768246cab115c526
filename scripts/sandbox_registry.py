"""A private container registry on this machine, for the sandbox: the registry HTTP API v2's
sign-in and manifest reads, as GHCR or Docker Hub answer them (a token service, or Basic), with
the images and users you give it. It stores no layers: the sandbox's tasks are simulated, and what
Launchbay asks of a registry is whether a login works and what digest a tag names.

    .venv/bin/python scripts/sandbox_registry.py --user bot:s3cret --image acme/api:1.0 [--port 5000]
                                                 [--auth bearer|basic] [--public acme/site]

Then `launchbay registries login 127.0.0.1:5000 -u bot` and a service with the image
`127.0.0.1:5000/acme/api:1.0`. `--image` may be given many times; `--public` names repositories
anyone may pull. Tests use `Registry` directly (tests/support/registry.py).
"""
from __future__ import annotations

import argparse
import base64
import hashlib
import json
import re
import secrets
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Optional

MANIFEST_TYPE = "application/vnd.oci.image.manifest.v1+json"
INDEX_TYPE = "application/vnd.oci.image.index.v1+json"
CONFIG_TYPE = "application/vnd.oci.image.config.v1+json"


def config_for(platform: str) -> bytes:
    """An image config naming its platform, "linux/amd64" (what a pull's architecture check reads)."""
    os_name, _, arch = platform.partition("/")
    return json.dumps({"architecture": arch, "os": os_name, "config": {}}, sort_keys=True).encode()


def _digest(body: bytes) -> str:
    return "sha256:" + hashlib.sha256(body).hexdigest()


def manifest_for(repository: str, tag: str, platform: str = "linux/amd64") -> bytes:
    """A small OCI manifest, different per image and tag (its digest is the image's digest); its
    config (served as a blob) names the platform. No layers."""
    seed = hashlib.sha256(f"{repository}:{tag}".encode()).hexdigest()
    return json.dumps({"schemaVersion": 2, "mediaType": MANIFEST_TYPE, "annotations": {"seed": seed},
                       "config": {"mediaType": CONFIG_TYPE, "digest": _digest(config_for(platform)), "size": 64},
                       "layers": []}, sort_keys=True).encode()


def index_for(manifests: dict[str, bytes]) -> bytes:
    """A multi-platform index of {platform: manifest}, as `docker buildx --platform a,b` pushes."""
    entries = [{"mediaType": MANIFEST_TYPE, "digest": _digest(body), "size": len(body),
                "platform": {"os": p.partition("/")[0], "architecture": p.partition("/")[2]}}
               for p, body in sorted(manifests.items())]
    return json.dumps({"schemaVersion": 2, "mediaType": INDEX_TYPE, "manifests": entries}, sort_keys=True).encode()


class Registry:
    """users {name: password}; images {"repo": {"tag": manifest bytes}}; public: repositories
    anyone may pull; auth "bearer" (a token service at /token, as GHCR) or "basic"."""

    def __init__(self, users: dict[str, str], images: dict[str, dict[str, bytes]], auth: str = "bearer",
                 public: tuple[str, ...] = (), port: int = 0):
        self.users, self.images, self.auth, self.public = dict(users), images, auth, set(public)
        self.tokens: dict[str, Optional[str]] = {}     # token -> user (None: anonymous)
        self.requests: list[tuple[str, str, Optional[str]]] = []   # (method, path, user) as seen
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", port), self._handler())
        self.server.daemon_threads = True
        self.host = f"127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> "Registry":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def push(self, repository: str, tag: str, platforms: tuple[str, ...] = ("linux/amd64",)) -> str:
        """Put (or move) a tag: one manifest for one platform, an index for several; -> its digest."""
        salt = secrets.token_hex(4)
        manifests = {p: manifest_for(repository, f"{tag}:{salt}", p) for p in platforms}
        body = manifests[platforms[0]] if len(platforms) == 1 else index_for(manifests)
        with self.lock:
            stored = self.images.setdefault(repository, {})
            stored[tag] = body
            for m in manifests.values() if len(platforms) > 1 else ():   # an index's entries, by digest only
                stored[_digest(m)] = m
        return _digest(body)

    def digest(self, repository: str, tag: str) -> str:
        return "sha256:" + hashlib.sha256(self.images[repository][tag]).hexdigest()

    def _user(self, header: str) -> tuple[bool, Optional[str]]:
        """-> (authenticated, user) from an Authorization header."""
        scheme, _, value = (header or "").partition(" ")
        if scheme.lower() == "basic":
            try:
                name, _, password = base64.b64decode(value).decode().partition(":")
            except (ValueError, UnicodeDecodeError):
                return False, None
            return (self.users.get(name) == password and name != ""), name
        if scheme.lower() == "bearer" and value in self.tokens:
            return True, self.tokens[value]
        return False, None

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        registry = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:   # quiet: tests read `requests`
                pass

            def _answer(self, code: int, body: bytes = b"", headers: Optional[dict[str, str]] = None) -> None:
                self.send_response(code)
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            def _challenge(self, scope: str = "") -> None:
                if registry.auth == "basic":
                    header = 'Basic realm="sandbox registry"'
                else:
                    header = f'Bearer realm="http://{registry.host}/token",service="{registry.host}"' + \
                        (f',scope="{scope}"' if scope else "")
                error = {"errors": [{"code": "UNAUTHORIZED", "message": "authentication required"}]}
                self._answer(401, json.dumps(error).encode(), {"WWW-Authenticate": header,
                                                               "Content-Type": "application/json"})

            def do_GET(self) -> None:
                self._serve()

            def do_HEAD(self) -> None:
                self._serve()

            def _serve(self) -> None:
                path = self.path.split("?", 1)[0]
                ok, user = registry._user(self.headers.get("Authorization", ""))
                with registry.lock:
                    registry.requests.append((self.command, path, user if ok else None))
                if path == "/token" and registry.auth == "bearer":
                    if self.headers.get("Authorization") and not ok:
                        return self._answer(401, b'{"errors":[{"code":"UNAUTHORIZED"}]}')
                    token = secrets.token_hex(16)
                    with registry.lock:
                        registry.tokens[token] = user if ok else None
                    return self._answer(200, json.dumps({"token": token}).encode(),
                                        {"Content-Type": "application/json"})
                if path == "/v2/":
                    if not ok or (registry.auth == "bearer" and registry.tokens.get(
                            self.headers.get("Authorization", "").partition(" ")[2]) is None):
                        return self._challenge()
                    return self._answer(200, b"{}", {"Content-Type": "application/json"})
                blob = re.match(r"^/v2/(?P<repo>.+)/blobs/(?P<digest>sha256:[0-9a-f]{64})$", path)
                if blob:   # image configs only (no layers here): the platform a manifest names
                    if not (blob["repo"] in registry.public or (ok and user is not None)):
                        return self._challenge(f"repository:{blob['repo']}:pull")
                    config = next((config_for(p) for p in ("linux/amd64", "linux/arm64")
                                   if _digest(config_for(p)) == blob["digest"]), None)
                    if config is None:
                        return self._answer(404, b'{"errors":[{"code":"BLOB_UNKNOWN"}]}')
                    return self._answer(200, config, {"Content-Type": CONFIG_TYPE,
                                                      "Docker-Content-Digest": blob["digest"]})
                m = re.match(r"^/v2/(?P<repo>.+)/manifests/(?P<ref>[^/]+)$", path)
                if not m:
                    return self._answer(404, b'{"errors":[{"code":"NAME_UNKNOWN"}]}')
                repo, ref = m["repo"], m["ref"]
                allowed = repo in registry.public or (ok and user is not None)
                if not allowed:
                    return self._challenge(f"repository:{repo}:pull")
                with registry.lock:
                    tags = dict(registry.images.get(repo) or {})
                body = tags.get(ref) or next((b for b in tags.values()
                                              if "sha256:" + hashlib.sha256(b).hexdigest() == ref), None)
                if body is None:
                    return self._answer(404, b'{"errors":[{"code":"MANIFEST_UNKNOWN"}]}',
                                        {"Content-Type": "application/json"})
                self._answer(200, body, {"Content-Type": json.loads(body).get("mediaType", MANIFEST_TYPE),
                                         "Docker-Content-Digest": "sha256:" + hashlib.sha256(body).hexdigest()})

        return Handler


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=5000)
    parser.add_argument("--user", action="append", default=[], help="name:password (many allowed)")
    parser.add_argument("--image", action="append", default=[], help="repository:tag (many allowed)")
    parser.add_argument("--public", action="append", default=[], help="a repository anyone may pull")
    parser.add_argument("--auth", choices=("bearer", "basic"), default="bearer")
    args = parser.parse_args()
    users = dict(u.split(":", 1) for u in args.user)
    registry = Registry(users, {}, args.auth, tuple(args.public), args.port)
    for image in args.image:
        repo, _, tag = image.rpartition(":") if ":" in image else (image, "", "latest")
        print(f"{registry.host}/{repo}:{tag or 'latest'} {registry.push(repo, tag or 'latest')}")
    print(f"registry on http://{registry.host} ({args.auth}; users: {', '.join(users) or 'none'})", flush=True)
    try:
        registry.server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
