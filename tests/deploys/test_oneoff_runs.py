"""One-off commands (`POST …/runs {"command"}`) on web and worker services' live releases, and
runs tracked to their end by DescribeTasks (the beat's runs.sync), against the moto sandbox."""
from __future__ import annotations

import json
import time

import boto3

from chalicelib.deploys import runs

SHELL = ["python", "manage.py", "shell", "-c", "print(1)"]


def aws(launchbay_env, name):
    return boto3.client(name, endpoint_url=launchbay_env["AWS_ENDPOINT_URL"], region_name="us-east-1",
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def test_a_web_service_needs_a_command_and_runs_it_on_its_live_release(deployed_service, ports, launchbay_env):
    org, svc, dep = deployed_service()
    status, body = org.call("POST", f"/services/{svc['id']}/runs")
    assert status == 422 and body["error"]["field"] == "command"
    status, body = org.call("POST", f"/services/{svc['id']}/runs", {"command": []})
    assert status == 422 and body["error"]["field"] == "command"
    status, run = org.call("POST", f"/services/{svc['id']}/runs", {"command": SHELL})
    assert status == 202, run
    assert run["command"] == SHELL and run["status"] == "starting" and run["deployment_id"] == dep["id"]
    done = runs.start(ports, run["id"])
    assert done["status"] == "succeeded" and done["exit_code"] == 0 and done["task_arn"]
    _, history = org.call("GET", f"/services/{svc['id']}/runs")
    assert [(r["id"], r["command"]) for r in history["items"]] == [(run["id"], SHELL)]
    _, audit = org.call("GET", "/audit?limit=50")
    event = next(e for e in audit["items"] if e["action"] == "service.run")
    assert event["details"]["command"] == SHELL and event["details"]["run"] == run["id"]
    # the task ran the command: its log stream (the sandbox writes what the task would) says so
    group = next(s for s in dep["steps"] if s["name"] == "log_group")["result"]["name"]
    task_id = done["task_arn"].rsplit("/", 1)[-1]
    events = aws(launchbay_env, "logs").filter_log_events(logGroupName=group)["events"]
    assert any(e["logStreamName"].endswith("/" + task_id) and e["message"] == "[sandbox] $ " + " ".join(SHELL)
               for e in events)


def test_a_worker_runs_a_command_on_its_live_release_not_on_a_failed_newer_one(deployed_service, ports):
    org, svc, first = deployed_service(name="jobs", kind="worker", port=None)
    status, run = org.call("POST", f"/services/{svc['id']}/runs", {"command": ["rake", "cleanup"]})
    assert status == 202, run
    assert runs.start(ports, run["id"])["status"] == "succeeded"
    org.call("PATCH", f"/services/{svc['id']}", {"env": {"LAUNCHBAY_SANDBOX_FAIL": "crash"}})
    assert org.deploy(ports, svc)["status"] == "rolled_back"
    status, again = org.call("POST", f"/services/{svc['id']}/runs", {"command": ["rake", "cleanup"]})
    assert status == 202 and again["deployment_id"] == first["id"]
    done = runs.start(ports, again["id"])   # the live release's environment: no crash switch
    assert done["status"] == "succeeded" and done["exit_code"] == 0


def test_a_cron_service_runs_its_own_command_or_the_one_given(deployed_service, ports):
    org, svc, _ = deployed_service(name="nightly", kind="cron", image="busybox", port=None, schedule="rate(1 day)")
    status, own = org.call("POST", f"/services/{svc['id']}/runs")
    assert status == 202 and own["command"] is None
    status, given = org.call("POST", f"/services/{svc['id']}/runs", {"command": ["echo", "hi"]})
    assert status == 202 and given["command"] == ["echo", "hi"]
    assert runs.start(ports, given["id"])["status"] == "succeeded"


def test_a_run_with_a_task_arn_is_synced_to_its_end_by_describe_tasks(deployed_service, ports, launchbay_env):
    """moto cannot run Fargate tasks (RunTask answers 500), so a task is started on an EC2
    container instance of the same cluster (from a task definition moto can place: container
    memory set, bridge networking) and recorded on the run as its start would have."""
    org, svc, dep = deployed_service(name="api")
    status, run = org.call("POST", f"/services/{svc['id']}/runs", {"command": ["sleep", "600"]})
    assert status == 202
    cluster = ports.cloud_for(dep.get("target")).cluster
    ec2, ecs = aws(launchbay_env, "ec2"), aws(launchbay_env, "ecs")
    instance = ec2.run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1)["Instances"][0]
    ecs.register_container_instance(cluster=cluster, instanceIdentityDocument=json.dumps({
        "instanceId": instance["InstanceId"], "region": "us-east-1", "availabilityZone": "us-east-1a",
        "privateIp": "10.0.0.1", "accountId": "123456789012", "imageId": "ami-12c6146b",
        "instanceType": "t2.micro", "architecture": "x86_64", "pendingTime": "2026-01-01T00:00:00Z"}))
    placeable = ecs.register_task_definition(family="oneoff-probe", containerDefinitions=[
        {"name": "web", "image": "nginx:1.27", "memory": 128}])["taskDefinition"]["taskDefinitionArn"]
    task = ecs.run_task(cluster=cluster, taskDefinition=placeable, count=1, launchType="EC2",
                        overrides={"containerOverrides": [{"name": "web", "command": ["sleep", "600"]}]})["tasks"][0]
    ports.store.collection("runs").update(run["id"], {"status": "running", "task_arn": task["taskArn"],
                                                      "started": run["created"]})
    runs.sync(ports)
    assert ports.store.collection("runs").get(run["id"])["status"] == "running"   # still going
    ecs.stop_task(cluster=cluster, task=task["taskArn"], reason="Essential container in task exited")
    out = runs.sync(ports)
    assert out["updated"] >= 1
    ended = ports.store.collection("runs").get(run["id"])
    assert ended["status"] == "succeeded" and ended["exit_code"] == 0 and ended["finished"]
    runs.sync(ports)
    assert ports.store.collection("runs").get(run["id"]) == ended      # an ended run is not looked at again


def test_a_run_ecs_no_longer_knows_ends_failed_in_words(deployed_service, ports):
    org, svc, dep = deployed_service(name="gone")
    status, run = org.call("POST", f"/services/{svc['id']}/runs", {"command": ["true"]})
    assert status == 202
    arn = f"arn:aws:ecs:us-east-1:123456789012:task/{ports.cloud_for(dep.get('target')).cluster}/0123456789abcdef"
    ports.store.collection("runs").update(run["id"], {"status": "running", "task_arn": arn,
                                                      "started": "2026-01-01T00:00:00Z"})
    runs.sync(ports)
    ended = ports.store.collection("runs").get(run["id"])
    assert ended["status"] == "failed" and ended["exit_code"] is None and "no longer knows" in ended["reason"]


def test_a_cron_run_still_going_is_asked_about_once_per_sync(deployed_service, ports):
    """The schedule's listing (ListTasks + DescribeTasks of its family) already says a run is
    still going: the open runs' DescribeTasks that follows does not ask about it again."""
    from chalicelib.cloud.sandbox import SandboxCloud
    from chalicelib.wiring import make_cloud_for

    org, cron, dep = deployed_service(name="tick", kind="cron", image="busybox", schedule="cron(0 3 * * ? *)")
    assert dep["status"] == "live"
    arn = f"arn:aws:ecs:us-east-1:123456789012:task/{ports.cloud_for(dep.get('target')).cluster}/feedc0ffee"
    asked: list[list[str]] = []

    class StillGoing(SandboxCloud):   # AWS's side: one scheduled task started a minute ago, not stopped
        def list_task_runs(self, family, rule_name, started_after_ms, env=None, now_ms=None):
            return [{"task_arn": arn, "status": "RUNNING", "started_ms": int(time.time() * 1000) - 60_000,
                     "finished_ms": None, "exit_code": None, "reason": None, "trigger": "schedule"}]

        def describe_task_runs(self, task_arns):
            asked.append(list(task_arns))
            return super().describe_task_runs(task_arns)

    ports.cloud_for_factory = make_cloud_for(StillGoing)
    assert runs.sync(ports)["added"] == 1
    run = ports.store.collection("runs").find_one({"task_arn": arn})
    assert run["status"] == "running" and run["service_id"] == cron["id"]
    assert runs.sync(ports) == {"added": 0, "updated": 0}
    assert all(arn not in call for call in asked), asked   # the listing said it all
