#!/usr/bin/env python3
"""The AWS sandbox `make run` starts: moto's server, made to come back the same after a restart.

    .venv/bin/python scripts/sandbox_server.py -H 127.0.0.1 -p 5055

moto keeps its state in memory; scripts/dev.py records the requests that changed it and replays
them into the next server. The ids moto makes (vpc-…, subnet-…, security groups, load balancer
and target group ARNs) are random and later requests name them, so a replay that drew other ids
left the network, the load balancer and the ECS service behind (health: "the ECS service no
longer exists"). Here the replay draws the same ones:
  * moto's generator (mock_random, which makes every such id) starts from the same seed;
  * AWS requests are handled one at a time, so the recording's order is the order they drew in
    (moto's own /moto-api/ calls are not: the replay is one, and sends the requests it replays);
  * request ids, which every answer draws, even a read's, come from another generator, so the
    reads the replay leaves out took nothing from the seeded sequence.

It also delivers log drains as Firehose does (`firehose_delivery`): moto hands CloudWatch Logs'
records to a stream's S3 destination only, and posts to an HTTP one without the access key.
It keeps an ECS service's capacity provider strategy (`ecs_capacity`), which moto's CreateService drops.
`--plain` serves without the replay's seeding and one-at-a-time order (the tests' server).
"""
from __future__ import annotations

import argparse
import os
import secrets
import signal
import sys
import threading
from typing import Any, Iterable, Optional

SEED = 20261127


def _request_id(headerdict: Optional[dict] = None) -> str:
    req_id = "".join(secrets.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") for _ in range(52))
    if isinstance(headerdict, dict):
        headerdict.update({"x-amzn-requestid": req_id})
    return req_id


class OneAtATime:
    """AWS requests in turn; /moto-api/ (the replay, the dashboard) beside them."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.lock = threading.Lock()

    def __call__(self, environ: dict, start_response: Any) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path.startswith("/moto-api/recorder/replay"):
            REPLAYING.set()
            try:
                return list(self.app(environ, start_response))
            finally:
                REPLAYING.clear()
        if path.startswith("/moto-api/"):
            return self.app(environ, start_response)
        with self.lock:
            return list(self.app(environ, start_response))   # the whole answer, while it is our turn


REPLAYING = threading.Event()   # old log lines replayed at start are not delivered again
DELIVERY_TIMEOUT = 3.0          # seconds: the sandbox answers AWS requests one at a time


def _post(destination: dict, records: list) -> list:
    """Firehose's HTTP endpoint delivery: its headers (with the access key), its JSON body, gzip
    when the stream asks for it; anything but a 200 is a failure."""
    import base64
    import gzip
    import json
    import time
    import uuid

    import requests

    config = destination["EndpointConfiguration"]
    request_id = str(uuid.uuid4())   # not moto's seeded generator: the replay's ids stay the same
    body = json.dumps({"requestId": request_id, "timestamp": int(time.time() * 1000),
                       "records": [{"data": base64.b64encode(r["Data"]).decode()} for r in records]}).encode()
    headers = {"Content-Type": "application/json", "X-Amz-Firehose-Protocol-Version": "1.0",
               "X-Amz-Firehose-Request-Id": request_id}
    if config.get("AccessKey"):
        headers["X-Amz-Firehose-Access-Key"] = config["AccessKey"]
    if (destination.get("RequestConfiguration") or {}).get("ContentEncoding") == "GZIP":
        body, headers["Content-Encoding"] = gzip.compress(body), "gzip"
    if not REPLAYING.is_set():
        answer = requests.post(config["Url"], data=body, headers=headers, timeout=DELIVERY_TIMEOUT)
        if answer.status_code != 200:
            raise RuntimeError(f"the endpoint answered {answer.status_code}")
    return [{"RecordId": str(uuid.uuid4())} for _ in records]


def _decompresses(destination: dict) -> bool:
    processing = destination.get("ProcessingConfiguration") or {}
    return bool(processing.get("Enabled")) and any(p.get("Type") == "Decompression"
                                                   for p in processing.get("Processors") or [])


def _measured(backend, stream: str, delivered: bool) -> None:
    """The metric AWS publishes for each delivery attempt (a drain's watch reads it)."""
    from moto.cloudwatch.models import cloudwatch_backends

    if REPLAYING.is_set():
        return
    cloudwatch_backends[backend.account_id][backend.region_name].put_metric_data("AWS/Firehose", [
        {"MetricName": "DeliveryToHttpEndpoint.Success", "Value": 1.0 if delivered else 0.0,
         "Dimensions": [{"Name": "DeliveryStreamName", "Value": stream}]}])


def _pattern(backend, group: str, filter_name: str) -> str:
    from moto.logs.models import logs_backends

    found = logs_backends[backend.account_id][backend.region_name].groups.get(group)
    sub = found.subscription_filters.get(filter_name) if found else None
    return getattr(sub, "filter_pattern", "") or ""


def _matches(pattern: str, message: str) -> bool:
    """CloudWatch Logs' term patterns, which moto does not apply to subscriptions: every plain or
    quoted term, at least one ?term, no -term (case-sensitive, as CloudWatch). A JSON or
    space-delimited pattern ({…}, […]) passes every line here."""
    import shlex

    if not pattern.strip() or pattern.lstrip()[:1] in "{[":
        return True
    terms = shlex.split(pattern)
    anyof = [t[1:] for t in terms if t.startswith("?")]
    allof = [t for t in terms if not t.startswith(("?", "-"))]
    none = [t[1:] for t in terms if t.startswith("-")]
    return (all(t in message for t in allof) and not any(t in message for t in none)
            and (not anyof or any(t in message for t in anyof)))


def firehose_delivery() -> None:
    """CloudWatch Logs -> a drain's stream -> its HTTP endpoint, as in AWS; a delivery that fails
    goes to the stream's bucket (AWS retries first, for an hour; the sandbox does not wait)."""
    import gzip

    from moto.firehose.models import FirehoseBackend

    send_to_s3 = FirehoseBackend.send_log_event

    def send_log_event(self, delivery_stream_arn, filter_name, log_group_name, log_stream_name, log_events):
        stream = self.lookup_name_from_arn(delivery_stream_arn)
        http = (stream.destinations[0] if stream else {}).get("HttpEndpoint")
        if http is None:
            return send_to_s3(self, delivery_stream_arn, filter_name, log_group_name, log_stream_name, log_events)
        log_events = [e for e in log_events if _matches(_pattern(self, log_group_name, filter_name), e["message"])]
        if not log_events:
            return None
        import json

        data = json.dumps({"messageType": "DATA_MESSAGE", "owner": self.account_id, "logGroup": log_group_name,
                           "logStream": log_stream_name, "subscriptionFilters": [filter_name],
                           "logEvents": log_events}, separators=(",", ":")).encode()
        record = {"Data": data if _decompresses(http) else gzip.compress(data)}
        try:
            _post(http, [record])
            delivered = True
        except Exception:
            delivered = False
            backup = http.get("S3DestinationDescription") or {}
            if backup.get("BucketARN"):
                self.put_s3_records(stream.delivery_stream_name, stream.version_id, backup, [record])
        _measured(self, stream.delivery_stream_name, delivered)

    FirehoseBackend.send_log_event = send_log_event
    FirehoseBackend.put_http_records = staticmethod(_post)


def ecs_capacity() -> None:
    """CreateService with a capacity provider strategy: moto drops the strategy and records the EC2
    launch type; AWS keeps the strategy and names no launch type (describe_services shows it)."""
    from moto.ecs.responses import EC2ContainerServiceResponse

    create = EC2ContainerServiceResponse.create_service

    def create_service(self: Any) -> Any:
        strategy = self._get_param("capacityProviderStrategy")
        result = create(self)
        if strategy and not self._get_param("launchType"):
            service = self.ecs_backend._get_service(self._get_param("cluster", "default"),
                                                     self._get_param("serviceName"))
            service.capacity_provider_strategy = strategy
            service.launch_type = None
            for deployment in service.deployments:
                deployment.pop("launchType", None)
                deployment["capacityProviderStrategy"] = strategy
        return result

    EC2ContainerServiceResponse.create_service = create_service


def replayable() -> None:
    """Seed moto's id generator and take request ids off it (see the module's doc)."""
    import moto.core.responses
    import moto.utilities.aws_headers
    from moto.moto_api._internal import mock_random

    moto.utilities.aws_headers.gen_amzn_requestid_long = _request_id
    moto.core.responses.gen_amzn_requestid_long = _request_id   # imported there by name
    mock_random.seed(SEED)


def main(argv: Optional[list[str]] = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("-H", "--host", default="127.0.0.1")
    p.add_argument("-p", "--port", type=int, default=5055)
    p.add_argument("--plain", action="store_true", help="no seeded ids, requests served side by side (tests)")
    args = p.parse_args(argv)
    os.environ.setdefault("MOTO_PORT", str(args.port))   # as moto's own server: the URLs it makes name it
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))

    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
    from werkzeug.serving import run_simple

    firehose_delivery()
    ecs_capacity()
    app = DomainDispatcherApplication(create_backend_app)
    if not args.plain:
        replayable()
    run_simple(args.host, args.port, app if args.plain else OneAtATime(app), threaded=True,
               request_handler=MotoRequestHandler)


if __name__ == "__main__":
    main()
