"""The WSGI adapter's short road to Chalice: the same answers as `chalice.local.LocalGateway`
followed by `Chalice.__call__`, without their per-request overhead.

Why: on the API container, Chalice's own per-request work (LocalGateway's route matching
over every route with urlparse, its event building, RestAPIEventHandler's content-type checks,
which split and lowercase the same strings on every request) cost more than our views with
their authentication and store reads (bench/load.py). What this module does instead:

* `RouteTable` matches a path against the app's routes with one precompiled regular
  expression: the routes in Chalice's order (sorted, first match wins), each `{param}` one
  path segment, the trailing slash dropped as API Gateway does. Same answers as
  `chalice.local.RouteMatcher` (tests/unit/test_wsgi_route_matcher.py).
* `plain(path, query)` says whether a request may take the short road: LocalGateway runs
  `urlparse` over the path, which splits at `?`, `#` and `;`, drops tabs and newlines and
  reads `//x` as a host. A path or query with any of those takes LocalGateway's road, so
  these differences never show.
* `Dispatcher` does what `Chalice.__call__` does, with `LeanHandler`, a RestAPIEventHandler
  whose content-type checks remember their (pure) answers; everything else, the error
  handler, middleware chain, view call and response validation, is Chalice's own code.

Pinned to chalice 1.34.0 (requirements.txt): tests/unit/test_wsgi_fastpath.py compares both
roads, status, headers and body, over a test app and every route of the real API.
"""
from __future__ import annotations

import json
import re
import threading
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from chalice.app import (
    CaseInsensitiveMapping,
    MultiDict,
    Request,
    Response,
    RestAPIEventHandler,
    _matches_content_type,
    error_response,
    handle_extra_types,
)

from chalicelib.api.http import request_header

_SLOW_PATH_CHARS = re.compile(r"[?#;\t\r\n]")
_SLOW_QUERY_CHARS = re.compile(r"[#\t\r\n]")


def plain(path: str, query: str) -> bool:
    """True if urlparse(path + '?' + query) gives back this path and this query unchanged."""
    return (path.startswith("/") and not path.startswith("//") and not _SLOW_PATH_CHARS.search(path)
            and not (query and _SLOW_QUERY_CHARS.search(query)))


class RouteTable:
    """Chalice's route matching (sorted routes, first match wins) as one regular expression.

    The routes' path segments are merged into a tree in sorted order, so routes that share a
    prefix share its part of the expression ("/v1/orgs/([^/]*)" is tried once, not once per
    route): the expression tries the same routes in the same order as Chalice, and a segment
    (`[^/]*` between slashes) can match in one way only, so the first route to match is the
    one Chalice would pick.

    One quirk is kept: Chalice fills one `captured` dict across the routes it tries, so a route
    tried before the match that captured a parameter and then failed leaves that parameter in
    the answer. Routes that a path can reach that way (`_leaky`, found when the table is built;
    none in our API) get their parameters from Chalice's loop instead."""

    def __init__(self, route_urls: Sequence[str]) -> None:
        self.route_urls = sorted(route_urls)
        # the tree: token -> subtree; a token is ("/segment", None) or ("/", param name);
        # None -> the route ending there. Dicts keep insertion (= sorted) order.
        tree: Dict[Any, Any] = {}
        for route in self.route_urls:
            node = tree
            for i, segment in enumerate(route.split("/")):
                prefix = "/" if i else ""
                if segment.startswith("{") and segment.endswith("}"):
                    token: Tuple[str, Optional[str]] = (prefix, segment[1:-1])
                else:
                    token = (prefix + segment, None)
                node = node.setdefault(token, {})
            node.setdefault(None, route)
        # group index of each route's end marker -> (route, [(param name, group index)])
        self._routes: Dict[int, Tuple[str, List[Tuple[str, int]]]] = {}
        self._groups = 0
        source = self._source(tree, [])
        self._regex = re.compile(source, re.DOTALL) if self.route_urls else None
        self._leaky = _leaky(self.route_urls)

    def _source(self, node: Dict[Any, Any], params: List[Tuple[str, int]]) -> str:
        alternatives = []
        for token, child in node.items():
            self._groups += 1  # groups are numbered by their opening parenthesis, left to right
            if token is None:  # an empty group closing the route: m.lastindex names it
                self._routes[self._groups] = (child, list(params))
                alternatives.append("()")
            elif token[1] is None:
                self._groups -= 1
                alternatives.append(re.escape(token[0]) + self._source(child, params))
            else:
                group = self._groups
                alternatives.append(re.escape(token[0]) + "([^/]*)"
                                    + self._source(child, params + [(token[1], group)]))
        return alternatives[0] if len(alternatives) == 1 else "(?:" + "|".join(alternatives) + ")"

    def match(self, path: str) -> Optional[Tuple[str, Dict[str, str]]]:
        """-> (route, captured path parameters), or None: no route for this path."""
        if path != "/" and path.endswith("/"):
            path = path[:-1]
        m = self._regex.fullmatch(path) if self._regex is not None else None
        if m is None:
            return None
        route, params = self._routes[m.lastindex]  # type: ignore[index]
        if route in self._leaky:
            return route, self._captured_as_chalice(path, route)
        return route, {name: m.group(i) for name, i in params}

    def _captured_as_chalice(self, path: str, matched: str) -> Dict[str, str]:
        """chalice.local.RouteMatcher's loop, one dict across the routes it tries."""
        parts = path.split("/")
        captured: Dict[str, str] = {}
        for route_url in self.route_urls:
            url_parts = route_url.split("/")
            if len(parts) == len(url_parts):
                for i, j in zip(parts, url_parts):
                    if j.startswith("{") and j.endswith("}"):
                        captured[j[1:-1]] = i
                        continue
                    if i != j:
                        break
                else:
                    break
        return captured


def _is_param(segment: str) -> bool:
    return segment.startswith("{") and segment.endswith("}")


def _leaky(routes: List[str]) -> set:
    """Routes B for which some path matching B makes Chalice try an earlier route A that
    captures a parameter B lacks and then fails: A agrees with B (or may agree, where either
    has a parameter) up to a segment where A has a literal that B cannot match or need not."""
    out = set()
    split = [(r, r.split("/")) for r in routes]   # sorted
    for b_index, (b_route, b) in enumerate(split):
        b_names = {s[1:-1] for s in b if _is_param(s)}
        for _a_route, a in split[:b_index]:
            if len(a) != len(b):
                continue
            leaked = False
            for sa, sb in zip(a, b):
                if _is_param(sa):
                    leaked = leaked or sa[1:-1] not in b_names
                    continue
                if _is_param(sb) or sa == sb:
                    if _is_param(sb) and leaked:
                        out.add(b_route)   # a path with anything but sa here fails A after the capture
                    continue
                if leaked:
                    out.add(b_route)       # B's literal differs: A fails here, after the capture
                break
            if b_route in out:
                break
    return out


# Chalice's content-type test splits and lowercases both sides on every call; its answer
# depends on the two arguments only, so it is remembered (bounded: headers come from clients).
_MATCHES: Dict[Tuple[str, Tuple[str, ...]], bool] = {}
_MATCHES_MAX = 1024


def matches_content_type(content_type: Any, valid: List[str]) -> bool:
    try:
        key = (content_type, tuple(valid))
        return _MATCHES[key]
    except KeyError:
        pass
    except TypeError:  # unhashable: as Chalice would (it then fails the same way)
        return _matches_content_type(content_type, valid)
    answer = _matches_content_type(content_type, valid)
    if len(_MATCHES) >= _MATCHES_MAX:
        _MATCHES.clear()
    _MATCHES[key] = answer
    return answer


def _header(headers: Any, name: str, default: Any) -> Any:
    """CaseInsensitiveMapping(headers).get(name, default) without building the mapping
    (the last of several spellings wins, as in that mapping); `name` is lowercase."""
    found = default
    size = len(name)
    for key, value in headers.items():
        if len(key) == size and key.lower() == name:
            found = value
    return found


class LeanHandler(RestAPIEventHandler):
    """RestAPIEventHandler (chalice 1.34.0) whose content-type tests use the remembered answers.
    Routes with CORS settings, and the 405 and 415 answers, go to Chalice's own method."""

    # set by Dispatcher: the request's event and context, the middleware chain and the app's
    # registered middleware it was made from
    _event: Any = None
    _context: Any = None
    _chain: Any = None
    _outer: Any = None
    _middleware_key: Tuple[Any, ...] = ()

    def create_request_object(self, event: Any, context: Any) -> Optional[Request]:
        """RestAPIEventHandler's (chalice 1.34.0): `Request(event, context)`, the same attributes,
        but its headers are copied without lowercasing each name again: the short road's event
        names them in lowercase already (WSGIAdapter._headers)."""
        if event.get("requestContext", {}).get("resourcePath") is None:
            return super().create_request_object(event, context)
        request = Request.__new__(Request)
        query_params = event["multiValueQueryStringParameters"]
        request.query_params = None if query_params is None else MultiDict(query_params)
        headers = CaseInsensitiveMapping.__new__(CaseInsensitiveMapping)
        headers._dict = dict(event["headers"] or ())
        request.headers = headers
        request.uri_params = event["pathParameters"]
        request.method = event["requestContext"]["httpMethod"]
        request._is_base64_encoded = event.get("isBase64Encoded", False)
        request._body = event["body"]
        request._json_body = None
        request._raw_body = b""
        request.context = event["requestContext"]
        request.stage_vars = event["stageVariables"]
        request.path = event["requestContext"]["resourcePath"]
        request.lambda_context = context
        request._event_dict = event
        self.current_request = request
        return request

    def _main_rest_api_handler(self, event: Any, context: Any) -> Response:
        ctx = event.get("requestContext", {})
        entries = self.routes.get(ctx.get("resourcePath"), {})
        entry = entries.get(ctx.get("httpMethod"))
        if entry is None or entry.cors is not None:
            return super()._main_rest_api_handler(event, context)
        request = self.current_request
        if request and entry.content_types and not matches_content_type(
                request_header(request.headers, "content-type", "application/json"), entry.content_types):
            return super()._main_rest_api_handler(event, context)  # the 415, from Chalice; no view ran
        function_args = {name: event["pathParameters"][name] for name in entry.view_args}
        self.lambda_context = context
        response = self._get_view_function_response(entry.view_function, function_args)
        if request and not self._validate_binary_response(request.headers, response.headers):
            content_type = CaseInsensitiveMapping(response.headers).get("content-type", "")
            return error_response(
                error_code="BadRequest",
                message=("Request did not specify an Accept header with %s, "
                         "The response has a Content-Type of %s. If a "
                         "response has a binary Content-Type then the request "
                         "must specify an Accept header that matches."
                         % (content_type, content_type)),
                http_status_code=400,
                headers=None)
        return response

    def _validate_binary_response(self, request_headers: Any, response_headers: Any) -> bool:
        binary = self.api.binary_types
        if not matches_content_type(_header(response_headers, "content-type", "application/json"), binary):
            return True
        accept = request_header(request_headers, "accept", None)
        return accept is not None and matches_content_type(accept, binary)

    def _wrapped_event(self, request: Request) -> Response:
        """The innermost handler of the middleware chain: like Chalice's, it answers the
        request's original event, whatever the middleware passed on."""
        return self._main_rest_api_handler(self._event, self._context)


def to_dict(response: Response, binary_types: List[str]) -> Dict[str, Any]:
    """Response.to_dict(binary_types) (chalice 1.34.0) in one pass over the headers, with the
    remembered content-type test."""
    body = response.body
    if not isinstance(body, (str, bytes)):
        body = json.dumps(body, separators=(",", ":"), default=handle_extra_types)
    single: Dict[str, Any] = {}
    multi: Dict[str, List[Any]] = {}
    content_type = ""
    for name, value in response.headers.items():
        if isinstance(value, list):
            multi[name] = value
        else:
            single[name] = value
            if len(name) == 12 and name.lower() == "content-type":
                content_type = value   # the last spelling wins, as in CaseInsensitiveMapping
    out = {"headers": single, "multiValueHeaders": multi, "statusCode": response.status_code, "body": body}
    if matches_content_type(content_type, binary_types):
        response._b64encode_body_if_needed(out, binary_types)
    return out


class Dispatcher:
    """`Chalice.__call__(event, context)` for REST events, with LeanHandler.

    Chalice builds a handler and its middleware chain for every request; here each thread
    keeps one (the handler holds the request being served, so threads cannot share it),
    rebuilt when the app's HTTP middleware changes, and forgets the request afterwards.
    `leave_out`: middleware whose work the caller does itself (the WSGI adapter adds the
    security headers once, where chalicelib.api.http.secure_headers would)."""

    def __init__(self, app: Any, leave_out: Sequence[Callable[..., Any]] = ()) -> None:
        self.app = app
        self.leave_out = tuple(leave_out)
        self._local = threading.local()

    def _handler(self, registered: Tuple[Any, ...]) -> LeanHandler:
        app = self.app
        middleware = [func for func, kind in registered if kind in ("http", "all") and func not in self.leave_out]
        handler = LeanHandler(app.routes, app.api, app.log, app.debug, middleware_handlers=middleware)
        handler._middleware_key = registered
        # Chalice's chain is [_global_error_handler] + middleware around _wrapped_event, each link a
        # MiddlewareHandler; here the error handler's try is in __call__ and the outermost
        # middleware is called directly: two Python calls fewer per request, the same order.
        handler._outer = middleware[0] if middleware else None
        handler._chain = handler._build_middleware_handlers(middleware[1:], original_handler=handler._wrapped_event)
        self._local.handler = handler
        return handler

    def __call__(self, event: Dict[str, Any], context: Any) -> Dict[str, Any]:
        app = self.app
        app.lambda_context = context
        # what Chalice._get_middleware_handlers("http") yields, looked up per request as there
        registered = tuple(app.middleware_handlers)
        handler = self._local.__dict__.get("handler")
        if handler is None or handler._middleware_key != registered:
            handler = self._handler(registered)
        handler.routes, handler.api, handler.log, handler.debug = app.routes, app.api, app.log, app.debug
        handler._event, handler._context = event, context
        try:
            app.current_request = request = handler.create_request_object(event, context)
            outer, chain = handler._outer, handler._chain
            try:   # Chalice's _global_error_handler
                response = chain(request) if outer is None else outer(request, chain)
            except Exception:
                response = handler._unhandled_exception_to_response()
            return to_dict(response, handler.api.binary_types)
        finally:
            handler._event = handler._context = handler.current_request = handler.lambda_context = None


__all__ = ["RouteTable", "Dispatcher", "LeanHandler", "plain", "matches_content_type", "to_dict"]
