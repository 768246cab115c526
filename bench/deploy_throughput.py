#!/usr/bin/env python3
"""Deploy engine benchmark: time per deployment, deployments per minute, and a large
queue drained with none lost and none run twice (issue "Deploy engine").

    .venv/bin/python bench/deploy_throughput.py [--services 100] [--deployments 10000] [--quick]

Needs Redis (REDIS_URL, default redis://127.0.0.1:6379/0); starts its own moto server
and Celery workers, all on loopback, and removes them (and its queues) at the end.
Goals (simulator delay 0, two worker processes of concurrency 1):
  - the platform's own time per deployment <= 200 ms (time not spent inside moto)
  - >= 300 deployments per minute
  - D queued deployments over S services drain: every one settles (none lost), live +
    superseded == D, failed == 0, no step started twice, at most one deployment.live
    audit event per deployment (none run twice).

Phases
  0  setup: temp data dir, unique queue prefix and cluster, moto server, signup, project,
     S services of --kind (web by default: the heavier plan), one secret each.
  1a in-process: a few deployments run with engine.run() in this process, the cloud and
     store wrapped in timing proxies and botocore's HTTP send timed, to split a
     deployment's time into moto round trips / botocore client work / store / the rest.
     --profile adds a cProfile of 6 more runs (top functions by own time), kept out of the
     timed figures. The AWS operations of one redeploy are listed.
  CPU: each phase also reports CPU time (from /proc) per deployment of the bench process
     (the API side: create_deployment), the Celery workers (the platform) and moto.
  1b two Celery workers (concurrency 1 each, queues deploys+default): sequential
     deployments, one at a time; wall time from created to live, sum of step `ms`,
     overhead outside the steps, own time estimated as wall minus the in-process moto time.
  2a closed loop for --window seconds: every service always has one deployment in flight;
     live deployments per minute at saturation.
  2b drain: D deployments round robin over the S services, queued while the workers run
     (--drain-mode backlog: queued with the workers stopped, then fresh workers drain them),
     tqdm progress on the drain; settled/min, live/min, counts per status, exactly-once checks.
Prints figures; exits 0 unless the run itself breaks (a missed goal is reported, not fatal).
Everything is bounded by --timeout (partial figures are printed when it runs out).
"""
from __future__ import annotations

import argparse
import collections
import contextlib
import cProfile
import io
import json
import os
import pstats
import re
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any, Optional

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

GOAL_OWN_MS = 200.0
GOAL_PER_MIN = 300.0
TASK_LINE = re.compile(r"Task launchbay\.run_deployment\[[^\]]+\] (succeeded in ([\d.]+)s: '([^']*)'|retry:|raised)")


# --- small helpers -------------------------------------------------------------------

def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    k = (len(s) - 1) * p / 100.0
    lo, hi = int(k), min(int(k) + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def fmt_ms(values: list[float]) -> str:
    if not values:
        return "n/a"
    return (f"p50 {pct(values, 50):7.1f}  p95 {pct(values, 95):7.1f}  mean {statistics.fmean(values):7.1f}  "
            f"max {max(values):7.1f} ms (n={len(values)})")


def goal(ok: bool) -> str:
    return "MET" if ok else "MISSED"


class Budget:
    def __init__(self, seconds: float):
        self.deadline = time.monotonic() + seconds

    def left(self) -> float:
        return self.deadline - time.monotonic()

    def out(self) -> bool:
        return self.left() <= 0


def epoch(iso: Optional[str]) -> Optional[float]:
    from chalicelib.core.ids import epoch_from_iso

    return epoch_from_iso(iso) if iso else None


FIGURES: dict[str, Any] = {}


def cpu_by_role() -> dict[str, float]:
    """CPU seconds (user+system) used so far by this process and its descendants, by role:
    bench (this process), workers (celery), moto (the moto server). Linux /proc only."""
    tick = os.sysconf("SC_CLK_TCK")
    procs: dict[int, tuple[int, float, str]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        procs[int(entry)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / tick, cmd)
    me = os.getpid()
    out: collections.Counter = collections.Counter()
    for pid, (_ppid, cpu, cmd) in procs.items():
        p, ours = pid, False
        while p in procs and p > 1:
            if p == me:
                ours = True
                break
            p = procs[p][0]
        if not ours:
            continue
        role = "bench" if pid == me else "moto" if "moto" in cmd else "workers" if "celery" in cmd else "other"
        out[role] += cpu
    return dict(out)


def cpu_delta(before: dict[str, float], n: int, label: str) -> dict[str, float]:
    after = cpu_by_role()
    d = {k: after.get(k, 0.0) - before.get(k, 0.0) for k in set(after) | set(before)}
    if n:
        say(f"  CPU per {label} (ms): " + ", ".join(f"{k} {v * 1000 / n:.1f}" for k, v in sorted(d.items()) if v > 0)
            + f"  (over {n}; workers = the platform, moto = the AWS stand-in)")
    return {k: v * 1000 / max(n, 1) for k, v in d.items()}


def say(msg: str = "") -> None:
    print(msg, flush=True)


# --- timing proxies (this script only) -------------------------------------------------

class Timers:
    def __init__(self) -> None:
        self.seconds: collections.Counter = collections.Counter()
        self.calls: collections.Counter = collections.Counter()

    def add(self, key: str, dt: float) -> None:
        self.seconds[key] += dt
        self.calls[key] += 1

    def reset(self) -> None:
        self.seconds.clear()
        self.calls.clear()

    def total(self, prefix: str) -> float:
        return sum(v for k, v in self.seconds.items() if k.startswith(prefix))


TIMERS = Timers()


class Timed:
    """Times every public method of the wrapped object under `label.method` (its own calls
    to itself are not re-counted)."""

    def __init__(self, target: Any, label: str):
        self._target = target
        self._label = label

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._target, name)
        if name.startswith("_") or not callable(attr):
            return attr

        def timed(*a: Any, **kw: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return attr(*a, **kw)
            finally:
                TIMERS.add(f"{self._label}.{name}", time.perf_counter() - t0)
        return timed


def TimedCloud(cloud: Any) -> Timed:
    return Timed(cloud, "cloud")


def TimedCollection(coll: Any) -> Timed:
    return Timed(coll, f"store.{coll.name}")


class TimedStore:
    def __init__(self, store: Any):
        self._store = store

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    def collection(self, name: str) -> TimedCollection:
        return TimedCollection(self._store.collection(name))

    def next_number(self, key: str) -> int:
        t0 = time.perf_counter()
        try:
            return self._store.next_number(key)
        finally:
            TIMERS.add("store.counters.next_number", time.perf_counter() - t0)

    @contextlib.contextmanager
    def transaction(self):
        # BEGIN and COMMIT only: the calls made inside are timed on their own
        t0 = time.perf_counter()
        cm = self._store.transaction()
        cm.__enter__()
        TIMERS.add("store.tx.begin", time.perf_counter() - t0)
        try:
            yield
        except BaseException:
            if not cm.__exit__(*sys.exc_info()):
                raise
        else:
            t1 = time.perf_counter()
            cm.__exit__(None, None, None)
            TIMERS.add("store.tx.commit", time.perf_counter() - t1)


class NullQueue:
    """In-process runs must not reach the workers: tasks are only recorded."""

    def __init__(self) -> None:
        self.published: list[tuple] = []

    def publish(self, task: str, *args: Any, countdown: float = 0, queue: Optional[str] = None) -> None:
        self.published.append((task, args, countdown, queue))

    def ping(self) -> dict[str, Any]:
        return {"ok": True, "kind": "null"}


def patch_botocore_send() -> None:
    """Time the raw HTTP round trip to moto (botocore.endpoint.Endpoint._send)."""
    import botocore.endpoint as endpoint

    if getattr(endpoint.Endpoint._send, "_bench", False):
        return
    original = endpoint.Endpoint._send

    def _send(self: Any, request: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return original(self, request)
        finally:
            TIMERS.add("http.moto", time.perf_counter() - t0)

    _send._bench = True  # type: ignore[attr-defined]
    endpoint.Endpoint._send = _send

    import botocore.client as client

    original_call = client.BaseClient._make_api_call

    def _make_api_call(self: Any, operation_name: str, api_params: Any) -> Any:
        OPS[f"{self.meta.service_model.service_name}.{operation_name}"] += 1
        return original_call(self, operation_name, api_params)

    client.BaseClient._make_api_call = _make_api_call


OPS: collections.Counter = collections.Counter()   # AWS operations called (in-process runs)


# --- environment -----------------------------------------------------------------------

class Env:
    def __init__(self, args: argparse.Namespace):
        from tests.support.moto_server import start_moto_server

        self.tmp = Path(tempfile.mkdtemp(prefix="lb-bench-deploy-"))
        self.prefix = "bench-" + uuid.uuid4().hex[:10]
        self.redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
        t0 = time.perf_counter()
        self.moto_url, self.stop_moto = start_moto_server()
        self.moto_start_s = time.perf_counter() - t0
        self.values = {
            "LAUNCHBAY_DATA_DIR": str(self.tmp / "data"), "LAUNCHBAY_QUEUE_PREFIX": self.prefix,
            "LAUNCHBAY_STAGE": "test", "REDIS_URL": self.redis_url, "AWS_ENDPOINT_URL": self.moto_url,
            "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1",
            "LAUNCHBAY_SANDBOX_DELAY": "0", "LAUNCHBAY_ROLLOUT_POLL": str(args.rollout_poll),
            "LAUNCHBAY_CLUSTER": "lb-" + self.prefix}
        for key in ("MONGODB_URI", "OPENSEARCH_URL"):
            os.environ.pop(key, None)
        os.environ.update(self.values)
        from chalicelib import wiring as settings_module

        settings_module.reset()
        self.ports = settings_module.get_ports()
        self.workers: list[Any] = []

    def start_workers(self, n: int, tag: str, budget: Budget) -> float:
        from tests.support.processes import CeleryWorker

        t0 = time.perf_counter()
        new = [CeleryWorker(self.values, ["deploys", "default"], concurrency=1, name=f"{tag}{i}").start()
               for i in range(n)]
        self.workers += new
        limit = time.monotonic() + min(60.0, max(budget.left(), 1.0))
        while time.monotonic() < limit:
            if all(" ready." in w.output() for w in new):
                return time.perf_counter() - t0
            dead = [w for w in new if w.proc.poll() is not None]
            if dead:
                raise RuntimeError("a Celery worker exited at start:\n" + dead[0].output()[-3000:])
            time.sleep(0.1)
        raise RuntimeError("Celery workers not ready after 60 s:\n" + new[0].output()[-3000:])

    def stop_workers(self) -> None:
        for w in self.workers:
            w.stop()

    def worker_log_offsets(self) -> list[tuple[Any, int]]:
        return [(w, len(w.output())) for w in self.workers]

    def cleanup(self, keep: bool) -> None:
        self.stop_workers()
        try:
            self.stop_moto()
        except Exception:
            pass
        try:
            import redis

            r = redis.Redis.from_url(self.redis_url)
            keys = list(r.scan_iter(f"{self.prefix}.*"))
            if keys:
                r.delete(*keys)
        except Exception as exc:
            say(f"(could not drop the bench queues: {exc})")
        if keep:
            say(f"kept {self.tmp} (data dir and worker logs: {[w.log.name for w in self.workers]})")
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)
            for w in self.workers:
                with contextlib.suppress(OSError):
                    os.unlink(w.log.name)


def worker_task_stats(offsets: list[tuple[Any, int]]) -> dict[str, Any]:
    """Tally the run_deployment task results the workers logged since the offsets."""
    runtimes: list[float] = []
    outcomes: collections.Counter = collections.Counter()
    errors = 0
    for w, off in offsets:
        text = w.output()[off:]
        errors += text.count("Traceback (most recent call last)")
        for m in TASK_LINE.finditer(text):
            if m.group(2):
                runtimes.append(float(m.group(2)) * 1000)
                detail = m.group(3)
                key = detail.split(" ")[0] + " " + (detail.split(": ", 1)[1].split(" ")[0] if ": " in detail else "")
                if "another worker" in detail:
                    key = "busy (duplicate delivery)"
                elif detail.startswith("done: already"):
                    key = "done: already settled"
                elif detail.startswith("later"):
                    key = "later: " + ("service locked" if "locked" in detail else detail[7:40])
                outcomes[key.strip()] += 1
            else:
                outcomes[{"retry:": "retry (transient)", "raised": "raised (unexpected exception)"}.get(
                    m.group(1), m.group(1))] += 1
    return {"runtimes_ms": runtimes, "outcomes": dict(outcomes), "tracebacks": errors}


# --- the org ---------------------------------------------------------------------------

def make_org(ports: Any, n: int, kind: str, secrets: int) -> tuple[Any, str, str, list[dict]]:
    from chalicelib.accounts import service as accounts
    from chalicelib.catalog import service as catalog
    from chalicelib.core.context import Actor

    s = accounts.signup(ports, "bench@example.com", "x" * 16, "Bench", None)
    actor = Actor(user_id=s["user"]["id"], email="bench@example.com")
    org_id = s["organization"]["id"]
    project = catalog.create_project(ports, actor, org_id, "bench", "deploy throughput benchmark")
    services = []
    for i in range(n):
        spec = {"name": f"{kind}-{i:03d}", "kind": kind, "image": "nginx:1.27"}
        if kind == "web":
            spec["port"] = 80
        svc = catalog.create_service(ports, actor, org_id, project["id"], spec)
        for j in range(secrets):
            catalog.put_secret(ports, actor, org_id, svc["id"], f"SECRET_{j}", f"value-{i}-{j}")
        services.append(svc)
    return actor, org_id, project["id"], services


def dep_breakdown(dep: dict) -> dict[str, Any]:
    created, finished = epoch(dep["created"]), epoch(dep.get("finished"))
    steps = dep.get("steps") or []
    step_ms = sum(s.get("ms") or 0.0 for s in steps)
    first = min((s["started_ts"] for s in steps if s.get("started_ts")), default=None)
    wall = (finished - created) * 1000 if finished and created else None
    return {"wall_ms": wall, "step_ms": step_ms, "overhead_ms": (wall - step_ms) if wall is not None else None,
            "pickup_ms": (first - created) * 1000 if first and created else None,
            "steps": {s["name"]: s.get("ms") or 0.0 for s in steps},
            "attempts": max((s.get("attempts", 1) for s in steps), default=0)}


# --- phase 1a: in process ---------------------------------------------------------------

def phase_inprocess(env: Env, actor: Any, org_id: str, services: list[dict], n: int, profile: bool,
                    budget: Budget) -> dict[str, Any]:
    from chalicelib import wiring as settings_module
    from chalicelib.core.context import Ports
    from chalicelib.deploys import engine
    from chalicelib.deploys import service as deploys
    from chalicelib.lifecycle import states as rules

    say(f"\n== Phase 1a: {n} deployments in process (engine.run, timing proxies around cloud and store)")
    patch_botocore_send()
    cloud = TimedCloud(settings_module.get_cloud())
    ports = Ports(store=TimedStore(env.ports.store), queue=NullQueue(), settings=env.ports.settings,
                  cloud_factory=lambda: cloud)
    rows, per_method = [], collections.Counter()
    pool = services[:max(1, (n + 1) // 2)]  # half first deploys, then redeploys of the same services
    n_prof = 6 if profile else 0
    prof = cProfile.Profile() if profile else None
    for i in range(n + n_prof):
        if budget.out():
            break
        profiled = i >= n  # extra runs under cProfile, kept out of the timed figures
        svc = pool[i % len(pool)]
        first = not (env.ports.store.collection("services").get(svc["id"]) or {}).get("live_deployment_id")
        TIMERS.reset()
        t0 = time.perf_counter()
        dep, _ = deploys.create_deployment(ports, actor, org_id, svc["id"], None)
        create_s = time.perf_counter() - t0
        create_store = TIMERS.total("store.")
        TIMERS.reset()
        OPS.clear()
        t0 = time.perf_counter()
        if profiled:
            prof.enable()
        runs = 0
        while True:
            outcome = engine.run(ports, dep["id"])
            runs += 1
            if outcome.state in ("done",) or runs > 50:
                break
            time.sleep(outcome.countdown or 0.05)
        if profiled:
            prof.disable()
            continue
        total = time.perf_counter() - t0
        final = env.ports.store.collection("deployments").get(dep["id"])
        cloud_s, http_s, store_s = TIMERS.total("cloud."), TIMERS.total("http."), TIMERS.total("store.")
        for k, v in TIMERS.seconds.items():
            if k.startswith("cloud.") and i >= 1:
                per_method[k] += v
        rows.append({"i": i, "first": first, "status": final["status"], "total_ms": total * 1000,
                     "cloud_ms": cloud_s * 1000, "http_ms": http_s * 1000, "store_ms": store_s * 1000,
                     "http_calls": TIMERS.calls["http.moto"], "store_calls": sum(
                         v for k, v in TIMERS.calls.items() if k.startswith("store.")),
                     "create_ms": create_s * 1000, "create_store_ms": create_store * 1000, "runs": runs,
                     "step_ms": sum(st.get("ms") or 0.0 for st in final.get("steps") or []),
                     "settled": rules.settled(final), "ops": dict(OPS)})
    warm = [r for r in rows if r["i"] >= 1]  # the first run creates boto3 clients and the shared AWS resources
    say(f"  {'#':>2} {'kind':9} {'status':8} {'total':>7} {'cloud':>7} {'moto http':>9} {'calls':>5} "
        f"{'store':>6} {'st.calls':>8} {'own':>6} {'create':>6}  (ms)")
    for r in rows:
        own = r["total_ms"] - r["http_ms"]
        say(f"  {r['i']:>2} {'first' if r['first'] else 'redeploy':9} {r['status']:8} {r['total_ms']:7.1f} "
            f"{r['cloud_ms']:7.1f} {r['http_ms']:9.1f} {r['http_calls']:5d} {r['store_ms']:6.1f} "
            f"{r['store_calls']:8d} {own:6.1f} {r['create_ms']:6.1f}")
    out: dict[str, Any] = {"rows": [{k: v for k, v in r.items() if k != "ops"} for r in rows]}
    for label, group in (("first deploy", [r for r in warm if r["first"]]), ("redeploy", [r for r in warm if not r["first"]])):
        if not group:
            continue
        m = {k: statistics.fmean(r[k] for r in group) for k in ("total_ms", "cloud_ms", "http_ms", "store_ms",
                                                                  "create_ms", "http_calls", "step_ms")}
        own = m["total_ms"] - m["http_ms"]
        botocore = m["cloud_ms"] - m["http_ms"]
        rest = m["total_ms"] - m["cloud_ms"] - m["store_ms"]
        say(f"  mean, {label} (n={len(group)}, warm): run {m['total_ms']:.1f} ms = moto round trips "
            f"{m['http_ms']:.1f} ({m['http_calls']:.0f} calls) + botocore client {botocore:.1f} + store "
            f"{m['store_ms']:.1f} + engine/other {rest:.1f}")
        say(f"      platform's own = run minus moto round trips: {own:.1f} ms [goal <= {GOAL_OWN_MS:.0f}: "
            f"{goal(own <= GOAL_OWN_MS)}]; without botocore (our code only): {own - botocore:.1f} ms; "
            f"create_deployment {m['create_ms']:.1f} ms; moto share of step ms {m['http_ms'] / max(m['step_ms'], 1e-9):.0%}")
        out[label] = {**m, "own_ms": own, "botocore_ms": botocore, "rest_ms": rest,
                      "moto_share_of_steps": m["http_ms"] / max(m["step_ms"], 1e-9)}
    redeploys = [r for r in warm if not r["first"]]
    if redeploys:
        ops = redeploys[-1]["ops"]
        say(f"  AWS calls of one redeploy ({sum(ops.values())}): "
            + ", ".join(f"{k} x{v}" if v > 1 else k for k, v in sorted(ops.items())))
    n_runs = max(len(warm), 1)
    top = per_method.most_common(8)
    say("  cloud time per method, mean per warm deployment: " + ", ".join(f"{k[6:]} {v * 1000 / n_runs:.1f}" for k, v in top))
    if prof:
        s = io.StringIO()
        st = pstats.Stats(prof, stream=s)
        st.sort_stats("tottime").print_stats(25)
        say("  cProfile of the warm in-process runs, top 25 by own time:")
        say("\n".join("    " + line for line in s.getvalue().splitlines()[:60] if line.strip()))
        s = io.StringIO()
        pstats.Stats(prof, stream=s).sort_stats("cumulative").print_stats(r"chalicelib", 30)
        say("  cProfile, chalicelib functions by cumulative time:")
        say("\n".join("    " + line for line in s.getvalue().splitlines()[:60] if line.strip()))
    return out


# --- phase 1b: sequential through the workers ---------------------------------------------

def wait_settled(store: Any, dep_id: str, timeout: float, interval: float = 0.02) -> Optional[dict]:
    from chalicelib.lifecycle import states as rules

    deps = store.collection("deployments")
    limit = time.monotonic() + timeout
    while time.monotonic() < limit:
        d = deps.get(dep_id)
        if d and rules.settled(d):
            return d
        time.sleep(interval)
    return None


def phase_sequential(env: Env, actor: Any, org_id: str, services: list[dict], n: int, warmup: int,
                     inproc: dict, budget: Budget, label: str = "web", offset: int = 0) -> dict[str, Any]:
    from chalicelib.deploys import service as deploys

    say(f"\n== Phase 1b ({label}): {warmup} warm-up + {n} sequential deployments through 2 workers")
    store = env.ports.store
    ids: list[str] = []
    for i in range(warmup):  # boto3 clients and imports in each worker process
        svc = services[(offset + i) % len(services)]
        dep, _ = deploys.create_deployment(env.ports, actor, org_id, svc["id"], None)
        ids.append(dep["id"])
        if not wait_settled(store, dep["id"], min(120.0, max(budget.left(), 1))):
            say("  warm-up deployment did not settle")
            return {"ids": ids}
    offsets = env.worker_log_offsets()
    cpu0 = cpu_by_role()
    rows = []
    # 10 services not deployed yet (first deploys), then redeploys of the same ones
    pool = [services[(offset + warmup + k) % len(services)] for k in range(min(len(services), 10))]
    svc_coll = store.collection("services")
    for i in range(n):
        if budget.out():
            say("  (time budget ran out)")
            break
        svc = pool[i % len(pool)]
        first = not (svc_coll.get(svc["id"]) or {}).get("live_deployment_id")
        t0 = time.perf_counter()
        dep, _ = deploys.create_deployment(env.ports, actor, org_id, svc["id"], None)
        t_created = time.perf_counter()
        ids.append(dep["id"])
        final = wait_settled(store, dep["id"], min(120.0, max(budget.left(), 1)))
        t_seen = time.perf_counter()
        if final is None:
            say(f"  deployment {dep['id']} did not settle")
            break
        b = dep_breakdown(final)
        b.update(first=first, status=final["status"], observed_ms=(t_seen - t0) * 1000,
                 create_ms=(t_created - t0) * 1000)
        rows.append(b)
    tasks = worker_task_stats(offsets)
    out: dict[str, Any] = {"ids": ids, "rows": len(rows)}
    if not rows:
        return out
    out["cpu_ms_per_deployment"] = cpu_delta(cpu0, len(rows), "deployment")
    statuses = collections.Counter(r["status"] for r in rows)
    say(f"  statuses: {dict(statuses)}")
    walls = [r["wall_ms"] for r in rows if r["wall_ms"] is not None]
    say(f"  created -> live (store timestamps):       {fmt_ms(walls)}")
    say(f"  create_deployment() -> seen settled:      {fmt_ms([r['observed_ms'] for r in rows])}")
    say(f"  create_deployment() call (API side):      {fmt_ms([r['create_ms'] for r in rows])}")
    say(f"  sum of step ms (incl. moto):              {fmt_ms([r['step_ms'] for r in rows])}")
    say(f"  overhead outside steps (wall - steps):    {fmt_ms([r['overhead_ms'] for r in rows])}")
    say(f"  of which created -> first step started:   {fmt_ms([r['pickup_ms'] for r in rows if r['pickup_ms']])}")
    say(f"  worker task run time (celery log):        {fmt_ms(tasks['runtimes_ms'])}  outcomes {tasks['outcomes']}")
    step_names = list(dict.fromkeys(n for r in rows for n in r["steps"]))
    say("  mean step ms: " + ", ".join(f"{n} {statistics.fmean(r['steps'].get(n, 0) for r in rows):.1f}"
                                       for n in step_names))
    for lab, group in (("first deploy", [r for r in rows if r["first"]]), ("redeploy", [r for r in rows if not r["first"]])):
        if not group:
            continue
        w = [r["wall_ms"] for r in group]
        share = (inproc.get(lab) or inproc.get("redeploy") or inproc.get("first deploy") or {}).get("moto_share_of_steps")
        line = f"  {lab:12} n={len(group):3d}: wall p50 {pct(w, 50):.1f} p95 {pct(w, 95):.1f} ms"
        if share is not None:
            # moto's share of the step time, measured in process, applied to these steps
            own = [r["wall_ms"] - r["step_ms"] * share for r in group]
            line += (f"; own time est. (wall - {share:.0%} of step ms) p50 {pct(own, 50):.1f} "
                     f"p95 {pct(own, 95):.1f} ms [goal <= {GOAL_OWN_MS:.0f}: {goal(pct(own, 50) <= GOAL_OWN_MS)}]")
            out[lab] = {"wall_p50": pct(w, 50), "wall_p95": pct(w, 95), "own_p50": pct(own, 50),
                        "own_p95": pct(own, 95), "n": len(group)}
        say(line)
    total_wall = sum(walls) / 1000
    say(f"  one at a time: {60 / (total_wall / len(walls)):.0f} deployments/min (one in flight)")
    out.update(wall_p50=pct(walls, 50), wall_p95=pct(walls, 95), step_p50=pct([r["step_ms"] for r in rows], 50),
               overhead_p50=pct([r["overhead_ms"] for r in rows], 50), statuses=dict(statuses),
               task_ms_p50=pct(tasks["runtimes_ms"], 50))
    return out


# --- phase 2a: closed loop ------------------------------------------------------------------

def phase_closed_loop(env: Env, actor: Any, org_id: str, services: list[dict], window: float,
                      budget: Budget) -> dict[str, Any]:
    from chalicelib.deploys import service as deploys
    from chalicelib.lifecycle import states as rules

    window = min(window, max(budget.left() - 30, 0))
    say(f"\n== Phase 2a: closed loop for {window:.0f} s, one deployment in flight per service "
        f"({len(services)} services)")
    if window <= 0:
        return {}
    deps = env.ports.store.collection("deployments")
    offsets = env.worker_log_offsets()
    ids: list[str] = []
    active: dict[str, str] = {}
    cpu0 = cpu_by_role()
    t_start = time.time()
    for svc in services:
        dep, _ = deploys.create_deployment(env.ports, actor, org_id, svc["id"], None)
        active[svc["id"]] = dep["id"]
        ids.append(dep["id"])
    t_end = t_start + window
    finished: list[dict] = []
    while time.time() < t_end and not budget.out():
        for sid, did in list(active.items()):
            d = deps.get(did)
            if d and rules.settled(d):
                finished.append(d)
                dep, _ = deploys.create_deployment(env.ports, actor, org_id, sid, None)
                active[sid] = dep["id"]
                ids.append(dep["id"])
        time.sleep(0.1)
    t_stop = time.time()
    n_settled = len(finished)
    cpu = cpu_delta(cpu0, n_settled, f"deployment settled in the window ({n_settled})")
    # let the ones in flight finish (they are checked with the rest), bounded
    limit = time.monotonic() + min(120.0, max(budget.left() - 10, 1))
    pending = set(active.values())
    while pending and time.monotonic() < limit:
        for did in list(pending):
            d = deps.get(did)
            if d and rules.settled(d):
                finished.append(d)
                pending.discard(did)
        time.sleep(0.2)
    in_window = [d for d in finished if d["status"] == "live" and t_start <= epoch(d["finished"]) <= t_stop]
    minutes = (t_stop - t_start) / 60
    per_min = len(in_window) / minutes if minutes else 0.0
    walls = [dep_breakdown(d)["wall_ms"] for d in in_window]
    statuses = collections.Counter(d["status"] for d in finished)
    tasks = worker_task_stats(offsets)
    say(f"  {len(in_window)} went live in {t_stop - t_start:.1f} s: {per_min:.0f} deployments/min "
        f"[goal >= {GOAL_PER_MIN:.0f}: {goal(per_min >= GOAL_PER_MIN)}]")
    say(f"  created -> live under load (includes queueing behind {len(services)} in flight): {fmt_ms(walls)}")
    say(f"  statuses of all {len(ids)} created: {dict(statuses)}; still active after the wait: {len(pending)}")
    say(f"  worker task run time: {fmt_ms(tasks['runtimes_ms'])}")
    say(f"  task outcomes: {tasks['outcomes']}; tracebacks in worker logs: {tasks['tracebacks']}")
    return {"ids": ids, "live_per_min": per_min, "live_in_window": len(in_window), "seconds": t_stop - t_start,
            "statuses": dict(statuses), "task_outcomes": tasks["outcomes"],
            "task_ms_p50": pct(tasks["runtimes_ms"], 50), "cpu_ms_per_deployment": cpu}


# --- phase 2b: drain ------------------------------------------------------------------------

def status_counts(store: Any, ids: set[str]) -> collections.Counter:
    """Statuses of the given deployments (one SQL pass on the sqlite store)."""
    if getattr(store, "kind", "") == "sqlite":
        rows = store._conn().execute("SELECT id, json_extract(body, '$.status') FROM c_deployments").fetchall()
        out: collections.Counter = collections.Counter()
        for i, status in rows:
            if i in ids:
                out[status] += 1
        return out
    out = collections.Counter()
    coll = store.collection("deployments")
    for i in ids:
        d = coll.get(i)
        out[d["status"] if d else "missing"] += 1
    return out


SETTLED = {"live", "failed", "rolled_back", "superseded", "cancelled"}


def phase_drain(env: Env, actor: Any, org_id: str, services: list[dict], total: int, mode: str,
                budget: Budget) -> dict[str, Any]:
    from tqdm import tqdm

    from chalicelib.deploys import service as deploys

    say(f"\n== Phase 2b: drain {total} deployments round robin over {len(services)} services "
        f"(mode {mode}: {'queued with the workers stopped' if mode == 'backlog' else 'queued while 2 workers run'})")
    store = env.ports.store
    if mode == "backlog":
        env.stop_workers()
    offsets = env.worker_log_offsets()
    ids: list[str] = []
    cpu0 = cpu_by_role()
    t0 = time.time()
    bar = tqdm(total=total, desc="queue", unit="dep", mininterval=1.0, file=sys.stderr)
    for i in range(total):
        if budget.out():
            break
        dep, _ = deploys.create_deployment(env.ports, actor, org_id, services[i % len(services)]["id"], None)
        ids.append(dep["id"])
        bar.update(1)
    bar.close()
    t_queued = time.time()
    enqueue_s = t_queued - t0
    cpu_q = cpu_by_role()
    say(f"  queued {len(ids)} in {enqueue_s:.1f} s ({len(ids) / max(enqueue_s, 1e-9):.0f}/s, "
        f"{enqueue_s * 1000 / max(len(ids), 1):.2f} ms per create_deployment)")
    idset = set(ids)
    ready_s = None
    t_drain0 = t0
    if mode == "backlog":
        counts = status_counts(store, idset)
        say(f"  before the workers start: {dict(counts)}")
        t_drain0 = time.time()
        ready_s = env.start_workers(2, "drain", budget)
        offsets += [(w, 0) for w in env.workers[-2:]]
        say(f"  fresh workers ready in {ready_s:.1f} s")
    bar = tqdm(total=len(ids), desc="drain", unit="dep", mininterval=1.0, file=sys.stderr)
    settled = 0
    done_at = None
    counts = collections.Counter()
    while not budget.out():
        counts = status_counts(store, idset)
        now_settled = sum(v for k, v in counts.items() if k in SETTLED)
        bar.update(now_settled - settled)
        settled = now_settled
        bar.set_postfix({k: v for k, v in counts.items()}, refresh=False)
        if settled >= len(ids):
            done_at = time.time()
            break
        time.sleep(1.0)
    bar.close()
    t_end = done_at or time.time()
    drain_s = t_end - t_drain0
    minutes = drain_s / 60
    live = counts.get("live", 0)
    tasks = worker_task_stats(offsets)
    cpu = cpu_by_role()
    cpu_enqueue = {k: cpu_q.get(k, 0) - cpu0.get(k, 0) for k in cpu_q}
    cpu_total = {k: cpu.get(k, 0) - cpu0.get(k, 0) for k in cpu}
    out = {"ids": ids, "queued": len(ids), "requested": total, "enqueue_s": enqueue_s, "drain_s": drain_s,
           "complete": done_at is not None, "counts": dict(counts), "settled": settled,
           "settled_per_min": settled / minutes if minutes else 0.0, "live_per_min": live / minutes if minutes else 0.0,
           "task_outcomes": tasks["outcomes"], "task_ms_p50": pct(tasks["runtimes_ms"], 50),
           "task_ms_p95": pct(tasks["runtimes_ms"], 95), "tracebacks": tasks["tracebacks"], "ready_s": ready_s}
    say(f"  {'drained' if done_at else 'NOT drained (time budget ran out)'}: {settled}/{len(ids)} settled in "
        f"{drain_s:.1f} s (from {'the start of the fresh workers' if mode == 'backlog' else 'the first create'})")
    say(f"  counts per status: {dict(counts)}")
    say(f"  settled/min {out['settled_per_min']:.0f}, live/min {out['live_per_min']:.0f}")
    say(f"  worker tasks: {len(tasks['runtimes_ms'])} run_deployment tasks logged, run time "
        f"{fmt_ms(tasks['runtimes_ms'])}")
    say(f"  task outcomes: {tasks['outcomes']}; tracebacks in worker logs: {tasks['tracebacks']}")
    say("  CPU seconds while queueing: " + ", ".join(f"{k} {v:.1f}" for k, v in sorted(cpu_enqueue.items()))
        + "; whole phase: " + ", ".join(f"{k} {v:.1f}" for k, v in sorted(cpu_total.items()))
        + "  (bench = the create_deployment calls, i.e. the API side)")
    out["cpu_s"] = cpu_total
    out["cpu_s_enqueue"] = cpu_enqueue
    return out


# --- exactly-once checks ----------------------------------------------------------------------

def verify(env: Env, org_id: str, ids: list[str], label: str, expect_total: Optional[int] = None) -> dict[str, Any]:
    say(f"\n== Checks over {len(ids)} deployments ({label})")
    store = env.ports.store
    deps = store.collection("deployments")
    logs = store.collection("log_lines")
    counts: collections.Counter = collections.Counter()
    unsettled, dup_steps, dup_live_lines, missing, attempts_gt1, ran_anyway = [], [], [], [], 0, []
    walls: list[float] = []
    from chalicelib.lifecycle import states as rules

    for did in ids:
        d = deps.get(did)
        if d is None:
            missing.append(did)
            continue
        counts[d["status"]] += 1
        if not rules.settled(d):
            unsettled.append((did, d["status"]))
        if any(s.get("attempts", 1) > 1 for s in d.get("steps") or []):
            attempts_gt1 += 1
        if d["status"] in ("superseded", "cancelled") and d.get("steps"):
            # a superseded deployment must never have run: its steps reached AWS anyway
            ran_anyway.append((did, d["status"], len(d["steps"])))
        if d["status"] == "live":
            walls.append(dep_breakdown(d)["wall_ms"])
        if not d.get("steps") and d["status"] == "superseded":
            continue  # never claimed by a worker: no log lines to check
        lines, _ = logs.find({"deployment_id": did}, order="seq", limit=1000)
        starts = collections.Counter(l["step"] for l in lines if l["message"].endswith(": started"))
        if any(v > 1 for v in starts.values()):
            dup_steps.append((did, {k: v for k, v in starts.items() if v > 1}))
        if sum(1 for l in lines if l["step"] == "live") > 1:
            dup_live_lines.append(did)
    live_events: collections.Counter = collections.Counter()
    idset = set(ids)
    after = None
    while True:
        page, after = store.collection("audit_events").find({"org_id": org_id, "action": "deployment.live"},
                                                            order="created", limit=1000, after=after)
        for e in page:
            if e["target_id"] in idset:
                live_events[e["target_id"]] += 1
        if not after:
            break
    dup_audit = [k for k, v in live_events.items() if v > 1]
    live_ids = {i for i in ids if (deps.get(i) or {}).get("status") == "live"}
    live_without_event = len(live_ids - set(live_events))
    total = len(ids)
    lost = len(unsettled) + len(missing)
    outcome_sum = counts.get("live", 0) + counts.get("superseded", 0)
    say(f"  statuses: {dict(counts)}")
    say(f"  none lost: {lost == 0} (unsettled {len(unsettled)}, missing {len(missing)})"
        + (f"  e.g. {unsettled[:5]}" if unsettled else ""))
    say(f"  live + superseded == created: {outcome_sum} == {total}: {outcome_sum == total}; "
        f"failed {counts.get('failed', 0)}, rolled_back {counts.get('rolled_back', 0)}, "
        f"cancelled {counts.get('cancelled', 0)}")
    if expect_total is not None and expect_total != total:
        say(f"  only {total} of the {expect_total} requested deployments were queued (time budget)")
    say(f"  none run twice: steps started twice in {len(dup_steps)} deployments"
        + (f" e.g. {dup_steps[:3]}" if dup_steps else "")
        + f"; >1 'live' log line in {len(dup_live_lines)}; >1 deployment.live audit event in {len(dup_audit)}; "
          f"live without an audit event {live_without_event}")
    say(f"  superseded/cancelled deployments whose steps ran anyway (reached AWS): {len(ran_anyway)}"
        + (f" e.g. {ran_anyway[:3]}" if ran_anyway else ""))
    say(f"  deployments with a step attempted more than once (transient retries): {attempts_gt1}")
    say(f"  created -> live of the live ones: {fmt_ms(walls)}")
    ok = (lost == 0 and outcome_sum == total and not dup_steps and not dup_live_lines and not dup_audit
          and not ran_anyway)
    say(f"  => {'PASS' if ok else 'FAIL'}")
    return {"counts": dict(counts), "lost": lost, "dup_steps": len(dup_steps), "dup_live_lines": len(dup_live_lines),
            "dup_audit": len(dup_audit), "live_without_event": live_without_event, "ok": ok,
            "retried": attempts_gt1, "superseded_but_ran": len(ran_anyway), "superseded_but_ran_ids": ran_anyway[:20],
            "live_wall_p50": pct(walls, 50), "live_wall_max": max(walls) if walls else None}


# --- main ---------------------------------------------------------------------------------------

def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--services", type=int, default=100)
    ap.add_argument("--deployments", type=int, default=10000)
    ap.add_argument("--quick", action="store_true", help="small numbers, about a minute: 200 across 20")
    ap.add_argument("--kind", choices=("web", "worker"), default="web", help="service kind for phases 1b-2b")
    ap.add_argument("--also-worker-kind", type=int, default=10,
                    help="sequential deployments of kind worker measured too (0: skip)")
    ap.add_argument("--secrets", type=int, default=1, help="secrets per service")
    ap.add_argument("--inprocess", type=int, default=12, help="deployments run in process (phase 1a)")
    ap.add_argument("--sequential", type=int, default=30, help="sequential deployments (phase 1b)")
    ap.add_argument("--window", type=float, default=60.0, help="closed-loop seconds (phase 2a; 0 skips)")
    ap.add_argument("--drain-mode", choices=("live", "backlog"), default="live")
    ap.add_argument("--rollout-poll", type=float, default=0.2)
    ap.add_argument("--timeout", type=float, default=1800.0, help="bound on the whole run, seconds")
    ap.add_argument("--profile", action="store_true", help="cProfile the in-process runs")
    ap.add_argument("--json", help="write the figures to this file")
    ap.add_argument("--keep", action="store_true", help="keep the data dir and worker logs")
    args = ap.parse_args()
    if args.quick:
        args.services = min(args.services, 20)
        args.deployments = min(args.deployments, 200)
        args.inprocess = min(args.inprocess, 6)
        args.sequential = min(args.sequential, 15)
        args.window = min(args.window, 15.0)
        args.also_worker_kind = min(args.also_worker_kind, 5)
    budget = Budget(args.timeout)
    t_all = time.perf_counter()
    say(f"deploy throughput bench: {args.services} {args.kind} services, {args.deployments} deployments, "
        f"2 workers x concurrency 1, simulator delay 0, timeout {args.timeout:.0f} s")
    with contextlib.suppress(Exception):
        import subprocess

        head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--", "chalicelib", "worker"],
                               capture_output=True, text=True).stdout.split()
        say(f"code: {head}" + (f" + uncommitted changes in {', '.join(dirty[1::2])}" if dirty else ""))
        FIGURES["code"] = {"head": head, "dirty": dirty[1::2]}
    env = Env(args)
    say(f"moto server {env.moto_url} (started in {env.moto_start_s:.1f} s), data {env.tmp}, prefix {env.prefix}")
    all_ids: list[str] = []
    try:
        t0 = time.perf_counter()
        actor, org_id, project_id, services = make_org(env.ports, args.services, args.kind, args.secrets)
        say(f"signed up, 1 project, {len(services)} {args.kind} services ({args.secrets} secret each) "
            f"in {time.perf_counter() - t0:.1f} s")
        extra: list[dict] = []
        if args.also_worker_kind and args.kind == "web":
            from chalicelib.catalog import service as catalog

            for i in range(min(args.also_worker_kind, 10)):
                svc = catalog.create_service(env.ports, actor, org_id, project_id,
                                             {"name": f"worker-{i:03d}", "kind": "worker", "image": "busybox"})
                if args.secrets:
                    catalog.put_secret(env.ports, actor, org_id, svc["id"], "SECRET_0", f"w-{i}")
                extra.append(svc)
        inproc = phase_inprocess(env, actor, org_id, services, args.inprocess, args.profile, budget)
        FIGURES["inprocess"] = {k: v for k, v in inproc.items() if k != "rows"}
        ready = env.start_workers(2, "w", budget)
        say(f"\n2 Celery workers ready in {ready:.1f} s")
        seq = phase_sequential(env, actor, org_id, services, args.sequential, 2, inproc, budget,
                               offset=args.inprocess)
        all_ids += seq.pop("ids", [])
        FIGURES["sequential"] = seq
        if extra and not budget.out():
            seqw = phase_sequential(env, actor, org_id, extra, args.also_worker_kind * 2, 0, {}, budget,
                                    label="worker kind")
            all_ids += seqw.pop("ids", [])
            FIGURES["sequential_worker_kind"] = seqw
        if args.window > 0 and not budget.out():
            loop = phase_closed_loop(env, actor, org_id, services, args.window, budget)
            loop_ids = loop.pop("ids", [])
            all_ids += loop_ids
            FIGURES["closed_loop"] = loop
        if not budget.out():
            drain = phase_drain(env, actor, org_id, services, args.deployments, args.drain_mode, budget)
            drain_ids = drain.pop("ids", [])
            FIGURES["drain"] = drain
            FIGURES["drain_checks"] = verify(env, org_id, drain_ids, "phase 2b drain", args.deployments)
            all_ids += drain_ids
        FIGURES["all_checks"] = verify(env, org_id, all_ids, "every deployment the workers ran in 1b-2b")
        say("\n== Summary")
        s = FIGURES.get("sequential", {})
        ip = FIGURES.get("inprocess", {})
        for lab in ("first deploy", "redeploy"):
            if lab in ip:
                say(f"  platform's own time per {lab} (in process, run minus moto round trips): "
                    f"{ip[lab]['own_ms']:.1f} ms  [goal <= {GOAL_OWN_MS:.0f} ms: {goal(ip[lab]['own_ms'] <= GOAL_OWN_MS)}]")
            if lab in s:
                say(f"  own time per {lab} through the workers (est. wall - moto), p50 {s[lab]['own_p50']:.1f} "
                    f"p95 {s[lab]['own_p95']:.1f} ms  [goal: {goal(s[lab]['own_p50'] <= GOAL_OWN_MS)}]")
        if s.get("wall_p50") is not None:
            say(f"  sequential created -> live p50 {s['wall_p50']:.1f} ms, p95 {s['wall_p95']:.1f} ms")
        if "closed_loop" in FIGURES and FIGURES["closed_loop"]:
            c = FIGURES["closed_loop"]
            say(f"  deployments/min at saturation (closed loop): {c['live_per_min']:.0f}  "
                f"[goal >= {GOAL_PER_MIN:.0f}: {goal(c['live_per_min'] >= GOAL_PER_MIN)}]")
        if "drain" in FIGURES:
            d, chk = FIGURES["drain"], FIGURES["drain_checks"]
            say(f"  drain of {d['queued']}/{d['requested']}: {'complete' if d['complete'] else 'INCOMPLETE'} in "
                f"{d['drain_s']:.1f} s; settled/min {d['settled_per_min']:.0f}, live/min {d['live_per_min']:.0f}; "
                f"{d['counts']}; none lost/none twice: {'PASS' if chk['ok'] else 'FAIL'}"
                + (f" ({chk['superseded_but_ran']} superseded deployments ran their steps)" if chk["superseded_but_ran"]
                   else "")
                + f"; slowest to go live {chk['live_wall_max'] or 0:.0f} ms")
        say(f"  total bench time {time.perf_counter() - t_all:.0f} s")
    finally:
        if args.json:
            Path(args.json).write_text(json.dumps(FIGURES, indent=2, default=str))
        env.cleanup(args.keep)
    return 0


if __name__ == "__main__":
    sys.exit(main())
