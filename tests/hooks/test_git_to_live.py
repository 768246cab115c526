"""Issue #13 end to end in the sandbox, with real Celery workers (deploys and notify) and a real
HTTP receiver: a signed GitHub push -> the build of that commit from the sandbox's git repository
-> deploy -> live, each phase told to the project's webhook; then a push of a broken Dockerfile
fails its build, and the failure reaches the receiver with the line and the reason."""
from __future__ import annotations

import json

import pytest

from chalicelib.notify import signing
from tests.hooks.conftest import FIXTURES, REPO, deployments_of
from tests.notify.receiver import Receiver
from tests.support.git_repos import DOCKERFILE, commit, make_repo
from tests.support.processes import CeleryWorker, wait_for


@pytest.fixture
def workers(git_root, launchbay_env):
    started = [CeleryWorker(launchbay_env, ["deploys", "default"], name="deploys").start(),
               CeleryWorker(launchbay_env, ["notify"], name="notify").start()]
    yield started
    for w in started:
        w.stop()


def _push(sha: str, message: str) -> dict:
    body = json.loads((FIXTURES / "push.json").read_text())
    body["after"] = body["head_commit"]["id"] = sha
    body["head_commit"]["message"] = message
    return body


def _settled(ports, service_id: str, count: int) -> list[dict]:
    def done():
        deps = deployments_of(ports, service_id)
        return len(deps) >= count and deps[count - 1]["status"] in ("live", "failed", "rolled_back") and deps
    return wait_for(done, 120, what=f"deployment #{count} to settle")


def test_push_builds_deploys_and_notifies_then_a_broken_build_fails_in_words(git_root, workers, hooked, ports):
    org, prj = hooked.org, hooked.project
    first = make_repo(git_root, REPO, {"Dockerfile": DOCKERFILE})
    with Receiver() as hook:
        status, sub = org.call("POST", f"/projects/{prj['id']}/notifications", {"kind": "webhook", "url": hook.url()})
        assert status == 201, sub

        status, out = hooked.deliver("push", _push(first, "Add the app"))
        assert status == 202, out
        deps = _settled(ports, hooked.web["id"], 1)
        assert deps[0]["status"] == "live", (deps[0].get("error"), workers[0].output()[-3000:])
        assert deps[0]["commit"]["sha"] == first and "@sha256:" in deps[0]["image"]   # built, pinned by digest
        _, logs = org.call("GET", f"/deployments/{deps[0]['id']}/logs?after=0")
        assert any(f"building {REPO}" in line["message"] for line in logs["lines"]), logs["lines"][:3]

        broken = commit(git_root / REPO, {"Dockerfile": "FROM alpine:3.20\nRUNN echo hi\n"})
        status, out = hooked.deliver("push", _push(broken, "Break the build"))
        assert status == 202
        deps = _settled(ports, hooked.web["id"], 2)
        assert deps[1]["status"] == "failed" and "line 2" in deps[1]["error"], deps[1].get("error")
        assert ports.store.collection("services").get(hooked.web["id"])["live_deployment_id"] == deps[0]["id"]

        got = hook.wait(6)   # started, building, live; started, building, failed
    kinds = [(r.json()["data"]["deployment"]["number"], r.headers["launchbay-event"]) for r in got]
    assert sorted(kinds) == sorted([(1, "deployment.started"), (1, "deployment.building"), (1, "deployment.live"),
                                    (2, "deployment.started"), (2, "deployment.building"),
                                    (2, "deployment.failed")]), kinds
    failed = next(r for r in got if r.headers["launchbay-event"] == "deployment.failed")
    signing.verify(sub["secret"], failed.body, failed.headers["launchbay-signature"])
    body = failed.json()["data"]
    assert "line 2" in body["deployment"]["error"] and body["deployment"]["commit"]["sha"] == broken
