"""The registry HTTP API v2 (the OCI distribution spec), the two things Launchbay asks of it:
does a login work (`check_login`), and what digest does a tag name now (`manifest_digest`).

Registries authenticate in one of two ways, both said by the `WWW-Authenticate` header of a 401:
`Basic` (send the user name and password with every request) or `Bearer` (trade them at the
token service it names for a short-lived token, scoped to pulling one repository: Docker Hub,
GHCR, GitLab, Quay). Every request goes through the notification sender's SSRF guard
(chalicelib/notify/delivery.send): HTTPS to public addresses, loopback over HTTP only in local
mode, no redirects followed (a redirect must not carry the credentials elsewhere).
"""
from __future__ import annotations

import base64
import hashlib
import json
import re
from typing import Optional
from urllib.parse import urlencode

from chalicelib.notify import delivery, urls
from chalicelib.registries.references import DOCKER_HUB, Reference

# what a pull asks for: multi-platform indexes first, then single manifests (Docker's and OCI's)
ACCEPT = ", ".join([
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.docker.distribution.manifest.v2+json",
    "application/vnd.oci.image.manifest.v1+json",
])
USER_AGENT = "Launchbay-Registry/1"
MAX_MANIFEST = 4 * 1024 * 1024
MAX_TOKEN = 64 * 1024
_PARAM = re.compile(r'(\w+)="([^"]*)"')

Credentials = Optional[tuple[str, str]]   # (user name, password)


class Problem(Exception):
    """What stopped a registry request, in words. kind: refused (the credentials were refused),
    denied (no credentials, and the registry wants some), not_found, no_such_host (not in DNS),
    unreachable (no answer, or not a registry's)."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind


def loopback(host: str) -> bool:
    name = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    return name in ("localhost", "127.0.0.1", "::1") or name.startswith("127.") or name.endswith(".localhost")


def base_url(host: str, local: bool) -> str:
    """Docker Hub's API answers at registry-1.docker.io; a loopback registry in local mode over HTTP."""
    api = "registry-1.docker.io" if host == DOCKER_HUB else host
    return f"{'http' if local and loopback(api) else 'https'}://{api}"


def _basic(creds: Credentials) -> str:
    assert creds is not None
    return "Basic " + base64.b64encode(f"{creds[0]}:{creds[1]}".encode()).decode()


def _send(url: str, method: str, headers: dict[str, str], local: bool, keep: int = 0) -> delivery.Sent:
    try:
        sent = delivery.send(url, b"", {"User-Agent": USER_AGENT, **headers}, local, method=method, keep=keep)
    except urls.Refused as exc:
        raise Problem("unreachable", f"Launchbay does not connect there: {exc}") from None
    if sent.code is None:
        host = url.split('/')[2]
        if "does not resolve" in (sent.error or ""):   # a typo, most likely: no such name in DNS
            raise Problem("no_such_host", f"{host} does not resolve: no such registry")
        raise Problem("unreachable", f"no answer from {host}: {sent.error}")
    return sent


def _ok(sent: delivery.Sent) -> bool:
    return 200 <= (sent.code or 0) < 300


def _authorization(challenge: str, creds: Credentials, local: bool, scope: Optional[str]) -> Optional[str]:
    """The Authorization header a 401's challenge asks for (None: there is nothing to send)."""
    scheme = challenge.strip().split(" ", 1)[0].lower()
    if scheme == "basic":
        return _basic(creds) if creds else None
    if scheme != "bearer":
        raise Problem("unreachable", f"the registry asks for an authentication Launchbay does not speak ({scheme or 'none'})")
    params = dict(_PARAM.findall(challenge))
    realm = params.get("realm")
    if not realm:
        raise Problem("unreachable", "the registry's challenge names no token service")
    query = {k: v for k, v in (("service", params.get("service")), ("scope", scope)) if v}
    url = realm + ("&" if "?" in realm else "?") + urlencode(query) if query else realm
    sent = _send(url, "GET", {"Authorization": _basic(creds)} if creds else {}, local, keep=MAX_TOKEN)
    if sent.code in (401, 403):
        if creds:
            raise Problem("refused", f"the registry's token service refused the credentials of {creds[0]} "
                                     f"(HTTP {sent.code})")
        raise Problem("denied", f"the registry's token service wants credentials (HTTP {sent.code})")
    if not _ok(sent):
        raise Problem("unreachable", f"the registry's token service answered HTTP {sent.code}")
    try:
        answer = json.loads(sent.body)
        token = answer.get("token") or answer.get("access_token")
    except (ValueError, AttributeError):
        token = None
    if not isinstance(token, str) or not token:
        raise Problem("unreachable", "the registry's token service answered no token")
    return f"Bearer {token}"


def check_login(host: str, creds: Credentials, local: bool) -> str:
    """Sign in as `docker login` does (GET /v2/, answering its challenge). -> what was found, in
    words; Problem when the registry refuses the credentials or cannot be reached."""
    url = base_url(host, local) + "/v2/"
    sent = _send(url, "GET", {}, local)
    if _ok(sent):
        return "the registry asks no credentials to connect; they are sent when a pull asks for them"
    if sent.code != 401:
        raise Problem("unreachable", f"{host} answered HTTP {sent.code} at /v2/ (not a container registry?)")
    header = _authorization(sent.headers.get("www-authenticate", ""), creds, local, None)
    again = _send(url, "GET", {"Authorization": header} if header else {}, local)
    if _ok(again):
        return f"signed in to {host} as {creds[0] if creds else 'anonymous'}"
    if again.code in (401, 403):
        raise Problem("refused", f"{host} refused the credentials of {creds[0] if creds else 'anonymous'} "
                                 f"(HTTP {again.code})")
    raise Problem("unreachable", f"{host} answered HTTP {again.code} at /v2/")


def manifest_digest(ref: Reference, creds: Credentials, local: bool, verify_pinned: bool = False) -> str:
    """The digest (sha256:...) the registry gives for the image's tag now, pulling as a task would
    (an image pinned already is asked for only with `verify_pinned`: a pull's own check)."""
    if ref.pinned and not verify_pinned:
        return ref.reference
    url = f"{base_url(ref.host, local)}/v2/{ref.repository}/manifests/{ref.reference}"
    headers = {"Accept": ACCEPT}
    sent = _send(url, "HEAD", headers, local)
    if sent.code == 401:
        header = _authorization(sent.headers.get("www-authenticate", ""), creds, local,
                                f"repository:{ref.repository}:pull")
        if header:
            headers["Authorization"] = header
            sent = _send(url, "HEAD", headers, local)
    image = f"{ref.host}/{ref.repository}:{ref.reference}"
    if sent.code in (401, 403):
        if creds:
            raise Problem("refused", f"{ref.host} refused the credentials of {creds[0]} for {image} (HTTP {sent.code})")
        raise Problem("denied", f"{ref.host} wants credentials to pull {image} (HTTP {sent.code})")
    if sent.code == 404:
        raise Problem("not_found", f"{image} is not in {ref.host}: no such repository or tag")
    if not _ok(sent):
        raise Problem("unreachable", f"{ref.host} answered HTTP {sent.code} for {image}")
    digest = sent.headers.get("docker-content-digest", "")
    if re.match(r"^sha256:[0-9a-f]{64}$", digest):
        return digest
    # some registries name the digest on GET only: it is the hash of the manifest's bytes
    body = _send(url, "GET", headers, local, keep=MAX_MANIFEST)
    if not _ok(body) or not body.body:
        raise Problem("unreachable", f"{ref.host} answered HTTP {body.code} reading the manifest of {image}")
    return "sha256:" + hashlib.sha256(body.body).hexdigest()


MAX_CONFIG = 1024 * 1024


def _get(url: str, ref: Reference, creds: Credentials, local: bool, keep: int) -> delivery.Sent:
    headers = {"Accept": ACCEPT}
    sent = _send(url, "GET", headers, local, keep=keep)
    if sent.code == 401:
        header = _authorization(sent.headers.get("www-authenticate", ""), creds, local,
                                f"repository:{ref.repository}:pull")
        if header:
            headers["Authorization"] = header
            sent = _send(url, "GET", headers, local, keep=keep)
    return sent


def _json(sent: delivery.Sent) -> Optional[dict]:
    if not _ok(sent) or not sent.body:
        return None
    try:
        doc = json.loads(sent.body)
    except ValueError:
        return None
    return doc if isinstance(doc, dict) else None


def platforms(ref: Reference, creds: Credentials, local: bool, digest: str) -> Optional[list[str]]:
    """'os/architecture' of each image the digest names: a multi-platform index's entries, or one
    manifest's config. None when the registry does not say (a config blob behind a redirect, which
    is not followed, say): the caller then does not check."""
    base = f"{base_url(ref.host, local)}/v2/{ref.repository}"
    doc = _json(_get(f"{base}/manifests/{digest}", ref, creds, local, MAX_MANIFEST))
    if doc is None:
        return None
    if isinstance(doc.get("manifests"), list):   # an index; "unknown/unknown" entries are attestations
        found = {f"{p.get('os')}/{p.get('architecture')}" for m in doc["manifests"]
                 if isinstance(m, dict) and isinstance(p := m.get("platform"), dict) and p.get("os") != "unknown"}
        return sorted(found)
    config = (doc.get("config") or {}).get("digest") if isinstance(doc.get("config"), dict) else None
    if not isinstance(config, str) or not re.match(r"^sha256:[0-9a-f]{64}$", config):
        return None
    cfg = _json(_get(f"{base}/blobs/{config}", ref, creds, local, MAX_CONFIG))
    if not cfg or not cfg.get("architecture"):
        return None
    return [f"{cfg.get('os') or 'linux'}/{cfg['architecture']}"]

