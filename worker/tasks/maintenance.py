"""Periodic work scheduled by beat (and enqueued by the Chalice scheduled handlers)."""
from __future__ import annotations

from chalicelib.deploys import reaper
from chalicelib.settings import get_ports
from worker.celery_app import celery


@celery.task(name="launchbay.reap_deployments")
def reap_deployments() -> dict:
    return reaper.reap(get_ports())


@celery.task(name="launchbay.health_watch")
def health_watch() -> dict:
    from chalicelib.deploys import watch

    return watch.health_watch(get_ports())


@celery.task(name="launchbay.detect_drift")
def detect_drift() -> dict:
    from chalicelib.deploys import watch

    return watch.detect_drift(get_ports())


@celery.task(name="launchbay.cleanup")
def cleanup() -> dict:
    from chalicelib.deploys import watch

    return watch.cleanup(get_ports())


@celery.task(name="launchbay.start_run")
def start_run(run_id: str) -> dict:
    from chalicelib.deploys import runs

    return runs.start(get_ports(), run_id)


@celery.task(name="launchbay.sync_runs")
def sync_runs() -> dict:
    from chalicelib.deploys import runs

    return runs.sync(get_ports())
