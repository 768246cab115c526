#!/usr/bin/env python3
"""Instructions per authenticated `GET /v1/orgs/{org}/projects`, in process: the WSGI callable
called directly with a gunicorn-like environ, no server. Deterministic (callgrind), and several
times quicker than bench/instructions.py (about 35 s), so a change to the API's own code can be measured
before the gunicorn figure confirms it.

    REDIS_URL=redis://127.0.0.1:6379/0 .venv/bin/python bench/inprocess_instructions.py [--requests 500]

Runs itself under `valgrind --tool=callgrind`: after sign-up (outside valgrind) and warm-up, the
counters are zeroed (`callgrind_control -z`), --requests requests served, the counters dumped
(`-d`) and divided by --requests. `--serve N` (used by those runs) only serves
the requests; `--profile` prints cProfile's top functions instead (not deterministic).
"""
from __future__ import annotations

import argparse
import io
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

WARM_UP = 300


def environ(method: str, path: str, headers: Dict[str, str], body: bytes = b"",
            remote: str = "127.0.0.1") -> Dict[str, Any]:
    """What gunicorn's sync worker passes for http.client's request (bench/instructions.py)."""
    env: Dict[str, Any] = {
        "wsgi.errors": sys.stderr, "wsgi.version": (1, 0), "wsgi.multithread": False,
        "wsgi.multiprocess": False, "wsgi.run_once": False, "wsgi.file_wrapper": None,
        "wsgi.input_terminated": True, "SERVER_SOFTWARE": "gunicorn/23.0.0",
        "wsgi.input": io.BytesIO(body), "gunicorn.socket": None, "REQUEST_METHOD": method,
        "QUERY_STRING": "", "RAW_URI": path, "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "127.0.0.1:8000", "HTTP_ACCEPT_ENCODING": "identity",
    }
    for name, value in headers.items():
        env["HTTP_" + name.upper().replace("-", "_")] = value
    if body:
        env["CONTENT_TYPE"] = "application/json"
        env["CONTENT_LENGTH"] = str(len(body))
        env["HTTP_CONTENT_TYPE"] = "application/json"
        env["HTTP_CONTENT_LENGTH"] = str(len(body))
    env.update({"wsgi.url_scheme": "http", "REMOTE_ADDR": remote, "REMOTE_PORT": "50000",
                "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8000", "PATH_INFO": path, "SCRIPT_NAME": ""})
    return env


def call(app: Any, method: str, path: str, headers: Dict[str, str], doc: Any = None,
         remote: str = "127.0.0.1") -> Tuple[int, bytes]:
    seen: List[str] = []
    body = json.dumps(doc).encode() if doc is not None else b""
    out = b"".join(app(environ(method, path, headers, body, remote), lambda status, hdrs, exc=None: seen.append(status)))
    return int(seen[0].split()[0]), out


def setup(state: Path) -> Tuple[str, Dict[str, str]]:
    """Signs up once (the store lives in state/data) -> (path, auth headers)."""
    from chalicelib.api.wsgi import application
    saved = state / "setup.json"
    if saved.exists():
        doc = json.loads(saved.read_text())
        return doc["path"], doc["headers"]
    # sign-ups are limited per address (in Redis): one of 10.x.y.z per run
    remote = "10.%d.%d.%d" % tuple(random.randrange(1, 255) for _ in range(3))
    status, out = call(application, "POST", "/v1/auth/signup",
                       {}, {"email": "inproc-%s@example.com" % uuid.uuid4().hex[:10],
                            "password": "inproc-password-123", "organization": "Load Org"}, remote)
    if status != 201:
        raise RuntimeError(f"sign-up answered {status}: {out[:200]!r}")
    doc = json.loads(out)
    token, org = doc["token"], doc["organization"]["id"]
    headers = {"Authorization": "Bearer " + token}
    status, out = call(application, "POST", f"/v1/orgs/{org}/projects", headers, {"name": "load"})
    if status != 201:
        raise RuntimeError(f"creating a project answered {status}: {out[:200]!r}")
    path = f"/v1/orgs/{org}/projects"
    saved.write_text(json.dumps({"path": path, "headers": headers}))
    return path, headers


def serve(state: Path, n: int, handshake: bool = False) -> None:
    from chalicelib.api.wsgi import application
    path, headers = setup(state)
    application.preload()
    for _ in range(WARM_UP):
        status, _out = call(application, "GET", path, headers)
        if status != 200:
            raise RuntimeError(f"the list route answered {status}: {_out[:200]!r}")
    # one environ per request, made before the count starts: its header keys are new strings each
    # time, as gunicorn's are (their hashes not yet computed)
    envs = [environ("GET", path, headers) for _ in range(n)]
    sr = lambda status, hdrs, exc=None: None  # noqa: E731
    if handshake:   # the driver zeroes callgrind's counters now
        print("ready", flush=True)
        sys.stdin.readline()
    for env in envs:
        application(env, sr)
    if handshake:   # ... and dumps them now
        print("done", flush=True)
        sys.stdin.readline()


def _total(out_file: Path) -> int:
    for line in out_file.read_text(errors="replace").splitlines():
        if line.startswith(("summary:", "totals:")):
            return int(line.split()[1])
    raise RuntimeError(f"no total in {out_file}")


def main(argv: Optional[List[str]] = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--requests", type=int, default=500)
    p.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    p.add_argument("--state", help=argparse.SUPPRESS)
    p.add_argument("--handshake", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--profile", action="store_true")
    args = p.parse_args(argv)
    if args.serve is not None:
        serve(Path(args.state), args.serve, args.handshake)
        return 0
    from bench.api_throughput import bench_env
    tmp = Path(tempfile.mkdtemp(prefix="launchbay-inproc-"))
    try:
        env = bench_env(tmp / "data")
        env.update({"LAUNCHBAY_ACCESS_LOG": "off", "LAUNCHBAY_LOG_LEVEL": "warning"})
        cmd = [sys.executable, __file__, "--state", str(tmp)]
        subprocess.run(cmd + ["--serve", "1"], env=env, check=True)   # sign-up, outside valgrind
        if args.profile:
            subprocess.run([sys.executable, "-m", "cProfile", "-s", "tottime", __file__, "--state", str(tmp),
                            "--serve", str(args.requests)], env=env, check=True)
            return 0
        proc = subprocess.Popen(["valgrind", "--tool=callgrind", f"--callgrind-out-file={tmp}/cg.%p", *cmd,
                                 "--serve", str(args.requests), "--handshake"],
                                env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                text=True)
        try:
            assert proc.stdin is not None and proc.stdout is not None
            if proc.stdout.readline().strip() != "ready":
                raise RuntimeError("the served process failed before its requests")
            subprocess.run(["callgrind_control", "-z", str(proc.pid)], capture_output=True, check=True)
            proc.stdin.write("go\n")
            proc.stdin.flush()
            if proc.stdout.readline().strip() != "done":
                raise RuntimeError("the served process failed during its requests")
            subprocess.run(["callgrind_control", "-d", str(proc.pid)], capture_output=True, check=True)
            dumps = sorted(tmp.glob(f"cg.{proc.pid}.*"))
            if not dumps:
                raise RuntimeError("no callgrind dump")
            total = _total(dumps[0])
            if os.environ.get("KEEP_CALLGRIND"):
                shutil.copy(dumps[0], os.environ["KEEP_CALLGRIND"])
            proc.stdin.write("end\n")
            proc.stdin.flush()
            proc.wait(120)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        print(f"{total // args.requests:,} instructions per request in process")
        return 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
