"""`launchbay promote` through the real CLI, the real API and a real Celery worker against the moto
sandbox: the plan, then the promotion followed to live, then a second run with nothing to do."""
from __future__ import annotations

import pytest

from tests.support.processes import CeleryWorker


@pytest.fixture
def worker(launchbay_env):
    w = CeleryWorker(launchbay_env, ["deploys", "default"]).start()
    yield w
    w.stop()


def test_promote_staging_to_production(cli, account, worker):
    cli("envs", "create", "staging")
    cli("services", "create", "web", "--image", "nginx:1.27", "--port", "80")                 # production
    cli("services", "create", "web", "--image", "nginx:1.28", "--port", "80", "--env", "staging")
    cli("services", "create", "jobs", "--kind", "worker", "--image", "busybox:1.36", "--env", "staging")
    for env in ("production", "staging"):
        done = cli("deploy", "web", "--env", env, "--wait", "--timeout", "120", ok=None)
        assert done.exit_code == 0, worker.output()[-3000:] + done.stdout + done.stderr

    plan = cli("promote", "staging", "production", "--plan").stdout
    assert "Promotion plan: staging -> production" in plan
    assert "nginx:1.28" in plan and "nginx:1.27" in plan and "NOW IN PRODUCTION" in plan
    assert "jobs has no live release in staging" in plan
    assert "1 would deploy, 1 skipped" in plan and "Run it: launchbay promote staging production" in plan

    done = cli("promote", "staging", "production", "--wait", "--timeout", "120", ok=None)
    assert done.exit_code == 0, worker.output()[-3000:] + done.stdout + done.stderr
    assert "Promoted: staging -> production" in done.stdout and "Deploying web to production" in done.stdout
    assert "is live" in done.stdout
    status = cli("status", "web", "--env", "production", "--json").json()
    assert "nginx:1.28" in str(status), status

    again = cli("promote", "staging", "production", "--service", "web", "--json").json()
    assert again["summary"] == {"deploy": 0, "skip": 1, "approval": 0}
    assert again["services"][0]["reason"].startswith("production already runs this image")
    unknown = cli("promote", "staging", "qa", ok=None)
    assert unknown.exit_code != 0 and "qa" in unknown.stderr

    # staging promotes by itself from now on: a deploy there goes on to production
    assert cli("envs", "update", "staging", "--promote-to", "production").stdout.strip() == \
        "staging: new live releases are promoted to production"
    assert "PROMOTES TO" in cli("envs").stdout
    done = cli("deploy", "web", "--env", "staging", "--image", "nginx:1.29", "--wait", "--timeout", "120", ok=None)
    assert done.exit_code == 0, worker.output()[-3000:] + done.stdout + done.stderr
    latest = cli("status", "web", "--env", "production", "--json").json()["latest_deployment"]
    assert latest["image"] == "nginx:1.29" and latest["promoted_from"]["environment"] == "staging", latest
    assert ", promoted from staging #" in cli("status", "web", "--env", "production").stdout
    assert cli("envs", "update", "staging", "--no-promote").stdout.strip() == \
        "staging: new releases are not promoted by themselves"


def test_changes_of_a_deployment(cli, account, worker):
    cli("services", "create", "web", "--image", "nginx:1.27", "--port", "80")
    first = cli("deploy", "web", "--wait", "--timeout", "120", "--json", ok=None)
    assert first.exit_code == 0, worker.output()[-3000:] + first.stdout + first.stderr
    cli("services", "update", "web", "--var", "MODE=fast", "--cpu", "512", "--memory", "1024")
    second = cli("deploy", "web", "--image", "nginx:1.28", "--wait", "--timeout", "120", "--json", ok=None)
    assert second.exit_code == 0, worker.output()[-3000:] + second.stdout + second.stderr
    dep, base = second.json(), first.json()
    assert "Changes: image nginx:1.27 -> nginx:1.28; cpu 256 -> 512; memory 512 -> 1024; variables added: MODE" \
        in second.stderr, second.stderr
    out = cli("changes", dep["id"]).stdout
    assert f"Deployment #{dep['number']} ({dep['id']}) against #{base['number']}" in out
    assert "image nginx:1.27 -> nginx:1.28" in out and "cpu 256 -> 512" in out and "variables added: MODE" in out
    assert "fast" not in out
    same = cli("changes", dep["id"], "--against", dep["id"], "--json").json()
    assert same["unchanged"] is True


def test_changes_list_the_commits_a_release_brings(cli, account, ports):
    """As hooks/commits.py keeps them once GitHub answered (tests/hooks/test_github_statuses.py fetches them)."""
    cli("services", "create", "web", "--image", "nginx:1.27", "--port", "80")
    deps = ports.store.collection("deployments")
    first = cli("deploy", "web", "--json").json()
    second = cli("deploy", "web", "--image", "nginx:1.28", "--json").json()
    old, new = "a" * 40, "c" * 40
    deps.update(first["id"], {"commit": {"sha": old, "message": "", "author": ""}})
    deps.update(second["id"], {"commit": {"sha": new, "message": "", "author": ""}, "base_release_id": first["id"],
                               "commits": {"base": old, "head": new, "total": 3, "error": None, "items": [
                                   {"sha": new, "message": "Fix the checkout", "author": "octocat", "url": None},
                                   {"sha": "b" * 40, "message": "Add the cart", "author": "", "url": None}]}})
    out = cli("changes", second["id"]).stdout
    assert "  3 commits:\n    ccccccc Fix the checkout (octocat)\n    bbbbbbb Add the cart\n    and 1 older" in out, out


def test_freeze_and_unfreeze(cli, account, worker):
    cli("services", "create", "web", "--image", "nginx:1.27", "--port", "80")
    frozen = cli("envs", "freeze", "production", "--reason", "Black Friday", "--until", "2099-11-30T08:00:00Z")
    assert frozen.stdout.strip() == "production: frozen until 2099-11-30T08:00:00.000000Z: Black Friday"
    assert "frozen" in cli("envs").stdout
    refused = cli("deploy", "web", ok=None)
    assert refused.exit_code == 1 and "the production environment is frozen until" in refused.stderr, refused.stderr
    bad = cli("envs", "freeze", "production", "--reason", "x", "--until", "tomorrow", ok=None)
    assert bad.exit_code == 1 and "until" in bad.stderr
    assert cli("envs", "unfreeze", "production").stdout.strip() == "production: deploys are no longer frozen"
    done = cli("deploy", "web", "--wait", "--timeout", "120", ok=None)
    assert done.exit_code == 0, worker.output()[-3000:] + done.stdout + done.stderr


def test_recurring_freeze_windows(cli, account):
    import time

    hour = time.gmtime().tm_hour
    cli("services", "create", "web", "--image", "nginx:1.27", "--port", "80")
    assert "production has no freeze windows" in cli("envs", "windows", "production").stdout
    added = cli("envs", "windows", "production", "--start", "0 0 1 1 *", "--end", "0 2 1 1 *",   # new year's night
                "--timezone", "Europe/Berlin", "--reason", "new year").stdout
    assert "0 0 1 1 *" in added and "Europe/Berlin" in added and "new year" in added
    assert "production: next freeze " in added and "T23:00:00.000000Z until " in added, added
    bad = cli("envs", "windows", "production", "--start", "0 18 * *", "--end", "0 8 * * 1", "--reason", "x", ok=None)
    assert bad.exit_code == 1 and "freeze_windows" in bad.stderr and "cron" in bad.stderr, bad.stderr
    half = cli("envs", "windows", "production", "--start", "0 18 * * 5", ok=None)
    assert half.exit_code != 0 and "--end" in half.stderr
    now_open = cli("envs", "windows", "production", "--start", f"0 {(hour - 1) % 24} * * *",
                   "--end", f"0 {(hour + 1) % 24} * * *", "--reason", "month-end close").stdout
    assert "production: frozen until" in now_open and "month-end close (a recurring freeze window)" in now_open
    assert "frozen" in cli("envs").stdout
    refused = cli("deploy", "web", ok=None)
    assert refused.exit_code == 1 and "a recurring freeze" in refused.stderr, refused.stderr
    lifted = cli("envs", "unfreeze", "production").stdout
    assert lifted.startswith("production: deploys are no longer frozen; next freeze "), lifted
    assert cli("deploy", "web", "--json").json()["status"] == "queued"
    assert "new year" not in cli("envs", "windows", "production", "--remove", "1").stdout
    assert "production has no freeze windows" in cli("envs", "windows", "production", "--clear").stdout


def test_sleep_windows(cli, account):
    cli("envs", "create", "staging")
    assert "staging has no sleep windows" in cli("envs", "sleep", "staging").stdout
    added = cli("envs", "sleep", "staging", "--start", "0 0 1 1 *", "--end", "0 2 1 1 *",
                "--timezone", "Europe/Berlin").stdout
    assert "0 0 1 1 *" in added and "outside working hours" in added and "staging: sleeps next " in added, added
    bad = cli("envs", "sleep", "staging", "--start", "0 25 * * *", "--end", "0 7 * * *", ok=None)
    assert bad.exit_code == 1 and "sleep_windows.1.start" in bad.stderr, bad.stderr
    assert cli("envs", "wake", "staging").stdout.strip() == "nothing sleeps in staging"
    assert "staging has no sleep windows" in cli("envs", "sleep", "staging", "--clear").stdout
