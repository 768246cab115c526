"""`launchbay cron run` / `cron runs` through the real CLI, the real API and a real Celery worker
against the moto sandbox (a run there is simulated: its exit code comes from LAUNCHBAY_SANDBOX_FAIL,
and it writes its start and exit lines to CloudWatch Logs)."""
from __future__ import annotations

import pytest

from tests.support.processes import CeleryWorker


@pytest.fixture
def worker(launchbay_env):
    w = CeleryWorker(launchbay_env, ["deploys", "default"]).start()
    yield w
    w.stop()


def _cron(cli, name: str, *extra: str) -> None:
    cli("services", "create", name, "--kind", "cron", "--image", "busybox:1.36", "--schedule", "0 3 * * *",
        "--command", "sh -c 'echo hi'", *extra)


def test_cron_run_wait_shows_the_exit_code_and_log_tail(cli, account, worker):
    _cron(cli, "nightly")
    _cron(cli, "broken", "--var", "LAUNCHBAY_SANDBOX_FAIL=crash")
    cli("services", "create", "web", "--image", "nginx:1.27", "--port", "80")

    # no live release yet: the API refuses, naming the field
    early = cli("cron", "run", "nightly", ok=None)
    assert early.exit_code == 1 and "live release" in early.stderr and "field: service" in early.stderr

    for name in ("nightly", "broken"):
        dep = cli("deploy", name, "--wait", "--timeout", "120", ok=None)
        assert dep.exit_code == 0, worker.output()[-3000:] + dep.stdout + dep.stderr

    ok = cli("cron", "run", "nightly", "--wait", "--timeout", "60", "--interval", "0.2", ok=None)
    assert ok.exit_code == 0, worker.output()[-3000:] + ok.stdout + ok.stderr
    assert "started from busybox:1.36" in ok.stdout and "exited with code 0" in ok.stdout      # its own log lines
    last = ok.stdout.strip().splitlines()[-1]
    assert last.startswith("Run run_") and "nightly succeeded: exit code 0" in last

    bad = cli("cron", "run", "broken", "--wait", "--json", "--timeout", "60", "--interval", "0.2", ok=None)
    assert bad.exit_code == 2, bad.stdout + bad.stderr
    run = bad.json()
    assert run["status"] == "failed" and run["exit_code"] == 1 and run["trigger"] == "manual"
    assert [line["message"] for line in run["logs"]][-1].endswith("exited with code 1 (sandbox: LAUNCHBAY_SANDBOX_FAIL=crash)")
    assert all(line["stream"].endswith(run["task_arn"].rsplit("/", 1)[-1]) for line in run["logs"])

    # without --wait: the run id at once; the history shows it and the others, newest first
    queued = cli("cron", "run", "nightly", "--json").json()
    assert queued["id"].startswith("run_") and queued["status"] in ("starting", "running", "succeeded")
    runs = cli("cron", "runs", "nightly", "--json").json()["items"]
    assert runs[0]["id"] == queued["id"] and runs[1]["id"] == ok.stdout.split("Run ", 1)[1].split()[0]
    assert runs[1]["status"] == "succeeded" and runs[1]["exit_code"] == 0
    table = cli("cron", "runs", "broken").stdout
    assert run["id"] in table and "failed" in table and "manual" in table
    row = next(line for line in table.splitlines() if run["id"] in line)
    assert "(its own command)" in row and (run.get("reason") or "exited with code 1") in row

    # a web service is not a cron job: `launchbay run` runs a command on it
    web = cli("cron", "run", "web", "--json", ok=None)
    assert web.exit_code == 1 and web.stdout == ""
    assert "not a cron job" in web.stderr and "launchbay run web -- COMMAND" in web.stderr
    # usage: the service is required (exit 1, the CLI's usage code: 2 means the run failed)
    assert cli("cron", "run", ok=None).exit_code == 1
