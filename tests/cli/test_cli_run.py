"""`launchbay run SERVICE -- COMMAND...`, `launchbay runs` and `--release-command` through the
real CLI, the real API and a real Celery worker against the moto sandbox (runs there are
simulated: they write their start, the command and their exit to CloudWatch Logs)."""
from __future__ import annotations

import pytest

from tests.support.processes import CeleryWorker


@pytest.fixture
def worker(launchbay_env):
    w = CeleryWorker(launchbay_env, ["deploys", "default"]).start()
    yield w
    w.stop()


def test_run_a_one_off_command_and_a_release_command(cli, account, worker):
    made = cli("services", "create", "web", "--image", "nginx:1.27", "--port", "80",
               "--release-command", "python manage.py migrate --noinput", "--json").json()
    assert made["release_command"] == ["python", "manage.py", "migrate", "--noinput"]
    early = cli("run", "web", "--", "echo", "hi", ok=None)
    assert early.exit_code == 1 and "live release" in early.stderr

    dep = cli("deploy", "web", "--wait", "--timeout", "120", ok=None)
    assert dep.exit_code == 0, worker.output()[-3000:] + dep.stdout + dep.stderr
    assert "$ python manage.py migrate --noinput" in dep.stdout            # the release task's log, streamed

    # everything after `--` is the command, its options included
    ok = cli("run", "web", "--wait", "--timeout", "60", "--interval", "0.2", "--",
             "python", "manage.py", "shell", "-c", "print(1)", ok=None)
    assert ok.exit_code == 0, worker.output()[-3000:] + ok.stdout + ok.stderr
    assert "$ python manage.py shell -c print(1)" in ok.stdout and "exited with code 0" in ok.stdout
    assert "web succeeded: exit code 0" in ok.stdout.strip().splitlines()[-1]

    # a web service needs a command: the API's 422 names the field
    bare = cli("run", "web", "--json", ok=None)
    assert bare.exit_code == 1 and '"field": "command"' in bare.stderr
    bare = cli("run", "web", ok=None)                           # in words: how to give one here
    assert bare.exit_code == 1 and "give the command to run after `--`, e.g. launchbay run web -- " in bare.stderr

    # not a terminal: the run id at once, unless --wait
    started = cli("run", "web", "--json", "--", "echo", "hi").json()
    assert started["id"].startswith("run_") and started["command"] == ["echo", "hi"]
    history = cli("runs", "web", "--json").json()["items"]
    assert history[0]["id"] == started["id"] and history[1]["command"] == ["python", "manage.py", "shell", "-c", "print(1)"]
    table = cli("runs", "web").stdout
    assert "COMMAND" in table and "manage.py" in table

    # '' removes the release command
    cleared = cli("services", "update", "web", "--release-command", "", "--json").json()
    assert cleared["release_command"] is None
