"""AWS X-Ray tracing for the API and the worker, on when LAUNCHBAY_XRAY is true.

On Lambda, API Gateway and the Lambda runtime open the segment (the stage sets
`"xray": true`); in the API container each request and in the worker each task
opens its own. botocore and pymongo calls become subsegments. The SDK is imported
only when tracing is on (it costs about 0.6 s to import)."""
from __future__ import annotations

import functools
import logging
import os
from typing import Any, Callable

_enabled = False


def enabled() -> bool:
    return _enabled


@functools.lru_cache(maxsize=1)
def enable(service: str = "launchbay") -> None:
    global _enabled
    try:
        from aws_xray_sdk.core import patch, xray_recorder
    except ImportError:  # the Lambda bundle leaves the SDK out: the runtime's own tracing applies
        logging.getLogger("launchbay").warning("LAUNCHBAY_XRAY is on but aws-xray-sdk is not installed")
        return

    # LOG_ERROR: a call outside any segment (start-up, a shell) must never fail because of tracing.
    xray_recorder.configure(service=service, context_missing="LOG_ERROR", sampling=False,
                            daemon_address=os.environ.get("AWS_XRAY_DAEMON_ADDRESS", "127.0.0.1:2000"))
    patch(("botocore", "pymongo"))
    _enabled = True


def wsgi_middleware(app: Callable, name: str = "launchbay-api") -> Callable:
    """One segment per request in the API container (on Lambda the runtime makes it)."""

    def traced(environ: dict, start_response: Callable) -> Any:
        if not _enabled:
            return app(environ, start_response)
        from aws_xray_sdk.core import xray_recorder

        segment = xray_recorder.begin_segment(name)
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
    """One segment per Celery task, annotated with the task's name."""

    @signals.task_prerun.connect(weak=False)
    def _start(task_id=None, task=None, **_: Any) -> None:
        if _enabled:
            from aws_xray_sdk.core import xray_recorder

            segment = xray_recorder.begin_segment(name)
            segment.put_annotation("task", task.name if task else "")
            segment.put_annotation("task_id", task_id or "")

    @signals.task_postrun.connect(weak=False)
    def _end(state=None, **_: Any) -> None:
        if _enabled:
            from aws_xray_sdk.core import xray_recorder

            if state and state != "SUCCESS":
                xray_recorder.current_segment().put_annotation("state", state)
            xray_recorder.end_segment()
