"""Beat's housekeeping stays out of the INFO log unless it did something.

Every beat entry writes three INFO lines a run: beat's "Sending due task", the worker's
"received" and its "succeeded". relay-outbox runs every 2 s, so an idle stack wrote 90 such lines
a minute: they buried the deploy lines in `make run`'s console and are paid for by the line in
CloudWatch Logs. This filter drops, for the tasks beat sends, the first two always and the last
when the result counts nothing (every number in it is 0). Warnings, failures and retries always
pass, and so does everything when the logger is at DEBUG.
"""
from __future__ import annotations

import logging
import re
from typing import Iterable

from celery.app.trace import LOG_RECEIVED, LOG_SUCCESS

# The loggers Celery writes those three lines to (celery/beat.py, worker/strategy.py, app/trace.py).
BEAT, RECEIVED, SUCCEEDED = "celery.beat", "celery.worker.strategy", "celery.app.trace"
# A number standing on its own, not digits inside an id or a name ("org_01m8", "t1234")
_NUMBER = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?(?![\w.])")


def counts_nothing(result: str) -> bool:
    """The repr of a task's result names no work done: no number in it but zeros."""
    return all(float(n) == 0 for n in _NUMBER.findall(result))


class RoutineTasks(logging.Filter):
    def __init__(self, task_names: Iterable[str]) -> None:
        super().__init__()
        self.tasks = frozenset(task_names)

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno != logging.INFO or logging.getLogger(record.name).isEnabledFor(logging.DEBUG):
            return True
        args = record.args
        if record.name == BEAT:   # info('Scheduler: Sending due task %s (%s)', entry.name, entry.task)
            return not (isinstance(args, tuple) and len(args) == 2 and args[1] in self.tasks)
        if not isinstance(args, dict) or args.get("name") not in self.tasks:  # info(LOG_..., {context})
            return True
        if record.msg == LOG_RECEIVED:
            return False
        if record.msg == LOG_SUCCESS:   # a retry or a failure is another message: it passes
            return not counts_nothing(str(args.get("return_value", "")))
        return True


def install(task_names: Iterable[str]) -> RoutineTasks:
    """Attach one filter to the three loggers (filters on a logger survive Celery's own
    logging set-up, which only adds handlers)."""
    routine = RoutineTasks(task_names)
    for name in (BEAT, RECEIVED, SUCCEEDED):
        logging.getLogger(name).addFilter(routine)
    return routine
