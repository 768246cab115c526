"""Notification tasks (the `notify` queue): fan an event out to its subscriptions, and
deliver, one task per (subscription, event), retried with backoff."""
from __future__ import annotations

from typing import Any

from celery import Task

from chalicelib import tasks as names
from chalicelib.hooks import github_api, statuses
from chalicelib.notify import delivery, service
from chalicelib.wiring import get_ports
from worker.celery_app import celery


@celery.task(name=names.GITHUB_STATUS, autoretry_for=(github_api.Transient,), retry_backoff=5, retry_backoff_max=300,
             max_retries=6)
def github_status(deployment_id: str) -> dict[str, Any]:
    return statuses.post(get_ports(), deployment_id)


@celery.task(name=names.GITHUB_PR_COMMENT, autoretry_for=(github_api.Transient,), retry_backoff=3, retry_backoff_max=120,
             max_retries=8)
def github_pr_comment(environment_id: str) -> dict[str, Any]:
    from chalicelib.hooks import pr_comments

    return pr_comments.sync(get_ports(), environment_id)


@celery.task(name=names.GITHUB_COMMITS, autoretry_for=(github_api.Transient,), retry_backoff=5, retry_backoff_max=300,
             max_retries=6)
def github_commits(deployment_id: str) -> dict[str, Any]:
    from chalicelib.hooks import commits

    return commits.fetch(get_ports(), deployment_id)


@celery.task(name=names.NOTIFY_EVENT)
def notify_event(event: dict[str, Any]) -> int:
    return len(service.fan_out(get_ports(), event))


@celery.task(name=names.DELIVER_NOTIFICATION, bind=True, max_retries=delivery.MAX_ATTEMPTS)
def deliver_notification(self: Task, delivery_id: str, attempt: int = 1) -> str:
    try:
        outcome = delivery.attempt(get_ports(), delivery_id, attempt)
    except Exception as exc:
        # unexpected (the store briefly unavailable, say): the same attempt again, once its claim
        # (if it got that far) is stale enough to be taken over
        raise self.retry(args=[delivery_id, attempt], countdown=delivery.STALE_CLAIM + 5, exc=exc,
                         max_retries=3) from exc
    if outcome.state == "retry":
        # the next attempt is a new message due later: no worker slot is held while waiting
        raise self.retry(args=[delivery_id, attempt + 1], countdown=outcome.retry_in)
    return f"{outcome.state}: {outcome.detail}"
