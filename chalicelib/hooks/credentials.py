"""An organization's GitHub access token, so that builds can clone private repositories.

One token per organization, set and removed by admins (it reads source code). It is stored like
every secret (Fernet-encrypted, versioned, in the `secrets` collection with the organization as
its scope) and never returned or logged: the API says only whether one is set, its version,
when and by whom, and its last four characters so a person can tell tokens apart.

A build of any of the organization's services hands it to CodeBuild the way CodeBuild takes
source credentials per project: a Secrets Manager secret in the target account (written by the
build's plan, chalicelib/deploys/build.py) named on the project's source.
"""
from __future__ import annotations

import re
from typing import Any, Optional

from chalicelib import tasks
from chalicelib.accounts.service import authorize
from chalicelib.audit import service as audit
from chalicelib.catalog.environments import put_secret_value
from chalicelib.cloud import naming
from chalicelib.core.context import Actor, Ports
from chalicelib.core.errors import Invalid
from chalicelib.store.port import iter_all

GITHUB_TOKEN = "GITHUB_TOKEN"   # the secret's name in the organization's scope
# ghp_/gho_/ghu_/ghs_ + 36, github_pat_ + 82, or an older 40-hex token: letters, digits and _
TOKEN = re.compile(r"^[A-Za-z0-9_]{20,255}$")
TOKEN_HELP = ("a GitHub personal access token: 20 to 255 letters, digits or _ (ghp_..., github_pat_...) "
              "with read access to the repositories' contents")


def _doc(ports: Ports, org_id: str) -> Optional[dict[str, Any]]:
    return ports.store.collection("secrets").find_one({"scope_id": org_id, "name": GITHUB_TOKEN})


def _public(doc: Optional[dict[str, Any]]) -> dict[str, Any]:
    if doc is None:
        return {"provider": "github", "configured": False}
    return {"provider": "github", "configured": True, "version": doc["version"], "hint": doc.get("hint"),
            "set_by": doc.get("set_by"), "created": doc["created"], "updated": doc["updated"]}


def github_token_status(ports: Ports, actor: Actor, org_id: str) -> dict[str, Any]:
    authorize(ports, actor, org_id, "read")
    return _public(_doc(ports, org_id))


def put_github_token(ports: Ports, actor: Actor, org_id: str, token: Any) -> dict[str, Any]:
    authorize(ports, actor, org_id, "git.write")
    if not isinstance(token, str) or not TOKEN.match(token):
        raise Invalid(f"token must be {TOKEN_HELP}", field="token")
    with ports.store.transaction():
        secret = put_secret_value(ports, actor, org_id, org_id, GITHUB_TOKEN, token)
        doc = ports.store.collection("secrets").update(secret["id"], {"hint": "…" + token[-4:], "set_by": actor.label})
    return {**_public(doc), "message": "builds of this organization's services clone with this token from their next deploy"}


def delete_github_token(ports: Ports, actor: Actor, org_id: str) -> None:
    """Idempotent: afterwards the organization has no token, whether or not it had one."""
    authorize(ports, actor, org_id, "git.write")
    with ports.store.transaction():
        doc = _doc(ports, org_id)
        if doc is None:
            return
        ports.store.collection("secrets").delete(doc["id"])
        audit.record(ports, actor, org_id, "git_token.delete", "organization", org_id, {"provider": "github"})
    # builds copied it into Secrets Manager in the accounts they ran in: take it out of those too
    ports.queue.publish(tasks.FORGET_GIT_TOKEN, org_id)


def forget_everywhere(ports: Ports, org_id: str, targets: Optional[list[dict[str, Any]]] = None) -> dict[str, Any]:
    """Delete the token's copy in every account and region a build of the organization ran in, or in
    `targets` (a task: retried until AWS answers). A token set again meanwhile stays."""
    if _doc(ports, org_id) is not None:
        return {"deleted": 0, "kept": "a new token was set since"}
    if targets is None:
        found: dict[tuple, Any] = {}
        for dep in iter_all(ports.store.collection("deployments"), {"org_id": org_id}):
            if dep.get("build"):
                where = dep.get("target")
                found[(where or {}).get("aws_account_id"), (where or {}).get("region")] = where
        targets = list(found.values())
    for target in targets:   # given by an organization's deletion, else where builds ran
        ports.cloud_for(target).delete_source_credential(naming.source_credential(org_id))
    return {"deleted": len(targets)}


def github_token_version(ports: Ports, org_id: str) -> Optional[int]:
    """For the build's plan: the version to hand to CodeBuild (the value is read at execution)."""
    doc = _doc(ports, org_id)
    return doc["version"] if doc else None
