"""Things AWS does on its own later: cron jobs (EventBridge) and autoscaling."""
from __future__ import annotations

import re
from typing import Any, Optional

from chalicelib.cloud import capacity as capacities
from chalicelib.cloud import naming
from chalicelib.cloud.base import aws_tags, ignoring
from chalicelib.cloud.foundation import FoundationMixin
from chalicelib.cloud.port import Network

SCHEDULE_TARGET_ID = "launchbay-run-task"
_SCHEDULE = re.compile(r"^(cron|rate)\(.+\)$")
SCALE_OUT_COOLDOWN = 60
SCALE_IN_COOLDOWN = 300  # scale in slowly: a dip in traffic should not drop capacity at once
DIMENSION = "ecs:service:DesiredCount"


def drop_scheduled_actions(aas: Any, resource: str, service_name: str, keep: frozenset[str] = frozenset()) -> None:
    """Our scheduled actions on a service's scalable target, but those in `keep`, deleted (a
    schedule changed, or a suspension that must not be undone by a scheduled scale-up)."""
    for a in aas.describe_scheduled_actions(ServiceNamespace="ecs", ResourceId=resource,
                                            ScalableDimension=DIMENSION).get("ScheduledActions", []):
        name = a["ScheduledActionName"]
        if a.get("ResourceId") == resource and name.startswith(f"launchbay-{service_name}-at-") and name not in keep:
            with ignoring("ObjectNotFoundException"):
                aas.delete_scheduled_action(ServiceNamespace="ecs", ScheduledActionName=name, ResourceId=resource,
                                            ScalableDimension=DIMENSION)


class AutomationMixin(FoundationMixin):
    # --- schedules -----------------------------------------------------------------
    def ensure_schedule(self, rule_name: str, schedule_expression: str, task_definition_arn: str,
                        network: Network, capacity: Optional[list[dict[str, Any]]] = None) -> str:
        """An EventBridge rule that RunTasks the task definition on the cluster.

        PutRule and PutTargets (same target Id) are upserts, so calling again
        updates the schedule or the task definition in place. capacity: a capacity provider
        strategy (Fargate Spot); None or regular Fargate: the FARGATE launch type.
        """
        if not _SCHEDULE.match(schedule_expression.strip()):
            raise ValueError("schedule must be cron(...) or rate(...), e.g. cron(0 3 * * ? *) or rate(5 minutes)")
        events = self.client("events")
        arn = events.put_rule(Name=rule_name, ScheduleExpression=schedule_expression.strip(), State="ENABLED",
                              Description="Launchbay cron job", Tags=aws_tags())["RuleArn"]
        events.put_targets(Rule=rule_name, Targets=[{
            "Id": SCHEDULE_TARGET_ID,
            "Arn": self.cluster_arn(),
            "RoleArn": self.events_role_arn(),
            "EcsParameters": {
                "TaskDefinitionArn": task_definition_arn,
                "TaskCount": 1,
                **({"CapacityProviderStrategy": capacity} if capacities.key(capacity) != capacities.key(None)
                   else {"LaunchType": "FARGATE"}),
                "PlatformVersion": "LATEST",
                "NetworkConfiguration": {"awsvpcConfiguration": self._awsvpc(network, capitalized=True)},
                "PropagateTags": "TASK_DEFINITION",
            },
        }])
        return arn

    def delete_schedule(self, rule_name: str) -> None:
        events = self.client("events")
        with ignoring("ResourceNotFoundException"):
            ids = [t["Id"] for t in events.list_targets_by_rule(Rule=rule_name).get("Targets", [])]
            if ids:
                events.remove_targets(Rule=rule_name, Ids=ids, Force=True)
            events.delete_rule(Name=rule_name, Force=True)

    def disable_schedule(self, rule_name: str) -> bool:
        """Suspend a cron service: the rule stays (with its target) but fires no more; its next
        ensure_schedule (a resume) puts it back ENABLED. -> whether the rule exists."""
        with ignoring("ResourceNotFoundException"):
            self.client("events").disable_rule(Name=rule_name)
            return True
        return False

    # --- autoscaling ---------------------------------------------------------------
    def ensure_autoscaling(self, service_name: str, min_count: int, max_count: int, cpu_target: float = 60.0,
                           requests_per_target: Optional[int] = None,
                           target_group_arn: Optional[str] = None,
                           load_balancer_arn: Optional[str] = None,
                           queue: Optional[dict[str, Any]] = None) -> None:
        """Scalable target plus target-tracking on CPU, (behind an ALB) requests per task and (with
        `queue`: {queue_name, messages_per_task}) a linked queue's backlog per task.

        Register/PutScalingPolicy are upserts keyed by resource and policy name; a requests or
        queue policy left from an earlier call is removed when no longer wanted.
        """
        if min_count < 0 or max_count < min_count:
            raise ValueError(f"autoscaling needs 0 <= min <= max, got {min_count}..{max_count}")
        aas = self.client("application-autoscaling")
        resource = naming.scaling_resource_id(self.cluster, service_name)
        aas.register_scalable_target(ServiceNamespace="ecs", ResourceId=resource, ScalableDimension=DIMENSION,
                                     MinCapacity=int(min_count), MaxCapacity=int(max_count))
        self._put_policy(resource, f"launchbay-{service_name}-cpu", float(cpu_target),
                         {"PredefinedMetricType": "ECSServiceAverageCPUUtilization"})
        requests_policy = f"launchbay-{service_name}-requests"
        if requests_per_target and target_group_arn and load_balancer_arn:
            label = naming.request_count_resource_label(load_balancer_arn, target_group_arn)
            self._put_policy(resource, requests_policy, float(requests_per_target),
                             {"PredefinedMetricType": "ALBRequestCountPerTarget", "ResourceLabel": label})
        else:
            self._drop_policy(resource, requests_policy)
        queue_policy = f"launchbay-{service_name}-queue"
        if queue:
            self._put_policy(resource, queue_policy, float(queue["messages_per_task"]),
                             self._backlog_per_task(service_name, queue["queue_name"]), custom=True)
        else:
            self._drop_policy(resource, queue_policy)

    def _backlog_per_task(self, service_name: str, queue_name: str) -> dict[str, Any]:
        """Visible messages over running tasks (Container Insights, on in every cluster Launchbay
        makes): AWS's recipe for scaling consumers on an SQS backlog."""
        return {"Metrics": [
            {"Id": "visible", "ReturnData": False, "MetricStat": {"Stat": "Sum", "Metric": {
                "Namespace": "AWS/SQS", "MetricName": "ApproximateNumberOfMessagesVisible",
                "Dimensions": [{"Name": "QueueName", "Value": queue_name}]}}},
            {"Id": "tasks", "ReturnData": False, "MetricStat": {"Stat": "Average", "Metric": {
                "Namespace": "ECS/ContainerInsights", "MetricName": "RunningTaskCount",
                "Dimensions": [{"Name": "ClusterName", "Value": self.cluster},
                               {"Name": "ServiceName", "Value": service_name}]}}},
            {"Id": "backlog", "Label": "waiting messages per task", "ReturnData": True,
             "Expression": "visible / tasks"}]}

    def _drop_policy(self, resource: str, name: str) -> None:
        aas = self.client("application-autoscaling")
        if any(p.get("PolicyName") == name for p in aas.describe_scaling_policies(
                ServiceNamespace="ecs", ResourceId=resource, ScalableDimension=DIMENSION,
                PolicyNames=[name]).get("ScalingPolicies", [])):
            # check the name ourselves: moto ignores the PolicyNames filter
            with ignoring("ObjectNotFoundException"):
                aas.delete_scaling_policy(PolicyName=name, ServiceNamespace="ecs",
                                          ResourceId=resource, ScalableDimension=DIMENSION)

    def ensure_scheduled_scaling(self, service_name: str, actions: list[dict[str, Any]]) -> list[str]:
        """Exactly these scheduled actions on the service's scalable target ({name, schedule,
        timezone, min, max}, deploys/scaling.py): each put (an upsert by name), ours not among them
        deleted. -> their names."""
        aas = self.client("application-autoscaling")
        resource = naming.scaling_resource_id(self.cluster, service_name)
        for a in actions:
            aas.put_scheduled_action(ServiceNamespace="ecs", ScheduledActionName=a["name"], ResourceId=resource,
                                     ScalableDimension=DIMENSION, Schedule=a["schedule"], Timezone=a["timezone"],
                                     ScalableTargetAction={"MinCapacity": a["min"], "MaxCapacity": a["max"]})
        wanted = frozenset(a["name"] for a in actions)
        drop_scheduled_actions(aas, resource, service_name, keep=wanted)
        return sorted(wanted)

    def scheduled_scaling(self, service_name: str) -> list[dict[str, Any]]:
        """Our scheduled actions on the service's target, in ensure_scheduled_scaling's shape, by name."""
        aas = self.client("application-autoscaling")
        resource = naming.scaling_resource_id(self.cluster, service_name)
        found = aas.describe_scheduled_actions(ServiceNamespace="ecs", ResourceId=resource,
                                               ScalableDimension=DIMENSION).get("ScheduledActions", [])
        prefix = f"launchbay-{service_name}-at-"
        return sorted(({"name": a["ScheduledActionName"], "schedule": a.get("Schedule"),
                        "timezone": a.get("Timezone") or "UTC",
                        "min": (a.get("ScalableTargetAction") or {}).get("MinCapacity"),
                        "max": (a.get("ScalableTargetAction") or {}).get("MaxCapacity")}
                       for a in found if a.get("ResourceId") == resource
                       and a["ScheduledActionName"].startswith(prefix)), key=lambda a: a["name"])

    def _put_policy(self, resource: str, name: str, target: float, metric: dict[str, Any],
                    custom: bool = False) -> None:
        self.client("application-autoscaling").put_scaling_policy(
            PolicyName=name, ServiceNamespace="ecs", ResourceId=resource, ScalableDimension=DIMENSION,
            PolicyType="TargetTrackingScaling",
            TargetTrackingScalingPolicyConfiguration={
                "TargetValue": target,
                "CustomizedMetricSpecification" if custom else "PredefinedMetricSpecification": metric,
                "ScaleOutCooldown": SCALE_OUT_COOLDOWN,
                "ScaleInCooldown": SCALE_IN_COOLDOWN,
            },
        )
