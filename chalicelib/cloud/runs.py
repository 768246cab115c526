"""Runs of scheduled (cron) tasks, read back from ECS for the run history."""
from __future__ import annotations

import time
from typing import Any, Optional

from chalicelib.cloud.base import CloudBase


def _ms(value: Any) -> Optional[int]:
    return int(value.timestamp() * 1000) if hasattr(value, "timestamp") else None


def summarize_task(task: dict[str, Any]) -> dict[str, Any]:
    container = (task.get("containers") or [{}])[0]
    started_by = task.get("startedBy", "")
    return {"task_arn": task["taskArn"], "status": task.get("lastStatus"),
            "started_ms": _ms(task.get("startedAt") or task.get("createdAt")), "finished_ms": _ms(task.get("stoppedAt")),
            "exit_code": container.get("exitCode"), "reason": task.get("stoppedReason") or container.get("reason"),
            "trigger": "schedule" if started_by.startswith("events-rule") else "manual"}


class RunsMixin(CloudBase):
    def list_task_runs(self, family: str, rule_name: str, started_after_ms: int,
                       env: Optional[dict[str, str]] = None) -> list[dict[str, Any]]:
        """Tasks of the family (running and stopped) started after the given time, oldest first.
        ECS keeps stopped tasks for about an hour: sync at least that often (beat does, every minute)."""
        ecs = self.client("ecs")
        arns: list[str] = []
        for status in ("RUNNING", "STOPPED"):
            for page in ecs.get_paginator("list_tasks").paginate(cluster=self.cluster, family=family,
                                                                 desiredStatus=status):
                arns += page.get("taskArns", [])
        out = []
        for i in range(0, len(arns), 100):
            for task in ecs.describe_tasks(cluster=self.cluster, tasks=arns[i:i + 100]).get("tasks", []):
                run = summarize_task(task)
                if (run["started_ms"] or 0) > started_after_ms:
                    out.append(run)
        return sorted(out, key=lambda r: r["started_ms"] or 0)

    def describe_task_runs(self, task_arns: list[str]) -> list[dict[str, Any]]:
        """The tasks named (summarize_task's shape: finished_ms None while they run), 100 per
        DescribeTasks call; a task ECS no longer knows (stopped over an hour ago) is left out."""
        ecs = self.client("ecs")
        out: list[dict[str, Any]] = []
        now_ms = int(time.time() * 1000)
        for i in range(0, len(task_arns), 100):
            for task in ecs.describe_tasks(cluster=self.cluster, tasks=task_arns[i:i + 100]).get("tasks", []):
                run = summarize_task(task)
                if run["finished_ms"] is None and task.get("lastStatus") == "STOPPED":
                    run["finished_ms"] = now_ms   # stopped without a time (moto): it ended by now
                out.append(run)
        return out
