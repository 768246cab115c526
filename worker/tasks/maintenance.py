"""Periodic work scheduled by beat (and enqueued by the Chalice scheduled handlers)."""
from __future__ import annotations

from typing import Any

from chalicelib import tasks as names
from chalicelib.deploys import reaper
from chalicelib.wiring import get_ports
from worker.celery_app import celery


@celery.task(name=names.REAP_DEPLOYMENTS)
def reap_deployments() -> dict[str, int]:
    return reaper.reap(get_ports())


@celery.task(name=names.ANNOUNCE_FREEZES)
def announce_freezes() -> int:
    from chalicelib.catalog import freezes

    return freezes.announce_windows(get_ports())


@celery.task(name=names.TEND_SLEEP)
def tend_sleep() -> dict[str, int]:
    from chalicelib.deploys import sleep

    return sleep.tend(get_ports())


@celery.task(name=names.UPGRADE_HTTPS)
def upgrade_https() -> dict[str, int]:
    from chalicelib.deploys import https

    return https.upgrade(get_ports())


@celery.task(name=names.HEALTH_WATCH)
def health_watch() -> dict[str, int]:
    from chalicelib.deploys import watch

    return watch.health_watch(get_ports())


@celery.task(name=names.DETECT_DRIFT)
def detect_drift() -> dict[str, int]:
    from chalicelib.deploys import watch

    return watch.detect_drift(get_ports())


@celery.task(name=names.CLEANUP)
def cleanup() -> dict[str, Any]:
    from chalicelib.accounts import org_deletion
    from chalicelib.deploys import egress, watch
    from chalicelib.notify import service as notify

    ports = get_ports()
    # hook deliveries stay: their ids are the guard against a replayed (forever validly signed) GitHub delivery
    return {**watch.cleanup(ports), "notification_deliveries_purged": notify.purge_deliveries(ports),
            "static_egress": egress.reap(ports), "organization_purges_requeued": org_deletion.resume(ports)}


# A task's retries are for AWS being briefly out of reach; past them the cleanup beat queues it again.
@celery.task(name=names.PURGE_ORGANIZATION, autoretry_for=(Exception,), retry_backoff=True, max_retries=8)
def purge_organization(org_id: str) -> dict[str, Any]:
    from chalicelib.accounts import org_deletion

    return org_deletion.purge(get_ports(), org_id)


@celery.task(name=names.START_RUN)
def start_run(run_id: str) -> dict[str, Any]:
    from chalicelib.deploys import runs

    return runs.start(get_ports(), run_id)


@celery.task(name=names.SYNC_RUNS)
def sync_runs() -> dict[str, int]:
    from chalicelib.deploys import runs

    return runs.sync(get_ports())


@celery.task(name=names.EVALUATE_ALERTS)
def evaluate_alerts() -> dict[str, int]:
    from chalicelib.observe import alerts

    return alerts.evaluate_all(get_ports())


@celery.task(name=names.PUBLISH_METRICS)
def publish_platform_metrics() -> dict[str, Any]:
    """Queue depth and age of each queue and the deployments failed since the previous run, to
    CloudWatch: the workers' Auto Scaling group scales on them, the alarms watch them."""
    import time

    from chalicelib.observe import platform_metrics
    from chalicelib.queue import CeleryQueue
    from chalicelib.wiring import get_queue

    queue = get_queue()
    assert isinstance(queue, CeleryQueue)
    now = time.time()
    since = queue.swap_mark("platform-metrics", now)
    # the first run (or after Redis lost the mark) counts the last minute, beat's interval
    return platform_metrics.publish(get_ports(), queue.depths(now), since if since is not None else now - 60, now)
