"""Managed resource tasks: a thin shell around chalicelib/resources/engine.py."""
from __future__ import annotations

from celery import Task

from chalicelib import tasks as names
from chalicelib.resources import drains, engine, queues
from chalicelib.wiring import get_ports
from worker.celery_app import celery


@celery.task(name=names.MEASURE_VOLUMES)
def measure_volumes() -> dict[str, int]:
    return engine.measure_volumes(get_ports())


@celery.task(name=names.WATCH_QUEUES)
def watch_queues() -> dict[str, int]:
    return queues.watch_dead_letters(get_ports())


@celery.task(name=names.WATCH_DRAINS)
def watch_drains() -> dict[str, int]:
    return drains.watch(get_ports())


def _backoff(task: Task, exc: Exception) -> Exception:
    """Transient AWS or store trouble: the same step again later (each step is idempotent)."""
    return task.retry(countdown=min(2 ** task.request.retries * 2, 60), exc=exc)


@celery.task(name=names.RUN_RESOURCE, bind=True, max_retries=8)
def run_resource(self: Task, resource_id: str) -> str:
    ports = get_ports()
    try:
        outcome = engine.run(ports, resource_id)
    except Exception as exc:
        raise _backoff(self, exc) from exc
    if outcome.state == "later":   # AWS is working: look again later without holding this worker
        ports.queue.publish(names.RUN_RESOURCE, resource_id, countdown=outcome.countdown)
    return f"{outcome.state}: {outcome.detail}"


@celery.task(name=names.REDRIVE_QUEUE, bind=True, max_retries=8)
def redrive_queue(self: Task, resource_id: str) -> str:
    ports = get_ports()
    try:
        state = queues.run_redrive(ports, resource_id)
    except Exception as exc:
        if self.request.retries >= (self.max_retries or 0):   # out of retries: say so, not "moving" for 15 min
            queues.give_up_redrive(ports, resource_id, f"{type(exc).__name__}: {exc}")
        raise _backoff(self, exc) from exc
    if state == "later":   # a full batch moved and more wait: the next batch in its own run
        ports.queue.publish(names.REDRIVE_QUEUE, resource_id)
    return state
