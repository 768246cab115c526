"""suspend and resume through the real CLI, the real API and a real Celery worker against the
moto sandbox."""
from __future__ import annotations

import pytest

from tests.support.processes import CeleryWorker


@pytest.fixture
def worker(launchbay_env):
    w = CeleryWorker(launchbay_env, ["deploys", "default"]).start()
    yield w
    w.stop()


def test_suspend_asks_first_then_resume_brings_it_back(cli, account, worker):
    cli("services", "create", "web", "--image", "nginx:1.27", "--port", "80")
    early = cli("suspend", "web", "--confirm", ok=None)
    assert early.exit_code == 1 and "no live release to suspend" in early.stderr
    assert cli("deploy", "web", "--wait", "--timeout", "120", ok=None).exit_code == 0
    unasked = cli("suspend", "web", ok=None)          # no terminal to ask on: --confirm is needed
    assert unasked.exit_code != 0 and "add --confirm" in unasked.stderr
    assert cli("status", "web", "--json").json()["service"]["status"] == "live"

    done = cli("suspend", "web", "--confirm", "--wait", "--timeout", "60", ok=None)
    assert done.exit_code == 0, worker.output()[-3000:] + done.stdout + done.stderr
    assert "web is suspended: every task stops. Start it again: launchbay resume web" in done.stdout
    status = cli("status", "web").stdout
    assert "suspended" in status and "nothing runs until `launchbay resume web`" in status
    refused = cli("deploy", "web", ok=None)
    assert refused.exit_code == 1 and "resume it first" in refused.stderr

    back = cli("resume", "web", "--wait", "--timeout", "120", ok=None)
    assert back.exit_code == 0, worker.output()[-3000:] + back.stdout + back.stderr
    assert "Resuming web (release #1): deployment #2" in back.stdout and "resume of release #1" in back.stdout
    assert cli("status", "web", "--json").json()["service"]["status"] == "live"
    assert "nothing runs" not in cli("status", "web").stdout
    again = cli("resume", "web", ok=None)
    assert again.exit_code == 1 and "is not suspended (live)" in again.stderr


def test_maintenance_on_and_off_from_the_cli(cli, account, ports):
    from tests.support.deploying import run_to_end

    cli("services", "create", "web", "--image", "nginx:1.27", "--port", "80")
    assert run_to_end(ports, cli("deploy", "web", "--json").json()["id"])["status"] == "live"
    said = cli("maintenance", "web", "on", "-m", "Back at 14:00").stdout
    assert "web is in maintenance since" in said and '503 "Back at 14:00"' in said
    assert cli("maintenance", "web", "--json").json()["maintenance"]["message"] == "Back at 14:00"
    assert "is not in maintenance" in cli("maintenance", "web", "off").stdout
    bad = cli("maintenance", "web", "soon", ok=None)
    assert bad.exit_code != 0 and "on or off" in bad.stderr
