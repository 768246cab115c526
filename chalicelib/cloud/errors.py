"""Classify cloud exceptions: retry later (throttling, network, 5xx) or fail now.

The worker calls is_retryable(exc) when a cloud call escapes botocore's own
retries: retryable errors re-queue the task with backoff, anything else fails
the deployment with describe(exc) as the reason. Unknown exceptions count as
permanent, so a bug does not loop forever.
"""
from __future__ import annotations

from typing import Any, Optional

# Error codes AWS uses for "slow down / try again".
THROTTLING_CODES = frozenset({
    "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
    "TooManyRequestsException", "ProvisionedThroughputExceededException", "RequestLimitExceeded",
    "BandwidthLimitExceeded", "RequestThrottled", "SlowDown", "EC2ThrottledException",
    "PriorRequestNotComplete",  # Route 53: a change for the same zone is still running
})

# Transient server-side or eventual-consistency conditions.
TRANSIENT_CODES = frozenset({
    "InternalError", "InternalFailure", "InternalServerError", "InternalServiceError",
    "ServerException",  # ECS 5xx
    "ServiceUnavailable", "ServiceUnavailableException", "Unavailable",
    "RequestTimeout", "RequestTimeoutException", "RequestExpired", "IDPCommunicationError",
    "UpdateInProgressException",  # ECS: another update of the same service is running
    "ConcurrentModificationException", "ConcurrentModification", "ConcurrentUpdateException",
    "OperationAbortedException", "PriorityInUse",  # ELBv2 rule priority race
    "DependencyViolation",  # EC2: a resource still referenced while AWS tears down its user
    "ResourceInUseException", "ResourceConflictException",
})

# Messages that mean "IAM has not propagated yet": a role created seconds ago.
_PROPAGATION_HINTS = ("unable to assume", "cannot be assumed", "is not authorized to perform: iam:passrole",
                      "role defined for the function cannot be assumed",
                      # CloudWatch Logs tries a new subscription filter with its role (a log drain's)
                      "could not deliver test message")


def error_code(exc: BaseException) -> Optional[str]:
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        return (response.get("Error") or {}).get("Code")
    return None


def _status(exc: BaseException) -> Optional[int]:
    response: Any = getattr(exc, "response", None)
    if isinstance(response, dict):
        return (response.get("ResponseMetadata") or {}).get("HTTPStatusCode")
    return None


def is_retryable(exc: BaseException) -> bool:
    """True when trying the same call again later may succeed."""
    try:
        from botocore import exceptions as bce
    except ImportError:  # pragma: no cover - botocore is a hard dependency of the adapter
        bce = None

    if bce is not None:
        # Connection refused/reset, DNS, read/connect timeouts, proxy trouble.
        if isinstance(exc, (bce.ConnectionError, bce.HTTPClientError)):
            return True
        if isinstance(exc, bce.ClientError):
            code = error_code(exc) or ""
            if code in THROTTLING_CODES or code in TRANSIENT_CODES:
                return True
            status = _status(exc) or 0
            if status >= 500 or status == 429:
                return True
            message = str(exc).lower()
            if code.startswith(("InvalidParameter", "InvalidArgument")) and any(h in message for h in _PROPAGATION_HINTS):
                return True
            return False
        if isinstance(exc, bce.WaiterError):
            return True  # the resource was not ready yet: look again later
        if isinstance(exc, (bce.NoCredentialsError, bce.PartialCredentialsError, bce.ParamValidationError,
                            bce.NoRegionError)):
            return False
        if isinstance(exc, bce.BotoCoreError):
            return False
    return isinstance(exc, (RetryLater, TimeoutError, ConnectionError))


def describe(exc: BaseException) -> str:
    """A one-line, human description: 'AccessDeniedException: User ... is not authorized ...'."""
    code = error_code(exc)
    if code:
        message = ((getattr(exc, "response", None) or {}).get("Error") or {}).get("Message") or str(exc)
        op = getattr(exc, "operation_name", "")
        return f"{code}: {message}" + (f" (during {op})" if op else "")
    return f"{type(exc).__name__}: {exc}"


class RetryLater(Exception):
    """Raised by the adapter itself when AWS is mid-transition (e.g. a service still draining)."""
