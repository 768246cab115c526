"""Git webhook and credential tasks: one delivery's work, beat's removal of idle preview environments,
removed GitHub tokens, registry credentials and environment group secrets taken out of the AWS accounts."""
from __future__ import annotations

from typing import Any, Optional

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


@celery.task(name=names.FORGET_REGISTRY_CREDENTIALS, autoretry_for=(Exception,), retry_backoff=True, max_retries=8)
def forget_registry_credentials(org_id: str, host: str) -> dict[str, Any]:
    from chalicelib.registries import service

    return service.forget_everywhere(get_ports(), org_id, host)


@celery.task(name=names.FORGET_ENV_GROUP_SECRETS, autoretry_for=(Exception,), retry_backoff=True, max_retries=8)
def forget_env_group_secrets(org_id: str, group_id: str, secret: Optional[str]) -> dict[str, Any]:
    from chalicelib.envgroups import service

    return service.forget_everywhere(get_ports(), org_id, group_id, secret)
