"""Turn ECS/ELB answers into a RolloutStatus with a reason a person can act on.

Reasons say what happened and nothing more: "rolled back" only when ECS really put an
earlier deployment back, and never the task counts (the engine prints those itself).

observe() makes the calls; the other functions are pure, so they can be tested
on recorded responses. Call order (tests stub it): describe_services, then only
when tasks failed: list_tasks(STOPPED), describe_tasks, and for health-check
failures describe_target_groups + describe_target_health.
"""
from __future__ import annotations

import re
from collections import Counter
from typing import Any, Optional

from chalicelib.cloud.port import RolloutStatus

TASKDEF_MARKER = "taskdef:"
BREAKER = "the deployment circuit breaker stopped the rollout"
_START_FAILURES = ("CannotPullContainerError", "ResourceInitializationError", "CannotStartContainerError",
                   "CannotCreateContainerError", "TaskFailedToStart", "InternalError")
_CODES = re.compile(r"\[([0-9, ]+)\]")


def find_deployment(svc: dict[str, Any], deployment_id: str) -> Optional[dict[str, Any]]:
    deployments = svc.get("deployments", [])
    if not deployment_id:  # caller lost the id: judge the service's current (PRIMARY) rollout
        return next((d for d in deployments if d.get("status") == "PRIMARY"), None)
    if deployment_id.startswith(TASKDEF_MARKER):
        td = deployment_id[len(TASKDEF_MARKER):]
        mine = [d for d in deployments if d.get("taskDefinition") == td]
        mine.sort(key=lambda d: d.get("status") != "PRIMARY")  # PRIMARY first
        return mine[0] if mine else None
    return next((d for d in deployments if d.get("id") == deployment_id), None)


def _counts(dep: dict[str, Any]) -> RolloutStatus:
    return {"desired": dep.get("desiredCount", 0), "running": dep.get("runningCount", 0),
            "failed_tasks": dep.get("failedTasks", 0)}


def _short(td: Optional[str]) -> str:
    """'arn:...:task-definition/web:6' -> 'web:6'."""
    return (td or "an earlier task definition").rsplit("/", 1)[-1]


def _restored(svc: dict[str, Any], dep: Optional[dict[str, Any]]) -> Optional[dict[str, Any]]:
    """The deployment the circuit breaker put back in place of ours, if it did.

    A rollback makes the earlier revision the PRIMARY deployment and says "rolling back to
    deployment <its id>". A first deployment has nothing to go back to: it stays PRIMARY."""
    if dep is not None and dep.get("status") == "PRIMARY":
        return None
    primary = next((d for d in svc.get("deployments", []) if d.get("status") == "PRIMARY"), None)
    if primary is None or primary is dep:
        return None
    said = any("rolling back" in e.get("message", "") and primary.get("id", "?") in e.get("message", "")
               for e in svc.get("events", [])[:50])
    return primary if said else None


def _breaker(svc: dict[str, Any], dep: Optional[dict[str, Any]]) -> str:
    restored = _restored(svc, dep)
    return f"{BREAKER} and rolled back to {_short(restored.get('taskDefinition'))}" if restored else BREAKER


def _ecs_words(dep: dict[str, Any]) -> str:
    """ECS's rolloutStateReason without its own 'ECS deployment circuit breaker:' prefix."""
    reason = (dep.get("rolloutStateReason") or "").strip().rstrip(".")
    reason = re.sub(r"^ECS deployment circuit breaker:\s*", "", reason)
    n = dep.get("failedTasks", 0)
    if n and reason.startswith("tasks "):
        reason = f"{n} task{'s' if n != 1 else ''} {reason[len('tasks '):]}"
    return reason or "tasks failed"


def status_without_diagnosis(svc: dict[str, Any], dep: dict[str, Any]) -> RolloutStatus:
    """State from the deployment alone (rolloutState when the circuit breaker is on)."""
    status = _counts(dep)
    rollout = dep.get("rolloutState")
    running, desired = status["running"], status["desired"]
    if rollout == "COMPLETED" or (rollout is None and dep.get("status") == "PRIMARY"
                                  and running >= desired and len(svc.get("deployments", [])) == 1):
        status.update({"state": "completed", "reason": f"{running} of {desired} tasks running", "healthy": running})
    elif rollout == "FAILED":
        status.update({"state": "failed", "reason": f"{_breaker(svc, dep)}: {_ecs_words(dep)}"})
    elif dep.get("status") != "PRIMARY":  # still rolling, but a newer deployment took over
        primary: dict[str, Any] = next((d for d in svc.get("deployments", []) if d.get("status") == "PRIMARY"), {})
        status.update({"state": "failed", "reason": f"superseded by a newer deployment ({primary.get('id', 'unknown')})"})
    else:  # the caller prints "N of M tasks running": say what else there is to know
        pending = dep.get("pendingCount", 0)
        status.update({"state": "in_progress", "reason": (f"{pending} pending, " if pending else "") + "no task failed so far"})
    return status


def classify_task(task: dict[str, Any]) -> tuple[str, str]:
    """('health'|'start'|'crash'|'spot'|'other', words) for one stopped task."""
    reason = task.get("stoppedReason", "") or ""
    if task.get("stopCode") == "SpotInterruption":   # AWS took Spot capacity back: ECS places a replacement
        return "spot", f"AWS took back the Fargate Spot capacity of a task: {reason or 'Spot interruption'}"
    if "health check" in reason.lower():
        return "health", reason
    if task.get("stopCode") == "TaskFailedToStart" or reason.startswith(_START_FAILURES):
        return "start", f"task failed to start: {reason}"
    for c in task.get("containers", []):
        code = c.get("exitCode")
        if code not in (None, 0):
            detail = c.get("reason") or reason or "no reason given"
            who = f"container {c['name']}" if c.get("name") else "container"
            return "crash", f"{who} exited with code {code}: {detail}"
    return "other", f"task stopped: {reason or 'no reason given'}"


def health_words(path: str, target_health: list[dict[str, Any]], failed: int, of: int) -> str:
    """'health check on /healthz returned 502 for 3 of 3 tasks' (or timed out / failed)."""
    unhealthy = [t.get("TargetHealth", {}) for t in target_health
                 if t.get("TargetHealth", {}).get("State") == "unhealthy"]
    if not failed:  # no stopped tasks to count: use what the load balancer sees
        failed = len(unhealthy)
        of = len([t for t in target_health if t.get("TargetHealth", {}).get("State") != "draining"]) or failed
    codes: Counter[str] = Counter()
    timeouts = 0
    for th in unhealthy:
        if th.get("Reason") == "Target.Timeout":
            timeouts += 1
        m = _CODES.search(th.get("Description", "") or "")
        if m:
            codes.update(c.strip() for c in m.group(1).split(",") if c.strip())
    tasks = f"{failed} of {of} task" + ("" if of == 1 else "s")
    if codes:
        return f"health check on {path} returned {'/'.join(c for c, _ in codes.most_common())} for {tasks}"
    if timeouts:
        return f"health check on {path} timed out for {tasks}"
    return f"health check on {path} failed for {tasks}"


def diagnose(stopped: list[dict[str, Any]], health_path: Optional[str],
             target_health: list[dict[str, Any]]) -> Optional[str]:
    """The most common failure among this deployment's stopped tasks, in words."""
    if not stopped:
        if any(t.get("TargetHealth", {}).get("State") == "unhealthy" for t in target_health):
            return health_words(health_path or "/", target_health, 0, 0)
        return None
    kinds = [classify_task(t) for t in stopped]
    kind, _ = Counter(k for k, _ in kinds).most_common(1)[0]
    same = [words for k, words in kinds if k == kind]
    if kind == "health":
        return health_words(health_path or "/", target_health, len(same), len(stopped))
    words = Counter(same).most_common(1)[0][0]
    if len(stopped) > 1:
        words += f" ({len(same)} of {len(stopped)} stopped tasks)"
    return words


def observe(ecs: Any, elbv2: Any, cluster: str, service_name: str, deployment_id: str) -> RolloutStatus:
    services = ecs.describe_services(cluster=cluster, services=[service_name]).get("services", [])
    svc = next((s for s in services if s.get("status") == "ACTIVE"), None)
    if svc is None:
        return {"state": "failed", "reason": f"service {service_name} not found", "desired": 0, "running": 0}
    dep = find_deployment(svc, deployment_id)
    if dep is None:
        return _lost(svc, deployment_id)
    status = status_without_diagnosis(svc, dep)
    if status["reason"].startswith("superseded"):
        return status
    if status["state"] == "completed" or not (status.get("failed_tasks") or status["state"] == "failed"):
        return status
    stopped = _stopped_tasks(ecs, cluster, service_name, dep)
    target_group = next((lb.get("targetGroupArn") for lb in svc.get("loadBalancers", [])
                         if lb.get("targetGroupArn")), None)
    path: Optional[str] = None
    health: list[dict[str, Any]] = []
    if target_group and (not stopped or any(classify_task(t)[0] == "health" for t in stopped)):
        path, health = _target_health(elbv2, target_group)
        status["healthy"] = sum(1 for t in health if t.get("TargetHealth", {}).get("State") == "healthy")
    words = diagnose(stopped, path, health)
    if status["state"] == "failed":
        if words:
            status["reason"] = f"{_breaker(svc, dep)}: {words}"
    elif words:
        n = status.get("failed_tasks", 0)
        pending = dep.get("pendingCount", 0)
        status["reason"] = (f"{pending} pending, " if pending else "") + \
            f"{n} task{'s' if n != 1 else ''} failed so far: {words}"
    return status


def _lost(svc: dict[str, Any], deployment_id: str) -> RolloutStatus:
    """Our deployment is gone from the service: rolled back or replaced."""
    primary: dict[str, Any] = next((d for d in svc.get("deployments", []) if d.get("status") == "PRIMARY"), {})
    status: RolloutStatus = {"state": "failed", "desired": svc.get("desiredCount", 0),
                             "running": svc.get("runningCount", 0)}
    key = deployment_id[len(TASKDEF_MARKER):] if deployment_id.startswith(TASKDEF_MARKER) else deployment_id
    for e in svc.get("events", [])[:50]:  # newest first
        msg = e.get("message", "")
        if key and key in msg and "fail" in msg:
            status["reason"] = f"{_breaker(svc, None)}: {msg}"
            return status
    status["reason"] = (f"deployment {deployment_id} is no longer active; the service now runs "
                        f"{primary.get('taskDefinition', 'another task definition')} (rolled back or replaced)")
    return status


def _stopped_tasks(ecs: Any, cluster: str, service_name: str, dep: dict[str, Any]) -> list[dict[str, Any]]:
    arns = ecs.list_tasks(cluster=cluster, serviceName=service_name, desiredStatus="STOPPED",
                          maxResults=100).get("taskArns", [])
    if not arns:
        return []
    tasks = ecs.describe_tasks(cluster=cluster, tasks=arns).get("tasks", [])
    # Service tasks carry their deployment id in startedBy; fall back to the task definition.
    mine = [t for t in tasks if t.get("startedBy") == dep.get("id")] or \
           [t for t in tasks if t.get("taskDefinitionArn") == dep.get("taskDefinition")]
    return mine


def _target_health(elbv2: Any, target_group: str) -> tuple[Optional[str], list[dict[str, Any]]]:
    groups = elbv2.describe_target_groups(TargetGroupArns=[target_group]).get("TargetGroups", [])
    path = groups[0].get("HealthCheckPath") if groups else None
    health = elbv2.describe_target_health(TargetGroupArn=target_group).get("TargetHealthDescriptions", [])
    return path, health
