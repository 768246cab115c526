"""Log drains: a resource that sends the logs of its environment's services (all of them, or the
ones it names) to Datadog, New Relic or any HTTPS receiver speaking Firehose's HTTP protocol.

In AWS a drain is an Amazon Data Firehose delivery stream (cloud/drains.py), fed by a CloudWatch
Logs subscription filter on each covered service's log group. Launchbay is never in the path
of a log line: Firehose batches, retries for an hour and keeps what still failed in the drain's
bucket. This module decides which drains cover which service, and keeps each log group's
filters as the drains say (`sync_service`): when a drain becomes available, changes or goes,
and at each deploy (deploys/steps.py log_group), so a service deployed later is covered too.

CloudWatch Logs takes at most two subscription filters per log group: a third drain covering a
service is refused (409).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Optional

from chalicelib.core import security
from chalicelib.core.errors import Invalid, StateConflict

if TYPE_CHECKING:
    from chalicelib.core.context import Ports

MAX_PER_SERVICE = 2        # CloudWatch Logs: subscription filters per log group
FILTER_PREFIX = "launchbay-drain-"
LIVE = ("available", "modifying")   # a drain whose stream takes logs (a change keeps it taking them)


@dataclass(frozen=True)
class Destination:
    name: str
    title: str
    urls: tuple[str, ...]     # the vendor's Firehose intakes, the default first; () = any URL, required
    key_required: bool        # the API or license key Firehose sends as X-Amz-Firehose-Access-Key
    key_title: str
    decompress: bool          # Firehose un-gzips CloudWatch Logs' records first (a generic receiver reads JSON)


DESTINATIONS: dict[str, Destination] = {
    "datadog": Destination("datadog", "Datadog", (
        "https://aws-kinesis-http-intake.logs.datadoghq.com/v1/input",
        "https://aws-kinesis-http-intake.logs.us3.datadoghq.com/v1/input",
        "https://aws-kinesis-http-intake.logs.us5.datadoghq.com/v1/input",
        "https://aws-kinesis-http-intake.logs.datadoghq.eu/v1/input",
        "https://aws-kinesis-http-intake.logs.ap1.datadoghq.com/v1/input"), True, "Datadog API key", False),
    "newrelic": Destination("newrelic", "New Relic", (
        "https://aws-api.newrelic.com/firehose/v1",
        "https://aws-api.eu.newrelic.com/firehose/v1"), True, "New Relic license key", False),
    "http": Destination("http", "HTTPS endpoint", (), False, "access key (sent as X-Amz-Firehose-Access-Key)", True),
}
FIELDS = ("destination", "url", "access_key", "services", "filter_pattern")


def pattern_problem(ports: Ports, doc: dict[str, Any], pattern: Optional[str]) -> None:
    """422 (filter_pattern) when CloudWatch Logs refuses the pattern (TestMetricFilter, in the
    drain's account), before any log group or deploy meets it; the sandbox cannot test one."""
    from chalicelib.resources.service import aws_answer

    if pattern:
        why = aws_answer(ports, doc, lambda cloud: cloud.check_filter_pattern(pattern))
        if why:
            raise Invalid(f"filter_pattern: {why}", field="filter_pattern")


def problems(body: dict[str, Any], kind_is_drain: bool, local: bool, creating: bool) -> list[tuple[str, str]]:
    """(field, message) for each drain setting that is wrong, or given to another kind."""
    given = [f for f in FIELDS if body.get(f) is not None]
    if not kind_is_drain:
        return [(f, f"only a log drain has {f}") for f in given]
    out: list[tuple[str, str]] = []
    dest = DESTINATIONS.get(body.get("destination") or "")
    if creating and dest is None:
        return [("destination", f"a log drain sends to one of {', '.join(DESTINATIONS)}")]
    url = body.get("url")
    if dest is not None and creating and not dest.urls and not url:
        out.append(("url", "an http drain needs the URL of its receiver (https://…)"))
    if url:
        why = url_problem(url, local)
        if why:
            out.append(("url", why))
    if dest is not None and creating and dest.key_required and not body.get("access_key"):
        out.append(("access_key", f"a {dest.title} drain needs your {dest.key_title}"))
    for name in body.get("services") or []:
        if not isinstance(name, str) or not name:
            out.append(("services", "service names"))
            break
    pattern = body.get("filter_pattern")
    if pattern and any(c in pattern for c in "\r\n\t"):
        out.append(("filter_pattern", "one line: a CloudWatch Logs filter pattern such as ?ERROR ?WARN"))
    return out


def url_problem(url: str, local: bool) -> Optional[str]:
    """Firehose delivers over HTTPS only; loopback receivers (http too) only in local mode, where
    the sandbox delivers from this machine. The notification URL rules, without DNS: Firehose
    calls from AWS's network, not ours."""
    from chalicelib.notify import urls

    try:
        urls.check_url(url, local)
    except urls.Refused as exc:
        return str(exc)
    return None


def endpoint_url(doc: dict[str, Any]) -> str:
    return doc.get("url") or DESTINATIONS[doc["destination"]].urls[0]


def plain_key(ports: Ports, doc: dict[str, Any]) -> Optional[str]:
    """The drain's key as its destination takes it (stored encrypted), or None without one."""
    return security.decrypt(ports.settings.fernet_key(), doc["access_key"]) if doc.get("access_key") else None


def endpoint(ports: Ports, doc: dict[str, Any]) -> dict[str, Any]:
    """What the cloud adapter configures: {url, name, access_key (plain, or None), decompress}."""
    dest = DESTINATIONS[doc["destination"]]
    return {"url": endpoint_url(doc), "name": f"{dest.title} ({doc['name']})", "access_key": plain_key(ports, doc),
            "decompress": dest.decompress}


def covers(doc: dict[str, Any], service_name: str) -> bool:
    return doc.get("services") is None or service_name in doc["services"]


def filter_name(doc: dict[str, Any]) -> str:
    return f"{FILTER_PREFIX}{doc['name']}"


def _drains(ports: Ports, env_id: str) -> list[dict[str, Any]]:
    found, _ = ports.store.collection("resources").find({"environment_id": env_id, "kind": "log_drain"}, limit=100)
    return found


def refuse_crowding(ports: Ports, env_id: str, name: str, services: Optional[list[str]],
                    exclude_id: Optional[str] = None) -> None:
    """409 when a service of the environment would be covered by more drains than a log group takes."""
    others = [d for d in _drains(ports, env_id) if d["id"] != exclude_id and d["status"] != "deleting"]
    names = {s["name"] for s in ports.store.collection("services").find({"environment_id": env_id}, limit=1000)[0]}
    names |= set(services or []) | {n for d in others for n in d.get("services") or []}
    new = {"name": name, "services": services}
    for svc in sorted(names):
        crowd = [d["name"] for d in others if covers(d, svc)]
        if covers(new, svc) and len(crowd) >= MAX_PER_SERVICE:
            raise StateConflict(f"{svc} already sends its logs to {' and '.join(crowd)}: CloudWatch Logs takes "
                                f"{MAX_PER_SERVICE} drains per service; name the services this drain takes "
                                "(services) or delete one", field="services")


def wanted(ports: Ports, service: dict[str, Any], this: Optional[dict[str, Any]] = None,
           live: bool = True) -> dict[str, dict[str, str]]:
    """The subscription filters the service's log group should have: filter name -> {"arn": the
    stream's, "pattern": the lines it takes ("" every line)}.
    `this`: a drain as the resource task is making it (`live`: taking logs, or going), whatever
    its stored status says yet."""
    out = {}
    for doc in _drains(ports, service.get("environment_id") or ""):
        takes = doc["status"] in LIVE
        if this is not None and doc["id"] == this["id"]:
            doc, takes = this, live
        arn = (doc.get("aws") or {}).get("stream_arn")
        if takes and arn and covers(doc, service["name"]):
            out[filter_name(doc)] = {"arn": arn, "pattern": doc.get("filter_pattern") or ""}
    return out


def sync_service(ports: Ports, service: dict[str, Any], this: Optional[dict[str, Any]] = None,
                 live: bool = True) -> Optional[dict[str, list[str]]]:
    """Set the service's log group's drain filters as the drains say -> {"added", "removed"}, or
    None when the service has no log group yet (its first deploy makes it, with the filters)."""
    from chalicelib.cloud import naming
    from chalicelib.deploys.placement import target_for

    names = naming.for_service(service["org_id"], service["id"], service["name"])
    cloud = ports.cloud_for(target_for(ports, service))
    if cloud.find_log_group(names.log_group) is None:
        return None
    return cloud.set_log_subscriptions(names.log_group, wanted(ports, service, this, live), FILTER_PREFIX)


def taking(ports: Ports, doc: dict[str, Any]) -> list[str]:
    """The services whose lines the drain takes now: its environment's covered services that were
    deployed (their deploys set their log groups' filters; a service never deployed has none yet)."""
    if doc["status"] not in LIVE:
        return []
    found, _ = ports.store.collection("services").find({"environment_id": doc["environment_id"]}, limit=1000)
    return sorted(s["name"] for s in found if s.get("status") not in ("new", "deleting") and covers(doc, s["name"]))


def sync_environment(ports: Ports, doc: dict[str, Any], live: bool) -> list[str]:
    """Every deployed service of the drain's environment gets its filters as the drains say, this
    one `live` (being made or changed) or not (being deleted) -> the names it now takes."""
    from chalicelib.store.port import iter_all

    taking = []
    for service in iter_all(ports.store.collection("services"), {"environment_id": doc["environment_id"]}):
        if service.get("status") == "deleting":
            continue
        if sync_service(ports, service, doc, live) is not None and live and covers(doc, service["name"]):
            taking.append(service["name"])
    return sorted(taking)



def send_test(ports: Ports, actor: Any, org_id: str, resource_id: str) -> dict[str, Any]:
    """One line through the drain's stream, shaped as its services' lines are, to check the
    destination takes them (Firehose delivers within a minute; a refusal shows in its metrics,
    or, in the sandbox, answers here as a 409)."""
    import time

    from chalicelib.audit import service as audit
    from chalicelib.cloud.drains import cloudwatch_record
    from chalicelib.cloud.naming import resource_names
    from chalicelib.resources.service import aws_answer, get_resource

    doc = get_resource(ports, actor, org_id, resource_id, "project.write")
    if doc["kind"] != "log_drain":
        raise Invalid(f"{doc['name']!r} is a {doc['kind']}: only a log drain takes a test line", field="resource")
    if doc["status"] not in LIVE:
        raise StateConflict(f"the drain is {doc['status']}: test it once it is available", field="status")
    line = f"launchbay: a test line from log drain {doc['name']} ({doc['environment']}), sent by {actor.email}"
    record = cloudwatch_record(f"/launchbay/{org_id}/launchbay-test", "test", [line], int(time.time() * 1000))
    aws_answer(ports, doc, lambda cloud: cloud.send_test_line(resource_names(doc).ident, record))
    audit.record(ports, actor, org_id, "resource.drain_test", "resource", doc["id"], {"name": doc["name"]})
    return {"sent": line, "destination": endpoint_url(doc),
            "note": "delivered within a minute (Firehose buffers up to 60 s); look for it there"}


# --- is it delivering? ----------------------------------------------------------------------
FIREHOSE = "AWS/Firehose"
STALE_SECONDS = 900   # lines waiting longer than this: the endpoint is not taking them
WINDOW_SECONDS = 900  # the longest look back (the beat looks every 5 minutes)


def delivery(ports: Ports, doc: dict[str, Any], since: Optional[float] = None) -> dict[str, Any]:
    """What Firehose measured of the drain's deliveries since `since` (epoch seconds; at most the
    last 15 minutes), from the metrics AWS publishes per attempt: {"state": "ok" | "failing" |
    "idle" (nothing tried), "attempts", "delivered", "freshness_s": the age of the oldest line
    not yet delivered (None: not measured)}. Failing: every attempt failed, or a line waits
    longer than STALE_SECONDS; a blip that a retry got through is not."""
    import math
    import time
    from datetime import datetime, timezone

    from chalicelib.cloud.naming import resource_names

    dims = {"DeliveryStreamName": resource_names(doc).ident}
    name = "DeliveryToHttpEndpoint."
    queries: list[Any] = [
        {"id": "delivered", "namespace": FIREHOSE, "metric": name + "Success", "stat": "Sum", "dimensions": dims},
        {"id": "attempts", "namespace": FIREHOSE, "metric": name + "Success", "stat": "SampleCount",
         "dimensions": dims},
        {"id": "freshness", "namespace": FIREHOSE, "metric": name + "DataFreshness", "stat": "Maximum",
         "dimensions": dims}]
    now = time.time()
    # from the last look on (the call sends whole seconds: the next one, so nothing counts twice)
    start = max(float(math.ceil(since)) if since else 0.0, now - WINDOW_SECONDS)
    # the end a minute ahead: the call sends whole seconds, and this second's attempts count too
    got = ports.cloud_for(doc.get("target")).get_metric_data(
        queries, datetime.fromtimestamp(start, timezone.utc), datetime.fromtimestamp(now + 60, timezone.utc), 60)
    delivered, attempts = sum(got["delivered"].values()), sum(got["attempts"].values())
    fresh = max(got["freshness"].values()) if got["freshness"] else None
    failing = (attempts > 0 and delivered == 0) or (fresh or 0) > STALE_SECONDS
    state = "failing" if failing else "ok" if attempts else "idle"
    return {"state": state, "attempts": int(attempts), "delivered": int(delivered), "freshness_s": fresh}


def watch(ports: Ports) -> dict[str, int]:
    """Beat, every 5 minutes: each drain's deliveries since the last look, as Firehose measured
    them, kept on the drain (`delivery`); one that starts failing tells the project's
    subscriptions (log_drain.failing) once, and again when it delivers again
    (log_drain.recovered); a quiet spell (no lines) changes neither. One account unreachable:
    the others are still looked at."""
    import time

    from chalicelib.core.ids import now_iso
    from chalicelib.notify import service as notify
    from chalicelib.store.port import iter_all

    col = ports.store.collection("resources")
    looked = told = failed = 0
    for doc in iter_all(col, {"kind": "log_drain"}):
        if doc["status"] not in LIVE:
            continue
        before = doc.get("delivery") or {}
        now = time.time()
        try:
            seen = delivery(ports, doc, since=before.get("checked_at"))
        except Exception:
            failed += 1
            continue
        looked += 1
        was_failing = bool(before.get("failing"))
        failing = seen["state"] == "failing" or (was_failing and seen["state"] == "idle")
        col.update(doc["id"], {"delivery": {**seen, "failing": failing, "checked": now_iso(), "checked_at": now}})
        if failing != was_failing:
            notify.log_drain_delivery(ports, doc, seen, failing=failing)
            told += 1
    return {"looked": looked, "told": told, "failed": failed}
