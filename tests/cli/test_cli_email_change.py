"""Changing the account's e-mail address through the real CLI and API: `account change-email` (the
password from stdin or $LAUNCHBAY_PASSWORD, never an argument; the second factor), `account show`
with the change waiting, `account confirm-email-change` with the link mailed to the new address
(every session ends: the saved one is forgotten, an API token configured instead stays), and
`change-email --cancel`. No worker runs: the e-mails are read from the queue in this process
(tests/support/mailbox.py `outbox`)."""
from __future__ import annotations

import json
import re
import uuid

from tests.cli.conftest import PASSWORD, Cli, http
from tests.support.mailbox import outbox, token_of
from tests.support.totp import Authenticator

CONFIRM_NEW = "Confirm your new e-mail address"
NOTICE_OLD = "A change of your Launchbay e-mail address"


def _address(name: str) -> str:
    return f"{name}-{uuid.uuid4().hex[:8]}@example.com"


def _link(address: str) -> str:
    """The whole link of the newest e-mail to the new address, as copied from it."""
    return outbox(address, CONFIRM_NEW)[-1].link("/confirm-email-change")


def _saved(cli: Cli) -> dict:
    return json.loads(cli.config_file.read_text())


def test_the_address_moves_once_the_link_is_followed_and_every_session_ends(cli, account):
    new = _address("moved")
    asked = cli("account", "change-email", new, "--password-stdin", input=PASSWORD + "\n")
    assert f"A link to confirm {new} is on its way; your address stays {account.email}" in asked.stdout, asked.stdout
    assert "Sandbox: no e-mail leaves this machine" in asked.stdout
    assert "launchbay account confirm-email-change LINK" in asked.stdout
    notice = outbox(account.email, NOTICE_OLD)
    assert len(notice) == 1 and new in notice[0].text

    shown = cli("account", "show").stdout
    assert f"{account.email} (" in shown and f"change of address waiting: to {new}, asked for " in shown, shown
    assert re.search(r"its link works until \d{4}-\d\d-\d\d \d\d:\d\d UTC", shown), shown
    assert f"the e-mail to {new}: pending" in shown and "change-email --cancel" in shown
    pending = cli("account", "show", "--json").json()["pending_email"]
    assert pending["email"] == new and pending["email_status"]["status"] == "pending"

    session = _saved(cli)["token"]
    link = _link(new)
    assert link.startswith(cli.api_url.removesuffix("/v1") + "/confirm-email-change?token=")
    done = cli("account", "confirm-email-change", link)
    assert (f"Your address is now {new}; every session was signed out: run `launchbay login --email {new}`"
            in done.stdout), done.stdout
    assert "The login saved here ended: it is forgotten" in done.stdout
    saved = _saved(cli)
    assert "token" not in saved and saved["org"] == account.org_id           # the rest of the login stays
    assert http(cli.api_url, "GET", "/me", token=session)[0] == 401          # the old session is refused
    gone = cli("account", "show", ok=False)
    assert gone.exit_code == 1 and "not logged in" in gone.stderr

    old = cli("login", "--email", account.email, input=PASSWORD + "\n", ok=False)
    assert old.exit_code == 1 and "401" in old.stderr
    cli("login", "--email", new, input=PASSWORD + "\n")
    me = cli("account", "show", "--json").json()
    assert me["user"]["email"] == new and me["user"]["email_verified"] is True and me["pending_email"] is None
    assert "change of address waiting" not in cli("account", "show").stdout
    assert len(outbox(account.email, "e-mail address was changed")) == 1    # the old address is told

    used = cli("account", "confirm-email-change", token_of(outbox(new, CONFIRM_NEW)[-1], "/confirm-email-change"),
               "--json", ok=False)
    err = json.loads(used.stderr)["error"]
    assert used.exit_code == 1 and used.stdout == "" and err["status"] == 422 and err["field"] == "token"
    assert "token" in _saved(cli)                                            # a refused link forgets nothing


def test_an_api_token_cannot_ask_and_stays_configured_after_the_change(cli, account, tmp_path):
    secret = cli("tokens", "create", "--name", "ci", "--json").json()["token"]
    ci = Cli(cli.api_url, tmp_path / "ci")
    ci("login", "--token", input=secret + "\n")
    new = _address("ci-moved")
    refused = ci("account", "change-email", new, "--password-stdin", input=PASSWORD + "\n", ok=False)
    assert refused.exit_code == 1 and "403" in refused.stderr and "field: authorization" in refused.stderr
    assert "launchbay login --email" in refused.stderr, refused.stderr

    sent = cli("account", "change-email", new, "--json", env={"LAUNCHBAY_PASSWORD": PASSWORD}).json()
    assert sent["status"] == "sent" and sent["email"] == new and sent["expires_in"] == 86400 and "sandbox" in sent

    done = ci("account", "confirm-email-change", "--json",
              env={"LAUNCHBAY_EMAIL_CHANGE_TOKEN": token_of(outbox(new, CONFIRM_NEW)[-1], "/confirm-email-change")})
    got = done.json()
    assert got["status"] == "changed" and got["email"] == new and got["previous_email"] == account.email
    assert got["signed_out_sessions"] >= 1 and got["logged_out"] is False
    assert _saved(ci)["token"] == secret                                      # the API token goes on
    assert ci("account", "show", "--json").json()["user"]["email"] == new


def test_refusals_the_wait_and_cancel(cli, account, tmp_path):
    new = _address("next")
    wrong = cli("account", "change-email", new, "--password-stdin", input="not my password\n", ok=False)
    assert wrong.exit_code == 1 and wrong.stdout == "" and "403" in wrong.stderr and "field: password" in wrong.stderr
    wrong_json = json.loads(cli("account", "change-email", new, "--json", ok=False,
                                env={"LAUNCHBAY_PASSWORD": "not my password"}).stderr)["error"]
    assert wrong_json["status"] == 403 and wrong_json["field"] == "password"
    no_terminal = cli("account", "change-email", new, ok=False, input="")
    assert no_terminal.exit_code == 1 and "--password-stdin" in no_terminal.stderr
    assert "LAUNCHBAY_PASSWORD" in no_terminal.stderr
    argv = cli("account", "change-email", new, "--password", PASSWORD, ok=False)
    assert argv.exit_code == 1 and "never taken as an argument" in argv.stderr
    own = cli("account", "change-email", account.email, "--password-stdin", input=PASSWORD + "\n", ok=False)
    assert own.exit_code == 1 and "422" in own.stderr and "field: email" in own.stderr
    nothing = cli("account", "change-email", "--cancel", ok=False)
    assert nothing.exit_code == 1 and "no change of address is waiting" in nothing.stderr and "404" in nothing.stderr
    assert outbox(new, CONFIRM_NEW) == []

    cli("account", "change-email", new, "--password-stdin", input=PASSWORD + "\n")
    soon = cli("account", "change-email", _address("later"), "--password-stdin", input=PASSWORD + "\n", ok=False)
    assert soon.exit_code == 1 and "429" in soon.stderr and re.search(r"try again in \d+ s", soon.stderr), soon.stderr
    assert "field: email" in soon.stderr

    cancelled = cli("account", "change-email", "--cancel")
    assert f"Cancelled the change of your address to {new}" in cancelled.stdout, cancelled.stdout
    assert "change of address waiting" not in cli("account", "show").stdout
    anyone = Cli(cli.api_url, tmp_path / "no-login")                 # confirming needs no login
    dead = anyone("account", "confirm-email-change", _link(new), ok=False)
    assert dead.exit_code == 1 and "422" in dead.stderr and "field: token" in dead.stderr
    assert "account change-email NEW_ADDRESS" in dead.stderr
    assert cli("account", "show", "--json").json()["user"]["email"] == account.email   # nothing moved
    again = cli("account", "change-email", "--cancel", "--json", ok=False)
    assert json.loads(again.stderr)["error"]["status"] == 404

    both = cli("account", "change-email", new, "--cancel", ok=False)
    assert both.exit_code == 1 and "not both" in both.stderr
    neither = cli("account", "change-email", ok=False)
    assert neither.exit_code == 1 and "NEW_ADDRESS" in neither.stderr
    missing = anyone("account", "confirm-email-change", ok=False, input="")
    assert missing.exit_code == 1 and "LAUNCHBAY_EMAIL_CHANGE_TOKEN" in missing.stderr


def test_with_two_factor_authentication_a_code_is_needed(cli, account):
    session = _saved(cli)["token"]
    status, setup = http(cli.api_url, "POST", "/auth/mfa/setup", {"password": PASSWORD}, token=session)
    assert status == 201, setup
    app = Authenticator(setup["secret"])
    status, done = http(cli.api_url, "POST", "/auth/mfa/confirm", {"code": app.code()}, token=session)
    assert status == 200, done
    new = _address("2fa")

    no_code = cli("account", "change-email", new, "--password-stdin", input=PASSWORD + "\n", ok=False)
    assert no_code.exit_code == 1 and "422" in no_code.stderr and "field: code" in no_code.stderr
    assert "give --code CODE (or --recovery-code)" in no_code.stderr, no_code.stderr
    bad = cli("account", "change-email", new, "--password-stdin", "--code", app.wrong(), input=PASSWORD + "\n",
              ok=False)
    assert bad.exit_code == 1 and "403" in bad.stderr and "field: code" in bad.stderr
    sent = cli("account", "change-email", new, "--password-stdin", "--recovery-code", "--json",
               input=PASSWORD + "\n" + done["recovery_codes"][0] + "\n").json()
    assert sent["status"] == "sent" and sent["email"] == new
