"""Searching an organization's documents: the caller must be able to read the org, and
the adapter filters by it (no query string can reach another org's documents)."""
from __future__ import annotations

from typing import Any, Optional

from chalicelib.accounts.service import authorize
from chalicelib.core.context import Actor, Ports
from chalicelib.search.port import SearchPage


def search(ports: Ports, actor: Actor, org_id: str, q: str, **filters: Any) -> SearchPage:
    authorize(ports, actor, org_id, "read")
    return ports.search.search(org_id, q, **filters)


def reader(ports: Ports, actor: Actor, org_id: str) -> Optional[str]:
    """Fail fast (403/404) before any parameter is parsed, as the other endpoints do."""
    authorize(ports, actor, org_id, "read")
    return org_id
