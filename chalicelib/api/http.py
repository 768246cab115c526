"""What every endpoint shares: request parsing and validation, authentication, paging,
error mapping, and the route registry that the OpenAPI document is built from.

Chalice catches exceptions inside views itself, so a view's errors are mapped here, by the
`endpoint` decorator; what Chalice answers on its own (405, 415, its `{"Code", "Message"}`
bodies) is reshaped by the `shape_errors` middleware that `install` registers on the app."""
from __future__ import annotations

import contextvars
import functools
import json
import logging
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Optional, Sequence

from chalice import Blueprint, Response
from chalice.app import CaseInsensitiveMapping

from chalicelib.api.lazy import module
from chalicelib.core.errors import (
    INTERNAL,
    STORE_WAIT,
    BadRequest,
    DomainError,
    Invalid,
    TooLarge,
    error_document,
)

log = logging.getLogger("launchbay.api")
# Chalice answers 415 for any content type not listed; clients often omit it or send form types.
CONTENT_TYPES = ["application/json", "text/plain", "application/x-www-form-urlencoded", "application/octet-stream"]
ALL_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]


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
# The authenticated caller of the request being served (one per thread/context).
_ACTOR: contextvars.ContextVar = contextvars.ContextVar("launchbay_actor", default=None)


def error_response(status: int, code: str, message: str, field_name: Optional[str] = None,
                   headers: Optional[dict] = None, fields: Optional[list[dict[str, str]]] = None,
                   resources: Optional[list[dict[str, str]]] = None) -> Response:
    return Response(error_document(code, message, field_name, fields, resources), status_code=status,
                    headers={"Content-Type": "application/json", **(headers or {})})


# --- what Chalice (not a view) answers -------------------------------------------------

_CHALICE_CODES = {"MethodNotAllowedError": "method_not_allowed", "UnsupportedMediaType": "unsupported_media_type",
                  "BadRequest": "bad_request", "BadRequestError": "bad_request", "NotFoundError": "not_found",
                  "UnauthorizedError": "unauthorized", "ForbiddenError": "forbidden", "ConflictError": "conflict",
                  "UnprocessableEntityError": "invalid", "TooManyRequestsError": "too_many_requests",
                  "RequestTimeoutError": "timeout"}


def request_header(headers: Any, name: str, default: Any = None) -> Any:
    """A Request's headers.get(name, default) for a lowercase name (a CaseInsensitiveMapping,
    its keys lowercased already), without the KeyError that Mapping.get raises and catches for
    a missing header."""
    if type(headers) is CaseInsensitiveMapping:
        return headers._dict.get(name, default)
    return headers.get(name, default)


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name.removesuffix("Error")).lower() or "error"


def shape_errors(event: Any, get_response: Callable[[Any], Response]) -> Response:
    """Chalice's own error bodies ({"Code", "Message"}, or a debug traceback) -> the project's shape.
    Views already answer in that shape, so the usual cost is one status comparison."""
    response = get_response(event)
    if response.status_code < 400:
        return response
    body = response.body
    if response.status_code >= 500 and _chalice_own(body):
        return error_response(500, *INTERNAL)  # Chalice's default 500 or its debug traceback: never sent
    if isinstance(body, dict) and "Code" in body and "error" not in body:
        code = _CHALICE_CODES.get(str(body["Code"])) or _snake(str(body["Code"]))
        headers = {k: v for k, v in response.headers.items() if k.lower() != "content-type"}
        return error_response(response.status_code, code, str(body.get("Message") or code.replace("_", " ")),
                              headers=headers)
    return response


def _chalice_own(body: Any) -> bool:
    """A 5xx body Chalice made ({"Code", "Message"} or a traceback), not one a view answered
    (views answer a dict, or JSON text already encoded: /v1/health's 503 with its checks)."""
    if isinstance(body, dict):
        return "error" not in body and ("Code" in body or "Message" in body)
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    return not (isinstance(body, str) and body.lstrip().startswith("{"))


# --- headers on every answer: security and CORS ------------------------------------------

# A JSON API: nothing may render, frame or cache it, nor learn where the request came from.
SECURITY_HEADERS = {"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer",
                    "Cache-Control": "no-store", "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'"}
HSTS = "max-age=31536000; includeSubDomains"
LOCAL_UI_ORIGINS = "http://127.0.0.1:5173,http://localhost:5173"  # the Vite dev server
CORS_REQUEST_HEADERS = "Authorization, Content-Type, Idempotency-Key"
CORS_EXPOSED_HEADERS = "Location, Retry-After, WWW-Authenticate"
CORS_MAX_AGE = "600"


@functools.lru_cache(maxsize=8)
def _origins(raw: Optional[str], stage: str) -> frozenset[str]:
    if raw is None:
        raw = LOCAL_UI_ORIGINS if stage == "local" else ""
    # exact origins only: "*" (or "null") would open the API to any page
    return frozenset(o.strip().rstrip("/") for o in raw.split(",") if o.strip() not in ("", "*", "null"))


def allowed_origin(settings: Any, origin: Optional[str]) -> bool:
    return bool(origin) and origin in _origins(settings.ui_origins, settings.stage)


def response_headers(settings: Any, origin: Optional[str]) -> dict[str, str]:
    """What every answer carries (the app's middleware and the WSGI adapter's own errors)."""
    headers = dict(SECURITY_HEADERS)
    if settings.stage not in ("local", "test"):  # only ever served over HTTPS there
        headers["Strict-Transport-Security"] = HSTS
    headers["Vary"] = "Origin"  # the CORS answer depends on it
    if allowed_origin(settings, origin):
        # the exact origin, never "*"; no cookies are used, so no Allow-Credentials either
        headers["Access-Control-Allow-Origin"] = origin  # type: ignore[assignment]
        headers["Access-Control-Expose-Headers"] = CORS_EXPOSED_HEADERS
    return headers


class _Strictest:
    """Stands in when the settings cannot load (the answer is then an error anyway)."""
    stage = "prod"
    ui_origins = ""


# Modules imported on first use (`import app` stays cheap), then reached through these names
# (their attributes looked up per call, so a test's monkeypatch on them still takes).
_settings_module: Any = None
_wiring_module: Any = None
_accounts_module: Any = None
_orjson: Any = None


def header_settings() -> Any:
    global _settings_module
    try:
        if _settings_module is None:
            _settings_module = module("chalicelib.settings")
        return _settings_module.get_settings()
    except Exception:  # the settings' own error is reported by whatever needs them
        return _Strictest()


# Those headers depend only on the settings and on whether the Origin is allowed: built once per
# settings object and allowed origin, not per answer. An origin that is not allowed gets the
# headers of no origin, so what clients send cannot grow this beyond the configured origins.
_EVERY_ANSWER: dict[Optional[str], tuple[tuple[str, str, str], ...]] = {}
_EVERY_ANSWER_SETTINGS: list[Any] = [None]


def every_answer_headers(origin: Optional[str]) -> tuple[tuple[str, str, str], ...]:
    """((name, lowercase name, value), ...): `response_headers` for the current settings."""
    settings = header_settings()
    if _EVERY_ANSWER_SETTINGS[0] is not settings:   # new settings (tests reset them): start again
        _EVERY_ANSWER.clear()
        _EVERY_ANSWER_SETTINGS[0] = settings
    key = origin if origin and allowed_origin(settings, origin) else None
    extra = _EVERY_ANSWER.get(key)
    if extra is None:
        extra = _EVERY_ANSWER[key] = tuple((k, k.lower(), v) for k, v in response_headers(settings, key).items())
    return extra


def secure_headers(event: Any, get_response: Callable[[Any], Response]) -> Response:
    response = get_response(event)
    extra = every_answer_headers(request_header(event.headers, "origin") if event.headers is not None else None)
    have = {k.lower() for k in response.headers}
    response.headers.update({k: v for k, low, v in extra if low not in have})
    return response


def _preflight(app: Any) -> Callable[..., Response]:
    def preflight(**_: Any) -> Response:
        """CORS preflight: the methods of this path and the headers the UI sends, to allowed
        origins only (the middleware adds Access-Control-Allow-Origin for those)."""
        req = app.current_request
        methods = ", ".join(sorted(m for m in app.routes.get((req.context or {}).get("resourcePath"), {})
                                   if m != "OPTIONS") + ["OPTIONS"])
        headers: dict[str, str | list[str]] = {"Allow": methods}
        if allowed_origin(header_settings(), (req.headers or {}).get("origin")):
            headers.update({"Access-Control-Allow-Methods": methods, "Access-Control-Allow-Headers": CORS_REQUEST_HEADERS,
                            "Access-Control-Max-Age": CORS_MAX_AGE})
        return Response(body="", status_code=204, headers=headers)
    return preflight


def install(app: Any) -> None:
    """Make every answer of the app use the project's error shape and carry the security and
    CORS headers; answer CORS preflights (app.py calls this once, after the blueprints)."""
    app.register_middleware(secure_headers, "http")  # first: outermost, so error answers get them too
    app.register_middleware(shape_errors, "http")
    # API Gateway (and LocalGateway) route OPTIONS to the app only where a path declares it.
    preflight = _preflight(app)
    for path in list(app.routes):
        if "OPTIONS" not in app.routes[path]:
            app.route(path, methods=["OPTIONS"], content_types=CONTENT_TYPES, name="preflight")(preflight)

    @app.route("/{proxy+}", methods=ALL_METHODS, content_types=CONTENT_TYPES)
    def no_route(**_: Any) -> Response:
        """API Gateway (and Chalice's local gateway) answer an unknown path 403 "Missing
        Authentication Token"; this greedy catch-all brings such requests to the app: a 404."""
        req = app.current_request
        return error_response(404, "not_found", f"no route for {req.method} {(req.context or {}).get('path') or '/'}")


# The Ports of the request being served (set by `endpoint` for the view's run): a request asks
# for them a few times (its snapshot, authentication, the view), and they do not change within it.
_PORTS: contextvars.ContextVar = contextvars.ContextVar("launchbay_ports", default=None)


def ports():
    found = _PORTS.get()
    if found is not None:
        return found
    return _wired_ports()


def _wired_ports():
    global _wiring_module
    if _wiring_module is None:
        _wiring_module = module("chalicelib.wiring")
    return _wiring_module.get_ports()


def endpoint(bp: Blueprint, path: str, method: str, summary: str, status: int = 200, body: Any = None,
             auth: bool = True, query: Optional[dict[str, str]] = None, tag: str = ""):
    """Register a route; the view returns a dict (JSON body) or a (status, body[, headers]) tuple."""
    ROUTES.append(RouteInfo(path, method, summary, status, body, auth, query or {}, tag))

    def wrap(view: Callable) -> Callable:
        @functools.wraps(view)
        def handler(*args: Any, **kwargs: Any) -> Response:
            token = _ACTOR.set(None)
            # a locked or slow store: 503 in seconds, not 30 (header_settings(): a stand-in when the
            # settings themselves are broken)
            budget = STORE_WAIT.set(getattr(header_settings(), "api_store_wait", None))
            held = _PORTS.set(None)
            try:
                p = _wired_ports()   # the request's own (not another endpoint's in this context)
                _PORTS.set(p)
                with p.store.snapshot():   # the request's reads: one snapshot (SQLite: one lock)
                    if auth:  # the declaration enforces it: a view cannot forget to authenticate
                        _ACTOR.set(_authenticate(bp, p, kwargs.get("org")))
                    out = view(*args, **kwargs)
            except DomainError as exc:
                extra: Optional[dict] = None
                if exc.status == 401:
                    extra = {"WWW-Authenticate": "Bearer"}
                elif exc.retry_after:   # 503s (Unavailable), throttles
                    extra = {"Retry-After": str(exc.retry_after)}
                return error_response(exc.status, exc.code, exc.message, exc.field, extra, exc.fields, exc.resources)
            except Exception as exc:  # never a stack trace to the client
                from chalicelib.store.port import BadCursor

                if isinstance(exc, BadCursor):
                    return error_response(400, "bad_request", str(exc), "cursor")  # as the search cursor
                log.exception("unhandled error on %s %s", method, path)
                return error_response(500, *INTERNAL)
            finally:
                _PORTS.reset(held)
                STORE_WAIT.reset(budget)
                _ACTOR.reset(token)
            if type(out) is dict and status != 204:   # the usual answer: a JSON object
                return Response(_encode(out), {"Content-Type": "application/json"}, status)
            if isinstance(out, Response):
                return out
            code, payload = status, out
            headers: dict[str, str | list[str]] = {}
            if isinstance(out, tuple):
                code, payload = out[0], out[1]
                headers = dict(out[2]) if len(out) > 2 else {}
            if code == 204:
                return Response(body="", status_code=204, headers=headers)
            return Response(_encode(payload), status_code=code, headers={"Content-Type": "application/json", **headers})

        bp.route(path, methods=[method], content_types=CONTENT_TYPES)(handler)
        return handler

    return wrap


def _encode(payload: Any) -> Any:
    """A view's JSON body, encoded here with orjson (about 10x the stdlib encoder: a page of 50
    deployments with their steps is 250 KB); Chalice passes a str body through as it is. What
    orjson refuses (an integer beyond 64 bits, say) is left to Chalice's json.dumps."""
    global _orjson
    if _orjson is None:
        _orjson = module("orjson")
    try:
        return _orjson.dumps(payload, option=_orjson.OPT_NON_STR_KEYS).decode()
    except TypeError:  # orjson.JSONEncodeError is one
        return payload


# The key under which chalicelib.api.wsgi.make_thread_local keeps an app's per-thread request
# (tests/unit/test_wsgi_fastpath.py checks the two agree).
_TLS_KEY = "_launchbay_tls"


def request(bp: Blueprint):
    """bp.current_request: read straight from the app's per-thread slot where the WSGI adapter
    made one (Blueprint's property and the app's each cost a Python call), else as Chalice does
    (Lambda, chalice.test.Client; it raises when the blueprint is not registered)."""
    app = bp._current_app
    if app is not None:
        tls = app.__dict__.get(_TLS_KEY)
        if tls is not None:
            req = getattr(tls, "current_request", None)
            if req is not None:
                return req
    return bp.current_request


def source_ip(bp: Blueprint) -> str:
    ctx = request(bp).context or {}
    return ((ctx.get("identity") or {}).get("sourceIp")) or ""


def user_agent(bp: Blueprint) -> str:
    """The client's User-Agent (a browser's, the CLI's), for the sessions it opens."""
    return str(request_header(request(bp).headers or {}, "user-agent", "") or "")


def _authenticate(bp: Blueprint, p: Any = None, org: Optional[str] = None):
    """`p`: the request's Ports, when the caller has them at hand. `org`: the organization the
    path names, whose membership is read with the session (accounts.service.authenticate)."""
    global _accounts_module
    if _accounts_module is None:
        _accounts_module = module("chalicelib.accounts.service")
    req = request(bp)
    ctx = req.context or {}
    headers = req.headers
    if type(headers) is CaseInsensitiveMapping:   # request_header, inline
        authorization = headers._dict.get("authorization")
    else:
        authorization = request_header(headers, "authorization") if headers is not None else None
    return _accounts_module.authenticate(p if p is not None else ports(), authorization,
                                         ((ctx.get("identity") or {}).get("sourceIp")) or "", org)


def actor(bp: Blueprint):
    """The caller, authenticated once per request by `endpoint` (auth=True routes)."""
    return _ACTOR.get() or _authenticate(bp)


def json_body(bp: Blueprint) -> Any:
    """The JSON body, parsed (any JSON value); 413 past the size limit, 400 when empty or malformed."""
    raw = request(bp).raw_body or b""
    if len(raw) > ports().settings.max_body_bytes:
        raise TooLarge(f"request body is larger than {ports().settings.max_body_bytes} bytes")
    if not raw.strip():
        raise BadRequest("a JSON object body is required", field="body")
    try:
        return json.loads(raw)
    except RecursionError:  # json.loads recurses per nesting level
        raise BadRequest("malformed JSON: nested too deeply", field="body") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadRequest(f"malformed JSON: {exc}", field="body") from None


def public_base_url(bp: Blueprint, suffix: str) -> str:
    """The API's public address as this request reached it (behind API Gateway the path carries
    the stage, e.g. /api), so a URL made for a caller (a webhook's, a deploy hook's) works from where
    they called; `suffix`: the request's own path, from /v1 on."""
    req = request(bp)
    headers = req.headers or {}
    host = headers.get("x-forwarded-host") or headers.get("host") or "localhost"
    local = host.split(":")[0] in ("localhost", "127.0.0.1")
    scheme = (headers.get("x-forwarded-proto") or ("http" if local else "https")).split(",")[0].strip()
    path = (req.context or {}).get("path") or ""
    prefix = path[: -len(suffix)] if path.endswith(suffix) else ""
    return f"{scheme}://{host}{prefix.removesuffix('/v1')}"


def parse_body(bp: Blueprint, model: Any):
    """JSON body -> validated model; 400 for malformed JSON, 422 naming every invalid field otherwise."""
    from pydantic import ValidationError

    data = json_body(bp)
    if not isinstance(data, dict):
        raise BadRequest("the body must be a JSON object", field="body")
    try:
        return model.model_validate(data)
    except RecursionError:  # nested deeper than validation can walk
        raise BadRequest("the body is nested too deeply", field="body") from None
    except ValidationError as exc:
        raise invalid(exc.errors(include_url=False, include_input=False), order=list(data)) from None


def _problem(err: Mapping[str, Any]) -> dict[str, str]:
    """One pydantic error -> {"field", "message"}, with the field as the request spells it
    (pydantic's loc holds the alias when a field has one) and the message in words."""
    loc = ".".join(str(p) for p in err.get("loc", ())) or "body"
    kind = err.get("type")
    message = str(err.get("msg", "invalid value")).removeprefix("Value error, ")
    ctx = err.get("ctx") or {}
    if kind == "extra_forbidden":
        message = f"unknown field {loc!r}"
    elif kind == "missing" or (kind == "string_too_short" and ctx.get("min_length") == 1):
        message = f"{loc} is required"
    elif kind == "string_pattern_mismatch":  # a raw regular expression means nothing to a person
        from chalicelib.core.types import pattern_mismatch  # pydantic: not at import (cold start)

        message = pattern_mismatch(loc, dict(err))
    elif kind in _BOUNDS and _BOUNDS[kind][0] in ctx:   # pydantic's "String should have…" names no field
        message = _BOUNDS[kind][1].format(loc=loc, n=ctx[_BOUNDS[kind][0]])
    elif kind in _TYPES:
        message = f"{loc} must be {_TYPES[kind]}"
    return {"field": loc, "message": message}


# pydantic's error type -> (the limit in its ctx, the words)
_BOUNDS = {"string_too_short": ("min_length", "{loc} must be at least {n} characters"),
           "string_too_long": ("max_length", "{loc} must be at most {n} characters"),
           "greater_than_equal": ("ge", "{loc} must be at least {n}"), "less_than_equal": ("le", "{loc} must be at most {n}"),
           "greater_than": ("gt", "{loc} must be more than {n}"), "less_than": ("lt", "{loc} must be less than {n}"),
           "too_short": ("min_length", "{loc} must have at least {n} items"),
           "too_long": ("max_length", "{loc} must have at most {n} items")}
_TYPES = {"int_parsing": "a whole number", "int_type": "a whole number", "int_from_float": "a whole number",
          "string_type": "text", "bool_parsing": "true or false", "bool_type": "true or false",
          "float_parsing": "a number", "float_type": "a number", "dict_type": "an object", "list_type": "a list"}


def invalid(errors: Sequence[Mapping[str, Any]], order: Optional[list[str]] = None) -> Invalid:
    """Every problem, in the order the request gave its fields (missing ones last)."""
    rank = {name: i for i, name in enumerate(order or [])}
    problems = [_problem(e) for e in sorted(errors, key=lambda e: rank.get(str((e.get("loc") or ("",))[0]), len(rank)))]
    problems = problems or [{"field": "body", "message": "invalid value"}]
    first = problems[0]
    message = first["message"]
    if len(problems) > 1:
        message = f"{len(problems)} problems: " + "; ".join(
            p["message"] if p["message"].startswith(p["field"]) else f"{p['field']}: {p['message']}" for p in problems)
    return Invalid(message, field=first["field"], fields=problems)


def query(bp: Blueprint) -> dict[str, str]:
    return dict(request(bp).query_params or {})


def limit(bp: Blueprint, default: int = 50, maximum: int = 200) -> int:
    return _limit(query(bp), default, maximum)


def _limit(params: dict[str, str], default: int, maximum: int) -> int:
    raw = params.get("limit", str(default))
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest("limit must be a whole number", field="limit") from None
    if not 1 <= value <= maximum:
        raise BadRequest(f"limit must be between 1 and {maximum}", field="limit")
    return value


def page(bp: Blueprint, default: int = 50) -> tuple[int, Optional[str]]:
    raw = request(bp).query_params
    if not raw:   # no query string (the usual first page): the default limit, no cursor
        return default, None
    params = dict(raw)
    return _limit(params, default, 200), params.get("cursor") or None


def paged(items: list, nxt: Optional[str]) -> dict[str, Any]:
    return {"items": items, "next": nxt}
