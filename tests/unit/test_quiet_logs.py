"""Beat's housekeeping leaves no INFO line unless it did something; all else is logged as before.
Records are made the way Celery makes them (its loggers, its message constants, its arguments)."""
from __future__ import annotations

import logging
import os

import pytest
from celery.app.trace import LOG_RECEIVED, LOG_RETRY, LOG_SUCCESS

from worker import quiet_logs

os.environ.setdefault("LAUNCHBAY_STAGE", "test")

ROUTINE, DEPLOY = "launchbay.relay_outbox", "launchbay.run_deployment"


class Kept(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


@pytest.fixture()
def kept():
    routine = quiet_logs.RoutineTasks([ROUTINE])
    handler = Kept()
    loggers = [logging.getLogger(n) for n in (quiet_logs.BEAT, quiet_logs.RECEIVED, quiet_logs.SUCCEEDED)]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.addFilter(routine)
        lg.addHandler(handler)
        lg.setLevel(logging.INFO)
    yield handler
    for lg, level in zip(loggers, levels):
        lg.removeFilter(routine)
        lg.removeHandler(handler)
        lg.setLevel(level)


def _success(task: str, result: object) -> None:
    logging.getLogger(quiet_logs.SUCCEEDED).info(LOG_SUCCESS, {
        "id": "6f1c", "name": task, "return_value": repr(result), "runtime": 0.01, "args": "()", "kwargs": "{}"})


def _received(task: str) -> None:
    context = {"id": "6f1c", "name": task, "args": "()", "kwargs": "{}", "eta": None}
    logging.getLogger(quiet_logs.RECEIVED).info(LOG_RECEIVED, context, extra={"data": context})


def test_routine_task_that_found_nothing_leaves_no_line(kept):
    logging.getLogger(quiet_logs.BEAT).info("Scheduler: Sending due task %s (%s)", "relay-outbox", ROUTINE)
    _received(ROUTINE)
    _success(ROUTINE, 0)
    _success(ROUTINE, {"queues": {"launchbay.deploys": {"depth": 0, "age": 0.0}}, "failed": 0})
    assert kept.lines == []


def test_routine_task_that_did_work_is_logged(kept):
    _success(ROUTINE, 3)
    _success(ROUTINE, {"republished": 0, "failed": 1})
    assert [line.split(": ", 1)[1] for line in kept.lines] == ["3", "{'republished': 0, 'failed': 1}"]


def test_other_tasks_retries_and_warnings_always_pass(kept):
    logging.getLogger(quiet_logs.BEAT).info("Scheduler: Sending due task %s (%s)", "x", DEPLOY)
    _received(DEPLOY)
    _success(DEPLOY, None)
    logging.getLogger(quiet_logs.SUCCEEDED).info(LOG_RETRY, {"id": "6f1c", "name": ROUTINE, "exc": "busy"})
    logging.getLogger(quiet_logs.SUCCEEDED).warning(LOG_SUCCESS, {
        "id": "6f1c", "name": ROUTINE, "return_value": "0", "runtime": 0.01, "args": "()", "kwargs": "{}"})
    assert len(kept.lines) == 5, kept.lines


def test_at_debug_everything_passes(kept):
    logging.getLogger(quiet_logs.RECEIVED).setLevel(logging.DEBUG)
    _received(ROUTINE)
    assert kept.lines == [f"Task {ROUTINE}[6f1c] received"]


@pytest.mark.parametrize("result, nothing", [
    ("0", True), ("None", True), ("{}", True), ("{'a': 0, 'b': 0.0}", True),
    ("{'org_01m8': 0, 'prefix-t1234': 0}", True),   # digits inside names are not counts
    ("2", False), ("{'a': 0, 'b': 0.5}", False), ("[-1]", False),
])
def test_counts_nothing(result, nothing):
    assert quiet_logs.counts_nothing(result) is nothing


def test_the_worker_app_quiets_exactly_beats_tasks():
    from worker.celery_app import celery

    filters = [f for f in logging.getLogger(quiet_logs.SUCCEEDED).filters if isinstance(f, quiet_logs.RoutineTasks)]
    assert len(filters) == 1
    assert filters[0].tasks == {entry["task"] for entry in celery.conf.beat_schedule.values()}
    assert DEPLOY not in filters[0].tasks
