"""`launchbay invitations` against the real API: list, revoke (by id or e-mail); a revoked
invitation's link no longer lets its address join."""
from __future__ import annotations

import uuid

from tests.cli.conftest import PASSWORD, http
from tests.support.mailbox import invitation_token


def test_invitations_list_and_revoke(cli, account):
    cy, di = (f"{n}-{uuid.uuid4().hex[:8]}@example.com" for n in ("cy", "di"))
    cli("members", "invite", cy, "--role", "viewer")
    inv_di = cli("members", "invite", di, "--role", "admin", "--json").json()
    assert inv_di["id"].startswith("inv_") and inv_di["status"] == "pending"

    listed = cli("invitations", "list", "--json").json()["items"]
    assert sorted((i["email"], i["role"], i["status"]) for i in listed) == sorted(
        [(cy, "viewer", "pending"), (di, "admin", "pending")])
    table = cli("invitations").stdout
    assert cy in table and inv_di["id"] in table and "pending" in table

    # the API's rules, in its words
    again = cli("members", "invite", cy, "--role", "admin", ok=None)
    assert again.exit_code == 1 and "already invited" in again.stderr and "field: email" in again.stderr
    member = cli("members", "invite", account.email, ok=None)
    assert member.exit_code == 1 and "already a member" in member.stderr
    bad = cli("members", "invite", "not-an-address", "--json", ok=None)
    assert bad.exit_code == 1 and '"field": "email"' in bad.stderr

    assert cli("invitations", "revoke", cy).stdout.startswith("Revoked invitation inv_")      # by e-mail
    assert cli("invitations", "revoke", inv_di["id"], "--json").json() == {"id": inv_di["id"], "revoked": True}
    assert cli("invitations", "list", "--json").json()["items"] == []
    gone = cli("invitations", "revoke", inv_di["id"], ok=None)
    assert gone.exit_code == 1 and "invitation not found" in gone.stderr
    assert cli("invitations", "revoke", cy, ok=None).exit_code == 1

    # revoked: the link of its e-mail no longer lets the address join, and a sign-up without it joins nothing
    status, body = http(cli.api_url, "POST", "/auth/signup", {"email": cy, "password": PASSWORD, "organization": "Cy",
                                                              "invitation": invitation_token(cy)})
    assert status == 422 and body["error"]["field"] == "invitation", body
    status, body = http(cli.api_url, "POST", "/auth/signup", {"email": cy, "password": PASSWORD, "organization": "Cy"})
    assert status == 201
    assert http(cli.api_url, "GET", f"/orgs/{account.org_id}/projects", token=body["token"])[0] == 404
