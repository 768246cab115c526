#!/usr/bin/env python3
"""Latency of every list and detail endpoint with scale data in place (bench/scale_data.py).

    .venv/bin/python bench/scale_data.py --data-dir /tmp/lb-scale          # once: 1 M deployments
    REDIS_URL=redis://127.0.0.1:6379/0 .venv/bin/python bench/endpoints.py --data-dir /tmp/lb-scale \
        [--duration 4] [--concurrency 4] [--rounds 2] [--plans-only]

1. Query plans: loads the API in this process on the data dir, wraps the SQLite connection's
   `execute` (here, not in product code) to record every statement, calls each endpoint once
   through the WSGI callable, and prints `EXPLAIN QUERY PLAN` of each SELECT with its real
   parameters, flagging full scans (`SCAN`) and sorts (`TEMP B-TREE`). Then the MongoDB index
   specs the adapter creates from chalicelib/store/schema.py.
2. Latency: starts the API container path (gunicorn -c gunicorn.conf.py
   chalicelib.api.wsgi:application, as bench/api_throughput.py does) on the data dir, logs in as
   the sample organization's owner, and loads each endpoint with wrk (or the Python generator) at
   a fixed concurrency for a bounded time, `--rounds` times. Prints requests/s, p50 and p99 per
   endpoint (median p50, worst p99 and the p99 spread over rounds) and the load average.
Goal: every endpoint p99 < 25 ms. Search is measured by bench/search.py; run-time logs, plan
and domain read AWS (or the sandbox) and are not store reads. Exit 1 on errors or a missed goal.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.api_throughput import Server, default_workers, python_load, request, wrk_load  # noqa: E402
from bench.api_throughput import bench_env as api_bench_env  # noqa: E402

GOAL_P99_MS = 25.0
Endpoint = Tuple[str, str]   # (label, path)


def bench_env(data_dir: Path) -> Dict[str, str]:
    return api_bench_env(data_dir, sqlite_only=True)   # the data dir scale_data.py filled


def endpoints(get: Callable[[str], Tuple[int, dict]], sample: Dict[str, Any]) -> List[Endpoint]:
    """Every list and detail endpoint, with real ids of the sample organization; the second
    pages use the `next` cursor of the first (keyset pagination)."""
    org, prj = sample["org"], sample["project"]
    o = f"/v1/orgs/{org}"
    svc = sample["services"][0]   # a web service with its share of deployments
    cron = next((s for s in sample["services"] if s), svc)

    def first(path: str, key: str = "items") -> dict:
        status, doc = get(path)
        if status != 200:
            raise RuntimeError(f"GET {path} answered {status}: {doc}")
        return doc

    services = first(f"{o}/projects/{prj}/services?limit=200")["items"]
    cron = next((s["id"] for s in services if s["kind"] == "cron"), cron)
    deps = first(f"{o}/services/{svc}/deployments")
    dep = deps["items"][0]["id"]   # the newest: it has log lines
    audit = first(f"{o}/audit")
    out: List[Endpoint] = [
        ("me", "/v1/me"),
        ("tokens list", "/v1/tokens"),
        ("members list", f"{o}/members"),
        ("invitations list", f"{o}/invitations"),
        ("projects list", f"{o}/projects"),
        ("project detail", f"{o}/projects/{prj}"),
        ("environments list", f"{o}/projects/{prj}/environments"),
        ("environment detail", f"{o}/projects/{prj}/environments/production"),
        ("services list", f"{o}/projects/{prj}/services"),
        ("services list ?environment=", f"{o}/projects/{prj}/services?environment=production"),
        ("service detail", f"{o}/services/{svc}"),
        ("secrets list", f"{o}/services/{svc}/secrets"),
        ("deployments list", f"{o}/services/{svc}/deployments"),
        ("deployments list ?status=failed", f"{o}/services/{svc}/deployments?status=failed"),
        ("deployment detail", f"{o}/deployments/{dep}"),
        ("releases list", f"{o}/services/{svc}/releases"),
        ("deploy logs", f"{o}/deployments/{dep}/logs?after=0"),
        ("cron runs list", f"{o}/services/{cron}/runs"),
        ("audit list", f"{o}/audit"),
        ("audit detail", f"{o}/audit-events/{audit['items'][0]['id']}"),
    ]
    if deps.get("next"):
        out.insert(out.index(("deployment detail", f"{o}/deployments/{dep}")),
                   ("deployments list, page 2", f"{o}/services/{svc}/deployments?cursor={quote(deps['next'])}"))
    if audit.get("next"):
        out.insert(len(out) - 1, ("audit list, page 2", f"{o}/audit?cursor={quote(audit['next'])}"))
    return out


# --- 1. query plans ---------------------------------------------------------------------

class Recording:
    """Stands in for a sqlite3.Connection: records each statement, then runs it."""

    def __init__(self, conn: Any, log: List[Tuple[str, tuple]]) -> None:
        self._conn, self._log = conn, log

    def execute(self, sql: str, params: Any = ()) -> Any:
        self._log.append((sql, tuple(params)))
        return self._conn.execute(sql, params)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)


def query_plans(data_dir: Path, sample: Dict[str, Any]) -> int:
    """-> how many statements scan or sort. Runs the app in this process (no server)."""
    os.environ.update({k: v for k, v in bench_env(data_dir).items() if k != "PYTHONPATH"})
    os.environ.pop("MONGODB_URI", None)
    from chalicelib import wiring
    from chalicelib.api.wsgi import LazyApplication
    from chalicelib.store.sqlite import SqliteStore

    wiring.reset()
    log: List[Tuple[str, tuple]] = []
    original = SqliteStore._conn
    SqliteStore._conn = lambda self: Recording(original(self), log)  # type: ignore[method-assign]
    app = LazyApplication("app:app")

    def call(method: str, path: str, body: Optional[dict] = None, token: str = "") -> Tuple[int, dict]:
        import io

        path, _, qs = path.partition("?")
        raw = json.dumps(body).encode() if body is not None else b""
        environ = {"REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": qs, "SERVER_NAME": "bench",
                   "SERVER_PORT": "80", "REMOTE_ADDR": "127.0.0.1", "wsgi.input": io.BytesIO(raw),
                   "CONTENT_LENGTH": str(len(raw)) if raw else "", "CONTENT_TYPE": "application/json",
                   "HTTP_AUTHORIZATION": "Bearer " + token if token else ""}
        status: List[str] = []
        out = b"".join(app(environ, lambda s, h, e=None: status.append(s)))
        return int(status[0].split()[0]), json.loads(out or b"{}")

    try:
        code, doc = call("POST", "/v1/auth/login", {"email": sample["owner_email"], "password": sample["password"]})
        if code != 200:
            raise RuntimeError(f"log-in answered {code}: {doc}")
        token = doc["token"]
        eps = endpoints(lambda p: call("GET", p, token=token), sample)
        conn = original(wiring.get_store())  # type: ignore[arg-type]
        bad = 0
        print("\n## SQLite query plans (EXPLAIN QUERY PLAN of each statement the endpoint runs)\n")
        for label, path in eps:
            del log[:]
            code, _ = call("GET", path, token=token)
            print(f"### {label}  (GET {path.split('?')[0].replace(sample['org'], '{org}')} -> {code})")
            seen = set()
            for sql, params in log:
                if not sql.lstrip().upper().startswith("SELECT") or sql in seen:
                    continue
                seen.add(sql)
                plan = " / ".join(r[3] for r in conn.execute("EXPLAIN QUERY PLAN " + sql, params))
                flag = ""
                if "SCAN" in plan or "TEMP B-TREE" in plan:
                    flag, bad = "   <-- scan or sort", bad + 1
                print(f"    {_short(sql)}\n        {plan}{flag}")
        print(f"\nstatements with a scan or a sort: {bad}")
        return bad
    finally:
        SqliteStore._conn = original  # type: ignore[method-assign]


def _short(sql: str) -> str:
    return (sql.replace("json_extract(body, '$.", "").replace("')", "").replace("SELECT body FROM ", "")
            .replace("  ", " "))


def mongo_indexes() -> None:
    """The index specs MongoStore._create_indexes makes from schema.py (printed, not connected)."""
    from chalicelib.store.schema import COLLECTIONS

    print("\n## MongoDB index specs (MongoStore._create_indexes, from chalicelib/store/schema.py)\n")
    for name, ix in COLLECTIONS.items():
        specs = []
        for fields in ix.unique:
            opt = "unique, sparse" if len(fields) == 1 else "unique, partial: %s is a string" % fields[0]
            specs.append("{%s} (%s)" % (", ".join(f"{f}: 1" for f in fields), opt))
        for fields in ix.index:
            specs.append("{%s}" % ", ".join(("_id" if f == "id" else f) + ": 1" for f in fields))
        if specs:
            print(f"- {name}: " + "; ".join(specs))


# --- 2. latency through gunicorn -----------------------------------------------------------

def main(argv: Optional[List[str]] = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data-dir", required=True, help="a data dir filled by bench/scale_data.py")
    p.add_argument("--duration", type=float, default=4.0, help="seconds of load per endpoint per round (default 4)")
    p.add_argument("--concurrency", type=int, default=4, help="connections (default 4)")
    p.add_argument("--rounds", type=int, default=2, help="rounds over all endpoints (default 2)")
    p.add_argument("--workers", type=int, default=default_workers())
    p.add_argument("--plans-only", action="store_true", help="print the query plans and index specs only")
    p.add_argument("--python-client", action="store_true", help="the Python load generator even if wrk exists")
    args = p.parse_args(argv)
    args.duration = min(max(args.duration, 1.0), 60.0)
    args.rounds = min(max(args.rounds, 1), 10)
    data_dir = Path(args.data_dir).resolve()
    try:
        sample = json.loads((data_dir / "scale.json").read_text())
    except (OSError, ValueError):
        print(f"{data_dir}/scale.json is missing: fill the dir with bench/scale_data.py first", file=sys.stderr)
        return 1
    sizes = sample["sizes"]
    sample = dict(sample["sample"], password=sample["password"])
    print("data: %s deployments, %s services, %s organizations, %s log lines, %s audit events"
          % tuple(f"{sizes.get(k, 0):,}" for k in ("deployments", "services", "organizations", "log_lines",
                                                      "audit_events")))
    print("load average before: %.2f %.2f %.2f (on %d cores)" % (os.getloadavg() + (os.cpu_count() or 1,)))
    bad_plans = query_plans(data_dir, sample)
    mongo_indexes()
    if args.plans_only:
        return 1 if bad_plans else 0

    wrk = None if args.python_client else shutil.which("wrk")
    server = Server("api", "chalicelib.api.wsgi:application", bench_env(data_dir), args.workers)
    try:
        server.wait_ready("/v1/openapi.json")   # /v1/health would try AWS, which this bench never reaches
        status, doc = request(server.port, "POST", "/v1/auth/login",
                              {"email": sample["owner_email"], "password": sample["password"]})
        if status != 200:
            raise RuntimeError(f"log-in answered {status}: {doc}")
        token = doc["token"]
        eps = endpoints(lambda path: request(server.port, "GET", path, token=token), sample)
        headers = {"Authorization": "Bearer " + token}
        print("\n## Latency: %s, %d gunicorn sync workers, %d connections, %.0f s per endpoint x %d rounds\n"
              % ("wrk" if wrk else "python load generator", args.workers, args.concurrency, args.duration,
                 args.rounds), flush=True)
        results: Dict[str, List[Dict[str, float]]] = {label: [] for label, _ in eps}
        for i in range(args.rounds):
            for label, path in eps:
                if wrk:
                    r = wrk_load(wrk, server.port, path, headers, args.concurrency, args.duration, 0.5 if i == 0 else 0)
                else:
                    r = python_load(server.port, path, headers, args.concurrency, args.duration, 0.5 if i == 0 else 0)
                    r.pop("latencies", None)
                results[label].append(r)
            print("round %d done; load average %.2f %.2f %.2f" % ((i + 1,) + os.getloadavg()), flush=True)
        print("\n| endpoint | req/s | p50 ms | p99 ms (worst) | p99 per round | errors |\n|---|---|---|---|---|---|")
        worst = 0.0
        errors = 0
        for label, _ in eps:
            rs = results[label]
            p99s = [r["p99_ms"] for r in rs]
            worst = max(worst, max(p99s))
            errors += sum(int(r["errors"]) for r in rs)
            print("| %s | %.0f | %.2f | %.2f | %s | %d |" % (
                label, sum(r["rps"] for r in rs) / len(rs), sorted(r["p50_ms"] for r in rs)[len(rs) // 2],
                max(p99s), " / ".join("%.1f" % v for v in p99s), sum(int(r["errors"]) for r in rs)))
        print("\nload average after: %.2f %.2f %.2f (on %d cores; other work on the machine skews the figures)"
              % (os.getloadavg() + (os.cpu_count() or 1,)))
        met = worst < GOAL_P99_MS
        print("worst p99 %.2f ms (goal < %.0f ms: %s); %d errors" % (worst, GOAL_P99_MS, "met" if met else "NOT met",
                                                                 errors))
        return 0 if met and not errors and not bad_plans else 1
    except (RuntimeError, KeyError, OSError) as e:
        print("bench failed: %s\n%s" % (e, server.tail()), file=sys.stderr)
        return 1
    finally:
        server.stop()


if __name__ == "__main__":
    sys.exit(main())
