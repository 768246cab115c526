"""GET /v1/orgs/{org}/search: one box over services, deployments, logs and audit events.
The limits (query length, types, page size) and the time format are search/query.py's, the
same definitions both search adapters check against."""
from chalice import Blueprint

from chalicelib.api.http import actor, endpoint, ports, query
from chalicelib.api.http import limit as limit_param
from chalicelib.core.errors import BadRequest
from chalicelib.search import query as Q
from chalicelib.search import service
from chalicelib.search.port import SearchSyntaxError

bp = Blueprint(__name__)
TYPES = Q.TYPES
API_NAMES = {"since": "from", "until": "to"}  # the adapters' argument -> this endpoint's parameter


@endpoint(bp, "/orgs/{org}/search", "GET", "Search services, deployments, log lines and audit events", tag="search",
          query={"q": f"words, \"phrases\", prefix*, type:/status:/image: filters (at most {Q.MAX_QUERY_CHARS} characters)",
                 "type": "|".join(Q.TYPES) + " (comma separated)",
                 "project": "project id", "status": "status",
                 "from": "ISO-8601 time, inclusive (2026-01-31, 2026-01-31T12:00Z, +02:00 offsets, fractions)",
                 "to": "ISO-8601 time, exclusive", "cursor": "from `next`", "limit": f"1-{Q.MAX_LIMIT}"})
def search(org):
    scope = service.reader(ports(), actor(bp), org)
    q = query(bp)
    types = [t for t in (q.get("type") or "").split(",") if t]
    if any(t not in Q.TYPES for t in types):
        raise BadRequest(f"type must be one of {', '.join(Q.TYPES)}", field="type")
    limit = limit_param(bp, Q.DEFAULT_LIMIT, Q.MAX_LIMIT)
    try:
        since, _ = Q.parse_time("from", q.get("from"))
        until, _ = Q.parse_time("to", q.get("to"))
        return service.search(ports(), scope, q.get("q") or "", types=types or None, project_id=q.get("project"),
                              status=q.get("status"), since=since, until=until, cursor=q.get("cursor"), limit=limit)
    except SearchSyntaxError as exc:
        raise BadRequest(str(exc), field=API_NAMES.get(exc.field, exc.field)) from None
