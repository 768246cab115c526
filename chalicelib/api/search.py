"""GET /v1/orgs/{org}/search: one box over services, deployments, logs and audit events."""
from chalice import Blueprint

from chalicelib.accounts.service import authorize
from chalicelib.api.http import limit as limit_param, actor, endpoint, ports, query
from chalicelib.core.errors import BadRequest
from chalicelib.core.ids import epoch_from_iso

bp = Blueprint(__name__)
TYPES = ("service", "deployment", "log", "audit")


def _time(q: dict, name: str):
    value = q.get(name)
    if not value:
        return None
    try:
        epoch_from_iso(value)
    except ValueError:
        raise BadRequest(f"{name} must look like 2026-01-31T12:00:00.000000Z", field=name) from None
    return value


@endpoint(bp, "/orgs/{org}/search", "GET", "Search services, deployments, log lines and audit events", tag="search",
          query={"q": "words, \"phrases\", prefix*, type:/status:/image: filters", "type": "service|deployment|log|audit (comma separated)",
                 "project": "project id", "status": "status", "from": "ISO time", "to": "ISO time",
                 "cursor": "from `next`", "limit": "1-100"})
def search(org):
    who = actor(bp)
    authorize(ports(), who, org, "read")
    q = query(bp)
    types = [t for t in (q.get("type") or "").split(",") if t]
    bad = [t for t in types if t not in TYPES]
    if bad:
        raise BadRequest(f"type must be one of {', '.join(TYPES)}", field="type")
    limit = limit_param(bp, 20, 100)
    if len(q.get("q") or "") > 500:
        raise BadRequest("q is longer than 500 characters", field="q")
    from chalicelib.search.port import SearchSyntaxError

    try:
        return ports().search.search(org, q.get("q") or "", types=types or None, project_id=q.get("project"),
                                     status=q.get("status"), since=_time(q, "from"), until=_time(q, "to"),
                                     cursor=q.get("cursor"), limit=limit)
    except SearchSyntaxError as exc:
        raise BadRequest(str(exc), field="q") from None
    except ValueError as exc:  # an unreadable cursor
        raise BadRequest(str(exc) or "cursor is not valid", field="cursor") from None
