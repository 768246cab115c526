"""Promotion (…/environments/{env}/promote) in the moto sandbox: what is live in staging goes to
production's same-named services as it is, the image by digest (nothing rebuilt, a moved tag
does not matter), under production's own settings; a plan first, retries that skip what is
already on its way, approval where production requires it, and clear refusals."""
from __future__ import annotations

import hashlib
import json

import boto3
import pytest

from chalicelib.deploys import suspend
from tests.deploys.test_deploy_engine_api import ecs
from tests.support.api import Api, signup_invited
from tests.support.deploying import run_to_end
from tests.support.factories import new_org

pytestmark = pytest.mark.services


def _registry(launchbay_env):
    """An ECR repository in the sandbox and a push that moves its `stable` tag -> (uri, push)."""
    ecr = boto3.client("ecr", endpoint_url=launchbay_env["AWS_ENDPOINT_URL"], region_name="us-east-1",
                       aws_access_key_id="testing", aws_secret_access_key="testing")
    uri = ecr.create_repository(repositoryName=f"shop-{launchbay_env['LAUNCHBAY_QUEUE_PREFIX']}")["repository"]["repositoryUri"]
    repo = uri.split("/", 1)[1]

    def push(marker: str) -> str:
        manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
                               "config": {"digest": "sha256:" + marker * 64}, "layers": []})
        digest = "sha256:" + hashlib.sha256(manifest.encode()).hexdigest()
        ecr.put_image(repositoryName=repo, imageManifest=manifest, imageTag="stable", imageDigest=digest)
        return digest

    return uri, push


def _digest(manifest: str) -> str:
    return "sha256:" + hashlib.sha256(manifest.encode()).hexdigest()


def _staging_and_production(org):
    prj = org.project()
    status, staging = org.call("POST", f"/projects/{prj['id']}/environments", {"name": "staging"})
    assert status == 201, staging
    return prj, f"/projects/{prj['id']}/environments"


def test_staging_goes_to_production_by_digest_with_productions_own_settings(api, ports, launchbay_env):
    uri, push = _registry(launchbay_env)
    first_digest = push("a")
    org = new_org(api, email="owner@acme.io")
    prj, envs = _staging_and_production(org)
    web_prod = org.service(name="web", image="nginx:1.27", env={"MODE": "production"})
    assert org.deploy(ports, web_prod)["status"] == "live"
    web_stg = org.service(name="web", image=f"{uri}:stable", environment="staging", env={"MODE": "staging", "FEATURE": "1"})
    assert org.call("PUT", f"/services/{web_stg['id']}/secrets/STRIPE_KEY", {"value": "sk_test_1"})[0] == 200
    staged = org.deploy(ports, web_stg)
    assert staged["status"] == "live" and staged["image_digest"] == first_digest
    org.service(name="api", image="nginx:1.27", environment="staging")        # never deployed
    api_stg = org.service(name="admin", image="nginx:1.27", environment="staging")
    assert org.deploy(ports, api_stg)["status"] == "live"                       # production has no "admin"
    push("b")                                   # the tag moves on: production must still get what staging runs
    before = ports.store.collection("deployments").count({"service_id": web_prod["id"]})

    status, plan = org.call("GET", f"{envs}/staging/promote?to=production")
    assert status == 200, plan
    assert plan["from"]["name"] == "staging" and plan["to"]["name"] == "production"
    by = {e["service"]: e for e in plan["services"]}
    assert sorted(by) == ["admin", "api", "web"]
    web = by["web"]
    assert web["action"] == "deploy" and web["approval"] is False, web
    assert web["from"]["image"] == f"{uri}@{first_digest}" and web["from"]["number"] == staged["number"]
    assert web["to"]["live"]["image"] == "nginx:1.27"
    assert web["warnings"] == ["web in production lacks what staging gives it: FEATURE (variable), STRIPE_KEY (secret)"]
    assert by["api"] == {**by["api"], "action": "skip", "reason": "api has no live release in staging"}
    assert by["admin"]["action"] == "skip" and by["admin"]["reason"].startswith("production has no service named admin")
    assert plan["summary"] == {"deploy": 1, "skip": 2, "approval": 0}
    assert ports.store.collection("deployments").count({"service_id": web_prod["id"]}) == before   # a plan only

    status, done = org.call("POST", f"{envs}/staging/promote", {"to": "production"})
    assert status == 202, done
    dep = {e["service"]: e for e in done["services"]}["web"]["deployment"]
    assert dep["status"] == "queued" and dep["promoted_from"]["deployment_id"] == staged["id"], dep
    assert dep["promoted_from"]["environment"] == "staging" and dep["promoted_from"]["number"] == staged["number"]
    live = run_to_end(ports, dep["id"])
    assert live["status"] == "live" and live["image"] == f"{uri}@{first_digest}", live
    assert not live.get("build")                                    # nothing rebuilt
    td = ecs(launchbay_env).describe_task_definition(taskDefinition=live["task_definition"])["taskDefinition"]
    container = td["containerDefinitions"][0]
    assert container["image"] == f"{uri}@{first_digest}"
    env = {e["name"]: e["value"] for e in container["environment"]}
    assert env["MODE"] == "production" and "FEATURE" not in env       # production's own settings
    assert "STRIPE_KEY" not in {s["name"] for s in container.get("secrets", [])}

    status, again = org.call("POST", f"{envs}/staging/promote", {"to": "production", "services": ["web"]})
    assert status == 200, again                                     # nothing new: production runs it already
    assert again["services"][0]["reason"] == f"production already runs this image (release #{live['number']})"
    _, audit = org.call("GET", "/audit?limit=50")
    promoted = [e for e in audit["items"] if e["action"] == "environment.promote"]
    assert promoted[0]["details"]["deployed"] == [] and promoted[1]["details"]["deployed"] == ["web"]
    assert promoted[1]["details"] == {**promoted[1]["details"], "from": "staging", "to": "production", "skipped": 2}


def test_promotion_waits_for_approval_and_a_retry_does_not_deploy_twice(api, ports):
    org = new_org(api, email="owner@acme.io")
    prj, envs = _staging_and_production(org)
    web_prod = org.service(name="web", image="nginx:1.27")
    worker_prod = org.service(name="jobs", kind="worker", image="busybox:1.36")
    assert org.deploy(ports, web_prod)["status"] == "live" and org.deploy(ports, worker_prod)["status"] == "live"
    staged = org.deploy(ports, org.service(name="web", image="nginx:1.28", environment="staging"))
    org.deploy(ports, org.service(name="jobs", kind="worker", image="busybox:1.37", environment="staging"))
    assert org.call("PATCH", f"{envs}/production", {"require_approval": True})[0] == 200
    assert org.call("POST", f"/services/{worker_prod['id']}/suspend")[0] == 202
    assert suspend.run(ports, worker_prod["id"]).startswith("suspended")
    status, email = org.call("POST", "/members", {"email": "dev@acme.io", "role": "developer"})
    dev = Api(api.client, signup_invited(api, "dev@acme.io", org="dev home")["token"])

    status, plan = dev.call("GET", f"/orgs/{org.id}{envs}/staging/promote?to=production")
    assert status == 200 and plan["to"]["require_approval"] is True
    by = {e["service"]: e for e in plan["services"]}
    assert by["web"]["approval"] is True and by["web"]["reason"].endswith("(waits for approval by an admin or owner)")
    assert by["jobs"] == {**by["jobs"], "action": "skip", "reason": "jobs in production is suspended: resume it first"}

    status, done = dev.call("POST", f"/orgs/{org.id}{envs}/staging/promote", {"to": "production"},
                            headers={"Idempotency-Key": "release-42"})
    assert status == 202, done
    waiting = {e["service"]: e for e in done["services"]}["web"]["deployment"]
    assert waiting["status"] == "awaiting_approval" and waiting["image"] == "nginx:1.28"
    assert done["summary"] == {"deploy": 1, "skip": 1, "approval": 1}
    for headers in ({"Idempotency-Key": "release-42"}, {}):        # a retry, with or without its key
        status, again = dev.call("POST", f"/orgs/{org.id}{envs}/staging/promote", {"to": "production"}, headers=headers)
        assert status == 200, again
        web = {e["service"]: e for e in again["services"]}["web"]
        assert web["action"] == "skip" and web["deployment"]["id"] == waiting["id"]
        assert web["reason"] == f"already promoted: deployment #{waiting['number']} is awaiting approval"
    assert ports.store.collection("deployments").count({"service_id": web_prod["id"],
                                                        "promoted_from_id": staged["id"]}) == 1
    assert org.call("POST", f"/deployments/{waiting['id']}/approve")[0] == 200
    assert run_to_end(ports, waiting["id"])["status"] == "live"


def test_promotion_refusals_name_the_field(api, ports):
    org = new_org(api, email="owner@acme.io")
    prj, envs = _staging_and_production(org)
    org.service(name="web", image="nginx:1.27", environment="staging")
    cases = [
        ("GET", f"{envs}/staging/promote", None, 400, "to"),
        ("GET", f"{envs}/staging/promote?to=staging", None, 422, "to"),
        ("GET", f"{envs}/staging/promote?to=qa", None, 404, "to"),
        ("GET", f"{envs}/qa/promote?to=production", None, 404, "environment"),
        ("GET", f"{envs}/staging/promote?to=production&services=web,nope", None, 422, "services"),
        ("POST", f"{envs}/staging/promote", {"to": "production", "services": ["nope"]}, 422, "services"),
        ("POST", f"{envs}/staging/promote", {"to": "production", "services": []}, 422, "services"),
        ("POST", f"{envs}/staging/promote", {}, 422, "to"),
        ("POST", f"{envs}/staging/promote", {"to": "production", "image": "x"}, 422, "image"),
    ]
    for method, path, body, code, field in cases:
        status, err = org.call(method, path, body)
        assert (status, err["error"]["field"]) == (code, field), (method, path, body, err)
    status, _ = org.call("POST", "/members", {"email": "viewer@acme.io", "role": "viewer"})
    viewer = Api(api.client, signup_invited(api, "viewer@acme.io", org="viewer home")["token"])
    status, plan = viewer.call("GET", f"/orgs/{org.id}{envs}/staging/promote?to=production")
    assert status == 200 and plan["services"][0]["reason"] == "web has no live release in staging"
    status, err = viewer.call("POST", f"/orgs/{org.id}{envs}/staging/promote", {"to": "production"})
    assert status == 403 and err["error"]["field"] == "role", err
    other = new_org(api, name="Other", email="other@else.io")
    status, err = other.call("GET", f"{envs}/staging/promote?to=production")
    assert status == 404, err


def test_an_environment_promotes_each_new_live_release_by_itself(api, ports):
    org = new_org(api, email="owner@acme.io")
    prj = org.project()
    envs = f"/projects/{prj['id']}/environments"
    status, staging = org.call("POST", envs, {"name": "staging", "promote_to": "production"})
    assert status == 201 and staging["promote_to"] == "production", staging
    assert org.call("PATCH", f"{envs}/production", {"require_approval": True, "prevent_self_approval": True})[0] == 200
    web_prod = org.service(name="web", image="nginx:1.27")
    org.call("POST", "/members", {"email": "dev@acme.io", "role": "developer"})
    dev_signup = signup_invited(api, "dev@acme.io", org="dev home")
    dev = Api(api.client, dev_signup["token"])
    web_stg = org.service(name="web", image="nginx:1.27", environment="staging")

    status, dep = dev.call("POST", f"/orgs/{org.id}/services/{web_stg['id']}/deployments", {"image": "nginx:1.28"})
    assert status == 202, dep
    staged = run_to_end(ports, dep["id"])                       # live in staging: promoted on by itself
    assert staged["status"] == "live"
    (promoted,) = ports.store.collection("deployments").find({"service_id": web_prod["id"]})[0]
    assert promoted["status"] == "awaiting_approval" and promoted["image"] == "nginx:1.28", promoted
    assert promoted["promoted_from"]["deployment_id"] == staged["id"] and promoted["requested_by"] == dev_signup["user"]["id"]
    assert promoted["actor"] == f"launchbay (auto-promote of staging #{staged['number']}, asked by dev@acme.io)"
    _, logs = org.call("GET", f"/deployments/{staged['id']}/logs")
    assert f"promoted to production: deployment #{promoted['number']} (awaiting approval)" in \
        [line["message"] for line in logs["lines"]]
    assert _hook_again(ports, staged) == promoted["id"]             # a redelivered go-live deploys nothing new
    status, err = dev.call("POST", f"/orgs/{org.id}/deployments/{promoted['id']}/approve")
    assert status == 403, err                                   # a developer, and the one who asked
    assert org.call("POST", f"/deployments/{promoted['id']}/approve")[0] == 200
    assert run_to_end(ports, promoted["id"])["status"] == "live"   # production promotes nowhere: the chain ends

    before = ports.store.collection("deployments").count({"service_id": web_prod["id"]})
    restarted = run_to_end(ports, org.call("POST", f"/services/{web_stg['id']}/restart")[1]["id"])
    assert restarted["status"] == "live"                        # a restart is no new release: not promoted
    assert ports.store.collection("deployments").count({"service_id": web_prod["id"]}) == before

    for body, code, field in (({"promote_to": "staging"}, 422, "promote_to"),    # production -> staging -> ...
                              ({"promote_to": "production"}, 422, "promote_to"),  # itself
                              ({"promote_to": "qa"}, 404, "promote_to")):
        status, err = org.call("PATCH", f"{envs}/production", body)
        assert (status, err["error"]["field"]) == (code, field), (body, err)
    status, err = dev.call("PATCH", f"/orgs/{org.id}{envs}/staging", {"promote_to": None})
    assert status == 403, err
    status, cleared = org.call("PATCH", f"{envs}/staging", {"promote_to": None})
    assert status == 200 and cleared["promote_to"] is None
    again = run_to_end(ports, org.queue_deployment(web_stg, image="nginx:1.29")["id"])
    assert again["status"] == "live"
    assert ports.store.collection("deployments").count({"service_id": web_prod["id"]}) == before   # promotes no more


def _hook_again(ports, staged: dict) -> str:
    """The AutoPromote hook run a second time for the same release -> the deployment it points at."""
    from chalicelib.deploys import promote

    entry = promote.follow_on(ports, ports.store.collection("deployments").get(staged["id"]))
    assert entry["action"] == "skip" and entry["reason"].startswith("already promoted"), entry
    assert ports.store.collection("deployments").count({"promoted_from_id": staged["id"]}) == 1
    return entry["deployment"]["id"]


class _Killed(BaseException):
    """The worker dies here (as SIGKILL would: nothing after this line of the hook runs)."""


def test_a_worker_killed_after_the_go_live_loses_no_automatic_promotion(api, ports, monkeypatch):
    from chalicelib.core.ids import iso_from_epoch
    from chalicelib.deploys import promote, reaper

    org = new_org(api, email="owner@acme.io")
    prj = org.project()
    assert org.call("POST", f"/projects/{prj['id']}/environments", {"name": "staging", "promote_to": "production"})[0] == 201
    web_prod = org.service(name="web", image="nginx:1.27")
    web_stg = org.service(name="web", image="nginx:1.27", environment="staging")
    dep = org.queue_deployment(web_stg, image="nginx:1.28")
    real_follow_on = promote.follow_on

    def die(ports, dep):
        raise _Killed()

    monkeypatch.setattr(promote, "follow_on", die)
    with pytest.raises(_Killed):
        run_to_end(ports, dep["id"])
    deps = ports.store.collection("deployments")
    staged = deps.get(dep["id"])
    assert staged["status"] == "live" and staged["promote_due"], staged     # live, and the promotion still owed
    assert deps.count({"service_id": web_prod["id"]}) == 0
    assert "promote_due" not in org.call("GET", f"/deployments/{dep['id']}")[1]

    monkeypatch.setattr(promote, "follow_on", real_follow_on)              # a new worker, a reaper pass
    assert reaper.reap(ports)["promoted"] == 0                               # not yet: its worker may still be at it
    deps.update(dep["id"], {"promote_due": iso_from_epoch(0)})               # a minute later
    assert reaper.reap(ports)["promoted"] == 1
    (promoted,) = deps.find({"service_id": web_prod["id"]})[0]
    assert promoted["image"] == "nginx:1.28" and promoted["promoted_from_id"] == dep["id"], promoted
    assert deps.get(dep["id"])["promote_due"] is None
    assert reaper.reap(ports)["promoted"] == 0 and deps.count({"service_id": web_prod["id"]}) == 1

    # one whose promotion keeps failing is given up on, and its log says so. (The dead worker also
    # left the service lock held by the live release: the next deploy takes it over at once.)
    second = org.queue_deployment(web_stg, image="nginx:1.29")
    monkeypatch.setattr(promote, "follow_on", die)
    with pytest.raises(_Killed):
        run_to_end(ports, second["id"])

    def broken(ports, dep):
        raise RuntimeError("the store went away")

    monkeypatch.setattr(promote, "follow_on", broken)
    for _ in range(reaper.PROMOTE_TRIES + 1):
        deps.update(second["id"], {"promote_due": iso_from_epoch(0)})
        assert reaper.reap(ports)["promoted"] == 0
    assert deps.get(second["id"])["promote_due"] is None
    _, logs = org.call("GET", f"/deployments/{second['id']}/logs")
    assert any(line["message"].startswith("not promoted: the automatic promotion failed 5 times")
               for line in logs["lines"]), logs


def test_a_promotion_into_another_account_lets_that_account_pull_the_image(api, ports, launchbay_env):
    from tests.api.test_aws_accounts import PLATFORM, as_account, connect, point

    org = new_org(api, email="owner@acme.io")
    prj, envs = _staging_and_production(org)
    conn = connect(org, launchbay_env)                                  # production: the customer's own account
    assert point(org, prj["id"], conn["id"])[0] == 200
    ecr = boto3.client("ecr", endpoint_url=launchbay_env["AWS_ENDPOINT_URL"], region_name="us-east-1",
                       aws_access_key_id="testing", aws_secret_access_key="testing")
    repo = f"launchbay/{org.id}/web-{launchbay_env['LAUNCHBAY_QUEUE_PREFIX']}".lower()   # as a build in staging makes it
    uri = ecr.create_repository(repositoryName=repo)["repository"]["repositoryUri"]
    manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
                           "config": {"digest": "sha256:" + "c" * 64}, "layers": []})
    ecr.put_image(repositoryName=repo, imageManifest=manifest, imageTag="v1", imageDigest=_digest(manifest))
    ecr.set_repository_policy(repositoryName=repo, policyText=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "CiPush", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{PLATFORM}:root"},
         "Action": ["ecr:PutImage"]}]}))
    web_prod = org.service(name="web", image="nginx:1.27")
    web_stg = org.service(name="web", image=f"{uri}:v1", environment="staging")
    assert org.deploy(ports, web_stg)["status"] == "live"

    _, plan = org.call("GET", f"{envs}/staging/promote?to=production")
    (entry,) = plan["services"]
    assert entry["action"] == "deploy" and any(
        f"lets account {conn['account_id']} pull it first" in w for w in entry["warnings"]), entry
    status, out = org.call("POST", f"{envs}/staging/promote", {"to": "production"})
    assert status == 202, out
    promoted = run_to_end(ports, out["services"][0]["deployment"]["id"])
    assert promoted["status"] == "live", promoted.get("error")
    step = next(s for s in promoted["steps"] if s["name"] == "image")
    assert step["plan"]["action"] == "update" and step["plan"]["account"] == "platform", step
    assert step["plan"]["calls"] == [{"method": "allow_pull", "args": {"repository": repo, "account": conn["account_id"]}}]
    policy = json.loads(ecr.get_repository_policy(repositoryName=repo)["policyText"])
    by_sid = {st["Sid"]: st for st in policy["Statement"]}
    assert set(by_sid) == {"CiPush", "LaunchbayCrossAccountPull"}           # the owner's own statement stays
    assert by_sid["LaunchbayCrossAccountPull"]["Principal"]["AWS"] in (
        f"arn:aws:iam::{conn['account_id']}:root", [f"arn:aws:iam::{conn['account_id']}:root"])
    assert promoted["image"].startswith(f"{uri}@sha256:")
    td = as_account(launchbay_env, conn["account_id"], "ecs").describe_task_definition(
        taskDefinition=promoted["task_definition"])["taskDefinition"]
    assert td["containerDefinitions"][0]["image"] == promoted["image"]        # production runs staging's bytes

    # the next promotion finds the account allowed already: nothing to change
    manifest = manifest.replace("c" * 64, "d" * 64)
    ecr.put_image(repositoryName=repo, imageManifest=manifest, imageTag="v2", imageDigest=_digest(manifest))
    assert org.deploy(ports, web_stg, image=f"{uri}:v2")["status"] == "live"
    status, out = org.call("POST", f"{envs}/staging/promote", {"to": "production"})
    assert status == 202, out["services"][0]["reason"]
    again = run_to_end(ports, out["services"][0]["deployment"]["id"])
    step = next(s for s in again["steps"] if s["name"] == "image")
    assert again["status"] == "live" and step["plan"]["action"] == "no-op", step
    assert ports.store.collection("deployments").count({"service_id": web_prod["id"]}) == 2


def test_architectures_that_differ_warn_for_an_image_and_skip_a_release_built_here(api, ports, git_root):
    """An image from a registry may hold a variant for each CPU: the plan warns. A release Launchbay
    built from source was built for one CPU only: promoting it to a service on the other would
    start tasks that cannot run, so the plan skips it and says what to do."""
    from tests.support.git_repos import make_repo

    make_repo(git_root, "acme/shop", {"Dockerfile": "FROM alpine:3.20\nCMD [\"sh\", \"-c\", \"echo hi\"]\n"})
    org = new_org(api)
    prj, envs = _staging_and_production(org)
    for name in ("web", "api"):
        assert org.deploy(ports, org.service(name=name, image="nginx:1.27"))["status"] == "live"
    web = org.service(name="web", image="nginx:1.28", environment="staging", architecture="arm64")
    assert org.deploy(ports, web)["status"] == "live"
    built = org.service(name="api", image=None, source={"repo": "acme/shop", "branch": "main"},
                        environment="staging", architecture="arm64")
    release = org.deploy(ports, built)
    assert release["status"] == "live", release.get("error")

    status, plan = org.call("GET", f"{envs}/staging/promote?to=production")
    assert status == 200, plan
    by = {e["service"]: e for e in plan["services"]}
    assert by["web"]["action"] == "deploy" and by["web"]["warnings"] == [
        "web runs on arm64 in staging and on x86_64 in production: the image must have a variant for both "
        "(a multi-platform image), or production's tasks will not start"]
    assert by["api"]["action"] == "skip" and by["api"]["reason"] == (
        f"api's release #{release['number']} was built for arm64 only, and api runs on x86_64 in production: its "
        "tasks would not start. Give both the same architecture, or deploy production's api from source (it builds "
        "for x86_64)")
    status, done = org.call("POST", f"{envs}/staging/promote", {"to": "production"})
    assert status == 202 and [e["service"] for e in done["services"] if e.get("deployment")] == ["web"], done

    # the same architecture on both sides: the built release goes as it is
    api_prod = next(s for s in org.call("GET", f"/projects/{prj['id']}/services?environment=production")[1]["items"]
                    if s["name"] == "api")
    assert org.call("PATCH", f"/services/{api_prod['id']}", {"architecture": "arm64"})[0] == 200
    by = {e["service"]: e for e in org.call("GET", f"{envs}/staging/promote?to=production")[1]["services"]}
    assert by["api"]["action"] == "deploy" and by["api"]["warnings"] == [], by["api"]
