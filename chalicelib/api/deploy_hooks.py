"""Deploy hooks: a service's secret deploy URL (made, rotated and removed by those who may deploy
it), and the URL itself, authenticated by its key instead of a token."""
from typing import Optional

from chalice import Blueprint

from chalicelib.api.http import (
    actor,
    endpoint,
    json_body,
    parse_body,
    ports,
    public_base_url,
    query,
    request,
    source_ip,
)
from chalicelib.deploys import deploy_hooks
from chalicelib.deploys.models import DeploymentIn

bp = Blueprint(__name__)
TAG = "deploy hooks"
OF_SERVICE = "/orgs/{org}/services/{svc}/deploy-hook"


def _with_url(hook: dict, org: str, svc: str) -> dict:
    """The hook's full URL, from where the caller reached the API (its path alone is `path`)."""
    if not hook.get("configured"):
        return hook
    return {**hook, "url": public_base_url(bp, f"/v1/orgs/{org}/services/{svc}/deploy-hook") + hook["path"]}


@endpoint(bp, OF_SERVICE, "GET", "The service's deploy hook (never its key); configured false before one is made",
          tag=TAG)
def get(org, svc):
    return _with_url(deploy_hooks.describe(ports(), actor(bp), org, svc), org, svc)


@endpoint(bp, OF_SERVICE, "POST", "Make the service's deploy hook, or rotate its key (the old one stops working): "
          "answers the key, shown once", 201, tag=TAG)
def create(org, svc):
    return 201, _with_url(deploy_hooks.create_or_rotate(ports(), actor(bp), org, svc), org, svc)


@endpoint(bp, OF_SERVICE, "DELETE", "Remove the service's deploy hook", 204, tag=TAG)
def delete(org, svc):
    deploy_hooks.delete(ports(), actor(bp), org, svc)
    return 204, None


@endpoint(bp, "/deploy-hooks/{hook}", "POST", "Deploy the hook's service (its key in the X-Launchbay-Hook-Key header, "
          "or ?key=); body optional: {image} (another tag or digest of the service's repository) or {commit: {sha}}, or "
          "Docker Hub's webhook payload (push_data.tag of repository.repo_name); "
          "honours Idempotency-Key; 202 with the deployment", 202, DeploymentIn, auth=False, tag=TAG,
          query={"key": "the hook's key, where a header cannot be sent (prefer the header: URLs get logged)"})
def call(hook):
    req = request(bp)
    headers = {k.lower(): v for k, v in (req.headers or {}).items()}
    key = headers.get(deploy_hooks.HEADER.lower()) or query(bp).get("key")
    raw = (req.raw_body or b"").strip()
    pushed = deploy_hooks.image_of_registry_push(json_body(bp)) if raw else None
    image: Optional[str] = pushed   # Docker Hub's webhook: the tag it pushed
    commit = None
    if pushed is None:
        body = parse_body(bp, DeploymentIn) if raw else DeploymentIn()
        image, commit = body.image, (body.commit.stored() if body.commit else None)
    dep, created = deploy_hooks.trigger(ports(), hook, key, image, commit, headers.get("idempotency-key"),
                                        source_ip(bp))
    out = {k: dep[k] for k in ("id", "number", "status", "image", "service_name", "environment", "created")}
    return (202 if created else 200), {**out, "sandbox": ports().settings.sandbox}
