"""Deleting an organization: its owner, from a log-in session, naming it, once its projects are
gone. Access ends at once; the worker's purge takes its credentials' copies out of AWS and deletes
its documents, and can run again at any point."""
from __future__ import annotations

import pytest

from chalicelib.accounts import org_deletion
from chalicelib.cloud import naming
from chalicelib.core.ids import now_iso
from tests.api.conftest import Api, signup
from tests.support.api import confirm_address, signup_invited
from tests.support.mailbox import outbox

pytestmark = pytest.mark.services   # log-in throttles live in the real Redis


def _org_with_things(api):
    body = signup(api, "owner@del.io", org="Doomed")
    confirm_address(api, "owner@del.io")
    org = body["organization"]["id"]
    boss = Api(api.client, body["token"])
    assert boss.call("POST", f"/orgs/{org}/members", {"email": "dev@del.io", "role": "developer"})[0] == 201
    dev = Api(api.client, signup_invited(api, "dev@del.io")["token"])
    assert boss.call("POST", f"/orgs/{org}/members", {"email": "later@del.io", "role": "viewer"})[0] == 201
    group = boss.call("POST", f"/orgs/{org}/env-groups", {"name": "shared", "env": {"LEVEL": "debug"}})[1]
    assert boss.call("PUT", f"/orgs/{org}/env-groups/shared/secrets/API_KEY", {"value": "s3cret-value"})[0] in (200, 201)
    assert boss.call("PUT", f"/orgs/{org}/registries/reg.example.com", {"username": "bot", "password": "pw"})[0] in (200, 201)
    status, tok = boss.call("POST", "/tokens", {"name": "ci", "organization_id": org})
    return body, org, boss, dev, group, Api(api.client, tok["token"])


def test_what_is_refused(api):
    body, org, boss, dev, _, ci = _org_with_things(api)
    status, err = dev.call("DELETE", f"/orgs/{org}?confirm=Doomed")
    assert status == 403
    status, err = ci.call("DELETE", f"/orgs/{org}?confirm=Doomed")
    assert status == 403 and err["error"]["field"] == "authorization"
    status, err = boss.call("DELETE", f"/orgs/{org}")
    assert status == 422 and err["error"]["field"] == "confirm" and "?confirm=Doomed" in err["error"]["message"]
    assert boss.call("DELETE", f"/orgs/{org}?confirm=doomed")[0] == 422
    project = boss.call("POST", f"/orgs/{org}/projects", {"name": "web"})[1]
    status, err = boss.call("DELETE", f"/orgs/{org}?confirm=Doomed")
    assert status == 409 and err["error"]["field"] == "org" and "web" in err["error"]["message"]
    assert err["error"]["resources"] == [{"type": "project", "id": project["id"], "name": "web"}]
    outsider = Api(api.client, signup(api, "x@del.io", org="X")["token"])
    assert outsider.call("DELETE", f"/orgs/{org}?confirm=Doomed")[0] == 404
    assert boss.call("DELETE", f"/orgs/{org}/projects/{project['id']}")[0] in (202, 204)
    assert boss.call("GET", f"/orgs/{org}/projects")[0] == 200   # nothing was deleted by the refusals


def test_access_ends_at_once_and_the_purge_removes_the_rest(api, ports):
    body, org, boss, dev, group, ci = _org_with_things(api)
    other = boss.call("POST", "/orgs", {"name": "Keeper"})[1]          # the owner's other organization stays
    # a deploy history left by services deleted before: a deployment, its log, a run, and the
    # group secret's copy that deploys made in the (sandbox) AWS account
    place = {"aws_account_id": None, "region": ports.settings.aws_region}
    store = ports.store
    store.collection("deployments").insert({"id": "dep_gone1", "org_id": org, "service_id": "svc_gone1", "number": 1,
                                            "status": "succeeded", "created": now_iso(), "target": place})
    store.collection("log_lines").insert({"id": "log_gone1", "org_id": org, "deployment_id": "dep_gone1", "seq": 1,
                                          "message": "hello", "created": now_iso()})
    store.collection("runs").insert({"id": "run_gone1", "service_id": "svc_gone1", "task_arn": "arn:x:gone1",
                                     "status": "succeeded", "created": now_iso()})
    copy = f"{naming.SECRET_PREFIX}/{org}/{group['id']}/API_KEY"
    ports.cloud.put_secret(copy, "s3cret-value")
    assert ports.cloud.find_parameters(f"{naming.SECRET_PREFIX}/{org}/{group['id']}") == [copy]

    status, out = boss.call("DELETE", f"/orgs/{org}?confirm=Doomed")
    assert status == 202, out
    assert out == {"status": "deleting", "id": org, "name": "Doomed", "members_removed": 2, "revoked_api_tokens": 1}
    # at once: nobody reaches it, the limited token is gone, the invitation too; members are told
    assert boss.call("GET", f"/orgs/{org}/projects")[0] == 404 and dev.call("GET", f"/orgs/{org}/projects")[0] == 404
    assert [o["id"] for o in boss.call("GET", "/me")[1]["organizations"]] == [other["id"]]
    assert dev.call("GET", "/me")[1]["organizations"] == [] and dev.call("GET", "/me")[0] == 200
    assert ci.call("GET", "/me")[0] == 401
    assert store.collection("invitations").count({"org_id": org}) == 0
    told = outbox("dev@del.io", "was deleted")
    assert len(told) == 1 and "owner@del.io" in told[0].text and "Doomed" in told[0].subject
    assert outbox("owner@del.io", "was deleted")

    # the worker's half
    result = org_deletion.purge(ports, org)
    assert result["status"] == "purged" and result["left_in_aws"] == [], result
    assert (result["deployments"], result["log_lines"], result["runs"]) == (1, 1, 1)
    assert result["audit_events"] >= 3
    assert ports.cloud.find_parameters(f"{naming.SECRET_PREFIX}/{org}/{group['id']}") == []
    for name, where in (("env_groups", {"org_id": org}), ("registry_credentials", {"org_id": org}),
                        ("secrets", {"scope_id": group["id"]}), ("audit_events", {"org_id": org}),
                        ("deployments", {"org_id": org}), ("log_lines", {"deployment_id": "dep_gone1"}),
                        ("org_deletions", {"org_id": org})):
        assert store.collection(name).count(where) == 0, name
    assert org_deletion.purge(ports, org) == {"status": "nothing to purge"}   # again: nothing happens
    assert boss.call("GET", f"/orgs/{other['id']}/projects")[0] == 200


def test_a_purge_no_worker_finished_is_queued_again(api, ports, monkeypatch):
    body, org, boss, *_ = _org_with_things(api)
    published = []
    monkeypatch.setattr(org_deletion, "_queue", lambda p, org_id: published.append(org_id))
    assert boss.call("DELETE", f"/orgs/{org}?confirm=Doomed")[0] == 202
    assert published == [org]
    assert org_deletion.resume(ports) == 0                              # just asked: its task is on its way
    monkeypatch.setattr(org_deletion, "RESUME_AFTER", -1)
    assert org_deletion.resume(ports) == 1 and published == [org, org]
    org_deletion.purge(ports, org)
    assert org_deletion.resume(ports) == 0


def test_a_real_worker_purges_what_the_api_queued(api, ports, launchbay_env):
    """The API's 202, then a Celery worker (the default queue, as `make run` starts it) finishes the purge."""
    from tests.support.processes import CeleryWorker, wait_for

    body, org, boss, *_ = _org_with_things(api)
    assert boss.call("DELETE", f"/orgs/{org}?confirm=Doomed")[0] == 202
    assert ports.store.collection("org_deletions").get(org) is not None
    worker = CeleryWorker(launchbay_env, ["default"], name="purge").start()
    try:
        wait_for(lambda: ports.store.collection("org_deletions").get(org) is None, 60, what="the purge finished")
    finally:
        worker.stop()
    assert ports.store.collection("env_groups").count({"org_id": org}) == 0
    assert ports.store.collection("audit_events").count({"org_id": org}) == 0
