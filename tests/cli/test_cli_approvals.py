"""`launchbay envs update --require-approval`, `approvals`, `approve --wait` and `reject` through the
real CLI, the real API and a real Celery worker against the moto sandbox."""
from __future__ import annotations

import pytest

from tests.support.processes import CeleryWorker


@pytest.fixture
def worker(launchbay_env):
    w = CeleryWorker(launchbay_env, ["deploys", "default"]).start()
    yield w
    w.stop()


def test_a_protected_environment_end_to_end(cli, account, worker):
    assert cli("envs", "update", "production", "--require-approval").stdout.strip() == \
        "production: deploys need approval"
    assert "approval" in cli("envs").stdout
    none = cli("envs", "update", "production", ok=None)
    assert none.exit_code == 1 and "say what to change" in none.stderr   # a usage error (the CLI maps it to 1)
    cli("services", "create", "web", "--image", "nginx:1.27", "--port", "80")

    asked = cli("deploy", "web")
    dep_id = asked.stdout.split("(")[1].split(")")[0]
    assert f"waits for approval by an admin or owner: launchbay approve {dep_id}" in asked.stdout
    assert "is awaiting approval. Follow it" in asked.stdout
    listed = cli("approvals").stdout
    assert dep_id in listed and "web" in listed and account.email in listed

    done = cli("approve", dep_id, "--wait", "--timeout", "120", ok=None)
    assert done.exit_code == 0, worker.output()[-3000:] + done.stdout + done.stderr
    assert "Approved: deploying web, deployment #1" in done.stdout and "is live" in done.stdout
    assert "no deploy is waiting for approval" in cli("approvals").stdout

    second = cli("deploy", "web", "--image", "nginx:1.28", "--json").json()
    no = cli("reject", second["id"], "--reason", "not during the sale")
    assert no.stdout.strip() == (f"Deployment #2 of web ({second['id']}): cancelled, rejected by {account.email}: "
                                 "not during the sale")
    again = cli("approve", second["id"], ok=None)
    assert again.exit_code == 1 and "is cancelled: only a deploy waiting for approval" in again.stderr
    assert cli("envs", "update", "production", "--no-require-approval").stdout.strip() == \
        "production: deploys need no approval"
