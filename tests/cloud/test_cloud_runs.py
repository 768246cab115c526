"""The real-AWS run history reader, on ECS-shaped responses (moto cannot run Fargate tasks)."""
from datetime import datetime, timezone

from botocore.stub import ANY, Stubber

from chalicelib.cloud.aws import AwsCloud
from tests.support.cloud import make_settings

T0 = datetime(2026, 11, 25, 3, 0, tzinfo=timezone.utc)
T1 = datetime(2026, 11, 25, 3, 2, tzinfo=timezone.utc)


def test_list_task_runs_reads_scheduled_and_manual_tasks():
    cloud = AwsCloud(make_settings("", LAUNCHBAY_CLUSTER="prod"))
    ecs = cloud.client("ecs")
    with Stubber(ecs) as stub:
        stub.add_response("list_tasks", {"taskArns": ["arn:task/a"]},
                          {"cluster": "prod", "family": "lb-x", "desiredStatus": "RUNNING"})
        stub.add_response("list_tasks", {"taskArns": ["arn:task/b"]},
                          {"cluster": "prod", "family": "lb-x", "desiredStatus": "STOPPED"})
        stub.add_response("describe_tasks", {"tasks": [
            {"taskArn": "arn:task/a", "lastStatus": "RUNNING", "startedAt": T1, "startedBy": "launchbay",
             "containers": [{}]},
            {"taskArn": "arn:task/b", "lastStatus": "STOPPED", "startedAt": T0, "stoppedAt": T1,
             "startedBy": "events-rule/lb-x", "stoppedReason": "Essential container in task exited",
             "containers": [{"exitCode": 2}]}]}, {"cluster": "prod", "tasks": ["arn:task/a", "arn:task/b"]})
        runs = cloud.list_task_runs("lb-x", "lb-x", 0)
    assert [r["task_arn"] for r in runs] == ["arn:task/b", "arn:task/a"]
    assert runs[0]["trigger"] == "schedule" and runs[0]["exit_code"] == 2 and runs[0]["finished_ms"]
    assert runs[1]["trigger"] == "manual" and runs[1]["finished_ms"] is None


def test_run_task_overrides_the_command_of_the_named_container():
    cloud = AwsCloud(make_settings("", LAUNCHBAY_CLUSTER="prod"))
    ecs = cloud.client("ecs")
    network = {"vpc_id": "vpc-1", "subnets": ["subnet-1"], "security_groups": ["sg-1"], "assign_public_ip": True}
    with Stubber(ecs) as stub:
        stub.add_response("run_task", {"tasks": [{"taskArn": "arn:task/prod/abc"}]}, {
            "cluster": "prod", "taskDefinition": "arn:td/web:3", "launchType": "FARGATE", "platformVersion": "LATEST",
            "count": 1, "startedBy": "launchbay", "propagateTags": "TASK_DEFINITION", "enableECSManagedTags": True,
            "networkConfiguration": {"awsvpcConfiguration": {"subnets": ["subnet-1"], "securityGroups": ["sg-1"],
                                                             "assignPublicIp": "ENABLED"}},
            "clientToken": ANY,
            "overrides": {"containerOverrides": [{"name": "web", "command": ["python", "manage.py", "migrate"]}]}})
        out = cloud.run_task("arn:td/web:3", network, client_token="dep_1:release",
                             command=["python", "manage.py", "migrate"], container="web", release=True)
    assert out == {"task_arn": "arn:task/prod/abc", "started": True}


def test_describe_task_runs_reads_running_and_stopped_tasks_and_stop_task_stops_one():
    cloud = AwsCloud(make_settings("", LAUNCHBAY_CLUSTER="prod"))
    ecs = cloud.client("ecs")
    with Stubber(ecs) as stub:
        stub.add_response("describe_tasks", {"tasks": [
            {"taskArn": "arn:task/a", "lastStatus": "RUNNING", "startedAt": T0, "containers": [{}]},
            {"taskArn": "arn:task/b", "lastStatus": "STOPPED", "startedAt": T0, "stoppedAt": T1,
             "containers": [{"exitCode": 3}], "stoppedReason": "Essential container in task exited"},
            {"taskArn": "arn:task/c", "lastStatus": "STOPPED", "containers": [{"exitCode": 0}]}]},   # no stoppedAt
            {"cluster": "prod", "tasks": ["arn:task/a", "arn:task/b", "arn:task/c"]})
        stub.add_response("stop_task", {"task": {"taskArn": "arn:task/a"}},
                          {"cluster": "prod", "task": "arn:task/a", "reason": "cancelled"})
        found = cloud.describe_task_runs(["arn:task/a", "arn:task/b", "arn:task/c"])
        assert cloud.stop_task("arn:task/a", "cancelled") is True
    a, b, c = found
    assert a["finished_ms"] is None and a["status"] == "RUNNING"
    assert b["finished_ms"] == int(T1.timestamp() * 1000) and b["exit_code"] == 3 and "exited" in b["reason"]
    assert c["finished_ms"] and c["exit_code"] == 0     # STOPPED without a time (moto): ended by now
