"""The events a subscription can receive, and which deployment status emits which event.

The lifecycle's Notify rule (chalicelib/lifecycle/policy.py) looks a status up in
STATUS_EVENTS; statuses not listed (deploying, superseded, ...) notify nobody. Alerts
(chalicelib/observe/alerts.py) emit alert.opened and alert.resolved, once each per alert; a
queue whose dead-letter queue grew emits queue.dead_letters (at most once per look, every 5 min);
a log drain whose endpoint stops taking its lines emits log_drain.failing, then log_drain.recovered."""
from __future__ import annotations

from typing import Optional

AWAITING_APPROVAL = "deployment.awaiting_approval"   # created so, not a move: deploys/service.py emits it
APPROVAL_REMINDER = "deployment.approval_reminder"   # LAUNCHBAY_APPROVAL_REMINDER before its deadline (the reaper)
APPROVAL_EXPIRED = "deployment.approval_expired"     # cancelled at its deadline (policy.ApprovalExpired)
STARTED = "deployment.started"
BUILDING = "deployment.building"
LIVE = "deployment.live"
FAILED = "deployment.failed"
ROLLED_BACK = "deployment.rolled_back"
PREVIEW_CREATED = "preview.created"
PREVIEW_DELETED = "preview.deleted"
ALERT_OPENED = "alert.opened"
ALERT_RESOLVED = "alert.resolved"
SERVICE_SUSPENDED = "service.suspended"   # (chalicelib/lifecycle/suspension.py)
SERVICE_RESUMED = "service.resumed"
SERVICE_MAINTENANCE = "service.maintenance"           # its hosts answer a maintenance page (deploys/maintenance.py)
SERVICE_MAINTENANCE_OVER = "service.maintenance_over"  # and forward to it again
ENVIRONMENT_FROZEN = "environment.frozen"       # a deploy freeze starts (catalog/environments.py)
ENVIRONMENT_UNFROZEN = "environment.unfrozen"   # lifted by an admin, or a freeze window closed
ENVIRONMENT_ASLEEP = "environment.asleep"       # its sleep schedule suspended its services (deploys/sleep.py),
ENVIRONMENT_AWAKE = "environment.awake"         # and resumed them: one event, not one per service
QUEUE_DEAD_LETTERS = "queue.dead_letters"      # a queue's dead-letter queue grew (resources/queues.py)
LOG_DRAIN_FAILING = "log_drain.failing"        # its endpoint stopped taking the lines (resources/drains.py)
LOG_DRAIN_RECOVERED = "log_drain.recovered"    # and takes them again
TEST = "notification.test"  # sent by POST .../notifications/{sub}/test only, whatever the filter

EVENTS = (AWAITING_APPROVAL, APPROVAL_REMINDER, APPROVAL_EXPIRED, STARTED, BUILDING, LIVE, FAILED, ROLLED_BACK, PREVIEW_CREATED, PREVIEW_DELETED, ALERT_OPENED,
          ALERT_RESOLVED, SERVICE_SUSPENDED, SERVICE_RESUMED, SERVICE_MAINTENANCE, SERVICE_MAINTENANCE_OVER,
          ENVIRONMENT_FROZEN, ENVIRONMENT_UNFROZEN, ENVIRONMENT_ASLEEP, ENVIRONMENT_AWAKE, QUEUE_DEAD_LETTERS,
          LOG_DRAIN_FAILING, LOG_DRAIN_RECOVERED)
ALL = "*"

# deployment status entered -> event. `queued` is how a deployment is created, not a move:
# the deploy "starts" when a worker claims it (provisioning).
STATUS_EVENTS: dict[str, str] = {
    "provisioning": STARTED,
    "building": BUILDING,
    "live": LIVE,
    "failed": FAILED,
    "rolled_back": ROLLED_BACK,
}

# status / event in words, for Slack and the delivery log
WORDS: dict[str, str] = {
    AWAITING_APPROVAL: "is waiting for approval",
    APPROVAL_REMINDER: "still waits for approval",
    APPROVAL_EXPIRED: "was not approved in time",
    STARTED: "started deploying",
    BUILDING: "is building",
    LIVE: "is live",
    FAILED: "failed to deploy",
    ROLLED_BACK: "was rolled back",
    PREVIEW_CREATED: "preview environment created",
    PREVIEW_DELETED: "preview environment deleted",
    ALERT_OPENED: "alert",
    ALERT_RESOLVED: "alert resolved",
    SERVICE_SUSPENDED: "was suspended",
    SERVICE_RESUMED: "was resumed",
    SERVICE_MAINTENANCE: "is in maintenance",
    SERVICE_MAINTENANCE_OVER: "is out of maintenance",
    ENVIRONMENT_FROZEN: "deploys are frozen",
    ENVIRONMENT_UNFROZEN: "deploys are no longer frozen",
    ENVIRONMENT_ASLEEP: "is asleep",
    ENVIRONMENT_AWAKE: "is awake again",
    QUEUE_DEAD_LETTERS: "has new dead letters",
    LOG_DRAIN_FAILING: "is not delivering",
    LOG_DRAIN_RECOVERED: "delivers again",
    TEST: "test notification",
}


def for_status(status: str) -> Optional[str]:
    return STATUS_EVENTS.get(status)


def wanted(filter_: list[str], event: str) -> bool:
    """Whether a subscription's events filter takes this event (the test event always goes)."""
    return event == TEST or ALL in filter_ or event in filter_
