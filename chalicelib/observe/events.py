"""ECS's account of a service in words: stopped tasks and service events, de-duplicated, each
with what happened and the likely fix ("the container was killed for using more than 512 MiB:
raise memory or fix the leak"). Stopped tasks are classified by cloud/observer.classify_task,
as the deploy engine's rollout reasons are."""
from __future__ import annotations

import re
from typing import Any, Optional

from chalicelib.catalog.service import get_service
from chalicelib.cloud.assumed import AccessBroken
from chalicelib.cloud.observer import classify_task
from chalicelib.core.context import Actor, Ports
from chalicelib.core.ids import iso_from_epoch
from chalicelib.observe.metrics import locate

# exit code -> (what it means, what to do); 143 is how a task replaced by a deploy ends
EXIT_CODES = {
    1: ("the app exited with an error (code 1)", "read the service's logs just before this time for the error"),
    2: ("the app exited on a usage or shell error (code 2)", "check the command and its arguments"),
    126: ("the command could not be executed (code 126)", "make the entrypoint executable in the image"),
    127: ("the command was not found in the image (code 127)", "check the command and the image's entrypoint"),
    137: ("the container was killed (SIGKILL, code 137), usually for memory or for not stopping within 30 s of "
          "SIGTERM", "check memory use, and make the app exit promptly on SIGTERM"),
    139: ("the app crashed with a segmentation fault (code 139)", "a native library or the runtime crashed: "
          "check that the image was built for the service's architecture, and its native dependencies"),
    143: ("the container stopped on SIGTERM (code 143), as ECS stops tasks it replaces or scales in",
          "nothing, unless this was not a deploy or a scale-in"),
}
_IDS = re.compile(r"\b[0-9a-f]{16,}\b|\(task [^)]*\)|\(deployment [^)]*\)|arn:[^\s)]+|\d+")


def _memory(task: dict[str, Any], service: dict[str, Any]) -> str:
    return str(task.get("memory") or service.get("memory") or "its memory limit")


def explain_task(task: dict[str, Any], service: dict[str, Any]) -> dict[str, Any]:
    """One stopped task -> {kind, severity, title, explanation, fix}."""
    kind, words = classify_task(task)
    reason = task.get("stoppedReason") or ""
    detail = " ".join(filter(None, [reason, *(c.get("reason") or "" for c in task.get("containers", []))]))
    codes = [c.get("exitCode") for c in task.get("containers", []) if c.get("exitCode") not in (None, 0)]
    if "outofmemory" in detail.replace(" ", "").lower():
        mib = _memory(task, service)
        return {"kind": "oom", "severity": "error", "title": words,
                "explanation": f"the container was killed for using more than {mib} MiB",
                "fix": "raise memory or fix the leak"}
    if kind == "health":
        path = task.get("health_path") or (service.get("health_check") or {}).get("path") or "/"
        return {"kind": "health", "severity": "error", "title": reason,
                "explanation": f"the load balancer's health check on {path} failed, so ECS replaced the task",
                "fix": f"make the app answer 200-399 on {path} within the timeout on port "
                       f"{service.get('port') or 'its port'}, or change the health check path"}
    if kind == "start":
        if "CannotPullContainerError" in detail:
            return {"kind": "image", "severity": "error", "title": words,
                    "explanation": f"the image {service.get('image') or ''} could not be pulled".replace("  ", " "),
                    "fix": "check that the image name and tag exist and the registry is reachable; a private "
                           "registry needs credentials"}
        if "ResourceInitializationError" in detail:
            return {"kind": "start", "severity": "error", "title": words,
                    "explanation": "the task could not fetch its secrets, image or log configuration",
                    "fix": "check that the secrets exist and the execution role may read them, and that the "
                           "subnets reach AWS (a public IP or a NAT gateway)"}
        return {"kind": "start", "severity": "error", "title": words, "explanation": "the task failed to start",
                "fix": "read the reason: it names the missing resource or setting"}
    if kind == "spot":
        return {"kind": "spot", "severity": "info", "title": words,
                "explanation": "Fargate Spot tasks can be stopped with two minutes' notice; ECS starts a replacement "
                               "(on Spot again when there is capacity)",
                "fix": "nothing; if it happens too often, raise spot.on_demand_base or lower spot.percent"}
    if "exec format error" in detail.lower():
        arch = service.get("architecture") or "x86_64"
        return {"kind": "architecture", "severity": "error", "title": words,
                "explanation": f"the image was not built for {arch}, which this service runs on",
                "fix": f"push an image with a linux/{'arm64' if arch == 'arm64' else 'amd64'} variant "
                       "(docker buildx build --platform ...), or change the service's architecture"}
    if kind == "crash" and codes:
        meaning, fix = EXIT_CODES.get(int(codes[0]), (f"the app exited with code {codes[0]}",
                                                      "read the service's logs just before this time"))
        return {"kind": "stopped" if codes[0] == 143 else "crash", "severity": "info" if codes[0] == 143 else "error",
                "title": words, "explanation": meaning, "fix": fix}
    return {"kind": "stopped", "severity": "info", "title": words,
            "explanation": "ECS stopped the task (a deploy, a scale-in or a manual stop)", "fix": None}


_EVENT_RULES: list[tuple[re.Pattern[str], str, str, str, Optional[str]]] = [
    (re.compile(r"unable to place a task|capacity is unavailable|insufficient|no container instance", re.I),
     "capacity", "warning", "AWS could not find capacity for a new task",
     "wait and deploy again, or let the service use more subnets (availability zones)"),
    (re.compile(r"failed (elb|target group) health checks|is unhealthy in target-group", re.I), "health", "error",
     "a task failed the load balancer's health check", "make the app answer 200-399 on the health check path"),
    (re.compile(r"circuit breaker|rolling back", re.I), "rollback", "error",
     "ECS stopped the rollout and went back to the previous release", "see why the new tasks stopped, below"),
    (re.compile(r"reached a steady state", re.I), "steady", "info", "every task is running and healthy", None),
    (re.compile(r"deployment completed", re.I), "deployed", "info", "the rollout finished", None),
    (re.compile(r"has started \d+ tasks?", re.I), "started", "info", "ECS started new tasks", None),
    (re.compile(r"has stopped \d+ running tasks?", re.I), "stopped", "info", "ECS stopped tasks", None),
    (re.compile(r"(de)?registered \d+ targets?", re.I), "targets", "info", "the load balancer's targets changed", None),
]


def explain_event(message: str) -> dict[str, Any]:
    for pattern, kind, severity, explanation, fix in _EVENT_RULES:
        if pattern.search(message):
            return {"kind": kind, "severity": severity, "title": message, "explanation": explanation, "fix": fix}
    return {"kind": "event", "severity": "info", "title": message, "explanation": message, "fix": None}


def timeline(raw: dict[str, Any], service: dict[str, Any], limit: int = 50) -> list[dict[str, Any]]:
    """Newest first; entries that say the same (ids and numbers aside) are one, with a count."""
    entries: dict[tuple[str, str], dict[str, Any]] = {}
    items = [("stopped task", t.get("stopped_ms"), explain_task(t, service), t.get("task_arn"))
             for t in raw.get("stopped", [])]
    items += [("service event", e.get("at_ms"), explain_event(e.get("message", "")), None) for e in raw.get("events", [])]
    for source, at_ms, words, task in items:
        key = (words["kind"], _IDS.sub("#", words["title"] or ""))
        at = at_ms or 0
        entry = entries.get(key)
        if entry is None:
            entries[key] = entry = {**words, "source": source, "count": 0, "first_ms": at, "last_ms": at, "tasks": []}
        entry["count"] += 1
        entry["first_ms"], entry["last_ms"] = min(entry["first_ms"], at), max(entry["last_ms"], at)
        if task and len(entry["tasks"]) < 5:
            entry["tasks"].append(task.rsplit("/", 1)[-1])
    out = sorted(entries.values(), key=lambda e: -e["last_ms"])[:limit]
    for e in out:
        first, last = e.pop("first_ms"), e.pop("last_ms")
        e.update(first=iso_from_epoch(first / 1000), at=iso_from_epoch(last / 1000))
    return out


def read(ports: Ports, service: dict[str, Any], now: Optional[float] = None) -> Optional[dict[str, Any]]:
    """ECS's raw answer for the service (None: no ECS service, or a cron job). `now`: the
    sandbox's simulated tasks at that time (alert evaluation passes its clock)."""
    if service["kind"] == "cron":
        return None
    where = locate(ports, service)
    cloud = where["cloud"]
    if cloud.sandbox and now is not None:
        return cloud.service_events(where["service"], now=now)
    return cloud.service_events(where["service"])


def service_events(ports: Ports, actor: Actor, org_id: str, service_id: str, limit: int) -> dict[str, Any]:
    service = get_service(ports, actor, org_id, service_id)
    try:
        raw = read(ports, service)
    except AccessBroken as exc:
        return {"items": [], "detail": str(exc), "sandbox": ports.settings.sandbox}
    detail = None if raw is not None else "no ECS service runs for this service"
    return {"items": timeline(raw or {}, service, limit), "detail": detail, "sandbox": ports.settings.sandbox}
