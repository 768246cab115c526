"""Deleting a service whose teardown AWS refuses: the service says why in words (`teardown`), stays
`deleting` (what is left in AWS still runs), and the DELETE sent again, once the cause is fixed,
finishes what the first attempt began."""
from __future__ import annotations

import json
import time

from chalicelib import wiring
from chalicelib.cloud import access
from chalicelib.deploys import teardown
from tests.api.test_aws_accounts import as_account, connected_project, remove_role
from tests.support.processes import CeleryWorker, wait_for


def ecs_services(launchbay_env, acct: str, cluster: str) -> set[str]:
    ecs = as_account(launchbay_env, acct, "ecs")
    arns = ecs.list_services(cluster=cluster)["serviceArns"]
    return {s["serviceName"] for s in ecs.describe_services(cluster=cluster, services=arns)["services"]
            if s["status"] == "ACTIVE"} if arns else set()


def test_a_refused_teardown_says_why_and_the_delete_can_be_sent_again(make_org, ports, launchbay_env):
    from worker.tasks.deploys import teardown_service

    org = make_org()
    conn, _prj = connected_project(org, launchbay_env)
    web = org.service()
    dep = org.deploy(ports, web)
    assert dep["status"] == "live"
    acct, cluster = conn["account_id"], dep["target"]["cluster"]
    running = ecs_services(launchbay_env, acct, cluster)
    assert len(running) == 1
    role = remove_role(launchbay_env, conn)

    status, svc = org.call("DELETE", f"/services/{web['id']}")
    assert status == 202 and svc["status"] == "deleting" and svc["teardown"]["state"] == "queued"
    # the worker's task: not a transient error, so no retry; it gives up and says so on the service
    assert teardown_service.apply(args=[web["id"]]).get().startswith("failed: ")
    status, shown = org.call("GET", f"/services/{web['id']}")
    assert status == 200 and shown["status"] == "deleting"
    assert shown["teardown"]["state"] == "failed", shown["teardown"]
    error = shown["teardown"]["error"]
    # in words: the step it stopped at, then AWS's (here Launchbay's own) reason
    assert error.startswith(f"deleting the ECS service {next(iter(running))}: "), error
    assert "does not exist" in error and conn["role_name"] in error, error
    assert ecs_services(launchbay_env, acct, cluster) == running          # nothing was removed
    events = {e["action"]: e for e in org.call("GET", "/audit?limit=50")[1]["items"]}
    assert events["service.teardown_failed"]["details"]["error"] == error[:500]
    assert events["service.teardown_failed"]["target_id"] == web["id"]
    # the beat does not queue a failed teardown again: it waits for the cause to be fixed
    assert teardown.resume(ports, now=time.time() + teardown.STALE_SECONDS + 1) == 0

    # fixed (the role is back), then deleted again: the teardown resumes and finishes
    iam = as_account(launchbay_env, acct, "iam")
    iam.create_role(RoleName=conn["role_name"], AssumeRolePolicyDocument=json.dumps(role["AssumeRolePolicyDocument"]))
    iam.put_role_policy(RoleName=conn["role_name"], PolicyName="launchbay", PolicyDocument=json.dumps(access.policy_document()))
    wiring.reset_clients()
    status, again = org.call("DELETE", f"/services/{web['id']}")
    assert status == 202 and again["teardown"] == {**again["teardown"], "state": "queued", "error": None}
    assert "service.delete_retry" in [e["action"] for e in org.call("GET", "/audit?limit=50")[1]["items"]]
    assert teardown.run(ports, web["id"]) == "deleted"
    assert org.call("GET", f"/services/{web['id']}")[0] == 404
    assert ecs_services(launchbay_env, acct, cluster) == set()


def test_a_teardown_whose_task_was_lost_is_queued_again_and_finishes(make_org, ports, launchbay_env, redis_url):
    """Celery redelivers the task of a killed worker; a message lost with the broker's data is
    found by the beat (`resume_teardowns`) from the service's own record."""
    import redis

    r = redis.Redis.from_url(redis_url)
    queue = f"{launchbay_env['LAUNCHBAY_QUEUE_PREFIX']}.deploys"
    org = make_org()
    web = org.service()
    dep = org.deploy(ports, web)
    assert dep["status"] == "live"
    before = r.llen(queue)   # the deploy's own message (org.deploy ran it here, in the test)
    status, svc = org.call("DELETE", f"/services/{web['id']}")
    assert status == 202 and svc["teardown"]["state"] == "queued"
    assert r.llen(queue) == before + 1
    r.delete(queue)   # the messages are lost (a broker that lost its data)
    assert teardown.resume(ports) == 0   # recently queued: left alone
    assert teardown.resume(ports, now=time.time() + teardown.STALE_SECONDS + 1) == 1
    assert r.llen(queue) == 1
    worker = CeleryWorker(launchbay_env, ["deploys"], concurrency=1).start()
    try:
        wait_for(lambda: ports.store.collection("services").get(web["id"]) is None, 60, what="the service's teardown")
    finally:
        worker.stop()
    assert org.call("GET", f"/services/{web['id']}")[0] == 404
    assert teardown.resume(ports, now=time.time() + teardown.STALE_SECONDS + 1) == 0   # nothing left to resume
