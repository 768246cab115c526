"""The sandbox's simulated tasks log to moto's CloudWatch Logs as ECS's awslogs driver would,
and describe_service reports the counts they would give. Against the real moto server."""
from __future__ import annotations

import re
import time

import pytest

from chalicelib.cloud import simulator

FAIL = simulator.FAIL_VAR


def _stack(sandbox, network, uid, env=None, port=8080, desired=2, target_group=True):
    """Log group + task definition (awslogs to it) + service, as the engine's steps make them."""
    group = f"/launchbay/logs/{uid}"
    sandbox.ensure_log_group(group, 7)
    container = {"name": "web", "image": "nginx:1.27", "port": port, "cpu": 256, "memory": 512,
                 "env": dict(env or {}), "log_group": group, "log_stream_prefix": f"svc-{uid}",
                 "health_check_path": "/healthz" if port else None}
    td = sandbox.register_task_definition(f"svc-{uid}", container)
    tg = None
    if target_group:
        tg = sandbox.ensure_target_group(f"lg-{uid}", port, {"path": "/healthz"}, network["vpc_id"])
    out = sandbox.ensure_service(f"svc-{uid}", td["arn"], desired, network, tg, "web" if tg else None,
                                 port if tg else None)
    return group, td["arn"], out["deployment_id"]


def _by_stream(sandbox, group, prefix):
    events, _ = sandbox.read_logs(group, prefix, limit=1000)
    streams: dict[str, list[dict]] = {}
    for e in events:
        streams.setdefault(e["stream"], []).append(e)
    return streams


def test_ok_rollout_logs_start_port_and_passing_checks_once(sandbox, network, uid) -> None:
    group, _, dep = _stack(sandbox, network, uid)
    started = time.time() - 30
    for _ in range(3):  # the engine polls; a redelivered step observes again
        assert sandbox.observe_rollout(f"svc-{uid}", dep, {}, started)["state"] == "completed"
    streams = _by_stream(sandbox, group, f"svc-{uid}")  # what GET .../logs asks for
    assert len(streams) == 2  # one per running task
    for name, events in streams.items():
        assert re.fullmatch(rf"svc-{uid}/web/[0-9a-f]{{32}}", name)  # <prefix>/<container>/<task id>
        assert [e["message"] for e in events] == [
            "[sandbox] web started from nginx:1.27 (simulated task: no container runs)",
            "[sandbox] listening on port 8080"] + ["[sandbox] GET /healthz -> 200 (ELB-HealthChecker/2.0)"] * 3
        stamps = [e["ts"] for e in events]
        assert stamps == sorted(stamps) and int(started * 1000) <= stamps[0] <= stamps[-1] <= time.time() * 1000
    sandbox.delete_service(f"svc-{uid}")


@pytest.mark.parametrize("fail, last", [
    ("crash", "[sandbox] web exited with code 1 (sandbox: LAUNCHBAY_SANDBOX_FAIL=crash)"),
    ("health", "[sandbox] stopped by ECS after 3 failed health checks (sandbox: LAUNCHBAY_SANDBOX_FAIL=health)"),
])
def test_failed_rollout_logs_why_each_task_stopped(sandbox, network, uid, fail, last) -> None:
    env = {FAIL: fail}
    group, _, dep = _stack(sandbox, network, uid, env)
    status = sandbox.observe_rollout(f"svc-{uid}", dep, env, time.time() - 30)
    assert status["state"] == "failed"
    sandbox.observe_rollout(f"svc-{uid}", dep, env, time.time() - 30)  # another rollout of the same revision
    streams = _by_stream(sandbox, group, f"svc-{uid}/")
    assert len(streams) == 2 * status["failed_tasks"]
    for events in streams.values():
        messages = [e["message"] for e in events]
        assert messages[0].startswith("[sandbox] web started") and messages[-1] == last
        if fail == "health":
            assert messages.count("[sandbox] GET /healthz -> 502 (ELB-HealthChecker/2.0)") == 3
        else:
            assert len(messages) == 2
    sandbox.delete_service(f"svc-{uid}")


def test_nothing_logged_before_the_outcome_or_for_tasks_that_never_start(sandbox, network, uid) -> None:
    group, _, dep = _stack(sandbox, network, uid, target_group=False)
    now = time.time()
    slow = {simulator.DELAY_VAR: "60"}
    assert sandbox.observe_rollout(f"svc-{uid}", dep, slow, now - 1, now=now)["state"] == "in_progress"
    stuck = {FAIL: "timeout"}
    assert sandbox.observe_rollout(f"svc-{uid}", dep, stuck, now - 3600, now=now)["state"] == "in_progress"
    assert sandbox.read_logs(group, f"svc-{uid}") == ([], None)
    # once the delay is over, the same rollout writes its tasks' lines, dated within it
    assert sandbox.observe_rollout(f"svc-{uid}", dep, slow, now - 1, now=now + 60)["state"] == "completed"
    events, _ = sandbox.read_logs(group, f"svc-{uid}")
    assert events and all(int((now - 1) * 1000) <= e["ts"] <= int((now + 59) * 1000) + 100 for e in events)
    sandbox.delete_service(f"svc-{uid}")


def test_superseded_revision_and_missing_log_group_write_nothing(sandbox, network, uid) -> None:
    group, first_td, first_dep = _stack(sandbox, network, uid)
    td2 = sandbox.register_task_definition(f"svc-{uid}", {
        "name": "web", "image": "nginx:2", "port": 8080, "cpu": 256, "memory": 512,
        "log_group": f"/launchbay/missing/{uid}", "log_stream_prefix": f"svc-{uid}"})
    sandbox.ensure_service(f"svc-{uid}", td2["arn"], 2, network)
    old = sandbox.observe_rollout(f"svc-{uid}", first_dep, {}, time.time() - 30)
    assert old["reason"].startswith("superseded")
    assert sandbox.read_logs(group, f"svc-{uid}") == ([], None)
    # the current revision logs to a group nobody created: ECS would not start it, nothing is written
    done = sandbox.observe_rollout(f"svc-{uid}", "taskdef:" + td2["arn"], {}, time.time() - 30)
    assert done["state"] == "completed"
    assert sandbox.read_logs(f"/launchbay/missing/{uid}", f"svc-{uid}") == ([], None)
    sandbox.delete_service(f"svc-{uid}")


def test_each_rollout_of_a_revision_gets_its_own_tasks(sandbox, network, uid) -> None:
    """A rollback to an earlier revision starts new tasks: they log, under new task ids."""
    group, td, _ = _stack(sandbox, network, uid, desired=1, target_group=False)
    marker = "taskdef:" + td
    sandbox.observe_rollout(f"svc-{uid}", marker, {}, time.time() - 60)
    sandbox.observe_rollout(f"svc-{uid}", marker, {}, time.time() - 30)
    assert len(_by_stream(sandbox, group, f"svc-{uid}")) == 2
    sandbox.delete_service(f"svc-{uid}")


def test_run_task_logs_start_and_exit_once_per_run(sandbox, network, uid) -> None:
    group = f"/launchbay/runs/{uid}"
    sandbox.ensure_log_group(group, 7)
    td = sandbox.register_task_definition(f"job-{uid}", {
        "name": "job", "image": "busybox", "cpu": 256, "memory": 512, "log_group": group,
        "log_stream_prefix": f"job-{uid}"})
    before = int(time.time() * 1000)
    ok = sandbox.run_task(td["arn"], network, client_token=f"run_{uid}")
    again = sandbox.run_task(td["arn"], network, client_token=f"run_{uid}")  # redelivered
    failed = sandbox.run_task(td["arn"], network, env={FAIL: "crash"})
    streams = _by_stream(sandbox, group, f"job-{uid}")
    ok_id, failed_id = ok["task_arn"].rsplit("/", 1)[1], failed["task_arn"].rsplit("/", 1)[1]
    assert again["task_arn"] == ok["task_arn"] and set(streams) == {f"job-{uid}/job/{ok_id}", f"job-{uid}/job/{failed_id}"}
    assert [e["message"] for e in streams[f"job-{uid}/job/{ok_id}"]] == [
        "[sandbox] job started from busybox (simulated run: no container runs)", "[sandbox] job exited with code 0"]
    assert streams[f"job-{uid}/job/{failed_id}"][-1]["message"] == \
        "[sandbox] job exited with code 1 (sandbox: LAUNCHBAY_SANDBOX_FAIL=crash)"
    assert all(e["ts"] >= before for s in streams.values() for e in s)


def test_scheduled_runs_log_at_their_fire_time(sandbox, network, uid) -> None:
    group = f"/launchbay/cron/{uid}"
    sandbox.ensure_log_group(group, 7)
    td = sandbox.register_task_definition(f"cron-{uid}", {
        "name": "tick", "image": "busybox", "cpu": 256, "memory": 512, "log_group": group,
        "log_stream_prefix": f"cron-{uid}"})
    sandbox.ensure_schedule(f"cron-{uid}", "rate(5 minutes)", td["arn"], network)
    now_ms = int(time.time() * 1000)
    runs = sandbox.list_task_runs(f"cron-{uid}", f"cron-{uid}", now_ms - 15 * 60_000, now_ms=now_ms)
    assert sandbox.list_task_runs(f"cron-{uid}", f"cron-{uid}", now_ms - 15 * 60_000, now_ms=now_ms) == runs
    streams = _by_stream(sandbox, group, f"cron-{uid}")
    assert len(runs) == 3 and len(streams) == 3  # the second sync wrote nothing more
    for r in runs:
        events = streams[f"cron-{uid}/tick/" + r["task_arn"].rsplit("/", 1)[1]]
        assert [e["ts"] for e in events][0] == r["started_ms"] and events[-1]["message"].endswith("code 0")
    sandbox.delete_schedule(f"cron-{uid}")


@pytest.mark.parametrize("fail, running", [("", 2), ("crash", 0), ("health", 0), ("timeout", 0)])
def test_describe_service_counts_follow_the_simulated_outcome(sandbox, network, uid, fail, running) -> None:
    """So health watch can tell a sandbox service that would not run (moto says running = desired)."""
    _stack(sandbox, network, uid, {FAIL: fail} if fail else {}, target_group=False)
    desc = sandbox.describe_service(f"svc-{uid}")
    assert (desc["desired"], desc["running"]) == (2, running)
    assert desc["pending"] == (2 if fail == "timeout" else 0)
    assert desc["simulated"].startswith("sandbox: tasks are simulated")
    sandbox.delete_service(f"svc-{uid}")


def test_read_logs_orders_lines_of_all_tasks_by_time(sandbox, network, uid) -> None:
    """As CloudWatch does: the service's log is one timeline, not one task after the other."""
    group, _, dep = _stack(sandbox, network, uid, target_group=False)
    env = {simulator.DELAY_VAR: "10"}  # the tasks' lines spread over 10 s, the tasks start 50 ms apart
    sandbox.observe_rollout(f"svc-{uid}", dep, env, time.time() - 30)
    events, _ = sandbox.read_logs(group, f"svc-{uid}")
    assert len({e["stream"] for e in events}) == 2
    assert [e["ts"] for e in events] == sorted(e["ts"] for e in events)
    assert events[0]["stream"] != events[1]["stream"]  # both tasks start before either one's next line
    sandbox.delete_service(f"svc-{uid}")
