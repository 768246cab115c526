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


@celery.task(name=names.HEALTH_WATCH)
def health_watch() -> dict[str, int]:
    from chalicelib.deploys import watch

    return watch.health_watch(get_ports())


@celery.task(name=names.DETECT_DRIFT)
def detect_drift() -> dict[str, int]:
    from chalicelib.deploys import watch

    return watch.detect_drift(get_ports())


@celery.task(name=names.CLEANUP)
def cleanup() -> dict[str, int]:
    from chalicelib.deploys import watch

    return watch.cleanup(get_ports())


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
