"""E-mail through the real CLI and API: `password forgot` / `password reset` with the token of the
e-mailed link, `invitations resend` and its columns, and e-mail notifications (`notify add --email`,
`notify show`, `notify update`). Messages are read from the sandbox mailbox (one .eml file each in
<LAUNCHBAY_DATA_DIR>/mail/), written once a real Celery worker sent them."""
from __future__ import annotations

import json
import re
import time
import uuid
from urllib.parse import parse_qs, urlparse

from chalicelib.core.ids import iso_from_epoch
from tests.cli.conftest import PASSWORD, http
from tests.support.mailbox import wait_mail
from tests.support.processes import wait_for

NEW_PASSWORD = "another long password for the cli"


def reset_mails(env: dict, to: str, count: int = 1) -> list:
    return wait_mail(env["LAUNCHBAY_DATA_DIR"], to, "Reset your Launchbay password", count=count)


def token_in(mail) -> str:
    return parse_qs(urlparse(mail.link("/reset-password")).query)["token"][0]


def _signup(cli, org="Acme"):
    address = f"cli-{uuid.uuid4().hex[:8]}@example.com"
    status, body = http(cli.api_url, "POST", "/auth/signup", {"email": address, "password": PASSWORD, "organization": org})
    assert status == 201, body
    return address, body


# --- password forgot / reset --------------------------------------------------------------

def test_password_forgot_then_reset_with_the_e_mailed_token(cli, launchbay_env, notify_worker):
    address, body = _signup(cli)
    cli("login", "--email", address, input=PASSWORD + "\n")
    saved = json.loads(cli.config_file.read_text())["token"]
    status, api_token = http(cli.api_url, "POST", "/tokens", {"name": "ci"}, token=body["token"])
    assert status == 201, api_token

    as_json = cli("password", "forgot", address.upper(), "--json").json()
    assert as_json["status"] == "requested" and as_json["expires_in"] == 1800 and "sandbox" in as_json
    [first] = reset_mails(launchbay_env, address)
    asked = cli("password", "forgot", address)                      # a new link replaces the first one
    assert f"If an account uses {address}, a link to choose a new password is on its way" in asked.stdout
    assert "Sandbox: no e-mail leaves this machine" in asked.stdout and "password reset --token" in asked.stdout
    stranger = f"nobody-{uuid.uuid4().hex[:6]}@example.com"
    nobody = cli("password", "forgot", stranger, "--json").json()
    assert re.sub(re.escape(stranger), "X", nobody["message"], flags=re.I) == \
        re.sub(re.escape(address), "X", as_json["message"], flags=re.I)           # no telling who has an account
    assert set(nobody) == set(as_json)
    bad = cli("password", "forgot", "ab", "--json", ok=False)
    assert bad.exit_code == 1 and bad.stdout == "" and json.loads(bad.stderr)["error"]["field"] == "email"

    [second] = [m for m in reset_mails(launchbay_env, address, count=2) if m.path != first.path]
    token = token_in(second)
    replaced = cli("password", "reset", "--token", token_in(first), "--password-stdin", input=NEW_PASSWORD + "\n",
                   ok=False)
    assert replaced.exit_code == 1 and "this link is not valid" in replaced.stderr

    # the API's refusals in its words; nothing changes
    wrong = cli("password", "reset", "--token", "x" * 43, "--password-stdin", input=NEW_PASSWORD + "\n", ok=False)
    assert wrong.exit_code == 1 and "this link is not valid" in wrong.stderr and "field: token" in wrong.stderr
    short = cli("password", "reset", "--token", token, "--password-stdin", input="short\n", ok=False)
    assert short.exit_code == 1 and "field: password" in short.stderr and "10" in short.stderr
    assert http(cli.api_url, "GET", "/me", token=saved)[0] == 200

    done = cli("password", "reset", "--password-stdin", input=NEW_PASSWORD + "\n",
               env={"LAUNCHBAY_RESET_TOKEN": token})
    assert f"Password changed for {address}; 1 API token revoked and" in done.stdout, done.stdout
    assert f"Log in again: launchbay login --email {address}" in done.stdout
    assert NEW_PASSWORD not in done.stdout + done.stderr and token not in done.stdout + done.stderr
    assert http(cli.api_url, "GET", "/me", token=saved)[0] == 401                     # the saved login ended
    assert http(cli.api_url, "GET", "/me", token=api_token["token"])[0] == 401        # the API token too
    stale = cli("orgs", ok=False)
    assert stale.exit_code == 1 and "Log in again: launchbay login" in stale.stderr
    [notice] = wait_mail(launchbay_env["LAUNCHBAY_DATA_DIR"], address, "password was changed")
    assert "with a reset link" in notice.text

    used = cli("password", "reset", "--token", token, "--json", env={"LAUNCHBAY_NEW_PASSWORD": NEW_PASSWORD + "!"},
               ok=False)
    assert used.exit_code == 1 and used.stdout == ""
    err = json.loads(used.stderr)["error"]
    assert err["status"] == 422 and err["field"] == "token" and "ask for a new one" in err["message"]

    assert cli("login", "--email", address, input=PASSWORD + "\n", ok=False).exit_code == 1
    cli("login", "--email", address, input=NEW_PASSWORD + "\n")


def test_password_reset_takes_the_whole_link_and_asks_twice_on_a_terminal(cli, launchbay_env, notify_worker):
    address, _ = _signup(cli)
    cli("password", "forgot", address)
    [mail] = reset_mails(launchbay_env, address)
    link = mail.link("/reset-password")        # the whole link, as copied from the e-mail
    assert link.startswith(cli.api_url.removesuffix("/v1") + "/reset-password?token=")

    # on a real terminal: asked twice, neither echoed
    twice = ("New password: ", NEW_PASSWORD), ("The new password again: ", NEW_PASSWORD + "typo")
    differ = cli.in_terminal("password", "reset", "--token", link, replies=twice)
    assert differ.exit_code == 1 and "the two passwords differ: nothing was changed" in differ.stdout, differ.stdout
    assert NEW_PASSWORD not in differ.stdout

    twice = ("New password: ", NEW_PASSWORD), ("The new password again: ", NEW_PASSWORD)
    done = cli.in_terminal("password", "reset", "--token", link, "--json", replies=twice)   # the token still works
    assert done.exit_code == 0 and NEW_PASSWORD not in done.stdout, done.stdout
    answer = json.loads(done.stdout[done.stdout.index("{"):])
    assert answer["status"] == "changed" and answer["email"] == address and answer["revoked_api_tokens"] == 0
    assert http(cli.api_url, "POST", "/auth/login", {"email": address, "password": NEW_PASSWORD})[0] == 200


def test_password_reset_never_takes_the_password_as_an_argument(cli):
    argv = cli("password", "reset", "--token", "t" * 43, "--password", NEW_PASSWORD, ok=False)
    assert argv.exit_code == 1 and "never taken as an argument" in argv.stderr
    no_terminal = cli("password", "reset", "--token", "t" * 43, ok=False)
    assert no_terminal.exit_code == 1 and "--password-stdin" in no_terminal.stderr
    assert "LAUNCHBAY_NEW_PASSWORD" in no_terminal.stderr
    no_token = cli("password", "reset", "--password-stdin", input=NEW_PASSWORD + "\n", ok=False)
    assert no_token.exit_code == 1 and "LAUNCHBAY_RESET_TOKEN" in no_token.stderr
    nothing = cli("password", "reset", "--token", "t" * 43, "--password-stdin", input="", ok=False)
    assert nothing.exit_code == 1 and "nothing was given" in nothing.stderr


def test_password_forgot_too_often_is_429_with_when_to_try_again(cli, launchbay_env, monkeypatch):
    from chalicelib import wiring

    monkeypatch.setenv("LAUNCHBAY_RESETS_PER_EMAIL", "2")
    wiring.reset()
    address, _ = _signup(cli)
    for _ in range(2):
        cli("password", "forgot", address)
    run = cli("password", "forgot", address, "--json", ok=False)
    assert run.exit_code == 1 and run.stdout == ""
    err = json.loads(run.stderr)["error"]
    assert err["status"] == 429 and err["field"] == "email" and "too many password resets" in err["message"]
    assert isinstance(err["retry_after"], int) and 0 < err["retry_after"] <= 3600
    said = cli("password", "forgot", address, ok=False)
    assert said.exit_code == 1 and re.search(r"\(field: email\) \(try again in \d+ s\) \[429 too_many_requests\]",
                                             said.stderr), said.stderr


# --- invitations ------------------------------------------------------------------------------

def test_invitations_resend_and_its_columns(cli, account, launchbay_env, ports, notify_worker):
    data = launchbay_env["LAUNCHBAY_DATA_DIR"]
    ana = f"ana-{uuid.uuid4().hex[:8]}@example.com"
    inv = cli("members", "invite", ana, "--role", "viewer", "--json").json()
    [mail] = wait_mail(data, ana, "invited you to Acme")
    assert "as viewer" in mail.text and "/signup?email=" in mail.text

    (listed,) = cli("invitations", "--json").json()["items"]
    assert listed["id"] == inv["id"] and listed["sends"] == 1 and listed["last_sent"]
    wait_for(lambda: cli("invitations", "--json").json()["items"][0]["email_status"]["status"] == "sent", 10,
             what="the invitation e-mail marked sent")
    header, row = cli("invitations").stdout.splitlines()[:2]
    assert "LAST SENT" in header and header.split()[-2:] == ["SENDS", "E-MAIL"]
    assert listed["last_sent"] in row and row.split()[-2:] == ["1", "sent"]

    # the last e-mail went out under a minute ago: 429, saying when to try again
    soon = cli("invitations", "resend", ana, ok=False)
    assert soon.exit_code == 1 and "429" in soon.stderr and re.search(r"try again in \d+ s", soon.stderr)
    soon_json = json.loads(cli("invitations", "resend", inv["id"], "--json", ok=False).stderr)["error"]
    assert soon_json["status"] == 429 and soon_json["retry_after"] > 0

    # a minute later (made so in the store): sent again, its 14 days starting over
    ports.store.collection("invitations").update(inv["id"], {"last_sent": iso_from_epoch(time.time() - 120)})
    again = cli("invitations", "resend", ana)
    assert f"Sent the invitation to {ana} again ({inv['id']}, as viewer; 2 e-mails so far)" in again.stdout
    wait_mail(data, ana, "invited you to Acme", count=2)
    ports.store.collection("invitations").update(inv["id"], {"last_sent": iso_from_epoch(time.time() - 120)})
    by_id = cli("invitations", "resend", inv["id"], "--json").json()
    assert by_id["sends"] == 3 and by_id["status"] == "pending" and by_id["expires"] > listed["expires"]
    assert cli("invitations", "--json").json()["items"][0]["sends"] == 3

    missing = cli("invitations", "resend", "inv_nope", "--json", ok=False)
    assert json.loads(missing.stderr)["error"]["field"] == "invitation"
    unknown = cli("invitations", "resend", "nobody@example.com", ok=False)
    assert unknown.exit_code == 1 and "no invitation for 'nobody@example.com'" in unknown.stderr


# --- e-mail notifications ----------------------------------------------------------------------

def test_notify_by_e_mail_add_show_update_and_test(cli, account, launchbay_env, notify_worker):
    other = f"not-a-member-{uuid.uuid4().hex[:6]}@example.com"
    refused = cli("notify", "add", "--email", other, "--json", ok=False)
    err = json.loads(refused.stderr)["error"]
    assert err["status"] == 422 and err["field"] == "emails" and other in err["message"]
    webhook = cli("notify", "add", "https://ci.example.com/x", "--json").json()
    wrong_kind = cli("notify", "update", webhook["id"], "--email", account.email, ok=False)
    assert wrong_kind.exit_code == 1 and "field: emails" in wrong_kind.stderr
    cli("notify", "remove", webhook["id"])
    both = cli("notify", "add", "https://ci.example.com/x", "--email", account.email, ok=False)
    assert both.exit_code == 1 and "not both" in both.stderr
    slack = cli("notify", "add", "--email", account.email, "--slack", ok=False)
    assert slack.exit_code == 1 and "without --slack" in slack.stderr
    neither = cli("notify", "add", ok=False)
    assert neither.exit_code == 1 and "--email ADDRESS" in neither.stderr

    added = cli("notify", "add", "--email", account.email, "--event", "deployment.failed", "--name", "on-call")
    assert f"(email, {account.email})" in added.stdout and "secret" not in added.stdout.lower()
    (sub,) = cli("notify", "list", "--json").json()["items"]
    assert sub["kind"] == "email" and sub["emails"] == [account.email] and sub.get("url") is None
    table = cli("notify").stdout
    assert "TO" in table and account.email in table and "email" in table
    shown = cli("notify", "show", sub["id"]).stdout
    assert account.email in shown and "deployment.failed" in shown and "on-call" in shown
    assert cli("notify", "show", sub["id"], "--json").json()["emails"] == [account.email]

    bad = cli("notify", "update", sub["id"], "--email", other, ok=False)
    assert bad.exit_code == 1 and "field: emails" in bad.stderr
    nothing = cli("notify", "update", sub["id"], ok=False)
    assert nothing.exit_code == 1 and "nothing to change" in nothing.stderr
    changed = cli("notify", "update", sub["id"], "--email", account.email.upper(), "--event", "alert.opened",
                  "--disable", "--json").json()
    assert changed["emails"] and changed["emails"][0].lower() == account.email.lower()
    assert changed["events"] == ["alert.opened"] and changed["enabled"] is False
    said = cli("notify", "update", sub["id"], "--enable", "--name", "pager")
    assert "enabled" in said.stdout and account.email.lower() in said.stdout.lower()

    queued = cli("notify", "test", sub["id"], "--json").json()                       # notify_worker sends it
    [mail] = wait_mail(launchbay_env["LAUNCHBAY_DATA_DIR"], account.email, "Test notification")
    assert "this subscription works" in mail.subject
    done = wait_for(lambda: (items := cli("notify", "deliveries", sub["id"], "--json").json()["items"])
                    and items[0]["status"] == "delivered" and items, 60, what="the e-mail delivery")
    assert done[0]["id"] == queued["id"]
    cli("notify", "remove", sub["id"])


def test_account_notifications_turn_personal_e_mails_on_and_off(cli):
    address, _ = _signup(cli)
    cli("login", "--email", address, input=PASSWORD + "\n")
    shown = cli("account", "notifications").stdout
    assert "on   deploy-failures" in shown and "on   approvals" in shown and f"to: {address}" in shown
    changed = cli("account", "notifications", "--deploy-failures", "off", "--json").json()
    assert changed["deploy_failures"] is False and changed["approvals"] is True
    assert "off  deploy-failures" in cli("account", "notifications").stdout
    refused = cli("account", "notifications", "--approvals", "maybe", ok=False)
    assert refused.exit_code != 0
    assert "--approvals takes on or off" in refused.stderr
