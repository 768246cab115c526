"""The price table (prices.json): on-demand list prices per region, dated, with their sources.

Per region: Fargate per vCPU-hour and GB-hour (x86_64 and arm64), the Application Load
Balancer's hour and LCU-hour, CloudWatch Logs ingestion and storage, public IPv4 per hour, the
NAT gateway (listed, not charged to services: it belongs to the VPC), Cloud Map per registered
instance-month and per million API calls, Route 53 per private hosted zone-month and per million
resolver queries (private networking; the same in every region), and `managed`: RDS instance
hours per engine and class with gp3 storage, ElastiCache node hours, S3 storage."""
from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

TABLE_PATH = Path(__file__).with_name("prices.json")


@functools.lru_cache(maxsize=1)
def table() -> dict[str, Any]:
    return json.loads(TABLE_PATH.read_text())


def regions() -> list[str]:
    return sorted(table()["regions"])


def for_region(region: str) -> tuple[str, dict[str, Any], list[str]]:
    """(the region whose prices are used, its prices, assumptions to state). A region missing
    from the table is priced as the fallback region, and the answer says so."""
    data = table()
    if region in data["regions"]:
        return region, data["regions"][region], []
    fallback = data["fallback_region"]
    note = (f"no prices for {region} in the table: {fallback} prices used "
            f"(priced regions: {', '.join(regions())})")
    return fallback, data["regions"][fallback], [note]


def about() -> dict[str, Any]:
    """What the API shows with every estimate: the price date, their kind and sources."""
    data = table()
    return {"date": data["date"], "currency": data["currency"], "kind": data["kind"], "sources": data["sources"]}
