"""AWS X-Ray tracing for the API and the worker, on when LAUNCHBAY_XRAY is true.

On Lambda, API Gateway and the Lambda runtime open the segment (the stage sets
`"xray": true`); in the API container each request and in the worker each task
opens its own. botocore and pymongo calls become subsegments. The SDK is imported
only when tracing is on (it costs about 0.6 s to import).

One trace across processes: a task published while a request (or a task) is traced
carries the trace header (`X-Amzn-Trace-Id`) in its message headers (chalicelib/queue.py);
the worker's segment continues that trace, starts when the message was published (a
`queue wait` subsegment shows the wait) and holds a subsegment per deploy step (`span`)."""
from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from typing import Any, Callable, Iterator, Optional

HEADER = "X-Amzn-Trace-Id"
LAMBDA_TRACE_ENV = "_X_AMZN_TRACE_ID"   # set by the Lambda runtime for each invocation
_enabled = False    # the SDK is configured and patching
_wanted = False     # LAUNCHBAY_XRAY is on (on Lambda the SDK is absent; the runtime traces)
_lock = threading.Lock()


def enabled() -> bool:
    return _enabled


def enable(service: str = "launchbay") -> None:
    global _enabled, _wanted
    with _lock:
        if _wanted:
            return
        _wanted = True
        try:
            from aws_xray_sdk.core import patch, xray_recorder
        except ImportError:  # the Lambda bundle leaves the SDK out: the runtime's own tracing applies
            logging.getLogger("launchbay").info("LAUNCHBAY_XRAY is on without aws-xray-sdk: the runtime's trace only")
            return

        # LOG_ERROR: a call outside any segment (start-up, a shell) must never fail because of tracing.
        xray_recorder.configure(service=service, context_missing="LOG_ERROR", sampling=False,
                                daemon_address=os.environ.get("AWS_XRAY_DAEMON_ADDRESS", "127.0.0.1:2000"))
        patch(("botocore", "pymongo"))
        _enabled = True


def outgoing_header() -> Optional[str]:
    """The trace header a task published now should carry, or None when nothing is traced."""
    if not _wanted:
        return None
    if not _enabled:
        return os.environ.get(LAMBDA_TRACE_ENV) or None
    from aws_xray_sdk.core import xray_recorder
    from aws_xray_sdk.core.models.trace_header import TraceHeader

    entity = xray_recorder.get_trace_entity()
    if entity is None:
        return None
    segment = entity if getattr(entity, "parent_segment", None) is None else entity.parent_segment
    return TraceHeader(root=segment.trace_id, parent=entity.id,
                       sampled=1 if segment.sampled else 0).to_header_str()


@contextlib.contextmanager
def span(name: str, **annotations: Any) -> Iterator[None]:
    """A subsegment of the current segment (a deploy step); nothing when tracing is off."""
    if not _enabled:
        yield
        return
    from aws_xray_sdk.core import xray_recorder

    sub = xray_recorder.begin_subsegment(name)
    try:
        if sub is not None:
            for key, value in annotations.items():
                sub.put_annotation(key, value)
        yield
    except Exception as exc:
        if sub is not None:
            sub.add_exception(exc, [])
        raise
    finally:
        if sub is not None:
            xray_recorder.end_subsegment()


def _begin(name: str, header: Optional[str]) -> Any:
    from aws_xray_sdk.core import xray_recorder
    from aws_xray_sdk.core.models.trace_header import TraceHeader

    parsed = TraceHeader.from_header_str(header) if header else None
    if parsed is not None and parsed.root:
        sampled = None if parsed.sampled is None else bool(int(parsed.sampled))
        return xray_recorder.begin_segment(name, traceid=parsed.root, parent_id=parsed.parent, sampling=sampled)
    return xray_recorder.begin_segment(name)


def wsgi_middleware(app: Callable, name: str = "launchbay-api") -> Callable:
    """One segment per request in the API container (on Lambda the runtime makes it); it
    continues the trace of an incoming X-Amzn-Trace-Id (the load balancer adds one)."""

    def traced(environ: dict, start_response: Callable) -> Any:
        if not _enabled:
            return app(environ, start_response)
        from aws_xray_sdk.core import xray_recorder

        segment = _begin(name, environ.get("HTTP_X_AMZN_TRACE_ID"))
        segment.put_http_meta("method", environ.get("REQUEST_METHOD"))
        segment.put_http_meta("url", environ.get("PATH_INFO"))
        status_holder = {}

        def capture(status: str, headers: list, exc_info: Any = None):
            status_holder["code"] = int(status.split(" ", 1)[0])
            return start_response(status, headers, exc_info) if exc_info else start_response(status, headers)

        try:
            return app(environ, capture)
        finally:
            segment.put_http_meta("status", status_holder.get("code", 500))
            xray_recorder.end_segment()

    return traced


def connect_celery(signals: Any, name: str = "launchbay-worker") -> None:
    """One segment per Celery task, annotated with the task's name, continuing the trace of
    the message's X-Amzn-Trace-Id header and starting when the message was published."""

    @signals.task_prerun.connect(weak=False)
    def _start(task_id=None, task=None, **_: Any) -> None:
        if not _enabled:
            return
        from aws_xray_sdk.core import xray_recorder

        request = getattr(task, "request", None)
        segment = _begin(name, getattr(request, HEADER, None))
        segment.put_annotation("task", task.name if task else "")
        segment.put_annotation("task_id", task_id or "")
        published = getattr(request, "published", None)
        now = time.time()
        if isinstance(published, (int, float)) and 0 <= now - published < 86400:
            segment.start_time = published   # the segment covers the wait in the queue ...
            wait = xray_recorder.begin_subsegment("queue wait", namespace="local")
            if wait is not None:             # ... shown as its own subsegment
                wait.start_time = published
                xray_recorder.end_subsegment(end_time=now)
            segment.put_annotation("queue_wait_ms", round((now - published) * 1000, 1))

    @signals.task_postrun.connect(weak=False)
    def _end(state=None, **_: Any) -> None:
        if _enabled:
            from aws_xray_sdk.core import xray_recorder

            if state and state != "SUCCESS":
                xray_recorder.current_segment().put_annotation("state", state)
            xray_recorder.end_segment()
