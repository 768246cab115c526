"""Git webhook tasks: one delivery's work, and beat's removal of idle preview environments."""
from __future__ import annotations

from typing import Any

from chalicelib import tasks as names
from chalicelib.wiring import get_ports
from worker.celery_app import celery


@celery.task(name=names.PROCESS_HOOK)
def process_hook(delivery_id: str) -> dict[str, Any]:
    from chalicelib.hooks import service

    return service.process(get_ports(), delivery_id)


@celery.task(name=names.EXPIRE_PREVIEWS)
def expire_previews() -> dict[str, int]:
    from chalicelib.hooks import previews, service

    return {**previews.expire(get_ports()), "republished": service.republish_stale(get_ports())}


@celery.task(name=names.FORGET_GIT_TOKEN, autoretry_for=(Exception,), retry_backoff=True, max_retries=8)
def forget_git_token(org_id: str) -> dict[str, Any]:
    from chalicelib.hooks import credentials

    return credentials.forget_everywhere(get_ports(), org_id)
