"""The load benches' p99 over several runs (bench/api_throughput.py): each run's latency at every
0.1 %, pooled with its request count as the weight."""
from __future__ import annotations

import math
import random

import pytest

from bench.api_throughput import pooled_percentile, quantiles


def exact(latencies, pct):
    ordered = sorted(latencies)
    return ordered[max(0, -(-len(ordered) * int(pct * 10) // 1000) - 1)]


def test_one_run_gives_its_own_percentiles():
    lat = [float(x) for x in range(1, 10_001)]
    q = quantiles(lat)
    assert len(q) == 1000 and q[0] == 10.0 and q[989] == 9900.0 and q[-1] == 10_000.0
    assert pooled_percentile([{"requests": len(lat), "quantiles_ms": q}], 99.0) == 9900.0


def test_runs_are_pooled_by_their_request_counts():
    rng = random.Random(7)
    runs, everything = [], []
    for n, slow in ((20_000, 0.0), (5_000, 0.05), (12_000, 0.002)):   # one run with a burst of slow answers
        lat = sorted(rng.uniform(1, 5) if rng.random() >= slow else rng.uniform(50, 70) for _ in range(n))
        runs.append({"requests": n, "quantiles_ms": quantiles(lat)})
        everything += lat
    pooled = pooled_percentile(runs, 99.0)
    truth = exact(everything, 99.0)
    # within a thousandth of the requests of the exact figure: the values at 98.9 % and 99.1 % bound it
    assert exact(everything, 98.9) <= pooled <= exact(everything, 99.1)
    assert pooled == pytest.approx(truth, rel=0.5)
    # the burst (250 of 37,000 answers, 0.7 %) stays under the pooled p99, while the worst round's p99 shows it
    assert pooled < 5.0 < max(r["quantiles_ms"][989] for r in runs)


def test_no_quantiles_no_figure():
    assert math.isnan(pooled_percentile([], 99.0))
    assert math.isnan(pooled_percentile([{"requests": 120, "quantiles_ms": []}], 99.0))   # wrk printed none
    assert quantiles([]) == []
