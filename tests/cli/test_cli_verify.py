"""Proving an e-mail address through the real CLI and API: `invitations accept` with an invitation
e-mail's token or whole link (another address: 403; a dead link: 422), `login --invitation`,
`account verify-email` with the link mailed at sign-up and `--resend` (429 within a minute, 409 once
confirmed), and `account show`. No worker runs: the e-mails are read from the queue in this process
(tests/support/mailbox.py `outbox`)."""
from __future__ import annotations

import json
import re
import time
import uuid

from chalicelib.core.ids import iso_from_epoch, new_id, now_iso
from tests.cli.conftest import PASSWORD, Cli, http
from tests.support.mailbox import invitation_token, outbox, token_of

CONFIRM = "Confirm your e-mail address"


def _signup(cli, name: str, org: str, invitation: str | None = None) -> tuple[str, dict]:
    """`name`-…@example.com signed up over HTTP (sign-up has no CLI command), its own organization `org`."""
    address = f"{name}-{uuid.uuid4().hex[:8]}@example.com"
    body = {"email": address, "password": PASSWORD, "organization": org}
    if invitation:
        body["invitation"] = invitation
    status, answer = http(cli.api_url, "POST", "/auth/signup", body)
    assert status == 201, answer
    return address, answer


def _as(cli, tmp_path, address: str) -> Cli:
    """The CLI of the person at `address`, logged in (a config folder of their own)."""
    person = Cli(cli.api_url, tmp_path / address.split("@")[0])
    person("login", "--email", address, input=PASSWORD + "\n")
    return person


def _invitation_link(address: str, page: str = "/login") -> str:
    """The whole link of the newest invitation e-mailed to `address`, as copied from the e-mail."""
    return outbox(address, "invited you")[-1].link(page)


def _other_org(cli, name: str) -> tuple[str, dict]:
    """Another organization `name` and its owner's sign-up answer (to invite from it over HTTP)."""
    return _signup(cli, "owner", name)


def _invite(cli, owner: dict, address: str, role: str) -> dict:
    status, inv = http(cli.api_url, "POST", f"/orgs/{owner['organization']['id']}/members",
                       {"email": address, "role": role}, token=owner["token"])
    assert status == 201, inv
    return inv


# --- invitations accept ------------------------------------------------------------------------

def test_invitations_accept_by_whole_link_then_by_token(cli, account, tmp_path):
    ana, _ = _signup(cli, "ana", "Ana's own")                    # no invitation link: the address is only claimed
    cli("members", "invite", ana, "--role", "developer")
    as_ana = _as(cli, tmp_path, ana)
    assert [o["name"] for o in as_ana("orgs", "--json").json()["items"]] == ["Ana's own"]   # the invitation waits
    shown = as_ana("account", "show").stdout
    assert ana in shown and "e-mail address: not confirmed" in shown and "organizations: Ana's own (owner)" in shown
    assert as_ana("account", "show", "--json").json()["user"]["email_verified"] is False

    link = _invitation_link(ana)                                  # …/login?email=…&invitation=…
    assert "invitation=" in link and "email=" in link
    joined = as_ana("invitations", "accept", link)
    assert f"Joined Acme ({account.org_id}) as developer" in joined.stdout, joined.stdout
    assert sorted(o["name"] for o in as_ana("orgs", "--json").json()["items"]) == ["Acme", "Ana's own"]
    as_ana("orgs", "use", "Acme")
    assert as_ana("projects", "--json").json()["items"][0]["name"] == "shop"
    assert "e-mail address: confirmed" in as_ana("account", "show").stdout     # the link reached the address
    assert cli("invitations", "--json").json()["items"] == []                   # accepted: no longer pending

    _, beta = _other_org(cli, "Beta")
    _invite(cli, beta, ana, "viewer")
    got = as_ana("invitations", "accept", invitation_token(ana), "--json").json()   # the token alone
    assert got == {"email_verified": True, "joined": [{"id": beta["organization"]["id"], "name": "Beta",
                                                       "role": "viewer"}]}
    used = as_ana("invitations", "accept", invitation_token(ana), "--json", ok=False)   # once only
    err = json.loads(used.stderr)["error"]
    assert used.exit_code == 1 and used.stdout == "" and err["status"] == 422 and err["field"] == "token"


def test_accepting_when_a_member_already_joins_nothing(cli, account, tmp_path, ports):
    bo, body = _signup(cli, "bo", "Bo's own")
    cli("members", "invite", bo, "--role", "viewer")
    # a member meanwhile (as a concurrent acceptance would make them), the invitation still live
    ports.store.collection("memberships").insert({"id": new_id("mem"), "org_id": account.org_id,
                                                  "user_id": body["user"]["id"], "role": "viewer",
                                                  "require_mfa": False, "created": now_iso()})
    as_bo = _as(cli, tmp_path, bo)
    said = as_bo("invitations", "accept", _invitation_link(bo, "/signup"))
    assert "Nothing to join: you are already a member" in said.stdout, said.stdout
    assert as_bo("account", "show", "--json").json()["user"]["email_verified"] is True


def test_an_invitation_to_another_address_or_a_dead_link_is_refused(cli, account, tmp_path):
    ana = f"ana-{uuid.uuid4().hex[:8]}@example.com"
    cli("members", "invite", ana, "--role", "developer")
    bo, _ = _signup(cli, "bo", "Bo's own")
    as_bo = _as(cli, tmp_path, bo)

    other = as_bo("invitations", "accept", _invitation_link(ana), ok=False)
    assert other.exit_code == 1 and "this invitation was sent to another e-mail address" in other.stderr
    assert f"(you are logged in as {bo})" in other.stderr and "403" in other.stderr and "field: token" in other.stderr
    other_json = json.loads(as_bo("invitations", "accept", invitation_token(ana), "--json", ok=False).stderr)["error"]
    assert other_json["status"] == 403 and other_json["field"] == "token"
    assert [o["name"] for o in as_bo("orgs", "--json").json()["items"]] == ["Bo's own"]
    assert as_bo("account", "show", "--json").json()["user"]["email_verified"] is False   # nothing proven

    unknown = as_bo("invitations", "accept", "x" * 43, ok=False)
    assert unknown.exit_code == 1 and "422" in unknown.stderr and "field: token" in unknown.stderr
    assert "ask for a new invitation" in unknown.stderr and "`launchbay orgs` shows whether you joined" in unknown.stderr

    # revoked: the link is dead for its own address too
    cli("members", "invite", bo, "--role", "viewer")
    token = invitation_token(bo)
    cli("invitations", "revoke", bo)
    revoked = json.loads(as_bo("invitations", "accept", token, "--json", ok=False).stderr)["error"]
    assert revoked["status"] == 422 and revoked["field"] == "token"
    nothing = as_bo("invitations", "accept", ok=False, input="")
    assert nothing.exit_code == 1 and "nothing was given" in nothing.stderr


def test_invitations_accept_needs_a_login(cli):
    run = cli("invitations", "accept", "x" * 43, ok=False)
    assert run.exit_code == 1 and "not logged in" in run.stderr


# --- login --invitation -----------------------------------------------------------------------

def test_login_with_an_invitation_link_logs_in_and_joins(cli, account, tmp_path):
    cy, _ = _signup(cli, "cy", "Cy's own")
    cli("members", "invite", cy, "--role", "admin")
    as_cy = Cli(cli.api_url, tmp_path / "cy")
    run = as_cy("login", "--invitation", _invitation_link(cy), "--org", "Acme", input=PASSWORD + "\n")   # e-mail: the link's
    assert f"as {cy}; organization Acme ({account.org_id})" in run.stdout, run.stdout
    assert f"Joined Acme ({account.org_id}) as admin" in run.stdout
    assert "not confirmed" not in run.stdout
    assert json.loads(as_cy.config_file.read_text())["org"] == account.org_id

    # a confirmed address: the log-in itself accepts what waits for it (its answer says what), and
    # the link is not sent again
    _, beta = _other_org(cli, "Beta")
    _invite(cli, beta, cy, "viewer")
    link = _invitation_link(cy)
    again = as_cy("login", "--email", cy, "--invitation", link, "--json", input=PASSWORD + "\n").json()
    assert again["user"]["email_verified"] is True
    assert again["invitation"] == {"email_verified": True, "joined": [{"id": beta["organization"]["id"],
                                                                       "name": "Beta", "role": "viewer"}]}
    assert sorted(o["name"] for o in as_cy("orgs", "--json").json()["items"]) == ["Acme", "Beta", "Cy's own"]


def test_login_with_someone_else_s_invitation_logs_in_but_says_it_was_refused(cli, account, tmp_path):
    di = f"di-{uuid.uuid4().hex[:8]}@example.com"
    cli("members", "invite", di, "--role", "viewer")
    eve, _ = _signup(cli, "eve", "Eve's own")
    as_eve = Cli(cli.api_url, tmp_path / "eve")
    run = as_eve("login", "--email", eve, "--invitation", invitation_token(di), input=PASSWORD + "\n", ok=False)
    assert run.exit_code == 1 and run.stdout == ""
    assert f"logged in as {eve} (saved), but the invitation was not accepted" in run.stderr
    assert "sent to another e-mail address" in run.stderr and "403" in run.stderr
    assert [o["name"] for o in as_eve("orgs", "--json").json()["items"]] == ["Eve's own"]   # the login was saved
    plain = as_eve("login", "--email", eve, input=PASSWORD + "\n").stdout
    assert "Your e-mail address is not confirmed yet" in plain and "account verify-email --resend" in plain


# --- account verify-email ---------------------------------------------------------------------

def test_verify_email_with_the_link_mailed_at_sign_up_joins_what_waited(cli, account, tmp_path):
    dan, _ = _signup(cli, "dan", "Dan's own")
    cli("members", "invite", dan, "--role", "viewer")
    as_dan = _as(cli, tmp_path, dan)
    assert [o["name"] for o in as_dan("orgs", "--json").json()["items"]] == ["Dan's own"]

    [mail] = outbox(dan, CONFIRM)
    link = mail.link("/verify-email")
    assert link.startswith(cli.api_url.removesuffix("/v1") + "/verify-email?token=")
    anyone = Cli(cli.api_url, tmp_path / "no-login")                 # confirming needs no login
    done = anyone("account", "verify-email", link)
    assert f"Confirmed {dan}" in done.stdout and f"Joined Acme ({account.org_id}) as viewer" in done.stdout, done.stdout
    assert sorted(o["name"] for o in as_dan("orgs", "--json").json()["items"]) == ["Acme", "Dan's own"]
    assert "e-mail address: confirmed" in as_dan("account", "show").stdout

    used = anyone("account", "verify-email", "--json", ok=False,
                  env={"LAUNCHBAY_VERIFY_TOKEN": token_of(mail, "/verify-email")})
    err = json.loads(used.stderr)["error"]
    assert used.exit_code == 1 and used.stdout == "" and err["status"] == 422 and err["field"] == "token"
    said = anyone("account", "verify-email", "y" * 43, ok=False)
    assert said.exit_code == 1 and "verify-email --resend" in said.stderr and "field: token" in said.stderr
    missing = anyone("account", "verify-email", ok=False, input="")
    assert missing.exit_code == 1 and "LAUNCHBAY_VERIFY_TOKEN" in missing.stderr


def test_verify_email_resend_waits_a_minute_replaces_the_link_and_ends_once_confirmed(cli, tmp_path, ports):
    fay, body = _signup(cli, "fay", "Fay's own")
    as_fay = _as(cli, tmp_path, fay)

    soon = as_fay("account", "verify-email", "--resend", ok=False)            # the sign-up's link went out just now
    assert soon.exit_code == 1 and "429" in soon.stderr and re.search(r"try again in \d+ s", soon.stderr), soon.stderr
    soon_json = json.loads(as_fay("account", "verify-email", "--resend", "--json", ok=False).stderr)["error"]
    assert soon_json["status"] == 429 and soon_json["field"] == "email" and 0 < soon_json["retry_after"] <= 60

    links = ports.store.collection("email_verifications")
    [first] = links.find({"user_id": body["user"]["id"]})[0]
    links.update(first["id"], {"created": iso_from_epoch(time.time() - 120)})   # a minute later
    sent = as_fay("account", "verify-email", "--resend")
    assert f"A link to confirm {fay} is on its way" in sent.stdout, sent.stdout
    assert "Sandbox: no e-mail leaves this machine" in sent.stdout and "account verify-email LINK" in sent.stdout
    older, newer = outbox(fay, CONFIRM)
    assert token_of(older, "/verify-email") != token_of(newer, "/verify-email")
    replaced = as_fay("account", "verify-email", older.link("/verify-email"), ok=False)
    assert replaced.exit_code == 1 and "422" in replaced.stderr                 # a new link replaces the earlier one

    [second] = links.find({"user_id": body["user"]["id"]})[0]
    links.update(second["id"], {"created": iso_from_epoch(time.time() - 120)})
    as_json = as_fay("account", "verify-email", "--resend", "--json").json()
    assert as_json["status"] == "sent" and as_json["email"] == fay and as_json["expires_in"] == 3 * 86400
    assert "sandbox" in as_json
    done = as_fay("account", "verify-email", outbox(fay, CONFIRM)[-1].link("/verify-email"), "--json").json()
    assert done == {"status": "verified", "email": fay, "joined": []}

    confirmed = as_fay("account", "verify-email", "--resend", ok=False)
    assert confirmed.exit_code == 1 and "confirmed already" in confirmed.stderr and "409" in confirmed.stderr
    both = as_fay("account", "verify-email", "z" * 43, "--resend", ok=False)
    assert both.exit_code == 1 and "not both" in both.stderr


def test_verify_email_resend_needs_a_login(cli):
    run = cli("account", "verify-email", "--resend", ok=False)
    assert run.exit_code == 1 and "not logged in" in run.stderr


def test_an_account_made_through_the_invitation_link_is_confirmed(cli, account, tmp_path):
    gus = f"gus-{uuid.uuid4().hex[:8]}@example.com"
    cli("members", "invite", gus, "--role", "developer")
    status, made = http(cli.api_url, "POST", "/auth/signup",
                        {"email": gus, "password": PASSWORD, "invitation": invitation_token(gus)})
    assert status == 201 and made["user"]["email_verified"] is True, made
    assert outbox(gus, CONFIRM) == []                                             # nothing to confirm
    as_gus = Cli(cli.api_url, tmp_path / "gus")
    assert "not confirmed" not in as_gus("login", "--email", gus, input=PASSWORD + "\n").stdout
    assert [o["name"] for o in as_gus("orgs", "--json").json()["items"]] == ["Acme"]
    refused = as_gus("account", "verify-email", "--resend", "--json", ok=False)
    assert json.loads(refused.stderr)["error"]["status"] == 409
