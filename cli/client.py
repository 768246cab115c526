"""A small JSON client for the Launchbay API (stdlib urllib: the CLI needs no HTTP library).

Every failure becomes an `ApiError` with the API's error contract
`{"error": {"code", "message", "field"}}`; a server that cannot be reached, or that answers
something else than JSON, is mapped to the same shape so the CLI reports all errors one way."""
from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Optional

USER_AGENT = "launchbay-cli"


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, field: Optional[str] = None,
                 retry_after: Optional[int] = None, resources: Optional[list[dict[str, str]]] = None):
        super().__init__(message)
        self.status, self.code, self.message, self.field = status, code, message, field
        self.retry_after = retry_after   # seconds, from a 429's (or 503's) Retry-After header
        self.resources = resources or []   # what a refusal names: [{type, id, name}]

    def reworded(self, message: str) -> "ApiError":
        """The same error in the command line's words (the API's name a request body field)."""
        return ApiError(self.status, self.code, message, self.field, self.retry_after, self.resources)

    def document(self) -> dict[str, Any]:
        doc: dict[str, Any] = {"code": self.code, "message": self.message, "field": self.field, "status": self.status}
        if self.retry_after is not None:
            doc["retry_after"] = self.retry_after
        if self.resources:
            doc["resources"] = self.resources
        return {"error": doc}

    def __str__(self) -> str:
        where = f" (field: {self.field})" if self.field else ""
        wait = f" (try again in {self.retry_after} s)" if self.retry_after is not None else ""
        return f"{self.message}{where}{wait} [{self.status} {self.code}]"


def segment(value: str) -> str:
    """One path segment, percent-encoded (a name may hold characters a URL path cannot)."""
    return urllib.parse.quote(str(value), safe="")


class Client:
    def __init__(self, api: str, token: Optional[str] = None, timeout: float = 30.0):
        self.api = api.rstrip("/")
        self.token = token
        self.timeout = timeout

    def request(self, method: str, path: str, body: Any = None, query: Optional[dict[str, Any]] = None,
                headers: Optional[dict[str, str]] = None) -> Any:
        url = self.api + path
        params = {k: v for k, v in (query or {}).items() if v is not None and v != ""}
        if params:
            url += "?" + urllib.parse.urlencode(params)
        sent = {"Accept": "application/json", "User-Agent": USER_AGENT, **(headers or {})}
        data = None
        if body is not None:
            data = json.dumps(body).encode("utf-8")
            sent["Content-Type"] = "application/json"
        if self.token:
            sent["Authorization"] = f"Bearer {self.token}"
        req = urllib.request.Request(url, data=data, method=method, headers=sent)
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:  # nosec B310: the API URL is the user's
                return _decode(resp.status, resp.read())
        except urllib.error.HTTPError as exc:
            raise _error(exc.code, exc.read(), exc.headers.get("Retry-After") if exc.headers else None) from None
        except urllib.error.URLError as exc:
            raise ApiError(0, "unreachable", f"cannot reach the API at {self.api}: {exc.reason}") from None
        except (TimeoutError, ConnectionError) as exc:
            raise ApiError(0, "unreachable", f"cannot reach the API at {self.api}: {exc}") from None

    def get(self, path: str, **query: Any) -> Any:
        return self.request("GET", path, query=query)

    def post(self, path: str, body: Any = None, headers: Optional[dict[str, str]] = None) -> Any:
        return self.request("POST", path, body if body is not None else {}, headers=headers)

    def put(self, path: str, body: Any) -> Any:
        return self.request("PUT", path, body)

    def patch(self, path: str, body: Any) -> Any:
        return self.request("PATCH", path, body)

    def delete(self, path: str) -> Any:
        return self.request("DELETE", path)

    def items(self, path: str, limit: int = 100, most: int = 10000, **query: Any) -> list[dict[str, Any]]:
        """Every item of a paged list (`{"items", "next"}`), following `next` as `cursor`."""
        out: list[dict[str, Any]] = []
        cursor = None
        while len(out) < most:
            page = self.get(path, limit=limit, cursor=cursor, **query)
            out.extend(page.get("items") or [])
            cursor = page.get("next")
            if not cursor:
                break
        return out


def _decode(status: int, raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        raise ApiError(status, "bad_response", "the API answered something that is not JSON") from None


def _error(status: int, raw: bytes, retry_after: Optional[str] = None) -> ApiError:
    try:
        err = json.loads(raw or b"{}").get("error") or {}
    except (ValueError, AttributeError):
        err = {}
    if not isinstance(err, dict):
        err = {}
    wait = int(retry_after) if retry_after and retry_after.strip().isdigit() else None   # seconds (not an HTTP date)
    named = err.get("resources")
    resources = [r for r in named if isinstance(r, dict) and {"type", "id", "name"} <= set(r)] \
        if isinstance(named, list) else []
    return ApiError(status, err.get("code") or "http_%d" % status, err.get("message") or f"HTTP {status}",
                    err.get("field"), wait, resources)
