"""Domain errors. The API maps each to one HTTP status with a JSON body
{"error": {"code", "message", "field"}} (built by `error_document`, the one builder both the
Chalice app and the WSGI adapter use); nothing else escapes as a 500."""
from __future__ import annotations

import contextlib
import contextvars
from typing import Any, Iterator, Optional

# What a client sees for a bug of ours; the traceback goes to the log only.
INTERNAL = ("internal_error", "internal error; it has been logged")


def error_document(code: str, message: str, field: Optional[str] = None,
                   fields: Optional[list[dict[str, str]]] = None,
                   resources: Optional[list[dict[str, str]]] = None) -> dict[str, Any]:
    """The error body. `fields` lists every invalid field when there is more than one problem;
    `resources`, the things a refusal names ({type, id, name}), so a client can link to them
    rather than find them by name in the message."""
    error: dict[str, Any] = {"code": code, "message": message, "field": field}
    if fields:
        error["fields"] = fields
    if resources:
        error["resources"] = resources
    return {"error": error}


MAX_RESOURCES = 100   # an error body names at most this many (a refusal's message says how many in all)


def named(kind: str, docs: Any) -> list[dict[str, str]]:
    """`resources` for an error: {type, id, name} of each document (an id, a name), at most MAX_RESOURCES."""
    out: list[dict[str, str]] = []
    for doc in docs:
        if len(out) >= MAX_RESOURCES:
            break
        out.append({"type": kind, "id": str(doc["id"]), "name": str(doc.get("name") or doc["id"])})
    return out


class DomainError(Exception):
    status = 400
    code = "bad_request"
    retry_after: Optional[int] = None   # seconds, sent as Retry-After (503s, throttles)

    def __init__(self, message: str, field: Optional[str] = None,
                 fields: Optional[list[dict[str, Any]]] = None,
                 resources: Optional[list[dict[str, str]]] = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.fields = fields
        self.resources = resources


class Invalid(DomainError):
    status, code = 422, "invalid"


class BadRequest(DomainError):
    status, code = 400, "bad_request"


class Unauthorized(DomainError):
    status, code = 401, "unauthorized"


class Forbidden(DomainError):
    status, code = 403, "forbidden"


class NotFound(DomainError):
    status, code = 404, "not_found"


class AlreadyExists(DomainError):
    status, code = 409, "conflict"


class StateConflict(DomainError):
    """The resource is not in a state that allows this (e.g. cancelling a live deploy)."""
    status, code = 409, "state_conflict"


class TooLarge(DomainError):
    status, code = 413, "payload_too_large"


class Unavailable(DomainError):
    status, code = 503, "unavailable"
    retry_after: Optional[int] = 5  # seconds; the API sends it as Retry-After


class StoreUnavailable(Unavailable):
    """The store did not answer within the budget: locked by another writer (SQLite) or
    unreachable (MongoDB). Nothing of the failed write is kept, so the request can be retried."""
    retry_after = 2


# How long a store call may wait for a lock or a server in this context (seconds); None: the
# store's own patience (30 s, what workers use). API requests set a short budget (`store_budget`)
# so that a locked or slow store answers 503 quickly instead of holding a web worker.
STORE_WAIT: contextvars.ContextVar[Optional[float]] = contextvars.ContextVar("launchbay_store_wait", default=None)


@contextlib.contextmanager
def store_budget(seconds: Optional[float]) -> Iterator[None]:
    token = STORE_WAIT.set(seconds)
    try:
        yield
    finally:
        STORE_WAIT.reset(token)
