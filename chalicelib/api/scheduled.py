"""Chalice scheduled handlers (CloudWatch Events on Lambda): light work only. They
enqueue Celery tasks, so the heavy lifting happens in the worker fleet either way."""
from __future__ import annotations

from chalice import Chalice, Rate

from chalicelib import tasks
from chalicelib.api.http import ports

# handler name -> (task, minutes between runs)
SCHEDULES = {"reap_deployments": (tasks.REAP_DEPLOYMENTS, 1),
             "relay_outbox": (tasks.RELAY_OUTBOX, 1)}


def register(app: Chalice) -> None:
    for name, (task, minutes) in SCHEDULES.items():
        def handler(event, _task=task):
            ports().queue.publish(_task)
            return {"enqueued": _task}

        handler.__name__ = name
        app.schedule(Rate(minutes, unit=Rate.MINUTES), name=name)(handler)
