"""Searching an organization's documents: the caller must be able to read the org, and
the adapter filters by it (no query string can reach another org's documents).

`reader` authorizes once per request and hands back an `OrgReader`; `search` takes that
instead of (actor, org), so the check is neither repeated nor skippable."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chalicelib.accounts.service import authorize
from chalicelib.core.context import Actor, Ports
from chalicelib.search.port import SearchPage


@dataclass(frozen=True)
class OrgReader:
    """The caller may read this organization: made by `reader` only, after the check."""
    org_id: str
    role: str


def reader(ports: Ports, actor: Actor, org_id: str) -> OrgReader:
    """Fail fast (403/404) before any parameter is parsed, as the other endpoints do."""
    return OrgReader(org_id=org_id, role=authorize(ports, actor, org_id, "read"))


def search(ports: Ports, scope: OrgReader, q: str, **filters: Any) -> SearchPage:
    if not isinstance(scope, OrgReader):  # a bare org id would skip the check
        raise TypeError("search needs the OrgReader that reader() returns")
    return ports.search.search(scope.org_id, q, **filters)
