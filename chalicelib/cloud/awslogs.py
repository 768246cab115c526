"""What ECS's awslogs driver does for a task, done by hand for the sandbox's simulated tasks.

A task's container writes to the stream `<awslogs-stream-prefix>/<container>/<task id>` of
the task definition's `awslogs-group`. Creating the stream is the idempotency key: a stream
that already exists was written by an earlier observation (or another worker), so it is
left alone and nothing is written twice.
"""
from __future__ import annotations

from typing import Any, Optional, TypedDict

from chalicelib.cloud.errors import error_code


class LogTarget(TypedDict):
    group: str
    prefix: str
    container: str
    image: str
    port: Optional[int]


def target(task_definition: dict[str, Any]) -> Optional[LogTarget]:
    """Where the task definition's (first) container logs; None without the awslogs driver."""
    containers = task_definition.get("containerDefinitions") or [{}]
    c = containers[0]
    cfg = c.get("logConfiguration") or {}
    opts = cfg.get("options") or {}
    if cfg.get("logDriver") != "awslogs" or not opts.get("awslogs-group"):
        return None
    ports = [p.get("containerPort") for p in c.get("portMappings") or [] if p.get("containerPort")]
    return {"group": opts["awslogs-group"], "prefix": opts.get("awslogs-stream-prefix") or c.get("name", ""),
            "container": c.get("name", ""), "image": c.get("image", ""), "port": ports[0] if ports else None}


def stream_name(t: LogTarget, task_id: str) -> str:
    return f"{t['prefix']}/{t['container']}/{task_id}"


def spread(lines: list[str], start_ms: int, end_ms: int) -> list[dict[str, Any]]:
    """Log events from start to end, evenly apart and in order (at least 1 ms apart)."""
    if not lines:
        return []
    step = max(1, (end_ms - start_ms) // max(1, len(lines) - 1))
    return [{"timestamp": start_ms + i * step, "message": line} for i, line in enumerate(lines)]


def write_stream(logs: Any, group: str, stream: str, events: list[dict[str, Any]]) -> bool:
    """Create the stream and put the events; False (nothing written) when the stream already
    exists or the log group does not (a task without its group would not have started logging)."""
    try:
        logs.create_log_stream(logGroupName=group, logStreamName=stream)
    except Exception as exc:
        if error_code(exc) in ("ResourceAlreadyExistsException", "ResourceNotFoundException"):
            return False
        raise
    if events:
        logs.put_log_events(logGroupName=group, logStreamName=stream, logEvents=events)
    return True
