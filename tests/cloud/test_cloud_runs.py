"""The real-AWS run history reader, on ECS-shaped responses (moto cannot run Fargate tasks)."""
from datetime import datetime, timezone

from botocore.stub import Stubber

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
