"""`launchbay members` against the real API: an invited address joins at sign-up through the
invitation e-mail's link, roles change
under the API's rules (admins only, owners for owners, the last owner stays), and removed
members lose access."""
from __future__ import annotations

import uuid

from tests.cli.conftest import PASSWORD, Cli, http
from tests.support.mailbox import invitation_token


def _signup(cli, email: str, org: str) -> dict:
    """The invited person signs up through the link of their invitation e-mail (its token)."""
    status, body = http(cli.api_url, "POST", "/auth/signup", {"email": email, "password": PASSWORD, "organization": org,
                                                              "invitation": invitation_token(email)})
    assert status == 201, body
    return body


def test_members_invite_set_role_remove(cli, account, tmp_path):
    ana = f"ana-{uuid.uuid4().hex[:8]}@example.com"
    invited = cli("members", "invite", ana, "--role", "developer")
    assert f"Invited {ana} as developer (inv_" in invited.stdout
    joined = _signup(cli, ana, "Ana's own")                     # the invitation turns into a membership
    assert http(cli.api_url, "GET", f"/orgs/{account.org_id}/projects", token=joined["token"])[0] == 200

    members = cli("members", "list", "--json").json()["items"]
    assert sorted((m["user"]["email"], m["role"]) for m in members) == sorted([(account.email, "owner"), (ana, "developer")])
    table = cli("members").stdout
    assert ana in table and "developer" in table and "owner" in table

    # ana, a developer, may not invite or change roles: the API's words, exit 1
    as_ana = Cli(cli.api_url, tmp_path / "ana")
    as_ana("login", "--email", ana, "--org", "Acme", input=PASSWORD + "\n")
    refused = as_ana("members", "invite", "bo@example.com", ok=None)
    assert refused.exit_code == 1 and "your role here is developer: managing members and invitations takes admin or higher" in refused.stderr
    assert "403" in refused.stderr

    promoted = cli("members", "set-role", ana, "admin")
    assert promoted.stdout.strip() == f"{ana} is now admin (was developer)"
    # an admin may not make an owner; the last owner cannot step down or leave
    not_owner = as_ana("members", "set-role", ana, "owner", "--json", ok=None)
    assert not_owner.exit_code == 1 and "only an owner may grant" in not_owner.stderr and not_owner.stdout == ""
    last = cli("members", "set-role", account.email, "developer", ok=None)
    assert last.exit_code == 1 and "an organization needs at least one owner (field: role)" in last.stderr
    stays = cli("members", "remove", account.email, ok=None)
    assert stays.exit_code == 1 and "at least one owner" in stays.stderr
    bad_role = cli("members", "set-role", ana, "superuser", "--json", ok=None)
    assert bad_role.exit_code == 1 and '"field": "role"' in bad_role.stderr
    unknown = cli("members", "set-role", "nobody@example.com", "viewer", ok=None)
    assert unknown.exit_code == 1 and "no member 'nobody@example.com'" in unknown.stderr
    assert {m["user"]["email"]: m["role"] for m in cli("members", "list", "--json").json()["items"]} == {
        account.email: "owner", ana: "admin"}

    # by user id too; removed, ana no longer reaches the organization
    ana_id = joined["user"]["id"]
    removed = cli("members", "remove", ana_id, "--json").json()
    assert removed == {"user": {**removed["user"], "id": ana_id, "email": ana}, "removed": True}
    assert http(cli.api_url, "GET", f"/orgs/{account.org_id}/projects", token=joined["token"])[0] == 404
    assert [m["user"]["email"] for m in cli("members", "list", "--json").json()["items"]] == [account.email]


def test_a_member_may_leave(cli, account, tmp_path):
    bo = f"bo-{uuid.uuid4().hex[:8]}@example.com"
    cli("members", "invite", bo, "--role", "viewer")
    _signup(cli, bo, "Bo's own")
    as_bo = Cli(cli.api_url, tmp_path / "bo")
    as_bo("login", "--email", bo, "--org", "Acme", input=PASSWORD + "\n")
    assert "Removed " + bo in as_bo("members", "remove", bo, "--org", "Acme").stdout   # leaving needs no admin
    assert [o["name"] for o in as_bo("orgs", "--json").json()["items"]] == ["Bo's own"]
