"""GitHub webhooks: the hook's secret, the signed delivery endpoint, and deploy on push (issue #13)."""
from __future__ import annotations

import json

from chalicelib.hooks.github import signature
from tests.hooks.conftest import FIXTURES, REPO, deployments_of, payload, process, sha, source
from tests.support.api import Api, signup_invited
from tests.support.deploying import run_to_end


def _stored(ports, project_id: str) -> int:
    return ports.store.collection("hook_deliveries").count({"project_id": project_id})


def test_before_a_hook_is_made_reading_it_is_a_200_empty_state(make_org, ports):
    org = make_org()
    prj = org.project("shop")
    status, none = org.call("GET", f"/projects/{prj['id']}/hooks/github")
    assert status == 200, none                                  # a normal first visit: no failing request
    assert none["configured"] is False and none["id"] is None and none["deliveries"] == []
    assert none["events"] == ["push", "pull_request"] and none["url"].endswith(f"/v1/hooks/github/{prj['id']}")
    status, made = org.call("POST", f"/projects/{prj['id']}/hooks/github")
    assert status == 201 and made["url"] == none["url"]         # the URL the empty state named
    status, seen = org.call("GET", f"/projects/{prj['id']}/hooks/github")
    assert status == 200 and seen["configured"] is True and seen["id"] == made["id"]
    assert make_org("Other").api.call("GET", f"/orgs/{org.id}/projects/{prj['id']}/hooks/github")[0] == 404


def test_hook_secret_is_shown_once_encrypted_at_rest_and_rotated(hooked, ports):
    org, prj = hooked.org, hooked.project
    assert hooked.url.endswith(f"/v1/hooks/github/{prj['id']}") and len(hooked.secret) >= 40
    doc = ports.store.collection("hooks").find_one({"project_id": prj["id"]})
    assert hooked.secret not in json.dumps(doc)                      # only its Fernet ciphertext is stored
    status, seen = org.call("GET", f"/projects/{prj['id']}/hooks/github")
    assert status == 200 and hooked.secret not in json.dumps(seen) and "secret" not in seen
    status, again = org.call("POST", f"/projects/{prj['id']}/hooks/github")
    assert status == 201 and again["rotated"] and again["secret"] != hooked.secret and again["url"] == hooked.url
    # the old secret no longer signs anything; the new one does
    assert hooked.deliver("ping", payload("ping"))[0] == 401
    assert hooked.deliver("ping", payload("ping"), secret=again["secret"])[0] == 200
    _, audit = org.call("GET", "/audit")
    actions = [e["action"] for e in audit["items"]]
    assert "hook.create" in actions and "hook.rotate" in actions
    assert hooked.secret not in json.dumps(audit) and again["secret"] not in json.dumps(audit)


def test_ping_is_answered_200_when_signed(hooked):
    status, body = hooked.deliver("ping", (FIXTURES / "ping.json").read_bytes())   # GitHub's bytes as they are
    assert status == 200 and body["event"] == "ping"


def test_bad_or_missing_signature_is_401_and_nothing_happens(hooked, ports):
    body = payload("push")
    raw = json.dumps(body, indent=2).encode()
    cases = {"missing": None, "wrong secret": signature("not-the-secret", raw), "sha1 form": "sha1=" + "0" * 40,
             "garbage": "sha256=zz", "other body": signature(hooked.secret, raw + b" ")}
    for label, sig in cases.items():
        status, out = hooked.deliver("push", raw, sig=sig)
        assert status == 401, (label, out)
        assert out["error"]["code"] and out["error"]["field"] == "X-Hub-Signature-256", out
    # a project without a hook, and an unknown project, answer the same
    status, out = hooked.deliver("push", raw, project="prj_doesnotexist")
    assert status == 401
    assert _stored(ports, hooked.project["id"]) == 0
    assert deployments_of(ports, hooked.web["id"]) == []


def test_a_replayed_delivery_is_accepted_once(hooked, ports):
    body = payload("push")
    first = hooked.deliver("push", body, delivery="72d3162e-cc78-11e3-81ab-4c9367dc0958")
    again = hooked.deliver("push", body, delivery="72d3162e-cc78-11e3-81ab-4c9367dc0958")
    assert first[0] == 202 and again[0] == 200 and again[1]["duplicate"] is True, (first, again)
    assert _stored(ports, hooked.project["id"]) == 1
    process(first[1]["id"])
    process(first[1]["id"])   # a redelivered task does nothing more
    assert len(deployments_of(ports, hooked.web["id"])) == 1


def test_push_to_the_tracked_branch_deploys_with_the_commit_recorded_logged_and_searchable(hooked, ports):
    from chalicelib.search.indexer import relay_outbox

    org = hooked.org
    other = org.service("shop", name="docs")                     # built from another repository: left alone
    source(org, other["id"], repo="Codertocat/Docs")
    plain = org.service("shop", name="cache")                   # an image, no source: left alone
    status, out = hooked.deliver("push", (FIXTURES / "push.json").read_bytes())
    assert status == 202 and out["status"] == "received", out
    result = process(out["id"])
    deps = deployments_of(ports, hooked.web["id"])
    assert result["deployments"] == [d["id"] for d in deps] and len(deps) == 1
    commit = {"sha": "6113728f27ae82c7b1a177c8d03f9e96e0adf246", "message": "Initial commit", "author": "Codertocat"}
    assert deps[0]["commit"] == commit and deps[0]["actor"].startswith("github:Codertocat")
    assert deployments_of(ports, other["id"]) == [] and deployments_of(ports, plain["id"]) == []
    # the API shows it
    status, dep = org.call("GET", f"/deployments/{deps[0]['id']}")
    assert status == 200 and dep["commit"] == commit
    # the first log line names it
    run_to_end(ports, deps[0]["id"])
    _, logs = org.call("GET", f"/deployments/{deps[0]['id']}/logs?after=0")
    assert 'commit 6113728f27ae "Initial commit" by Codertocat' in logs["lines"][0]["message"], logs["lines"][0]
    # search finds the deployment by short sha and by message
    while relay_outbox(ports.store, ports.search, batch_size=500):
        pass
    for q in ("6113728", "Initial"):
        _, found = org.call("GET", f"/search?q={q}&type=deployment")
        assert [h["id"] for h in found["results"]] == [deps[0]["id"]], (q, found)
    # the hook lists the delivery with what it did
    _, hook = org.call("GET", f"/projects/{hooked.project['id']}/hooks/github")
    assert hook["deliveries"][0]["status"] == "done" and hook["deliveries"][0]["result"]["deployments"] == [deps[0]["id"]]
    assert hook["url"] == hooked.url and "secret" not in hook      # the URL again (to set GitHub up), never the secret


def test_push_to_another_branch_or_a_tag_does_nothing(hooked, ports):
    for ref in ("refs/heads/feature", "refs/tags/v1"):
        body = payload("push")
        body["ref"] = ref
        status, out = hooked.deliver("push", body)
        assert status == 202
        result = process(out["id"])
        assert "skipped" in result, result
    assert deployments_of(ports, hooked.web["id"]) == []


def test_newest_commit_wins_older_queued_deploy_is_superseded(hooked, ports):
    ids = []
    for n, message in ((1, "first change\n\nwith a body"), (2, "second change")):
        body = payload("push")
        body["after"] = body["head_commit"]["id"] = sha(n)
        body["head_commit"]["message"] = message
        status, out = hooked.deliver("push", body)
        assert status == 202
        ids += process(out["id"])["deployments"]
    first, second = (ports.store.collection("deployments").get(i) for i in ids)
    assert first["status"] == "superseded" and first["commit"]["sha"] == sha(1)
    assert first["commit"]["message"] == "first change"            # the first line only
    assert second["status"] == "queued" and second["commit"]["sha"] == sha(2) and second["number"] > first["number"]


def test_deploy_body_takes_a_commit(hooked, ports):
    org, web = hooked.org, hooked.web
    commit = {"sha": "A" * 40, "message": "fix: the bug\n\nlong story " + "x" * 500, "author": "dev"}
    status, dep = org.call("POST", f"/services/{web['id']}/deployments", {"commit": commit})
    assert status == 202 and dep["commit"] == {"sha": "a" * 40, "message": "fix: the bug", "author": "dev"}
    for bad in ({"sha": "not hex"}, {"sha": "abc"}, {"sha": "a" * 40, "extra": 1}, {"message": "no sha"}):
        status, out = org.call("POST", f"/services/{web['id']}/deployments", {"commit": bad})
        assert status == 422 and out["error"]["field"].startswith("commit"), (bad, out)


def test_malformed_payloads_and_headers_are_4xx_after_the_signature(hooked, ports):
    for event, raw in (("push", b"not json"), ("push", b"[1, 2]"), ("push", b'{"ref": "refs/heads/master"}'),
                       ("pull_request", b'{"action": "opened"}')):
        status, out = hooked.deliver(event, raw)
        assert status in (400, 422) and set(out["error"]) >= {"code", "message", "field"}, (raw, out)
    no_event = hooked.client.http.post(f"/v1/hooks/github/{hooked.project['id']}", headers={
        "X-Hub-Signature-256": signature(hooked.secret, b"{}"), "Content-Type": "application/json"}, body=b"{}")
    assert no_event.status_code == 400 and json.loads(no_event.body)["error"]["field"] == "X-GitHub-Event"
    status, out = hooked.deliver("issues", {"action": "opened"})
    assert status == 200 and "ignored" in out
    assert _stored(ports, hooked.project["id"]) == 0


def test_hook_endpoints_are_scoped_to_the_organization(hooked, make_org, ports):
    other = make_org("Other")
    prj = hooked.project
    assert other.call("POST", f"/projects/{prj['id']}/hooks/github")[0] == 404
    assert other.api.call("POST", f"/orgs/{hooked.org.id}/projects/{prj['id']}/hooks/github")[0] == 404
    assert other.api.call("GET", f"/orgs/{hooked.org.id}/projects/{prj['id']}/hooks/github")[0] == 404
    # org B's own hook secret does not sign deliveries to org A's project
    own = other.project("mine")
    status, hook_b = other.call("POST", f"/projects/{own['id']}/hooks/github")
    assert status == 201
    assert hooked.deliver("push", payload("push"), secret=hook_b["secret"])[0] == 401
    assert _stored(ports, prj["id"]) == 0
    # a developer of org A may not make or rotate it (admins only)
    status, _ = hooked.org.call("POST", "/members", {"email": "dev@x.test", "role": "developer"})
    assert status in (200, 201)
    dev = signup_invited(Api(hooked.client), "dev@x.test", org="devhome")
    assert hooked.org.api.call("POST", f"/orgs/{hooked.org.id}/projects/{prj['id']}/hooks/github",
                               token=dev["token"])[0] == 403


def test_a_real_worker_processes_the_delivery(hooked, ports, launchbay_env):
    from tests.support.processes import CeleryWorker, wait_for

    worker = CeleryWorker(launchbay_env, ["deploys"], concurrency=1, name="hooks").start()
    try:
        status, out = hooked.deliver("push", payload("push"))
        assert status == 202
        done = wait_for(lambda: (d := ports.store.collection("hook_deliveries").get(out["id"]))["status"] == "done" and d,
                        timeout=60, what="the delivery to be processed")
        deps = deployments_of(ports, hooked.web["id"])
        assert done["result"]["deployments"] == [deps[0]["id"]] and deps[0]["commit"]["sha"] == payload("push")["after"]
    finally:
        worker.stop()
    assert REPO in json.dumps(done["payload"])


def test_a_push_waits_for_approval_in_a_protected_environment_and_skips_a_suspended_service(hooked, ports):
    from chalicelib.deploys import suspend

    org, web = hooked.org, hooked.web

    def push(n: int) -> list:
        body = payload("push")
        body["after"] = body["head_commit"]["id"] = sha(n)
        status, out = hooked.deliver("push", body)
        assert status == 202, out
        return process(out["id"])["deployments"]

    assert org.deploy(ports, web, image="nginx:1.27")["status"] == "live"   # an image: no build needed here
    assert org.call("PATCH", f"/projects/{hooked.project['id']}/environments/production",
                    {"require_approval": True})[0] == 200
    (held,) = push(2)
    dep = ports.store.collection("deployments").get(held)
    assert dep["status"] == "awaiting_approval" and dep["commit"]["sha"] == sha(2)
    assert org.call("POST", f"/deployments/{held}/cancel")[0] == 200
    assert org.call("POST", f"/services/{web['id']}/suspend")[0] == 202
    suspend.run(ports, web["id"])
    assert push(3) == []                                   # a suspended service deploys after its resume
    assert sha(3) not in [(d.get("commit") or {}).get("sha") for d in deployments_of(ports, web["id"])]


def test_a_push_to_a_frozen_environment_deploys_nothing_and_says_so(hooked, ports):
    org = hooked.org
    envs = f"/projects/{hooked.project['id']}/environments"
    assert org.call("POST", f"{envs}/production/freeze", {"reason": "Black Friday"})[0] == 200
    body = payload("push")
    body["after"] = body["head_commit"]["id"] = sha(7)
    status, out = hooked.deliver("push", body)
    assert status == 202, out
    result = process(out["id"])
    assert result["deployments"] == [] and result["frozen"] == ["production"], result
    assert org.call("DELETE", f"{envs}/production/freeze")[0] == 200
    body["after"] = body["head_commit"]["id"] = sha(8)
    status, out = hooked.deliver("push", body)
    assert len(process(out["id"])["deployments"]) == 1


def test_a_push_while_the_service_sleeps_is_deployed_once_it_wakes(hooked, ports, git_root):
    import time

    from chalicelib.deploys import sleep, suspend
    from tests.hooks.test_git_to_live import _push
    from tests.support.git_repos import DOCKERFILE, commit, make_repo

    org, web = hooked.org, hooked.web
    first = make_repo(git_root, REPO, {"Dockerfile": DOCKERFILE})
    status, dep = org.call("POST", f"/services/{web['id']}/deployments", {"commit": {"sha": first}})
    assert status == 202 and run_to_end(ports, dep["id"])["status"] == "live"
    hour = time.gmtime().tm_hour
    envs = f"/projects/{hooked.project['id']}/environments/production"
    night = {"start": f"0 {(hour - 1) % 24} * * *", "end": f"0 {(hour + 1) % 24} * * *"}
    assert org.call("PATCH", envs, {"sleep_windows": [night]})[0] == 200
    assert sleep.tend(ports)["slept"] == 1 and suspend.run(ports, web["id"]).startswith("suspended")

    second = commit(git_root / REPO, {"README.md": "at night\n"})
    status, out = hooked.deliver("push", _push(second, "Fix at night"))
    assert status == 202 and process(out["id"])["deployments"] == []        # it sleeps: nothing deployed now
    assert ports.store.collection("services").get(web["id"])["missed_push"]["commit"]["sha"] == second

    later = {"start": f"0 {(hour + 2) % 24} * * *", "end": f"0 {(hour + 3) % 24} * * *"}
    assert org.call("PATCH", envs, {"sleep_windows": [later]})[0] == 200
    assert sleep.tend(ports)["woke"] == 1
    (resume,) = [d for d in deployments_of(ports, web["id"]) if d.get("resume_of")]
    assert run_to_end(ports, resume["id"])["status"] == "live"
    pushed = deployments_of(ports, web["id"])[-1]                  # the morning after: the night's push goes out
    assert pushed["commit"]["sha"] == second and pushed["status"] == "queued", pushed
    assert pushed["actor"] == "launchbay (a push while production slept)"
    assert ports.store.collection("services").get(web["id"])["missed_push"] is None
    _, logs = org.call("GET", f"/deployments/{resume['id']}/logs?after=0")
    assert f"deploying the push made while it slept: deployment #{pushed['number']}" in [l["message"] for l in logs["lines"]]
    assert run_to_end(ports, pushed["id"])["status"] == "live"


def test_watch_paths_deploy_only_the_services_a_push_touches(hooked, ports):
    """A monorepo: the web service watches services/web/** and shared/**, another service of the same
    repository watches services/api; a push deploys each only when its files changed."""
    org = hooked.org
    status, web = org.call("PATCH", f"/services/{hooked.web['id']}", {"source": {
        "repo": REPO, "branch": "master", "paths": ["services/web/**", "shared/"]}})
    assert status == 200 and web["source"]["paths"] == ["services/web/**", "shared"]
    api = org.service("shop", name="api")
    status, _ = org.call("PATCH", f"/services/{api['id']}", {"source": {"repo": REPO, "branch": "master",
                                                                          "paths": ["services/api"]}})
    assert status == 200
    status, err = org.call("PATCH", f"/services/{api['id']}", {"source": {"repo": REPO, "paths": ["../etc"]}})
    assert status == 422 and "source" in err["error"]["field"]

    def push(n: int, *files: str, commits: bool = True) -> dict:
        body = payload("push")
        body["after"] = body["head_commit"]["id"] = sha(n)
        body["commits"] = [{**body["commits"][0], "added": [], "removed": [], "modified": list(files)}] if commits else []
        status, out = hooked.deliver("push", body)
        assert status == 202
        return process(out["id"])

    only_api = push(1, "services/api/main.go", "README.md")
    assert len(only_api["deployments"]) == 1 and list(only_api["unchanged"]) == ["web (production)"]
    assert deployments_of(ports, web["id"]) == [] and len(deployments_of(ports, api["id"])) == 1
    shared = push(2, "shared/lib/util.py")                              # a folder alone: all below it
    assert len(shared["deployments"]) == 1 and len(deployments_of(ports, web["id"])) == 1
    nothing = push(3, "docs/index.md")
    assert nothing["skipped"] == "no service's watch paths changed" and len(nothing["unchanged"]) == 2
    unknown = push(4, commits=False)                                     # the event does not say: both deploy
    assert len(unknown["deployments"]) == 2


def test_watch_path_globs():
    from chalicelib.hooks.paths import matches

    assert matches("services/api/**", "services/api/cmd/main.go") and matches("services/api", "services/api/x.go")
    assert matches("*.md", "README.md") and not matches("*.md", "docs/index.md")
    assert matches("**/*.md", "docs/index.md") and matches("**/*.md", "README.md")
    assert matches("Dockerfile", "Dockerfile") and not matches("Dockerfile", "web/Dockerfile")
    assert not matches("services/api", "services/apigateway/x.go")
