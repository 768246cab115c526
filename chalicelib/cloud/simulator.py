"""What the sandbox reports instead of a real rollout (moto runs no containers).

Driven by the service's own environment, so a demo or an e2e test picks the
outcome per service:
  LAUNCHBAY_SANDBOX_FAIL   unset/"" -> completes after the delay
                           "1"/"crash" -> fails: container exited with code 1
                           "health"    -> fails: health check on <path> returned 502
                           "timeout"   -> stays in_progress forever (the caller's deadline ends it)
  LAUNCHBAY_SANDBOX_DELAY  seconds before the outcome (default: settings.sandbox_delay_seconds)
Pure functions of (service, env, started_at, now): no state, so any worker can answer.
"""
from __future__ import annotations

from typing import Any, Optional

from chalicelib.cloud.port import RolloutStatus

FAIL_VAR = "LAUNCHBAY_SANDBOX_FAIL"
DELAY_VAR = "LAUNCHBAY_SANDBOX_DELAY"
CRASH_VALUES = {"1", "crash", "true", "yes"}


def mode(env: Optional[dict[str, str]]) -> str:
    """'ok' | 'crash' | 'health' | 'timeout' from the service environment."""
    value = str((env or {}).get(FAIL_VAR, "") or "").strip().lower()
    if not value or value in ("0", "false", "no"):
        return "ok"
    if value in ("health", "timeout"):
        return value
    return "crash"  # "1", "crash" or anything unexpected: fail loudly rather than pass


def delay(env: Optional[dict[str, str]], default: float) -> float:
    raw = (env or {}).get(DELAY_VAR)
    try:
        return max(0.0, float(raw)) if raw not in (None, "") else default
    except ValueError:
        return default


def exit_code(env: Optional[dict[str, str]]) -> int:
    """Exit code of a simulated one-off task (cron job)."""
    return 0 if mode(env) in ("ok", "timeout") else 1


def simulate_rollout(service: Optional[dict[str, Any]], env: Optional[dict[str, str]], started_at: float,
                     now: float, default_delay: float, health_path: Optional[str] = None,
                     task_definition_arn: Optional[str] = None) -> RolloutStatus:
    """service is describe_service()'s digest (None when moto has no such service)."""
    if service is None:
        return {"state": "failed", "reason": "service not found", "desired": 0, "running": 0,
                "healthy": 0, "failed_tasks": 0}
    desired = int(service.get("desired", 0))
    if task_definition_arn and service.get("task_definition") != task_definition_arn:
        return {"state": "failed", "desired": desired, "running": desired, "healthy": desired, "failed_tasks": 0,
                "reason": f"superseded: the service now runs {service.get('task_definition')}"}
    m = mode(env)
    raw = str((env or {}).get(FAIL_VAR, ""))
    note = f"(sandbox: {FAIL_VAR}={raw})"
    if m == "timeout":
        return {"state": "in_progress", "desired": desired, "running": 0, "healthy": 0, "failed_tasks": 0,
                "reason": f"0 of {desired} tasks running; this rollout never finishes {note}"}
    if now - started_at < delay(env, default_delay):
        return {"state": "in_progress", "desired": desired, "running": 0, "healthy": 0, "failed_tasks": 0,
                "reason": f"0 of {desired} tasks running (sandbox: starting)"}
    tasks = f"{desired} of {desired} task" + ("" if desired == 1 else "s")
    if m == "crash":
        return {"state": "failed", "desired": desired, "running": 0, "healthy": 0, "failed_tasks": desired,
                "reason": f"deployment circuit breaker rolled back: container exited with code 1: "
                          f"Essential container in task exited {note}"}
    if m == "health":
        return {"state": "failed", "desired": desired, "running": 0, "healthy": 0, "failed_tasks": desired,
                "reason": f"deployment circuit breaker rolled back: health check on {health_path or '/'} "
                          f"returned 502 for {tasks} {note}"}
    return {"state": "completed", "desired": desired, "running": desired, "healthy": desired, "failed_tasks": 0,
            "reason": f"{desired} of {desired} tasks running (sandbox)"}
