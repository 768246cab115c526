"""Domain errors. The API maps each to one HTTP status with a JSON body
{"error": {"code", "message", "field"}}; nothing else escapes as a 500."""
from __future__ import annotations

from typing import Optional


class DomainError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, field: Optional[str] = None):
        super().__init__(message)
        self.message = message
        self.field = field


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
