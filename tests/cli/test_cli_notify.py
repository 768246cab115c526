"""`launchbay notify` against the real API, a real notify worker and a loopback receiver."""
from __future__ import annotations

import pytest

from chalicelib.notify import signing
from tests.notify.receiver import Receiver
from tests.support.processes import CeleryWorker, wait_for


def test_notify_add_test_deliveries_remove(cli, account, launchbay_env):
    worker = CeleryWorker(launchbay_env, ["notify"], name="notify").start()
    try:
        with Receiver() as hook:
            added = cli("notify", "add", hook.url("/cli"), "--event", "deployment.live", "--name", "ci")
            secret = next(line.split(": ", 1)[1] for line in added.stdout.splitlines() if "shown once" in line)
            assert secret.startswith("whsec_")
            (sub,) = cli("notify", "list", "--json").json()["items"]
            assert sub["events"] == ["deployment.live"] and "secret" not in sub
            assert secret not in cli("notify").stdout
            queued = cli("notify", "test", sub["id"], "--json").json()
            (req,) = hook.wait(1)
            signing.verify(secret, req.body, req.headers["launchbay-signature"])
            assert req.headers["launchbay-delivery"] == queued["id"]
            done = wait_for(lambda: (items := cli("notify", "deliveries", sub["id"], "--json").json()["items"])
                            and items[0]["status"] == "delivered" and items, 30, what="the delivery")
            assert done[0]["response_code"] == 200 and done[0]["attempts"] == 1
            assert "delivered" in cli("notify", "deliveries", sub["id"]).stdout
        bad = cli("notify", "add", "http://10.0.0.1/x", ok=False)
        assert bad.exit_code == 1 and "url" in bad.stderr
        cli("notify", "remove", sub["id"])
        assert cli("notify", "list", "--json").json()["items"] == []
    finally:
        worker.stop()


def test_notify_rotate_secret_signs_with_the_new_secret_only(cli, account, launchbay_env):
    worker = CeleryWorker(launchbay_env, ["notify"], name="notify").start()
    try:
        with Receiver() as hook:
            old = cli("notify", "add", hook.url("/rot"), "--json").json()
            rotated = cli("notify", "rotate-secret", old["id"])
            new = next(line.split(": ", 1)[1] for line in rotated.stdout.splitlines() if "shown once" in line)
            assert new.startswith("whsec_") and new != old["secret"]
            assert new not in cli("notify", "list").stdout and new not in cli("notify", "list", "--json").stdout
            cli("notify", "test", old["id"])
            (req,) = hook.wait(1)
            signing.verify(new, req.body, req.headers["launchbay-signature"])       # signed with the new one
            with pytest.raises(signing.InvalidSignature):
                signing.verify(old["secret"], req.body, req.headers["launchbay-signature"])
            again = cli("notify", "rotate-secret", old["id"], "--json").json()
            assert again["id"] == old["id"] and again["secret"] not in (new, old["secret"])
        slack = cli("notify", "add", "https://hooks.slack.com/services/T/B/X", "--slack", "--json").json()
        refused = cli("notify", "rotate-secret", slack["id"], ok=None)
        assert refused.exit_code == 1 and "Slack webhook has no secret" in refused.stderr
        missing = cli("notify", "rotate-secret", "ntf_nope", "--json", ok=None)
        assert missing.exit_code == 1 and missing.stdout == "" and '"status": 404' in missing.stderr
    finally:
        worker.stop()


def test_notify_add_help_names_every_event_the_api_takes():
    from typer.testing import CliRunner

    from chalicelib.notify import events
    from cli.main import app

    out = CliRunner().invoke(app, ["notify", "add", "--help"], terminal_width=400).output
    said = " ".join(out.split())   # rich wraps and frames the help: compare words
    for event in events.EVENTS:
        family, name = event.split(".")
        assert event in said or f".{name}" in said and family == "deployment", event
