#!/usr/bin/env python3
"""p95 of GET /v1/orgs/{org}/services/{svc}/metrics for N web services (default 50), against a
real moto server (the sandbox) in process, after each service is deployed and the alert pass
has published its simulated metrics (an hour of minutes per service).

    .venv/bin/python scripts/with_redis.py -- .venv/bin/python bench/metrics.py [--services 50] [--rounds 3]

Reports two numbers: `fetch` (a window no viewer asked for yet: one GetMetricData call with
10 queries, aligned, plus the deployment markers) and `cached` (the same window again, as
many viewers of one chart would ask: served from the per-process cache).
"""
from __future__ import annotations

import argparse
import base64
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[-1] if len(samples) > 1 else samples[0]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--services", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    from tests.support.moto_server import start_moto_server

    url, stop = start_moto_server()
    prefix = "bench-" + uuid.uuid4().hex[:8]
    os.environ.update({"LAUNCHBAY_DATA_DIR": tempfile.mkdtemp(prefix="lb-bench-"), "LAUNCHBAY_QUEUE_PREFIX": prefix,
                       "LAUNCHBAY_STAGE": "test", "AWS_ENDPOINT_URL": url, "AWS_ACCESS_KEY_ID": "testing",
                       "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1",
                       "LAUNCHBAY_SANDBOX_DELAY": "0", "LAUNCHBAY_CLUSTER": "lb-" + prefix,
                       "LAUNCHBAY_JWT_SECRET": "bench-" + uuid.uuid4().hex,
                       "LAUNCHBAY_SECRETS_KEY": base64.urlsafe_b64encode(os.urandom(32)).decode()})
    try:
        return run(args.services, args.rounds)
    finally:
        stop()
        import redis

        r = redis.Redis.from_url(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
        for key in list(r.scan_iter(f"*{prefix}*")):
            r.delete(key)


def run(n: int, rounds: int) -> int:
    from chalice.test import Client

    import app as app_module
    from chalicelib import wiring
    from chalicelib.core.ids import iso_from_epoch
    from chalicelib.observe import alerts
    from tests.support.api import Api
    from tests.support.factories import new_org

    ports = wiring.get_ports()
    now = time.time()
    with Client(app_module.app) as client:
        org = new_org(Api(client), "Bench")
        t = time.perf_counter()
        services = []
        for i in range(n):
            svc = org.service(name=f"web-{i}")
            org.deploy(ports, svc)
            alerts.evaluate_service(ports, ports.store.collection("services").get(svc["id"]), now=now + 3600)
            services.append(svc)
        print(f"setup: {n} services deployed, an hour of metrics each, in {time.perf_counter() - t:.1f} s")
        fetch, cached = [], []
        for r in range(rounds):
            window = f"from={iso_from_epoch(now + 60 * r)}&to={iso_from_epoch(now + 3600)}&period=60"
            for timings in (fetch, cached):
                for svc in services:
                    t = time.perf_counter()
                    status, body = org.call("GET", f"/services/{svc['id']}/metrics?{window}")
                    timings.append((time.perf_counter() - t) * 1000)
                    assert status == 200 and body["series"]["requests"], body
    print(f"fetch  (one GetMetricData, {len(fetch)} requests): p50 {statistics.median(fetch):.1f} ms, "
          f"p95 {p95(fetch):.1f} ms")
    print(f"cached ({len(cached)} requests): p50 {statistics.median(cached):.2f} ms, p95 {p95(cached):.2f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
