"""Release commands: one task of the new task definition, its command overridden, run after the
task definition is registered and before the ECS service changes; a failure stops the deploy while
the old release keeps serving. Driven in-process against the moto sandbox."""
from __future__ import annotations

import time

import boto3
import pytest

from chalicelib.cloud.sandbox import SandboxCloud
from chalicelib.deploys import engine
from chalicelib.wiring import make_cloud_for
from tests.support.deploying import run_to_end

MIGRATE = ["python", "manage.py", "migrate"]


def aws(launchbay_env, name):
    return boto3.client(name, endpoint_url=launchbay_env["AWS_ENDPOINT_URL"], region_name="us-east-1",
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def log(org, dep_id):
    status, body = org.call("GET", f"/deployments/{dep_id}/logs?after=0&limit=1000")
    assert status == 200, body
    return body["lines"]


def release_streams(launchbay_env, dep):
    """The log streams of release tasks in the service's log group (one per task started)."""
    group = next(s for s in dep["steps"] if s["name"] == "log_group")["result"]["name"]
    streams = aws(launchbay_env, "logs").describe_log_streams(logGroupName=group)["logStreams"]
    events = aws(launchbay_env, "logs").filter_log_events(logGroupName=group)["events"]
    with_command = {e["logStreamName"] for e in events if "$ python manage.py migrate" in e["message"]}
    return [s["logStreamName"] for s in streams if s["logStreamName"] in with_command]


def test_a_release_command_runs_on_the_new_task_definition_before_the_rollout(make_org, ports, launchbay_env):
    org = make_org()
    svc = org.service(release_command=MIGRATE)
    assert svc["release_command"] == MIGRATE
    dep = org.deploy(ports, svc)
    assert dep["status"] == "live", dep.get("error")
    names = [s["name"] for s in dep["steps"]]
    assert names.index("task_definition") < names.index("release.start") < names.index("release") < names.index("service")
    started = next(s for s in dep["steps"] if s["name"] == "release.start")
    assert started["result"]["command"] == MIGRATE and started["result"]["task_arn"]
    assert started["plan"]["calls"][0]["method"] == "run_task"
    assert started["plan"]["calls"][0]["args"]["task_definition_arn"] == dep["task_definition"]   # the NEW one
    lines = log(org, dep["id"])
    said = [(ln["step"], ln["message"]) for ln in lines]
    ran = next(i for i, (step, m) in enumerate(said) if step == "release" and m == "[sandbox] $ python manage.py migrate")
    exited = next(i for i, (step, m) in enumerate(said) if step == "release" and "exited with code 0" in m)
    service_started = said.index(("service", "service: started"))
    assert ran < exited < service_started
    assert len(release_streams(launchbay_env, dep)) == 1


def test_a_failing_release_command_fails_the_deploy_and_the_old_release_keeps_serving(make_org, ports, launchbay_env):
    org = make_org()
    svc = org.service(release_command=MIGRATE)
    first = org.deploy(ports, svc)
    assert first["status"] == "live"
    status, _ = org.call("PATCH", f"/services/{svc['id']}", {"image": "nginx:1.28",
                                                              "env": {"LAUNCHBAY_SANDBOX_FAIL": "release"}})
    assert status == 200
    second = org.deploy(ports, svc)
    assert second["status"] == "failed"
    assert second["error"] == "the release command `python manage.py migrate` exited with 1"
    assert "service" not in [s["name"] for s in second["steps"]]        # nothing rolled out
    lines = [ln["message"] for ln in log(org, second["id"])]
    assert any("exited with code 1" in m for m in lines)                 # the task's own log line
    assert "no rollback (nothing was rolled out; deployment #1 keeps serving)" in lines[-1]
    _, now = org.call("GET", f"/services/{svc['id']}")
    assert now["status"] == "live" and now["live_deployment_id"] == first["id"]
    assert "exited with 1" in now["last_error"]
    ecs = aws(launchbay_env, "ecs")
    served = ecs.describe_services(cluster=first["target"]["cluster"] if first.get("target") else "launchbay",
                                   services=[next(s for s in first["steps"] if s["name"] == "service")["result"]["arn"]])
    assert served["services"][0]["taskDefinition"] == first["task_definition"]


def test_a_failing_health_check_passes_the_release_command_and_rolls_back(make_org, ports):
    """LAUNCHBAY_SANDBOX_FAIL=health fails the rollout (and rolls back), not the release command
    before it: that task sits behind no load balancer."""
    org = make_org()
    svc = org.service(release_command=MIGRATE)
    assert org.deploy(ports, svc)["status"] == "live"
    org.call("PATCH", f"/services/{svc['id']}", {"env": {"LAUNCHBAY_SANDBOX_FAIL": "health"}})
    second = org.deploy(ports, svc)
    assert second["status"] == "rolled_back", second.get("error")
    assert "health check" in second["error"]
    assert any("exited with code 0" in ln["message"] for ln in log(org, second["id"]) if ln["step"] == "release")


class Killed(BaseException):
    """A worker killed in the middle of a step: nothing in the engine catches it."""


def test_a_killed_release_step_resumes_on_the_task_it_started(make_org, ports, launchbay_env):
    started: list[str] = []

    class DiesAfterRunTask(SandboxCloud):
        """ECS starts the task, then the worker dies before the step's result is recorded."""

        def run_task(self, *args, **kwargs):
            out = super().run_task(*args, **kwargs)
            started.append(out["task_arn"])
            if len(started) == 1:
                raise Killed()
            return out

    ports.cloud_for_factory = make_cloud_for(DiesAfterRunTask)
    org = make_org()
    svc = org.service(name="w", kind="worker", port=None, release_command=MIGRATE)
    status, dep = org.call("POST", f"/services/{svc['id']}/deployments", {})
    assert status == 202
    with pytest.raises(Killed):
        engine.run(ports, dep["id"])
    deps = ports.store.collection("deployments")
    assert deps.get(dep["id"])["status"] == "provisioning"
    deps.update(dep["id"], {"lease_expires": "2000-01-01T00:00:00Z"})   # the dead worker's lease runs out
    done = run_to_end(ports, dep["id"])
    assert done["status"] == "live", done.get("error")
    assert len(started) == 2 and started[0] == started[1]                # the same task, not a second one
    assert len(release_streams(launchbay_env, done)) == 1
    ran = [ln for ln in log(org, done["id"]) if ln["message"] == "[sandbox] $ python manage.py migrate"]
    assert len(ran) == 1


def test_a_rollback_does_not_run_the_release_command_again(make_org, ports, launchbay_env):
    org = make_org()
    svc = org.service(release_command=MIGRATE)
    first = org.deploy(ports, svc)
    org.call("PATCH", f"/services/{svc['id']}", {"image": "nginx:1.28"})
    second = org.deploy(ports, svc)
    assert first["status"] == second["status"] == "live"
    assert len(release_streams(launchbay_env, second)) == 2
    status, rb = org.call("POST", f"/services/{svc['id']}/rollback", {"deployment_id": first["id"]})
    assert status == 202
    back = run_to_end(ports, rb["id"])
    assert back["status"] == "live" and back["image"] == "nginx:1.27"
    skipped = next(s for s in back["steps"] if s["name"] == "release.start")["result"]
    assert skipped == {"skipped": "a rollback does not run the release command again"}
    assert len(release_streams(launchbay_env, back)) == 2                # no third task


def test_the_plan_shows_the_release_step(make_org):
    org = make_org()
    svc = org.service(release_command=MIGRATE)
    status, plan = org.call("GET", f"/services/{svc['id']}/plan")
    assert status == 200, plan
    steps = {s["step"]: s for s in plan["steps"]}
    assert steps["release.start"]["action"] == "create"
    call = steps["release.start"]["calls"][0]
    assert call["method"] == "run_task" and call["args"]["command"] == MIGRATE
    assert steps["release"]["action"] == "wait" and steps["release"]["resource"] == "release command"
    order = [s["step"] for s in plan["steps"]]
    assert order.index("task_definition") < order.index("release.start") < order.index("service")
    plain = org.service(name="plain")
    _, plan = org.call("GET", f"/services/{plain['id']}/plan")
    steps = {s["step"]: s for s in plan["steps"]}
    assert steps["release.start"]["action"] == "skip" and steps["release"]["action"] == "skip"


def test_release_command_is_validated_patched_and_cleared(make_org):
    org = make_org()
    status, body = org.call("POST", f"/projects/{org.project()['id']}/services",
                            {"name": "bad", "image": "nginx", "port": 80, "release_command": []})
    assert status == 422 and body["error"]["field"] == "release_command"
    svc = org.service()
    assert svc["release_command"] is None
    status, patched = org.call("PATCH", f"/services/{svc['id']}", {"release_command": ["rake", "db:migrate"]})
    assert status == 200 and patched["release_command"] == ["rake", "db:migrate"] and patched["needs_deploy"]
    status, cleared = org.call("PATCH", f"/services/{svc['id']}", {"release_command": None})
    assert status == 200 and cleared["release_command"] is None


def test_a_release_command_is_waited_for_and_a_cancel_stops_its_task(make_org, ports):
    stopped: list[str] = []

    class Recording(SandboxCloud):
        """Records StopTask calls (a simulated task has nothing to stop in moto)."""

        def stop_task(self, task_arn, reason):
            stopped.append(task_arn)
            return super().stop_task(task_arn, reason)

    ports.cloud_for_factory = make_cloud_for(Recording)
    org = make_org()
    svc = org.service(release_command=MIGRATE, env={"LAUNCHBAY_SANDBOX_DELAY": "60"})
    dep = org.queue_deployment(svc)
    out = engine.run(ports, dep["id"])
    assert out.state == "later"                                          # a Pending: no worker waits
    waiting = ports.store.collection("deployments").get(dep["id"])
    assert waiting["status"] == "provisioning" and "running the release command" in waiting["reason"]
    assert [s["name"] for s in waiting["steps"]][-1] == "release"
    status, _ = org.call("POST", f"/deployments/{dep['id']}/cancel")
    assert status == 200
    engine.run(ports, dep["id"], out.owner, out.seq)
    done = ports.store.collection("deployments").get(dep["id"])
    started = next(s for s in done["steps"] if s["name"] == "release.start")["result"]
    assert done["status"] == "cancelled" and stopped == [started["task_arn"]]
    assert f"its release command's task {started['task_arn']} was stopped; nothing rolled out" in done["reason"]


def test_on_the_aws_path_the_release_task_is_looked_at_until_ecs_says_it_stopped(make_org, ports, launchbay_env):
    """The step's AWS path: RunTask answers a real task (not a simulated outcome) and DescribeTasks
    is asked on each look. moto cannot place Fargate tasks, so the adapter here starts the task on
    an EC2 container instance of the cluster (a task definition moto can place, the same command)."""
    import json

    from chalicelib.cloud.aws import AwsCloud

    ecs, ec2 = aws(launchbay_env, "ecs"), aws(launchbay_env, "ec2")
    started: list[str] = []

    class Ec2Tasks(SandboxCloud):
        def run_task(self, task_definition_arn, network, env=None, client_token=None, command=None,
                     container=None, release=False):
            instance = ec2.run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1)["Instances"][0]
            ecs.register_container_instance(cluster=self.cluster, instanceIdentityDocument=json.dumps({
                "instanceId": instance["InstanceId"], "region": "us-east-1", "availabilityZone": "us-east-1a",
                "privateIp": "10.0.0.1", "accountId": "123456789012", "imageId": "ami-12c6146b",
                "instanceType": "t2.micro", "architecture": "x86_64", "pendingTime": "2026-01-01T00:00:00Z"}))
            td = ecs.register_task_definition(family="release-probe", containerDefinitions=[
                {"name": container, "image": "nginx:1.27", "memory": 128}])["taskDefinition"]["taskDefinitionArn"]
            task = ecs.run_task(cluster=self.cluster, taskDefinition=td, count=1, launchType="EC2",
                                overrides={"containerOverrides": [{"name": container, "command": command}]})
            started.append(task["tasks"][0]["taskArn"])
            return {"task_arn": started[-1], "started": True}

        describe_task_runs = AwsCloud.describe_task_runs   # ask moto, as on AWS

    ports.cloud_for_factory = make_cloud_for(Ec2Tasks)
    org = make_org()
    svc = org.service(name="w", kind="worker", port=None, release_command=MIGRATE)
    dep = org.queue_deployment(svc)
    out = engine.run(ports, dep["id"])
    assert out.state == "later" and len(started) == 1
    out = engine.run(ports, dep["id"], out.owner, out.seq)              # looked again: still running
    assert out.state == "later" and len(started) == 1
    waiting = ports.store.collection("deployments").get(dep["id"])
    assert "running the release command `python manage.py migrate`" in waiting["reason"]
    ecs.stop_task(cluster=ports.cloud_for(waiting.get("target")).cluster, task=started[0], reason="done")
    for _ in range(200):   # the same chain goes on (its next message), as the worker's would
        out = engine.run(ports, dep["id"], out.owner, out.seq)
        if out.state != "later":
            break
        time.sleep(min(out.countdown, 0.2))
    done = ports.store.collection("deployments").get(dep["id"])
    assert done["status"] == "live", done.get("error")
    assert next(s for s in done["steps"] if s["name"] == "release")["result"] == \
        {"task_arn": started[0], "exit_code": 0, "command": MIGRATE}
    assert len(started) == 1
