"""Monthly cost arithmetic, pure: a service's settings and where it runs -> its estimate; sums
for environments and projects. Everything is priced on-demand for 730 hours a month.
A web service's shares of what its environment's web services share (the load balancer, the
Route 53 private hosted zone of its Cloud Map namespace) are split evenly among them, so an
environment's sum counts each once.

A service estimate: {"monthly_min", "monthly_max", "currency", "region", "prices_region",
"lines": [{"item", "unit", "unit_price", "quantity", "monthly", "quantity_max", "monthly_max"}],
"assumptions": [...]}; min and max come from the service's min_instances and max_instances."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Optional

from chalicelib.cost import prices
from chalicelib.cost.runs import HOURS_PER_MONTH, runs_per_month

SPOT_SHARE = 0.30               # Fargate Spot, as a share of the on-demand price: its prices move with the market
LOG_GB_PER_TASK_MONTH = 1.0     # log volume of one task running all month (we do not measure it yet)
LB_LCU = 1.0                    # load balancer capacity units used on average (light traffic)
LB_PUBLIC_IPS = 2               # an internet-facing ALB holds one public IPv4 per subnet (two zones)
CRON_RUN_MINUTES = 5            # how long one run of a cron service lasts


@dataclass(frozen=True)
class Placement:
    """Where a service runs, as far as its price goes."""
    region: str
    public_ip: bool = True      # tasks get a public IPv4 (the default VPC); private subnets: none
    web_services: int = 1       # web services sharing the environment's load balancer
    asleep: float = 0.0         # the share of the week its sleep schedule suspends its services (0..1)
    egress_services: int = 0    # static egress: the services sharing the environment's NAT gateway (0: none)


def _line(item: str, unit: str, unit_price: float, qty_min: float, qty_max: float) -> dict[str, Any]:
    return {"item": item, "unit": unit, "unit_price": unit_price, "quantity": round(qty_min, 4),
            "monthly": round(qty_min * unit_price, 2), "quantity_max": round(qty_max, 4),
            "monthly_max": round(qty_max * unit_price, 2), "_min": qty_min * unit_price, "_max": qty_max * unit_price}


def spot_share(spec: dict[str, Any], tasks: float) -> float:
    """The share of `tasks` running tasks that its `spot` setting places on Fargate Spot."""
    spot = spec.get("spot")
    if not spot or tasks <= 0:
        return 0.0
    above = max(tasks - spot.get("on_demand_base", 0), 0.0)
    return above * spot.get("percent", 100) / 100 / tasks


def _task_lines(p: dict[str, Any], spec: dict[str, Any], hours_min: float, hours_max: float,
                public_ip: bool, spot_min: float = 0.0, spot_max: float = 0.0) -> list[dict[str, Any]]:
    """Compute, public addresses and logs of `hours` task-hours a month, `spot_*` of them on Fargate Spot."""
    vcpu, gb = spec["cpu"] / 1024, spec["memory"] / 1024
    arch = spec.get("architecture") or "x86_64"
    fargate = p["fargate"][arch]
    lines, on_spot = [], bool(spot_min or spot_max)
    for label, price, lo, hi in (("Fargate", 1.0, 1 - spot_min, 1 - spot_max),
                                 ("Fargate Spot", SPOT_SHARE, spot_min, spot_max)):
        if (lo or hi) if on_spot else label == "Fargate":
            lines += [_line(f"{label} vCPU ({vcpu:g} vCPU per task, {arch})", "vCPU-hour",
                            round(fargate["vcpu_hour"] * price, 6), vcpu * hours_min * lo, vcpu * hours_max * hi),
                      _line(f"{label} memory ({gb:g} GB per task)", "GB-hour", round(fargate["gb_hour"] * price, 6),
                            gb * hours_min * lo, gb * hours_max * hi)]
    if public_ip:
        lines.append(_line("public IPv4 address of each task", "IPv4-hour", p["public_ipv4_hour"], hours_min, hours_max))
    logs_min = hours_min / HOURS_PER_MONTH * LOG_GB_PER_TASK_MONTH
    logs_max = hours_max / HOURS_PER_MONTH * LOG_GB_PER_TASK_MONTH
    lines.append(_line("CloudWatch Logs ingestion", "GB", p["logs"]["ingest_gb"], logs_min, logs_max))
    lines.append(_line("CloudWatch Logs storage (30-day retention: about one month kept)", "GB-month",
                       p["logs"]["store_gb_month"], logs_min, logs_max))
    return lines


def _lb_lines(p: dict[str, Any], share: int) -> list[dict[str, Any]]:
    """This service's share of its environment's load balancer: 1/share of it."""
    hours = HOURS_PER_MONTH / share
    return [_line(f"load balancer hours (1/{share} of the environment's ALB)", "ALB-hour", p["alb"]["hour"], hours, hours),
            _line(f"load balancer capacity ({LB_LCU:g} LCU, 1/{share})", "LCU-hour", p["alb"]["lcu_hour"],
                  hours * LB_LCU, hours * LB_LCU),
            _line(f"load balancer public IPv4 ({LB_PUBLIC_IPS}, 1/{share})", "IPv4-hour", p["public_ipv4_hour"],
                  hours * LB_PUBLIC_IPS, hours * LB_PUBLIC_IPS)]


def _discovery_line(p: dict[str, Any], tasks_min: float, tasks_max: float) -> dict[str, Any]:
    """A web service's running tasks, each a registered instance of its Cloud Map service
    (deploys/discovery.py); workers and cron jobs take no port and are not registered."""
    return _line("Cloud Map registered instances (one per running task)", "instance-month",
                 p["cloud_map"]["instance_month"], tasks_min, tasks_max)


def _zone_line(p: dict[str, Any], share: int) -> dict[str, Any]:
    """This service's share of its environment's Route 53 private hosted zone (made by the
    environment's Cloud Map namespace), split like the load balancer: one zone per environment."""
    return _line(f"Route 53 private hosted zone (1/{share} of the environment's)", "zone-month",
                 p["route53"]["private_zone_month"], 1 / share, 1 / share)


def _discovery_assumptions(p: dict[str, Any], share: int) -> list[str]:
    return [f"private networking: 1/{share} of the environment's Route 53 private hosted zone (its Cloud Map "
            f"namespace, one per environment with a web service, kept until the environment is deleted); "
            f"DNS queries to it from the VPC (${p['route53']['resolver_queries_million']:.2f} per million) "
            f"not counted: their volume is unknown",
            f"Cloud Map: each running task is a registered instance; discovery is by DNS, which makes no "
            f"Cloud Map API calls (${p['cloud_map']['api_calls_million']:.2f} per million): none counted"]


def service_estimate(spec: dict[str, Any], place: Placement) -> dict[str, Any]:
    """`spec`: the service's kind, cpu (units), memory (MiB), min/max_instances and schedule."""
    priced, p, assumptions = prices.for_region(place.region)
    arch = spec.get("architecture") or "x86_64"
    assumptions = assumptions + [
        f"{HOURS_PER_MONTH} hours a month, on-demand list prices of {prices.table()['date']}, Linux/{arch}",
        f"logs: {LOG_GB_PER_TASK_MONTH:g} GB per task running all month, kept 30 days"]
    if spec.get("spot"):
        assumptions.append(f"Fargate Spot priced at {SPOT_SHARE:.0%} of on-demand (AWS: up to 70 % off; Spot prices "
                           "move with the market and by region); tasks AWS reclaims are replaced, not billed twice")
    if place.egress_services:
        share = place.egress_services
        assumptions.append(f"static egress: 1/{share} of the environment's NAT gateway and its Elastic IP ({share} "
                           f"service(s) share them); tasks have no public IPv4; data through the NAT gateway "
                           f"(${p['nat_gateway']['gb']:.3f} per GB) not counted: its volume is unknown")
    elif not place.public_ip:
        assumptions.append("private subnets: tasks have no public IPv4; the VPC's NAT gateway is not counted here")
    kind = spec["kind"]
    if spec.get("suspended"):   # no task runs until it is resumed; its share of the ALB stays
        assumptions.append("suspended: no tasks run (compute 0) until it is resumed")
        lines = _task_lines(p, spec, 0.0, 0.0, place.public_ip)
        if kind == "web":   # no task is registered in Cloud Map either; the zone stays
            share = max(place.web_services, 1)
            assumptions += _discovery_assumptions(p, share)
            lines += [_discovery_line(p, 0.0, 0.0), *_lb_lines(p, share), _zone_line(p, share)]
    elif kind == "cron":
        runs = _runs(spec.get("schedule"), assumptions)
        hours = runs * CRON_RUN_MINUTES / 60
        assumptions.append(f"cron: {runs:.1f} runs a month of {CRON_RUN_MINUTES} minutes each "
                           f"({hours:.2f} task-hours)")
        on_spot = spot_share(spec, 1)
        lines = _task_lines(p, spec, hours, hours, place.public_ip, on_spot, on_spot)
    else:
        lo, hi = spec.get("min_instances") or 0, max(spec.get("max_instances") or 0, spec.get("min_instances") or 0)
        timed = (spec.get("autoscaling") or {}).get("schedule")
        if timed:   # scheduled scaling: the ranges it sets, weighted by how long each holds in a week
            from chalicelib.deploys.scaling import average_range

            lo, hi = (round(x, 2) for x in average_range(timed, (lo, hi)))
            assumptions.append(f"scheduled scaling: {lo:g} task(s) at the minimum and {hi:g} at the maximum on "
                               "average over the week")
        awake = 1.0 - place.asleep
        if place.asleep:
            assumptions.append(f"{lo} task(s) at the minimum, {hi} at the maximum, {awake * HOURS_PER_MONTH:.0f} hours "
                               f"a month: the environment's sleep schedule suspends them {place.asleep:.0%} of the week")
        else:
            assumptions.append(f"{lo} task(s) at the minimum, {hi} at the maximum, all month")
        lines = _task_lines(p, spec, lo * HOURS_PER_MONTH * awake, hi * HOURS_PER_MONTH * awake, place.public_ip,
                            spot_share(spec, lo), spot_share(spec, hi))
        if kind == "web":
            share = max(place.web_services, 1)
            assumptions.append(f"web: 1/{share} of the environment's load balancer ({share} web service(s) share it), "
                               f"{LB_LCU:g} LCU on average")
            assumptions += _discovery_assumptions(p, share)
            lines += [_discovery_line(p, lo, hi), *_lb_lines(p, share), _zone_line(p, share)]
    if place.egress_services:
        hours = HOURS_PER_MONTH / place.egress_services
        lines += [_line(f"NAT gateway hours (1/{place.egress_services} of the environment's, static egress)",
                        "NAT-hour", p["nat_gateway"]["hour"], hours, hours),
                  _line(f"Elastic IP of the NAT gateway (1/{place.egress_services})", "IPv4-hour",
                        p["public_ipv4_hour"], hours, hours)]
    return {"monthly_min": round(sum(x["_min"] for x in lines), 2),
            "monthly_max": round(sum(x["_max"] for x in lines), 2),
            "currency": prices.table()["currency"], "region": place.region, "prices_region": priced,
            "lines": [{k: v for k, v in x.items() if not k.startswith("_")} for x in lines],
            "assumptions": assumptions}


BUCKET_GB = 10.0   # what a bucket holds (we do not measure it yet): stated with its estimate
VOLUME_GB = 10.0   # what a volume holds (not measured yet): stated with its estimate
# an idle consumer's long polls (20 s each, the queue's default): three receives a minute, a month
IDLE_POLLS = 3 * 60 * HOURS_PER_MONTH
DRAIN_GB = 5.0     # the log lines a drain's services write a month (not measured): stated with its estimate
# Firehose (Direct PUT ingestion, billed in 5 KB steps per record) and data transfer out to the
# internet, at us-east-1's list prices: https://aws.amazon.com/firehose/pricing/, /ec2/pricing/on-demand/
FIREHOSE_INGEST_GB, TRANSFER_OUT_GB = 0.029, 0.09


def resource_estimate(res: dict[str, Any], region: str) -> dict[str, Any]:
    """A managed resource's month (chalicelib/resources): RDS instance hours and gp3 storage,
    one ElastiCache node's hours, a bucket's storage, or a volume's storage and backups; min and max
    are the same."""
    priced, p, assumptions = prices.for_region(region)
    managed = p.get("managed") or {}
    kind, size = res["kind"], res.get("size")
    lines: list[dict[str, Any]] = []
    if kind in ("postgres", "mysql"):
        hourly = managed["rds"][kind][size]
        lines.append(_line(f"RDS {kind} {size} (Single-AZ)", "instance-hour", hourly, HOURS_PER_MONTH, HOURS_PER_MONTH))
        gb = res.get("storage_gb") or 20
        lines.append(_line(f"RDS gp3 storage ({gb} GB)", "GB-month", managed["rds"]["storage_gb_month"], gb, gb))
        assumptions.append("automated backups up to the database's size are free; a final snapshot on delete is not counted")
    elif kind == "redis":
        lines.append(_line(f"ElastiCache {size} (one node)", "node-hour", managed["elasticache"][size],
                           HOURS_PER_MONTH, HOURS_PER_MONTH))
    elif kind == "volume":
        used = res.get("used_bytes")
        gb = max(1.0, round(used / 1e9, 1)) if used is not None else VOLUME_GB   # metered hourly; billed per GB
        said = "measured" if used is not None else "assumed"
        lines.append(_line(f"EFS Standard storage ({gb:g} GB {said})", "GB-month",
                           managed["efs"]["storage_gb_month"], gb, gb))
        lines.append(_line(f"AWS Backup of the volume ({gb:g} GB, daily, kept 35 days)", "GB-month",
                           managed["efs"]["backup_gb_month"], gb, gb))
        assumptions.append(f"volume: {gb:g} GB stored ({said}; at least 1 GB), all in Standard (files unused for "
                           "30 days move to Infrequent Access, which costs less); reads and writes (elastic "
                           "throughput) not counted")
    elif kind == "queue":
        fifo = bool(res.get("fifo"))
        per_million = managed["sqs"]["fifo_per_million_requests" if fifo else "standard_per_million_requests"]
        lines.append(_line(f"SQS {'FIFO' if fifo else 'standard'} requests (one idle consumer's 20 s long polls)",
                           "million requests", per_million, IDLE_POLLS / 1e6, IDLE_POLLS / 1e6))
        assumptions.append(f"queue: each message sent, received and deleted is 3 requests (up to 64 KB each), "
                           f"{per_million * 3:.2f} USD per million messages, not counted (it follows your traffic); "
                           "each further consumer task adds its idle polls; the first million requests a month "
                           "are free per account, not subtracted")
    elif kind == "log_drain":
        lines.append(_line(f"Firehose ingestion ({DRAIN_GB:g} GB of log lines assumed)", "GB",
                           FIREHOSE_INGEST_GB, DRAIN_GB, DRAIN_GB))
        lines.append(_line(f"Data transfer out to the endpoint ({DRAIN_GB:g} GB, gzipped less)", "GB",
                           TRANSFER_OUT_GB, DRAIN_GB, DRAIN_GB))
        assumptions.append(f"log drain: {DRAIN_GB:g} GB of log lines a month (it follows what your services "
                           "log), priced at us-east-1's rates; the destination's own price (Datadog, New Relic) "
                           "is not counted, nor the failed deliveries kept in its bucket")
    else:
        lines.append(_line(f"S3 Standard storage ({BUCKET_GB:g} GB assumed)", "GB-month",
                           managed["s3"]["storage_gb_month"], BUCKET_GB, BUCKET_GB))
        assumptions.append(f"bucket: {BUCKET_GB:g} GB stored; requests and transfer not counted")
    return {"monthly_min": round(sum(x["_min"] for x in lines), 2),
            "monthly_max": round(sum(x["_max"] for x in lines), 2),
            "currency": prices.table()["currency"], "region": region, "prices_region": priced,
            "lines": [{k: v for k, v in x.items() if not k.startswith("_")} for x in lines],
            "assumptions": assumptions}


def _runs(schedule: Optional[str], assumptions: list[str]) -> float:
    try:
        return runs_per_month(schedule or "")
    except (ValueError, KeyError):
        assumptions.append(f"schedule {schedule!r} could not be counted: priced as one run a day")
        return runs_per_month("rate(1 day)")


def total(parts: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """The sum of estimates (services of an environment, environments of a project, and later the
    managed resources, which are estimates of the same shape)."""
    items = list(parts)
    return {"monthly_min": round(sum(x["monthly_min"] for x in items), 2),
            "monthly_max": round(sum(x["monthly_max"] for x in items), 2),
            "currency": prices.table()["currency"]}


def difference(before: Optional[dict[str, Any]], after: Optional[dict[str, Any]]) -> dict[str, Any]:
    """{before, after, delta} of two totals (None: nothing, e.g. before a first deploy)."""
    zero = {"monthly_min": 0.0, "monthly_max": 0.0, "currency": prices.table()["currency"]}
    b, a = total([before]) if before else zero, total([after]) if after else zero
    return {"before": b, "after": a,
            "delta": {"monthly_min": round(a["monthly_min"] - b["monthly_min"], 2),
                      "monthly_max": round(a["monthly_max"] - b["monthly_max"], 2), "currency": a["currency"]}}
