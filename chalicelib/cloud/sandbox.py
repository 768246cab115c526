"""SandboxCloud: AwsCloud against the moto server, except where moto cannot follow.

moto 5.2.5 runs no containers: update_service keeps the old deployments (no new
PRIMARY, runningCount 0), and Fargate run_task answers 500. So only two methods
differ: observe_rollout asks simulator.py (after checking the service really
exists in moto), and run_task records a simulated run. Everything else is the
real boto3 code, which is the point of the sandbox.
"""
from __future__ import annotations

import re
import time
import uuid
from typing import Any, Optional

from chalicelib.cloud import naming, simulator, taskdef
from chalicelib.cloud.aws import AwsCloud
from chalicelib.cloud.observer import TASKDEF_MARKER
from chalicelib.cloud.port import Network, RolloutStatus


class SandboxCloud(AwsCloud):
    sandbox = True

    def observe_rollout(self, service_name: str, deployment_id: str, env: dict[str, str],
                        started_at: float, now: Optional[float] = None) -> RolloutStatus:
        service = self.describe_service(service_name)
        td = deployment_id[len(TASKDEF_MARKER):] if deployment_id.startswith(TASKDEF_MARKER) else None
        if service is not None and td is None:
            # A real deployment id (from create_service): find its task definition.
            td = next((d["task_definition"] for d in service["deployments"] if d["id"] == deployment_id), None)
        path = self._health_path(service) if service is not None else None
        return simulator.simulate_rollout(service, env, started_at, time.time() if now is None else now,
                                          self.settings.sandbox_delay_seconds, path, td)

    def _health_path(self, service: dict[str, Any]) -> Optional[str]:
        """The target group's health check path, else the task definition's label."""
        for lb in service.get("load_balancers", []):
            if lb.get("target_group_arn"):
                groups = self.client("elbv2").describe_target_groups(
                    TargetGroupArns=[lb["target_group_arn"]]).get("TargetGroups", [])
                if groups and groups[0].get("HealthCheckPath"):
                    return groups[0]["HealthCheckPath"]
        if service.get("task_definition"):
            td = self.client("ecs").describe_task_definition(taskDefinition=service["task_definition"])
            for c in td["taskDefinition"].get("containerDefinitions", []):
                label = (c.get("dockerLabels") or {}).get(taskdef.HEALTH_LABEL)
                if label:
                    return label
        return None

    def run_task(self, task_definition_arn: str, network: Network, env: Optional[dict[str, str]] = None,
                 client_token: Optional[str] = None) -> dict[str, Any]:
        """A simulated run: checks the task definition exists in moto, then reports the exit
        code the env convention asks for (LAUNCHBAY_SANDBOX_FAIL)."""
        td = self.client("ecs").describe_task_definition(taskDefinition=task_definition_arn)["taskDefinition"]
        run_id = naming.idempotency_token("run", client_token) if client_token else uuid.uuid4().hex
        family = td.get("family", naming.task_definition_family(task_definition_arn))
        return {"task_arn": f"sandbox:task/{self.cluster}/{family}/{run_id}", "started": True,
                "exit_code": simulator.exit_code(env), "simulated": True}

    def list_task_runs(self, family: str, rule_name: str, started_after_ms: int,
                       env: Optional[dict[str, str]] = None, now_ms: Optional[int] = None) -> list[dict[str, Any]]:
        """moto's EventBridge never fires, so the sandbox derives the runs a rate(...) rule would
        have started since the last sync (each instant and finished, exit code per env).
        cron(...) rules are not simulated here: use POST .../runs to run one now."""
        rule = self.client("events").describe_rule(Name=rule_name)
        if rule.get("State") != "ENABLED":
            return []
        m = re.match(r"rate\((\d+) (minute|hour|day)s?\)", rule.get("ScheduleExpression", ""))
        if not m:
            return []
        every = int(m.group(1)) * {"minute": 60_000, "hour": 3_600_000, "day": 86_400_000}[m.group(2)]
        now_ms = int(time.time() * 1000) if now_ms is None else now_ms
        first = (started_after_ms // every + 1) * every
        fires = range(first, now_ms + 1, every)
        code = simulator.exit_code(env)
        return [{"task_arn": f"sandbox:task/{self.cluster}/{family}/scheduled-{t}", "status": "STOPPED",
                 "started_ms": t, "finished_ms": t, "exit_code": code, "reason": "sandbox: simulated scheduled run",
                 "trigger": "schedule"} for t in list(fires)[-50:]]   # a long gap: the latest 50 only
