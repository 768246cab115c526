"""Benchmark of the embedded search engine through the adapter (org filter, facets, snippets included).

    .venv/bin/python bench/search.py [--docs 1000000] [--orgs 5] [--queries 200]

Indexes N synthetic documents (mostly log lines, like production) across several orgs into a
temporary directory with rebuild() (the bulk path), prints the indexing rate, then the latency
of search() for several kinds of query. Goal: p95 <= 20 ms at 1M documents.
"""
from __future__ import annotations

import argparse
import itertools
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Iterator

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tqdm import tqdm  # noqa: E402

from chalicelib.search.embedded import EmbeddedIndex  # noqa: E402
from chalicelib.search.query import from_micros  # noqa: E402

DOMAIN = ("deployment deploy service kubernetes container image pull push build rollout rollback health check "
          "timeout connection refused postgres redis nginx gunicorn worker cron memory cpu restart crashed "
          "started stopped listening port error warning info debug request response latency database migration "
          "secret token api web queue task retry failed succeeded canceled pending live scaling autoscale "
          "instance node cluster network dns certificate tls ssl load balancer target healthy unhealthy").split()
TYPES = [("log", 0.80), ("deployment", 0.10), ("audit", 0.07), ("service", 0.03)]
STATUS = {"log": ["info", "info", "info", "warning", "error", "debug"],
          "deployment": ["live", "live", "failed", "canceled", "pending", "rolling_back"],
          "service": ["live", "live", "stopped", "failed"], "audit": [None]}
START_US = 1_790_000_000_000_000  # late 2026


def vocabulary(rng: random.Random, size: int = 20_000) -> tuple[list[str], list[float]]:
    """Domain words plus pronounceable pseudo-words, with Zipf-like weights."""
    syll = ["ka", "lo", "mi", "ra", "ten", "vo", "shi", "ne", "du", "pax", "ri", "zo", "bel", "qu", "an", "ex"]
    words = list(DOMAIN)
    seen = set(words)
    while len(words) < size:
        w = "".join(rng.choice(syll) for _ in range(rng.randint(2, 4)))
        if w not in seen:
            seen.add(w)
            words.append(w)
    weights = [1.0 / (rank + 10) for rank in range(len(words))]
    return words, list(itertools.accumulate(weights))


def documents(n: int, orgs: int, seed: int = 1) -> Iterator[dict[str, Any]]:
    rng = random.Random(seed)
    words, cum = vocabulary(rng)
    kinds, kind_w = zip(*TYPES)
    kind_cum = list(itertools.accumulate(kind_w))
    for i in range(n):
        org = f"org_{i % orgs}"
        t = rng.choices(kinds, cum_weights=kind_cum)[0]
        body_words = rng.choices(words, cum_weights=cum, k=rng.randint(6, 16))
        title_words = rng.choices(words, cum_weights=cum, k=rng.randint(2, 4))
        created = from_micros(START_US + i * 1_000_000)  # one per second, in order
        yield {"id": f"{t[:3]}_{i:08d}", "type": t, "org_id": org, "project_id": f"prj_{org}_{i % 7}",
               "title": " ".join(title_words), "body": " ".join(body_words), "status": rng.choice(STATUS[t]),
               "image": f"registry/app{i % 50}:1.{i % 9}" if t in ("service", "deployment") else None,
               "actor": f"user{i % 20}@example.com" if t in ("deployment", "audit") else None,
               "created": created, "link": f"/v1/orgs/{org}/x/{i}"}


def queries(kind: str, rng: random.Random, n: int, orgs: int, docs: int) -> list[tuple[str, str, dict]]:
    common, rare = DOMAIN[:20], DOMAIN[20:]
    out = []
    for _ in range(n):
        org = f"org_{rng.randrange(orgs)}"
        if kind == "term":
            q, kw = rng.choice(common + rare), {}
        elif kind == "two words":
            q, kw = f"{rng.choice(common)} {rng.choice(rare)}", {}
        elif kind == "phrase":
            q, kw = f'"{rng.choice(["connection refused", "health check", "load balancer", "image pull"])}"', {}
        elif kind == "fuzzy":
            w = rng.choice([w for w in DOMAIN if len(w) >= 6])
            j = rng.randrange(len(w) - 1)
            q, kw = w[:j] + w[j + 1] + w[j] + w[j + 2:], {}   # swap two letters: "deplyoment"
        elif kind == "prefix":
            w = rng.choice([w for w in DOMAIN if len(w) >= 6])
            q, kw = w[:rng.randint(3, 5)] + rng.choice(["", "*"]), {}
        elif kind == "filtered":
            since = from_micros(START_US + rng.randrange(docs) * 1_000_000)
            q, kw = rng.choice(common), {"types": ["log"], "status": "error", "since": since}
        elif kind == "browse (empty q)":
            q, kw = "", rng.choice([{}, {"types": ["deployment"]}, {"status": "failed"}])
        out.append((org, q, kw))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=1_000_000)
    ap.add_argument("--orgs", type=int, default=5)
    ap.add_argument("--queries", type=int, default=200, help="per kind")
    ap.add_argument("--dir", help="index directory (default: a temporary one, removed at the end)")
    args = ap.parse_args()

    root = Path(args.dir) if args.dir else Path(tempfile.mkdtemp(prefix="lb-search-bench-"))
    try:
        ix = EmbeddedIndex(root)
        t0 = time.perf_counter()
        with tqdm(total=args.docs, unit="doc", unit_scale=True, desc="indexing", file=sys.stderr) as bar:
            n = ix.rebuild(documents(args.docs, args.orgs), progress=bar.update)
        elapsed = time.perf_counter() - t0
        size = sum(f.stat().st_size for f in root.rglob("*") if f.is_file())
        print(f"indexed {n:,} docs in {elapsed:.1f} s: {n / elapsed:,.0f} docs/s "
              f"(bulk rebuild, synthetic generation included); {size / 1e6:.0f} MB on disk")

        # steady-state incremental writes, as the outbox relay does them (batches of 500)
        extra = list(documents(5_000, args.orgs, seed=2))
        for d in extra:
            d["id"] = "new_" + d["id"]
        t0 = time.perf_counter()
        for k in range(0, len(extra), 500):
            ix.index(extra[k:k + 500])
        inc = time.perf_counter() - t0
        print(f"incremental index(): {len(extra) / inc:,.0f} docs/s in batches of 500 (one commit each)")

        reader = EmbeddedIndex(root)  # a separate reader, as in an API process
        rng = random.Random(3)
        kinds = ["term", "two words", "phrase", "fuzzy", "prefix", "filtered", "browse (empty q)"]
        print(f"\n{'query':<18} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'avg hits':>10}")
        worst = 0.0
        for kind in kinds:
            qs = queries(kind, rng, args.queries, args.orgs, args.docs)
            for org, q, kw in qs[:10]:  # warm up
                reader.search(org, q, **kw)
            times, totals = [], []
            for org, q, kw in qs:
                reader._facet_cache.clear()  # cold: every query pays for its facets
                t = time.perf_counter()
                page = reader.search(org, q, **kw)
                times.append((time.perf_counter() - t) * 1000)
                totals.append(page["total"])
            p95 = statistics.quantiles(times, n=20)[-1]
            worst = max(worst, p95)
            print(f"{kind:<18} {statistics.median(times):8.2f} {p95:8.2f} {max(times):8.2f} "
                  f"{statistics.mean(totals):10,.0f}")
        print(f"\nworst p95: {worst:.2f} ms (goal <= 20 ms at 1M docs) — {'met' if worst <= 20 else 'MISSED'}")
        ix.close()
    finally:
        if not args.dir:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    os.environ.setdefault("TQDM_MININTERVAL", "1")
    main()
