"""Publishes Celery tasks by name over Redis. The API never imports worker code:
it only needs a producer, created on first publish (Celery costs ~250 ms to import)."""
from __future__ import annotations

import threading
from typing import Any, Optional

from chalicelib.tasks import QUEUES, ROUTES  # noqa: F401  (re-exported for the worker)


def queue_name(prefix: str, short: str) -> str:
    return f"{prefix}.{short}"


class CeleryQueue:
    def __init__(self, settings: Any):
        self.settings = settings
        self._app = None
        self._lock = threading.Lock()

    @property
    def app(self):
        if self._app is None:
            with self._lock:
                if self._app is None:
                    from celery import Celery

                    app = Celery("launchbay-producer", broker=self.settings.redis_url)
                    app.conf.broker_transport_options = {"visibility_timeout": self.settings.visibility_timeout}
                    app.conf.broker_connection_timeout = 3
                    self._app = app
        return self._app

    def publish(self, task: str, *args: Any, countdown: float = 0, queue: Optional[str] = None) -> None:
        short = queue or ROUTES.get(task, "default")
        self.app.send_task(task, args=list(args), queue=queue_name(self.settings.queue_prefix, short),
                           countdown=countdown or None, retry=True,
                           retry_policy={"max_retries": 2, "interval_start": 0.1, "interval_step": 0.2})

    def ping(self) -> dict[str, Any]:
        import redis

        try:
            redis.Redis.from_url(self.settings.redis_url, socket_timeout=1, socket_connect_timeout=1).ping()
            return {"ok": True, "kind": "redis"}
        except Exception as exc:
            return {"ok": False, "kind": "redis", "detail": type(exc).__name__}
