"""Builds from source (issue #13) in the sandbox: real git repositories under the sandbox git
root, the Dockerfile read with `git show`, parsed and linted for real, the simulated image pushed
to the sandbox ECR; deployments driven by a real Celery worker."""
from __future__ import annotations

import subprocess

import boto3
import pytest

from chalicelib import wiring
from chalicelib.lifecycle import states as rules
from tests.support.factories import new_org
from tests.support.git_repos import commit, make_repo
from tests.support.processes import CeleryWorker, wait_for

GOOD = "FROM alpine:3.20\nWORKDIR /app\nCOPY . .\nCMD [\"sh\", \"-c\", \"echo hi\"]\n"


@pytest.fixture
def worker(launchbay_env, git_root):
    w = CeleryWorker(launchbay_env, ["deploys", "default"], name="builds").start()
    yield w
    w.stop()


def settled(ports, dep_id: str, timeout: float = 90) -> dict:
    coll = ports.store.collection("deployments")
    return wait_for(lambda: (d := coll.get(dep_id)) and rules.settled(d) and d, timeout, what=f"{dep_id} to settle")


def lines(org, dep_id: str) -> list[str]:
    status, body = org.call("GET", f"/deployments/{dep_id}/logs?after=0&limit=500")
    assert status == 200, body
    return [line["message"] for line in body["lines"]]


def ecr(env: dict):
    return boto3.client("ecr", endpoint_url=env["AWS_ENDPOINT_URL"], region_name="us-east-1",
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def test_a_source_service_builds_and_goes_live_on_its_digest(api, git_root, worker, launchbay_env):
    sha = make_repo(git_root, "acme/shop", {"Dockerfile": GOOD})
    org = new_org(api)
    svc = org.service(image=None, source={"repo": "acme/shop", "branch": "main"}, build_env={"NODE_ENV": "production"})
    assert svc["image"] is None and svc["source"] == {"repo": "acme/shop", "branch": "main",
                                                      "dockerfile": "Dockerfile", "context": "."}
    ports = wiring.get_ports()
    dep = settled(ports, org.queue_deployment(svc)["id"])
    assert dep["status"] == "live", dep.get("error")
    repo_uri, digest = dep["image"].split("@")
    assert digest.startswith("sha256:") and dep["image_digest"] == digest and dep["spec"]["image"] == dep["image"]
    assert dep["build"]["commit_sha"] == sha
    pushed = ecr(launchbay_env).describe_images(repositoryName=repo_uri.split("/", 1)[1])["imageDetails"]
    assert [i["imageDigest"] for i in pushed] == [digest]
    td = boto3.client("ecs", endpoint_url=launchbay_env["AWS_ENDPOINT_URL"], region_name="us-east-1",
                      aws_access_key_id="testing", aws_secret_access_key="testing").describe_task_definition(
        taskDefinition=dep["task_definition"])["taskDefinition"]
    assert td["containerDefinitions"][0]["image"] == dep["image"]
    said = lines(org, dep["id"])
    assert any("building acme/shop at main" in m for m in said)
    assert any(m.startswith("Step 1/4 : FROM alpine:3.20") for m in said)       # the build log, streamed
    assert any("NODE_ENV" in m and "production" not in m for m in said)        # build arg names, not values
    assert any(m.startswith("built ") and digest in m for m in said)
    assert [s["name"] for s in dep["steps"]][:3] == ["build.start", "build", "cluster"]
    project = boto3.client("codebuild", endpoint_url=launchbay_env["AWS_ENDPOINT_URL"], region_name="us-east-1",
                           aws_access_key_id="testing", aws_secret_access_key="testing").batch_get_projects(
        names=[dep["steps"][0]["result"]["project"]])["projects"]
    assert project and project[0]["source"]["location"] == "https://github.com/acme/shop.git"

    # rollback to the built release redeploys its digest: no build step runs
    commit(git_root / "acme/shop", {"Dockerfile": GOOD.replace("echo hi", "echo two")})
    second = settled(ports, org.queue_deployment(svc)["id"])
    assert second["status"] == "live" and second["image"] != dep["image"]
    status, rb = org.call("POST", f"/services/{svc['id']}/rollback", {"deployment_id": dep["id"]})
    assert status == 202, rb
    back = settled(ports, rb["id"])
    assert back["status"] == "live" and back["image"] == dep["image"] and not back.get("build")
    assert "build" not in [s["name"] for s in back["steps"]]
    assert len(ecr(launchbay_env).describe_images(repositoryName=repo_uri.split("/", 1)[1])["imageDetails"]) == 2


def test_a_named_commit_is_built_from_a_bare_repository(api, git_root, worker):
    first = make_repo(git_root, "acme/work", {"Dockerfile": GOOD})
    commit(git_root / "acme/work", {"Dockerfile": "FROM alpine:3.20\nBOGUS line\n"})   # the head is broken
    subprocess.run(["git", "clone", "-q", "--bare", str(git_root / "acme/work"), str(git_root / "acme/pinned")], check=True)
    org = new_org(api)
    svc = org.service(image=None, source={"repo": "acme/pinned"})
    head = settled(wiring.get_ports(), org.queue_deployment(svc)["id"])
    assert head["status"] == "failed" and "unknown instruction BOGUS" in head["error"]
    dep = settled(wiring.get_ports(), org.queue_deployment(svc, commit={"sha": first, "message": "ok"})["id"])
    assert dep["status"] == "live", dep.get("error")
    assert dep["build"]["commit_sha"] == first and dep["commit"]["sha"] == first


@pytest.mark.parametrize("files,words", [
    ({"Dockerfile": "FROM alpine:3.20\nRUN echo hi\nFOOBAR baz\nCMD [\"sh\"]\n"}, "Dockerfile line 3: unknown instruction FOOBAR"),
    ({"Dockerfile": "RUN echo hi\nFROM alpine:3.20\n"}, "Dockerfile line 1: a Dockerfile must start with FROM"),
    ({"README.md": "no Dockerfile here\n"}, "the Dockerfile Dockerfile does not exist in acme/broken at main"),
])
def test_a_broken_or_missing_dockerfile_fails_the_deployment_in_words(api, git_root, worker, files, words):
    make_repo(git_root, "acme/broken", files)
    org = new_org(api)
    svc = org.service(image=None, source={"repo": "acme/broken"})
    dep = settled(wiring.get_ports(), org.queue_deployment(svc)["id"])
    assert dep["status"] == "failed" and words in dep["error"], dep["error"]
    assert dep["error"].startswith("the build failed: ")
    assert "nothing reached ECS" in lines(org, dep["id"])[-1]
    assert [s["name"] for s in dep["steps"]] == ["build.start", "build"]
    status, service = org.call("GET", f"/services/{svc['id']}")
    assert service["status"] == "failed" and words in service["last_error"]


def test_hadolint_errors_fail_with_the_line(api, git_root, worker):
    # a parse error hadolint reports (DL1000) on line 2, in a file dockerfile-parse reads without complaint
    make_repo(git_root, "acme/lint", {"docker/web.Dockerfile": "FROM alpine:3.20\nRUN [\"unterminated\"\n"})
    org = new_org(api)
    svc = org.service(image=None, source={"repo": "acme/lint", "dockerfile": "docker/web.Dockerfile"})
    dep = settled(wiring.get_ports(), org.queue_deployment(svc)["id"])
    assert dep["status"] == "failed" and "docker/web.Dockerfile line " in dep["error"], dep["error"]


def test_sandbox_fail_build_and_a_missing_repository_fail(api, git_root, worker):
    make_repo(git_root, "acme/forced", {"Dockerfile": GOOD})
    org = new_org(api)
    forced = org.service(image=None, source={"repo": "acme/forced"}, env={"LAUNCHBAY_SANDBOX_FAIL": "build"})
    missing = org.service(name="api", image=None, source={"repo": "acme/nowhere"})
    ports = wiring.get_ports()
    a, b = (settled(ports, org.queue_deployment(s)["id"]) for s in (forced, missing))
    assert a["status"] == "failed" and "LAUNCHBAY_SANDBOX_FAIL=build" in a["error"]
    assert b["status"] == "failed" and "repository acme/nowhere not found" in b["error"]


def test_cancel_during_building_stops_the_build(api, git_root, worker, launchbay_env):
    make_repo(git_root, "acme/slow", {"Dockerfile": GOOD})
    org = new_org(api)
    svc = org.service(image=None, source={"repo": "acme/slow"}, env={"LAUNCHBAY_SANDBOX_DELAY": "60"})
    ports = wiring.get_ports()
    dep = org.queue_deployment(svc)
    deps = ports.store.collection("deployments")
    wait_for(lambda: any(s["name"] == "build.start" and s.get("status") == "done"
                         for s in (deps.get(dep["id"]) or {}).get("steps", [])), 60, what="the build to start")
    assert deps.get(dep["id"])["status"] == "building"
    status, body = org.call("POST", f"/deployments/{dep['id']}/cancel")
    assert status == 200, body
    done = settled(ports, dep["id"], timeout=30)
    assert done["status"] == "cancelled" and "before build" in done["reason"]
    # CodeBuild's own answer to StopBuild (moto's BatchGetBuilds reports every build SUCCEEDED)
    build_id = done["steps"][0]["result"]["id"]
    assert done["reason"].endswith(f"; build {build_id} stopped (STOPPED)") and done["reason"] in lines(org, dep["id"])


def test_the_time_limit_fails_a_build(api, git_root, launchbay_env):
    make_repo(git_root, "acme/late", {"Dockerfile": GOOD})
    org = new_org(api)
    svc = org.service(image=None, source={"repo": "acme/late"}, env={"LAUNCHBAY_SANDBOX_DELAY": "600"})
    ports = wiring.get_ports()
    dep = org.queue_deployment(svc)
    deps = ports.store.collection("deployments")
    from chalicelib.deploys import engine

    out = engine.run(ports, dep["id"])            # claims it into building and starts the build
    out = engine.run(ports, dep["id"], out.owner, out.seq)
    assert deps.get(dep["id"])["status"] == "building"
    deps.update(dep["id"], {"deadline": "2000-01-01T00:00:00Z"})   # the limit has passed
    assert engine.run(ports, dep["id"], out.owner, out.seq).state == "done"
    done = deps.get(dep["id"])
    assert done["status"] == "failed"
    assert done["error"] == (f"the build did not finish within the time limit ({ports.settings.build_timeout_seconds} s)"
                             f"; build {done['steps'][0]['result']['id']} stopped (STOPPED)")


def test_source_validation(api):
    org = new_org(api)
    prj = org.project()
    path = f"/projects/{prj['id']}/services"
    cases = [
        ({"name": "a", "port": 80}, "image"),
        ({"name": "a", "port": 80, "image": "nginx:1", "source": {"repo": "acme/x"}}, "source"),
        ({"name": "a", "port": 80, "source": {"repo": "not-a-repo"}}, "source.repo"),
        ({"name": "a", "port": 80, "source": {"repo": "acme/x", "branch": "--upload-pack=x"}}, "source.branch"),
        ({"name": "a", "port": 80, "source": {"repo": "acme/x", "dockerfile": "../etc/passwd"}}, "source.dockerfile"),
        ({"name": "a", "port": 80, "source": {"repo": "acme/x", "dockerfile": "/abs"}}, "source.dockerfile"),
        ({"name": "a", "port": 80, "source": {"repo": "acme/x", "extra": 1}}, "source.extra"),
        ({"name": "a", "port": 80, "source": {"repo": "acme/x"}, "build_env": {"AWS_X": "1"}}, "build_env"),
    ]
    for body, field in cases:
        status, err = org.call("POST", path, body)
        assert 400 <= status < 500 and err["error"]["field"] == field, (body, status, err)
    status, svc = org.call("POST", path, {"name": "web", "port": 80, "source": {"repo": "acme/x"}})
    assert status == 201 and svc["image"] is None
    # PATCH switches between image and source; both at once is refused
    status, err = org.call("PATCH", f"/services/{svc['id']}", {"image": "nginx:1.27", "source": {"repo": "acme/x"}})
    assert status in (400, 422) and err["error"]["field"] == "source"
    status, changed = org.call("PATCH", f"/services/{svc['id']}", {"image": "nginx:1.27"})
    assert status == 200 and changed["image"] == "nginx:1.27" and changed["source"] is None
    status, changed = org.call("PATCH", f"/services/{svc['id']}", {"source": {"repo": "acme/y", "branch": "dev"}})
    assert status == 200 and changed["image"] is None and changed["source"]["repo"] == "acme/y"
    status, err = org.call("PATCH", f"/services/{svc['id']}", {"source": None})
    assert status in (400, 422) and err["error"]["field"] == "image"
    status, err = org.call("POST", f"/services/{svc['id']}/deployments", {"commit": {"sha": "not hex"}})
    assert status in (400, 422) and err["error"]["field"] == "commit.sha"


def test_deleting_a_built_service_removes_its_project_and_images(api, git_root, launchbay_env):
    from chalicelib.deploys import teardown

    make_repo(git_root, "acme/gone", {"Dockerfile": GOOD})
    org = new_org(api)
    svc = org.service(image=None, source={"repo": "acme/gone"})
    ports = wiring.get_ports()
    status, preview = org.call("GET", f"/services/{svc['id']}/plan")   # what a deploy would do, before it does
    assert status == 200, preview
    assert [(s["step"], s["action"]) for s in preview["steps"][:2]] == [("build.start", "create"), ("build", "wait")]
    assert "error" not in {s["action"] for s in preview["steps"]}
    dep = org.deploy(ports, svc)   # in-process, no worker
    assert dep["status"] == "live", dep.get("error")
    repository = dep["image"].split("@")[0].split("/", 1)[1]
    project = dep["steps"][0]["result"]["project"]
    assert org.call("DELETE", f"/services/{svc['id']}")[0] in (200, 202)
    assert teardown.run(ports, svc["id"]) == "deleted"
    env = {"endpoint_url": launchbay_env["AWS_ENDPOINT_URL"], "region_name": "us-east-1",
           "aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
    assert boto3.client("codebuild", **env).batch_get_projects(names=[project])["projects"] == []
    with pytest.raises(Exception, match="RepositoryNotFound"):
        boto3.client("ecr", **env).describe_repositories(repositoryNames=[repository])


def test_the_codebuild_plan_on_aws_creates_then_updates_the_project(launchbay_env):
    """The AWS adapter (not the sandbox's) against moto: the planned calls create the project and
    start a build of the ref; a changed Dockerfile path plans an update; the image is read by digest."""
    from chalicelib.cloud.aws import AwsCloud
    from chalicelib.cloud.sandbox_build import manifest
    from chalicelib.deploys import build, plan, steps

    ports = wiring.get_ports()
    aws = AwsCloud(ports.settings)

    class AwsCtx(steps.Ctx):
        @property
        def cloud(self):
            return aws

    service = {"source": {"repo": "acme/shop", "branch": "main", "dockerfile": "Dockerfile", "context": "."},
               "build_env": {"NODE_ENV": "production"}}
    dep = {"id": "dep_plan0001", "number": 7, "org_id": "org_plan", "service_id": "svc_plan0001", "service_name": "web",
           "kind": "web", "spec": {"env": {"LOG": "x"}}, "steps": [], "build": build.build_of(service, {"sha": "abc1234"})}
    first = build.start(AwsCtx(ports=ports, dep=dep))
    shown = first.public()
    assert first.action == "create" and [c["method"] for c in shown["calls"]] == ["ensure_build_project", "start_build"]
    assert shown["calls"][1]["args"]["source_version"] == "abc1234"                 # the commit, not the branch
    assert shown["calls"][1]["args"]["build_env"] == ["NODE_ENV"]                   # names only in a plan
    started = plan.execute(aws, first, lambda ref: "")
    assert started["id"].startswith("lb-plan0001:") and started["project"] == "lb-plan0001"

    dep["build"] = build.build_of({**service, "source": {**service["source"], "dockerfile": "docker/web.Dockerfile"}})
    second = build.start(AwsCtx(ports=ports, dep=dep))
    assert second.action == "update" and second.changes == {"dockerfile": ["Dockerfile", "docker/web.Dockerfile"]}
    assert second.public()["calls"][1]["args"]["source_version"] == "main"          # no commit: the branch head

    pushed = ecr(launchbay_env).put_image(repositoryName=started["repository_uri"].split("/", 1)[1],
                                          imageTag=started["tag"], imageManifest=manifest("x"))["image"]["imageId"]
    seen = aws.observe_build(started)        # moto reports every build SUCCEEDED
    assert seen["state"] == "succeeded" and seen["digest"] == pushed["imageDigest"]
    assert seen["image"] == f"{started['repository_uri']}@{pushed['imageDigest']}"
    assert aws.stop_build(started["id"]) == "STOPPED"
