"""Preview environments from pull requests: cloned on open, redeployed on push, removed with
everything they made in AWS on close, a limit per project and an idle TTL enforced by beat."""
from __future__ import annotations

import time

import boto3

from chalicelib import wiring
from chalicelib.cloud import naming
from chalicelib.core.ids import iso_from_epoch
from chalicelib.deploys.steps import internal_host
from tests.hooks.conftest import REPO, SUFFIX, deployments_of, payload, process
from tests.support.deploying import run_to_end
from tests.support.git_repos import DOCKERFILE, make_repo

HEAD = "ec26c3e57ca3a959ca5aad62de7213c562f8c821"   # pull request #2's head in the fixtures


def _pr(action: str, number: int = 2, head: str = HEAD) -> dict:
    body = payload(f"pull_request.{action}")
    body["number"] = body["pull_request"]["number"] = number
    body["pull_request"]["head"]["sha"] = head
    return body


def _open(hooked, number: int = 2) -> dict:
    status, out = hooked.deliver("pull_request", _pr("opened", number))
    assert status == 202, out
    return process(out["id"])


def _sandbox(launchbay_env) -> dict[str, set[str]]:
    """Every resource of the kinds a service deploy makes, as the sandbox lists them."""
    kw = {"endpoint_url": launchbay_env["AWS_ENDPOINT_URL"], "region_name": "us-east-1"}
    ecs, elb, ssm = boto3.client("ecs", **kw), boto3.client("elbv2", **kw), boto3.client("ssm", **kw)
    out: dict[str, set[str]] = {"ecs_services": set(), "target_groups": set(), "rules": set(), "ssm": set()}
    for cluster in [c for page in ecs.get_paginator("list_clusters").paginate() for c in page["clusterArns"]]:
        for arn in ecs.list_services(cluster=cluster, maxResults=100)["serviceArns"]:
            svc = ecs.describe_services(cluster=cluster, services=[arn])["services"][0]
            if svc["status"] != "INACTIVE":
                out["ecs_services"].add(svc["serviceName"])
    out["target_groups"] = {tg["TargetGroupName"] for page in elb.get_paginator("describe_target_groups").paginate()
                            for tg in page["TargetGroups"]}
    # every page: the sandbox is shared by the whole test session, so there are more than one page's worth
    lbs = [lb for page in elb.get_paginator("describe_load_balancers").paginate() for lb in page["LoadBalancers"]]
    for lb in lbs:
        for listener in elb.describe_listeners(LoadBalancerArn=lb["LoadBalancerArn"])["Listeners"]:
            for rule in elb.describe_rules(ListenerArn=listener["ListenerArn"])["Rules"]:
                for cond in rule.get("Conditions", []):
                    out["rules"] |= set(cond.get("HostHeaderConfig", {}).get("Values") or cond.get("Values") or [])
    pages = ssm.get_paginator("describe_parameters").paginate()
    out["ssm"] = {p["Name"] for page in pages for p in page["Parameters"]}
    return out


def _names(service: dict) -> dict[str, set[str]]:
    n = naming.of_service(service)
    return {"ecs_services": {n.service}, "target_groups": {n.target_group}, "ssm": {n.secret_prefix}}


def _owned(found: dict[str, set[str]], services: list[dict]) -> dict[str, set[str]]:
    """What of `found` belongs to these services (by their AWS names, and hosts with their ids)."""
    mine: dict[str, set[str]] = {k: set() for k in found}
    for svc in services:
        names = _names(svc)
        mine["ecs_services"] |= found["ecs_services"] & names["ecs_services"]
        mine["target_groups"] |= found["target_groups"] & names["target_groups"]
        mine["ssm"] |= {p for p in found["ssm"] if p.startswith(next(iter(names["ssm"])) + "/")}
        mine["rules"] |= found["rules"] & {internal_host(svc["name"], svc["org_id"], svc["id"]), svc.get("domain")}
    return mine


def test_pull_request_opens_updates_and_closes_a_preview_leaving_nothing_behind(git_root, hooked, ports, launchbay_env):
    org, prj = hooked.org, hooked.project
    pushed_sha = make_repo(git_root, REPO, {"Dockerfile": DOCKERFILE})   # the sandbox builds this commit
    status, _ = org.call("PUT", f"/services/{hooked.web['id']}/secrets/DB_PASSWORD", {"value": "s3cret"})
    assert status == 200
    cache = org.service("shop", name="cache", kind="worker", port=None)   # an image: deployed as it is
    nights = [{"start": "0 20 * * 1-5", "end": "0 7 * * 1-5"}]
    assert org.call("PATCH", f"/projects/{prj['id']}/environments/production", {"sleep_windows": nights})[0] == 200
    result = _open(hooked)
    assert result["preview"] == "pr-2" and result["domain_suffix"] == f"pr-2.{SUFFIX}", result

    status, env = org.call("GET", f"/projects/{prj['id']}/environments/pr-2")
    assert status == 200 and env["preview"]["pr"] == 2 and env["preview"]["head_sha"] == HEAD
    assert [(w["start"], w["end"]) for w in env["sleep_windows"]] == [("0 20 * * 1-5", "0 7 * * 1-5")]  # sleeps as its base
    assert ports.store.collection("environments").get(env["id"])["has_sleep_windows"] is True   # beat finds it
    weekends = [{"start": "0 18 * * 5", "end": "0 8 * * 1"}]   # the base's windows change: the preview's follow
    assert org.call("PATCH", f"/projects/{prj['id']}/environments/production", {"sleep_windows": weekends})[0] == 200
    followed = org.call("GET", f"/projects/{prj['id']}/environments/pr-2")[1]["sleep_windows"]
    assert [(w["start"], w["end"]) for w in followed] == [("0 18 * * 5", "0 8 * * 1")]
    assert org.call("PATCH", f"/projects/{prj['id']}/environments/production", {"sleep_windows": nights})[0] == 200
    assert env["domain_suffix"] == f"pr-2.{SUFFIX}" and env["branch"] is None
    _, listed = org.call("GET", f"/projects/{prj['id']}/services?environment=pr-2")
    services = {s["name"]: s for s in listed["items"]}
    assert set(services) == {"web", "cache"}
    web = services["web"]
    assert web["domain"] == f"web.pr-2.{SUFFIX}" and web["source"] == {
        "repo": REPO, "branch": "changes", "dockerfile": "Dockerfile", "context": "."}
    assert [s["name"] for s in org.call("GET", f"/services/{web['id']}/secrets")[1]["items"]] == ["DB_PASSWORD"]
    web_deps, cache_deps = deployments_of(ports, web["id"]), deployments_of(ports, services["cache"]["id"])
    assert [d["commit"]["sha"] for d in web_deps] == [HEAD] and web_deps[0]["commit"]["author"] == "Codertocat"
    assert len(cache_deps) == 1 and cache_deps[0]["commit"] is None
    assert deployments_of(ports, hooked.web["id"]) == [] and deployments_of(ports, cache["id"]) == []  # base untouched

    # a push to the pull request redeploys its preview at the new head
    status, out = hooked.deliver("pull_request", _pr("synchronize", head=pushed_sha))
    assert status == 202
    pushed = process(out["id"])
    web_deps = deployments_of(ports, web["id"])
    assert pushed["deployments"] == [web_deps[-1]["id"]] and web_deps[-1]["commit"]["sha"] == pushed_sha
    assert web_deps[0]["status"] == "superseded"       # the older queued one
    assert org.call("GET", f"/projects/{prj['id']}/environments/pr-2")[1]["preview"]["head_sha"] == pushed_sha

    before = _sandbox(launchbay_env)
    for dep in (web_deps[-1], cache_deps[0]):
        assert run_to_end(ports, dep["id"])["status"] == "live"
    during = _sandbox(launchbay_env)
    made = _owned(during, list(services.values()))
    assert made["ecs_services"] == {naming.of_service(s).service for s in services.values()}
    assert made["target_groups"] and made["rules"] and made["ssm"], made
    assert not any(_owned(before, list(services.values())).values())

    # closing (here: merging) removes the preview: services torn down, then the environment
    status, out = hooked.deliver("pull_request", _pr("closed"))
    assert status == 202
    closed = process(out["id"])
    assert closed["removed"] and set(closed["services"]) == {s["id"] for s in services.values()}
    from worker.tasks.deploys import teardown_environment, teardown_service

    for svc in services.values():
        assert teardown_service(svc["id"]) == "deleted"
    # the last service gone, the preview environment removes its own load balancer and groups
    assert org.call("GET", f"/projects/{prj['id']}/environments/pr-2")[1]["status"] == "deleting"
    teardown_environment(env["id"])
    assert org.call("GET", f"/projects/{prj['id']}/environments/pr-2")[0] == 404
    assert org.call("GET", f"/services/{web['id']}")[0] == 404
    after = _sandbox(launchbay_env)
    assert not any(_owned(after, list(services.values())).values()), _owned(after, list(services.values()))
    for kind in after:   # nothing of the preview's, and nothing else changed either
        assert after[kind] == before[kind], (kind, after[kind] ^ before[kind])
    assert ports.store.collection("secrets").count({"scope_id": web["id"]}) == 0

    # closing again (a replayed close with a new delivery id) is a no-op
    status, out = hooked.deliver("pull_request", _pr("closed"))
    assert status == 202 and "skipped" in process(out["id"])
    _, audit = org.call("GET", "/audit")
    assert {"environment.clone", "environment.retire"} <= {e["action"] for e in audit["items"]}


def test_pull_requests_against_untracked_branches_or_from_forks_get_no_preview(hooked, ports):
    body = _pr("opened")
    body["pull_request"]["base"]["ref"] = "develop"
    status, out = hooked.deliver("pull_request", body)
    assert "skipped" in process(out["id"])
    fork = _pr("opened", number=3)
    fork["pull_request"]["head"]["repo"]["full_name"] = "mallory/Hello-World"
    status, out = hooked.deliver("pull_request", fork)
    assert "fork" in process(out["id"])["skipped"]
    assert ports.store.collection("environments").count({"project_id": hooked.project["id"]}) == 1


def test_preview_limit_per_project(hooked, monkeypatch):
    monkeypatch.setenv("LAUNCHBAY_PREVIEW_LIMIT", "1")
    wiring.reset()
    ports = wiring.get_ports()
    assert _open(hooked, 2)["preview"] == "pr-2"
    over = _open(hooked, 3)
    assert "limit" in over["skipped"], over
    assert hooked.org.call("GET", f"/projects/{hooked.project['id']}/environments/pr-3")[0] == 404
    assert len(ports.store.collection("environments").find({"project_id": hooked.project["id"]})[0]) == 2
    _, hook = hooked.org.call("GET", f"/projects/{hooked.project['id']}/hooks/github")
    assert "limit" in hook["deliveries"][0]["result"]["skipped"]


def test_idle_previews_expire_through_the_beat_task(hooked, ports):
    from worker.tasks.hooks import expire_previews

    _open(hooked, 2)
    _open(hooked, 5)
    envs = ports.store.collection("environments")
    idle = envs.find_one({"project_id": hooked.project["id"], "name": "pr-2"})
    old = iso_from_epoch(time.time() - (ports.settings.preview_ttl_hours + 1) * 3600)
    envs.update(idle["id"], {"preview": {**idle["preview"], "last_push": old}})
    out = expire_previews()
    assert out["closed"] == 1 and out["failed"] == 0, out
    assert envs.get(idle["id"])["retiring"] is True
    gone, _ = ports.store.collection("services").find({"environment_id": idle["id"]}, limit=10)
    assert gone and all(s["status"] == "deleting" for s in gone)
    fresh = envs.find_one({"project_id": hooked.project["id"], "name": "pr-5"})
    assert not fresh.get("retiring")
    assert expire_previews()["closed"] == 0          # already retiring: not closed twice


def test_a_preview_keeps_one_comment_on_its_pull_request_up_to_date(git_root, hooked, ports, launchbay_env, monkeypatch):
    import json

    import pytest

    from chalicelib.hooks import pr_comments
    from tests.notify.receiver import Receiver

    def github(req):   # as GitHub answers a new comment: its id and page
        return json.dumps({"id": 4242, "html_url": f"https://github.com/{REPO}/pull/2#issuecomment-4242"}).encode()

    org = hooked.org
    org.service("shop", name="cache", kind="worker", port=None)
    with Receiver(reply=github) as api:
        monkeypatch.setenv("LAUNCHBAY_GITHUB_API_URL", api.url(""))
        wiring.reset()
        ports = wiring.get_ports()
        result = _open(hooked)
        env_id = result["environment_id"]
        assert pr_comments.sync(ports, env_id) == {"skipped": "the organization has no GitHub token"}
        assert org.call("PUT", "/git/github", {"token": "ghp_" + "Ab3" * 12})[0] == 200
        assert ports.store.collection("environments").get(env_id)["preview"]["repo"] == REPO

        made = pr_comments.sync(ports, env_id)                       # the first: a new comment
        assert made["comment_id"] == 4242 and made["error"] is None, made
        first = api.requests[-1]
        assert (first.method, first.path) == ("POST", f"/repos/{REPO}/issues/2/comments")
        text = first.json()["body"]
        assert text.startswith(pr_comments.MARK) and "**Launchbay preview `pr-2`**" in text
        assert "| cache | queued |" in text and "| web | queued |" in text and f"| {HEAD[:7]} |" in text
        shown = ports.store.collection("environments").get(env_id)
        assert shown["pr_comment_url"] == f"https://github.com/{REPO}/pull/2#issuecomment-4242"

        ended = {d["service_name"]: run_to_end(ports, d["id"])["status"]       # (the sandbox's repository lacks
                 for d in ports.store.collection("deployments").find({"environment_id": env_id})[0]}   # the PR's head)
        assert ended == {"cache": "live", "web": "failed"}
        pr_comments.sync(ports, env_id)                               # later: the same comment, edited
        edited = api.requests[-1]
        assert (edited.method, edited.path) == ("PATCH", f"/repos/{REPO}/issues/comments/4242")
        assert "| cache | live |" in edited.json()["body"]
        assert "| web | failed at build (the reason is on its page) |" in edited.json()["body"], edited.json()["body"]
        assert sum(1 for r in api.requests if r.method == "POST") == 1

        # a second task making it at the same time waits for the first (no second comment)
        envs = ports.store.collection("environments")
        envs.update(env_id, {"pr_comment_id": None, "pr_comment_claim": iso_from_epoch(time.time())})
        with pytest.raises(pr_comments.Busy):
            pr_comments.sync(ports, env_id)
        envs.update(env_id, {"pr_comment_claim": iso_from_epoch(time.time() - 600)})   # its task died: taken over
        assert pr_comments.sync(ports, env_id)["comment_id"] == 4242
        assert envs.get(env_id)["pr_comment_claim"] is None

        # closed: the same comment says the preview is gone
        status, out = hooked.deliver("pull_request", _pr("closed"))
        assert status == 202 and process(out["id"])["removed"] is True
        pr_comments.sync(ports, env_id)
        gone = api.requests[-1]
        assert (gone.method, gone.path) == ("PATCH", f"/repos/{REPO}/issues/comments/4242")
        assert "is removed: the pull request was closed" in gone.json()["body"]
