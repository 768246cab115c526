"""Deploy hooks: a secret URL per service that deploys it when called, for a CI job that pushed an
image, a registry's push webhook, or a script, without an API token that could do anything else.

The URL is `POST /v1/deploy-hooks/{hook}` with its key (in the `X-Launchbay-Hook-Key` header, or
`?key=` where a tool can only call a URL). The key is shown once when the hook is made or rotated
and stored as its SHA-256 (256 random bits need no slow hash). A call can do one thing: deploy its
service, with an optional body `{"image"}` (a tag or digest of the service's own repository: a
leaked key cannot run someone else's image) or `{"commit": {"sha"}}` for a service built from
source. It goes through the same path as every deploy: approvals, freezes, Idempotency-Key,
suspension. The hook acts as the member who made it, only while they may still deploy there, so
a member who leaves or is demoted takes their hooks' power with them. Calls are counted per hook
(30 a minute) and audited.
"""
from __future__ import annotations

import secrets
from typing import Any, Optional

from chalicelib.accounts import throttle
from chalicelib.accounts.service import authorize
from chalicelib.audit import service as audit
from chalicelib.catalog.service import get_service
from chalicelib.core import security
from chalicelib.core.context import Actor, Ports
from chalicelib.core.errors import Forbidden, Invalid, NotFound, Unauthorized
from chalicelib.core.ids import new_id, now_iso

COLLECTION = "deploy_hooks"
KEY_PREFIX = "lbdh_"
HEADER = "X-Launchbay-Hook-Key"
PER_MINUTE = 30


def path(hook_id: str) -> str:
    return f"/v1/deploy-hooks/{hook_id}"


def _hook_of(ports: Ports, service_id: str) -> Optional[dict[str, Any]]:
    return ports.store.collection(COLLECTION).find_one({"service_id": service_id})


def public(hook: Optional[dict[str, Any]]) -> dict[str, Any]:
    if hook is None:
        return {"configured": False}
    return {"configured": True, "id": hook["id"], "path": path(hook["id"]), "hint": hook.get("hint"),
            "created_by": hook.get("created_by"), "created": hook["created"], "rotated": hook.get("rotated"),
            "rotated_by": hook.get("rotated_by"), "acts_as": hook.get("acts_as_label"), "last_used": hook.get("last_used"),
            "uses": hook.get("uses", 0), "header": HEADER}


def describe(ports: Ports, actor: Actor, org_id: str, service_id: str) -> dict[str, Any]:
    svc = get_service(ports, actor, org_id, service_id)
    return public(_hook_of(ports, svc["id"]))


def create_or_rotate(ports: Ports, actor: Actor, org_id: str, service_id: str) -> dict[str, Any]:
    """A new key for the service's hook (made on first call): the old key stops working at once.
    -> the hook with `key`, shown this once."""
    svc = get_service(ports, actor, org_id, service_id, "deploy")
    if not actor.user_id or actor.user_id == "system":
        raise Forbidden("a deploy hook acts as the member who makes it", field="actor")
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    coll = ports.store.collection(COLLECTION)
    now = now_iso()
    # the key and who the hook acts as change; its maker, age and call count stay
    fields = {"key_hash": security.hash_api_token(key), "hint": "…" + key[-4:], "acts_as": actor.user_id,
              "acts_as_label": actor.label}
    rotation = {"rotated_by": actor.label, "rotated": now}
    with ports.store.transaction():
        hook = _hook_of(ports, svc["id"])
        existed = hook is not None
        if hook is not None:
            hook = coll.update(hook["id"], {**fields, **rotation})
        hook = hook or coll.insert({"id": new_id("dh"), "org_id": org_id, "project_id": svc["project_id"],
                                    "service_id": svc["id"], "created": now, "created_by": actor.label, "uses": 0,
                                    "last_used": None, "rotated": None, "rotated_by": None, **fields})
        audit.record(ports, actor, org_id, "deploy_hook.rotate" if existed else "deploy_hook.create", "service",
                     svc["id"], {"hook": hook["id"], "service": svc["name"]})
    return {**public(hook), "key": key,
            "message": f"POST {path(hook['id'])} with the header {HEADER}: <key> deploys {svc['name']}; "
                       "the key is shown this once"}


def delete(ports: Ports, actor: Actor, org_id: str, service_id: str) -> None:
    """Idempotent: afterwards the service has no hook, whether or not it had one."""
    svc = get_service(ports, actor, org_id, service_id, "deploy")
    with ports.store.transaction():
        hook = _hook_of(ports, svc["id"])
        if hook is None:
            return
        ports.store.collection(COLLECTION).delete(hook["id"])
        audit.record(ports, actor, org_id, "deploy_hook.delete", "service", svc["id"], {"hook": hook["id"]})


def _count_use(ports: Ports, hook: dict[str, Any]) -> None:
    """uses + 1 by compare-and-set: calls at the same moment each count."""
    coll = ports.store.collection(COLLECTION)
    for _ in range(5):
        uses = hook.get("uses", 0)
        if coll.update(hook["id"], {"uses": uses + 1, "last_used": now_iso()}, expect={"uses": uses}) is not None:
            return
        hook = coll.get(hook["id"]) or {}
        if not hook:
            return


def image_of_registry_push(body: Any) -> Optional[str]:
    """A registry's own push webhook, as Docker Hub sends it ({"push_data": {"tag"}, "repository":
    {"repo_name"}}): the image it pushed (None: not such a payload)."""
    if not isinstance(body, dict) or not isinstance(body.get("push_data"), dict):
        return None
    tag, repo = body["push_data"].get("tag"), (body.get("repository") or {}).get("repo_name")
    if not isinstance(tag, str) or not isinstance(repo, str) or not tag or not repo:
        raise Invalid("a registry push notice names its repository (repository.repo_name) and tag (push_data.tag)",
                      field="push_data")
    return f"docker.io/{repo}:{tag}"


def _same_repository(wanted: str, configured: Optional[str]) -> bool:
    from chalicelib.registries.references import parse

    a, b = parse(wanted), parse(configured or "")
    return a is not None and b is not None and (a.host, a.repository) == (b.host, b.repository)


def trigger(ports: Ports, hook_id: str, key: Optional[str], image: Optional[str], commit: Optional[dict[str, str]],
            idempotency_key: Optional[str], source_ip: str = "") -> tuple[dict[str, Any], bool]:
    """Deploy the hook's service. -> (deployment, created). A wrong key or hook is the same 401."""
    from chalicelib.deploys.service import create_deployment

    refused = Unauthorized(f"deploy hook key not valid: send it in the {HEADER} header", field="key")
    hook = ports.store.collection(COLLECTION).get(hook_id) if hook_id.startswith("dh_") else None
    if hook is None or not key or not security.constant_time_equal(security.hash_api_token(key), hook["key_hash"]):
        raise refused
    throttle.hit(ports.settings, "deploy_hook", hook_id, PER_MINUTE, 60,
                 f"this deploy hook was called more than {PER_MINUTE} times in a minute", field="key")
    creator = ports.store.collection("users").get(hook["acts_as"]) or {}
    actor = Actor(user_id=hook["acts_as"], email=f"deploy hook (of {creator.get('email', 'a former member')})",
                  source_ip=source_ip)
    try:
        authorize(ports, actor, hook["org_id"], "deploy", hook.get("project_id"))
    except Forbidden as exc:
        if exc.field == "mfa":
            raise Forbidden(f"the member this deploy hook acts as ({hook.get('acts_as_label') or 'its maker'}) has no "
                            "two-factor authentication, which this organization requires: they turn it on, or "
                            "someone who has it rotates the hook", field="key") from None
        raise Forbidden("the member this deploy hook acts as (who made or last rotated it) can no longer deploy "
                        "this service: someone who can should rotate it", field="key") from None
    except NotFound:
        raise Forbidden("the member this deploy hook acts as (who made or last rotated it) can no longer deploy "
                        "this service: someone who can should rotate it", field="key") from None
    service = ports.store.collection("services").get(hook["service_id"])
    if service is None:
        raise refused
    if image is not None and not service.get("image"):
        raise Invalid("the service builds from source: give a commit, not an image", field="image")
    if image is not None and not _same_repository(image, service.get("image")):
        raise Invalid(f"a deploy hook may deploy another tag or digest of {service['image'].rsplit(':', 1)[0]} "
                      "only", field="image")
    dep, created = create_deployment(ports, actor, hook["org_id"], service["id"], image, idempotency_key, commit=commit)
    if created:
        _count_use(ports, hook)
        audit.record(ports, actor, hook["org_id"], "deploy_hook.call", "service", service["id"],
                     {"hook": hook["id"], "deployment": dep["id"], "image": dep["image"]})
    return dep, created
