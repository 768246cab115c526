"""The real `launchbay` CLI against the real API, served over HTTP in this process.

`api_url` serves app.app through chalicelib.api.wsgi on a random loopback port (wsgiref, in a
thread) with the `launchbay_env` settings (real Redis, moto sandbox). `cli(...)` runs the typer
app with typer's CliRunner, its config folder in tmp_path, so every command goes through
argument parsing, the HTTP client and the API exactly as a user's would. `cli.in_terminal(...)` runs
it as its own process on a real pseudo-terminal instead, for what only a terminal does: prompts,
typed answers, and passwords that are not echoed."""
from __future__ import annotations

import json
import os
import select
import signal
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from typer.testing import CliRunner

from tests.support.mailbox import outbox, token_of

PASSWORD = "a long password for the cli"


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args):  # the access log would flood the test output
        pass


@pytest.fixture
def api_url(launchbay_env):
    import app as app_module
    from chalicelib.api.wsgi import make_wsgi_app

    server = make_server("127.0.0.1", 0, make_wsgi_app(app_module.app), server_class=WSGIServer, handler_class=_Quiet)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/v1"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


def http(api_url, method, path, body=None, token=None):
    """A plain HTTP call beside the CLI (sign-up has no CLI command; checks that tokens die)."""
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    req = urllib.request.Request(api_url + path, data=None if body is None else json.dumps(body).encode(),
                                 method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            raw = r.read()
            return r.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as e:
        raw = e.read()
        return e.code, json.loads(raw) if raw else None


@dataclass
class Run:
    exit_code: int
    stdout: str
    stderr: str

    def json(self):
        return json.loads(self.stdout)

    def json_lines(self):
        return [json.loads(line) for line in self.stdout.splitlines() if line.strip()]


class Cli:
    def __init__(self, api_url: str, home: Path):
        self.api_url = api_url
        self.home = home
        self.env = {"XDG_CONFIG_HOME": str(home), "LAUNCHBAY_API": api_url, "LAUNCHBAY_TOKEN": None,
                    "LAUNCHBAY_ORG": None, "LAUNCHBAY_PROJECT": None, "LAUNCHBAY_ENV": None, "COLUMNS": "200"}

    @property
    def config_file(self) -> Path:
        return self.home / "launchbay" / "config.json"

    def __call__(self, *args: str, input: str | None = None, ok: bool | None = True, env: dict | None = None) -> Run:
        from cli.main import app

        result = CliRunner().invoke(app, list(args), input=input, env={**self.env, **(env or {})}, prog_name="launchbay")
        if result.exception and not isinstance(result.exception, SystemExit):
            raise result.exception
        run = Run(result.exit_code, result.stdout, result.stderr)
        if ok is True:
            assert run.exit_code == 0, f"launchbay {' '.join(args)} -> {run.exit_code}\n{run.stdout}\n{run.stderr}"
        return run

    def in_terminal(self, *args: str, replies: tuple[tuple[str, str], ...] = (), timeout: float = 90,
                    env: dict | None = None) -> Run:
        """`launchbay ARGS` as its own process on a real pseudo-terminal (its controlling terminal,
        its stdin, stdout and stderr), each prompt answered when its text appears: what a user at
        a terminal sees and types, echo and all. -> Run, with everything the terminal showed in
        stdout (stderr mixed in, as a terminal shows it)."""
        import pty  # Unix only: imported here so that the other CLI tests load anywhere

        given = {**self.env, **(env or {})}
        env = {k: v for k, v in os.environ.items() if k not in given}
        env.update({k: v for k, v in given.items() if v is not None})
        root = str(Path(__file__).resolve().parents[2])
        pid, fd = pty.fork()
        if pid == 0:   # the child: exec at once (this process has threads: the API's server)
            try:
                os.chdir(root)
                os.execve(sys.executable, [sys.executable, "-m", "cli", *args], env)
            finally:
                os._exit(127)
        shown, answered, pending = b"", 0, list(replies)
        deadline = time.monotonic() + timeout
        try:
            while True:
                if time.monotonic() > deadline:
                    os.kill(pid, signal.SIGKILL)
                    raise AssertionError(f"launchbay {' '.join(args)}: no end within {timeout} s; the terminal "
                                         f"showed:\n{shown.decode(errors='replace')}")
                if not select.select([fd], [], [], 0.2)[0]:
                    continue
                try:
                    chunk = os.read(fd, 4096)
                except OSError:   # EIO: the process ended and closed the terminal
                    break
                if not chunk:
                    break
                shown += chunk
                while pending and pending[0][0].encode() in shown[answered:]:
                    answered = shown.index(pending[0][0].encode(), answered) + len(pending[0][0])
                    os.write(fd, pending.pop(0)[1].encode() + b"\n")
        finally:
            _, status = os.waitpid(pid, 0)
            os.close(fd)
        assert not pending, f"never asked {pending[0][0]!r}; the terminal showed:\n{shown.decode(errors='replace')}"
        return Run(os.waitstatus_to_exitcode(status), shown.decode(errors="replace").replace("\r\n", "\n"), "")


@pytest.fixture
def cli(api_url, tmp_path):
    return Cli(api_url, tmp_path / "config")


@dataclass
class Account:
    email: str
    org_id: str
    project_id: str


@pytest.fixture
def account(cli):
    """A signed-up user, logged in with the CLI, with a default project `shop`."""
    email = f"cli-{uuid.uuid4().hex[:8]}@example.com"
    status, body = http(cli.api_url, "POST", "/auth/signup", {"email": email, "password": PASSWORD, "organization": "Acme"})
    assert status == 201, body
    confirm = token_of(outbox(email, "Confirm your e-mail")[-1], "/verify-email")   # as most owners do
    assert http(cli.api_url, "POST", "/auth/verify-email", {"token": confirm})[0] == 200
    cli("login", "--email", email, input=PASSWORD + "\n")
    project = cli("projects", "create", "shop", "--use", "--json").json()
    return Account(email, body["organization"]["id"], project["id"])
