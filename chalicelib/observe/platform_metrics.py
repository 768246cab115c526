"""The platform's own CloudWatch metrics, published by a beat task every minute
(worker/tasks/maintenance.py): what the worker Auto Scaling group scales on and what the
alarms watch (infra/launchbay_infra/workers.py and alarms.py use the same names).

  Launchbay/QueueDepth {Queue=<prefix>.<queue>}  messages waiting
  Launchbay/QueueAge   {Queue=<prefix>.<queue>}  seconds the oldest waiting message has waited
  Launchbay/DeploymentsFailed (no dimension)     deployments that ended failed or rolled back
                                                 since the previous run (alarm: Sum over 15 min)
  Launchbay/EmailsFailed (no dimension)          e-mails given up on since the previous run (SES
                                                 refusing or out of reach: password resets lost)
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from chalicelib.core.context import Ports
from chalicelib.core.ids import iso_from_epoch

NAMESPACE = "Launchbay"
QUEUE_DEPTH, QUEUE_AGE, DEPLOYMENTS_FAILED = "QueueDepth", "QueueAge", "DeploymentsFailed"
EMAILS_FAILED = "EmailsFailed"
FAILED_STATUSES = ("failed", "rolled_back")   # a rolled-back deployment failed too


def failed_between(ports: Ports, since: float, until: float) -> int:
    """Deployments that reached a failed final status in (since, until] (their `finished` time)."""
    return ports.store.collection("deployments").count({
        "status": {"$in": list(FAILED_STATUSES)},
        "finished": {"$gt": iso_from_epoch(since), "$lte": iso_from_epoch(until)}})


def emails_failed_between(ports: Ports, since: float, until: float) -> int:
    """E-mails that ended failed in (since, until] (mail/service.py settles them with `updated`)."""
    return ports.store.collection("emails").count({
        "status": "failed", "updated": {"$gt": iso_from_epoch(since), "$lte": iso_from_epoch(until)}})


def metric_data(depths: dict[str, dict[str, float]], failed: int, at: float, emails_failed: int = 0) -> list[dict[str, Any]]:
    when = datetime.fromtimestamp(at, timezone.utc)
    data: list[dict[str, Any]] = []
    for queue, measured in sorted(depths.items()):
        dims = [{"Name": "Queue", "Value": queue}]
        data.append({"MetricName": QUEUE_DEPTH, "Dimensions": dims, "Timestamp": when,
                     "Value": measured["depth"], "Unit": "Count"})
        data.append({"MetricName": QUEUE_AGE, "Dimensions": dims, "Timestamp": when,
                     "Value": round(measured["age"], 3), "Unit": "Seconds"})
    data.append({"MetricName": DEPLOYMENTS_FAILED, "Timestamp": when, "Value": float(failed), "Unit": "Count"})
    data.append({"MetricName": EMAILS_FAILED, "Timestamp": when, "Value": float(emails_failed), "Unit": "Count"})
    return data


def publish(ports: Ports, depths: dict[str, dict[str, float]], since: float, now: float) -> dict[str, Any]:
    """Puts the queue measures and the failed deployments of (since, now] to the platform's
    CloudWatch (the sandbox's locally); -> what was published."""
    failed = failed_between(ports, since, now)
    emails = emails_failed_between(ports, since, now)
    ports.cloud.put_metric_data(NAMESPACE, metric_data(depths, failed, now, emails))
    return {"queues": depths, "deployments_failed": failed, "emails_failed": emails}
