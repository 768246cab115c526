#!/usr/bin/env python3
"""Instructions per call of the pieces of an authenticated `GET /v1/orgs/{org}/projects`, in
process, counted by callgrind: which piece a change to the request's path should go after.

    REDIS_URL=redis://127.0.0.1:6379/0 .venv/bin/python bench/piece_instructions.py [--calls 2000] [PIECE ...]

Each piece runs in its own process under `valgrind --tool=callgrind` after sign-up and 300
requests of warm-up (bench/inprocess_instructions.py's), --calls times between callgrind's
counters zeroed and dumped; the figure includes the loop's own ~200 instructions per call. Run
with `PYTHONHASHSEED=0` to compare runs. About 30 s per piece. Pieces:
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def pieces(state: Path, calls: int) -> Dict[str, Callable[[], None]]:
    """name -> a loop of `calls` calls of that piece, made after the warm-up."""
    from bench.inprocess_instructions import WARM_UP, call, environ, setup
    from chalicelib.accounts import service as accounts
    from chalicelib.api.wsgi import _new_request_id, application
    from chalicelib.core import security
    from chalicelib.core.context import Actor
    from chalicelib.wiring import get_ports

    path, headers = setup(state)
    application.preload()
    for _ in range(WARM_UP):
        call(application, "GET", path, headers)
    ports, org = get_ports(), path.split("/")[3]
    store, secret = ports.store, ports.settings.jwt_secret
    # the token as a new str each call, as each request's is (its hash not yet computed)
    bearers = ["".join(headers["Authorization"]) for _ in range(calls)]
    claims = security.decode_jwt(bearers[0][7:], secret)
    values = (claims["sid"], org, claims["sub"])
    actor = accounts.authenticate(ports, bearers[0], "127.0.0.1", org)
    projects = store.collection("projects")
    envs = [environ("GET", path, headers) for _ in range(calls)]
    membership = accounts.membership_in(ports, actor, org)

    def request() -> None:
        for env in envs:
            application(env, lambda status, hdrs, exc=None: None)

    def authenticate() -> None:
        for bearer in bearers:
            accounts.authenticate(ports, bearer, "127.0.0.1", org)

    def decode_jwt() -> None:
        for bearer in bearers:
            security.decode_jwt(bearer[7:], secret)

    def session_read() -> None:   # the session and the membership, one statement
        plan = accounts._SESSION_AND_MEMBERSHIP
        for _ in range(calls):
            store.first_of_each(plan, values)

    def actor_object() -> None:
        for _ in range(calls):
            Actor(user_id="usr_x", email="a@example.com", source_ip="127.0.0.1", session_id="ses_x",
                  prefetched=[org, None])

    def authorize() -> None:   # with the membership read with the session, as a request's first check
        for _ in range(calls):
            actor.prefetched = [org, membership]
            accounts.authorize(ports, actor, org, "read")

    def page_read() -> None:
        for _ in range(calls):
            projects.find({"org_id": org}, limit=50, after=None)

    def snapshot() -> None:
        for _ in range(calls):
            with store.snapshot():
                pass

    def request_id() -> None:
        for _ in range(calls):
            _new_request_id()

    return {"request": request, "authenticate": authenticate, "decode_jwt": decode_jwt,
            "session_read": session_read, "actor": actor_object, "authorize": authorize,
            "page_read": page_read, "snapshot": snapshot, "request_id": request_id}


NAMES = ["request", "authenticate", "decode_jwt", "session_read", "actor", "authorize", "page_read",
         "snapshot", "request_id"]
__doc__ += "".join(f"    {n}\n" for n in NAMES)


def _serve(state: Path, piece: str, calls: int) -> None:
    run = pieces(state, calls)[piece]
    print("ready", flush=True)
    sys.stdin.readline()
    run()
    print("done", flush=True)
    sys.stdin.readline()


def _count(tmp: Path, env: Dict[str, str], piece: str, calls: int) -> int:
    from bench.inprocess_instructions import _total

    cmd = [sys.executable, __file__, "--state", str(tmp), "--serve", piece, "--calls", str(calls)]
    proc = subprocess.Popen(["valgrind", "--tool=callgrind", f"--callgrind-out-file={tmp}/cg.%p", *cmd],
                            env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert proc.stdin is not None and proc.stdout is not None
        if proc.stdout.readline().strip() != "ready":
            raise RuntimeError(f"{piece}: the served process failed before its calls")
        subprocess.run(["callgrind_control", "-z", str(proc.pid)], capture_output=True, check=True)
        proc.stdin.write("go\n")
        proc.stdin.flush()
        if proc.stdout.readline().strip() != "done":
            raise RuntimeError(f"{piece}: the served process failed during its calls")
        subprocess.run(["callgrind_control", "-d", str(proc.pid)], capture_output=True, check=True)
        dumps = sorted(tmp.glob(f"cg.{proc.pid}.*"))
        if not dumps:
            raise RuntimeError("no callgrind dump")
        proc.stdin.write("end\n")
        proc.stdin.flush()
        proc.wait(120)
        return _total(dumps[0]) // calls
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def main(argv: Optional[List[str]] = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("pieces", nargs="*", choices=[[]] + NAMES, help="default: all")
    p.add_argument("--calls", type=int, default=2000)
    p.add_argument("--serve", help=argparse.SUPPRESS)
    p.add_argument("--state", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.serve:
        _serve(Path(args.state), args.serve, args.calls)
        return 0
    if not shutil.which("valgrind"):
        print("valgrind is needed (apt-get install valgrind)", file=sys.stderr)
        return 1
    from bench.api_throughput import bench_env
    tmp = Path(tempfile.mkdtemp(prefix="launchbay-pieces-"))
    try:
        env: Dict[str, Any] = bench_env(tmp / "data")
        env.update({"LAUNCHBAY_ACCESS_LOG": "off", "LAUNCHBAY_LOG_LEVEL": "warning"})
        env.setdefault("PYTHONHASHSEED", os.environ.get("PYTHONHASHSEED", "0"))
        # sign-up once, outside valgrind
        subprocess.run([sys.executable, str(ROOT / "bench" / "inprocess_instructions.py"), "--state", str(tmp),
                        "--serve", "1"], env=env, check=True)
        for piece in args.pieces or NAMES:
            print(f"{_count(tmp, env, piece, args.calls):>9,}  {piece}", flush=True)
        return 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
