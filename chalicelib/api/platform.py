"""Health, the OpenAPI document, and the audit log."""
from chalice import Blueprint

from chalicelib.api.http import actor, endpoint, page, paged, ports
from chalicelib.audit import service as audit

bp = Blueprint(__name__)


@endpoint(bp, "/health", "GET", "Reachability of the store, Redis and AWS (or the sandbox)", auth=False, tag="platform")
def health():
    p = ports()
    checks = {"store": p.store.ping(), "redis": p.queue.ping(), "aws": p.cloud.ping()}
    ok = all(c.get("ok") for c in checks.values())
    body = {"ok": ok, "mode": "sandbox" if p.settings.sandbox else "aws", "sandbox": p.settings.sandbox,
            "store": p.settings.store_kind, "search": p.settings.search_kind, "checks": checks}
    return (200 if ok else 503), body


@endpoint(bp, "/openapi.json", "GET", "This API, as OpenAPI 3.1", auth=False, tag="platform")
def openapi():
    from chalicelib.api.openapi import document

    return document()


@endpoint(bp, "/orgs/{org}/audit", "GET", "Audit events, newest first", tag="audit",
          query={"limit": "1-200", "cursor": "from `next`"})
def audit_log(org):
    who = actor(bp)
    limit, cursor = page(bp)
    return paged(*audit.list_events(ports(), who, org, limit, cursor))


@endpoint(bp, "/orgs/{org}/audit-events/{event}", "GET", "One audit event (search results link here)", tag="audit")
def audit_event(org, event):
    return audit.get_event(ports(), actor(bp), org, event)
