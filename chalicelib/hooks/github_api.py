"""Calls to GitHub's REST API with the organization's token (commit statuses, preview comments,
the commits a deployment brings: hooks/statuses.py, pr_comments.py, commits.py).

At the operator's address (LAUNCHBAY_GITHUB_API_URL; GitHub Enterprise Server may sit on a private
network), so the notify SSRF guard's refusal of private addresses, meant for tenants' receivers,
does not apply. TLS is verified and no redirect is followed (notify/delivery.send)."""
from __future__ import annotations

from typing import Any, Optional

from chalicelib.core.context import Ports


class Transient(Exception):
    """GitHub could not be reached or answered 5xx/429: the task tries again later."""


def token_of(ports: Ports, org_id: str) -> str:
    """The organization's GitHub token ("" without one); never logged or returned."""
    from chalicelib.catalog.environments import secret_value
    from chalicelib.hooks.credentials import GITHUB_TOKEN

    return secret_value(ports, org_id, GITHUB_TOKEN)[1]


def call(ports: Ports, token: str, method: str, path: str, body: bytes = b"", keep: int = 0) -> Any:
    """-> notify.delivery.Sent for `path` (/repos/...) of the API; a 2xx answer's first `keep` bytes kept."""
    from chalicelib.notify import delivery, urls

    url = ports.settings.github_api_url.rstrip("/") + path
    try:
        return delivery.send(url, body, {"Authorization": f"Bearer {token}", "Accept": "application/vnd.github+json",
                                         "X-GitHub-Api-Version": "2022-11-28", "Content-Type": "application/json",
                                         "User-Agent": "launchbay"}, local=True, method=method, keep=keep)
    except urls.Refused as exc:
        return delivery.Sent(None, str(exc), 0)


def refused(sent: Any, what: str) -> Optional[str]:
    """What to say of an answer: a 401/403/404 names the permission the token lacks (`what`, e.g.
    "write commit statuses of o/r (classic: repo:status; ...)"); otherwise the transport's error."""
    if sent.code in (401, 403, 404):
        return f"GitHub answered {sent.code}: the organization's GitHub token must be allowed to {what}"
    return sent.error


def transient(sent: Any) -> bool:
    return sent.code is None or sent.code == 429 or sent.code >= 500
