"""Managed resources (databases, caches, buckets, volumes, queues, log drains) of a project's environments, and links."""
from chalice import Blueprint

from chalicelib.api.http import actor, endpoint, page, paged, parse_body, ports, query
from chalicelib.core.errors import Invalid
from chalicelib.resources import drains, queues, restore
from chalicelib.resources import service as resources
from chalicelib.resources.models import LinkIn, ResourceIn, ResourcePatch, RestoreIn

bp = Blueprint(__name__)
ORG = "/orgs/{org}"
TAG = "resources"


@endpoint(bp, ORG + "/projects/{project}/resources", "POST",
          "Create a PostgreSQL or MySQL database (RDS), a Redis cache (ElastiCache), an S3 bucket, a volume "
          "(EFS), a queue (SQS, with its dead-letter queue) or a log drain (Firehose: the services' logs to "
          "Datadog, New Relic or an HTTPS endpoint) in an environment; it is ready when its status is available", 202, ResourceIn, tag=TAG)
def create(org, project):
    who = actor(bp)
    body = parse_body(bp, ResourceIn)
    return 202, resources.public(resources.create_resource(ports(), who, org, project, body.model_dump()), ports())


@endpoint(bp, ORG + "/projects/{project}/resources", "GET", "A project's resources, oldest first", tag=TAG,
          query={"environment": "only this environment (name or id)", "limit": "1-200", "cursor": "from `next`"})
def list_(org, project):
    who = actor(bp)
    limit, cursor = page(bp)
    docs, nxt = resources.list_resources(ports(), who, org, project, query(bp).get("environment"), limit, cursor)
    return paged([resources.public(d, ports()) for d in docs], nxt)


@endpoint(bp, ORG + "/resources/{res}", "GET", "Read a resource (never its credentials)", tag=TAG)
def get(org, res):
    return resources.public(resources.get_resource(ports(), actor(bp), org, res), ports())


@endpoint(bp, ORG + "/resources/{res}", "PATCH", "Resize a resource, change its backups or deletion protection",
          202, ResourcePatch, tag=TAG)
def patch(org, res):
    who = actor(bp)
    body = parse_body(bp, ResourcePatch)
    return 202, resources.public(resources.update_resource(ports(), who, org, res,
                                                           body.model_dump(exclude_unset=True)), ports())


@endpoint(bp, ORG + "/resources/{res}/rotate", "POST",
          "New generated credentials for a database or cache, then its linked services' live releases restart "
          "with them (a deploy freeze lets the restarts through)",
          202, tag=TAG)
def rotate(org, res):
    return 202, resources.public(resources.rotate_credentials(ports(), actor(bp), org, res), ports())


@endpoint(bp, ORG + "/resources/{res}/restore-window", "GET",
          "The times a database can be restored to: from `earliest` (its backups kept) to `latest` (a few "
          "minutes ago), ISO 8601 UTC", tag=TAG)
def restore_window(org, res):
    return restore.window(ports(), actor(bp), org, res)


@endpoint(bp, ORG + "/resources/{res}/restore", "POST",
          "Restore a database to a point in time as a new resource of the same engine, version and storage, "
          "with the source's credentials; `switch_links` moves the source's links to it once available and "
          "redeploys the linked services. The source stays until you delete it", 202, RestoreIn, tag=TAG)
def restore_(org, res):
    who = actor(bp)
    body = parse_body(bp, RestoreIn)
    return 202, resources.public(restore.restore(ports(), who, org, res, body.name, body.to, body.size,
                                                 body.switch_links), ports())


@endpoint(bp, ORG + "/resources/{res}/messages", "GET",
          "A queue's messages now: waiting (visible), being worked on (in_flight), delayed, and dead (in its "
          "dead-letter queue), as SQS counts them (approximately), and the last redrive", tag=TAG)
def messages(org, res):
    return queues.messages(ports(), actor(bp), org, res)


@endpoint(bp, ORG + "/resources/{res}/dead-letters", "GET",
          "A sample of up to 10 of a queue's dead letters (body, when sent, receives, attributes), left where they "
          "are: to see why they failed before moving them back. Developers and up (bodies may hold data); audited",
          tag=TAG, query={"limit": "1 to 10 (default 10)"})
def dead_letters(org, res):
    raw = query(bp).get("limit") or "10"
    if not raw.isdigit():
        raise Invalid("limit: a whole number from 1 to 10", field="limit")
    return queues.dead_letters(ports(), actor(bp), org, res, int(raw))


@endpoint(bp, ORG + "/resources/{res}/redrive", "POST",
          "Move a queue's dead letters back to it (in the worker, a thousand per run); follow it in "
          "GET …/messages `redrive`", 202, tag=TAG)
def redrive(org, res):
    return 202, queues.request_redrive(ports(), actor(bp), org, res)


@endpoint(bp, ORG + "/resources/{res}/test-line", "POST",
          "Send one test line through a log drain to its destination (as its services' lines go)", 202, tag=TAG)
def drain_test_line(org, res):
    return 202, drains.send_test(ports(), actor(bp), org, res)


@endpoint(bp, ORG + "/resources/{res}/purge", "POST",
          "Delete every waiting message of a queue (or, with ?dead_letters=true, every dead letter); needs "
          "?confirm=<its name>. SQS allows one purge a minute per queue (409 otherwise)", tag=TAG,
          query={"confirm": "the queue's name, typed again", "dead_letters": "true: purge the dead-letter queue"})
def purge(org, res):
    q = query(bp)
    return queues.purge(ports(), actor(bp), org, res, q.get("confirm"), (q.get("dead_letters") or "") == "true")


@endpoint(bp, ORG + "/resources/{res}", "DELETE",
          "Delete a resource no service links: its data goes, after a final snapshot (databases, caches); "
          "needs ?confirm=<its name> and deletion protection off", 202, tag=TAG,
          query={"confirm": "the resource's name, typed again"})
def delete(org, res):
    who = actor(bp)
    return 202, resources.public(resources.delete_resource(ports(), who, org, res, query(bp).get("confirm")), ports())


@endpoint(bp, ORG + "/services/{svc}/links", "GET", "The resources a service links, and the variables it gets",
          tag=TAG)
def links(org, svc):
    return {"items": resources.list_links(ports(), actor(bp), org, svc)}


@endpoint(bp, ORG + "/services/{svc}/links/{res}", "PUT",
          "Link a resource of the service's environment: the next deploy gives the service its connection "
          "(DATABASE_URL, REDIS_URL or S3_BUCKET) as a secret from Secrets Manager, its task role access to a "
          "bucket, mounts a volume at `path`, or gives a queue's URL (<NAME>_QUEUE_URL) and its task role "
          "the queue's messages (`send_only`: sending only)", 200, LinkIn, tag=TAG)
def link(org, svc, res):
    who = actor(bp)
    body = parse_body(bp, LinkIn)
    return resources.link(ports(), who, org, svc, res, body.variable, path=body.path, read_only=body.read_only,
                          send_only=body.send_only)


@endpoint(bp, ORG + "/services/{svc}/links/{res}", "DELETE", "Unlink a resource (the next deploy drops the variable)",
          204, tag=TAG)
def unlink(org, svc, res):
    resources.unlink(ports(), actor(bp), org, svc, res)
    return 204, None
