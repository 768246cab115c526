"""The beat task that publishes Launchbay/QueueDepth, QueueAge, DeploymentsFailed and EmailsFailed: run by a
real Celery worker, measuring a real Redis, putting to the sandbox's CloudWatch (moto)."""
from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

import boto3

from chalicelib import tasks
from chalicelib.accounts import service as accounts
from chalicelib.catalog import service as catalog
from chalicelib.core.context import Actor
from chalicelib.core.ids import now_iso
from chalicelib.deploys import service as deploys
from chalicelib.mail import service as mail
from chalicelib.mail.messages import Message
from chalicelib.observe import platform_metrics as pm
from chalicelib.queue import CeleryQueue, queue_name
from tests.support.deploying import run_to_end
from tests.support.processes import CeleryWorker, wait_for


def _statistic(cw, metric: str, stat: str, dims: dict[str, str], since: datetime) -> list[float]:
    points = cw.get_metric_statistics(Namespace=pm.NAMESPACE, MetricName=metric, StartTime=since,
                                      EndTime=datetime.now(timezone.utc) + timedelta(minutes=1), Period=60,
                                      Statistics=[stat], Dimensions=[{"Name": k, "Value": v} for k, v in dims.items()])
    return [p[stat] for p in points["Datapoints"]]


def test_beat_task_publishes_queue_depth_age_and_failed_deployments(ports, launchbay_env, moto_url):
    prefix = launchbay_env["LAUNCHBAY_QUEUE_PREFIX"]
    deploys_queue = queue_name(prefix, "deploys")
    s = accounts.signup(ports, "ops@example.com", "x" * 12, "Acme", None)
    actor = Actor(user_id=s["user"]["id"], email="ops@example.com")
    org = s["organization"]["id"]
    project = catalog.create_project(ports, actor, org, "shop", "")
    bad = catalog.create_service(ports, actor, org, project["id"], {"name": "bad", "kind": "web", "image": "nginx",
                                                                   "port": 80, "env": {"LAUNCHBAY_SANDBOX_FAIL": "1"}})
    good = catalog.create_service(ports, actor, org, project["id"], {"name": "good", "kind": "worker", "image": "busybox"})
    started = datetime.now(timezone.utc) - timedelta(minutes=1)
    failed = deploys.create_deployment(ports, actor, org, bad["id"], None)[0]
    live = deploys.create_deployment(ports, actor, org, good["id"], None)[0]
    assert run_to_end(ports, failed["id"])["status"] == "failed"
    assert run_to_end(ports, live["id"])["status"] == "live"
    lost = mail.queue(ports, "ops@example.com", Message("Hello", "Hello.\n"), "test")   # SES refused it, say
    ports.store.collection("emails").update(lost["id"], {"status": "failed", "updated": now_iso(), "body_cipher": None})
    # no worker consumes the deploys queue here: the two deploys' messages wait in it, plus one more
    CeleryQueue(ports.settings).publish(tasks.RUN_DEPLOYMENT, "no-such-deployment")
    time.sleep(1.5)   # so that the oldest message is measurably old

    worker = CeleryWorker(launchbay_env, ["default"], concurrency=1).start()
    try:
        queue = CeleryQueue(ports.settings)
        queue.publish(tasks.PUBLISH_METRICS)
        cw = boto3.client("cloudwatch", endpoint_url=moto_url, region_name="us-east-1",
                          aws_access_key_id="testing", aws_secret_access_key="testing")
        depth = wait_for(lambda: _statistic(cw, "QueueDepth", "Maximum", {"Queue": deploys_queue}, started),
                         30, what="QueueDepth in CloudWatch")
        assert depth == [3.0], worker.output()[-2000:]
        (age,) = _statistic(cw, "QueueAge", "Maximum", {"Queue": deploys_queue}, started)
        assert 1.5 <= age < 60
        assert _statistic(cw, "QueueDepth", "Maximum", {"Queue": queue_name(prefix, "default")}, started) == [0.0]
        assert _statistic(cw, "DeploymentsFailed", "Sum", {}, started) == [1.0]
        assert _statistic(cw, "EmailsFailed", "Sum", {}, started) == [1.0]

        # the next run counts only what failed since the previous one
        queue.publish(tasks.PUBLISH_METRICS)
        wait_for(lambda: sum(_statistic(cw, "DeploymentsFailed", "SampleCount", {}, started)) == 2, 30,
                 what="a second DeploymentsFailed point")
        assert sum(_statistic(cw, "DeploymentsFailed", "Sum", {}, started)) == 1
    finally:
        worker.stop()


def test_depths_read_the_age_of_the_oldest_message(launchbay_env, redis_url):
    from chalicelib.settings import get_settings

    queue = CeleryQueue(get_settings())
    before = time.time()
    queue.publish(tasks.HEALTH_WATCH)
    queue.publish(tasks.HEALTH_WATCH)
    name = queue_name(launchbay_env["LAUNCHBAY_QUEUE_PREFIX"], "default")
    measured = queue.depths(now=before + 100)[name]
    assert measured["depth"] == 2 and 99 < measured["age"] <= 100
    empty = queue.depths()[queue_name(launchbay_env["LAUNCHBAY_QUEUE_PREFIX"], "search")]
    assert empty == {"depth": 0.0, "age": 0.0}


def test_tasks_celery_sends_itself_carry_their_publish_time_too(launchbay_env, redis_url):
    """Beat sends through Celery, not chalicelib/queue.py: its messages are stamped as well."""
    from chalicelib.settings import get_settings
    from worker.celery_app import celery

    name = queue_name(launchbay_env["LAUNCHBAY_QUEUE_PREFIX"], "search")
    before = time.time()
    celery.send_task(tasks.SEARCH_RETENTION, queue=name)
    measured = CeleryQueue(get_settings()).depths(now=before + 100)[name]
    assert measured["depth"] == 1 and 99 < measured["age"] <= 100
