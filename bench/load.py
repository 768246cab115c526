#!/usr/bin/env python3
"""Load on the API container at rising concurrency, side by side with a bare WSGI hello-world
and a Flask hello-world under the same gunicorn settings, in the same run.

    REDIS_URL=redis://127.0.0.1:6379/0 .venv/bin/python bench/load.py [--data-dir /tmp/lb-scale] \
        [--levels 1,4,16,64] [--duration 3] [--rounds 2] [--goal-only]

Three gunicorn servers with gunicorn.conf.py (sync workers, or gthread with --threads; the same worker count, access log
off): bench/hello_wsgi.py, a one-route Flask app (`make_flask_app` below) and the API
(chalicelib.api.wsgi:application). With --data-dir (filled by bench/scale_data.py) the API serves
that store and the bench logs in as its sample organization's owner; without it, a temporary
store with one signed-up user and one project. At each concurrency level, every target is
loaded for --duration seconds per round, targets alternating within a round so that they share
the machine's background load; --rounds rounds. Those runs saturate the servers (every
connection always has a request in flight), so their latency is mostly the wait in the queue:
c connections at R req/s wait c / R on average (Little's law). With wrk, each level then also
runs paced (wrk's delay() hook: a connection waits before its next request), hello, Flask and
the list route at the same offered load, half what the list route carried: the latency a client
sees when the server is not saturated. wrk from Debian if on PATH (`apt-get install
wrk`), else the Python generator of bench/api_throughput.py. Prints requests/s, p50 and p99 per
route and level (requests/s: mean of rounds; p99: of all the rounds' requests together, from each
run's latency at every 0.1 %, and the worst round's beside it), the load average,
and the goals for the authenticated list route (`GET /v1/orgs/{org}/projects`): requests/s at or
above Flask's hello-world and at least 50 % of the bare hello-world's, p99 < 25 ms. The share of
Flask's is judged per round, the list route against Flask's run just before it: the median of those
paired ratios (each round's pair shares the machine's background load of its few seconds, which on
a shared machine moves a server's CPU per request by half between rounds), with every round's ratio
and the ratio of the rounds' means beside it. --goal-only loads the three servers of the goals only
(bare, Flask, the list route), so that more rounds fit in the same time.
Loopback only; every run is bounded in time. Exit 1 if setup fails or a request fails.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import uuid
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.api_throughput import Server, default_workers, pooled_percentile, python_load, quantiles, request, wrk_load  # noqa: E402
from bench.endpoints import bench_env  # noqa: E402

GOAL_P99_MS = 25.0
LIST_ROUTE = "projects list"


def make_flask_app() -> Any:
    """Flask's hello-world returning the same JSON as bench/hello_wsgi.py (gunicorn factory)."""
    from flask import Flask, jsonify

    app = Flask("hello")

    @app.get("/")
    def hello() -> Any:
        return jsonify(hello="world")

    return app


def api_routes(port: int, data_dir: Optional[Path]) -> Tuple[Dict[str, str], List[Tuple[str, str]]]:
    """-> (auth headers, [(label, path)]) for the API's main routes."""
    if data_dir is not None:
        scale = json.loads((data_dir / "scale.json").read_text())
        sample = scale["sample"]
        status, doc = request(port, "POST", "/v1/auth/login",
                              {"email": sample["owner_email"], "password": scale["password"]})
        if status != 200:
            raise RuntimeError(f"log-in answered {status}: {doc}")
        token, org, svc = doc["token"], sample["org"], sample["services"][0]
    else:
        status, doc = request(port, "POST", "/v1/auth/signup",
                              {"email": "load-%s@example.com" % uuid.uuid4().hex[:10],
                               "password": "load-password-%s" % uuid.uuid4().hex[:8], "organization": "Load Org"})
        if status != 201:
            raise RuntimeError(f"sign-up answered {status}: {doc}")
        token, org = doc["token"], doc["organization"]["id"]
        status, prj = request(port, "POST", f"/v1/orgs/{org}/projects", {"name": "load"}, token)
        status, created = request(port, "POST", f"/v1/orgs/{org}/projects/{prj['id']}/services",
                                  {"name": "web", "image": "nginx:1.27", "port": 80}, token)
        if status != 201:
            raise RuntimeError(f"creating a service answered {status}: {created}")
        svc = created["id"]
    o = f"/v1/orgs/{org}"
    status, deps = request(port, "GET", f"{o}/services/{svc}/deployments?limit=1", token=token)
    status, audit = request(port, "GET", f"{o}/audit?limit=1", token=token)
    routes = [(LIST_ROUTE, f"{o}/projects"), ("service detail", f"{o}/services/{svc}"),
              ("deployments list", f"{o}/services/{svc}/deployments"), ("audit list", f"{o}/audit")]
    if deps.get("items"):
        routes.append(("deployment detail", f"{o}/deployments/{deps['items'][0]['id']}"))
    if audit.get("items"):
        routes.append(("audit detail", f"{o}/audit-events/{audit['items'][0]['id']}"))
    return {"Authorization": "Bearer " + token}, routes


def paired_ratios(mine: List[Dict[str, float]], theirs: List[Dict[str, float]], key: str) -> List[float]:
    """Round by round, mine[key] / theirs[key]: the two runs of a round sit side by side in time."""
    return [a[key] / b[key] for a, b in zip(mine, theirs) if b.get(key) and a.get(key) == a.get(key)]


def _median(xs: List[float]) -> float:
    xs = sorted(x for x in xs if x == x)   # NaN (not measured) left out
    return xs[len(xs) // 2] if xs else float("nan")


def main(argv: Optional[List[str]] = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data-dir", help="a data dir filled by bench/scale_data.py (default: a fresh temporary store)")
    p.add_argument("--levels", default="1,4,16,64", help="concurrent connections, comma-separated (default 1,4,16,64)")
    p.add_argument("--duration", type=float, default=3.0, help="seconds per target, level and round (default 3)")
    p.add_argument("--rounds", type=int, default=2, help="rounds per level (default 2)")
    p.add_argument("--workers", type=int, default=default_workers())
    p.add_argument("--threads", type=int, default=1,
                   help="LAUNCHBAY_WEB_THREADS for all three servers (default 1: sync workers; more: gthread)")
    p.add_argument("--python-client", action="store_true", help="the Python load generator even if wrk exists")
    p.add_argument("--goal-only", action="store_true",
                   help="only the bare hello-world, Flask's and the list route (the goals' three): more rounds per minute")
    p.add_argument("--no-paced", action="store_true",
                   help="skip the paced runs (latency of hello, Flask and the list route at half the list route's "
                        "throughput; wrk only)")
    args = p.parse_args(argv)
    levels = [min(max(int(x), 1), 256) for x in args.levels.split(",") if x.strip()]
    args.duration = min(max(args.duration, 1.0), 30.0)
    args.rounds = min(max(args.rounds, 1), 30)
    wrk = None if args.python_client else shutil.which("wrk")
    scale_dir = Path(args.data_dir).resolve() if args.data_dir else None
    tmp = None if scale_dir else tempfile.mkdtemp(prefix="launchbay-load-")
    env = bench_env(scale_dir or Path(tmp or ""))
    env["LAUNCHBAY_WEB_THREADS"] = str(min(max(args.threads, 1), 64))
    print("load average before: %.2f %.2f %.2f (on %d cores)" % (os.getloadavg() + (os.cpu_count() or 1,)))
    servers: List[Server] = []
    try:
        hello = Server("hello", "bench.hello_wsgi:application", env, args.workers)
        flask = Server("flask", "bench.load:make_flask_app()", env, args.workers)
        api = Server("api", "chalicelib.api.wsgi:application", env, args.workers)
        servers += [hello, flask, api]
        hello.wait_ready("/")
        flask.wait_ready("/")
        api.wait_ready("/v1/openapi.json")  # /v1/health would try AWS, which this bench never reaches
        headers, routes = api_routes(api.port, scale_dir)
        targets = [("hello (bare WSGI)", hello, "/", {}), ("hello (Flask)", flask, "/", {})]
        targets += [(label, api, path, headers) for label, path in routes if not args.goal_only or label == LIST_ROUTE]
        print("%s; %d gunicorn %s workers per server; %.0f s per target x %d rounds per level; store: %s\n"
              % ("wrk" if wrk else "python load generator", args.workers,
                 "sync" if args.threads <= 1 else "gthread (%d threads)" % args.threads, args.duration, args.rounds,
                 scale_dir or "fresh"), flush=True)
        results: Dict[Tuple[str, int], List[Dict[str, float]]] = {}
        paced: Dict[Tuple[str, int], List[Dict[str, float]]] = {}
        for c in levels:
            for i in range(args.rounds):
                for label, server, path, hdrs in targets:
                    warm = 1.0 if i == 0 else 0.0
                    if wrk:
                        r = wrk_load(wrk, server.port, path, hdrs, c, args.duration, warm, cpu=server.cpu_seconds)
                    else:
                        r = python_load(server.port, path, hdrs, c, args.duration, warm)
                        r["quantiles_ms"] = quantiles([1000.0 * sec for sec in r.pop("latencies", [])])   # s -> ms
                    results.setdefault((label, c), []).append(r)
            if wrk and not args.no_paced:
                # The saturating runs above keep every connection busy, so their latency is mostly
                # the wait in the server's queue (connections / req/s). Here the same offered load,
                # half what the list route carried, goes to each of the three.
                rate = sum(r["rps"] for r in results[(LIST_ROUTE, c)]) / args.rounds / 2
                delay = max(1, int(round(c * 1000.0 / max(rate, 1.0))))
                for _ in range(args.rounds):
                    for label, server, path, hdrs in targets[:2] + [t for t in targets if t[0] == LIST_ROUTE]:
                        paced.setdefault((label, c), []).append(
                            wrk_load(wrk, server.port, path, hdrs, c, args.duration, 0.0, delay_ms=delay))
            print("level %d done; load average %.2f %.2f %.2f" % ((c,) + os.getloadavg()), flush=True)
        print("\n| connections | route | req/s | server CPU us/req | p50 ms | p99 ms (all rounds' requests) "
              "| p99 ms (worst round) | p99 per round | errors |")
        print("|---|---|---|---|---|---|---|---|---|")
        summary: Dict[Tuple[str, int], Dict[str, float]] = {}
        errors = 0
        for c in levels:
            for label, _s, _p, _h in targets:
                rs = results[(label, c)]
                s = summary[(label, c)] = {"rps": sum(r["rps"] for r in rs) / len(rs),
                                           "p50": sorted(r["p50_ms"] for r in rs)[len(rs) // 2],
                                           "p99": pooled_percentile(rs, 99.0),
                                           "p99_worst": max(r["p99_ms"] for r in rs),
                                           "cpu": _median([r.get("cpu_us", float("nan")) for r in rs])}
                errors += sum(int(r["errors"]) for r in rs)
                print("| %d | %s | %.0f | %.0f | %.2f | %.2f | %.2f | %s | %d |" % (
                    c, label, s["rps"], s["cpu"], s["p50"], s["p99"], s["p99_worst"], " / ".join("%.1f" % r["p99_ms"] for r in rs),
                    sum(int(r["errors"]) for r in rs)))
        if paced:
            print("\nPaced (each connection waits after an answer, so that the offered load is about half of what "
                  "the list route carried at that level; the same for the three):")
            print("\n| connections | route | req/s | p50 ms | p99 ms (all rounds' requests) | p99 ms (worst round) "
                  "| p99 per round | errors |")
            print("|---|---|---|---|---|---|---|---|")
            for (label, c), rs in paced.items():
                errors += sum(int(r["errors"]) for r in rs)
                print("| %d | %s | %.0f | %.2f | %.2f | %.2f | %s | %d |" % (
                    c, label, sum(r["rps"] for r in rs) / len(rs), sorted(r["p50_ms"] for r in rs)[len(rs) // 2],
                    pooled_percentile(rs, 99.0), max(r["p99_ms"] for r in rs), " / ".join("%.1f" % r["p99_ms"] for r in rs),
                    sum(int(r["errors"]) for r in rs)))
        print("\nload average after: %.2f %.2f %.2f (on %d cores; other work on the machine skews the figures)"
              % (os.getloadavg() + (os.cpu_count() or 1,)))
        print("\n%s (GET /v1/orgs/{org}/projects, authenticated) against the goals:" % LIST_ROUTE)
        for c in levels:
            api_s, bare, fl = summary[(LIST_ROUTE, c)], summary[("hello (bare WSGI)", c)], summary[("hello (Flask)", c)]
            ratio = api_s["rps"] / bare["rps"] if bare["rps"] else float("nan")
            paired = paired_ratios(results[(LIST_ROUTE, c)], results[("hello (Flask)", c)], "rps")
            of_flask = _median(paired)
            print("  %3d connections: %.0f req/s = %.0f %% of bare (goal >= 50 %%: %s), %.0f %% of Flask "
                  "(goal >= 100 %%: %s), p99 %.1f ms over all its rounds' requests (goal < %.0f: %s; worst round %.1f)"
                  % (c, api_s["rps"], ratio * 100, "met" if ratio >= 0.5 else "NOT met", 100 * of_flask,
                     "met" if of_flask >= 1.0 else "NOT met", api_s["p99"], GOAL_P99_MS,
                     "met" if api_s["p99"] < GOAL_P99_MS else "NOT met", api_s["p99_worst"]))
            print("        (of Flask: the median of %d rounds, each against Flask's run beside it: %s %%; the rounds' "
                  "means: %.0f %%)" % (len(paired), " / ".join("%.0f" % (100 * r) for r in paired),
                                        100 * api_s["rps"] / fl["rps"] if fl["rps"] else float("nan")))
            # Little's law: a client that keeps c requests in flight waits c / throughput on average
            floor = 1000.0 * c / api_s["rps"] if api_s["rps"] else float("nan")
            pr = paced.get((LIST_ROUTE, c))
            print("        (saturated, the mean wait is %d / %.0f req/s = %.1f ms%s)"
                  % (c, api_s["rps"], floor, "; paced at %.0f req/s: p99 %.1f ms (bare %.1f, Flask %.1f)" % (
                      sum(r["rps"] for r in pr) / len(pr), pooled_percentile(pr, 99.0),
                      pooled_percentile(paced[("hello (bare WSGI)", c)], 99.0),
                      pooled_percentile(paced[("hello (Flask)", c)], 99.0)) if pr else ""))
            if api_s["cpu"] == api_s["cpu"]:   # not NaN: measured (wrk on Linux)
                cpu_paired = paired_ratios(results[(LIST_ROUTE, c)], results[("hello (Flask)", c)], "cpu_us")
                print("        (server CPU per request: %.0f us; bare %.0f us, Flask %.0f us: the API costs %.0f %% "
                      "of Flask's CPU per request, the median of the rounds' pairs; the medians' ratio %.0f %%)"
                      % (api_s["cpu"], bare["cpu"], fl["cpu"], 100 * _median(cpu_paired), 100 * api_s["cpu"] / fl["cpu"]))
        return 1 if errors else 0
    except (RuntimeError, KeyError, OSError, ValueError) as e:
        print("bench failed: %s" % e, file=sys.stderr)
        for s in servers:
            print("--- %s server log ---\n%s" % (s.name, s.tail()), file=sys.stderr)
        return 1
    finally:
        for s in servers:
            s.stop()
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
