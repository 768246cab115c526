#!/usr/bin/env python3
"""Instructions per request inside one gunicorn sync worker, counted by callgrind: a figure that
does not move with the neighbours, unlike requests/s or CPU time on a shared machine.

    REDIS_URL=redis://127.0.0.1:6379/0 .venv/bin/python bench/instructions.py [--requests 500]

Each server runs under `valgrind --tool=callgrind` with one worker and gunicorn.conf.py (preloaded
app, access log off). After 100 requests of warm-up its counters are zeroed, then --requests
sequential requests are sent, each on a new connection as wrk's are, and the worker's count is
divided by them. Servers: the bare hello-world, Flask's hello-world (bench/load.py), the API's
authenticated `GET /v1/orgs/{org}/projects`, and bench/canned_wsgi.py answering that route's
exact recorded answer (status, headers, body) with and without the API's `Authorization` header
sent: so the API's count splits into gunicorn's own work on what its request and answer carry,
and the API's code. User-space instructions only: system calls (SQLite's locks, say) are not in
it. Needs valgrind (`apt-get install valgrind`); about two minutes. Exit 1 if a server fails.

Every server runs with gunicorn's Python request parser (`--http-parser python`): the C parser
that gunicorn.conf.py takes when installed (gunicorn_h1c) uses an SSE4.2 string instruction
(PCMPESTRI in a mode valgrind 3.19 does not decode: the worker dies of SIGILL under it). To count
the C parser, build gunicorn_h1c once without SSE4.2 (its scalar code: a ceiling of what the SIMD
build costs) into a folder of its own and name it with --scalar-c-parser:

    pip download --no-binary :all: --no-deps gunicorn_h1c==0.6.10 && tar xzf gunicorn_h1c-0.6.10.tar.gz
    sed -i 's/extra_compile_args.append("-msse4.2")/pass/' gunicorn_h1c-0.6.10/setup.py
    .venv/bin/pip install --no-deps --target /tmp/h1c-scalar ./gunicorn_h1c-0.6.10
    .venv/bin/python bench/instructions.py --scalar-c-parser /tmp/h1c-scalar
"""
from __future__ import annotations

import argparse
import glob
import http.client
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Optional, Tuple

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.api_throughput import HOST, Server, bench_env, free_port  # noqa: E402
from bench.load import LIST_ROUTE, api_routes  # noqa: E402

WARM_UP = 100
HOP = {"date", "server", "connection"}   # gunicorn writes these itself


def record_answer(env: Dict[str, str], path_out: Path) -> Tuple[Dict[str, str], str]:
    """Signs up on a normal API server, records the list route's answer -> (auth headers, path)."""
    api = Server("api-setup", "chalicelib.api.wsgi:application", env, 1)
    try:
        api.wait_ready("/v1/openapi.json")
        headers, routes = api_routes(api.port, None)
        path = dict(routes)[LIST_ROUTE]
        conn = http.client.HTTPConnection(HOST, api.port, timeout=30)
        conn.request("GET", path, headers=headers)
        resp = conn.getresponse()
        body = resp.read().decode("utf-8")
        if resp.status != 200:
            raise RuntimeError(f"the list route answered {resp.status}: {body[:200]}")
        answer = {"status": f"{resp.status} {resp.reason}", "body": body,
                  "headers": [[k, v] for k, v in resp.getheaders() if k.lower() not in HOP]}
        path_out.write_text(json.dumps(answer))
        return headers, path
    finally:
        api.stop()


def count(env: Dict[str, str], target: str, path: str, headers: Dict[str, str], requests: int,
          out_dir: Path, scalar_c_parser: Optional[str] = None) -> int:
    """Instructions per request of one gunicorn worker serving `target`, under callgrind."""
    port = free_port()
    run_env = dict(env, LAUNCHBAY_BIND=f"{HOST}:{port}", LAUNCHBAY_WEB_WORKERS="1", LAUNCHBAY_ACCESS_LOG="off",
                   LAUNCHBAY_LOG_LEVEL="warning", LAUNCHBAY_WEB_TIMEOUT="600")
    if scalar_c_parser:   # gunicorn_h1c built without SSE4.2 first on the path
        run_env["PYTHONPATH"] = os.pathsep.join(filter(None, [scalar_c_parser, env.get("PYTHONPATH")]))
        run_env["GUNICORN_CMD_ARGS"] = "--http-parser fast"   # the C parser or an error
    else:                 # valgrind cannot run the installed C parser (above)
        run_env["GUNICORN_CMD_ARGS"] = "--http-parser python"
    log = open(out_dir / "valgrind.log", "a")
    proc = subprocess.Popen(
        ["valgrind", "--tool=callgrind", "--trace-children=yes", f"--callgrind-out-file={out_dir}/cg.%p",
         sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"), target],
        cwd=str(ROOT), env=run_env, stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True)

    def get() -> int:
        conn = http.client.HTTPConnection(HOST, port, timeout=120)
        try:
            conn.request("GET", path, headers=headers)
            resp = conn.getresponse()
            resp.read()
            return resp.status
        finally:
            conn.close()

    try:
        deadline = time.monotonic() + 180   # the master imports the app under valgrind: slow
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"{target} exited under valgrind; its log:")
            try:
                get()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{target} did not answer within 180 s under valgrind") from None
                time.sleep(0.5)
        for _ in range(WARM_UP):
            get()
        workers = subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True, text=True).stdout.split()
        if len(workers) != 1:
            raise RuntimeError(f"expected one worker of {target}, found {workers}")
        subprocess.run(["callgrind_control", "-z", workers[0]], capture_output=True, check=True)
        statuses = {get() for _ in range(requests)}
        if statuses != {200}:
            raise RuntimeError(f"{target} answered {sorted(statuses)}")
        subprocess.run(["callgrind_control", "-d", workers[0]], capture_output=True, check=True)
        return _dumped(out_dir, workers[0]) // requests
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        log.close()


def _dumped(out_dir: Path, pid: str) -> int:
    """The instructions in the worker's dump since its counters were zeroed (`callgrind_control -d`
    writes cg.<pid>.1; its `summary:` or `totals:` line holds the count)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        for name in glob.glob(f"{out_dir}/cg.{pid}.*"):
            for line in Path(name).read_text(errors="replace").splitlines():
                if line.startswith(("summary:", "totals:")):
                    return int(line.split()[1])
        time.sleep(0.2)
    raise RuntimeError(f"no callgrind dump for worker {pid}")


def main(argv: Optional[List[str]] = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--requests", type=int, default=500, help="measured requests per server (default 500)")
    p.add_argument("--scalar-c-parser", metavar="DIR",
                   help="a folder holding gunicorn_h1c built without SSE4.2: count with gunicorn's C parser (see above)")
    args = p.parse_args(argv)
    requests = min(max(args.requests, 50), 5000)
    parser = "gunicorn's Python parser"
    if args.scalar_c_parser:
        if not list(Path(args.scalar_c_parser).glob("gunicorn_h1c/_parser*.so")):
            print(f"no gunicorn_h1c build in {args.scalar_c_parser}", file=sys.stderr)
            return 2
        parser = "gunicorn's C parser, scalar build"
    if not (shutil.which("valgrind") and shutil.which("callgrind_control")):
        print("valgrind not found: apt-get install valgrind", file=sys.stderr)
        return 2
    tmp = Path(tempfile.mkdtemp(prefix="launchbay-instructions-"))
    try:
        env = bench_env(tmp / "data")
        answer = tmp / "answer.json"
        auth, path = record_answer(env, answer)
        env["LAUNCHBAY_CANNED_ANSWER"] = str(answer)
        targets = [("bare WSGI hello-world", "bench.hello_wsgi:application", "/", {}),
                   ("the list route's answer, recorded, no token sent", "bench.canned_wsgi:application", "/", {}),
                   ("the same, with the API's token sent", "bench.canned_wsgi:application", "/", auth),
                   ("Flask hello-world", "bench.load:make_flask_app()", "/", {}),
                   (f"the API, {LIST_ROUTE} (authenticated)", "chalicelib.api.wsgi:application", path, auth)]
        counts = []
        for label, target, url, headers in targets:
            n = count(env, target, url, headers, requests, tmp, args.scalar_c_parser)
            counts.append(n)
            print(f"{n:>10,}  {label}", flush=True)
        bare, canned, canned_auth, flask, api = counts
        print()
        for n, what in ((canned_auth - canned, "gunicorn's work on the API's token"),
                        (canned - bare, "gunicorn's work on the API's answer (its headers, its body)"),
                        (api - canned_auth, "the API's own code"),
                        (flask - bare, "Flask's own code (its hello-world)")):
            print(f"{n:>10,}  {what}")
        print(f"the API per request: {100 * api / flask:.1f} % of Flask's hello-world ({parser})")
        return 0
    except RuntimeError as exc:
        log = tmp / "valgrind.log"
        tail = log.read_text(errors="replace").splitlines()[-20:] if log.exists() else []
        print("\n".join([f"failed: {exc}", *tail]), file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
