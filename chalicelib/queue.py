"""Publishes Celery tasks by name over Redis, with kombu alone: the API never imports
Celery (its import and its CLI dependencies cost the Lambda ~250 ms and ~2 MB zipped).

Messages are Celery's task protocol 2 (what `Celery.send_task` sends), so a Celery worker
consumes them unchanged; tests/integration/test_queue_protocol.py checks that against a real
worker. Two headers of our own ride along: `published` (epoch seconds: the beat's queue-age
metric reads it from the oldest waiting message) and, with tracing on, `X-Amzn-Trace-Id`
(the worker continues the API request's X-Ray trace)."""
from __future__ import annotations

import json
import os
import socket
import threading
import time
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any, Optional

from chalicelib.core import tracing
from chalicelib.tasks import QUEUES, ROUTES  # noqa: F401  (re-exported for the worker)

PUBLISHED = "published"
# kombu's Redis transport keeps priorities other than 0 in lists named <queue>\x06\x16<priority>
_PRIORITY_SEP = "\x06\x16"
_PRIORITY_STEPS = (3, 6, 9)
RETRY_POLICY = {"max_retries": 2, "interval_start": 0.1, "interval_step": 0.2}


def queue_name(prefix: str, short: str) -> str:
    return f"{prefix}.{short}"


def task_message(task: str, args: list[Any], countdown: float = 0,
                 trace_header: Optional[str] = None) -> tuple[tuple, dict[str, Any], str]:
    """-> (body, headers, task id) of a Celery protocol 2 message (celery/app/amqp.py as_task_v2)."""
    task_id = str(uuid.uuid4())
    now = time.time()
    eta = (datetime.now(timezone.utc) + timedelta(seconds=countdown)).isoformat() if countdown else None
    headers: dict[str, Any] = {
        "lang": "py", "task": task, "id": task_id, "shadow": None, "eta": eta, "expires": None, "group": None,
        "group_index": None, "retries": 0, "timelimit": [None, None], "root_id": task_id, "parent_id": None,
        "argsrepr": repr(args)[:1024], "kwargsrepr": "{}", "origin": f"{os.getpid()}@{socket.gethostname()}",
        "ignore_result": False, "replaced_task_nesting": 0, "stamped_headers": None, "stamps": {},
        PUBLISHED: now,
    }
    if trace_header:
        headers[tracing.HEADER] = trace_header
    body: tuple[list[Any], dict[str, Any], dict[str, Any]] = (list(args), {}, {"callbacks": None, "errbacks": None, "chain": None, "chord": None})
    return body, headers, task_id


class CeleryQueue:
    def __init__(self, settings: Any):
        self.settings = settings
        self._conn: Any = None
        self._producer: Any = None
        self._declared: dict[str, Any] = {}
        self._lock = threading.Lock()
        self._pid = os.getpid()

    def _queue(self, name: str) -> Any:
        from kombu import Exchange, Queue

        if name not in self._declared:   # Celery's default: a direct exchange named as its queue
            self._declared[name] = Queue(name, Exchange(name, type="direct"), routing_key=name)
        return self._declared[name]

    def _get_producer(self) -> Any:
        if self._pid != os.getpid():   # a forked child (a Celery pool process) opens its own connection
            self._producer, self._pid = None, os.getpid()
        if self._producer is None:
            from kombu import Connection

            self._conn = Connection(self.settings.redis_url, connect_timeout=3,
                                    transport_options={"visibility_timeout": self.settings.visibility_timeout})
            self._producer = self._conn.Producer(serializer="json")
        return self._producer

    def publish(self, task: str, *args: Any, countdown: float = 0, queue: Optional[str] = None) -> None:
        name = queue_name(self.settings.queue_prefix, queue or ROUTES.get(task, "default"))
        body, headers, task_id = task_message(task, list(args), countdown, tracing.outgoing_header())
        q = self._queue(name)
        with self._lock:   # one connection per process; a kombu channel is not thread-safe
            self._get_producer().publish(
                body, exchange=q.exchange, routing_key=name, declare=[q], headers=headers, correlation_id=task_id,
                reply_to="", delivery_mode=2, retry=True, retry_policy=RETRY_POLICY)

    def ping(self) -> dict[str, Any]:
        try:
            self._redis().ping()
            return {"ok": True, "kind": "redis"}
        except Exception as exc:
            return {"ok": False, "kind": "redis", "detail": type(exc).__name__}

    def _redis(self) -> Any:
        import redis

        return redis.Redis.from_url(self.settings.redis_url, socket_timeout=1, socket_connect_timeout=1)

    def swap_mark(self, name: str, value: float) -> Optional[float]:
        """Stores `value` under a named mark (a Redis key beside the prefix's queues); -> the previous value."""
        previous = self._redis().getset(f"{self.settings.queue_prefix}.mark.{name}", repr(value))
        return float(previous) if previous is not None else None

    def depths(self, now: Optional[float] = None) -> dict[str, dict[str, float]]:
        """Each queue's waiting messages and the age in seconds of its oldest one (0 when empty,
        or when that message carries no `published` header, e.g. one sent by Celery itself)."""
        now = time.time() if now is None else now
        r = self._redis()
        out: dict[str, dict[str, float]] = {}
        for short in QUEUES:
            name = queue_name(self.settings.queue_prefix, short)
            keys = [name] + [f"{name}{_PRIORITY_SEP}{p}" for p in _PRIORITY_STEPS]
            with r.pipeline(transaction=False) as pipe:
                for key in keys:
                    pipe.llen(key)
                    pipe.lindex(key, -1)   # LPUSH in, BRPOP out: the oldest is at the tail
                replies = pipe.execute()
            depth, oldest = 0, now
            for length, tail in zip(replies[::2], replies[1::2]):
                depth += int(length)
                stamp = _published(tail)
                if stamp is not None:
                    oldest = min(oldest, stamp)
            out[name] = {"depth": float(depth), "age": max(0.0, now - oldest)}
        return out


def _published(raw: Optional[bytes]) -> Optional[float]:
    if not raw:
        return None
    try:
        value = json.loads(raw).get("headers", {}).get(PUBLISHED)
        return float(value) if value is not None else None
    except (ValueError, AttributeError, TypeError):
        return None
