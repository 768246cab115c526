"""AwsCloud.observe_rollout on recorded ECS/ELB answers (botocore Stubber, no network)."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Iterator

import pytest
from botocore.stub import ANY, Stubber

from chalicelib.cloud.aws import AwsCloud
from tests.support.cloud import make_settings

CLUSTER = "launchbay-test"
TD_OLD = "arn:aws:ecs:us-east-1:123456789012:task-definition/web:6"
TD_NEW = "arn:aws:ecs:us-east-1:123456789012:task-definition/web:7"
TG = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/2610a006e3f9a056"
DEP_NEW = "ecs-svc/1111111111111111111"
DEP_OLD = "ecs-svc/2222222222222222222"
NOW = datetime(2026, 11, 25, 15, 0, tzinfo=timezone.utc)


@pytest.fixture
def cloud() -> AwsCloud:
    return AwsCloud(make_settings(""))  # real-AWS mode; every call below is stubbed


@pytest.fixture
def stubs(cloud: AwsCloud) -> Iterator[tuple[Stubber, Stubber]]:
    ecs, elb = Stubber(cloud.client("ecs")), Stubber(cloud.client("elbv2"))
    with ecs, elb:
        yield ecs, elb
        ecs.assert_no_pending_responses()
        elb.assert_no_pending_responses()


def deployment(dep_id: str, td: str, status: str, rollout: str, desired: int = 3, running: int = 0,
               failed: int = 0, reason: str = "") -> dict[str, Any]:
    return {"id": dep_id, "status": status, "taskDefinition": td, "desiredCount": desired, "pendingCount": 0,
            "runningCount": running, "failedTasks": failed, "createdAt": NOW, "updatedAt": NOW,
            "launchType": "FARGATE", "rolloutState": rollout,
            "rolloutStateReason": reason or f"ECS deployment {dep_id} {rollout.lower()}."}


def service(deployments: list[dict[str, Any]], lb: bool = True, events: list[str] = ()) -> dict[str, Any]:
    svc = {"serviceArn": f"arn:aws:ecs:us-east-1:123456789012:service/{CLUSTER}/web", "serviceName": "web",
           "clusterArn": f"arn:aws:ecs:us-east-1:123456789012:cluster/{CLUSTER}", "status": "ACTIVE",
           "desiredCount": 3, "runningCount": 0, "pendingCount": 0, "launchType": "FARGATE",
           "taskDefinition": deployments[0]["taskDefinition"], "deployments": deployments,
           "events": [{"id": str(i), "createdAt": NOW, "message": m} for i, m in enumerate(events)]}
    if lb:
        svc["loadBalancers"] = [{"targetGroupArn": TG, "containerName": "web", "containerPort": 8080}]
    return svc


def expect_service(ecs: Stubber, svc: dict[str, Any] | None) -> None:
    body = {"services": [svc]} if svc else {
        "services": [], "failures": [{"arn": "arn:aws:ecs:us-east-1:123456789012:service/web", "reason": "MISSING"}]}
    ecs.add_response("describe_services", body, {"cluster": CLUSTER, "services": ["web"]})


def stopped_task(n: int, dep: str, reason: str, exit_code: int | None = None, stop_code: str = "",
                 container_reason: str = "") -> dict[str, Any]:
    container: dict[str, Any] = {"name": "web", "lastStatus": "STOPPED"}
    if exit_code is not None:
        container["exitCode"] = exit_code
    if container_reason:
        container["reason"] = container_reason
    task = {"taskArn": f"arn:aws:ecs:us-east-1:123456789012:task/{CLUSTER}/t{n}", "startedBy": dep,
            "taskDefinitionArn": TD_NEW, "lastStatus": "STOPPED", "desiredStatus": "STOPPED",
            "stoppedReason": reason, "containers": [container]}
    if stop_code:
        task["stopCode"] = stop_code
    return task


def expect_stopped(ecs: Stubber, tasks: list[dict[str, Any]]) -> None:
    arns = [t["taskArn"] for t in tasks]
    ecs.add_response("list_tasks", {"taskArns": arns},
                     {"cluster": CLUSTER, "serviceName": "web", "desiredStatus": "STOPPED", "maxResults": 100})
    if arns:
        ecs.add_response("describe_tasks", {"tasks": tasks}, {"cluster": CLUSTER, "tasks": arns})


def expect_target_health(elb: Stubber, states: list[tuple[str, str, str]], path: str = "/healthz") -> None:
    elb.add_response("describe_target_groups", {"TargetGroups": [
        {"TargetGroupArn": TG, "TargetGroupName": "web", "HealthCheckPath": path}]}, {"TargetGroupArns": [TG]})
    elb.add_response("describe_target_health", {"TargetHealthDescriptions": [
        {"Target": {"Id": f"10.0.0.{i}", "Port": 8080},
         "TargetHealth": {"State": state, **({"Reason": reason} if reason else {}),
                          **({"Description": desc} if desc else {})}}
        for i, (state, reason, desc) in enumerate(states)]}, {"TargetGroupArn": TG})


def test_in_progress_makes_one_call(cloud, stubs) -> None:
    ecs, _ = stubs
    expect_service(ecs, service([deployment(DEP_NEW, TD_NEW, "PRIMARY", "IN_PROGRESS", running=1),
                                 deployment(DEP_OLD, TD_OLD, "ACTIVE", "COMPLETED", running=3)]))
    status = cloud.observe_rollout("web", DEP_NEW, {}, 0.0)
    assert status["state"] == "in_progress"
    assert status["reason"] == "no task failed so far"  # the engine prints "1 of 3 tasks running" itself
    assert (status["desired"], status["running"], status["failed_tasks"]) == (3, 1, 0)


def test_completed(cloud, stubs) -> None:
    ecs, _ = stubs
    expect_service(ecs, service([deployment(DEP_NEW, TD_NEW, "PRIMARY", "COMPLETED", running=3)]))
    status = cloud.observe_rollout("web", DEP_NEW, {}, 0.0)
    assert status["state"] == "completed" and status["running"] == 3 and status["healthy"] == 3


def test_failed_by_health_check_rolled_back(cloud, stubs) -> None:
    ecs, elb = stubs
    expect_service(ecs, service(
        [deployment(DEP_OLD, TD_OLD, "PRIMARY", "IN_PROGRESS", running=3),
         deployment(DEP_NEW, TD_NEW, "ACTIVE", "FAILED", failed=3,
                    reason="ECS deployment circuit breaker: tasks failed to start.")],
        events=[f"(service web) rolling back to deployment {DEP_OLD}.",
                f"(service web) (deployment {DEP_NEW}) deployment failed: tasks failed to start."]))
    reason = f"Task failed ELB health checks in (target-group {TG})"
    expect_stopped(ecs, [stopped_task(i, DEP_NEW, reason, exit_code=137) for i in range(3)]
                   + [stopped_task(9, DEP_OLD, "Scaling activity initiated by (deployment x)", exit_code=0)])
    mismatch = ("unhealthy", "Target.ResponseCodeMismatch", "Health checks failed with these codes: [502]")
    expect_target_health(elb, [mismatch, mismatch, mismatch, ("healthy", "", "")])
    status = cloud.observe_rollout("web", DEP_NEW, {}, 0.0)
    assert status["state"] == "failed"
    assert status["reason"] == ("the deployment circuit breaker stopped the rollout and rolled back to web:6: "
                                "health check on /healthz returned 502 for 3 of 3 tasks")
    assert status["failed_tasks"] == 3 and status["healthy"] == 1


def test_failed_by_crash(cloud, stubs) -> None:
    ecs, _ = stubs
    expect_service(ecs, service([deployment(DEP_NEW, TD_NEW, "PRIMARY", "FAILED", failed=2,
                                            reason="ECS deployment circuit breaker: tasks failed to start.")],
                                lb=False))
    expect_stopped(ecs, [stopped_task(i, DEP_NEW, "Essential container in task exited", exit_code=1,
                                      stop_code="EssentialContainerExited") for i in range(2)])
    status = cloud.observe_rollout("web", DEP_NEW, {}, 0.0)
    assert status["state"] == "failed"
    assert status["reason"] == ("the deployment circuit breaker stopped the rollout: container web exited with "
                                "code 1: Essential container in task exited (2 of 2 stopped tasks)")


def test_out_of_memory_names_the_container_reason(cloud, stubs) -> None:
    ecs, _ = stubs
    expect_service(ecs, service([deployment(DEP_NEW, TD_NEW, "PRIMARY", "FAILED", failed=1)], lb=False))
    expect_stopped(ecs, [stopped_task(1, DEP_NEW, "Essential container in task exited", exit_code=137,
                                      container_reason="OutOfMemoryError: Container killed due to memory usage")])
    reason = cloud.observe_rollout("web", DEP_NEW, {}, 0.0)["reason"]
    assert reason == "the deployment circuit breaker stopped the rollout: container web exited with code 137: " \
                     "OutOfMemoryError: Container killed due to memory usage"


def test_in_progress_with_start_failures_says_why(cloud, stubs) -> None:
    ecs, _ = stubs
    expect_service(ecs, service([deployment(DEP_NEW, TD_NEW, "PRIMARY", "IN_PROGRESS", failed=1)]))
    expect_stopped(ecs, [stopped_task(1, DEP_NEW, "CannotPullContainerError: pull image manifest has been "
                                      "retried 5 time(s): not found", stop_code="TaskFailedToStart")])
    status = cloud.observe_rollout("web", DEP_NEW, {}, 0.0)
    assert status["state"] == "in_progress"
    assert status["reason"] == ("1 task failed so far: task failed to start: "
                                "CannotPullContainerError: pull image manifest has been retried 5 time(s): not found")


def test_health_timeouts_from_target_health_when_tasks_are_forgotten(cloud, stubs) -> None:
    ecs, elb = stubs
    expect_service(ecs, service([deployment(DEP_NEW, TD_NEW, "PRIMARY", "FAILED", failed=2)]))
    expect_stopped(ecs, [])  # ECS keeps stopped tasks for about an hour only
    timeout = ("unhealthy", "Target.Timeout", "Request timed out")
    expect_target_health(elb, [timeout, timeout, ("draining", "Target.DeregistrationInProgress", "")], "/ready")
    status = cloud.observe_rollout("web", DEP_NEW, {}, 0.0)
    assert status["reason"] == ("the deployment circuit breaker stopped the rollout: "
                                "health check on /ready timed out for 2 of 2 tasks")


def test_deployment_gone_after_rollback(cloud, stubs) -> None:
    ecs, _ = stubs
    expect_service(ecs, service(
        [deployment(DEP_OLD, TD_OLD, "PRIMARY", "COMPLETED", running=3)],
        events=[f"(service web) rolling back to deployment {DEP_OLD}.",
                f"(service web) (deployment {DEP_NEW}) deployment failed: tasks failed to start."]))
    status = cloud.observe_rollout("web", DEP_NEW, {}, 0.0)
    assert status["state"] == "failed"
    assert status["reason"] == ("the deployment circuit breaker stopped the rollout and rolled back to web:6: "
                                f"(service web) (deployment {DEP_NEW}) deployment failed: tasks failed to start.")


def test_first_deployment_failing_rolled_nothing_back(cloud, stubs) -> None:
    """Nothing to go back to: the failed deployment stays PRIMARY. An older rollback's event
    in the service's history must not make the reason claim one."""
    ecs, _ = stubs
    expect_service(ecs, service([deployment(DEP_NEW, TD_NEW, "PRIMARY", "FAILED", failed=3,
                                            reason="ECS deployment circuit breaker: tasks failed to start.")],
                                lb=False, events=["(service web) rolling back to deployment ecs-svc/0000."]))
    expect_stopped(ecs, [])  # stopped tasks already forgotten: ECS's own words, without repeating them
    status = cloud.observe_rollout("web", DEP_NEW, {}, 0.0)
    assert status["state"] == "failed"
    assert status["reason"] == "the deployment circuit breaker stopped the rollout: 3 tasks failed to start"


def test_no_rollback_claimed_unless_ecs_says_so(cloud, stubs) -> None:
    """Another deployment is PRIMARY, but no "rolling back to" event names it: say no more than we know."""
    ecs, _ = stubs
    expect_service(ecs, service([deployment(DEP_OLD, TD_OLD, "PRIMARY", "IN_PROGRESS"),
                                 deployment(DEP_NEW, TD_NEW, "ACTIVE", "FAILED", failed=1)], lb=False))
    expect_stopped(ecs, [stopped_task(1, DEP_NEW, "Essential container in task exited", exit_code=2)])
    reason = cloud.observe_rollout("web", DEP_NEW, {}, 0.0)["reason"]
    assert reason == "the deployment circuit breaker stopped the rollout: container web exited with code 2: " \
                     "Essential container in task exited"


def test_in_progress_names_pending_tasks_not_the_counts(cloud, stubs) -> None:
    ecs, _ = stubs
    dep = deployment(DEP_NEW, TD_NEW, "PRIMARY", "IN_PROGRESS", running=1)
    dep["pendingCount"] = 2
    expect_service(ecs, service([dep]))
    status = cloud.observe_rollout("web", DEP_NEW, {}, 0.0)
    assert status["reason"] == "2 pending, no task failed so far" and "of 3" not in status["reason"]


def test_superseded_by_newer_deployment(cloud, stubs) -> None:
    ecs, _ = stubs
    expect_service(ecs, service([deployment(DEP_OLD, TD_OLD, "PRIMARY", "IN_PROGRESS"),
                                 deployment(DEP_NEW, TD_NEW, "ACTIVE", "IN_PROGRESS")]))
    status = cloud.observe_rollout("web", DEP_NEW, {}, 0.0)
    assert status["state"] == "failed" and status["reason"].startswith("superseded by a newer deployment")


def test_marker_deployment_id_resolves_by_task_definition(cloud, stubs) -> None:
    ecs, _ = stubs
    expect_service(ecs, service([deployment(DEP_NEW, TD_NEW, "PRIMARY", "COMPLETED", running=3)]))
    assert cloud.observe_rollout("web", "taskdef:" + TD_NEW, {}, 0.0)["state"] == "completed"


def test_missing_service(cloud, stubs) -> None:
    ecs, _ = stubs
    expect_service(ecs, None)
    status = cloud.observe_rollout("web", DEP_NEW, {}, 0.0)
    assert status == {"state": "failed", "reason": "service web not found", "desired": 0, "running": 0}


def test_ensure_service_update_returns_new_primary(cloud, stubs) -> None:
    """On real ECS update_service answers the new PRIMARY deployment: that id is returned."""
    ecs, _ = stubs
    old = service([deployment(DEP_OLD, TD_OLD, "PRIMARY", "COMPLETED", running=3)], lb=False)
    old["networkConfiguration"] = {"awsvpcConfiguration": {"subnets": ["subnet-1"], "securityGroups": ["sg-1"],
                                                           "assignPublicIp": "ENABLED"}}
    expect_service(ecs, old)
    aas = Stubber(cloud.client("application-autoscaling"))
    aas.add_response("describe_scalable_targets", {"ScalableTargets": []}, {
        "ServiceNamespace": "ecs", "ResourceIds": [f"service/{CLUSTER}/web"],
        "ScalableDimension": "ecs:service:DesiredCount"})
    new = dict(old, taskDefinition=TD_NEW, deployments=[
        deployment(DEP_NEW, TD_NEW, "PRIMARY", "IN_PROGRESS"), deployment(DEP_OLD, TD_OLD, "ACTIVE", "COMPLETED")])
    ecs.add_response("update_service", {"service": new}, {
        "cluster": CLUSTER, "service": "web", "taskDefinition": TD_NEW, "desiredCount": 3,
        "networkConfiguration": ANY, "deploymentConfiguration": ANY, "forceNewDeployment": False})
    network = {"vpc_id": "vpc-1", "subnets": ["subnet-1"], "security_groups": ["sg-1"], "assign_public_ip": True}
    with aas:
        out = cloud.ensure_service("web", TD_NEW, 3, network)
    assert out["deployment_id"] == DEP_NEW


def test_empty_deployment_id_judges_the_primary(cloud, stubs) -> None:
    ecs, _ = stubs
    expect_service(ecs, service([deployment(DEP_NEW, TD_NEW, "PRIMARY", "COMPLETED", running=3)],
                                events=["(service web) (deployment ecs-svc/9) deployment failed: x"]))
    assert cloud.observe_rollout("web", "", {}, 0.0)["state"] == "completed"
