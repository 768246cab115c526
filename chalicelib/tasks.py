"""Celery task names, in one place: the API publishes by these names (without importing
Celery), worker/tasks registers them, and worker/celery_app's beat schedule refers to them.
tests/unit/test_task_names.py checks that every name here is a registered task."""
from __future__ import annotations

RUN_DEPLOYMENT = "launchbay.run_deployment"
TEARDOWN_SERVICE = "launchbay.teardown_service"
START_RUN = "launchbay.start_run"
REAP_DEPLOYMENTS = "launchbay.reap_deployments"
HEALTH_WATCH = "launchbay.health_watch"
SYNC_RUNS = "launchbay.sync_runs"
DETECT_DRIFT = "launchbay.detect_drift"
CLEANUP = "launchbay.cleanup"
RELAY_OUTBOX = "launchbay.relay_outbox"
REINDEX = "launchbay.reindex"
SEARCH_RETENTION = "launchbay.search_retention"
EVALUATE_ALERTS = "launchbay.evaluate_alerts"
PUBLISH_METRICS = "launchbay.publish_platform_metrics"   # queue depth/age, failed deployments

ALL = (RUN_DEPLOYMENT, TEARDOWN_SERVICE, START_RUN, REAP_DEPLOYMENTS, HEALTH_WATCH, SYNC_RUNS, DETECT_DRIFT,
       CLEANUP, RELAY_OUTBOX, REINDEX, SEARCH_RETENTION, EVALUATE_ALERTS, PUBLISH_METRICS)

# task -> queue (without the prefix). The search index has one writer: its queue is
# consumed by a single worker process with concurrency 1. Others go to "default".
ROUTES = {
    RUN_DEPLOYMENT: "deploys", TEARDOWN_SERVICE: "deploys", START_RUN: "deploys",
    RELAY_OUTBOX: "search", REINDEX: "search", SEARCH_RETENTION: "search",
}
QUEUES = ("deploys", "default", "search")
