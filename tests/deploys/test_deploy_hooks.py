"""Deploy hooks: a service's secret URL deploys it and can do nothing else; the key is shown
once, stored hashed, rotated at will; the hook acts as its maker only while they may deploy;
another image must be a tag or digest of the service's own repository; calls are counted and
throttled; every deploy rule (Idempotency-Key, approval) applies as to any deploy."""
from __future__ import annotations

import json
import uuid

import pytest

from tests.support.api import Api, signup_invited
from tests.support.deploying import run_to_end

pytestmark = pytest.mark.services
HEADER = "X-Launchbay-Hook-Key"


def make_hook(org, svc) -> dict:
    status, hook = org.call("POST", f"/services/{svc['id']}/deploy-hook")
    assert status == 201, hook
    return hook


def call(api, hook, key=None, body=None, **headers):
    """The hook's URL as a CI job calls it: no token, the key in the header."""
    h = {HEADER: key if key is not None else hook["key"], **headers}
    return api.call("POST", hook["path"].removeprefix("/v1"), body, token="", headers=h)


def test_a_hook_deploys_its_service_with_its_key_and_never_shows_the_key_again(api, make_org, ports):
    org = make_org()
    svc = org.service()
    assert org.call("GET", f"/services/{svc['id']}/deploy-hook")[1] == {"configured": False}
    hook = make_hook(org, svc)
    assert hook["key"].startswith("lbdh_") and hook["hint"] == "…" + hook["key"][-4:]
    assert hook["path"] == f"/v1/deploy-hooks/{hook['id']}" and hook["header"] == HEADER
    assert hook["url"].endswith(hook["path"]) and hook["url"].startswith("http")   # from where it was reached
    assert hook["rotated"] is None and hook["rotated_by"] is None
    status, dep = call(api, hook)
    assert status == 202 and dep["status"] == "queued" and dep["image"] == "nginx:1.27", dep
    assert run_to_end(ports, dep["id"])["status"] == "live"
    shown = org.call("GET", f"/services/{svc['id']}/deploy-hook")[1]
    assert shown["uses"] == 1 and shown["last_used"] and hook["key"] not in json.dumps(shown)
    stored = ports.store.collection("deploy_hooks").get(hook["id"])
    assert hook["key"] not in json.dumps(stored) and len(stored["key_hash"]) == 64   # hashed at rest
    full = org.call("GET", f"/deployments/{dep['id']}")[1]
    assert full["actor"] == f"deploy hook (of {org.owner['user']['email']})"
    actions = [a["action"] for a in org.call("GET", "/audit")[1]["items"]]
    assert {"deploy_hook.create", "deploy_hook.call"} <= set(actions)


def test_wrong_keys_are_refused_alike_and_a_rotated_key_replaces_the_old(api, make_org):
    org = make_org()
    svc = org.service()
    hook = make_hook(org, svc)
    for key in ("", "lbdh_wrong", hook["key"] + "x"):
        status, body = call(api, hook, key)
        assert status == 401 and body["error"]["field"] == "key", body
    assert api.call("POST", "/deploy-hooks/dh_nosuchhook", None, token="", headers={HEADER: hook["key"]})[0] == 401
    # ?key= for tools that can only call a URL
    assert api.call("POST", f"/deploy-hooks/{hook['id']}?key={hook['key']}", None, token="")[0] == 202
    rotated = make_hook(org, svc)
    assert rotated["id"] == hook["id"] and rotated["key"] != hook["key"]
    assert call(api, hook)[0] == 401 and call(api, rotated)[0] == 202
    assert org.call("DELETE", f"/services/{svc['id']}/deploy-hook")[0] == 204
    assert call(api, rotated)[0] == 401
    assert org.call("DELETE", f"/services/{svc['id']}/deploy-hook")[0] == 204   # idempotent


def test_another_image_must_be_of_the_service_s_own_repository(api, make_org, ports):
    org = make_org()
    svc = org.service(image="ghcr.io/acme/api:1.0")
    hook = make_hook(org, svc)
    status, dep = call(api, hook, body={"image": "ghcr.io/acme/api:1.1"})
    assert status == 202 and dep["image"] == "ghcr.io/acme/api:1.1"
    digest = "sha256:" + "b" * 64
    assert call(api, hook, body={"image": f"ghcr.io/acme/api@{digest}"})[1]["image"] == f"ghcr.io/acme/api@{digest}"
    for other in ("ghcr.io/evil/miner:1", "docker.io/acme/api:1.1", "acme/api:1.1"):
        status, body = call(api, hook, body={"image": other})
        assert status == 422 and body["error"]["field"] == "image" and "ghcr.io/acme/api" in body["error"]["message"]
    status, body = call(api, hook, body={"image": "ghcr.io/acme/api:1.2", "extra": 1})
    assert status == 422   # the body is checked as a deploy's


def test_the_idempotency_key_and_the_environment_s_approval_apply(api, make_org):
    org = make_org()
    svc = org.service()
    hook = make_hook(org, svc)
    first = call(api, hook, **{"Idempotency-Key": "ci-run-41"})
    again = call(api, hook, **{"Idempotency-Key": "ci-run-41"})
    assert (first[0], again[0]) == (202, 200) and first[1]["id"] == again[1]["id"]
    prj = org.project()["id"]
    assert org.call("PATCH", f"/projects/{prj}/environments/production", {"require_approval": True})[0] == 200
    status, held = call(api, hook)
    assert status == 202 and held["status"] == "awaiting_approval"


def test_a_hook_stops_when_its_maker_can_no_longer_deploy(api, make_org):
    org = make_org()
    svc = org.service()
    email = f"dev-{uuid.uuid4().hex[:6]}@example.com"
    org.call("POST", "/members", {"email": email, "role": "developer"})
    dev_signup = signup_invited(api, email, org="DevHome")
    dev = Api(api.client, dev_signup["token"])
    status, hook = dev.call("POST", f"/orgs/{org.id}/services/{svc['id']}/deploy-hook")
    assert status == 201, hook
    assert call(api, hook)[0] == 202
    assert org.call("PATCH", f"/members/{dev_signup['user']['id']}", {"role": "viewer"})[0] == 200
    status, body = call(api, hook)
    assert status == 403 and "can no longer deploy" in body["error"]["message"], body
    viewer_try = dev.call("POST", f"/orgs/{org.id}/services/{svc['id']}/deploy-hook")
    assert viewer_try[0] == 403   # and a viewer cannot make or rotate one


def test_calls_are_throttled_per_hook(api, make_org):
    org = make_org()
    hook = make_hook(org, org.service())
    answers = [call(api, hook, **{"Idempotency-Key": "same"})[0] for _ in range(31)]
    assert answers[0] == 202 and set(answers[1:30]) == {200} and answers[30] == 429, answers
    r = api.client.http.post(hook["path"], headers={HEADER: hook["key"]}, body=None)
    assert r.status_code == 429 and 1 <= int(r.headers["Retry-After"]) <= 60
    other = make_hook(org, org.service(name="other"))
    assert call(api, other)[0] == 202   # another hook has its own count


def test_docker_hub_s_push_webhook_deploys_the_tag_it_pushed(api, make_org):
    """Docker Hub posts its own payload: the tag of the service's repository it names is deployed."""
    org = make_org()
    svc = org.service(image="acme/api:1.0")
    hook = make_hook(org, svc)
    pushed = {"callback_url": "https://registry.hub.docker.com/u/acme/api/hook/x/", "push_data": {
        "pushed_at": 1764300000, "pusher": "ci", "tag": "1.1"}, "repository": {"repo_name": "acme/api",
                                                                              "name": "api", "namespace": "acme"}}
    status, dep = call(api, hook, body=pushed)
    assert status == 202 and dep["image"] == "docker.io/acme/api:1.1", dep
    pushed["repository"]["repo_name"] = "evil/miner"
    status, body = call(api, hook, body=pushed)
    assert status == 422 and body["error"]["field"] == "image"
    status, body = call(api, hook, body={"push_data": {}, "repository": {}})
    assert status == 422 and body["error"]["field"] == "push_data"
    assert hook["key"] not in json.dumps(org.call("GET", f"/services/{svc['id']}/deploy-hook")[1])
    shown = org.call("GET", f"/services/{svc['id']}/deploy-hook")[1]
    assert shown["uses"] == 1 and shown["created_by"] == org.owner["user"]["email"]
    rotated = make_hook(org, svc)
    assert rotated["uses"] == 1 and rotated["rotated_by"] == org.owner["user"]["email"]   # history kept
