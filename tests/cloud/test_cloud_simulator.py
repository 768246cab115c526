"""The sandbox rollout simulator as pure functions (explicit clock, no sleeping)."""
from __future__ import annotations

import pytest

from chalicelib.cloud import simulator

SERVICE = {"name": "web", "desired": 2, "task_definition": "arn:aws:ecs:us-east-1:123456789012:task-definition/web:3"}


def run(env, now=100.0, delay=0.0, **kw):
    return simulator.simulate_rollout(SERVICE, env, started_at=0.0, now=now, default_delay=delay,
                                      health_path="/healthz", **kw)


def test_ok_after_delay() -> None:
    assert run({}, now=5.0, delay=10.0)["state"] == "in_progress"
    done = run({}, now=10.0, delay=10.0)
    assert done["state"] == "completed" and done["running"] == 2 and done["healthy"] == 2


def test_delay_override_per_service() -> None:
    assert run({"LAUNCHBAY_SANDBOX_DELAY": "50"}, now=20.0, delay=1.0)["state"] == "in_progress"
    assert run({"LAUNCHBAY_SANDBOX_DELAY": "0"}, now=0.0, delay=100.0)["state"] == "completed"
    assert run({"LAUNCHBAY_SANDBOX_DELAY": "soon"}, now=2.0, delay=1.0)["state"] == "completed"  # bad value: default


@pytest.mark.parametrize("value", ["1", "crash", "CRASH", "surprise"])
def test_crash(value: str) -> None:
    out = run({"LAUNCHBAY_SANDBOX_FAIL": value})
    assert out["state"] == "failed" and "container exited with code 1" in out["reason"]
    assert f"LAUNCHBAY_SANDBOX_FAIL={value}" in out["reason"] and out["failed_tasks"] == 2


def test_health_names_the_path() -> None:
    out = run({"LAUNCHBAY_SANDBOX_FAIL": "health"})
    assert out["state"] == "failed" and "health check on /healthz returned 502 for 2 of 2 tasks" in out["reason"]


def test_timeout_never_finishes() -> None:
    assert run({"LAUNCHBAY_SANDBOX_FAIL": "timeout"}, now=1e12)["state"] == "in_progress"


@pytest.mark.parametrize("value", ["", "0", "false"])
def test_off_values(value: str) -> None:
    assert run({"LAUNCHBAY_SANDBOX_FAIL": value})["state"] == "completed"


def test_missing_service_fails() -> None:
    out = simulator.simulate_rollout(None, {}, 0.0, 100.0, 0.0)
    assert out["state"] == "failed" and out["reason"] == "service not found"


def test_other_task_definition_is_superseded() -> None:
    out = run({}, task_definition_arn="arn:aws:ecs:us-east-1:123456789012:task-definition/web:2")
    assert out["state"] == "failed" and "superseded" in out["reason"]


def test_exit_code() -> None:
    assert simulator.exit_code({}) == 0
    assert simulator.exit_code({"LAUNCHBAY_SANDBOX_FAIL": "1"}) == 1
    assert simulator.exit_code({"LAUNCHBAY_SANDBOX_FAIL": "health"}) == 1
    assert simulator.exit_code(None) == 0


def test_release_command_fails_only_for_release_or_crash() -> None:
    """`health` fails the rollout's health checks, not the release command run before it."""
    assert simulator.exit_code({"LAUNCHBAY_SANDBOX_FAIL": "health"}, release=True) == 0
    assert simulator.exit_code({"LAUNCHBAY_SANDBOX_FAIL": "timeout"}, release=True) == 0
    assert simulator.exit_code({"LAUNCHBAY_SANDBOX_FAIL": "release"}, release=True) == 1
    assert simulator.exit_code({"LAUNCHBAY_SANDBOX_FAIL": "crash"}, release=True) == 1
    assert simulator.exit_code({"LAUNCHBAY_SANDBOX_FAIL": "release"}) == 0


@pytest.mark.parametrize("fail", ["crash", "health"])
def test_failure_claims_no_rollback(fail: str) -> None:
    """moto restores nothing (the engine rolls back on its own and says so in the deploy log)."""
    reason = run({"LAUNCHBAY_SANDBOX_FAIL": fail})["reason"]
    assert reason.startswith("the deployment circuit breaker stopped the rollout: ")
    assert "rolled back" not in reason and "rolling back" not in reason


@pytest.mark.parametrize("env, now", [({"LAUNCHBAY_SANDBOX_FAIL": "timeout"}, 1e12), ({}, 0.0)])
def test_waiting_reasons_do_not_repeat_the_counts(env, now) -> None:
    """The engine writes "(0 of 2 tasks running; <reason>)": the reason must not say it again."""
    out = run(env, now=now, delay=10.0)
    assert out["state"] == "in_progress" and "tasks running" not in out["reason"]
    assert "of 2" not in out["reason"]


def test_timeout_says_the_tasks_never_start() -> None:
    out = run({"LAUNCHBAY_SANDBOX_FAIL": "timeout"}, now=1e12)
    assert out["reason"] == "the new tasks never start; this rollout never finishes " \
                            "(sandbox: LAUNCHBAY_SANDBOX_FAIL=timeout)"


DIGEST = {"name": "web", "desired": 3, "running": 3, "pending": 0, "task_definition": SERVICE["task_definition"],
          "deployments": [{"id": "ecs-svc/1", "task_definition": SERVICE["task_definition"], "running": 0,
                           "rollout_state": "IN_PROGRESS"},
                          {"id": "ecs-svc/0", "task_definition": "old", "running": 0, "rollout_state": "COMPLETED"}]}


@pytest.mark.parametrize("fail, running, pending, state", [
    ("", 3, 0, "COMPLETED"), ("crash", 0, 0, "FAILED"), ("health", 0, 0, "FAILED"), ("timeout", 0, 3, "IN_PROGRESS"),
])
def test_simulate_service_counts_follow_the_outcome(fail, running, pending, state) -> None:
    out = simulator.simulate_service(DIGEST, {"LAUNCHBAY_SANDBOX_FAIL": fail})
    assert (out["desired"], out["running"], out["pending"]) == (3, running, pending)
    current, old = out["deployments"]
    assert (current["running"], current["rollout_state"]) == (running, state)
    assert old == DIGEST["deployments"][1]  # other revisions are left as moto reports them
    assert out["simulated"].startswith("sandbox: tasks are simulated")
    assert (f"LAUNCHBAY_SANDBOX_FAIL={fail}" in out["simulated"]) == bool(fail)


def test_task_lines_per_mode() -> None:
    ok = simulator.task_lines("ok", "web", "nginx:1", 8080, "/healthz", {})
    assert ok[0].startswith("[sandbox] web started from nginx:1")
    assert ok[1:] == ["[sandbox] listening on port 8080"] + ["[sandbox] GET /healthz -> 200 (ELB-HealthChecker/2.0)"] * 3
    crash = simulator.task_lines("crash", "web", "nginx:1", 8080, "/healthz", {"LAUNCHBAY_SANDBOX_FAIL": "1"})
    assert len(crash) == 2 and crash[1] == "[sandbox] web exited with code 1 (sandbox: LAUNCHBAY_SANDBOX_FAIL=1)"
    sick = simulator.task_lines("health", "web", "nginx:1", 8080, "/healthz", {"LAUNCHBAY_SANDBOX_FAIL": "health"})
    assert sick.count("[sandbox] GET /healthz -> 502 (ELB-HealthChecker/2.0)") == 3
    assert "listening on port 8080" in sick[1] and "stopped by ECS" in sick[-1]
    worker = simulator.task_lines("ok", "jobs", "busybox", None, None, {})
    assert len(worker) == 1  # no port: nothing listens and nothing is checked


def test_run_lines() -> None:
    assert simulator.run_lines("job", "busybox", {})[-1] == "[sandbox] job exited with code 0"
    assert simulator.run_lines("job", "busybox", {"LAUNCHBAY_SANDBOX_FAIL": "crash"})[-1] == \
        "[sandbox] job exited with code 1 (sandbox: LAUNCHBAY_SANDBOX_FAIL=crash)"
