"""What every endpoint shares: request parsing and validation, authentication, paging,
error mapping, and the route registry that the OpenAPI document is built from.

Chalice catches exceptions inside views itself, so errors are mapped here, by the
`endpoint` decorator, rather than in middleware."""
from __future__ import annotations

import functools
import json
import logging
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

from chalice import Blueprint, Response

from chalicelib.core.errors import BadRequest, DomainError, TooLarge

log = logging.getLogger("launchbay.api")
# Chalice answers 415 for any content type not listed; clients often omit it or send form types.
CONTENT_TYPES = ["application/json", "text/plain", "application/x-www-form-urlencoded", "application/octet-stream"]


@dataclass
class RouteInfo:
    path: str
    method: str
    summary: str
    status: int
    body: Any = None
    auth: bool = True
    query: dict[str, str] = field(default_factory=dict)
    tag: str = ""


ROUTES: list[RouteInfo] = []


def error_response(status: int, code: str, message: str, field_name: Optional[str] = None,
                   headers: Optional[dict] = None) -> Response:
    return Response({"error": {"code": code, "message": message, "field": field_name}}, status_code=status,
                    headers={"Content-Type": "application/json", **(headers or {})})


def ports():
    from chalicelib.wiring import get_ports

    return get_ports()


def endpoint(bp: Blueprint, path: str, method: str, summary: str, status: int = 200, body: Any = None,
             auth: bool = True, query: Optional[dict[str, str]] = None, tag: str = ""):
    """Register a route; the view returns a dict (JSON body) or a (status, body[, headers]) tuple."""
    ROUTES.append(RouteInfo(path, method, summary, status, body, auth, query or {}, tag))

    def wrap(view: Callable) -> Callable:
        @functools.wraps(view)
        def handler(*args: Any, **kwargs: Any) -> Response:
            try:
                out = view(*args, **kwargs)
            except DomainError as exc:
                headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
                return error_response(exc.status, exc.code, exc.message, exc.field, headers)
            except Exception as exc:  # never a stack trace to the client
                from chalicelib.store.port import BadCursor

                if isinstance(exc, BadCursor):
                    return error_response(400, "bad_cursor", str(exc), "cursor")
                log.exception("unhandled error on %s %s", method, path)
                return error_response(500, "internal", "internal error; it has been logged")
            if isinstance(out, Response):
                return out
            code, payload, headers = status, out, {}
            if isinstance(out, tuple):
                code, payload = out[0], out[1]
                headers = out[2] if len(out) > 2 else {}
            if code == 204:
                return Response(body="", status_code=204, headers=headers)
            return Response(payload, status_code=code, headers={"Content-Type": "application/json", **headers})

        bp.route(path, methods=[method], content_types=CONTENT_TYPES)(handler)
        return handler

    return wrap


def request(bp: Blueprint):
    return bp.current_request


def source_ip(bp: Blueprint) -> str:
    ctx = request(bp).context or {}
    return ((ctx.get("identity") or {}).get("sourceIp")) or ""


def actor(bp: Blueprint):
    from chalicelib.accounts.service import authenticate

    headers = request(bp).headers or {}
    return authenticate(ports(), headers.get("authorization"), source_ip(bp))


def parse_body(bp: Blueprint, model: Any):
    """JSON body -> validated model; 400 for malformed JSON, 422 naming the field otherwise."""
    from pydantic import ValidationError

    raw = request(bp).raw_body or b""
    if len(raw) > ports().settings.max_body_bytes:
        raise TooLarge(f"request body is larger than {ports().settings.max_body_bytes} bytes")
    if not raw.strip():
        raise BadRequest("a JSON object body is required", field="body")
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadRequest(f"malformed JSON: {exc}", field="body") from None
    if not isinstance(data, dict):
        raise BadRequest("the body must be a JSON object", field="body")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(p) for p in first.get("loc", ())) or "body"
        message = first.get("msg", "invalid value")
        if first.get("type") == "extra_forbidden":
            message = f"unknown field {loc!r}"
        from chalicelib.core.errors import Invalid

        raise Invalid(message.removeprefix("Value error, "), field=loc) from None


def query(bp: Blueprint) -> dict[str, str]:
    return dict(request(bp).query_params or {})


def limit(bp: Blueprint, default: int = 50, maximum: int = 200) -> int:
    raw = query(bp).get("limit", str(default))
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest("limit must be a whole number", field="limit") from None
    if not 1 <= value <= maximum:
        raise BadRequest(f"limit must be between 1 and {maximum}", field="limit")
    return value


def page(bp: Blueprint, default: int = 50) -> tuple[int, Optional[str]]:
    return limit(bp, default), query(bp).get("cursor") or None


def paged(items: list, nxt: Optional[str]) -> dict[str, Any]:
    return {"items": items, "next": nxt}
