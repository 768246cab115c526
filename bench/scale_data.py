#!/usr/bin/env python3
"""Fill a Launchbay store with scale data: by default 1,000 organizations, 10,000 services and
1,000,000 deployments (with their steps), log lines for a sample of deployments, and audit events.

    .venv/bin/python bench/scale_data.py --data-dir /tmp/lb-scale            # SQLite (the default store)
    MONGODB_URI=mongodb://... .venv/bin/python bench/scale_data.py           # MongoDB (LAUNCHBAY_MONGODB_DB)
    .venv/bin/python bench/scale_data.py --data-dir /tmp/lb-scale-q --quick  # 1/20th of the size

Each organization: an owner, an admin and a developer (users, memberships, one API token each),
one project with its `production` environment, `--services / --orgs` services in it (web, worker,
cron), `--deployments / --services` deployments per service, numbered 1..n, mostly live releases
with failures, roll-backs, superseded and cancelled ones among them; one audit event per change.

What is written is what the store adapters write: the same JSON bodies (`json.dumps` with the
adapters' separators; MongoDB: the same documents with `id` as `_id`), into the tables and
collections the adapters create, with the indexes of chalicelib/store/schema.py. Bulk loading
takes two short cuts, both on purpose:
* no outbox records: the adapters write one per insert of a searchable collection (services,
  deployments, log lines, audit events) for the search indexer; 1.3 M of them would only make the
  indexer busy for an hour. The search index therefore does not hold this data: run
  `python -m chalicelib.search.reindex` on the data dir if search should see it.
* SQLite: the secondary indexes of the three big collections are dropped before the load and
  built again afterwards by the adapter itself (SqliteStore() runs the same CREATE INDEX
  statements at start), which is several times faster than maintaining them row by row.
The per-service deployment counters (`deploy:<service>`) and per-deployment log counters are set,
so a deploy made afterwards through the API gets the next number.

Every user's password is BENCH_PASSWORD (one Argon2 hash, computed once): bench/endpoints.py logs in.
The summary (ids of a sample organization, counts) is written to <data-dir>/scale.json.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from pathlib import Path
from typing import Any, Iterator

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BENCH_PASSWORD = "scale-bench-password"
BIG = ("deployments", "log_lines", "audit_events")
DAY_MS = 86_400_000
_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # as chalicelib.core.ids


def _b32(n: int, width: int) -> str:
    return "".join(_ALPHABET[(n >> (5 * i)) & 31] for i in reversed(range(width)))


class Clock:
    """Ids and times as chalicelib.core.ids makes them, but at a time of our choosing: a ULID
    whose first 10 characters are the creation millisecond, and ISO-8601 UTC with microseconds."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def id(self, prefix: str, ms: int) -> str:
        return f"{prefix}_{_b32(ms, 10)}{_b32(self.rng.getrandbits(80), 16)}"

    @staticmethod
    def iso(ms: int) -> str:
        return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms // 1000)) + ".%03d%03dZ" % (ms % 1000, 0)


# --- writers: SQLite and MongoDB, as the adapters store documents -----------------------

class SqliteWriter:
    def __init__(self, data_dir: Path) -> None:
        from chalicelib.store.sqlite import SqliteStore

        self.path = data_dir / "launchbay.db"
        self.store = SqliteStore(self.path)   # creates the tables and indexes as the API would
        self.conn = self.store._conn()

    def prepare(self) -> None:
        from chalicelib.store.schema import COLLECTIONS

        self.conn.execute("PRAGMA cache_size=-200000")
        for name in BIG:
            ix = COLLECTIONS[name]
            for prefix, keys in (("ux", ix.unique), ("ix", ix.index)):
                for fields in keys:
                    self.conn.execute(f"DROP INDEX IF EXISTS {prefix}_{name}__{'__'.join(fields)}")
        self.conn.execute("PRAGMA user_version=0")   # the schema is no longer whole: SqliteStore() builds it again

    def write(self, name: str, docs: list[dict]) -> None:
        rows = [(d["id"], json.dumps(d, separators=(",", ":"))) for d in docs]
        with self.store.transaction():
            self.conn.executemany(f"INSERT INTO c_{name}(id, body) VALUES (?, ?)", rows)  # nosec B608  # names from code

    def counters(self, values: dict[str, int]) -> None:
        with self.store.transaction():
            self.conn.executemany("INSERT INTO counters(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE "
                                  "SET value = max(value, excluded.value)", list(values.items()))

    def finish(self) -> None:
        from chalicelib.store.sqlite import SqliteStore

        # The adapter builds the dropped indexes again. No ANALYZE: the adapter never runs it,
        # so the planner sees what it sees in production (no statistics).
        self.store = SqliteStore(self.path)


class MongoWriter:
    def __init__(self, uri: str, db_name: str) -> None:
        from chalicelib.store.mongo import MongoStore

        self.store = MongoStore.from_uri(uri, db_name)   # creates the indexes of schema.py
        self.db = self.store.db

    def prepare(self) -> None:
        pass

    def write(self, name: str, docs: list[dict]) -> None:
        bodies = []
        for d in docs:
            body = dict(d)
            body["_id"] = body.pop("id")
            bodies.append(body)
        self.db[name].insert_many(bodies, ordered=False)

    def counters(self, values: dict[str, int]) -> None:
        from pymongo import UpdateOne

        self.db["counters"].bulk_write([UpdateOne({"_id": k}, {"$max": {"value": v}}, upsert=True)
                                        for k, v in values.items()], ordered=False)

    def finish(self) -> None:
        pass


# --- documents ----------------------------------------------------------------------

KINDS = ("web",) * 7 + ("worker",) * 2 + ("cron",)
STEP_NAMES = {"web": ["cluster", "network", "log_group", "image", "secrets", "task_definition", "load_balancer",
                      "target_group", "listener_rule", "domain_rule", "service", "rollout", "autoscaling",
                      "certificate"],
              "worker": ["cluster", "network", "log_group", "image", "secrets", "task_definition", "service",
                         "rollout", "autoscaling"],
              "cron": ["cluster", "network", "log_group", "image", "secrets", "task_definition", "schedule"]}
# status of a deployment that is not the newest: mostly releases, some failures
HISTORY = ["live"] * 80 + ["failed"] * 8 + ["rolled_back"] * 3 + ["superseded"] * 6 + ["cancelled"] * 3
ACCOUNT = "123456789012"


class Generator:
    def __init__(self, args: argparse.Namespace, writer: Any) -> None:
        self.a, self.w = args, writer
        self.c = Clock(args.seed)
        self.rng = self.c.rng
        self.now_ms = int(time.time() * 1000)
        self.start_ms = self.now_ms - args.days * DAY_MS
        self.buf: dict[str, list[dict]] = {}
        self.counts: dict[str, int] = {}
        self.counter_values: dict[str, int] = {}
        from chalicelib.core import security

        self.password_hash = security.hash_password(BENCH_PASSWORD)
        self.sample: dict[str, Any] = {}

    def put(self, name: str, doc: dict) -> None:
        batch = self.buf.setdefault(name, [])
        batch.append(doc)
        if len(batch) >= self.a.batch:
            self.flush(name)

    def flush(self, name: str | None = None) -> None:
        for n in ([name] if name else list(self.buf)):
            docs = self.buf.get(n) or []
            if docs:
                self.w.write(n, docs)
                self.counts[n] = self.counts.get(n, 0) + len(docs)
                self.buf[n] = []
        if name is None and self.counter_values:
            self.w.counters(self.counter_values)
            self.counter_values = {}

    def audit(self, org: str, actor: dict, action: str, ttype: str, tid: str, ms: int, details: dict) -> None:
        self.put("audit_events", {"id": self.c.id("aud", ms), "org_id": org, "actor": actor["email"],
                                  "actor_id": actor["id"], "action": action, "target_type": ttype,
                                  "target_id": tid, "source_ip": "10.0.%d.%d" % (self.rng.randrange(256),
                                                                                self.rng.randrange(1, 255)),
                                  "created": self.c.iso(ms), "details": details})

    def orgs(self) -> Iterator[int]:
        a = self.a
        per_org, rem = divmod(a.services, a.orgs)
        for i in range(a.orgs):
            n_services = per_org + (1 if i < rem else 0)
            self.org(i, n_services)
            yield n_services

    def org(self, i: int, n_services: int) -> None:
        c, rng = self.c, self.rng
        t = self.start_ms + rng.randrange(DAY_MS * 30)
        org = {"id": c.id("org", t), "name": f"Org {i:05d}", "created": c.iso(t), "owners": 1}
        self.put("organizations", org)
        users = []
        for j, role in enumerate(("owner", "admin", "developer")):
            ut = t + j * 3_600_000
            user = {"id": c.id("usr", ut), "email": f"{role}-{i:05d}@scale.example.com",
                    "name": f"{role} {i}", "password_hash": self.password_hash, "created": c.iso(ut)}
            users.append(user)
            self.put("users", user)
            self.put("memberships", {"id": c.id("mem", ut), "org_id": org["id"], "user_id": user["id"],
                                     "role": role, "created": c.iso(ut)})
            self.audit(org["id"], user, "user.signup" if j == 0 else "member.join", "user", user["id"], ut, {})
            digest = "%064x" % rng.getrandbits(256)  # SHA-256 of a token nobody holds
            self.put("tokens", {"id": c.id("tok", ut + 60_000), "user_id": user["id"],
                                "org_id": org["id"] if j else None, "name": f"ci-{j}", "token_hash": digest,
                                "prefix": "lb_" + digest[:7], "created": c.iso(ut + 60_000), "last_used": None})
        owner = users[0]
        pt = t + 4 * 3_600_000
        project = {"id": c.id("prj", pt), "org_id": org["id"], "name": "main", "description": "scale data",
                   "created": c.iso(pt), "updated": c.iso(pt)}
        self.put("projects", project)
        self.audit(org["id"], owner, "project.create", "project", project["id"], pt, {"name": "main"})
        env = {"id": c.id("env", pt), "org_id": org["id"], "project_id": project["id"], "name": "production",
               "domain_suffix": None, "env": {"LOG_LEVEL": "info"}, "created": c.iso(pt), "updated": c.iso(pt)}
        self.put("environments", env)
        per_svc, rem = divmod(self.a.deployments, self.a.services)
        services = []
        for s in range(n_services):
            st = pt + (s + 1) * 600_000
            svc = self.service(org, project, env, s, st)
            self.audit(org["id"], owner, "service.create", "service", svc["id"], st, {"name": svc["name"]})
            n_deps = per_svc + (1 if (i * n_services + s) < rem else 0)
            self.deployments(svc, users, st, n_deps)
            self.put("services", svc)
            services.append(svc)
        if i == self.a.orgs // 2:   # a typical organization for the endpoint bench
            self.sample = {"org": org["id"], "project": project["id"], "environment": env["id"],
                           "owner_email": owner["email"], "services": [s["id"] for s in services]}

    def service(self, org: dict, project: dict, env: dict, s: int, st: int) -> dict:
        kind = KINDS[s % len(KINDS)]
        name = f"{kind}-{s:02d}"
        svc: dict[str, Any] = {"port": None, "command": None, "cpu": 256, "memory": 512,
                               "env": {"APP_ENV": "production", "WORKERS": "4"}, "build_env": {},
                               "health_check": None, "min_instances": 1, "max_instances": 1, "schedule": None,
                               "domain": None, "deregistration_delay": 30, "autoscaling": None,
                               "kind": kind, "name": name, "image": f"ghcr.io/org{org['name'][-5:]}/{name}:1"}
        if kind == "web":
            svc.update(port=8080, max_instances=4, health_check={
                "path": "/healthz", "interval_seconds": 30, "timeout_seconds": 5, "healthy_threshold": 3,
                "unhealthy_threshold": 3, "grace_period_seconds": 60})
        elif kind == "worker":
            svc["command"] = ["celery", "-A", "app", "worker"]
        else:
            svc["schedule"] = "0 3 * * *"
        svc.update({"id": self.c.id("svc", st), "org_id": org["id"], "project_id": project["id"],
                    "environment_id": env["id"], "environment": env["name"], "status": "live",
                    "live_deployment_id": None, "live_config_hash": None, "created": self.c.iso(st),
                    "updated": self.c.iso(st), "config_hash": "%016x" % self.rng.getrandbits(64)})
        return svc

    def steps(self, dep: dict, status: str, t: int) -> list[dict]:
        names = STEP_NAMES[dep["kind"]]
        if status in ("superseded", "cancelled") and self.rng.random() < 0.7:
            return []   # never started
        upto = len(names) if status in ("live", "rolled_back") else self.rng.randrange(1, len(names))
        out, c, svc = [], self.c, dep["service_name"]
        for k, name in enumerate(names[:upto]):
            ms = round(self.rng.uniform(20, 900) if name != "rollout" else self.rng.uniform(20_000, 90_000), 1)
            arn = f"arn:aws:ecs:us-east-1:{ACCOUNT}:{name.replace('_', '-')}/{svc}-{dep['number']}"
            entry = {"name": name, "status": "done", "started": c.iso(t), "started_ts": t / 1000, "attempts": 1,
                     "plan": {"resource": name.replace("_", " "), "action": "no-op" if k < 3 else "update",
                              "changes": [] if k < 3 else ["image"]},
                     "finished": c.iso(t + int(ms)), "result": {"arn": arn}, "ms": ms}
            out.append(entry)
            t += int(ms) + 50
        if status == "failed" and out:
            out[-1].update(status="failed", error=f"{out[-1]['name']} failed: health checks failed")
            out[-1].pop("result", None)
        return out

    def deployments(self, svc: dict, users: list[dict], st: int, n: int) -> None:
        rng, c = self.rng, self.c
        span = max(1, (self.now_ms - st - 3_600_000) // max(1, n))
        t = st
        live_id, live_number = None, None
        for number in range(1, n + 1):
            t += rng.randrange(span // 2 + 1, span + 2)
            status = "live" if number == n else rng.choice(HISTORY)
            actor = users[rng.randrange(3)]
            image = f"{svc['image'].rsplit(':', 1)[0]}:{number}"
            dep: dict[str, Any] = {
                "id": c.id("dep", t), "org_id": svc["org_id"], "project_id": svc["project_id"], "service_id": svc["id"],
                "environment_id": svc["environment_id"], "environment": svc["environment"],
                "service_name": svc["name"], "kind": svc["kind"], "number": number, "image": image,
                "spec": {k: svc.get(k) for k in ("kind", "name", "port", "command", "cpu", "memory", "env",
                                                   "health_check", "min_instances", "max_instances", "schedule",
                                                   "domain", "deregistration_delay", "autoscaling")} | {"image": image},
                "secret_refs": None, "rollback_of": None, "rollback_of_number": None,
                "config_hash": svc["config_hash"], "status": status, "reason": "", "steps": [],
                "actor": actor["email"], "error": None, "created": c.iso(t), "updated": c.iso(t),
                "deadline": None, "lease_owner": None, "lease_expires": None, "enqueued": 1}
            dep["steps"] = self.steps(dep, status, t + 500)
            end = t + 500 + sum(int(s["ms"]) + 50 for s in dep["steps"])
            dep["updated"] = dep["finished"] = c.iso(end)
            if dep["steps"]:
                dep["lease_owner"] = "worker@%d" % rng.randrange(4)
                dep["secret_refs"] = {"DATABASE_URL": {"scope_id": svc["environment_id"], "version": 1 + number // 20}}
                dep["task_definition"] = f"arn:aws:ecs:us-east-1:{ACCOUNT}:task-definition/{svc['name']}:{number}"
            dep["reason"] = {"live": "serving", "failed": "health checks failed",
                             "rolled_back": f"rolled back to deployment #{live_number or 1}",
                             "superseded": f"superseded by deployment #{number + 1}",
                             "cancelled": f"cancelled by {actor['email']}"}[status]
            if status == "failed":
                dep["error"] = "target group health checks failed"
            if status == "rolled_back":
                dep["rollback_to"], dep["rollback_to_number"] = live_id, live_number
            if status == "live":
                live_id, live_number = dep["id"], number
            self.put("deployments", dep)
            self.audit(svc["org_id"], actor, "deployment.create", "deployment", dep["id"], t,
                       {"number": number, "image": image, "rollback_of": None})
            if number == n or rng.random() < self.a.log_sample:
                self.log_lines(dep, t)
        self.counter_values[f"deploy:{svc['id']}"] = n
        svc["live_deployment_id"], svc["live_config_hash"] = live_id, svc["config_hash"]
        svc["updated"] = c.iso(t)

    def log_lines(self, dep: dict, t: int) -> None:
        seq = 0
        for step in dep["steps"]:
            for ms, message in ((step["started"], f"{step['name']}: started"),
                                (step["finished"], f"{step['name']}: done in {step['ms']:.0f} ms; "
                                                   f"{step['plan']['action']} {step['plan']['resource']}")):
                seq += 1
                self.put("log_lines", {"id": self.c.id("log", t + seq), "org_id": dep["org_id"],
                                       "deployment_id": dep["id"], "service_id": dep["service_id"],
                                       "project_id": dep["project_id"], "seq": seq, "ts": ms, "created": ms,
                                       "level": "info", "step": step["name"], "message": message})
        if seq:
            self.counter_values[f"log:{dep['id']}"] = seq


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data-dir", default=os.environ.get("LAUNCHBAY_DATA_DIR"),
                   help="SQLite store's data dir (default $LAUNCHBAY_DATA_DIR); ignored with MONGODB_URI")
    p.add_argument("--orgs", type=int, default=1000)
    p.add_argument("--services", type=int, default=10_000)
    p.add_argument("--deployments", type=int, default=1_000_000)
    p.add_argument("--quick", action="store_true", help="1/20th of the given sizes")
    p.add_argument("--log-sample", type=float, default=0.01,
                   help="share of deployments that get log lines besides each service's newest (default 0.01)")
    p.add_argument("--days", type=int, default=720, help="history spread over this many days (default 720)")
    p.add_argument("--batch", type=int, default=5000, help="documents per write transaction (default 5000)")
    p.add_argument("--seed", type=int, default=9)
    args = p.parse_args(argv)
    if args.quick:
        args.orgs, args.services, args.deployments = (max(1, args.orgs // 20), max(1, args.services // 20),
                                                       max(1, args.deployments // 20))
    if not (0 < args.orgs <= args.services <= args.deployments):
        p.error("need 0 < orgs <= services <= deployments")
    uri = os.environ.get("MONGODB_URI")
    if uri:
        writer: Any = MongoWriter(uri, os.environ.get("LAUNCHBAY_MONGODB_DB", "launchbay"))
        where = "MongoDB %s" % writer.db.name
    else:
        if not args.data_dir:
            p.error("--data-dir (or LAUNCHBAY_DATA_DIR) is required for the SQLite store")
        data_dir = Path(args.data_dir)
        data_dir.mkdir(parents=True, exist_ok=True)
        if (data_dir / "scale.json").exists():
            p.error(f"{data_dir} already holds scale data: use an empty directory")
        writer = SqliteWriter(data_dir)
        where = str(writer.path)
    from tqdm import tqdm

    from chalicelib.store.migrations import migrate

    migrate(writer.store)   # record the start-up migrations as done, as a store the API made would
    print(f"{args.orgs:,} orgs, {args.services:,} services, {args.deployments:,} deployments -> {where}", flush=True)
    t0 = time.monotonic()
    writer.prepare()
    gen = Generator(args, writer)
    with tqdm(total=args.deployments, unit="dep", unit_scale=True, smoothing=0.05) as bar:
        per = args.deployments // args.services
        for n_services in gen.orgs():
            bar.update(n_services * per)
        bar.update(args.deployments - bar.n)
        gen.flush()
    loaded = time.monotonic() - t0
    print(f"documents written in {loaded:.0f} s; building indexes...", flush=True)
    writer.finish()
    total = time.monotonic() - t0
    summary = {"sizes": {k: gen.counts.get(k, 0) for k in sorted(gen.counts)}, "seconds": round(total, 1),
               "password": BENCH_PASSWORD, "sample": gen.sample, "store": "mongodb" if uri else "sqlite",
               "args": {k: getattr(args, k) for k in ("orgs", "services", "deployments", "log_sample", "seed")}}
    if not uri:
        summary["bytes"] = sum(f.stat().st_size for f in Path(args.data_dir).glob("launchbay.db*"))
    if args.data_dir:   # bench/endpoints.py reads the sample organization from here
        Path(args.data_dir).mkdir(parents=True, exist_ok=True)
        (Path(args.data_dir) / "scale.json").write_text(json.dumps(summary, indent=1))
    print(json.dumps(summary["sizes"]), flush=True)
    print(f"done in {total:.0f} s ({loaded:.0f} s writing, {total - loaded:.0f} s indexes)"
          + (f"; {summary['bytes'] / 1e9:.2f} GB" if "bytes" in summary else ""), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
