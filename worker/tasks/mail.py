"""E-mail tasks (the `notify` queue): one attempt per message, retried with backoff; the beat's
sweep; and a password reset's account lookup, kept off the API's path."""
from __future__ import annotations

from celery import Task

from chalicelib import tasks as names
from chalicelib.accounts import email_change, expiry, resets, verification
from chalicelib.mail import feedback, service
from chalicelib.wiring import get_ports
from worker.celery_app import celery


@celery.task(name=names.SEND_EMAIL, bind=True, max_retries=service.MAX_ATTEMPTS)
def send_email(self: Task, email_id: str, attempt: int = 1) -> str:
    ports = get_ports()
    try:
        outcome = service.attempt(ports, ports.mailer, email_id, attempt)
    except Exception as exc:   # the store briefly unavailable, say: the same attempt, once its claim is stale
        raise self.retry(args=[email_id, attempt], countdown=service.STALE_CLAIM + 5, exc=exc, max_retries=3) from exc
    if outcome.state == "retry":   # a new message due later: no worker slot held while waiting
        raise self.retry(args=[email_id, attempt + 1], countdown=outcome.retry_in)
    return f"{outcome.state}: {outcome.detail}"


@celery.task(name=names.SEND_DUE_EMAILS)
def send_due_emails() -> int:
    ports = get_ports()
    resets.forget_expired(ports)
    verification.forget_expired(ports)
    email_change.forget_expired(ports)
    return service.send_due(ports)


@celery.task(name=names.REQUEST_PASSWORD_RESET, autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def request_password_reset(email: str, source_ip: str, base_url: str) -> str:
    return resets.issue(get_ports(), email, source_ip, base_url)


@celery.task(name=names.WARN_EXPIRING_TOKENS)
def warn_expiring_tokens() -> int:
    return expiry.warn_expiring(get_ports())


@celery.task(name=names.RECEIVE_MAIL_FEEDBACK)
def receive_mail_feedback() -> dict[str, int]:
    ports = get_ports()
    return feedback.receive(ports, ports.mailer)
