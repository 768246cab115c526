"""The Celery app: Redis broker and result backend, routes, beat schedule.

Run: celery -A worker.celery_app:celery worker -Q launchbay.deploys,launchbay.default
     celery -A worker.celery_app:celery worker -Q launchbay.search --concurrency 1   (single index writer)
     celery -A worker.celery_app:celery worker -Q launchbay.notify --concurrency 4     (webhook deliveries)
     celery -A worker.celery_app:celery beat
"""
from __future__ import annotations

import time
from typing import Any, Optional

from celery import Celery, signals

from chalicelib import tasks as names
from chalicelib.core import tracing
from chalicelib.queue import PUBLISHED, queue_name
from chalicelib.settings import get_settings
from worker import quiet_logs

_s = get_settings()
PREFIX = _s.queue_prefix
# Queue names with the prefix, for `celery worker -Q` (scripts/dev.py reads this).
QUEUES = tuple(queue_name(PREFIX, q) for q in names.QUEUES)

celery = Celery("launchbay", broker=_s.redis_url, backend=_s.redis_url,
                include=["worker.tasks.deploys", "worker.tasks.maintenance", "worker.tasks.search",
                         "worker.tasks.resources",
                         "worker.tasks.notify",
                         "worker.tasks.hooks",
                         "worker.tasks.mail"])
celery.conf.update(
    task_acks_late=True,                 # a task is acknowledged only once it has finished ...
    task_reject_on_worker_lost=True,     # ... and goes back to the queue if its worker dies
    worker_prefetch_multiplier=1,
    # A killed worker's unacknowledged tasks return to their queue after visibility_timeout;
    # sweep for them every few seconds rather than kombu's default of about 100 s.
    broker_transport_options={"visibility_timeout": _s.visibility_timeout, "unacked_restore_interval": 5,
                              "unacked_restore_throttle": 1},
    result_expires=3600,
    task_default_queue=queue_name(PREFIX, "default"),
    task_routes={name: {"queue": queue_name(PREFIX, q)} for name, q in names.ROUTES.items()},
    broker_connection_retry_on_startup=True,
    worker_hijack_root_logger=False,
    timezone="UTC",
    # Write beat's schedule file after every publication (default: every 3 min), so a beat that
    # is SIGKILLed and restarted knows what it already sent and does not send it again early
    # (bench/faults.py counted 6 early repeats in 3 kills before this).
    beat_sync_every=1,
    beat_schedule={
        "reap-deployments": {"task": names.REAP_DEPLOYMENTS, "schedule": 30.0},
        "relay-outbox": {"task": names.RELAY_OUTBOX, "schedule": 2.0},
        "health-watch": {"task": names.HEALTH_WATCH, "schedule": 60.0},
        "sync-runs": {"task": names.SYNC_RUNS, "schedule": 60.0},
        "detect-drift": {"task": names.DETECT_DRIFT, "schedule": 300.0},
        "cleanup": {"task": names.CLEANUP, "schedule": 3600.0},
        "resume-teardowns": {"task": names.RESUME_TEARDOWNS, "schedule": 300.0},
        "resume-suspensions": {"task": names.RESUME_SUSPENSIONS, "schedule": 60.0},
        "search-retention": {"task": names.SEARCH_RETENTION, "schedule": 3600.0},
        "evaluate-alerts": {"task": names.EVALUATE_ALERTS, "schedule": 60.0},
        "expire-previews": {"task": names.EXPIRE_PREVIEWS, "schedule": 600.0},
        "announce-freezes": {"task": names.ANNOUNCE_FREEZES, "schedule": 60.0},
        "tend-sleep": {"task": names.TEND_SLEEP, "schedule": 60.0},
        "upgrade-https": {"task": names.UPGRADE_HTTPS, "schedule": 300.0},
        "measure-volumes": {"task": names.MEASURE_VOLUMES, "schedule": 3600.0},
        "watch-queues": {"task": names.WATCH_QUEUES, "schedule": 300.0},
        "watch-drains": {"task": names.WATCH_DRAINS, "schedule": 300.0},
        "send-due-emails": {"task": names.SEND_DUE_EMAILS, "schedule": 60.0},
        "warn-expiring-tokens": {"task": names.WARN_EXPIRING_TOKENS, "schedule": 3600.0},
        "receive-mail-feedback": {"task": names.RECEIVE_MAIL_FEEDBACK, "schedule": 60.0},
        # CloudWatch Launchbay/QueueDepth, QueueAge, DeploymentsFailed: the workers scale on it
        "publish-platform-metrics": {"task": names.PUBLISH_METRICS, "schedule": 60.0},
    },
)


@signals.before_task_publish.connect(weak=False)
def _stamp_publish_time(headers: Optional[dict] = None, **_: Any) -> None:
    """Tasks Celery itself sends (beat's) carry their publish time too, as chalicelib/queue.py's
    do: the platform-metrics task reads a queue's age from its oldest message."""
    if headers is not None:
        headers.setdefault(PUBLISHED, time.time())


# Housekeeping that found nothing to do leaves no INFO line (worker/quiet_logs.py says why).
quiet_logs.install(entry["task"] for entry in celery.conf.beat_schedule.values())
tracing.connect_celery(signals)
if _s.xray:
    tracing.enable("launchbay-worker")
