"""The estimate arithmetic against figures worked out by hand from the published prices
(us-east-1: Fargate $0.04048 per vCPU-hour and $0.004445 per GB-hour, ALB $0.0225/h + $0.008
per LCU-hour, public IPv4 $0.005/h, CloudWatch Logs $0.50/GB ingested + $0.03/GB-month;
eu-central-1: $0.04656, $0.00511, $0.027 + $0.0096, $0.005, $0.63 + $0.0324; everywhere: Cloud Map
$0.10 per registered instance-month, a Route 53 private hosted zone $0.50 a month), 730 hours."""
from __future__ import annotations

import json

import pytest

from chalicelib.cost import prices
from chalicelib.cost.estimate import Placement, difference, service_estimate, total
from chalicelib.cost.runs import runs_per_month

WEB = {"kind": "web", "cpu": 256, "memory": 512, "min_instances": 1, "max_instances": 3, "schedule": None}
CENT = pytest.approx


def lines(est):
    return {line["unit"] + ":" + line["item"].split(" (")[0]: line for line in est["lines"]}


def test_small_web_service_alone_in_us_east_1():
    est = service_estimate(WEB, Placement("us-east-1", public_ip=True, web_services=1))
    # one task: 182.5 vCPU-h * 0.04048 = 7.3876; 365 GB-h * 0.004445 = 1.622425; IPv4 730 * 0.005 = 3.65;
    # logs 1 GB * (0.50 + 0.03) = 0.53; the whole ALB: 16.425 + 5.84 + 2 * 3.65 = 29.565; one Cloud Map
    # instance 0.10 and the whole private hosted zone 0.50  -> 43.355
    assert est["monthly_min"] == CENT(43.36, abs=0.005)
    # three tasks: 22.1628 + 4.867275 + 10.95 + 1.59 + 3 * 0.10, and the same ALB and zone  -> 69.935
    assert est["monthly_max"] == CENT(69.94, abs=0.005)
    assert est["currency"] == "USD" and est["prices_region"] == "us-east-1"
    vcpu = lines(est)["vCPU-hour:Fargate vCPU"]
    assert (vcpu["quantity"], vcpu["unit_price"], vcpu["monthly"]) == (182.5, 0.04048, 7.39)
    assert (vcpu["quantity_max"], vcpu["monthly_max"]) == (547.5, 22.16)
    assert any("730 hours" in a for a in est["assumptions"])


def test_region_changes_the_price():
    est = service_estimate(WEB, Placement("eu-central-1", public_ip=True, web_services=1))
    # 182.5 * 0.04656 = 8.4972; 365 * 0.00511 = 1.86515; 3.65; 0.63 + 0.0324; ALB 19.71 + 7.008 + 7.30;
    # Cloud Map 0.10 and the zone 0.50 (the same prices in every region)
    assert est["monthly_min"] == CENT(49.29, abs=0.005)
    assert est["prices_region"] == "eu-central-1"
    assert est["monthly_min"] > service_estimate(WEB, Placement("us-east-1"))["monthly_min"]


def test_bigger_worker_without_load_balancer_or_public_address():
    worker = {"kind": "worker", "cpu": 1024, "memory": 2048, "min_instances": 2, "max_instances": 2}
    est = service_estimate(worker, Placement("us-east-1", public_ip=False, web_services=5))
    # 2 tasks: 1460 vCPU-h * 0.04048 = 59.1008; 2920 GB-h * 0.004445 = 12.9794; logs 2 GB * 0.53 = 1.06
    assert est["monthly_min"] == est["monthly_max"] == CENT(73.14, abs=0.005)
    assert not any("load balancer" in line["item"] or "IPv4" in line["item"] for line in est["lines"])
    assert not any(line["item"].startswith(("Cloud Map", "Route 53")) for line in est["lines"])   # no port: not registered
    assert any("NAT" in a for a in est["assumptions"])


def test_load_balancer_and_private_zone_are_split_across_the_environments_web_services():
    alone = service_estimate(WEB, Placement("us-east-1", web_services=1))
    shared = service_estimate(WEB, Placement("us-east-1", web_services=4))
    # a quarter of the ALB's 29.565 and of the zone's 0.50 instead of all of them
    assert alone["monthly_min"] - shared["monthly_min"] == CENT((29.565 + 0.5) * 3 / 4, abs=0.01)
    zone = lines(shared)["zone-month:Route 53 private hosted zone"]
    assert (zone["quantity"], zone["quantity_max"], zone["monthly"]) == (0.25, 0.25, 0.12)
    four = total([shared] * 4)
    # one ALB and one zone in all
    assert four["monthly_min"] == CENT(4 * (43.355 - 29.565 - 0.5) + 29.565 + 0.5, abs=0.02)


def test_scaling_to_zero_leaves_only_the_environment_shares():
    est = service_estimate({**WEB, "min_instances": 0, "max_instances": 2}, Placement("us-east-1"))
    assert est["monthly_min"] == CENT(30.07, abs=0.005)   # the ALB's 29.565 and the zone's 0.50
    # two tasks: 14.7752 + 3.24485 + 7.30 + 1.06 + 2 * 0.10 + 29.565 + 0.50
    assert est["monthly_max"] == CENT(56.65, abs=0.005)
    instances = lines(est)["instance-month:Cloud Map registered instances"]
    assert (instances["quantity"], instances["quantity_max"], instances["monthly"]) == (0, 2, 0)


def test_private_networking_lines_of_a_web_service_scaling_1_to_3():
    est = service_estimate(WEB, Placement("us-east-1", web_services=1))
    instances = lines(est)["instance-month:Cloud Map registered instances"]
    assert (instances["unit_price"], instances["quantity"], instances["monthly"]) == (0.10, 1, 0.10)
    assert (instances["quantity_max"], instances["monthly_max"]) == (3, 0.30)
    zone = lines(est)["zone-month:Route 53 private hosted zone"]
    assert (zone["unit_price"], zone["quantity"], zone["monthly"]) == (0.50, 1, 0.50)
    assert (zone["quantity_max"], zone["monthly_max"]) == (1, 0.50)   # one zone whatever the task count
    assert zone["item"] == "Route 53 private hosted zone (1/1 of the environment's)"
    said = " ".join(est["assumptions"])
    assert "DNS queries" in said and "$0.40 per million" in said and "not counted" in said
    assert "no Cloud Map API calls" in said and "$1.00 per million" in said


def test_worker_and_cron_have_no_private_networking_lines():
    worker = {**WEB, "kind": "worker", "min_instances": 1, "max_instances": 3}
    cron = {"kind": "cron", "cpu": 256, "memory": 512, "schedule": "rate(1 hour)"}
    for spec in (worker, cron):
        est = service_estimate(spec, Placement("us-east-1", web_services=1))
        assert not any(line["item"].startswith(("Cloud Map", "Route 53")) for line in est["lines"])
        assert not any("Cloud Map" in a for a in est["assumptions"])


def test_suspended_web_service_keeps_the_zone_but_no_registered_instance():
    est = service_estimate({**WEB, "suspended": True}, Placement("us-east-1", web_services=2))
    instances = lines(est)["instance-month:Cloud Map registered instances"]
    assert instances["monthly"] == instances["monthly_max"] == 0
    zone = lines(est)["zone-month:Route 53 private hosted zone"]
    assert (zone["quantity"], zone["monthly"], zone["monthly_max"]) == (0.5, 0.25, 0.25)
    # half the ALB (14.7825) and half the zone (0.25)
    assert est["monthly_min"] == est["monthly_max"] == CENT(15.03, abs=0.005)


def test_cron_is_priced_from_its_runs():
    every5 = {"kind": "cron", "cpu": 256, "memory": 512, "schedule": "rate(5 minutes)"}
    est = service_estimate(every5, Placement("us-east-1"))
    # 8,760 runs of 5 minutes = 730 task-hours: one task all month without a load balancer
    assert est["monthly_min"] == est["monthly_max"] == CENT(7.3876 + 1.622425 + 3.65 + 0.53, abs=0.005)
    daily = service_estimate({**every5, "cpu": 512, "memory": 1024, "schedule": "cron(0 3 * * ? *)"},
                             Placement("us-east-1", public_ip=False))
    # 30.42 runs * 5 min = 2.535 task-hours: 0.5 vCPU -> 0.0513, 1 GB -> 0.01127, logs 0.00347 GB -> 0.0018
    assert daily["monthly_min"] == CENT(0.06, abs=0.005)
    assert any("5 minutes" in a and "30.4 runs" in a for a in daily["assumptions"])


@pytest.mark.parametrize("schedule,runs", [
    ("rate(1 hour)", 730), ("rate(2 days)", 15.2083), ("cron(0/15 * * * ? *)", 2920),
    ("cron(0 9 ? * MON-FRI *)", 21.7262), ("cron(0 0 1 * ? *)", 1), ("cron(0 0 1 JAN ? *)", 1 / 12),
    ("cron(0 6,18 L * ? *)", 2), ("cron(30 8 ? * 2#1 *)", 1)])
def test_runs_per_month(schedule, runs):
    assert runs_per_month(schedule) == CENT(runs, abs=0.001)


def test_unknown_region_falls_back_and_says_so():
    est = service_estimate(WEB, Placement("sa-east-1"))
    assert est["region"] == "sa-east-1" and est["prices_region"] == "us-east-1"
    assert est["monthly_min"] == CENT(43.36, abs=0.005)
    assert any("no prices for sa-east-1" in a for a in est["assumptions"])


def test_difference_signs():
    small = service_estimate(WEB, Placement("us-east-1"))
    big = service_estimate({**WEB, "cpu": 1024, "memory": 2048}, Placement("us-east-1"))
    up = difference(small, big)
    assert up["delta"]["monthly_min"] > 0 and up["delta"]["monthly_max"] > 0
    assert difference(big, small)["delta"]["monthly_min"] == -up["delta"]["monthly_min"]
    assert difference(None, small)["delta"]["monthly_max"] == small["monthly_max"]


def test_price_table_is_dated_sourced_and_complete():
    data = json.loads(prices.TABLE_PATH.read_text())
    assert data["date"] and all(s.startswith("https://aws.amazon.com/") for s in data["sources"])
    assert {"https://aws.amazon.com/cloud-map/pricing/", "https://aws.amazon.com/route53/pricing/"} <= set(data["sources"])
    for region in ("us-east-1", "us-east-2", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-1"):
        p = data["regions"][region]
        assert p["fargate"]["x86_64"]["vcpu_hour"] > 0 and p["fargate"]["arm64"]["gb_hour"] > 0
        assert p["alb"]["hour"] > 0 and p["logs"]["ingest_gb"] > 0 and p["public_ipv4_hour"] > 0
        assert p["cloud_map"] == {"instance_month": 0.10, "api_calls_million": 1.00}
        assert p["route53"] == {"private_zone_month": 0.50, "resolver_queries_million": 0.40}
        assert set(p["managed"]) == {"rds", "elasticache", "s3", "efs", "sqs"}   # managed resources (chalicelib/resources)


def test_us_east_1_matches_the_platform_cost_table():
    """docs/deploy-aws.md prices the API container fallback (0.5 vCPU, 1 GB) at $18.02 a month
    and the ALB at $22.27 (hour + 1 LCU): the same prices must give the same figures."""
    p = prices.for_region("us-east-1")[1]
    assert round((0.5 * p["fargate"]["x86_64"]["vcpu_hour"] + 1 * p["fargate"]["x86_64"]["gb_hour"]) * 730, 2) == 18.02
    assert round((p["alb"]["hour"] + p["alb"]["lcu_hour"]) * 730, 2) == 22.27


def test_managed_resources_are_priced_by_hand_figures():
    from chalicelib.cost.estimate import resource_estimate

    db = resource_estimate({"kind": "postgres", "size": "db.t4g.micro", "storage_gb": 50}, "us-east-1")
    assert db["monthly_min"] == db["monthly_max"] == 17.43          # 730 h x $0.016 + 50 GB x $0.115
    cache = resource_estimate({"kind": "redis", "size": "cache.t4g.small"}, "us-east-1")
    assert cache["monthly_min"] == 23.36                            # 730 h x $0.032
    bucket = resource_estimate({"kind": "bucket"}, "eu-west-1")
    assert bucket["monthly_min"] == 0.25 and any("10 GB" in a for a in bucket["assumptions"])   # 10 GB x $0.0253
    volume = resource_estimate({"kind": "volume"}, "us-east-1")
    assert volume["monthly_min"] == volume["monthly_max"] == 3.5     # 10 GB x ($0.30 EFS Standard + $0.05 backup)
    assert [x["item"].split(" (")[0] for x in volume["lines"]] == ["EFS Standard storage", "AWS Backup of the volume"]
    drain = resource_estimate({"kind": "log_drain"}, "eu-west-1")
    assert drain["monthly_min"] == drain["monthly_max"] == 0.59     # 5 GB x $0.029 Firehose (0.145) + 5 GB x $0.09 out (0.45)
    assert any("5 GB of log lines" in a and "us-east-1" in a for a in drain["assumptions"])


def test_every_offered_resource_size_has_a_price_in_every_region():
    from chalicelib.cost import prices
    from chalicelib.cost.estimate import resource_estimate
    from chalicelib.resources.kinds import KINDS

    for region in prices.regions():
        for kind in KINDS.values():
            for size in kind.sizes or (None,):
                assert resource_estimate({"kind": kind.name, "size": size, "storage_gb": 20}, region)["monthly_min"] > 0


def test_scheduled_scaling_is_priced_by_how_long_each_range_holds():
    from chalicelib.deploys.scaling import average_range

    day = {"at": "0 8 * * 1-5", "min_instances": 4, "max_instances": 10, "timezone": "UTC"}
    night = {"at": "0 20 * * 1-5", "min_instances": 1, "max_instances": 4, "timezone": "UTC"}
    lo, hi = average_range([day, night], (1, 4))
    assert round(lo, 3) == round((60 * 4 + 108 * 1) / 168, 3) and round(hi, 3) == round((60 * 10 + 108 * 4) / 168, 3)
    worker = {**WEB, "kind": "worker", "min_instances": 1, "max_instances": 4}
    plain = service_estimate(worker, Placement("us-east-1"))
    timed = service_estimate({**worker, "autoscaling": {"schedule": [day, night]}}, Placement("us-east-1"))
    assert timed["monthly_min"] > plain["monthly_min"] and timed["monthly_max"] > plain["monthly_max"]
    assert any("scheduled scaling: 2.07 task(s) at the minimum" in a for a in timed["assumptions"])


def test_arm64_is_priced_at_gravitons_rates():
    est = service_estimate({**WEB, "architecture": "arm64"}, Placement("us-east-1", public_ip=True, web_services=1))
    vcpu, mem = lines(est)["vCPU-hour:Fargate vCPU"], lines(est)["GB-hour:Fargate memory"]
    # 182.5 vCPU-h * 0.03238 = 5.90935; 365 GB-h * 0.00356 = 1.2994
    assert (vcpu["unit_price"], vcpu["monthly"], mem["unit_price"], mem["monthly"]) == (0.03238, 5.91, 0.00356, 1.30)
    assert "arm64" in vcpu["item"] and any("Linux/arm64" in a for a in est["assumptions"])
    x86 = service_estimate(WEB, Placement("us-east-1", public_ip=True, web_services=1))
    # the same service on x86_64: (7.3876 + 1.622425) - (5.90935 + 1.2994) = 1.801275 less at the minimum
    assert x86["monthly_min"] - est["monthly_min"] == CENT(1.80, abs=0.011)


def test_spot_prices_the_tasks_above_the_on_demand_base():
    spot = {**WEB, "spot": {"percent": 50, "on_demand_base": 1}}
    est = service_estimate(spot, Placement("us-east-1", public_ip=True, web_services=1))
    got = lines(est)
    regular, cheap = got["vCPU-hour:Fargate vCPU"], got["vCPU-hour:Fargate Spot vCPU"]
    # at the minimum the one task is the on-demand base: no Spot hours
    assert (regular["quantity"], cheap["quantity"]) == (182.5, 0.0)
    # at three tasks: 1 base + half of the other 2 on Spot -> 2 regular, 1 Spot: 365 and 182.5 vCPU-h
    assert (regular["quantity_max"], cheap["quantity_max"]) == (365.0, 182.5)
    # Spot at 30 % of 0.04048 = 0.012144: 182.5 * 0.012144 = 2.21628
    assert (cheap["unit_price"], cheap["monthly_max"]) == (0.012144, 2.22)
    assert any("Spot priced at 30%" in a for a in est["assumptions"])
    plain = service_estimate(WEB, Placement("us-east-1", public_ip=True, web_services=1))
    assert est["monthly_min"] == plain["monthly_min"]
    # one task's compute at the maximum moves to Spot: (7.3876 + 1.622425) * 0.7 = 6.3070 less
    assert plain["monthly_max"] - est["monthly_max"] == CENT(6.31, abs=0.011)


def test_all_spot_cron_has_no_regular_fargate_lines():
    cron = {"kind": "cron", "cpu": 256, "memory": 512, "min_instances": 1, "max_instances": 1,
            "schedule": "rate(1 hour)", "spot": {"percent": 100, "on_demand_base": 0}}
    got = lines(service_estimate(cron, Placement("us-east-1", public_ip=True)))
    assert "vCPU-hour:Fargate vCPU" not in got and got["vCPU-hour:Fargate Spot vCPU"]["quantity"] > 0
