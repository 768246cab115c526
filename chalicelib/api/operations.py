"""What runs: run-time logs from CloudWatch, cron runs, custom-domain status."""
from chalice import Blueprint

from chalicelib.api.http import actor, endpoint, page, paged, parse_body, ports, query, request
from chalicelib.api.http import limit as limit_param
from chalicelib.core.errors import BadRequest
from chalicelib.core.ids import micros_from_iso
from chalicelib.deploys import operations, runs
from chalicelib.deploys.models import RunIn

bp = Blueprint(__name__)
SVC = "/orgs/{org}/services/{svc}"


@endpoint(bp, SVC + "/logs", "GET", "Run-time log lines from CloudWatch Logs", tag="operations",
          query={"after": "the `next` of the previous page",
                 "since": "ISO-8601 time: 2026-01-31, 2026-01-31T12:00Z, +02:00 offsets (default: the last hour)",
                 "limit": "1-1000"})
def service_logs(org, svc):
    q = query(bp)
    start_ms = None
    if q.get("since"):
        try:
            start_ms = max(0, micros_from_iso(q["since"]) // 1000)  # CloudWatch refuses times before 1970
        except ValueError as exc:
            raise BadRequest(f"since: {exc}", field="since") from None
    limit = limit_param(bp, 200, 1000)
    return operations.service_logs(ports(), actor(bp), org, svc, start_ms, q.get("after") or None, limit)


@endpoint(bp, SVC + "/runs", "POST", "Run a cron service now, or a one-off command on the live release", 202,
          RunIn, tag="operations")
def run_now(org, svc):
    who = actor(bp)
    # the body is optional: a cron service runs its own command without one
    body = parse_body(bp, RunIn) if (request(bp).raw_body or b"").strip() else RunIn()
    return 202, runs.run_now(ports(), who, org, svc, body.command)


@endpoint(bp, SVC + "/runs", "GET", "Run history: cron runs and one-off commands (command, start, end, exit code)", tag="operations")
def list_runs(org, svc):
    who = actor(bp)
    limit, cursor = page(bp)
    return paged(*runs.list_runs(ports(), who, org, svc, limit, cursor))


@endpoint(bp, SVC + "/domain", "GET", "Custom domain: the TXT record that proves it, routing and certificate",
          tag="operations")
def domain(org, svc):
    return operations.domain_status(ports(), actor(bp), org, svc)


@endpoint(bp, SVC + "/domain/verify", "POST", "Check the domain's TXT record; once verified, the next deploy "
          "routes it (`routed` says whether the live release does already)",
          tag="operations")
def verify_domain(org, svc):
    return operations.verify_domain(ports(), actor(bp), org, svc)
