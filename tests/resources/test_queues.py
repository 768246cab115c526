"""Queues (SQS), against the moto sandbox: a queue is encrypted, long-polling, with a dead-letter
queue it hands a message to after `max_receives` receives; a linked service gets its URL as a
plain variable and its task role exactly the messages calls its link allows (send only, or send,
receive and delete); a worker scales on the queue's backlog per task; dead letters are counted
live and moved back by the worker."""
from __future__ import annotations

import json

import pytest

from tests.resources.test_resources import aws, connected_and_recorded, create, settle

pytestmark = pytest.mark.services


def dead_letters(sqs, url: str, receives: int) -> int:
    """Receive every message `receives` times without deleting it (a consumer that keeps
    failing), then once more: SQS hands each to the dead-letter queue. -> how many it holds."""
    for _ in range(receives + 1):
        sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0, WaitTimeSeconds=0)
    dlq = sqs.get_queue_url(QueueName=url.rsplit("/", 1)[1].replace(".fifo", "-dlq.fifo") if url.endswith(".fifo")
                            else url.rsplit("/", 1)[1] + "-dlq")["QueueUrl"]
    return int(sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["ApproximateNumberOfMessages"])
               ["Attributes"]["ApproximateNumberOfMessages"])


def a_queue_with_a_dead_letter(org, ports) -> tuple[dict, object]:
    """A queue `jobs` (dead after one receive) whose dead-letter queue holds one message; -> (it, SQS)."""
    made = settle(ports, create(org, name="jobs", kind="queue", deletion_protection=False, max_receives=1)["id"])
    sqs = aws(ports, made, "sqs")
    sqs.send_message(QueueUrl=made["aws"]["address"], MessageBody="x")
    assert dead_letters(sqs, made["aws"]["address"], 1) == 1
    return made, sqs


def task_env(ports, dep) -> tuple[dict, dict, str]:
    """The deployed container's plain variables, its secrets (valueFrom) and its task role's ARN."""
    ecs = ports.cloud_for(dep.get("target")).client("ecs")
    td = ecs.describe_task_definition(taskDefinition=dep["task_definition"])["taskDefinition"]
    (container,) = td["containerDefinitions"]
    return ({e["name"]: e["value"] for e in container.get("environment", [])},
            {s["name"]: s["valueFrom"] for s in container.get("secrets", [])}, td.get("taskRoleArn"))


def role_policy(ports, dep, role_arn: str) -> dict:
    iam = ports.cloud_for(dep.get("target")).client("iam")
    doc = iam.get_role_policy(RoleName=role_arn.rsplit("/", 1)[1], PolicyName="launchbay")["PolicyDocument"]
    return json.loads(doc) if isinstance(doc, str) else doc


def _redrive(ports, res_id: str) -> dict:
    """Drive the redrive task in-process until it is done (the worker does the same loop)."""
    from chalicelib.resources.queues import run_redrive

    for _ in range(20):
        if run_redrive(ports, res_id) == "done":
            return ports.store.collection("resources").get(res_id)["redrive"]
    raise AssertionError("the redrive did not finish")


def test_a_queue_has_a_dead_letter_queue_and_reaches_linked_services_by_its_url(make_org, ports):
    org = make_org()
    made = create(org, name="jobs", kind="queue", deletion_protection=False)
    assert (made["kind"], made["variable"], made["size"], made["version"]) == ("queue", "JOBS_QUEUE_URL", None, None)
    assert (made["fifo"], made["visibility_timeout_seconds"], made["retention_days"], made["max_receives"]) == \
        (False, 60, 4, 5)
    done = settle(ports, made["id"])
    assert done["status"] == "available", done
    sqs = aws(ports, made, "sqs")
    url = done["aws"]["address"]
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    redrive = json.loads(attrs["RedrivePolicy"])
    assert redrive == {"deadLetterTargetArn": done["aws"]["dlq_arn"], "maxReceiveCount": 5}
    assert (attrs["SqsManagedSseEnabled"], attrs["VisibilityTimeout"], attrs["MessageRetentionPeriod"],
            attrs["ReceiveMessageWaitTimeSeconds"]) == ("true", "60", str(4 * 86400), "20")
    dlq = sqs.get_queue_attributes(QueueUrl=done["aws"]["dlq_url"], AttributeNames=["All"])["Attributes"]
    assert dlq["MessageRetentionPeriod"] == str(14 * 86400) and dlq["SqsManagedSseEnabled"] == "true"
    shown = org.call("GET", f"/resources/{made['id']}")[1]
    assert shown["endpoint"]["address"] == url and shown["dead_letter_queue"] == done["aws"]["dlq_url"]
    from chalicelib.cost.estimate import resource_estimate

    priced = resource_estimate(done, "us-east-1")   # an idle consumer's long polls: 131,400 requests
    assert priced["lines"][0]["quantity"] == 0.1314 and priced["monthly_min"] == 0.05, priced

    # a web service that only hands work over, a worker that does it
    web = org.service(name="web")
    worker = org.service(name="worker", kind="worker")
    status, link = org.call("PUT", f"/services/{web['id']}/links/{made['id']}", {"send_only": True})
    assert status == 200 and (link["variable"], link["send_only"]) == ("JOBS_QUEUE_URL", True), link
    assert org.call("PUT", f"/services/{worker['id']}/links/{made['id']}", {})[1]["send_only"] is False
    plan = org.call("GET", f"/services/{web['id']}/plan")[1]
    role_step = next(s for s in plan["steps"] if s["step"] == "task_role")
    assert role_step["action"] == "create" and "queue jobs: send" in role_step["description"]

    for svc, allowed in ((web, {"sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"}),
                         (worker, {"sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl",
                                   "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility"})):
        dep = org.deploy(ports, svc)
        assert dep["status"] == "live", dep.get("error")
        env, secrets, role_arn = task_env(ports, dep)
        assert env["JOBS_QUEUE_URL"] == url and "JOBS_QUEUE_URL" not in secrets   # a URL is no secret
        (statement,) = role_policy(ports, dep, role_arn)["Statement"]
        assert set(statement["Action"]) == allowed and statement["Resource"] == done["aws"]["queue_arn"]


def test_messages_that_keep_failing_go_dead_and_are_moved_back(make_org, ports):
    org = make_org()
    made = settle(ports, create(org, name="jobs", kind="queue", deletion_protection=False, max_receives=2)["id"])
    sqs = aws(ports, made, "sqs")
    url = made["aws"]["address"]
    status, err = org.call("POST", f"/resources/{made['id']}/redrive")
    assert status == 409 and err["error"]["field"] == "redrive" and "empty" in err["error"]["message"]
    for body in ("a", "b", "c"):
        sqs.send_message(QueueUrl=url, MessageBody=body, MessageAttributes={
            "kind": {"DataType": "String", "StringValue": f"k-{body}"}})
    assert dead_letters(sqs, url, 2) == 3      # received twice, never deleted: SQS hands them to the DLQ
    counts = org.call("GET", f"/resources/{made['id']}/messages")[1]
    assert (counts["visible"], counts["dead"], counts["redrive"]) == (0, 3, None), counts

    status, started = org.call("POST", f"/resources/{made['id']}/redrive")
    assert status == 202 and started["status"] == "moving" and started["left"] == 3, started
    assert org.call("POST", f"/resources/{made['id']}/redrive")[0] == 409    # one move at a time
    finished = _redrive(ports, made["id"])
    assert (finished["status"], finished["moved"], finished["left"]) == ("done", 3, 0), finished
    counts = org.call("GET", f"/resources/{made['id']}/messages")[1]
    assert (counts["visible"], counts["dead"], counts["redrive"]["status"]) == (3, 0, "done")
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"],
                              VisibilityTimeout=0)["Messages"]
    assert sorted((m["Body"], m["MessageAttributes"]["kind"]["StringValue"]) for m in got) == \
        [("a", "k-a"), ("b", "k-b"), ("c", "k-c")]   # body and attributes as they were sent
    events = {e["action"] for e in org.call("GET", "/audit")[1]["items"]}
    assert {"resource.redrive", "resource.redriven"} <= events


def test_a_fifo_queue_keeps_its_order_and_its_groups_through_a_redrive(make_org, ports):
    org = make_org()
    made = settle(ports, create(org, name="orders", kind="queue", deletion_protection=False, fifo=True,
                                max_receives=1)["id"])
    assert made["status"] == "available" and made["aws"]["address"].endswith(".fifo")
    sqs = aws(ports, made, "sqs")
    url = made["aws"]["address"]
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attrs["FifoQueue"] == "true" and attrs["ContentBasedDeduplication"] == "true"
    assert made["aws"]["dlq_url"].endswith("-dlq.fifo")
    sqs.send_message(QueueUrl=url, MessageBody="first", MessageGroupId="customer-7")
    assert dead_letters(sqs, url, 1) == 1
    assert org.call("POST", f"/resources/{made['id']}/redrive")[0] == 202
    assert _redrive(ports, made["id"])["moved"] == 1
    (msg,) = sqs.receive_message(QueueUrl=url, AttributeNames=["MessageGroupId"])["Messages"]
    assert (msg["Body"], msg["Attributes"]["MessageGroupId"]) == ("first", "customer-7")


def test_a_worker_scales_on_the_backlog_per_task(make_org, ports):
    org = make_org()
    jobs = settle(ports, create(org, name="jobs", kind="queue", deletion_protection=False)["id"])
    worker = org.service(name="worker", kind="worker", min_instances=1, max_instances=6,
                         autoscaling={"queue": {"name": "jobs", "messages_per_task": 50}})
    assert worker["autoscaling"]["queue"] == {"name": "jobs", "messages_per_task": 50}
    failed = org.deploy(ports, worker)   # not linked yet: said, not guessed
    assert failed["status"] == "failed" and "links no queue named 'jobs'" in failed["error"], failed.get("error")

    assert org.call("PUT", f"/services/{worker['id']}/links/{jobs['id']}", {})[0] == 200
    dep = org.deploy(ports, worker)
    assert dep["status"] == "live", dep.get("error")
    aas = ports.cloud_for(dep.get("target")).client("application-autoscaling")
    policies = {p["PolicyName"]: p for p in aas.describe_scaling_policies(ServiceNamespace="ecs")["ScalingPolicies"]}
    (queue_policy,) = [p for n, p in policies.items() if n.endswith("-queue")]
    config = queue_policy["TargetTrackingScalingPolicyConfiguration"]
    assert config["TargetValue"] == 50.0
    metrics = {m["Id"]: m for m in config["CustomizedMetricSpecification"]["Metrics"]}
    assert metrics["visible"]["MetricStat"]["Metric"]["Dimensions"] == [
        {"Name": "QueueName", "Value": jobs["aws"]["queue_name"]}]
    assert metrics["backlog"]["Expression"] == "visible / tasks" and metrics["backlog"]["ReturnData"] is True
    plan = org.call("GET", f"/services/{worker['id']}/plan")[1]
    assert next(s for s in plan["steps"] if s["step"] == "autoscaling")["action"] == "no-op"

    # a new target is planned as a change in words, then the policy goes when no longer wanted
    assert org.call("PATCH", f"/services/{worker['id']}", {"autoscaling": {
        "queue": {"name": "jobs", "messages_per_task": 200}}})[0] == 200
    step = next(s for s in org.call("GET", f"/services/{worker['id']}/plan")[1]["steps"] if s["step"] == "autoscaling")
    assert step["changes"]["targets"][1]["queue"] == "200 waiting messages per task on queue jobs"
    status, patched = org.call("PATCH", f"/services/{worker['id']}", {"autoscaling": {"queue": None}})
    assert status == 200 and patched["autoscaling"].get("queue") is None, patched   # the rest kept
    assert patched["autoscaling"]["cpu_target"] == 60
    assert org.deploy(ports, worker)["status"] == "live"
    names = [p["PolicyName"] for p in aas.describe_scaling_policies(ServiceNamespace="ecs")["ScalingPolicies"]]
    assert not [n for n in names if n.endswith("-queue")] and [n for n in names if n.endswith("-cpu")]


def test_changing_a_queue_and_deleting_it(make_org, ports):
    org = make_org()
    made = settle(ports, create(org, name="jobs", kind="queue", deletion_protection=False)["id"])
    status, moving = org.call("PATCH", f"/resources/{made['id']}", {"visibility_timeout_seconds": 300,
                                                                     "max_receives": 3, "retention_days": 14})
    assert status == 202 and moving["status"] == "modifying", moving
    done = settle(ports, made["id"])
    assert (done["status"], done["visibility_timeout_seconds"], done["max_receives"], done["retention_days"]) == \
        ("available", 300, 3, 14)
    sqs = aws(ports, made, "sqs")
    attrs = sqs.get_queue_attributes(QueueUrl=done["aws"]["address"], AttributeNames=["All"])["Attributes"]
    assert (attrs["VisibilityTimeout"], attrs["MessageRetentionPeriod"]) == ("300", str(14 * 86400))
    assert json.loads(attrs["RedrivePolicy"])["maxReceiveCount"] == 3
    status, err = org.call("DELETE", f"/resources/{made['id']}")
    assert status == 422 and err["error"]["field"] == "confirm" and "every message in them go" in err["error"]["message"]
    assert org.call("DELETE", f"/resources/{made['id']}?confirm=jobs")[0] == 202
    assert settle(ports, made["id"]) is None
    assert [u for u in sqs.list_queues().get("QueueUrls", []) if made["aws"]["ident"] in u] == []


@pytest.mark.parametrize("body, field", [
    ({"kind": "postgres", "fifo": True}, "fifo"),
    ({"kind": "bucket", "max_receives": 3}, "max_receives"),
    ({"kind": "queue", "max_receives": 0}, "max_receives"),
    ({"kind": "queue", "visibility_timeout_seconds": 43201}, "visibility_timeout_seconds"),
    ({"kind": "queue", "retention_days": 15}, "retention_days"),
    ({"kind": "queue", "size": "db.t4g.micro"}, "size"),
    ({"kind": "queue", "backup_retention_days": 3}, "backup_retention_days"),
])
def test_settings_a_kind_does_not_have_are_refused_by_name(make_org, body, field):
    org = make_org()
    prj = org.project()
    status, err = org.call("POST", f"/projects/{prj['id']}/resources", {"name": "q1", **body})
    assert status in (400, 422) and field in json.dumps(err["error"]), err


def test_link_settings_follow_the_kind(make_org, ports):
    org = make_org()
    jobs = settle(ports, create(org, name="jobs", kind="queue", deletion_protection=False)["id"])
    files = settle(ports, create(org, name="files", kind="bucket", deletion_protection=False)["id"])
    web = org.service()
    for res, body, field in ((files, {"send_only": True}, "send_only"), (jobs, {"read_only": True}, "read_only"),
                             (jobs, {"path": "/data"}, "path")):
        status, err = org.call("PUT", f"/services/{web['id']}/links/{res['id']}", body)
        assert status == 422 and err["error"]["field"] == field, (body, err)
    assert org.call("GET", f"/services/{web['id']}/links")[1]["items"] == []   # nothing half-stored


def test_the_connection_policy_allows_every_queue_call(make_org, ports):
    """Create, change, link, deploy with backlog scaling, redrive and delete a queue through a
    connected (sandbox demo) account: every AWS call is one the published role policy allows."""
    from chalicelib.cloud import access
    from chalicelib.deploys import teardown

    org, _, seen = connected_and_recorded(make_org, ports)
    jobs = settle(ports, create(org, name="jobs", kind="queue", deletion_protection=False, max_receives=1)["id"])
    assert org.call("PATCH", f"/resources/{jobs['id']}", {"visibility_timeout_seconds": 90})[0] == 202
    assert settle(ports, jobs["id"])["status"] == "available"
    worker = org.service(name="worker", kind="worker", max_instances=3,
                         autoscaling={"queue": {"name": "jobs", "messages_per_task": 10}})
    assert org.call("PUT", f"/services/{worker['id']}/links/{jobs['id']}", {})[0] == 200
    assert org.deploy(ports, worker)["status"] == "live"
    sqs = aws(ports, jobs, "sqs")
    sqs.send_message(QueueUrl=jobs["aws"]["address"], MessageBody="x")
    assert dead_letters(sqs, jobs["aws"]["address"], 1) == 1
    assert org.call("GET", f"/resources/{jobs['id']}/messages")[1]["dead"] == 1
    assert org.call("POST", f"/resources/{jobs['id']}/redrive")[0] == 202
    assert _redrive(ports, jobs["id"])["moved"] == 1
    assert org.call("POST", f"/resources/{jobs['id']}/purge?confirm=jobs")[0] == 200
    assert org.call("DELETE", f"/services/{worker['id']}")[0] == 202
    assert teardown.run(ports, worker["id"]) == "deleted"
    assert org.call("DELETE", f"/resources/{jobs['id']}?confirm=jobs")[0] == 202
    assert settle(ports, jobs["id"]) is None
    assert {"sqs:CreateQueue", "sqs:SetQueueAttributes", "sqs:DeleteQueue", "sqs:SendMessage", "sqs:PurgeQueue",
            "application-autoscaling:PutScalingPolicy", "iam:PutRolePolicy"} <= seen
    # the sandbox writes the simulated tasks' logs and Cloud Map registrations (ECS does on AWS); the
    # test's own receives (a failing consumer) go through the same session
    sandbox_only = {"logs:CreateLogStream", "logs:PutLogEvents", "servicediscovery:RegisterInstance"}
    assert seen - access.allowed_actions() - sandbox_only - {"sts:GetCallerIdentity"} == set()


def test_a_growing_dead_letter_queue_is_told_once_per_growth(make_org, ports, launchbay_env):
    import base64

    import redis

    from chalicelib.notify import events, slack
    from chalicelib.resources.queues import watch_dead_letters

    org = make_org()
    made = settle(ports, create(org, name="jobs", kind="queue", deletion_protection=False, max_receives=1)["id"])
    status, _ = org.call("POST", f"/projects/{made['project_id']}/notifications",
                         {"kind": "slack", "url": "https://hooks.slack.com/services/T0/B0/x", "events": ["queue.dead_letters"]})
    assert status == 201
    notify_queue = redis.Redis.from_url(launchbay_env["REDIS_URL"])
    key = f"{launchbay_env['LAUNCHBAY_QUEUE_PREFIX']}.notify"

    def told() -> list[dict]:
        bodies = [json.loads(base64.b64decode(json.loads(m)["body"])) for m in notify_queue.lrange(key, 0, -1)]
        return [b[0][0] if isinstance(b, list) else b for b in bodies]

    sqs = aws(ports, made, "sqs")
    for body in ("a", "b"):
        sqs.send_message(QueueUrl=made["aws"]["address"], MessageBody=body)
    assert dead_letters(sqs, made["aws"]["address"], 1) == 2
    assert watch_dead_letters(ports)["told"] >= 1
    assert watch_dead_letters(ports)["told"] == 0                     # the same two: told once
    (event,) = [e for e in told() if isinstance(e, dict) and e.get("type") == events.QUEUE_DEAD_LETTERS]
    assert event["data"]["dead"] == {"new": 2, "total": 2, "max_receives": 1}
    assert slack.text(event).splitlines()[0] == (
        ":skull: *jobs* (production) has 2 new dead letters (2 in all): messages received 1 time without being "
        "deleted; fix the consumer, then move them back")


def test_a_worker_charts_the_backlog_of_the_queue_it_works_through(make_org, ports):
    import time

    from chalicelib.core.ids import iso_from_epoch
    from chalicelib.observe import alerts

    org = make_org()
    jobs = settle(ports, create(org, name="jobs", kind="queue", deletion_protection=False)["id"])
    other = settle(ports, create(org, name="mail", kind="queue", deletion_protection=False)["id"])
    worker = org.service(name="worker", kind="worker", max_instances=4,
                         autoscaling={"queue": {"name": "jobs", "messages_per_task": 20}})
    for res, body in ((jobs, {}), (other, {})):   # two consumed: the one it scales on is charted
        assert org.call("PUT", f"/services/{worker['id']}/links/{res['id']}", body)[0] == 200
    assert org.deploy(ports, worker)["status"] == "live"
    sqs = aws(ports, jobs, "sqs")
    for i in range(7):
        sqs.send_message(QueueUrl=jobs["aws"]["address"], MessageBody=str(i))
    now = time.time()
    alerts.evaluate_service(ports, ports.store.collection("services").get(worker["id"]), now=now)   # beat's pass
    window = f"from={iso_from_epoch(now - 1800)}&to={iso_from_epoch(now)}&period=60"
    status, chart = org.call("GET", f"/services/{worker['id']}/metrics?{window}")
    assert status == 200, chart
    assert [v for v in chart["series"]["queue_waiting"] if v is not None] == [7.0]
    assert "requests" not in chart["series"]      # a worker answers no requests


def test_purging_waiting_messages_or_dead_letters_needs_the_name_and_an_admin(make_org, ports):
    org = make_org()
    made = settle(ports, create(org, name="jobs", kind="queue", deletion_protection=False, max_receives=1)["id"])
    sqs = aws(ports, made, "sqs")
    url = made["aws"]["address"]
    sqs.send_message(QueueUrl=url, MessageBody="dies")
    assert dead_letters(sqs, url, 1) == 1
    for i in range(4):
        sqs.send_message(QueueUrl=url, MessageBody=f"flood-{i}")
    status, err = org.call("POST", f"/resources/{made['id']}/purge")
    assert status == 422 and err["error"]["field"] == "confirm" and "for good" in err["error"]["message"]
    status, out = org.call("POST", f"/resources/{made['id']}/purge?confirm=jobs")
    assert status == 200 and out == {"purged": 4, "dead_letters": False}, out
    counts = org.call("GET", f"/resources/{made['id']}/messages")[1]
    assert (counts["visible"], counts["dead"]) == (0, 1)         # the dead letter stays to be looked at
    status, out = org.call("POST", f"/resources/{made['id']}/purge?confirm=jobs&dead_letters=true")
    assert status == 200 and out == {"purged": 1, "dead_letters": True}, out
    assert org.call("GET", f"/resources/{made['id']}/messages")[1]["dead"] == 0
    events = [e for e in org.call("GET", "/audit")[1]["items"] if e["action"] == "resource.purge"]
    assert sorted(e["details"]["messages"] for e in events) == [1, 4]


def test_taking_queue_scaling_from_a_service_without_autoscaling_sets_none(make_org):
    org = make_org()
    worker = org.service(name="worker", kind="worker", min_instances=1, max_instances=3)
    assert worker.get("autoscaling") is None
    for body in ({"queue": None}, {"schedule": []}):
        status, out = org.call("PATCH", f"/services/{worker['id']}", {"autoscaling": body})
        assert status == 200 and out.get("autoscaling") is None, out


def test_a_queue_deleted_outside_launchbay_is_a_409_for_its_messages_and_a_redrive(make_org, ports):
    """The move back reads the dead letters' count first: a queue gone from AWS is said (it was a
    500, a KeyError on the missing counts), and so is a redrive that finds it gone in the worker."""
    org = make_org()
    made, sqs = a_queue_with_a_dead_letter(org, ports)
    assert org.call("POST", f"/resources/{made['id']}/redrive")[0] == 202
    sqs.delete_queue(QueueUrl=made["aws"]["address"])   # between the request and the worker's run
    failed = _redrive_once(ports, made["id"])
    assert failed["status"] == "failed" and "is gone" in failed["error"], failed
    for method, path in (("GET", "messages"), ("POST", "redrive")):
        status, err = org.call(method, f"/resources/{made['id']}/{path}")
        assert status == 409 and err["error"]["field"] == "resource", (path, err)
        assert "gone from AWS" in err["error"]["message"]


def _redrive_once(ports, res_id: str) -> dict:
    from chalicelib.resources.queues import run_redrive

    assert run_redrive(ports, res_id) == "done"
    return ports.store.collection("resources").get(res_id)["redrive"]


def test_large_dead_letters_are_moved_back_in_batches_sqs_takes(make_org, ports):
    """Ten dead letters are received at once, but a SendMessageBatch's payload is bounded (1 MiB on
    AWS, in the sandbox too): two of 600 KB each go back in sends of their own, not one that SQS
    refuses (BatchRequestTooLong failed the whole redrive)."""
    org = make_org()
    made = settle(ports, create(org, name="jobs", kind="queue", deletion_protection=False, max_receives=1)["id"])
    sqs = aws(ports, made, "sqs")
    url = made["aws"]["address"]
    for n in range(2):
        sqs.send_message(QueueUrl=url, MessageBody=str(n) * 600_000,
                         MessageAttributes={"n": {"DataType": "Number", "StringValue": str(n)}})
    assert dead_letters(sqs, url, 1) == 2
    assert org.call("POST", f"/resources/{made['id']}/redrive")[0] == 202
    finished = _redrive(ports, made["id"])
    assert (finished["status"], finished["moved"], finished["left"]) == ("done", 2, 0), finished
    got: list = []
    for _ in range(5):   # one receive may return fewer than there are
        got += sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"],
                                   WaitTimeSeconds=0).get("Messages") or []
        if len(got) == 2:
            break
    assert sorted((len(m["Body"]), m["MessageAttributes"]["n"]["StringValue"]) for m in got) == \
        [(600_000, "0"), (600_000, "1")]


def test_a_redrive_whose_worker_runs_out_of_retries_is_failed_not_left_moving(make_org, ports, launchbay_env):
    """The worker task retries AWS trouble with backoff; on its last retry it marks the redrive
    failed with why, so nobody waits out the 15 minutes a lost one is given."""
    from worker.tasks.resources import redrive_queue

    org = make_org()
    made, sqs = a_queue_with_a_dead_letter(org, ports)
    assert org.call("POST", f"/resources/{made['id']}/redrive")[0] == 202
    ports.store.collection("resources").update(made["id"], {"target": {**made["target"], "region": "xx-nowhere-1"}})
    request = {"retries": redrive_queue.max_retries, "id": "t", "called_directly": False, "is_eager": True}
    redrive_queue.push_request(**request)
    try:
        with pytest.raises(Exception):
            redrive_queue.run(made["id"])
    finally:
        redrive_queue.pop_request()
    after = ports.store.collection("resources").get(made["id"])["redrive"]
    assert after["status"] == "failed" and after["error"], after
    ports.store.collection("resources").update(made["id"], {"target": made["target"]})   # AWS answers again
    status, again = org.call("POST", f"/resources/{made['id']}/redrive")   # a new one may start at once
    assert status == 202 and again["status"] == "moving", again


def test_aws_trouble_on_a_live_read_is_a_503_or_a_409_in_words_never_a_500(make_org, ports):
    org = make_org()
    made = settle(ports, create(org, name="jobs", kind="queue", deletion_protection=False)["id"])
    db = settle(ports, create(org, name="db", deletion_protection=False)["id"])
    for res in (made, db):   # as if the region's endpoint failed (moto answers 500 for an unknown region)
        ports.store.collection("resources").update(res["id"], {"target": {**res["target"], "region": "xx-nowhere-1"}})
    for method, path in (("GET", f"/resources/{made['id']}/messages"), ("POST", f"/resources/{made['id']}/redrive"),
                         ("POST", f"/resources/{made['id']}/purge?confirm=jobs"),
                         ("GET", f"/resources/{db['id']}/restore-window")):
        status, err = org.call(method, path)
        assert status in (409, 503) and err["error"]["field"] == "resource" and "AWS" in err["error"]["message"], \
            (path, status, err)


def test_dead_letters_are_looked_at_where_they_are(make_org, ports):
    org = make_org()
    made = settle(ports, create(org, name="jobs", kind="queue", deletion_protection=False, max_receives=1)["id"])
    sqs = aws(ports, made, "sqs")
    url = made["aws"]["address"]
    sqs.send_message(QueueUrl=url, MessageBody='{"order": 42, "step": "charge"}',
                     MessageAttributes={"tenant": {"DataType": "String", "StringValue": "acme"}})
    sqs.send_message(QueueUrl=url, MessageBody="x" * 5000)
    assert dead_letters(sqs, url, 1) == 2
    for _ in range(2):   # looking twice moves nothing
        status, out = org.call("GET", f"/resources/{made['id']}/dead-letters")
        assert status == 200, out
        by_body = {m["body"][:20]: m for m in out["items"]}
        assert set(by_body) == {'{"order": 42, "step"', "x" * 20}, out
        order = by_body['{"order": 42, "step"']
        assert (order["body"], order["truncated"], order["attributes"]) == (
            '{"order": 42, "step": "charge"}', False, {"tenant": "acme"})
        assert order["sent"].endswith("Z") and order["id"]
        big = by_body["x" * 20]
        assert (len(big["body"]), big["truncated"]) == (4096, True)
        assert org.call("GET", f"/resources/{made['id']}/messages")[1]["dead"] == 2
    for bad in ("0", "11", "ten"):
        status, out = org.call("GET", f"/resources/{made['id']}/dead-letters?limit={bad}")
        assert (status, out["error"]["field"]) == (422, "limit"), out
    events = [e for e in org.call("GET", "/audit")[1]["items"] if e["action"] == "resource.dead_letters_read"]
    assert len(events) == 2 and events[0]["details"]["seen"] == 2
