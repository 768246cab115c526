"""`launchbay hooks` and `launchbay cost` through the real CLI and API: the webhook made and
rotated by the CLI receives a GitHub-signed delivery over HTTP, which a real worker processes;
cost estimates as tables whose figures are the API's."""
from __future__ import annotations

import hashlib
import hmac
import json
import urllib.request
import uuid
from pathlib import Path

from tests.support.processes import CeleryWorker, wait_for

PUSH = Path(__file__).parents[1] / "hooks" / "fixtures" / "push.json"


def _deliver(url: str, secret: str, event: str, raw: bytes) -> int:
    """POST like GitHub: the raw body signed with HMAC-SHA256 of the hook's secret."""
    sig = "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
    req = urllib.request.Request(url, data=raw, method="POST", headers={
        "Content-Type": "application/json", "X-GitHub-Event": event, "X-GitHub-Delivery": str(uuid.uuid4()),
        "X-Hub-Signature-256": sig})
    with urllib.request.urlopen(req, timeout=30) as resp:  # nosec B310: the test's own loopback server
        return resp.status


def _printed(stdout: str, label: str) -> str:
    return next(line.split(None, 2)[-1] for line in stdout.splitlines() if line.startswith(label))


def test_hooks_github_prints_url_secret_and_steps_then_show_lists_deliveries(cli, account, launchbay_env):
    missing = cli("hooks", "show")
    assert "No GitHub webhook yet: `launchbay hooks github` makes one" in missing.stdout
    assert cli("hooks", "show", "--json").json()["configured"] is False

    made = cli("hooks", "github")
    url, secret = _printed(made.stdout, "payload URL"), _printed(made.stdout, "secret")
    assert url == f"{cli.api_url.removesuffix('/v1')}/v1/hooks/github/{account.project_id}"
    assert len(secret) >= 40 and "shown this once" in made.stdout
    assert "Settings → Webhooks → Add webhook" in made.stdout and "Pushes and Pull requests" in made.stdout
    shown = cli("hooks", "show")
    assert secret not in shown.stdout and "no deliveries yet" in shown.stdout and "push" in shown.stdout
    assert _printed(shown.stdout, "url") == url                            # to set GitHub up again later

    rotated = cli("hooks", "github", "--json").json()
    assert rotated["rotated"] is True and rotated["url"] == url and rotated["secret"] != secret
    assert "update it in GitHub" in cli("hooks", "github").stdout
    secret = _printed(cli("hooks", "github").stdout, "secret")        # the latest rotation is the one that works

    worker = CeleryWorker(launchbay_env, ["deploys", "default"], name="hooks").start()
    try:
        assert _deliver(url, secret, "ping", b'{"zen": "Keep it logically awesome."}') == 200
        assert _deliver(url, secret, "push", PUSH.read_bytes()) == 202
        done = wait_for(lambda: (d := cli("hooks", "show", "--json").json()["deliveries"]) and d[0]["status"] == "done"
                        and d, 60, what="the delivery to be processed")
    finally:
        worker.stop()
    assert done[0]["event"] == "push" and "no environment tracks branch 'master'" in done[0]["result"]["skipped"]
    table = cli("hooks", "show").stdout
    assert "RECEIVED" in table and "skipped: no environment tracks branch 'master'" in table
    assert secret not in table and secret not in json.dumps(cli("hooks", "show", "--json").json())


def test_cost_of_a_service_and_of_the_project(cli, account):
    cli("services", "create", "web", "--image", "nginx:1.27", "--port", "80", "--min", "1", "--max", "3")
    cli("services", "create", "jobs", "--kind", "worker", "--image", "busybox", "--cpu", "512", "--memory", "1024")
    cli("resources", "create", "db", "--kind", "postgres")

    est = cli("cost", "web", "--json").json()
    assert est["name"] == "web" and est["monthly_max"] > est["monthly_min"] > 0 and est["lines"]
    human = cli("cost", "web").stdout
    assert f"web (web, production, {est['region']}): ${est['monthly_min']:,.2f}–${est['monthly_max']:,.2f} a month" in human
    first = est["lines"][0]
    assert first["item"] in human and f"${first['monthly']:,.2f}–${first['monthly_max']:,.2f}" in human
    assert all(note in human for note in est["assumptions"])

    whole = cli("cost", "--json").json()
    (prod,) = [e for e in whole["environments"] if e["name"] == "production"]
    assert {s["name"] for s in prod["services"]} == {"web", "jobs"} and [r["name"] for r in prod["resources"]] == ["db"]
    table = cli("cost").stdout
    assert f"production ({prod['region']}): ${prod['monthly_min']:,.2f}–${prod['monthly_max']:,.2f} a month" in table
    db_line = next(line for line in table.splitlines() if line.startswith("db "))
    assert "resource" in db_line and "postgres" in db_line and f"${prod['resources'][0]['monthly_min']:,.2f}" in db_line
    assert f"Total: ${whole['monthly_min']:,.2f}–${whole['monthly_max']:,.2f} a month (USD" in table
    unknown = cli("cost", "nope", ok=False)
    assert unknown.exit_code == 1 and "no service 'nope'" in unknown.stderr


def test_github_token_set_show_remove_never_prints_the_token(cli, account):
    token = "github_pat_" + "k7Q" * 28
    assert "No GitHub token" in cli("github-token", "show").stdout
    out = cli("github-token", "set", input=token + "\n")
    assert "Set the GitHub token …" + token[-4:] in out.stdout and "version 1" in out.stdout
    assert token[:-4] not in out.stdout + out.stderr
    shown = cli("github-token", "show", "--json").json()
    assert shown["configured"] is True and shown["hint"] == "…" + token[-4:] and token[:-4] not in str(shown)
    bad = cli("github-token", "set", input="not a token\n", ok=None)
    assert bad.exit_code == 1 and "token" in bad.stderr and "personal access token" in bad.stderr
    assert "Removed the GitHub token" in cli("github-token", "remove").stdout
    assert cli("github-token", "show", "--json").json() == {"provider": "github", "configured": False}
