"""Deployments, releases, rollback and deploy logs."""
from chalice import Blueprint

from chalicelib.api.http import actor, endpoint, page, paged, parse_body, ports, query, request
from chalicelib.api.http import limit as limit_param
from chalicelib.core.errors import BadRequest
from chalicelib.deploys import service
from chalicelib.deploys.models import DeploymentIn, MaintenanceIn, RejectIn, RollbackIn
from chalicelib.lifecycle import states

bp = Blueprint(__name__)
ORG = "/orgs/{org}"
TAG = "deployments"


def _out(dep: dict) -> dict:
    out = service.public(dep)
    out["sandbox"] = ports().settings.sandbox
    return out


def _idempotency_key():
    return (request(bp).headers or {}).get("idempotency-key")


def _optional_body(model):
    raw = request(bp).raw_body or b""
    return parse_body(bp, model) if raw.strip() else model()


@endpoint(bp, ORG + "/services/{svc}/deployments", "POST", "Deploy the service (honours Idempotency-Key)", 202,
          DeploymentIn, tag=TAG)
def create(org, svc):
    who = actor(bp)
    body = _optional_body(DeploymentIn)
    dep, created = service.create_deployment(ports(), who, org, svc, body.image, _idempotency_key(),
                                             commit=body.commit.stored() if body.commit else None)
    return (202 if created else 200), _out(dep), {"Location": f"/v1/orgs/{org}/deployments/{dep['id']}"}


@endpoint(bp, ORG + "/services/{svc}/deployments", "GET",
          "List deployments, newest first (summaries: GET one deployment for its steps)", tag=TAG,
          query={"status": "filter by status", "limit": "1-200", "cursor": "from `next`"})
def list_(org, svc):
    who = actor(bp)
    limit, cursor = page(bp)
    status = query(bp).get("status")
    if status and status not in states.DEPLOYMENT_STATUSES:
        raise BadRequest(f"status must be one of {', '.join(states.DEPLOYMENT_STATUSES)}", field="status")
    docs, nxt = service.list_deployments(ports(), who, org, svc, limit, cursor, status)
    sandbox = ports().settings.sandbox
    return paged([{**service.summary(d), "sandbox": sandbox} for d in docs], nxt)


@endpoint(bp, ORG + "/services/{svc}/plan", "GET",
          "What the next deploy would create or change in AWS, field by field, without touching anything", tag=TAG)
def plan(org, svc):
    from chalicelib.deploys.preview import preview

    return preview(ports(), actor(bp), org, svc)


@endpoint(bp, ORG + "/services/{svc}/releases", "GET", "Releases (deployments that went live) to roll back to", tag=TAG)
def releases(org, svc):
    who = actor(bp)
    limit, cursor = page(bp)
    return paged(*service.list_releases(ports(), who, org, svc, limit, cursor))


@endpoint(bp, ORG + "/services/{svc}/rollback", "POST", "Redeploy an earlier release exactly", 202, RollbackIn, tag=TAG)
def rollback(org, svc):
    who = actor(bp)
    body = parse_body(bp, RollbackIn)
    dep, created = service.rollback(ports(), who, org, svc, body.deployment_id, _idempotency_key())
    return (202 if created else 200), _out(dep)


@endpoint(bp, ORG + "/services/{svc}/restart", "POST",
          "Replace every task of the live release with a fresh one (same image, settings and secret versions; "
          "rolled out and health-checked as a deploy; honours Idempotency-Key)", 202, tag=TAG)
def restart(org, svc):
    dep, created = service.restart(ports(), actor(bp), org, svc, _idempotency_key())
    return (202 if created else 200), _out(dep), {"Location": f"/v1/orgs/{org}/deployments/{dep['id']}"}


@endpoint(bp, ORG + "/services/{svc}/suspend", "POST",
          "Suspend the service: 0 tasks and autoscaling held at 0 (web, worker), or its schedule disabled (cron), "
          "without deleting anything; done by the worker (status suspending, then suspended; honours Idempotency-Key)",
          202, tag=TAG)
def suspend(org, svc):
    from chalicelib.deploys import suspend as suspension

    doc, created = suspension.suspend(ports(), actor(bp), org, svc, _idempotency_key())
    return (202 if created else 200), doc


@endpoint(bp, ORG + "/services/{svc}/resume", "POST",
          "Resume a suspended service: a deployment of its live release that restores its task count, autoscaling "
          "and schedule from the release's settings and waits for health (honours Idempotency-Key)", 202, tag=TAG)
def resume(org, svc):
    from chalicelib.deploys import suspend as suspension

    dep, created = suspension.resume(ports(), actor(bp), org, svc, _idempotency_key())
    return (202 if created else 200), _out(dep), {"Location": f"/v1/orgs/{org}/deployments/{dep['id']}"}


@endpoint(bp, ORG + "/services/{svc}/maintenance", "PUT",
          "Maintenance mode on (or a new message): the web service's hosts answer a 503 page with the message from "
          "the load balancer, now, while its tasks keep running; deploys made meanwhile stay behind it", 200,
          MaintenanceIn, tag=TAG)
def maintenance_on(org, svc):
    from chalicelib.api.catalog import _service_out
    from chalicelib.deploys import maintenance

    body = parse_body(bp, MaintenanceIn)
    return _service_out(maintenance.set_maintenance(ports(), actor(bp), org, svc, body.message))


@endpoint(bp, ORG + "/services/{svc}/maintenance", "DELETE",
          "Maintenance mode off: the web service's hosts forward to its tasks again, now", 200, tag=TAG)
def maintenance_off(org, svc):
    from chalicelib.api.catalog import _service_out
    from chalicelib.deploys import maintenance

    return _service_out(maintenance.clear_maintenance(ports(), actor(bp), org, svc))


@endpoint(bp, ORG + "/deployments/{dep}", "GET", "Read a deployment with its steps", tag=TAG)
def get(org, dep):
    return _out(service.get_deployment(ports(), actor(bp), org, dep))


@endpoint(bp, ORG + "/deployments/{dep}/changes", "GET", "What the deployment changes against the release before it "
          "(or `against`): image, commit with a compare link, settings field by field, variable and secret names",
          tag=TAG, query={"against": "another deployment of the same service to compare with"})
def changes(org, dep):
    from chalicelib.deploys.changes import changes as compare

    return compare(ports(), actor(bp), org, dep, query(bp).get("against") or None)


@endpoint(bp, ORG + "/deployments/{dep}/cancel", "POST", "Cancel a deployment: queued ones at once; provisioning or deploying ones stop and roll back", tag=TAG)
def cancel(org, dep):
    return _out(service.cancel(ports(), actor(bp), org, dep))


@endpoint(bp, ORG + "/deployments/{dep}/proceed", "POST", "End a canary's watch now: the release it is watching "
          "rolls out to every task at once (cancel instead to roll it back)", tag=TAG)
def proceed(org, dep):
    return _out(service.proceed(ports(), actor(bp), org, dep))


@endpoint(bp, ORG + "/deployments/{dep}/approve", "POST", "Approve a deploy waiting for approval (an environment "
          "with require_approval; admin or owner): it is queued for a worker", tag=TAG)
def approve(org, dep):
    return _out(service.approve(ports(), actor(bp), org, dep))


@endpoint(bp, ORG + "/deployments/{dep}/reject", "POST", "Reject a deploy waiting for approval (admin or owner): "
          "it is cancelled, with the reason", 200, RejectIn, tag=TAG)
def reject(org, dep):
    body = _optional_body(RejectIn)
    return _out(service.reject(ports(), actor(bp), org, dep, body.reason))


@endpoint(bp, ORG + "/approvals", "GET", "Deploys waiting for approval in the organization, oldest first", tag=TAG,
          query={"limit": "1-200", "cursor": "from `next`"})
def approvals(org):
    who = actor(bp)
    limit, cursor = page(bp)
    docs, nxt = service.awaiting_approval(ports(), who, org, limit, cursor)
    sandbox = ports().settings.sandbox
    return paged([{**service.summary(d), "sandbox": sandbox} for d in docs], nxt)


@endpoint(bp, ORG + "/deployments/{dep}/logs", "GET", "Deployment log lines after a cursor", tag=TAG,
          query={"after": "the `next` of the previous page", "limit": "1-1000"})
def logs(org, dep):
    who = actor(bp)
    q = query(bp)
    limit = limit_param(bp, 200, 1000)
    # Status first: the engine commits a deployment's last line with its settling status, so
    # lines read after a settled status include it (read the other way round, a follower
    # could stop at `final` without the last line).
    current = service.get_deployment(ports(), who, org, dep)
    lines, nxt, more = service.read_logs(ports(), who, org, dep, q.get("after"), limit)
    return {"lines": lines, "next": nxt, "more": more, "status": current["status"], "final": states.settled(current)}
