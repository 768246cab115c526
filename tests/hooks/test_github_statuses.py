"""Commit statuses (chalicelib/hooks/statuses.py) end to end in the sandbox: a signed push builds
and deploys the commit with real Celery workers, and a real HTTP receiver standing in for GitHub's
REST API (LAUNCHBAY_GITHUB_API_URL) gets the deployment's statuses on that commit, pending to
success; a broken build ends in failure; a token GitHub refuses is said on the deployment."""
from __future__ import annotations

import json

import pytest

from chalicelib import wiring
from tests.hooks.conftest import REPO, deployments_of
from tests.hooks.test_git_to_live import _push
from tests.notify.receiver import Receiver
from tests.support.git_repos import DOCKERFILE, commit, make_repo
from tests.support.processes import CeleryWorker, wait_for

TOKEN = "ghp_" + "Ab3" * 12
UI = "https://launchbay.example.com"


@pytest.fixture
def github(git_root, launchbay_env, monkeypatch):
    """A receiver in GitHub's place, and workers that post there."""
    with Receiver() as api:
        for key, value in {"LAUNCHBAY_GITHUB_API_URL": api.url(""), "LAUNCHBAY_PUBLIC_URL": UI}.items():
            monkeypatch.setenv(key, value)
            launchbay_env[key] = value
        wiring.reset()
        workers = [CeleryWorker(launchbay_env, ["deploys", "default"], name="deploys").start(),
                   CeleryWorker(launchbay_env, ["notify"], name="notify").start()]
        yield api
        for w in workers:
            w.stop()


def _posted(api: Receiver, sha: str, final: str) -> list[dict]:
    """The statuses posted on `sha`, once the last says `final` (a task per move: the newest wins)."""
    def done():
        mine = [r for r in api.requests if r.path == f"/repos/{REPO}/statuses/{sha}"]
        return mine and mine[-1].json()["state"] == final and mine
    return wait_for(done, 120, what=f"a {final} status on {sha[:7]}")


def test_a_pushed_commit_shows_its_deployment_on_github(github, hooked, ports, git_root):
    org = hooked.org
    assert org.call("PUT", "/git/github", {"token": TOKEN})[0] == 200
    first = make_repo(git_root, REPO, {"Dockerfile": DOCKERFILE})
    assert hooked.deliver("push", _push(first, "Add the app"))[0] == 202
    posted = _posted(github, first, "success")
    (dep,) = deployments_of(ports, hooked.web["id"])
    assert dep["status"] == "live"
    assert {r.json()["state"] for r in posted[:-1]} <= {"pending", "success"} and posted[0].json()["state"] == "pending"
    last = posted[-1]
    assert last.headers["authorization"] == f"Bearer {TOKEN}"
    assert last.headers["accept"] == "application/vnd.github+json"
    assert last.json() == {"state": "success", "description": f"#{dep['number']} live",
                           "context": "launchbay/production/web",
                           "target_url": f"{UI}/orgs/{org.id}/deployments/{dep['id']}"}
    assert any(r.json()["description"] == f"#{dep['number']} building the image" for r in posted)
    shown = org.call("GET", f"/deployments/{dep['id']}")[1]["github_status"]
    assert shown["repository"] == REPO and shown["state"] in ("pending", "success") and shown["error"] is None
    assert TOKEN not in json.dumps(org.call("GET", f"/deployments/{dep['id']}")[1])

    broken = commit(git_root / REPO, {"Dockerfile": "FROM alpine:3.20\nRUNN echo hi\n"})
    assert hooked.deliver("push", _push(broken, "Break the build"))[0] == 202
    failed = _posted(github, broken, "failure")[-1].json()
    assert failed["description"] == "#2 failed at build (the reason is on its page)", failed   # not the error: public
    assert len(failed["description"]) <= 140


def test_a_token_github_refuses_is_said_on_the_deployment(git_root, launchbay_env, monkeypatch, hooked, ports):
    from chalicelib.hooks import statuses

    with Receiver(answers=[403]) as api:
        monkeypatch.setenv("LAUNCHBAY_GITHUB_API_URL", api.url(""))
        wiring.reset()
        ports = wiring.get_ports()
        org = hooked.org
        first = make_repo(git_root, REPO, {"Dockerfile": DOCKERFILE})
        status, out = org.call("POST", f"/services/{hooked.web['id']}/deployments", {"commit": {"sha": first}})
        assert status == 202, out
        assert statuses.post(ports, out["id"]) == {"skipped": "the organization has no GitHub token"}
        assert org.call("PUT", "/git/github", {"token": TOKEN})[0] == 200
        refused = statuses.post(ports, out["id"])          # 403: not retried, said
        assert len(api.requests) == 1 and refused["response_code"] == 403
        assert "must be allowed to write commit statuses of Codertocat/Hello-World" in refused["error"]
        assert org.call("GET", f"/deployments/{out['id']}")[1]["github_status"]["error"] == refused["error"]
        # no repository (an image service): nothing to post
        image = org.service(name="api", image="nginx:1.27")
        dep = org.queue_deployment(image)
        assert statuses.post(ports, dep["id"]) == {"skipped": "not a deployment of a GitHub commit"}


def test_a_deployment_lists_the_commits_it_brings(git_root, launchbay_env, monkeypatch, hooked, ports):
    from chalicelib.hooks import commits
    from tests.support.deploying import run_to_end

    org = hooked.org
    first = make_repo(git_root, REPO, {"Dockerfile": DOCKERFILE})
    second = commit(git_root / REPO, {"README.md": "two\n"})

    def github(req):   # GitHub's compare answer, cut to the fields Launchbay reads (and one it does not)
        base, head = req.path.rsplit("/", 1)[1].split("...")
        listed = [{"sha": f"{n:040x}", "html_url": f"https://github.com/{REPO}/commit/{n:040x}",
                   "author": {"login": "octocat"} if n % 2 else None,
                   "commit": {"message": f"change {n}\n\nbody", "author": {"name": f"Dev {n}"}}} for n in range(1, 61)]
        return json.dumps({"status": "ahead", "total_commits": 60, "commits": listed,
                           "files": [{"filename": "app.py", "patch": "x" * 1000}], "base": base, "head": head}).encode()

    with Receiver(reply=github) as api:
        monkeypatch.setenv("LAUNCHBAY_GITHUB_API_URL", api.url(""))
        wiring.reset()
        ports = wiring.get_ports()
        assert org.call("PUT", "/git/github", {"token": TOKEN})[0] == 200
        status, one = org.call("POST", f"/services/{hooked.web['id']}/deployments", {"commit": {"sha": first}})
        assert status == 202 and commits.fetch(ports, one["id"]) == {"skipped": "no two commits of a GitHub repository to compare"}
        assert run_to_end(ports, one["id"])["status"] == "live"
        status, two = org.call("POST", f"/services/{hooked.web['id']}/deployments", {"commit": {"sha": second}})
        kept = commits.fetch(ports, two["id"])
        (asked,) = [r for r in api.requests if r.method == "GET"]
        assert asked.path == f"/repos/{REPO}/compare/{first}...{second}" and asked.headers["authorization"] == f"Bearer {TOKEN}"
        assert kept["total"] == 60 and len(kept["items"]) == 50 and kept["error"] is None
        assert kept["items"][0] == {"sha": f"{60:040x}", "message": "change 60", "author": "Dev 60",
                                    "url": f"https://github.com/{REPO}/commit/{60:040x}"}       # newest first
        assert kept["items"][1]["author"] == "octocat"
        shown = org.call("GET", f"/deployments/{two['id']}/changes")[1]["commit"]
        assert shown["from"] == first and shown["to"] == second and shown["total_commits"] == 60
        assert [c["message"] for c in shown["commits"][:2]] == ["change 60", "change 59"]
