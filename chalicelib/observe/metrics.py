"""A service's metrics as aligned series for a chart, with its deployments as markers.

One GetMetricData call fetches every series (cloud/metrics.py SERIES: ECS CPU and memory,
Container Insights task counts, for web services the target group's requests, latency
percentiles and 4xx/5xx, and for a service working through a queue its waiting messages and
the oldest one's age). Answers are cached briefly per (service, window): windows are
aligned to the period, so viewers of the same chart share one fetch.
"""
from __future__ import annotations

import threading
import time
from datetime import datetime, timezone
from typing import Any, Optional

from chalicelib.catalog.service import get_service
from chalicelib.cloud import metrics as cw
from chalicelib.cloud import naming
from chalicelib.core.context import Actor, Ports
from chalicelib.core.errors import BadRequest
from chalicelib.core.ids import ISO_EXAMPLE, iso_from_epoch, parse_iso
from chalicelib.deploys.placement import placed
from chalicelib.deploys.steps import step_result

DEFAULT_SPAN = 3 * 3600
MAX_POINTS = 1440
CACHE_SECONDS = 30
CACHE_ENTRIES = 2048
MS_SERIES = ("latency_p50", "latency_p95", "latency_p99")   # seconds in CloudWatch, milliseconds here


# --- the window ---------------------------------------------------------------------------

def window(raw_from: Optional[str], raw_to: Optional[str], raw_period: Optional[str],
           now: Optional[float] = None) -> tuple[int, int, int]:
    """(start, end, period) in epoch seconds, aligned to the period; 400 naming the field otherwise."""
    try:
        period = int(raw_period) if raw_period not in (None, "") else 60
    except ValueError:
        raise BadRequest("period must be a whole number of seconds", field="period") from None
    if period < 60 or period % 60:
        raise BadRequest("period must be a multiple of 60 seconds", field="period")
    end = _time("to", raw_to) if raw_to else (time.time() if now is None else now)
    start = _time("from", raw_from) if raw_from else end - DEFAULT_SPAN
    start, end = int(start // period * period), int(-(-end // period) * period)
    if end <= start:
        raise BadRequest("from must be before to", field="from")
    if (end - start) // period > MAX_POINTS:
        raise BadRequest(f"at most {MAX_POINTS} points: widen the period or shorten the window", field="period")
    return start, end, period


def _time(name: str, value: str) -> float:
    try:
        return parse_iso(value).timestamp()
    except ValueError:
        raise BadRequest(f"{name} must be an ISO-8601 time (like {ISO_EXAMPLE})", field=name) from None


# --- where the service's metrics are --------------------------------------------------------

def locate(ports: Ports, service: dict[str, Any]) -> dict[str, Any]:
    """The adapter for the service's account and region, its ECS service name, for a web
    service its target group and load balancer ARNs (from the deployment that made them), and
    the SQS queue it works through (watched_queue)."""
    dep = placed(ports, service)
    tg, lb = step_result(dep or {}, "target_group"), step_result(dep or {}, "load_balancer")
    web = service["kind"] == "web" and bool(tg and tg.get("arn") and lb and lb.get("arn"))
    return {"cloud": ports.cloud_for((dep or {}).get("target")), "service": naming.of_service(service).service,
            "target_group": tg["arn"] if web and tg else None, "load_balancer": lb["arn"] if web and lb else None,
            "queue": watched_queue(ports, service)}


def watched_queue(ports: Ports, service: dict[str, Any]) -> Optional[str]:
    """The SQS name of the queue the service scales on, else of the one queue it consumes (a
    send-only link is not its work), else None."""
    links, _ = ports.store.collection("resource_links").find({"service_id": service["id"]}, limit=100)
    queues = {}
    for link in links:
        res = ports.store.collection("resources").get(link["resource_id"]) or {}
        name = (res.get("aws") or {}).get("queue_name")
        if res.get("kind") == "queue" and name and not link.get("send_only"):
            queues[res["name"]] = name
    scaled_on = (((service.get("autoscaling") or {}).get("queue")) or {}).get("name")
    if scaled_on in queues:
        return queues[scaled_on]
    return next(iter(queues.values())) if len(queues) == 1 else None


def queries(cluster: str, where: dict[str, Any]) -> list[cw.MetricQuery]:
    dims = {"service": cw.service_dimensions(cluster, where["service"]),
            "target": cw.target_dimensions(where["target_group"], where["load_balancer"])
            if where.get("target_group") else {},
            "queue": cw.queue_dimensions(where["queue"]) if where.get("queue") else {}}
    return [{"id": name, "namespace": ns, "metric": metric, "stat": stat, "dimensions": dims[kind]}
            for name, (ns, metric, stat, kind) in cw.SERIES.items() if dims[kind]]


# --- fetch, align, cache ----------------------------------------------------------------------

def fetch(ports: Ports, service: dict[str, Any], start: int, end: int, period: int) -> dict[str, Any]:
    """{timestamps: [epoch s], series: {name: [value | None]}}: every series on the same axis."""
    stamps = list(range(start, end, period))
    if service["kind"] == "cron":   # no standing tasks, no ECS service to measure
        return {"timestamps": stamps, "series": {}}
    where = locate(ports, service)
    cloud = where["cloud"]
    raw = cloud.get_metric_data(queries(cloud.cluster, where), datetime.fromtimestamp(start, timezone.utc),
                                datetime.fromtimestamp(end, timezone.utc), period)
    series = {}
    for name, points in raw.items():
        scale = 1000.0 if name in MS_SERIES else 1.0
        series[name] = [round(points[t] * scale, 2) if t in points else None for t in stamps]
    return {"timestamps": stamps, "series": series}


class TtlCache:
    """A small per-process cache with single flight: concurrent misses of one key fetch once."""

    def __init__(self, ttl: float, size: int) -> None:
        self.ttl, self.size = ttl, size
        self._data: dict[Any, tuple[float, Any]] = {}
        self._locks: dict[Any, threading.Lock] = {}
        self._lock = threading.Lock()
        self.misses = 0

    def get(self, key: Any, make: Any) -> Any:
        hit = self._fresh(key)
        if hit is not None:
            return hit[1]
        with self._lock:
            key_lock = self._locks.setdefault(key, threading.Lock())
        with key_lock:
            hit = self._fresh(key)
            if hit is not None:
                return hit[1]
            value = make()
            with self._lock:
                self.misses += 1
                if len(self._data) >= self.size:   # drop the oldest entries
                    for old in sorted(self._data, key=lambda k: self._data[k][0])[: self.size // 4]:
                        self._data.pop(old, None)
                        self._locks.pop(old, None)
                self._data[key] = (time.monotonic(), value)
            return value

    def _fresh(self, key: Any) -> Optional[tuple[float, Any]]:
        hit = self._data.get(key)
        return hit if hit is not None and time.monotonic() - hit[0] < self.ttl else None


CACHE = TtlCache(CACHE_SECONDS, CACHE_ENTRIES)


def markers(ports: Ports, service: dict[str, Any], start: int, end: int) -> list[dict[str, Any]]:
    """The service's deployments created in the window, oldest first, linking to each."""
    docs, _ = ports.store.collection("deployments").find(
        {"service_id": service["id"], "created": {"$gte": iso_from_epoch(start), "$lt": iso_from_epoch(end)}},
        order="created", limit=200)
    return [{"id": d["id"], "number": d.get("number"), "status": d.get("status"), "image": d.get("image"),
             "at": int(parse_iso(d["created"]).timestamp()), "created": d["created"],
             "link": f"/v1/orgs/{service['org_id']}/deployments/{d['id']}"} for d in docs]


def service_metrics(ports: Ports, actor: Actor, org_id: str, service_id: str, raw_from: Optional[str],
                    raw_to: Optional[str], raw_period: Optional[str]) -> dict[str, Any]:
    service = get_service(ports, actor, org_id, service_id)
    start, end, period = window(raw_from, raw_to, raw_period)
    data = CACHE.get((service["id"], start, end, period), lambda: fetch(ports, service, start, end, period))
    return {**data, "from": iso_from_epoch(start), "to": iso_from_epoch(end), "period": period,
            "units": {"cpu": "%", "memory": "%", "running": "tasks", "desired": "tasks", "requests": "count",
                      "latency_p50": "ms", "latency_p95": "ms", "latency_p99": "ms", "http_4xx": "count",
                      "http_5xx": "count"},
            "deployments": markers(ports, service, start, end), "sandbox": ports.settings.sandbox}
