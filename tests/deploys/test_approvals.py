"""Environments that require approval: a deploy of a new release waits for an admin or owner,
who approves it (it then runs as any deploy) or rejects it (cancelled, with the reason), in the
moto sandbox. Rollbacks and restarts run a release that went live already: they do not wait."""
from __future__ import annotations

import time

import pytest

from chalicelib.core.ids import iso_from_epoch
from chalicelib.deploys import engine, reaper
from tests.support.api import Api, signup_invited
from tests.support.deploying import run_to_end
from tests.support.factories import new_org

pytestmark = pytest.mark.services


def _member(api, org, email: str, role: str) -> tuple[Api, dict]:
    """A second person in the organization with `role` (invited, then signed up)."""
    status, _ = org.call("POST", "/members", {"email": email, "role": role})
    assert status == 201
    body = signup_invited(api, email, org=f"home of {email}")
    return Api(api.client, body["token"]), body["user"]


def _protect(org, **flags) -> dict:
    prj = org.project()
    status, env = org.call("PATCH", f"/projects/{prj['id']}/environments/production",
                           {"require_approval": True, **flags})
    assert status == 200, env
    return env


def _log(org, dep_id: str) -> list[str]:
    _, body = org.call("GET", f"/deployments/{dep_id}/logs")
    return [line["message"] for line in body["lines"]]


def test_a_deploy_waits_for_an_admin_then_runs_as_any_deploy(api, ports):
    org = new_org(api, email="owner@acme.io")
    svc = org.service()
    first = org.deploy(ports, svc)                      # before protection: straight to live
    assert first["status"] == "live"
    env = _protect(org)
    assert env["require_approval"] is True and env["prevent_self_approval"] is False
    dev, _ = _member(api, org, "dev@acme.io", "developer")

    status, dep = dev.call("POST", f"/orgs/{org.id}/services/{svc['id']}/deployments", {"image": "nginx:1.28"})
    assert status == 202 and dep["status"] == "awaiting_approval", dep
    assert dep["reason"] == "waiting for approval by an admin or owner"
    assert engine.run(ports, dep["id"]).detail == "waiting for approval"      # no worker takes it
    assert ports.store.collection("deployments").get(dep["id"])["status"] == "awaiting_approval"
    _, svc_now = org.call("GET", f"/services/{svc['id']}")
    assert svc_now["status"] == "live" and svc_now["live_deployment_id"] == first["id"]   # nothing changed
    _, waiting = dev.call("GET", f"/orgs/{org.id}/approvals")
    assert [d["id"] for d in waiting["items"]] == [dep["id"]]
    assert "is waiting for approval (the production environment requires it)" in _log(org, dep["id"])[0]

    status, err = dev.call("POST", f"/orgs/{org.id}/deployments/{dep['id']}/approve")   # a developer cannot
    assert status == 403 and err["error"]["field"] == "role", err
    assert "approving or rejecting deploys to protected environments" in err["error"]["message"]

    status, approved = org.call("POST", f"/deployments/{dep['id']}/approve")
    assert status == 200 and approved["status"] == "queued", approved
    assert approved["approved_by"] == "owner@acme.io" and approved["approved"]
    done = run_to_end(ports, dep["id"])
    assert done["status"] == "live" and done["image"] == "nginx:1.28"
    assert [p["status"] for p in done["phases"]][:3] == ["awaiting_approval", "queued", "provisioning"]
    assert "approved by owner@acme.io" in _log(org, dep["id"])
    status, err = org.call("POST", f"/deployments/{dep['id']}/approve")             # once only
    assert status == 409 and err["error"]["field"] == "status"
    _, waiting = org.call("GET", "/approvals")
    assert waiting["items"] == []
    _, audit = org.call("GET", "/audit?limit=50")
    moves = [(e["action"], e["details"].get("reason"), e["actor"]) for e in audit["items"]]
    assert ("deployment.queued", "approved by owner@acme.io; waiting for a worker", "owner@acme.io") in moves, moves


def test_rejected_withdrawn_and_superseded_deploys_never_run(api, ports):
    org = new_org(api, email="owner@acme.io")
    svc = org.service()
    org.deploy(ports, svc)
    _protect(org)
    a = org.queue_deployment(svc, image="nginx:1.28")
    status, rejected = org.call("POST", f"/deployments/{a['id']}/reject", {"reason": "not on a Friday"})
    assert status == 200 and rejected["status"] == "cancelled"
    assert rejected["reason"] == "rejected by owner@acme.io: not on a Friday" and rejected["rejected_by"]
    assert engine.run(ports, a["id"]).detail == "already cancelled"
    assert "rejected by owner@acme.io: not on a Friday" in _log(org, a["id"])

    b = org.queue_deployment(svc, image="nginx:1.29")
    status, withdrawn = org.call("POST", f"/deployments/{b['id']}/cancel")          # the asker withdraws it
    assert status == 200 and withdrawn["status"] == "cancelled"

    # two waiting: approving the newer supersedes the older; the older can no longer be approved
    c = org.queue_deployment(svc, image="nginx:1.30")
    d = org.queue_deployment(svc, image="nginx:1.31")
    assert org.call("POST", f"/deployments/{d['id']}/approve")[0] == 200
    assert ports.store.collection("deployments").get(c["id"])["status"] == "superseded"
    status, err = org.call("POST", f"/deployments/{c['id']}/approve")
    assert status == 409 and "is superseded" in err["error"]["message"]
    assert run_to_end(ports, d["id"])["status"] == "live"


def test_rollbacks_and_restarts_do_not_wait_and_a_waiting_deploy_does_not_block_them(api, ports):
    org = new_org(api)
    svc = org.service()
    one = org.deploy(ports, svc)
    org.deploy(ports, svc, image="nginx:1.28")
    _protect(org)
    waiting = org.queue_deployment(svc, image="nginx:1.29")
    assert waiting["status"] == "awaiting_approval"
    status, restart = org.call("POST", f"/services/{svc['id']}/restart")             # not "under way"
    assert status == 202 and restart["status"] == "queued", restart
    assert run_to_end(ports, restart["id"])["status"] == "live"
    assert ports.store.collection("deployments").get(waiting["id"])["status"] == "awaiting_approval"   # still asked for
    status, back = org.call("POST", f"/services/{svc['id']}/rollback", {"deployment_id": one["id"]})
    assert status == 202 and back["status"] == "queued", back
    assert run_to_end(ports, back["id"])["status"] == "live"
    # a rollback is the newest decision: the deploy still waiting gives way to it
    assert ports.store.collection("deployments").get(waiting["id"])["status"] == "superseded"


def test_an_environment_can_refuse_self_approval(api, ports):
    org = new_org(api, email="owner@acme.io")
    svc = org.service()
    _protect(org, prevent_self_approval=True)
    other, _ = _member(api, org, "second@acme.io", "admin")
    mine = org.queue_deployment(svc)
    status, err = org.call("POST", f"/deployments/{mine['id']}/approve")
    assert status == 403 and err["error"]["field"] == "approval", err
    assert "needs another admin or owner" in err["error"]["message"]
    status, ok = other.call("POST", f"/orgs/{org.id}/deployments/{mine['id']}/approve")
    assert status == 200 and ok["approved_by"] == "second@acme.io"
    # a deploy another person asked for: the owner may approve it
    theirs_status, theirs = other.call("POST", f"/orgs/{org.id}/services/{svc['id']}/deployments", {})
    assert theirs_status == 202 and theirs["status"] == "awaiting_approval"
    assert org.call("POST", f"/deployments/{theirs['id']}/approve")[0] == 200


def test_an_unapproved_deploy_is_never_published_and_is_cancelled_at_its_deadline(api, ports, redis_url, launchbay_env):
    import redis

    queue = redis.Redis.from_url(redis_url)
    name = f"{launchbay_env['LAUNCHBAY_QUEUE_PREFIX']}.deploys"
    org = new_org(api)
    svc = org.service()
    _protect(org)
    before = queue.llen(name)
    dep = org.queue_deployment(svc)
    deps = ports.store.collection("deployments")
    deps.update(dep["id"], {"updated": iso_from_epoch(time.time() - 600)})   # quiet for long: still not a worker's
    assert reaper.reap(ports) == {"republished": 0, "failed": 0, "expired": 0, "reminded": 0, "promoted": 0}
    assert queue.llen(name) == before                                         # nothing was published
    deps.update(dep["id"], {"deadline": iso_from_epoch(time.time() + 3600)})  # a day or less left: reminded once
    assert reaper.reap(ports)["reminded"] == 1 and reaper.reap(ports)["reminded"] == 0
    assert deps.get(dep["id"])["reminded"] and deps.get(dep["id"])["status"] == "awaiting_approval"
    deps.update(dep["id"], {"deadline": iso_from_epoch(time.time() - 1)})
    out = reaper.reap(ports)
    assert out["expired"] == 1 and out["republished"] == 0 and out["reminded"] == 0
    gone = deps.get(dep["id"])
    assert gone["status"] == "cancelled" and "not approved before its deadline" in gone["reason"]
    assert gone["approval_expired"] is True and queue.llen(name) == before
    lines = _log(org, dep["id"])
    assert any(line.startswith("still waiting for approval: cancelled at ") for line in lines), lines
    assert lines[-1] == "not approved before its deadline (LAUNCHBAY_APPROVAL_TIMEOUT)"
    # another organization's other foreign ids: an outsider cannot see or act on it
    stranger = new_org(api, name="Other")
    assert stranger.call("POST", f"/deployments/{dep['id']}/approve")[0] == 404
    assert stranger.api.call("POST", f"/orgs/{org.id}/deployments/{dep['id']}/approve")[0] == 404


def test_approval_settings_need_an_admin_and_are_refused_when_malformed(api, ports):
    org = new_org(api)
    prj = org.project()
    dev, _ = _member(api, org, "dev@acme.io", "developer")
    path = f"/orgs/{org.id}/projects/{prj['id']}/environments/production"
    status, err = dev.call("PATCH", path, {"require_approval": False})
    assert status == 403
    status, err = org.call("PATCH", f"/projects/{prj['id']}/environments/production", {"require_approval": "maybe"})
    assert status == 422 and err["error"]["field"] == "require_approval", err
    status, env = org.call("POST", f"/projects/{prj['id']}/environments",
                           {"name": "staging", "require_approval": True, "prevent_self_approval": True})
    assert status == 201 and env["require_approval"] and env["prevent_self_approval"]


def test_a_deploy_asked_for_before_a_suspension_waits_for_the_resume(api, ports):
    from chalicelib.deploys import suspend

    org = new_org(api)
    svc = org.service()
    org.deploy(ports, svc)
    _protect(org)
    waiting = org.queue_deployment(svc, image="nginx:1.28")
    status, doc = org.call("POST", f"/services/{svc['id']}/suspend")      # a waiting deploy is not under way
    assert status == 202, doc
    suspend.run(ports, svc["id"])
    status, err = org.call("POST", f"/deployments/{waiting['id']}/approve")
    assert status == 409 and err["error"]["field"] == "service" and "resume it first" in err["error"]["message"]
    status, resumed = org.call("POST", f"/services/{svc['id']}/resume")   # a resume runs the live release: no wait
    assert status == 202 and resumed["status"] == "queued", resumed
    assert run_to_end(ports, resumed["id"])["status"] == "live"
    assert org.call("POST", f"/deployments/{waiting['id']}/approve")[0] == 200
    assert run_to_end(ports, waiting["id"])["image"] == "nginx:1.28"
