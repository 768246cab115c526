"""CloudWatch metrics and ECS's own account of what happened to a service (events, stopped tasks).

get_metric_data asks for every series of a chart in one GetMetricData call (up to 500 queries
per call; NextToken pages are followed), so a metrics page costs one call, not one per metric.
service_events reads describe_services' events and the service's stopped tasks (ECS keeps them
about an hour): the words are made in chalicelib/observe/events.py.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Optional, TypedDict

from chalicelib.cloud.base import CloudBase
from chalicelib.cloud.errors import error_code

MAX_QUERIES = 500  # GetMetricData's limit per call
ECS, INSIGHTS, ELB, SQS = "AWS/ECS", "ECS/ContainerInsights", "AWS/ApplicationELB", "AWS/SQS"
# series -> (namespace, metric, statistic, dimensions: "service" = ClusterName + ServiceName,
# "target" = TargetGroup + LoadBalancer, "queue" = QueueName), as AWS publishes them. Task counts come from Container
# Insights (enabled on the cluster); latency is TargetResponseTime in seconds.
SERIES: dict[str, tuple[str, str, str, str]] = {
    "cpu": (ECS, "CPUUtilization", "Average", "service"),
    "memory": (ECS, "MemoryUtilization", "Average", "service"),
    "running": (INSIGHTS, "RunningTaskCount", "Average", "service"),
    "desired": (INSIGHTS, "DesiredTaskCount", "Average", "service"),
    "requests": (ELB, "RequestCount", "Sum", "target"),
    "latency_p50": (ELB, "TargetResponseTime", "p50", "target"),
    "latency_p95": (ELB, "TargetResponseTime", "p95", "target"),
    "latency_p99": (ELB, "TargetResponseTime", "p99", "target"),
    "http_4xx": (ELB, "HTTPCode_Target_4XX_Count", "Sum", "target"),
    "http_5xx": (ELB, "HTTPCode_Target_5XX_Count", "Sum", "target"),
    # the queue a service scales on (or the one it consumes): is it keeping up?
    "queue_waiting": (SQS, "ApproximateNumberOfMessagesVisible", "Maximum", "queue"),
    "queue_oldest_s": (SQS, "ApproximateAgeOfOldestMessage", "Maximum", "queue"),
}


def service_dimensions(cluster: str, service: str) -> dict[str, str]:
    return {"ClusterName": cluster, "ServiceName": service}


def queue_dimensions(queue_name: str) -> dict[str, str]:
    return {"QueueName": queue_name}


def target_dimensions(target_group_arn: str, load_balancer_arn: str) -> dict[str, str]:
    """ELB's dimension values are the ARNs' tails: targetgroup/<name>/<id> and app/<name>/<id>."""
    return {"TargetGroup": target_group_arn.split(":", 5)[-1],
            "LoadBalancer": load_balancer_arn.split(":loadbalancer/", 1)[-1]}


class MetricQuery(TypedDict):
    id: str                    # [a-z][a-zA-Z0-9_]*: the series' name in the answer
    namespace: str             # e.g. AWS/ECS, ECS/ContainerInsights, AWS/ApplicationELB
    metric: str
    dimensions: dict[str, str]
    stat: str                  # Average, Sum, Maximum, p95, ...


def _ms(value: Any) -> Optional[int]:
    return int(value.timestamp() * 1000) if hasattr(value, "timestamp") else None


def summarize_stopped(task: dict[str, Any]) -> dict[str, Any]:
    """A stopped task as observe/events.py reads it (the fields observer.classify_task uses too)."""
    return {"task_arn": task.get("taskArn"), "task_definition": task.get("taskDefinitionArn"),
            "stopped_ms": _ms(task.get("stoppedAt") or task.get("executionStoppedAt") or task.get("createdAt")),
            "stoppedReason": task.get("stoppedReason") or "", "stopCode": task.get("stopCode"),
            "memory": task.get("memory"),
            "containers": [{"name": c.get("name"), "exitCode": c.get("exitCode"), "reason": c.get("reason")}
                           for c in task.get("containers", [])]}


class MetricsMixin(CloudBase):
    def put_metric_data(self, namespace: str, data: list[dict[str, Any]]) -> None:
        """The platform's own metrics (chalicelib/observe/platform_metrics.py); 1,000 per call at most."""
        cw = self.client("cloudwatch")
        for i in range(0, len(data), 1000):
            cw.put_metric_data(Namespace=namespace, MetricData=data[i:i + 1000])

    def get_metric_data(self, queries: list[MetricQuery], start: datetime, end: datetime,
                        period: int) -> dict[str, dict[int, float]]:
        """{query id: {epoch seconds: value}} for [start, end) at `period` seconds."""
        out: dict[str, dict[int, float]] = {q["id"]: {} for q in queries}
        cw = self.client("cloudwatch")
        for i in range(0, len(queries), MAX_QUERIES):
            request = [self._query(q, period) for q in queries[i:i + MAX_QUERIES]]
            token: Optional[str] = None
            while True:
                kwargs: dict[str, Any] = dict(MetricDataQueries=request, StartTime=start, EndTime=end,
                                              ScanBy="TimestampAscending")
                if token:
                    kwargs["NextToken"] = token
                resp = cw.get_metric_data(**kwargs)
                for result in resp.get("MetricDataResults", []):
                    series = out.setdefault(result["Id"], {})
                    for ts, value in zip(result.get("Timestamps", []), result.get("Values", [])):
                        if value is not None:
                            series[int(ts.astimezone(timezone.utc).timestamp())] = float(value)
                token = resp.get("NextToken")
                if not token:
                    break
        return out

    @staticmethod
    def _query(q: MetricQuery, period: int) -> dict[str, Any]:
        dims = [{"Name": k, "Value": v} for k, v in sorted(q["dimensions"].items())]
        return {"Id": q["id"], "ReturnData": True, "MetricStat": {
            "Metric": {"Namespace": q["namespace"], "MetricName": q["metric"], "Dimensions": dims},
            "Period": period, "Stat": q["stat"]}}

    def service_events(self, name: str, limit: int = 100) -> Optional[dict[str, Any]]:
        """{"events": [{"at_ms", "message"}] newest first, "stopped": [summarize_stopped]} or None
        when the ECS service does not exist."""
        ecs = self.client("ecs")
        try:
            services = ecs.describe_services(cluster=self.cluster, services=[name]).get("services", [])
        except Exception as exc:
            if error_code(exc) == "ClusterNotFoundException":
                return None
            raise
        svc = next((s for s in services if s.get("status") != "INACTIVE"), None)
        if svc is None:
            return None
        events = [{"at_ms": _ms(e.get("createdAt")), "message": e.get("message", "")}
                  for e in svc.get("events", [])[:limit]]
        arns = ecs.list_tasks(cluster=self.cluster, serviceName=name, desiredStatus="STOPPED",
                              maxResults=100).get("taskArns", [])
        tasks = ecs.describe_tasks(cluster=self.cluster, tasks=arns).get("tasks", []) if arns else []
        return {"events": events, "stopped": [summarize_stopped(t) for t in tasks],
                "task_definition": svc.get("taskDefinition")}
