"""Every task name the code publishes, routes or schedules is a task the worker registers."""
from __future__ import annotations

import os

os.environ.setdefault("LAUNCHBAY_STAGE", "test")


def test_every_published_and_scheduled_name_is_a_registered_task():
    from chalicelib import tasks
    from chalicelib.api.scheduled import SCHEDULES
    from worker.celery_app import celery

    celery.loader.import_default_modules()
    registered = {name for name in celery.tasks if name.startswith("launchbay.")}
    assert set(tasks.ALL) == registered, set(tasks.ALL) ^ registered
    assert set(tasks.ROUTES) <= registered
    for entry in celery.conf.beat_schedule.values():
        assert entry["task"] in registered, entry
    for task, _minutes in SCHEDULES.values():
        assert task in registered
    assert set(tasks.ROUTES.values()) <= set(tasks.QUEUES)


def test_no_module_spells_a_task_name_by_hand():
    import pathlib
    import re

    root = pathlib.Path(__file__).resolve().parents[2]
    pattern = re.compile(r"[\"']launchbay\.(run_deployment|teardown_service|start_run|reap_deployments|health_watch|"
                         r"sync_runs|detect_drift|cleanup|relay_outbox|reindex|search_retention)[\"']")
    offenders = [str(p.relative_to(root)) for folder in ("chalicelib", "worker", "app.py")
                 for p in ((root / folder).rglob("*.py") if (root / folder).is_dir() else [root / folder])
                 if p.name != "tasks.py" and pattern.search(p.read_text())]
    assert offenders == []
