"""Deploy tasks: thin shells that load by id and call the engine (chalicelib/deploys)."""
from __future__ import annotations

from celery import Task

from chalicelib import tasks as names
from chalicelib.deploys import engine
from chalicelib.wiring import get_ports
from worker.celery_app import celery


@celery.task(name=names.RUN_DEPLOYMENT, bind=True, max_retries=engine.MAX_STEP_ATTEMPTS)
def run_deployment(self: Task, deployment_id: str, owner: str | None = None, seq: int = 0) -> str:
    ports = get_ports()
    try:
        outcome = engine.run(ports, deployment_id, owner, seq)
    except engine.Retryable as exc:
        # transient AWS error: back off 2, 4, 8 ... s; the same chain resumes at the same step
        raise self.retry(args=[deployment_id, exc.owner, exc.seq], countdown=min(2 ** exc.attempts, 60), exc=exc) from exc
    except Exception as exc:
        # unexpected (e.g. the store briefly unavailable): a new chain tries again soon; after
        # that the reaper, and the deployment's deadline, bound it
        raise self.retry(args=[deployment_id], countdown=5, exc=exc, max_retries=3) from exc
    if outcome.state == "later":
        # Waiting (rollout, or the service's lock) must not hold a worker slot: look again later.
        ports.queue.publish(names.RUN_DEPLOYMENT, deployment_id, outcome.owner, outcome.seq,
                            countdown=outcome.countdown)
    return f"{outcome.state}: {outcome.detail}"


def _teardown_backoff(task: Task) -> int:
    """Seconds before a teardown tries a transient AWS error again: 5, 10, 20 ... at most 120."""
    return min(2 ** task.request.retries * 5, 120)


@celery.task(name=names.TEARDOWN_SERVICE, bind=True, max_retries=8)
def teardown_service(self: Task, service_id: str) -> str:
    """Idempotent, like the environment's: a retry or a redelivery finishes what a run began. A
    transient AWS error is tried again a few times; any other failure is left on the service in
    words (`teardown`) until its cause is fixed and the DELETE sent again."""
    from chalicelib.deploys import teardown

    ports = get_ports()
    retries_left = self.request.retries < (self.max_retries or 0)
    try:
        return teardown.run(ports, service_id, retries_left=retries_left)
    except Exception as exc:
        if retries_left and ports.cloud.is_retryable(exc):
            raise self.retry(countdown=_teardown_backoff(self), exc=exc) from exc
        return f"failed: {exc}"


@celery.task(name=names.TEARDOWN_ENVIRONMENT, bind=True, max_retries=20)
def teardown_environment(self: Task, environment_id: str) -> str:
    """Idempotent: each run plans again from what AWS shows, so a redelivery (a killed worker)
    or a retry finishes what an earlier run began."""
    from chalicelib.deploys import env_teardown

    ports = get_ports()
    try:
        return env_teardown.run(ports, environment_id)
    except env_teardown.ServicesRemain as exc:   # the last service's teardown queues it again
        return f"waiting: {exc}"
    except Exception as exc:
        if ports.cloud.is_retryable(exc):   # e.g. a group still held by a load balancer AWS is removing
            raise self.retry(countdown=_teardown_backoff(self), exc=exc) from exc
        return f"failed: {exc}"


@celery.task(name=names.RESUME_TEARDOWNS)
def resume_teardowns() -> int:
    """Beat: service and environment teardowns that lost their task, queued again."""
    from chalicelib.deploys import env_teardown, teardown

    ports = get_ports()
    return teardown.resume(ports) + env_teardown.resume(ports)


@celery.task(name=names.SUSPEND_SERVICE, bind=True, max_retries=8)
def suspend_service(self: Task, service_id: str) -> str:
    """Idempotent: a redelivery (a killed worker) or beat's requeue does what is left. A transient
    AWS error is tried again; the reason stays on the service (`suspended.error`) meanwhile."""
    from chalicelib.deploys import suspend

    ports = get_ports()
    try:
        return suspend.run(ports, service_id)
    except Exception as exc:
        if self.request.retries < (self.max_retries or 0) and ports.cloud.is_retryable(exc):
            raise self.retry(countdown=_teardown_backoff(self), exc=exc) from exc
        return f"failed: {exc}"   # beat queues it again (suspend.requeue_stalled)


@celery.task(name=names.RESUME_SUSPENSIONS)
def resume_suspensions() -> int:
    """Beat: suspensions that lost their task (or gave up on an AWS error), queued again."""
    from chalicelib.deploys import suspend

    return suspend.requeue_stalled(get_ports())
