"""Log drains (Firehose), against the moto sandbox with its Firehose delivery (scripts/
sandbox_server.py): a drain's stream takes the services' log lines through their log groups'
subscription filters and posts them, as Firehose does, to a real HTTP receiver here; its key is
never shown; the services it takes follow its `services`, a deploy and its changes; what fails
to deliver lands in its bucket; deleting it removes every piece it made."""
from __future__ import annotations

import json

import pytest

from chalicelib.cloud import naming
from tests.resources.test_resources import aws, connected_and_recorded, create, settle
from tests.support.drains import Receiver

pytestmark = pytest.mark.services


def drain(org, receiver, name="logs", **body) -> dict:
    return create(org, name=name, kind="log_drain", destination="http", url=receiver.url, access_key="k-s3cret",
                  **body)


def group_of(org, svc) -> str:
    return naming.for_service(org.id, svc["id"], svc["name"]).log_group


def taking(org, res) -> list[str]:
    """The services the API says the drain takes now."""
    return org.call("GET", f"/resources/{res['id']}")[1]["taking"]


def filters(ports, res, group) -> dict:
    target = res.get("target") or ports.store.collection("resources").get(res["id"])["target"]
    found = ports.cloud_for(target).client("logs").describe_subscription_filters(logGroupName=group)["subscriptionFilters"]
    return {f["filterName"]: f["destinationArn"] for f in found}


def test_a_drain_sends_every_service_s_log_lines_to_its_endpoint_with_its_key(make_org, ports, receiver):
    org = make_org()
    web = org.service(name="web")
    assert org.deploy(ports, web)["status"] == "live"
    made = drain(org, receiver)
    assert (made["kind"], made["destination"], made["url"], made["access_key_set"], made["services"]) == \
        ("log_drain", "http", receiver.url, True, None)
    assert made["deletion_protection"] is False and made["variable"] == ""   # no data, no variable
    done = settle(ports, made["id"])
    assert done["status"] == "available", done
    assert taking(org, done) == ["web"]
    assert filters(ports, made, group_of(org, web)) == {"launchbay-drain-logs": done["aws"]["stream_arn"]}
    stream = aws(ports, made, "firehose").describe_delivery_stream(
        DeliveryStreamName=done["aws"]["stream_arn"].rsplit("/", 1)[1])["DeliveryStreamDescription"]
    http = stream["Destinations"][0]["HttpEndpointDestinationDescription"]
    assert http["EndpointConfiguration"]["Url"] == receiver.url
    assert (http["S3BackupMode"], http["RetryOptions"]["DurationInSeconds"]) == ("FailedDataOnly", 3600)

    # the next rollout's tasks log; CloudWatch Logs hands their lines to the stream, Firehose to us
    assert org.deploy(ports, web)["status"] == "live"
    # every line the tasks wrote, and only those, as CloudWatch Logs holds them
    logs = aws(ports, made, "logs")
    written = [e["message"] for e in logs.filter_log_events(logGroupName=group_of(org, web))["events"]]
    delivered = receiver.lines(group_of(org, web))
    assert delivered and set(delivered) <= set(written) and len(delivered) < len(written)   # not the first rollout's
    headers = receiver.requests[-1]["headers"]
    assert headers["X-Amz-Firehose-Access-Key"] == "k-s3cret" and headers["X-Amz-Firehose-Protocol-Version"] == "1.0"
    # ...and the key is never shown again
    for path in (f"/resources/{made['id']}", f"/projects/{org.project()['id']}/resources"):
        assert "k-s3cret" not in json.dumps(org.call("GET", path)[1])
    stored = ports.store.collection("resources").get(made["id"])
    assert stored["access_key"] and "k-s3cret" not in json.dumps(stored)   # encrypted at rest


def test_a_service_deployed_later_is_taken_at_its_first_deploy_and_the_plan_says_so(make_org, ports, receiver):
    org = make_org()
    made = settle(ports, drain(org, receiver)["id"])
    assert made["status"] == "available" and taking(org, made) == []
    worker = org.service(name="worker", kind="worker")
    dep = org.deploy(ports, worker)
    assert dep["status"] == "live"
    step = next(s for s in dep["steps"] if s["name"] == "log_group")
    assert step["plan"]["changes"]["log_drains"] == [[], ["logs"]], step["plan"]
    assert list(filters(ports, made, group_of(org, worker))) == ["launchbay-drain-logs"]
    assert receiver.lines(group_of(org, worker))
    assert taking(org, made) == ["worker"]   # as its deploy made it


def test_services_pick_what_a_drain_takes_and_a_log_group_takes_two(make_org, ports, receiver):
    org = make_org()
    web, worker = org.service(name="web"), org.service(name="worker", kind="worker")
    for svc in (web, worker):
        assert org.deploy(ports, svc)["status"] == "live"
    only_web = settle(ports, drain(org, receiver, "only-web", services=["web"])["id"])
    everything = settle(ports, drain(org, receiver, "all")["id"])
    assert (taking(org, only_web), taking(org, everything)) == (["web"], ["web", "worker"])
    assert sorted(filters(ports, only_web, group_of(org, web))) == ["launchbay-drain-all", "launchbay-drain-only-web"]
    assert list(filters(ports, only_web, group_of(org, worker))) == ["launchbay-drain-all"]

    prj = org.project()["id"]
    status, body = org.call("POST", f"/projects/{prj}/resources", {"name": "third", "kind": "log_drain",
                                                                  "destination": "http", "url": receiver.url})
    assert status == 409 and body["error"]["field"] == "services" and "web already sends" in body["error"]["message"]
    third = settle(ports, drain(org, receiver, "third", services=["worker"])["id"])
    assert taking(org, third) == ["worker"]
    # every service for only-web would give worker a third drain
    status, body = org.call("PATCH", f"/resources/{only_web['id']}", {"services": None})
    assert status == 409 and body["error"]["field"] == "services"
    # an empty list: it takes no service for now, and web's filter goes
    assert org.call("PATCH", f"/resources/{only_web['id']}", {"services": []})[0] == 202
    changed = settle(ports, only_web["id"])
    assert changed["status"] == "available" and changed["services"] == [] and taking(org, changed) == []
    assert list(filters(ports, only_web, group_of(org, web))) == ["launchbay-drain-all"]


def test_a_new_url_and_key_change_the_stream_in_place(make_org, ports, receiver):
    org = make_org()
    web = org.service(name="web")
    assert org.deploy(ports, web)["status"] == "live"
    made = settle(ports, drain(org, receiver)["id"])
    other = Receiver()
    try:
        status, body = org.call("PATCH", f"/resources/{made['id']}", {"url": other.url, "access_key": "k-2"})
        assert status == 202 and body["status"] == "modifying" and "k-2" not in json.dumps(body)
        done = settle(ports, made["id"])
        assert done["status"] == "available" and done["url"] == other.url, done
        assert done["aws"]["stream_arn"] == made["aws"]["stream_arn"]   # the same stream
        assert org.call("POST", f"/resources/{made['id']}/test-line")[0] == 202
        assert other.requests[-1]["headers"]["X-Amz-Firehose-Access-Key"] == "k-2"
        assert "a test line from log drain logs" in other.lines()[-1]
    finally:
        other.server.shutdown()


def test_a_failed_delivery_lands_in_the_drain_s_bucket(make_org, ports, receiver):
    org = make_org()
    web = org.service(name="web")
    made = settle(ports, drain(org, receiver)["id"])
    receiver.status = 500
    assert org.deploy(ports, web)["status"] == "live"
    s3 = aws(ports, made, "s3")
    kept = s3.list_objects_v2(Bucket=made["aws"]["bucket"]).get("Contents") or []
    assert kept, "the refused lines were not kept"
    rules = s3.get_bucket_lifecycle_configuration(Bucket=made["aws"]["bucket"])["Rules"]
    assert rules[0]["Expiration"]["Days"] == 14
    shown = org.call("GET", f"/resources/{made['id']}")[1]
    assert shown["failed_deliveries_bucket"] == made["aws"]["bucket"]


def test_deleting_a_drain_removes_its_filters_stream_bucket_and_role(make_org, ports, receiver):
    org = make_org()
    web = org.service(name="web")
    assert org.deploy(ports, web)["status"] == "live"
    made = settle(ports, drain(org, receiver)["id"])
    receiver.status = 500
    assert org.deploy(ports, web)["status"] == "live"   # something in the bucket: it goes too
    assert org.call("DELETE", f"/resources/{made['id']}")[0] == 202   # no data of its own: no confirm
    assert settle(ports, made["id"]) is None
    assert filters(ports, made, group_of(org, web)) == {}
    firehose, s3, iam = (ports.cloud_for(made["target"]).client(s) for s in ("firehose", "s3", "iam"))
    assert made["aws"]["stream_arn"].rsplit("/", 1)[1] not in firehose.list_delivery_streams()["DeliveryStreamNames"]
    assert made["aws"]["bucket"] not in [b["Name"] for b in s3.list_buckets()["Buckets"]]
    roles = [r["RoleName"] for r in iam.list_roles()["Roles"]]
    assert not any(r.endswith("-firehose") and made["aws"]["stream_arn"].rsplit("/", 1)[1] in r for r in roles)


def test_validation(make_org, ports, receiver):
    org = make_org()
    prj = org.project()["id"]

    def refused(body, field, code=422):
        status, out = org.call("POST", f"/projects/{prj}/resources", {"name": "dr", "kind": "log_drain", **body})
        assert (status, out["error"]["field"]) == (code, field), out

    refused({}, "destination")
    refused({"destination": "datadog"}, "access_key")
    refused({"destination": "newrelic", "url": "https://aws-api.eu.newrelic.com/firehose/v1"}, "access_key")
    refused({"destination": "http"}, "url")
    refused({"destination": "http", "url": "http://example.com/in"}, "url")   # HTTPS only off loopback
    refused({"destination": "http", "url": receiver.url, "max_receives": 3}, "max_receives")
    refused({"destination": "http", "url": receiver.url, "size": "db.t4g.micro"}, "size")
    status, out = org.call("POST", f"/projects/{prj}/resources", {"name": "db", "kind": "postgres",
                                                                  "destination": "http"})
    assert (status, out["error"]["field"]) == (422, "destination")
    made = settle(ports, drain(org, receiver)["id"])
    web = org.service(name="web")
    status, out = org.call("PUT", f"/services/{web['id']}/links/{made['id']}", {})
    assert (status, out["error"]["field"]) == (422, "resource")
    ok = create(org, name="dd", kind="log_drain", destination="datadog", access_key="dd-key")
    assert ok["url"] == "https://aws-kinesis-http-intake.logs.datadoghq.com/v1/input"


def test_the_connection_policy_allows_every_drain_call(make_org, ports, receiver):
    from chalicelib.cloud import access

    org, conn, seen = connected_and_recorded(make_org, ports)
    web = org.service(name="web")
    assert org.deploy(ports, web)["status"] == "live"
    made = settle(ports, drain(org, receiver)["id"])
    assert made["status"] == "available" and made["target"]["account"] == conn["account_id"]
    assert org.call("PATCH", f"/resources/{made['id']}", {"access_key": "k-3", "services": ["web"]})[0] == 202
    settle(ports, made["id"])
    assert org.deploy(ports, web)["status"] == "live"
    assert org.call("POST", f"/resources/{made['id']}/test-line")[0] == 202
    assert org.call("DELETE", f"/resources/{made['id']}")[0] == 202
    assert settle(ports, made["id"]) is None
    assert {"firehose:CreateDeliveryStream", "logs:PutSubscriptionFilter", "firehose:UpdateDestination",
            "logs:DeleteSubscriptionFilter", "firehose:DeleteDeliveryStream", "iam:DeleteRole"} <= seen
    sandbox_only = {"logs:CreateLogStream", "logs:PutLogEvents", "servicediscovery:RegisterInstance"}   # ECS's, on AWS
    assert seen - access.allowed_actions() - sandbox_only - {"sts:GetCallerIdentity"} == set()


def test_a_clone_gets_its_own_drain_to_the_same_destination(make_org, ports, receiver):
    org = make_org()
    prj = org.project()["id"]
    made = settle(ports, drain(org, receiver, services=["web"])["id"])
    status, out = org.call("POST", f"/projects/{prj}/environments/production/clone", {"name": "staging"})
    assert status == 201, out
    listed = org.call("GET", f"/projects/{prj}/resources?environment=staging")[1]["items"]
    (copy,) = listed
    assert (copy["kind"], copy["destination"], copy["url"], copy["services"], copy["access_key_set"]) == \
        ("log_drain", "http", receiver.url, ["web"], True)
    copied = settle(ports, copy["id"])
    assert copied["status"] == "available" and copied["aws"]["stream_arn"] != made["aws"]["stream_arn"]
    assert org.call("POST", f"/resources/{copy['id']}/test-line")[0] == 202
    assert receiver.requests[-1]["headers"]["X-Amz-Firehose-Access-Key"] == "k-s3cret"


def test_a_drain_that_stops_delivering_is_told_once_and_again_when_it_recovers(make_org, ports, receiver,
                                                                                launchbay_env):
    import base64
    import time

    import redis

    from chalicelib.notify import events, slack
    from chalicelib.resources import drains

    org = make_org()
    web = org.service(name="web")
    made = settle(ports, drain(org, receiver, "datadog")["id"])
    assert org.call("POST", f"/projects/{made['project_id']}/notifications",
                    {"kind": "slack", "url": "https://hooks.slack.com/services/T0/B0/x",
                     "events": ["log_drain.failing", "log_drain.recovered"]})[0] == 201
    notify_queue = redis.Redis.from_url(launchbay_env["REDIS_URL"])
    key = f"{launchbay_env['LAUNCHBAY_QUEUE_PREFIX']}.notify"

    def told(kind) -> list[dict]:
        bodies = [json.loads(base64.b64decode(json.loads(m)["body"])) for m in notify_queue.lrange(key, 0, -1)]
        return [e for e in (b[0][0] if isinstance(b, list) else b for b in bodies)
                if isinstance(e, dict) and e.get("type") == kind and e["data"]["resource"]["id"] == made["id"]]

    assert drains.delivery(ports, made)["state"] == "idle"   # nothing tried yet
    assert org.deploy(ports, web)["status"] == "live"
    assert drains.watch(ports)["looked"] >= 1
    assert ports.store.collection("resources").get(made["id"])["delivery"]["state"] == "ok"

    receiver.status = 503
    time.sleep(1)   # the metrics' windows have whole seconds: the next look starts at the next one
    assert org.deploy(ports, web)["status"] == "live"   # its tasks log; the endpoint refuses them
    drains.watch(ports)
    drains.watch(ports)   # nothing new tried since: still failing, told once
    doc = ports.store.collection("resources").get(made["id"])
    assert doc["delivery"]["failing"] is True and doc["delivery"]["delivered"] == 0
    (event,) = told(events.LOG_DRAIN_FAILING)
    assert slack.text(event).splitlines()[0] == (
        f":warning: Log drain *datadog* (production) is not delivering to {receiver.url}: its last 1 delivery "
        "failed; Firehose retries for an hour, then keeps what failed in the drain's bucket. Check the "
        "URL and key, then send a test line")
    assert org.call("GET", f"/resources/{made['id']}")[1]["delivery"]["failing"] is True

    receiver.status = 200
    time.sleep(1)
    assert org.deploy(ports, web)["status"] == "live"
    drains.watch(ports)
    assert ports.store.collection("resources").get(made["id"])["delivery"]["state"] == "ok"
    assert len(told(events.LOG_DRAIN_RECOVERED)) == 1


def test_a_filter_pattern_sends_only_the_lines_it_matches_and_a_change_moves_the_filters(make_org, ports, receiver):
    org = make_org()
    web = org.service(name="web")
    assert org.deploy(ports, web)["status"] == "live"
    made = settle(ports, drain(org, receiver, filter_pattern="?listening ?exited")["id"])
    assert made["filter_pattern"] == "?listening ?exited"
    group = group_of(org, web)
    found = ports.cloud_for(made["target"]).client("logs").describe_subscription_filters(
        logGroupName=group)["subscriptionFilters"]
    assert [f["filterPattern"] for f in found] == ["?listening ?exited"]
    assert org.deploy(ports, web)["status"] == "live"
    lines = receiver.lines(group)
    assert lines and all("listening" in line or "exited" in line for line in lines), lines

    assert org.call("PATCH", f"/resources/{made['id']}", {"filter_pattern": ""})[0] == 202   # every line again
    assert settle(ports, made["id"])["filter_pattern"] == ""
    found = ports.cloud_for(made["target"]).client("logs").describe_subscription_filters(
        logGroupName=group)["subscriptionFilters"]
    assert [f["filterPattern"] for f in found] == [""]
    before = len(receiver.lines(group))
    assert org.deploy(ports, web)["status"] == "live"
    assert any("started from" in line for line in receiver.lines(group)[before:])
    status, out = org.call("PATCH", f"/resources/{made['id']}", {"filter_pattern": "a\nb"})
    assert (status, out["error"]["field"]) == (422, "filter_pattern")
