"""Periodic work scheduled by beat (and enqueued by the Chalice scheduled handlers)."""
from __future__ import annotations

from chalicelib.deploys import reaper
from chalicelib.settings import get_ports
from worker.celery_app import celery


@celery.task(name="launchbay.reap_deployments")
def reap_deployments() -> dict:
    return reaper.reap(get_ports())
