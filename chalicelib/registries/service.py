"""An organization's credentials for private container registries (GHCR, Docker Hub, GitLab,
Quay, a company's own): one user name and password (or access token) per registry host, set and
removed by admins, used by every deploy of the organization's services whose image is there.

The password is stored like every secret (Fernet-encrypted, versioned, in the `secrets`
collection, scoped to the organization) and never answered or logged: the API says the user
name, whether the last check signed in, and the password's last four characters. When set, the
registry is asked whether the login works (as `docker login` does), so a typo is a 422 now
rather than a task that cannot pull later. A deploy copies the pair into a Secrets Manager
secret in the account it deploys to, which ECS reads to pull (the task definition's
`repositoryCredentials`: chalicelib/deploys/pull.py).
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any, Optional

from chalicelib import tasks
from chalicelib.accounts.service import authorize
from chalicelib.audit import service as audit
from chalicelib.catalog.environments import put_secret_value
from chalicelib.cloud import naming
from chalicelib.core.context import Actor, Ports
from chalicelib.core.errors import Invalid, NotFound
from chalicelib.core.ids import new_id, now_iso
from chalicelib.notify.urls import local_mode
from chalicelib.registries import references, v2

COLLECTION = "registry_credentials"
USERNAME = re.compile(r"^[^\s:]{1,255}$")     # Basic authentication cannot carry a ':' in the user name
MAX_PASSWORD = 4096
MAX_REGISTRIES = 100   # per organization: every build signs in to each


@dataclass(frozen=True)
class Credential:
    """What a deploy needs: the registry, the user name, and where its password is kept."""
    host: str
    username: str
    secret_name: str      # in the `secrets` collection, scope: the organization
    version: int


def secret_name(host: str) -> str:
    """The password's name among the organization's secrets (names are A-Z, 0-9 and _)."""
    return "REGISTRY_" + hashlib.sha256(host.encode()).hexdigest()[:16].upper()


def _doc(ports: Ports, org_id: str, host: str) -> Optional[dict[str, Any]]:
    return ports.store.collection(COLLECTION).find_one({"org_id": org_id, "host": host})


def public(doc: dict[str, Any]) -> dict[str, Any]:
    return {"host": doc["host"], "username": doc["username"], "password_set": True, "hint": doc.get("hint"),
            "version": doc.get("version"), "check": doc.get("check"), "set_by": doc.get("set_by"),
            "created": doc["created"], "updated": doc["updated"]}


def check_host(host: Any) -> str:
    host = references.normal_host(host if isinstance(host, str) else "")
    problem = references.host_problem(host)
    if problem:
        raise Invalid(f"host {problem}", field="host")
    return host


def list_credentials(ports: Ports, actor: Actor, org_id: str) -> list[dict[str, Any]]:
    authorize(ports, actor, org_id, "read")
    docs, _ = ports.store.collection(COLLECTION).find({"org_id": org_id}, order="host", limit=100)
    return [public(d) for d in docs]


def get_credentials(ports: Ports, actor: Actor, org_id: str, host: str) -> dict[str, Any]:
    authorize(ports, actor, org_id, "read")
    doc = _doc(ports, org_id, check_host(host))
    if doc is None:
        raise NotFound(f"the organization has no credentials for {host}", field="host")
    return public(doc)


def _check(ports: Ports, host: str, username: str, password: str) -> dict[str, Any]:
    """Sign in to the registry. -> {"ok": True|None, "message", "at"}; Invalid when it refuses.
    The sandbox reaches no registry but one on this machine: elsewhere it says it did not look."""
    local = local_mode(ports.settings)
    at = now_iso()
    if ports.settings.sandbox and not v2.loopback(host):
        return {"ok": None, "at": at, "message": "not checked: the sandbox reaches no registry but one on this "
                                                 "machine; ECS signs in with these credentials when it pulls"}
    try:
        return {"ok": True, "at": at, "message": v2.check_login(host, (username, password), local)}
    except v2.Problem as exc:
        if exc.kind in ("refused", "denied"):
            raise Invalid(f"signing in to {host} failed: {exc}; check the user name and password (nothing was "
                          "saved)", field="password") from None
        if exc.kind == "no_such_host":
            raise Invalid(f"{exc} (nothing was saved)", field="host") from None
        # down for now, or answering oddly: kept, and said; a deploy's pull tells for sure
        return {"ok": None, "at": at, "message": f"not checked: {exc}"}


def put_credentials(ports: Ports, actor: Actor, org_id: str, host: Any, username: Any, password: Any) -> dict[str, Any]:
    """Set or replace the organization's credentials for a registry (admins), after signing in
    with them. Deploys use them from their next start; nothing is redeployed."""
    authorize(ports, actor, org_id, "registry.write")
    host = check_host(host)
    if not isinstance(username, str) or not USERNAME.match(username):
        raise Invalid("username must be 1 to 255 characters, without spaces or ':'", field="username")
    if not isinstance(password, str) or not password or len(password) > MAX_PASSWORD or password != password.strip():
        raise Invalid(f"password must be 1 to {MAX_PASSWORD} characters (a password or access token), without "
                      "leading or trailing spaces", field="password")
    coll = ports.store.collection(COLLECTION)
    if _doc(ports, org_id, host) is None and coll.count({"org_id": org_id}) >= MAX_REGISTRIES:
        raise Invalid(f"an organization holds credentials for at most {MAX_REGISTRIES} registries: remove one first",
                      field="host")
    check = _check(ports, host, username, password)
    now = now_iso()
    with ports.store.transaction():
        secret = put_secret_value(ports, actor, org_id, org_id, secret_name(host), password, audited=False)
        fields = {"username": username, "version": secret["version"], "hint": "…" + password[-4:],
                  "check": check, "set_by": actor.label, "updated": now}
        existing = _doc(ports, org_id, host)
        doc = coll.update(existing["id"], fields) if existing else None
        doc = doc or coll.insert({"id": new_id("reg"), "org_id": org_id, "host": host, "created": now, **fields})
        audit.record(ports, actor, org_id, "registry.credentials_set", "registry", host,
                     {"host": host, "username": username, "version": secret["version"]})
    return {**public(doc), "message": f"deploys of images in {host} pull with these credentials from their next start"}


def delete_credentials(ports: Ports, actor: Actor, org_id: str, host: str) -> None:
    authorize(ports, actor, org_id, "registry.write")
    host = check_host(host)
    with ports.store.transaction():
        doc = _doc(ports, org_id, host)
        if doc is None:
            raise NotFound(f"the organization has no credentials for {host}", field="host")
        ports.store.collection(COLLECTION).delete(doc["id"])
        secret = ports.store.collection("secrets").find_one({"scope_id": org_id, "name": secret_name(host)})
        if secret is not None:
            ports.store.collection("secrets").delete(secret["id"])
        audit.record(ports, actor, org_id, "registry.credentials_delete", "registry", host, {"host": host})
    # deploys copied them into Secrets Manager in the accounts they ran in: take them out of those too
    ports.queue.publish(tasks.FORGET_REGISTRY_CREDENTIALS, org_id, host)


def for_image(ports: Ports, org_id: str, image: str) -> Optional[Credential]:
    """The organization's credentials for the registry the image is in (None: it has none)."""
    ref = references.parse(image)
    if ref is None:
        return None
    doc = _doc(ports, org_id, ref.host)
    if doc is None:
        return None
    return Credential(ref.host, doc["username"], secret_name(ref.host), int(doc["version"]))


def all_for_org(ports: Ports, org_id: str) -> list[Credential]:
    """Every registry the organization has credentials for: a build signs in to each (its
    Dockerfile's FROM lines may name any of them)."""
    docs, _ = ports.store.collection(COLLECTION).find({"org_id": org_id}, order="host", limit=100)
    return [Credential(d["host"], d["username"], secret_name(d["host"]), int(d["version"])) for d in docs]


def forget_everywhere(ports: Ports, org_id: str, host: str,
                      places: Optional[list[dict[str, Any]]] = None) -> dict[str, Any]:
    """Delete the credentials' copy in every account and region the organization's environments
    deploy to, or in `places` (a task: retried until AWS answers). Credentials set again meanwhile stay."""
    from chalicelib.catalog.environments import deploy_places

    if _doc(ports, org_id, host) is not None:
        return {"deleted": 0, "kept": "credentials were set again since"}
    targets = deploy_places(ports, org_id) if places is None else places
    name = naming.registry_credential(org_id, host)
    for target in targets:
        ports.cloud_for(target).delete_registry_credential(name)
    return {"deleted": len(targets)}
