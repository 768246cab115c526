"""What the sandbox reports instead of a real rollout (moto runs no containers).

Driven by the service's own environment, so a demo or an e2e test picks the
outcome per service:
  LAUNCHBAY_SANDBOX_FAIL   unset/"" -> completes after the delay
                           "1"/"crash" -> fails: container exited with code 1
                           "health"    -> fails: health check on <path> returned 502
                           "timeout"   -> stays in_progress forever (the caller's deadline ends it)
                           "build"     -> a build from source fails (after its real checks pass)
                           "release"   -> the release command exits 1 (everything else works)
                           "errors"    -> the rollout passes its health check, then 20-40 % of
                                          requests answer 5xx (a release that fails its users:
                                          the 5xx alert, and auto_rollback, take it from there)
                           "slow"      -> the rollout passes, then answers 12 times slower (p95
                                          about 1-1.5 s: a canary's max_p95_ms fails it)
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
RELEASE = "release"
BREAKER = "the deployment circuit breaker stopped the rollout"  # moto never restores an older revision
HEALTH_CHECKS = 3  # consecutive checks before a target turns (un)healthy, as the engine's target groups


def mode(env: Optional[dict[str, str]]) -> str:
    """'ok' | 'crash' | 'health' | 'timeout' from the service environment."""
    value = str((env or {}).get(FAIL_VAR, "") or "").strip().lower()
    if not value or value in ("0", "false", "no"):
        return "ok"
    if value in ("health", "timeout"):
        return value
    if value in (RELEASE, ERRORS, SLOW):   # only the release command fails / only the metrics say so
        return "ok"
    return "crash"  # "1", "crash" or anything unexpected: fail loudly rather than pass


ERRORS = "errors"
SLOW = "slow"


def metrics_mode(env: Optional[dict[str, str]]) -> str:
    """What the tasks' metrics look like: mode(), or 'errors' / 'slow' for a release that went live
    and answers 5xx / slowly (its rollout, task lines and exit codes are those of 'ok')."""
    return _value(env) if _value(env) in (ERRORS, SLOW) else mode(env)


def delay(env: Optional[dict[str, str]], default: float) -> float:
    raw = (env or {}).get(DELAY_VAR)
    try:
        return max(0.0, float(raw)) if raw not in (None, "") else default
    except ValueError:
        return default


def exit_code(env: Optional[dict[str, str]], release: bool = False) -> int:
    """Exit code of a simulated one-off task (a cron job, a one-off command; the release
    command with release=True, which LAUNCHBAY_SANDBOX_FAIL=release makes exit 1). A release
    command sits behind no load balancer: `health` fails the rollout after it, not the command."""
    if release:
        return 1 if _value(env) == RELEASE or mode(env) == "crash" else 0
    return 0 if mode(env) in ("ok", "timeout") else 1


def _value(env: Optional[dict[str, str]]) -> str:
    return str((env or {}).get(FAIL_VAR, "") or "").strip().lower()


def build_fails(env: Optional[dict[str, str]]) -> bool:
    """A build from source fails; at run time "build" acts as any unknown value does (a crash)."""
    return str((env or {}).get(FAIL_VAR, "") or "").strip().lower() == "build"


def note(env: Optional[dict[str, str]]) -> str:
    return _note(env)


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


def run_lines(container: str, image: str, env: Optional[dict[str, str]],
              command: Optional[list[str]] = None, release: bool = False) -> list[str]:
    """What one simulated run of a cron job (or a one-off or release command) writes: its
    start, the command it runs when overridden, and its exit."""
    code = exit_code(env, release)
    why = "" if code == 0 else f" {_note(env)}"
    ran = [f"[sandbox] $ {' '.join(command)}"] if command else []
    return [f"[sandbox] {container} started from {image} (simulated run: no container runs)", *ran,
            f"[sandbox] {container} exited with code {code}{why}"]


# --- what CloudWatch and ECS would say about a running service --------------------------

STOP_EVERY = {"crash": 120, "health": 180}   # seconds between simulated task replacements
STOPPED_KEPT = 3600                         # ECS keeps stopped tasks for about an hour


def _hash(key: str, at: int) -> str:
    import hashlib

    return hashlib.sha256(f"{key}:{at}".encode()).hexdigest()


def _jitter(key: str, minute: int) -> float:
    """A stable value in [0, 1) per (service, minute): republishing a minute gives the same value."""
    return int(_hash(key, minute)[:8], 16) / 0xFFFFFFFF


def metric_values(m: str, key: str, minute: int, desired: int, web: bool) -> dict[str, float]:
    """One minute of a simulated service's metrics, by name (percentiles in seconds, as the
    load balancer reports TargetResponseTime). A crashing service's tasks come and go, one
    failing its health check answers mostly 5xx, one that never starts reports no usage."""
    j = _jitter(key, minute)
    out: dict[str, float] = {"desired": float(desired)}
    if m == "timeout":
        return {**out, "running": 0.0}
    up = m != "crash" or (minute // 60) % 2 == 0
    out["running"] = float(desired if up else 0)
    if up:
        out["cpu"] = {"crash": 3 + 4 * j, "health": 25 + 10 * j}.get(m, 18 + 12 * j)
        # a crashing task runs high, yet under the memory alert (90 %): its alert is restarts alone
        out["memory"] = {"crash": 60 + 25 * j}.get(m, 35 + 6 * j)
    if web:
        requests = {"crash": 40 + 20 * j, "health": 100 + 50 * j}.get(m, 120 + 80 * j) if up else 0.0
        slow = 12.0 if m in ("health", SLOW) else 1.0
        share = {"health": 0.6 + 0.2 * j, ERRORS: 0.2 + 0.2 * j}.get(m, 0.0)
        out.update(requests=round(requests), http_4xx=round(requests * 0.02 * j), http_5xx=round(requests * share))
        if requests:
            out.update(p50=(0.020 + 0.010 * j) * slow, p95=(0.080 + 0.040 * j) * slow, p99=(0.150 + 0.100 * j) * slow)
    return out


def stopped_tasks(m: str, key: str, since_s: float, now: float, container: str, health_path: Optional[str],
                  target_group: Optional[str], env: Optional[dict[str, str]]) -> list[dict[str, Any]]:
    """The tasks ECS would have stopped since `since_s` (at most the last hour), newest first, in
    the shape cloud/metrics.summarize_stopped gives: a crash every 2 minutes, a failed health
    check every 3, the first as the revision starts."""
    every = STOP_EVERY.get(m)
    if every is None:
        return []
    out = []
    for t in range(int(since_s), int(now) + 1, every):   # the first stop ends the rollout
        if t < now - STOPPED_KEPT:
            continue
        task_id = _hash(key, t)[:32]
        if m == "crash":
            out.append({"task_arn": f"sandbox:task/{task_id}", "stopped_ms": t * 1000, "stopCode": "EssentialContainerExited",
                        "stoppedReason": "Essential container in task exited",
                        "containers": [{"name": container, "exitCode": 1, "reason": None}]})
        else:
            out.append({"task_arn": f"sandbox:task/{task_id}", "stopped_ms": t * 1000, "stopCode": "ServiceSchedulerInitiated",
                        "stoppedReason": f"Task failed ELB health checks in (target-group {target_group or 'unknown'})",
                        "containers": [{"name": container, "exitCode": 137, "reason": None}],
                        "health_path": health_path or "/"})
    return out[::-1][:100]


def service_event_messages(m: str, service_name: str, env: Optional[dict[str, str]]) -> list[str]:
    """What describe_services' events would say about the simulated tasks (newest first)."""
    if m == "timeout":
        return [f"(service {service_name}) was unable to place a task. Reason: Capacity is unavailable at this "
                f"time. Please try again later or in a different availability zone. {_note(env)}"]
    if m == "ok":
        return [f"(service {service_name}) has reached a steady state."]
    return [f"(service {service_name}) has started 1 tasks: (task sandbox)."]
