#!/usr/bin/env python3
"""Throughput of the Launchbay API next to a bare WSGI hello-world, same server settings.

    REDIS_URL=redis://127.0.0.1:6379/0 .venv/bin/python bench/api_throughput.py [--duration 10] [--concurrency 8]
    make bench

Starts two gunicorn servers with gunicorn.conf.py (sync workers, the same worker
count) on free loopback ports: bench/hello_wsgi.py and the API
(chalicelib.api.wsgi:application, with a temporary LAUNCHBAY_DATA_DIR and the
AWS sandbox endpoint pointed at a closed local port). Signs up a user, creates a
project, then loads `GET /v1/orgs/{org}/projects` (authenticated) and the hello
app for the same duration and concurrency: with wrk if it is on PATH, else with
a Python load generator (processes x threads, keep-alive http.client connections;
gunicorn's sync worker closes each connection, so the client reconnects).
Prints requests/s, p50 and p99 latency and the ratio. Goals: API >= 50 % of
hello's requests/s, API p99 < 25 ms. Loopback only; every loop is bounded in time.
Exit code 1 if setup fails or any measured request fails.
"""
from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing as mp
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
GOAL_RATIO = 0.5
GOAL_P99_MS = 25.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def default_workers() -> int:
    import runpy

    return runpy.run_path(str(ROOT / "gunicorn.conf.py"))["default_workers"]()


# --- servers ----------------------------------------------------------------------

class Server:
    def __init__(self, name: str, target: str, env: Dict[str, str], workers: int) -> None:
        self.name = name
        self.port = free_port()
        self.log = tempfile.NamedTemporaryFile(prefix="bench-%s-" % name, suffix=".log", delete=False)
        env = dict(env, LAUNCHBAY_BIND="%s:%d" % (HOST, self.port), LAUNCHBAY_WEB_WORKERS=str(workers),
                   LAUNCHBAY_ACCESS_LOG="off", LAUNCHBAY_LOG_LEVEL="warning", PYTHONUNBUFFERED="1")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"), target],
            cwd=str(ROOT), env=env, stdin=subprocess.DEVNULL, stdout=self.log, stderr=subprocess.STDOUT,
            start_new_session=True)

    def wait_ready(self, path: str, timeout: float = 60.0, ok=(200,)) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("%s server exited (%s):\n%s" % (self.name, self.proc.returncode, self.tail()))
            try:
                status, _ = request(self.port, "GET", path)
                if status in ok:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError("%s server not ready on %s within %.0f s:\n%s" % (self.name, path, timeout, self.tail()))

    def cpu_seconds(self) -> float:
        """CPU time (user + system) of the server's processes so far, reaped workers included
        (the master's cutime/cstime): divided by the requests served, a cost per request that
        other work on the machine changes far less than requests/s. Linux /proc only."""
        tick = os.sysconf("SC_CLK_TCK")
        total = 0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue   # a process that ended while we looked
            if int(fields[2]) == self.proc.pid:   # its process group: the master and its workers
                total += sum(int(x) for x in fields[11:15])   # utime stime cutime cstime
        return total / tick

    def tail(self, n: int = 30) -> str:
        try:
            return "\n".join(Path(self.log.name).read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.log.close()
        os.unlink(self.log.name)


def request(port: int, method: str, path: str, body=None, token: Optional[str] = None) -> Tuple[int, dict]:
    conn = http.client.HTTPConnection(HOST, port, timeout=10)
    try:
        headers = {"Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if token:
            headers["Authorization"] = "Bearer " + token
        conn.request(method, path, body=data, headers=headers)
        resp = conn.getresponse()
        raw = resp.read()
        try:
            doc = json.loads(raw) if raw else {}
        except ValueError:
            doc = {"raw": raw[:200].decode(errors="replace")}
        return resp.status, doc
    finally:
        conn.close()


# --- load generators ----------------------------------------------------------------

def _client_thread(port: int, path: str, headers: Dict[str, str], start: float, stop: float,
                   out: List[Tuple[float, float, int]]) -> None:
    conn = http.client.HTTPConnection(HOST, port, timeout=10)
    perf = time.perf_counter
    while True:
        t0 = perf()
        if t0 >= stop:
            break
        try:
            conn.request("GET", path, headers=headers)
            resp = conn.getresponse()
            resp.read()
            status = resp.status
            if resp.will_close:
                conn.close()
        except (OSError, http.client.HTTPException):
            status = 0
            conn.close()
        t1 = perf()
        if t0 >= start:
            out.append((t0, t1 - t0, status))
    conn.close()


def _client_process(args) -> Tuple[List[float], int, int]:
    port, path, headers, threads, warmup, duration = args
    now = time.perf_counter()
    start, stop = now + warmup, now + warmup + duration
    samples: List[Tuple[float, float, int]] = []
    ts = [threading.Thread(target=_client_thread, args=(port, path, headers, start, stop, samples))
          for _ in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(duration + warmup + 30)
    latencies = [lat for _, lat, st in samples if st == 200]
    errors = sum(1 for _, _, st in samples if st != 200)
    return latencies, errors, len(samples)


def python_load(port: int, path: str, headers: Dict[str, str], concurrency: int, duration: float,
                warmup: float) -> Dict[str, float]:
    procs = max(1, min(concurrency, os.cpu_count() or 1))
    per = [concurrency // procs + (1 if i < concurrency % procs else 0) for i in range(procs)]
    ctx = mp.get_context("fork")
    with ctx.Pool(procs) as pool:
        results = pool.map(_client_process, [(port, path, headers, n, warmup, duration) for n in per])
    latencies = sorted(l for r in results for l in r[0])
    errors = sum(r[1] for r in results)
    out = summarize(latencies, errors, duration)
    out["latencies"] = latencies
    return out


def combine(rounds: List[Dict[str, float]], duration: float) -> Dict[str, float]:
    """One figure from several rounds: exact percentiles from the Python client's samples;
    from wrk's per-round figures, the median p50 and the worst p99."""
    if all("latencies" in r for r in rounds):
        return summarize(sorted(l for r in rounds for l in r["latencies"]), sum(r["errors"] for r in rounds),
                         duration)
    requests = sum(r["requests"] for r in rounds)
    return {"requests": requests, "errors": sum(r["errors"] for r in rounds), "rps": requests / duration,
            "p50_ms": sorted(r["p50_ms"] for r in rounds)[len(rounds) // 2],
            "p99_ms": max(r["p99_ms"] for r in rounds)}


def summarize(latencies: List[float], errors: int, duration: float) -> Dict[str, float]:
    def pct(p: float) -> float:
        if not latencies:
            return float("nan")
        return latencies[min(len(latencies) - 1, int(round(p / 100.0 * (len(latencies) - 1))))] * 1000

    return {"requests": len(latencies), "errors": errors, "rps": len(latencies) / duration,
            "p50_ms": pct(50), "p99_ms": pct(99)}


def _wrk_ms(value: str) -> float:
    m = re.match(r"([\d.]+)(us|ms|s)", value)
    if not m:
        return float("nan")
    n = float(m.group(1))
    return {"us": n / 1000, "ms": n, "s": n * 1000}[m.group(2)]


WRK_QUANTILES = """function done(summary, latency, requests)
  local q = {}
  for i = 1, 999 do q[i] = string.format("%d", latency:percentile(i / 10)) end
  q[1000] = string.format("%d", latency.max)   -- percentile(100) answers 0
  io.write("quantiles_us " .. table.concat(q, " ") .. "\\n")
end
"""


def quantiles(latencies: List[float]) -> List[float]:
    """Sorted latencies -> the latency at every 0.1 %, in their unit (what wrk_load's done() prints,
    in ms; python_load's latencies are in seconds)."""
    n = len(latencies)
    return [latencies[min(n - 1, max(0, -(-n * i // 1000) - 1))] for i in range(1, 1001)] if n else []


def pooled_percentile(runs: List[Dict[str, Any]], pct: float) -> float:
    """The pct-th percentile of all the runs' requests together: each run's 1,000 quantiles stand for
    a thousandth of its requests each (so within 0.1 % of the exact figure)."""
    points = sorted((q, r["requests"] / 1000.0) for r in runs for q in r.get("quantiles_ms") or [])
    total = sum(w for _, w in points)
    if not total:
        return float("nan")
    seen = 0.0
    for value, weight in points:
        seen += weight
        if seen >= total * pct / 100.0 - 1e-9:
            return value
    return points[-1][0]


def wrk_load(wrk: str, port: int, path: str, headers: Dict[str, str], concurrency: int, duration: float,
             warmup: float, delay_ms: int = 0, cpu: Optional[Callable[[], float]] = None) -> Dict[str, float]:
    """delay_ms > 0: each connection waits that long after an answer before its next request
    (wrk's delay() hook), which paces the load at about concurrency * 1000 / delay_ms req/s.
    cpu: the server's CPU seconds so far (Server.cpu_seconds): adds `cpu_us`, the server's CPU
    time per request during the measured run."""
    url = "http://%s:%d%s" % (HOST, port, path)
    hdr_args: List[str] = []
    for k, v in headers.items():
        hdr_args += ["-H", "%s: %s" % (k, v)]
    # done() prints the run's latency at every 0.1 % (for percentiles over several runs, pooled_percentile);
    # no request() or response() hook, so wrk keeps its fast path
    lua = WRK_QUANTILES + ("function delay()\n  return %d\nend\n" % int(delay_ms) if delay_ms > 0 else "")
    script = Path(tempfile.gettempdir()) / ("bench-wrk-quantiles-%d.lua" % int(delay_ms))
    script.write_text(lua)
    hdr_args += ["-s", str(script)]
    threads = max(1, min(concurrency, os.cpu_count() or 1))
    if warmup > 0:
        subprocess.run([wrk, "-t%d" % threads, "-c%d" % concurrency, "-d%ds" % max(1, int(warmup))] + hdr_args
                       + [url], capture_output=True, timeout=warmup + 30)
    cpu_before = cpu() if cpu else 0.0
    out = subprocess.run([wrk, "-t%d" % threads, "-c%d" % concurrency, "-d%ds" % int(duration), "--latency"]
                         + hdr_args + [url], capture_output=True, text=True, timeout=duration + 60).stdout
    cpu_used = cpu() - cpu_before if cpu else float("nan")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = re.search(r"^\s+50%\s+(\S+)", out, re.M)
    p99 = re.search(r"^\s+99%\s+(\S+)", out, re.M)
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    sock_err = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = int(non2xx.group(1)) if non2xx else 0
    if sock_err:
        # A sync worker closes after each response; wrk may count those as read errors.
        errors += int(sock_err.group(1)) + int(sock_err.group(4))
    total = re.search(r"(\d+) requests in", out)
    requests = int(total.group(1)) if total else 0
    quantiles = re.search(r"^quantiles_us ([\d ]+)$", out, re.M)
    return {"requests": requests, "errors": errors, "rps": rps,
            "quantiles_ms": [int(x) / 1000.0 for x in quantiles.group(1).split()] if quantiles else [],
            "cpu_us": 1e6 * cpu_used / requests if requests else float("nan"),
            "p50_ms": _wrk_ms(p50.group(1)) if p50 else float("nan"),
            "p99_ms": _wrk_ms(p99.group(1)) if p99 else float("nan")}


# --- main -------------------------------------------------------------------------

def bench_env(data_dir, sqlite_only: bool = False) -> Dict[str, str]:
    """The servers' environment: the data dir, Redis, and an AWS endpoint nothing can reach.
    sqlite_only: the benches that read a data dir they filled ignore MONGODB_URI."""
    env = dict(os.environ)
    env.update({
        "LAUNCHBAY_DATA_DIR": str(data_dir),
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
        "LAUNCHBAY_STAGE": env.get("LAUNCHBAY_STAGE", "local"),
        # Nothing here may reach AWS: the sandbox endpoint is a closed local port.
        "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
        "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": env.get("AWS_DEFAULT_REGION", "us-east-1"),
        "PYTHONPATH": os.pathsep.join(x for x in (str(ROOT), env.get("PYTHONPATH", "")) if x),
    })
    env.pop("AWS_PROFILE", None)
    if sqlite_only:
        env.pop("MONGODB_URI", None)
    return env


def main(argv=None) -> int:
    workers_default = default_workers()
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--duration", type=float, default=10.0, help="seconds of measured load per target (default 10)")
    p.add_argument("--warmup", type=float, default=2.0, help="seconds of unmeasured load first (default 2)")
    p.add_argument("--concurrency", type=int, default=8, help="concurrent connections (default 8)")
    p.add_argument("--workers", type=int, default=workers_default,
                   help="gunicorn workers per server (default %d, as gunicorn.conf.py)" % workers_default)
    p.add_argument("--rounds", type=int, default=5,
                   help="alternate hello/api this many times, duration/rounds each (default 5)")
    p.add_argument("--python-client", action="store_true", help="use the Python load generator even if wrk exists")
    args = p.parse_args(argv)
    args.duration = min(max(args.duration, 1.0), 120.0)
    args.warmup = min(max(args.warmup, 0.0), 30.0)
    args.rounds = min(max(args.rounds, 1), int(args.duration))

    if not (ROOT / "app.py").exists():
        print("app.py does not exist yet: nothing to benchmark", file=sys.stderr)
        return 1
    wrk = None if args.python_client else shutil.which("wrk")
    data_dir = tempfile.mkdtemp(prefix="launchbay-bench-")
    env = bench_env(data_dir)
    servers: List[Server] = []
    try:
        hello = Server("hello", "bench.hello_wsgi:application", env, args.workers)
        servers.append(hello)
        api = Server("api", "chalicelib.api.wsgi:application", env, args.workers)
        servers.append(api)
        hello.wait_ready("/")
        # 503 is fine here: health also checks AWS, which this bench never reaches.
        api.wait_ready("/v1/health", ok=(200, 503))

        email = "bench-%s@example.com" % uuid.uuid4().hex[:10]
        status, doc = request(api.port, "POST", "/v1/auth/signup",
                              {"email": email, "password": "bench-password-%s" % uuid.uuid4().hex[:8],
                               "organization": "Bench Org"})
        if status != 201:
            raise RuntimeError("sign-up answered %s: %s" % (status, doc))
        token, org = doc["token"], doc["organization"]["id"]
        status, doc = request(api.port, "POST", "/v1/orgs/%s/projects" % org,
                              {"name": "bench-project", "description": "created by bench/api_throughput.py"}, token)
        if status not in (200, 201):
            raise RuntimeError("creating a project answered %s: %s" % (status, doc))
        path = "/v1/orgs/%s/projects" % org
        status, doc = request(api.port, "GET", path, token=token)
        if status != 200:
            raise RuntimeError("listing projects answered %s: %s" % (status, doc))

        print("load generator: %s; %d gunicorn sync workers per server; concurrency %d; %.0f s each "
              "in %d alternating rounds (+%.0f s warm-up)"
              % ("wrk" if wrk else "python (processes x threads, http.client)", args.workers, args.concurrency,
                 args.duration, args.rounds, args.warmup), flush=True)
        # Alternate short rounds of each target so both see the same background load
        # (the machine may be shared): the ratio is then fair even when absolute figures move.
        targets = (("hello", hello, "/", {}), ("api", api, path, {"Authorization": "Bearer " + token}))
        per_round = args.duration / args.rounds
        if wrk:  # wrk takes whole seconds
            per_round = float(max(1, int(round(per_round))))
        measured = per_round * args.rounds
        rounds: Dict[str, List[Dict[str, float]]] = {"hello": [], "api": []}
        for i in range(args.rounds):
            warm = args.warmup if i == 0 else 0.0
            for name, server, target, headers in targets:
                if wrk:
                    rounds[name].append(wrk_load(wrk, server.port, target, headers, args.concurrency,
                                                 per_round, warm))
                else:
                    rounds[name].append(python_load(server.port, target, headers, args.concurrency,
                                                    per_round, warm))
        results = {}
        for name, _server, target, _headers in targets:
            r = results[name] = combine(rounds[name], measured)
            print("%-6s %-34s %8.0f req/s   p50 %6.2f ms   p99 %6.2f ms   (%d requests, %d errors)"
                  % (name, ("GET " + target)[:34], r["rps"], r["p50_ms"], r["p99_ms"], r["requests"], r["errors"]),
                  flush=True)
        print("load average after: %.2f %.2f %.2f (on %d cores; other work on the machine skews absolute figures)"
              % (os.getloadavg() + (os.cpu_count() or 1,)))
        ratio = results["api"]["rps"] / results["hello"]["rps"] if results["hello"]["rps"] else float("nan")
        print("ratio  api/hello requests/s = %.0f %%  (goal >= %.0f %%: %s)"
              % (ratio * 100, GOAL_RATIO * 100, "met" if ratio >= GOAL_RATIO else "NOT met"))
        print("api p99 = %.2f ms  (goal < %.0f ms: %s)"
              % (results["api"]["p99_ms"], GOAL_P99_MS, "met" if results["api"]["p99_ms"] < GOAL_P99_MS else "NOT met"))
        return 1 if any(r["errors"] for r in results.values()) else 0
    except (RuntimeError, KeyError, OSError) as e:
        print("bench failed: %s" % e, file=sys.stderr)
        for s in servers:
            if s.proc.poll() is not None:
                print("--- %s server log ---\n%s" % (s.name, s.tail()), file=sys.stderr)
        return 1
    finally:
        for s in servers:
            s.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
