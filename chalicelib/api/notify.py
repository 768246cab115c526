"""Notification subscriptions of a project, their delivery log, and a test send."""
from chalice import Blueprint

from chalicelib.api.http import actor, endpoint, page, paged, parse_body, ports
from chalicelib.notify import service as notify
from chalicelib.notify.models import SubscriptionIn, SubscriptionPatch

bp = Blueprint(__name__)
SUBS = "/orgs/{org}/projects/{project}/notifications"
ONE = SUBS + "/{sub}"
TAG = "notifications"


@endpoint(bp, SUBS, "POST", "Subscribe a webhook (HMAC-signed; its secret is in this answer only) or a Slack "
          "incoming webhook to the project's deployment events", 201, SubscriptionIn, tag=TAG)
def create(org, project):
    who = actor(bp)
    body = parse_body(bp, SubscriptionIn)
    return 201, notify.create_subscription(ports(), who, org, project, body.model_dump())


@endpoint(bp, SUBS, "GET", "List the project's notification subscriptions", tag=TAG)
def list_(org, project):
    who = actor(bp)
    limit, cursor = page(bp)
    docs, nxt = notify.list_subscriptions(ports(), who, org, project, limit, cursor)
    return paged([notify.public(d) for d in docs], nxt)


@endpoint(bp, ONE, "GET", "Read a notification subscription (never its secret)", tag=TAG)
def get(org, project, sub):
    return notify.public(notify.get_subscription(ports(), actor(bp), org, project, sub))


@endpoint(bp, ONE, "PATCH", "Change a subscription's URL, name, events or enabled", 200, SubscriptionPatch, tag=TAG)
def patch(org, project, sub):
    who = actor(bp)
    body = parse_body(bp, SubscriptionPatch)
    return notify.update_subscription(ports(), who, org, project, sub, body.model_dump(exclude_unset=True))


@endpoint(bp, ONE, "DELETE", "Delete a subscription and its delivery log", 204, tag=TAG)
def delete(org, project, sub):
    notify.delete_subscription(ports(), actor(bp), org, project, sub)
    return 204, None


@endpoint(bp, ONE + "/test", "POST", "Send a test event to this subscription; its outcome shows in the deliveries",
          202, tag=TAG)
def send_test(org, project, sub):
    return 202, notify.send_test(ports(), actor(bp), org, project, sub)


@endpoint(bp, ONE + "/rotate-secret", "POST", "A new signing secret for a webhook, shown in this answer only",
          200, tag=TAG)
def rotate_secret(org, project, sub):
    return notify.rotate_secret(ports(), actor(bp), org, project, sub)


@endpoint(bp, ONE + "/deliveries", "GET", "The subscription's deliveries, newest first: status, attempts, "
          "response codes, errors", tag=TAG)
def deliveries(org, project, sub):
    who = actor(bp)
    limit, cursor = page(bp)
    docs, nxt = notify.list_deliveries(ports(), who, org, project, sub, limit, cursor)
    return paged([notify.public_delivery(d) for d in docs], nxt)
