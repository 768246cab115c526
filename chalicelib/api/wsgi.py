"""Serve the Chalice app from a WSGI server (gunicorn) instead of Lambda.

    gunicorn -c gunicorn.conf.py chalicelib.api.wsgi:application

`make_wsgi_app(chalice_app)` wraps any Chalice app; the module-level `application`
imports `app.app` lazily (first request, or `application.load()`, which
gunicorn.conf.py calls when a worker boots) so that importing this module stays
cheap and tests can use the adapter without the real API.

Each request is turned into the API Gateway (REST, v1) event that Lambda would
see and dispatched through `chalice.local.LocalGateway` (internal API of chalice,
pinned to 1.34.0 in requirements.txt; tests/unit/test_wsgi_adapter.py covers the
parts used here): routing, path parameters, authorizers, CORS preflight. Most
requests take a shorter road to the same answers (chalicelib/api/fastpath.py: our
own route table, the event built directly; tests/unit/test_wsgi_fastpath.py
compares both roads); `make_wsgi_app(app, fast=False)` takes LocalGateway's always.

What the adapter adds on top:

* Body limit: a request body larger than `max_body_bytes` (settings
  LAUNCHBAY_MAX_BODY_BYTES, 1 MiB by default) is answered 413 with the project's
  error shape, from Content-Length before reading anything, or after reading at
  most max+1 bytes of a chunked body.
* No stack trace ever leaves the process: an exception in the adapter or the app,
  and any 5xx the app did not shape itself (Chalice's default body, or its
  debug-mode text/plain traceback), becomes `500 {"error": {"code":
  "internal_error", ...}}` (the code the app uses too); the traceback goes to the
  `launchbay.wsgi` logger.
* Unknown routes answer 404 `not_found` (API Gateway answers 403 "Missing
  Authentication Token", which confuses API clients).
* Every answer, the adapter's own errors included, carries the security and
  CORS headers of `chalicelib.api.http.response_headers` (those the app set
  already are kept).

Thread safety -- why each thread gets its own view rather than a lock:
Chalice stores `app.current_request` and `app.lambda_context` as plain attributes
of the one shared app object, so with threads (gunicorn `gthread`, the stdlib
threading server, a test) one request can read another request's headers, the
Authorization token included. We serve with process workers (`-k sync`, see
gunicorn.conf.py), and in addition the adapter makes those two attributes
thread-local: on first use it swaps the app's class for a subclass whose
`current_request` / `lambda_context` are properties backed by a
`threading.local` (the same technique `chalice local` uses in
`chalice.local.LocalChalice`, but per app instead of a module-global class).
A lock per app would also be correct, but it would serialise every request of
a worker process, including the time a handler waits on Redis/Mongo, so a
threaded worker would be no faster than one thread; the per-thread view keeps
threads useful and costs one attribute lookup. Everything else on the request
path (LocalGateway, the event converter, RestAPIEventHandler) is created per
request or holds no per-request state, but for the short road's handler, which is
one per thread and forgets the request when it has answered.
"""
from __future__ import annotations

import base64
import itertools
import json
import logging
import os
import re
import threading
import time
import uuid
from http import HTTPStatus
from pathlib import Path
from typing import Any, Callable, Dict, FrozenSet, Iterable, List, Optional, Sequence, Tuple
from urllib.parse import parse_qs

from chalicelib.api.lazy import load_all, module
from chalicelib.core.errors import INTERNAL, error_document

log = logging.getLogger("launchbay.wsgi")

__all__ = ["make_wsgi_app", "application", "WSGIAdapter", "LazyApplication", "StaticUI", "error_body"]

_JSON = "application/json"


def error_body(code: str, message: str, field: Optional[str] = None) -> bytes:
    """The project's error shape, from the builder the Chalice app uses too (core/errors.py)."""
    return json.dumps(error_document(code, message, field), separators=(",", ":")).encode("utf-8")


_STATUS_LINES: Dict[int, str] = {}


def _status_line(code: int) -> str:
    line = _STATUS_LINES.get(code)
    if line is None:
        try:
            line = "%d %s" % (code, HTTPStatus(code).phrase)
        except ValueError:
            line = "%d Unknown" % code
        if len(_STATUS_LINES) < 1024:
            _STATUS_LINES[code] = line
    return line


# Request ids in uuid4's format for requests that come without an X-Request-Id: a random uuid4
# per process whose last 12 hex digits then count up. Unique (74 random bits per process, drawn
# again in a forked child, then a counter), not unguessable, which an id need not be; a fresh
# random uuid4 per request cost about 1 us (random.getrandbits and the formatting).
_ID_PREFIX = [""]
_ID_COUNT: List[Any] = [None]


def _reseed_request_ids() -> None:
    start = uuid.uuid4()
    _ID_PREFIX[0] = str(start)[:24]
    _ID_COUNT[0] = itertools.count(start.int & 0xFFFFFFFFFFFF)


def _new_request_id() -> str:
    return "%s%012x" % (_ID_PREFIX[0], next(_ID_COUNT[0]) & 0xFFFFFFFFFFFF)


_reseed_request_ids()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reseed_request_ids)


# --- per-thread current_request / lambda_context --------------------------------------

_TLS_KEY = "_launchbay_tls"
_PATCH_LOCK = threading.Lock()


def _tls_property(name: str) -> property:
    def fget(self: Any) -> Any:
        return getattr(self.__dict__[_TLS_KEY], name, None)

    def fset(self: Any, value: Any) -> None:
        setattr(self.__dict__[_TLS_KEY], name, value)

    def fdel(self: Any) -> None:
        try:
            delattr(self.__dict__[_TLS_KEY], name)
        except AttributeError:
            pass

    return property(fget, fset, fdel, "Per-thread %s (see chalicelib.api.wsgi)" % name)


def make_thread_local(chalice_app: Any) -> Any:
    """Give each thread its own `current_request` and `lambda_context` on this app.

    Idempotent. The app keeps its identity and stays an instance of its original
    class (the new class derives from it), so blueprints and `chalice.test.Client`
    keep working.
    """
    with _PATCH_LOCK:
        if _TLS_KEY in chalice_app.__dict__:
            return chalice_app
        cls = type(chalice_app)
        patched = type(
            cls.__name__,
            (cls,),
            {
                "__module__": cls.__module__,
                "__qualname__": getattr(cls, "__qualname__", cls.__name__),
                "current_request": _tls_property("current_request"),
                "lambda_context": _tls_property("lambda_context"),
            },
        )
        tls = threading.local()
        chalice_app.__dict__[_TLS_KEY] = tls
        # The values set before the swap (if any) stay visible to this thread only.
        for name in ("current_request", "lambda_context"):
            if name in chalice_app.__dict__:
                setattr(tls, name, chalice_app.__dict__.pop(name))
        chalice_app.__class__ = patched
        return chalice_app


# --- the adapter -------------------------------------------------------------------


class _Context:
    """What Lambda's context offers the handler, without chalice.local.LambdaContext's
    per-request clock objects: nothing in the app reads more than the request id."""

    __slots__ = ("function_name", "memory_size", "aws_request_id", "_deadline")
    function_version = "$LATEST"

    def __init__(self, function_name: str, memory_size: int, max_runtime_ms: int, request_id: str) -> None:
        self.function_name, self.memory_size, self.aws_request_id = function_name, memory_size, request_id
        self._deadline = time.monotonic() * 1000 + max_runtime_ms

    def get_remaining_time_in_millis(self) -> int:
        return max(int(self._deadline - time.monotonic() * 1000), 0)


def _matcher_class() -> type:
    from chalice.local import MatchResult, RouteMatcher

    from chalicelib.api.fastpath import RouteTable

    class _TableRouteMatcher(RouteMatcher):
        """Chalice's RouteMatcher answering from a RouteTable (one precompiled regular
        expression) instead of comparing the path with every route in turn: the same answers
        (tests/unit/test_wsgi_route_matcher.py compares them) in a fraction of the time."""

        def __init__(self, route_urls: List[str]) -> None:
            super().__init__(route_urls)
            self.table = RouteTable(self.route_urls)

        def match_route(self, url: str) -> Any:
            from urllib.parse import parse_qs, urlparse

            parsed_url = urlparse(url)
            found = self.table.match(parsed_url.path)
            if found is None:
                raise ValueError("No matching route found for: %s" % url)
            return MatchResult(found[0], found[1], parse_qs(parsed_url.query, keep_blank_values=True))

    return _TableRouteMatcher


def _gateway_class() -> type:
    from chalice.local import LocalGateway

    class _WSGIGateway(LocalGateway):
        """LocalGateway whose events carry the real client address and a str body.

        Lambda hands the app a str body (or base64 + isBase64Encoded for binary);
        LocalGateway hands it bytes. We mirror Lambda. '?' and '#' that were
        percent-encoded in the path are escaped for the route matcher (it runs
        urlparse on the path) and restored afterwards.
        """

        _context_args: Optional[Tuple[str, int, int]] = None
        fast = True

        def __init__(self, app_object: Any, config: Any) -> None:
            from chalicelib.api.fastpath import Dispatcher, plain

            super().__init__(app_object, config)
            matcher: Any = _matcher_class()(list(app_object.routes))
            self.event_converter._route_matcher = matcher
            self._table = matcher.table
            # _respond adds the headers every answer carries: secure_headers need not, on this road
            self._dispatch = Dispatcher(app_object, leave_out=(module("chalicelib.api.http").secure_headers,))
            self._plain = plain

        def handle_request(self, method: str, path: str, headers: Dict[str, str], body: Optional[bytes],
                           source_ip: str = "127.0.0.1", request_id: str = "", escaped: bool = False) -> Any:
            """The short road (chalicelib/api/fastpath.py) when LocalGateway would do nothing but
            build the event and call the app: a plain path that matches a route, no OPTIONS that
            the gateway answers itself, no authorizer. Anything else: LocalGateway's road.
            source_ip, request_id (the client's X-Request-Id, or "": one is made) and escaped (the
            path carries a percent-encoded '?' or '#', escaped by _escape) come as arguments, and
            reach LocalGateway's road through _REQUEST, a thread-local (its signature is Chalice's).
            headers: lowercase names (WSGIAdapter._headers); the short road's event keeps this dict."""
            if self.fast and not escaped:
                route_path, _, query = path.partition("?")
                found = self._plain(route_path, query) and self._table.match(route_path)
                if found:
                    entries = self._app_object.routes.get(found[0])
                    entry = entries.get(method) if entries is not None else None
                    if entries is not None and (method != "OPTIONS" or "OPTIONS" in entries) \
                            and (entry is None or not entry.authorizer):
                        context = self._context(request_id or _new_request_id())
                        return self._dispatch(self._plain_event(method, route_path, query, found, headers, body,
                                                                source_ip, context.aws_request_id), context)
            info = _REQUEST
            info.source_ip, info.request_id, info.escaped = source_ip, request_id, escaped
            return super().handle_request(method, path, headers, body)

        def _plain_event(self, method: str, path: str, query: str, found: Tuple[str, Dict[str, str]],
                         headers: Dict[str, str], body: Optional[bytes], source_ip: str,
                         request_id: str) -> Dict[str, Any]:
            """The event that LocalGateway and _generate_lambda_event below build for a plain path."""
            binary = False
            data: Any = body
            if body is not None:
                if headers.get("content-type", "") in self.event_converter._binary_types:
                    data, binary = base64.b64encode(body).decode("ascii"), True
                else:
                    try:
                        data = bytes(body).decode("utf-8")
                    except UnicodeDecodeError:
                        data, binary = base64.b64encode(body).decode("ascii"), True
            return {
                "requestContext": {"httpMethod": method, "resourcePath": found[0],
                                   "identity": {"sourceIp": source_ip}, "path": path,
                                   "requestId": request_id},
                "headers": headers,   # lowercase names already (WSGIAdapter._headers), as LocalGateway's
                "pathParameters": found[1],
                "stageVariables": {},
                "multiValueQueryStringParameters": (parse_qs(query, keep_blank_values=True) or None) if query else None,
                "body": data,
                "isBase64Encoded": binary,
            }

        def _context(self, request_id: str) -> _Context:
            # A light stand-in for LocalGateway's LambdaContext, with the config looked up once.
            args = self._context_args
            if args is None:
                timeout = self._config.lambda_timeout
                args = self._context_args = (self._config.function_name, self._config.lambda_memory_size,
                                             (self.MAX_LAMBDA_EXECUTION_TIME if timeout is None else timeout) * 1000)
            return _Context(*args, request_id)

        def _generate_lambda_context(self):
            # LocalGateway's road: the client's X-Request-Id, if any, as aws_request_id.
            if not _REQUEST.request_id:
                _REQUEST.request_id = _new_request_id()
            return self._context(_REQUEST.request_id)

        def _generate_lambda_event(self, method, path, headers, body):
            event = super()._generate_lambda_event(method, path, headers, body)
            ctx = event["requestContext"]
            ctx["identity"]["sourceIp"] = _REQUEST.source_ip
            ctx["requestId"] = _REQUEST.request_id
            if _REQUEST.escaped:
                ctx["path"] = _unescape(ctx["path"])
                event["pathParameters"] = {k: _unescape(v) for k, v in event["pathParameters"].items()}
            raw = event.get("body")
            if isinstance(raw, (bytes, bytearray)):
                try:
                    event["body"] = bytes(raw).decode("utf-8")
                except UnicodeDecodeError:
                    event["body"] = base64.b64encode(raw).decode("ascii")
                    event["isBase64Encoded"] = True
            event.setdefault("isBase64Encoded", False)
            return event

    return _WSGIGateway


class _RequestInfo(threading.local):
    source_ip = "127.0.0.1"
    request_id = ""
    escaped = False


_REQUEST = _RequestInfo()


_UNESCAPE = re.compile(r"%(25|3F|23)")
_UNESCAPED = {"25": "%", "3F": "?", "23": "#"}


def _escape(path: str) -> str:
    return path.replace("%", "%25").replace("?", "%3F").replace("#", "%23")


def _unescape(value: str) -> str:
    return _UNESCAPE.sub(lambda m: _UNESCAPED[m.group(1)], value)


# the server's to set, not the app's
_HOP_HEADERS = frozenset(("content-length", "connection", "transfer-encoding", "keep-alive"))
# an environ's keys -> ((key, header name), ...) for those that are headers (WSGIAdapter._headers)
_HEADER_PLANS: Dict[Tuple[str, ...], Tuple[Tuple[str, str], ...]] = {}


def _header_name(key: str) -> str:
    """The header an environ key carries, lowercase, or "" for a key that is not one."""
    if key.startswith("HTTP_"):
        return key[5:].replace("_", "-").lower()
    if key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        return key.replace("_", "-").lower()
    return ""


class _TooLarge(Exception):
    pass


class _BadRequest(Exception):
    pass


class WSGIAdapter:
    """WSGI callable dispatching to one Chalice app through LocalGateway."""

    def __init__(
        self,
        chalice_app: Any,
        *,
        max_body_bytes: Optional[int] = None,
        trusted_proxy_hops: int = 0,
        config: Any = None,
        fast: bool = True,
    ) -> None:
        from chalice.config import Config

        self.chalice_app = make_thread_local(chalice_app)
        self._max_body_bytes = max_body_bytes
        self.trusted_proxy_hops = max(0, int(trusted_proxy_hops))
        if config is None:
            config = Config.create(app_name=getattr(chalice_app, "app_name", "app"), lambda_timeout=None)
        self.gateway = _gateway_class()(self.chalice_app, config)
        self.gateway.fast = fast  # False: every request takes LocalGateway's road (tests compare the two)
        self._gateway_error = module("chalice.local").LocalGatewayException

    @property
    def max_body_bytes(self) -> int:
        if self._max_body_bytes is None:
            from chalicelib.settings import get_settings

            self._max_body_bytes = int(get_settings().max_body_bytes)
        return self._max_body_bytes

    # -- request side ---------------------------------------------------------------

    @staticmethod
    def _path(environ: Dict[str, Any]) -> str:
        # PEP 3333: PATH_INFO is the percent-decoded path, bytes carried as latin-1.
        path = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")
        if not path.isascii():  # ASCII reads the same either way: skip the round trip
            try:
                path = path.encode("latin-1").decode("utf-8")
            except (UnicodeEncodeError, UnicodeDecodeError):
                pass
        return path or "/"

    @staticmethod
    def _headers(environ: Dict[str, Any]) -> Dict[str, str]:
        # Which environ keys are headers, and their names, is worked out once per set of keys (a
        # client sends the same headers each time): the loop then visits the few headers only,
        # not the twenty-odd keys of the environ. Bounded: clients choose header names.
        keys = tuple(environ)
        plan = _HEADER_PLANS.get(keys)
        if plan is None:
            plan = tuple((key, name) for key in keys if (name := _header_name(key)))
            if len(_HEADER_PLANS) >= 256:
                _HEADER_PLANS.clear()
            _HEADER_PLANS[keys] = plan
        headers: Dict[str, str] = {}
        for key, name in plan:
            value = environ[key]
            if not value and (key == "CONTENT_TYPE" or key == "CONTENT_LENGTH"):
                continue
            if isinstance(value, str) and not value.isascii():
                try:
                    value = value.encode("latin-1").decode("utf-8")
                except (UnicodeEncodeError, UnicodeDecodeError):
                    pass
            headers[name] = value
        return headers

    def _read_body(self, environ: Dict[str, Any]) -> Optional[bytes]:
        limit = self._max_body_bytes if self._max_body_bytes is not None else self.max_body_bytes
        stream = environ.get("wsgi.input")
        length_header = (environ.get("CONTENT_LENGTH") or "").strip()
        if length_header:
            try:
                length = int(length_header)
            except ValueError:
                raise _BadRequest("Content-Length is not a number.") from None
            if length < 0:
                raise _BadRequest("Content-Length is negative.")
            if length > limit:
                raise _TooLarge()
            if length == 0 or stream is None:
                return None
            body = stream.read(length)
            return body or None
        if "chunked" in (environ.get("HTTP_TRANSFER_ENCODING") or "").lower() and stream is not None:
            # The server de-chunks; read at most limit + 1 bytes to tell "too large".
            chunks: List[bytes] = []
            remaining = limit + 1
            while remaining > 0:
                chunk = stream.read(min(remaining, 65536))
                if not chunk:
                    break
                chunks.append(chunk)
                remaining -= len(chunk)
            body = b"".join(chunks)
            if len(body) > limit:
                raise _TooLarge()
            return body or None
        return None

    def _source_ip(self, environ: Dict[str, Any]) -> str:
        peer = environ.get("REMOTE_ADDR") or "127.0.0.1"
        if self.trusted_proxy_hops:
            hops = [h.strip() for h in (environ.get("HTTP_X_FORWARDED_FOR") or "").split(",") if h.strip()]
            if len(hops) >= self.trusted_proxy_hops:
                return hops[-self.trusted_proxy_hops]
        return peer

    @staticmethod
    def _client_request_id(environ: Dict[str, Any]) -> str:
        """The client's X-Request-Id if sane, else "" (the gateway then makes a uuid4)."""
        rid = environ.get("HTTP_X_REQUEST_ID", "")
        if rid and len(rid) <= 128 and rid.isprintable():
            return rid
        return ""

    # -- response side --------------------------------------------------------------

    @staticmethod
    def _error(start_response: Callable, status: int, code: str, message: str,
               extra: Iterable[Tuple[str, str]] = ()) -> List[bytes]:
        body = error_body(code, message)
        headers = [("Content-Type", _JSON), ("Content-Length", str(len(body)))]
        headers.extend(extra)
        start_response(_status_line(status), headers)
        return [body]

    @staticmethod
    def _is_shaped_error(body: bytes) -> bool:
        try:
            doc = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            return False
        return isinstance(doc, dict) and isinstance(doc.get("error"), dict) and "code" in doc["error"]

    def _respond(self, start_response: Callable, response: Dict[str, Any], method: str) -> List[bytes]:
        status = int(response.get("statusCode") or 200)
        body = response.get("body")
        if body is None:
            data = b""
        elif response.get("isBase64Encoded"):
            data = base64.b64decode(body)
        elif isinstance(body, (bytes, bytearray)):
            data = bytes(body)
        else:
            data = str(body).encode("utf-8")
        if status == 500 and not self._is_shaped_error(data):
            # Chalice's default 500 body, or its debug-mode traceback: never sent.
            return self._error(start_response, 500, *INTERNAL)
        headers: List[Tuple[str, str]] = []
        have = set()   # lowercase names: which of the headers every answer carries it lacks
        for name, value in (response.get("headers") or {}).items():
            lname = name.lower()
            if lname in _HOP_HEADERS:
                continue
            have.add(lname)
            headers.append((name, value if type(value) is str else str(value)))
        multi = response.get("multiValueHeaders") or {}
        if type(start_response) is _WithHeaders:
            # The security and CORS headers, where Chalice's secure_headers middleware puts them on
            # LocalGateway's road (after the single-valued headers): the short road leaves that
            # middleware to this adapter.
            headers.extend(start_response.missing(have.union(name.lower() for name in multi) if multi else have))
            start_response = start_response.start_response
        for name, values in multi.items():
            lname = name.lower()
            if lname in _HOP_HEADERS:
                continue
            have.add(lname)
            for value in values:
                headers.append((name, str(value)))
        if "content-type" not in have and data:
            headers.append(("Content-Type", _JSON))
        headers.append(("Content-Length", str(len(data))))
        start_response(_status_line(status), headers)
        return [] if method == "HEAD" else [data]

    # -- entry point ------------------------------------------------------------------

    def __call__(self, environ: Dict[str, Any], start_response: Callable) -> List[bytes]:
        LocalGatewayException = self._gateway_error
        start_response = with_headers(environ, start_response)
        method = (environ.get("REQUEST_METHOD") or "GET").upper()
        try:
            try:
                # no Content-Length and no Transfer-Encoding (a GET, say): no body, as _read_body says
                body = self._read_body(environ) if ("CONTENT_LENGTH" in environ
                                                    or "HTTP_TRANSFER_ENCODING" in environ) else None
            except _TooLarge:
                return self._error(
                    start_response, 413, "payload_too_large",
                    "Request body exceeds the limit of %d bytes." % self.max_body_bytes)
            except _BadRequest as e:
                return self._error(start_response, 400, "bad_request", str(e))
            path = self._path(environ)
            query = environ.get("QUERY_STRING", "")
            escaped = "?" in path or "#" in path
            target = (_escape(path) if escaped else path) + ("?" + query if query else "")
            try:
                headers = self._headers(environ)
                if body is None:
                    # Some servers (wsgiref) invent "text/plain" for requests without a
                    # Content-Type; with no body the type means nothing, and Chalice
                    # would answer 415 on routes that accept JSON only.
                    headers.pop("content-type", None)
                # _source_ip and _client_request_id, without their calls where there is nothing to weigh
                source_ip = self._source_ip(environ) if self.trusted_proxy_hops else \
                    (environ.get("REMOTE_ADDR") or "127.0.0.1")
                request_id = self._client_request_id(environ) if "HTTP_X_REQUEST_ID" in environ else ""
                response = self.gateway.handle_request(
                    method=method, path=target, headers=headers, body=body, source_ip=source_ip,
                    request_id=request_id, escaped=escaped)
            except LocalGatewayException as e:
                if e.CODE == 403 and b"Missing Authentication Token" in (e.body or b""):
                    return self._error(start_response, 404, "not_found", "no route for %s %s" % (method, path))
                if e.CODE == 403 and b"Authorization header requires" in (e.body or b""):
                    # LocalGateway's answer to an unknown route when a token is sent.
                    return self._error(start_response, 404, "not_found", "no route for %s %s" % (method, path))
                if e.CODE == 401:
                    return self._error(start_response, 401, "unauthorized", "authentication required")
                if e.CODE == 403:
                    return self._error(start_response, 403, "forbidden", "not allowed")
                log.error("authorizer failed for %s %s", method, path)
                return self._error(start_response, 500, *INTERNAL)
            return self._respond(start_response, response, method)
        except Exception:
            log.exception("unhandled error serving %s %s", method, environ.get("PATH_INFO", ""))
            return self._error(start_response, 500, *INTERNAL)
        finally:
            # Do not keep the last request (its token) reachable from an idle thread.
            try:
                self.chalice_app.__dict__[_TLS_KEY].__dict__.clear()  # this thread's current_request, lambda_context
            except Exception:  # pragma: no cover - app without the patched class
                pass


def _extra_headers(origin: Optional[str]) -> Tuple[Tuple[str, str, str], ...]:
    """((name, lowercase name, value), ...) of the headers every answer carries (built once
    per settings and allowed origin, in chalicelib.api.http)."""
    global _http
    if _http is None:
        _http = module("chalicelib.api.http")   # imported on first use: this module stays cheap to import
    return _http.every_answer_headers(origin)


_http: Any = None


class _WithHeaders:
    """start_response that adds the security and CORS headers the answer lacks."""

    __slots__ = ("start_response", "extra")

    def __init__(self, environ: Dict[str, Any], start_response: Callable) -> None:
        self.start_response = start_response
        self.extra = _extra_headers(environ.get("HTTP_ORIGIN"))

    def __call__(self, status: str, headers: List[Tuple[str, str]], exc_info: Any = None) -> Any:
        headers = list(headers)
        headers.extend(self.missing({name.lower() for name, _ in headers}))
        return self.start_response(status, headers) if exc_info is None else self.start_response(status, headers, exc_info)

    def missing(self, have: Any) -> Sequence[Tuple[str, str]]:
        """The headers every answer carries that an answer with these (lowercase) names lacks."""
        extra = self.extra
        split = _SPLIT.get(id(extra))
        if split is None or split[0] is not extra:   # (the entry holds extra: its id is not reused)
            if len(_SPLIT) >= 64:
                _SPLIT.clear()
            split = _SPLIT[id(extra)] = (extra, frozenset(low for _, low, _ in extra),
                                         tuple((k, v) for k, _, v in extra))
        if have.isdisjoint(split[1]):   # the usual answer: it has none of them, so all of them
            return split[2]
        return [(k, v) for k, low, v in extra if low not in have]


# id(every_answer_headers' tuple) -> (that tuple, its lowercase names, its (name, value) pairs)
_SPLIT: Dict[int, Tuple[Any, FrozenSet[str], Tuple[Tuple[str, str], ...]]] = {}


def with_headers(environ: Dict[str, Any], start_response: Callable) -> Callable:
    """start_response that adds the security and CORS headers the answer lacks."""
    return _WithHeaders(environ, start_response)


def make_wsgi_app(chalice_app: Any, **options: Any) -> WSGIAdapter:
    """Wrap a Chalice app as a WSGI callable (options: max_body_bytes, trusted_proxy_hops)."""
    return WSGIAdapter(chalice_app, **options)


class LazyApplication:
    """WSGI callable that imports `module:attr` (default `app:app`) on first use."""

    def __init__(self, target: str = "app:app", ui: Optional["StaticUI"] = None, **options: Any) -> None:
        self.target = target
        self.ui = ui  # the built web UI in front of the API (StaticUI), if any
        self.options = options
        self._adapter: Optional[Callable] = None  # the adapter, wrapped for tracing
        self._lock = threading.Lock()

    def load(self) -> Callable:
        adapter = self._adapter
        if adapter is None:
            with self._lock:
                if self._adapter is None:
                    import importlib

                    module_name, _, attr = self.target.partition(":")
                    module = importlib.import_module(module_name)
                    from chalicelib.core import tracing
                    from chalicelib.settings import get_settings

                    options = {"trusted_proxy_hops": get_settings().trusted_proxy_hops, **self.options}
                    adapter = make_wsgi_app(getattr(module, attr or "app"), **options)
                    _ = adapter.max_body_bytes  # read settings now: fail at boot, not per request

                    if get_settings().xray:
                        tracing.enable("launchbay-api")
                    adapter = tracing.wsgi_middleware(adapter)
                    self._adapter = adapter
                adapter = self._adapter
        return adapter

    def preload(self) -> Callable:
        """load(), and every route's module with it (lazy.load_all), for a server that forks its
        workers from a process that loaded the app (gunicorn's preload_app): otherwise each new
        worker imports them on the first request that reaches each route, ~0.27 s of CPU in all,
        which showed as p99 spikes of 300 ms under load every time gunicorn recycled a worker.
        Also the modules the first request would import inside functions (PyJWT, the store's
        adapter and driver: ~70 ms, which a new worker's first request paid)."""
        adapter = self.load()
        load_all()
        from chalicelib import wiring
        from chalicelib.core import security

        security.import_jwt()
        wiring.import_adapters()
        return adapter

    def __call__(self, environ: Dict[str, Any], start_response: Callable) -> Any:
        ui = self.ui
        if ui is not None and not environ.get("PATH_INFO", "").startswith("/v1/"):   # /v1/... is the API's
            served = ui.serve(environ, start_response)
            if served is not None:
                return served
        adapter = self._adapter
        if adapter is None:
            try:
                adapter = self.load()
            except Exception:
                log.exception("could not load the API application %s", self.target)
                return WSGIAdapter._error(with_headers(environ, start_response), 500, *INTERNAL)
        return adapter(environ, start_response)


# --- the web UI from the same origin ---------------------------------------------------

UI_DIST = Path(__file__).resolve().parents[2] / "ui" / "dist"
# The UI's own policy: its scripts, styles and API calls come from this origin only.
UI_HEADERS = {"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer",
              "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; object-src 'none'; "
                                         "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"}


class StaticUI:
    """The built UI (`make ui` -> ui/dist) from the API's origin, with WhiteNoise.

    `/v1/...` always goes to the API. Files under `/assets/` carry a content hash in their
    name (Vite), so they are cached for a year as immutable; everything else (index.html)
    is revalidated on every load (`no-cache`), so a new build shows at once. A GET for a
    path without a file extension that is not a file (`/orgs/x/services/y`) gets
    index.html: the app routes deep links itself. Without a build, only the API is served
    (the production container: nginx serves the UI there).
    """

    def __init__(self, root: Path = UI_DIST) -> None:
        self.root = root
        self._files: Any = None

    def _static(self) -> Any:
        if self._files is None:
            if not (self.root / "index.html").is_file():
                self._files = False
            else:
                from whitenoise import WhiteNoise

                def headers(h: Any, path: str, url: str) -> None:
                    for name, value in UI_HEADERS.items():
                        h[name] = value
                    if not url.startswith("/assets/"):
                        h["Cache-Control"] = "no-cache"

                self._files = WhiteNoise(None, root=str(self.root), index_file=True, max_age=0, allow_all_origins=False,
                                         immutable_file_test=lambda path, url: url.startswith("/assets/"),
                                         add_headers_function=headers)
        return self._files

    def serve(self, environ: Dict[str, Any], start_response: Callable) -> Any:
        """The file's answer, or None: the API answers (always for /v1/...)."""
        path = environ.get("PATH_INFO") or "/"
        if path == "/v1" or path.startswith("/v1/"):
            return None
        files = self._static()
        found = files and files.files.get(path)
        if not found and files and environ.get("REQUEST_METHOD") in ("GET", "HEAD") \
                and "." not in path.rsplit("/", 1)[-1]:
            found = files.files.get("/")  # a deep link: the app's router takes it from here
        if not found:
            return None
        return files.serve(found, environ, start_response)


application = LazyApplication("app:app", ui=StaticUI())
