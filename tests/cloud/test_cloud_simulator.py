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
