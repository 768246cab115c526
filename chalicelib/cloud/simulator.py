"""What the sandbox reports instead of a real rollout (moto runs no containers).

Driven by the service's own environment, so a demo or an e2e test picks the
outcome per service:
  LAUNCHBAY_SANDBOX_FAIL   unset/"" -> completes after the delay
                           "1"/"crash" -> fails: container exited with code 1
                           "health"    -> fails: health check on <path> returned 502
                           "timeout"   -> stays in_progress forever (the caller's deadline ends it)
  LAUNCHBAY_SANDBOX_DELAY  seconds before the outcome (default: settings.sandbox_delay_seconds)
Pure functions of (service, env, started_at, now): no state, so any worker can answer.
Reasons never repeat the task counts: the engine prints "N of M tasks running" itself.
"""
from __future__ import annotations

from typing import Any, Optional

from chalicelib.cloud.port import RolloutStatus

FAIL_VAR = "LAUNCHBAY_SANDBOX_FAIL"
DELAY_VAR = "LAUNCHBAY_SANDBOX_DELAY"
CRASH_VALUES = {"1", "crash", "true", "yes"}
BREAKER = "the deployment circuit breaker stopped the rollout"  # moto never restores an older revision
HEALTH_CHECKS = 3  # consecutive checks before a target turns (un)healthy, as the engine's target groups


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


def _note(env: Optional[dict[str, str]]) -> str:
    return f"(sandbox: {FAIL_VAR}={(env or {}).get(FAIL_VAR, '')})"


def _tasks(n: int) -> str:
    return f"{n} of {n} task" + ("" if n == 1 else "s")


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
    if m == "timeout":  # no container ever starts, so no task fails and nothing is logged
        return {"state": "in_progress", "desired": desired, "running": 0, "healthy": 0, "failed_tasks": 0,
                "reason": f"the new tasks never start; this rollout never finishes {_note(env)}"}
    if not outcome_due(env, started_at, now, default_delay):
        return {"state": "in_progress", "desired": desired, "running": 0, "healthy": 0, "failed_tasks": 0,
                "reason": "the new tasks are starting (sandbox)"}
    if m == "crash":
        return {"state": "failed", "desired": desired, "running": 0, "healthy": 0, "failed_tasks": desired,
                "reason": f"{BREAKER}: {_tasks(desired)} failed: container exited with code 1: "
                          f"Essential container in task exited {_note(env)}"}
    if m == "health":
        return {"state": "failed", "desired": desired, "running": 0, "healthy": 0, "failed_tasks": desired,
                "reason": f"{BREAKER}: health check on {health_path or '/'} returned 502 "
                          f"for {_tasks(desired)} {_note(env)}"}
    return {"state": "completed", "desired": desired, "running": desired, "healthy": desired, "failed_tasks": 0,
            "reason": f"{desired} of {desired} tasks running (sandbox)"}


def outcome_due(env: Optional[dict[str, str]], started_at: float, now: float, default_delay: float) -> bool:
    return mode(env) != "timeout" and now - started_at >= delay(env, default_delay)


def simulate_service(digest: dict[str, Any], env: Optional[dict[str, str]]) -> dict[str, Any]:
    """describe_service's digest with the counts the simulated tasks would give (moto reports
    runningCount = desiredCount whatever runs): a crashing or unhealthy revision runs nothing,
    one that never starts stays pending. The outcome after the delay, as health watch sees it."""
    m, desired = mode(env), int(digest.get("desired", 0))
    running = desired if m == "ok" else 0
    pending = desired if m == "timeout" else 0
    state = {"ok": "COMPLETED", "timeout": "IN_PROGRESS"}.get(m, "FAILED")
    deployments = [dict(d, running=running, pending=pending, rollout_state=state,
                        failed_tasks=desired if state == "FAILED" else 0)
                   if d.get("task_definition") == digest.get("task_definition") else d
                   for d in digest.get("deployments", [])]
    simulated = "sandbox: tasks are simulated" + ("" if m == "ok" else f" {_note(env)}")
    return {**digest, "running": running, "pending": pending, "deployments": deployments, "simulated": simulated}


def task_lines(m: str, container: str, image: str, port: Optional[int], health_path: Optional[str],
               env: Optional[dict[str, str]]) -> list[str]:
    """What one simulated service task writes to its log stream, start to outcome."""
    lines = [f"[sandbox] {container} started from {image} (simulated task: no container runs)"]
    if m == "crash":
        return lines + [f"[sandbox] {container} exited with code 1 {_note(env)}"]
    if port:
        lines.append(f"[sandbox] listening on port {port}")
    if m == "health":
        lines += [f"[sandbox] GET {health_path or '/'} -> 502 (ELB-HealthChecker/2.0)"] * HEALTH_CHECKS
        return lines + [f"[sandbox] stopped by ECS after {HEALTH_CHECKS} failed health checks {_note(env)}"]
    if port and health_path:
        lines += [f"[sandbox] GET {health_path} -> 200 (ELB-HealthChecker/2.0)"] * HEALTH_CHECKS
    return lines


def run_lines(container: str, image: str, env: Optional[dict[str, str]]) -> list[str]:
    """What one simulated run of a cron job writes: its start and its exit."""
    code = exit_code(env)
    why = "" if code == 0 else f" {_note(env)}"
    return [f"[sandbox] {container} started from {image} (simulated run: no container runs)",
            f"[sandbox] {container} exited with code {code}{why}"]
