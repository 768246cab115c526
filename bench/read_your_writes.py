"""Read-your-writes across processes on the embedded SQLite store: a read that starts after a
write committed must see it, in every process.

    .venv/bin/python bench/read_your_writes.py                 # 2000 commits, 2 forked + 1 spawned reader
    .venv/bin/python bench/read_your_writes.py --commits 20000 --burn 2
    .venv/bin/python bench/read_your_writes.py --unguarded     # without the fork guard: stale reads

The shape of the API stack: reader processes forked from a parent that used the store (a
gunicorn master with --preload, a Celery parent) and then lets go of it, a reader started
fresh, and a writer doing what the lifecycle does when a deployment goes live (the
deployment's status and the service's live_deployment_id in one transaction), closing its
connection now and then as a short-lived process (a CLI, a worker that stops) would.
After each commit the writer publishes its number; each reader loops: take the published
number first, then read as GET .../releases does (the service, then the live deployments)
and count an answer older than that number as stale. `--burn N` adds N busy processes.

`--unguarded` empties the store's fork registry (chalicelib/store/sqlite.py _before_fork), so
the forked readers inherit the parent's SQLite state as the store did before this guard:
expect stale reads and "database disk image is malformed". Exit status 1 if any was seen.
"""
from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from chalicelib.store import sqlite as sqlite_store  # noqa: E402
from chalicelib.store.sqlite import SqliteStore  # noqa: E402

SERVICE = "svc_rw"


def dep_id(n: int) -> str:
    return f"dep_rw_{n:07d}"


def seed(store: SqliteStore) -> None:
    store.collection("services").insert({"id": SERVICE, "org_id": "org_rw", "project_id": "p", "name": "web",
                                         "status": "live", "live_deployment_id": dep_id(0), "created": "0"})
    store.collection("deployments").insert({"id": dep_id(0), "org_id": "org_rw", "service_id": SERVICE, "number": 0,
                                            "status": "live", "created": "0"})


def writer(path: str, commits: int, close_every: int, published, stop) -> None:
    store = SqliteStore(path)
    deps, services = store.collection("deployments"), store.collection("services")
    for n in range(1, commits + 1):
        deps.insert({"id": dep_id(n), "org_id": "org_rw", "service_id": SERVICE, "number": n, "status": "deploying",
                     "created": str(n)})
        with store.transaction():   # as lifecycle.move(..., "live") does
            deps.update(dep_id(n), {"status": "live"}, expect={"status": "deploying"})
            services.update(SERVICE, {"live_deployment_id": dep_id(n)})
        published.value = n          # after COMMIT: from now on every read must see n
        if close_every and n % close_every == 0:
            store.close()
    stop.value = 1
    store.close()


def read_releases(store: SqliteStore) -> tuple[int, int]:
    """-> (the service's live number, the newest live deployment's number), as list_releases reads them."""
    service = store.collection("services").get(SERVICE) or {}
    docs, _ = store.collection("deployments").find({"service_id": SERVICE, "status": "live"}, order="-number", limit=5)
    return int(service["live_deployment_id"].rsplit("_", 1)[1]), (docs[0]["number"] if docs else -1)


def reader(store_or_path, published, stop, results, name: str) -> None:
    store = store_or_path if isinstance(store_or_path, SqliteStore) else SqliteStore(store_or_path)
    reads = stale = errors = 0
    worst = 0
    first_error = ""
    while not stop.value:
        floor = published.value                  # committed before this read starts
        try:
            live, newest = read_releases(store)
        except Exception as exc:  # noqa: BLE001  (counted and reported: a broken store is a finding)
            errors += 1
            first_error = first_error or f"{type(exc).__name__}: {exc}"
            time.sleep(0.01)
            continue
        reads += 1
        if live < floor or newest < floor:
            stale += 1
            worst = max(worst, floor - min(live, newest))
    results.put((name, reads, stale, worst, errors, first_error))


def burn(stop) -> None:
    x = 0
    while not stop.value:
        x = (x * 31 + 7) % 1000003


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--commits", type=int, default=2000)
    ap.add_argument("--forked", type=int, default=2, help="readers forked from the parent (default 2)")
    ap.add_argument("--spawned", type=int, default=1, help="readers started fresh (default 1)")
    ap.add_argument("--close-every", type=int, default=50, help="the writer closes its connection every N commits (0: never)")
    ap.add_argument("--burn", type=int, default=0, help="busy processes loading the machine")
    ap.add_argument("--unguarded", action="store_true", help="let the parent's SQLite state cross the fork")
    args = ap.parse_args()

    path = str(Path(tempfile.mkdtemp(prefix="rw-")) / "launchbay.db")
    store = SqliteStore(path)
    seed(store)
    if args.unguarded:
        sqlite_store._STORES.clear()
    fork, spawn = mp.get_context("fork"), mp.get_context("spawn")
    published, stop = spawn.Value("q", 0, lock=False), spawn.Value("b", 0, lock=False)
    results = spawn.Queue()
    procs = [fork.Process(target=reader, args=(store, published, stop, results, f"forked-{i}")) for i in range(args.forked)]
    for p in procs:
        p.start()
    store.close()   # the parent is done with the store (a gunicorn master, a Celery parent)
    procs += [spawn.Process(target=reader, args=(path, published, stop, results, f"spawned-{i}")) for i in range(args.spawned)]
    procs += [fork.Process(target=burn, args=(stop,)) for _ in range(args.burn)]
    for p in procs[args.forked:]:
        p.start()
    time.sleep(1.0)   # the spawned readers import and open the store
    started = time.time()
    w = spawn.Process(target=writer, args=(path, args.commits, args.close_every, published, stop))
    w.start()
    w.join()
    took = time.time() - started
    stop.value = 1
    rows = [results.get(timeout=60) for _ in range(args.forked + args.spawned)]
    for p in procs:
        p.join(30)
    bad = False
    print(f"{args.commits} commits in {took:.1f} s ({'unguarded' if args.unguarded else 'guarded'}, "
          f"writer closes every {args.close_every or 'never'}, {args.burn} burners, {os.cpu_count()} cores)")
    for name, reads, stale, worst, errors, first_error in sorted(rows):
        bad |= bool(stale or errors)
        print(f"  {name:10} {reads:8d} reads  {stale:6d} stale (worst {worst} commits behind)  {errors} errors"
              + (f"  first: {first_error}" if first_error else ""))
    print("STALE READS SEEN" if bad else "every read saw every earlier commit")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
