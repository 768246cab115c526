"""Where a service's tasks run: arm64 (Graviton) task definitions and builds, Fargate Spot through
ECS's capacity provider strategy (services, cron jobs' EventBridge targets), the moves between them
at the next deploy, the checks that refuse what AWS would only fail later, and what is explained
when AWS takes Spot capacity back. Against the moto sandbox and a real registry on loopback."""
from __future__ import annotations

import pytest

from chalicelib.cloud import capacity, naming
from chalicelib.observe.events import explain_task

pytestmark = pytest.mark.services
SPOT = [{"capacityProvider": "FARGATE", "base": 1, "weight": 3}, {"capacityProvider": "FARGATE_SPOT", "base": 0, "weight": 7}]


def ecs_of(ports, dep):
    return ports.cloud_for(dep.get("target")).client("ecs")


def ecs_service(ports, dep) -> dict:
    svc = ecs_of(ports, dep).describe_services(cluster=dep["target"]["cluster"], services=[naming.of_deployment(dep).service])
    return svc["services"][0]


def platform(ports, dep) -> dict:
    return ecs_of(ports, dep).describe_task_definition(taskDefinition=dep["task_definition"])["taskDefinition"]["runtimePlatform"]


def plan_of(org, svc) -> dict:
    return {s["step"]: s for s in org.call("GET", f"/services/{svc['id']}/plan")[1]["steps"]}


def test_a_web_service_moves_onto_graviton_and_spot_at_its_next_deploy_and_back(make_org, ports):
    org = make_org()
    web = org.service(max_instances=3)
    dep = org.deploy(ports, web)
    assert dep["status"] == "live", dep.get("error")
    assert platform(ports, dep)["cpuArchitecture"] == "X86_64"
    made = ecs_service(ports, dep)
    # made with a strategy (regular Fargate), not the launch type: ECS moves strategies, not launch types
    assert made["capacityProviderStrategy"] == capacity.REGULAR and "launchType" not in made
    cluster = ecs_of(ports, dep).describe_clusters(clusters=[dep["target"]["cluster"]])["clusters"][0]
    assert set(cluster["capacityProviders"]) == {"FARGATE", "FARGATE_SPOT"}

    status, changed = org.call("PATCH", f"/services/{web['id']}",
                               {"architecture": "arm64", "spot": {"percent": 70, "on_demand_base": 1}})
    assert status == 200 and changed["architecture"] == "arm64" and changed["needs_deploy"] is True
    assert changed["spot"] == {"percent": 70, "on_demand_base": 1}
    steps = plan_of(org, web)
    assert steps["service"]["changes"]["capacity"] == \
        ["regular Fargate", "Fargate Spot for 70 % of the tasks, the first 1 task on regular Fargate"]
    assert steps["task_definition"]["changes"]["architecture"] == ["x86_64", "arm64"], steps["task_definition"]
    # a PATCH of one field keeps the other
    assert org.call("PATCH", f"/services/{web['id']}", {"spot": {"percent": 70}})[1]["spot"]["on_demand_base"] == 1

    moved = org.deploy(ports, web)
    assert moved["status"] == "live", moved.get("error")
    assert platform(ports, moved) == {"cpuArchitecture": "ARM64", "operatingSystemFamily": "LINUX"}
    assert ecs_service(ports, moved)["capacityProviderStrategy"] == SPOT
    assert org.call("GET", f"/services/{web['id']}")[1]["needs_deploy"] is False
    # nothing changed: the next plan moves nothing
    assert "capacity" not in plan_of(org, web)["service"]["changes"]

    # x86_64 is the default, stored as never set; Spot off goes back to regular Fargate
    status, back = org.call("PATCH", f"/services/{web['id']}", {"architecture": "x86_64", "spot": None})
    assert status == 200 and back["architecture"] is None and back["spot"] is None
    assert plan_of(org, web)["service"]["changes"]["capacity"][1] == "regular Fargate"
    again = org.deploy(ports, web)
    assert again["status"] == "live" and platform(ports, again)["cpuArchitecture"] == "X86_64"
    assert capacity.key(ecs_service(ports, again)["capacityProviderStrategy"]) == capacity.key(None)
    # the fingerprint is the one it had before either setting was made
    assert org.call("GET", f"/services/{web['id']}")[1]["config_hash"] == \
        org.call("GET", f"/services/{web['id']}")[1]["live_config_hash"]


@pytest.mark.parametrize("body,field,words", [
    ({"spot": {"percent": 50, "on_demand_base": 3}}, "spot", "would keep all of at most 3 tasks"),
    ({"spot": {"percent": 0}}, "spot.percent", "at least 1"),
    ({"architecture": "arm"}, "architecture", "x86_64"),
])
def test_settings_that_would_save_nothing_or_do_not_exist_are_refused_at_their_field(make_org, body, field, words):
    org = make_org()
    web = org.service(max_instances=3)
    status, answer = org.call("PATCH", f"/services/{web['id']}", body)
    assert status == 422 and answer["error"]["field"] == field and words in answer["error"]["message"], answer
    assert org.call("GET", f"/services/{web['id']}")[1]["spot"] is None   # nothing stored


def test_a_cron_job_runs_on_spot_through_its_eventbridge_target(make_org, ports):
    org = make_org()
    status, answer = org.call("POST", f"/projects/{org.project('p')['id']}/services",
                              {"name": "nightly", "kind": "cron", "image": "alpine:3.20", "schedule": "0 3 * * *",
                               "spot": {"on_demand_base": 1}})
    assert status == 422 and answer["error"]["field"] == "spot" and "on_demand_base must be 0" in answer["error"]["message"]
    cron = org.service(name="nightly", kind="cron", image="alpine:3.20", schedule="0 3 * * *", spot={})
    assert cron["spot"] == {"percent": 100, "on_demand_base": 0}
    dep = org.deploy(ports, cron)
    assert dep["status"] == "live", dep.get("error")
    events = ports.cloud_for(dep["target"]).client("events")
    [target] = events.list_targets_by_rule(Rule=naming.of_deployment(dep).rule)["Targets"]
    ecs = target["EcsParameters"]
    assert "LaunchType" not in ecs and capacity.key(ecs["CapacityProviderStrategy"]) == [("FARGATE_SPOT", 0, 1)]
    # back to regular Fargate: the launch type again
    org.call("PATCH", f"/services/{cron['id']}", {"spot": None})
    assert plan_of(org, cron)["schedule"]["changes"]["capacity"] == [[["FARGATE_SPOT", 0, 1]], [["FARGATE", 0, 1]]]
    assert org.deploy(ports, cron)["status"] == "live"
    [target] = events.list_targets_by_rule(Rule=naming.of_deployment(dep).rule)["Targets"]
    assert target["EcsParameters"]["LaunchType"] == "FARGATE"


def test_a_private_image_without_an_arm64_variant_fails_at_the_image_step_before_anything_rolls_out(
        make_org, ports, registry):
    org = make_org()
    assert org.call("PUT", f"/registries/{registry.host}", {"username": "bot", "password": "s3cret-pull-pass"})[0] == 200
    svc = org.service(image=f"{registry.host}/acme/api:1.0", architecture="arm64")
    dep = org.deploy(ports, svc)
    assert dep["status"] == "failed" and next(s for s in dep["steps"] if s["name"] == "image")["status"] == "failed"
    assert f"{registry.host}/acme/api:1.0 has no linux/arm64 image (it has linux/amd64)" in dep["error"], dep["error"]
    assert dep.get("task_definition") is None   # nothing registered, nothing rolled out
    # pushed for both platforms (an index): it deploys, pinned to the index's digest
    both = registry.push("acme/api", "1.0", platforms=("linux/amd64", "linux/arm64"))
    dep = org.deploy(ports, svc)
    assert dep["status"] == "live", dep.get("error")
    image = next(s for s in dep["steps"] if s["name"] == "image")["result"]
    assert image["digest"] == both and "(linux/arm64)" in image["checked"]
    assert platform(ports, dep)["cpuArchitecture"] == "ARM64"


def test_a_service_built_from_source_for_arm64_builds_on_an_arm_host(make_org, git_root, ports):
    from tests.support.git_repos import make_repo

    make_repo(git_root, "acme/shop", {"Dockerfile": "FROM alpine:3.20\nCMD [\"true\"]\n"})
    org = make_org()
    svc = org.service(image=None, source={"repo": "acme/shop", "branch": "main"}, architecture="arm64")
    dep = org.deploy(ports, svc)
    assert dep["status"] == "live", dep.get("error")
    project = ports.cloud_for(dep["target"]).client("codebuild").batch_get_projects(
        names=[naming.build_project(svc["id"])])["projects"][0]
    assert project["environment"]["type"] == "ARM_CONTAINER" and "aarch64" in project["environment"]["image"]
    assert platform(ports, dep)["cpuArchitecture"] == "ARM64"


def test_spot_interruptions_and_wrong_architecture_are_explained_not_blamed_on_the_app():
    spot = explain_task({"stopCode": "SpotInterruption", "stoppedReason": "Your Spot Task was interrupted.",
                         "containers": [{"name": "web", "exitCode": 143}]}, {"name": "web"})
    assert (spot["kind"], spot["severity"]) == ("spot", "info") and "on_demand_base" in spot["fix"]
    wrong = explain_task({"stopCode": "EssentialContainerExited", "stoppedReason": "Essential container in task exited",
                          "containers": [{"name": "web", "exitCode": 255, "reason": "exec format error"}]},
                         {"name": "web", "architecture": "arm64"})
    assert (wrong["kind"], wrong["severity"]) == ("architecture", "error") and "linux/arm64" in wrong["fix"]
