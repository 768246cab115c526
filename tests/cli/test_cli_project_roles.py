"""`launchbay members grant/revoke` against the real API: a developer's or viewer's role in one
project (by the project's name or id), shown by `members list` and passed through by --json;
admins only; owners and admins take none; taking one away twice is no error."""
from __future__ import annotations

import uuid

from tests.cli.conftest import PASSWORD, Cli, http
from tests.support.mailbox import invitation_token


def _joined(cli, role: str) -> tuple[str, dict]:
    email = f"{role}-{uuid.uuid4().hex[:8]}@example.com"
    cli("members", "invite", email, "--role", role)
    status, body = http(cli.api_url, "POST", "/auth/signup", {"email": email, "password": PASSWORD, "organization": "Own",
                                                              "invitation": invitation_token(email)})
    assert status == 201, body
    return email, body


def test_members_grant_list_revoke(cli, account, tmp_path):
    blog = cli("projects", "create", "blog", "--json").json()
    vic, joined = _joined(cli, "viewer")

    granted = cli("members", "grant", vic, "--project", "shop", "--role", "developer")
    assert granted.stdout.strip() == f"{vic} is now developer in shop (organization role: viewer)"
    by_id = cli("members", "grant", joined["user"]["id"], "--project", blog["id"], "--role", "viewer", "--json").json()
    assert by_id["role"] == "viewer" and [(r["project"], r["role"], r["applies"]) for r in by_id["project_roles"]] == [
        ("blog", "viewer", True), ("shop", "developer", True)]

    listed = {m["user"]["email"]: m for m in cli("members", "list", "--json").json()["items"]}
    assert listed[vic]["project_roles"] == [
        {"project_id": blog["id"], "project": "blog", "role": "viewer", "applies": True},
        {"project_id": account.project_id, "project": "shop", "role": "developer", "applies": True}]
    assert listed[account.email]["project_roles"] == []
    table = cli("members").stdout
    assert "PROJECT ROLES" in table.splitlines()[0]
    assert "blog: viewer, shop: developer" in next(line for line in table.splitlines() if vic in line)
    # what the member sees of themselves: the role decides shop's work
    me = http(cli.api_url, "GET", "/me", token=joined["token"])[1]
    mine = next(o for o in me["organizations"] if o["id"] == account.org_id)
    assert mine["project_roles"] == {account.project_id: "developer", blog["id"]: "viewer"}

    revoked = cli("members", "revoke", vic, "--project", "shop")
    assert revoked.stdout.strip() == f"{vic} is no longer developer in shop: their organization role (viewer) decides there"
    again = cli("members", "revoke", vic, "--project", "shop", "--json").json()   # nothing left: as asked
    assert [r["project"] for r in again["project_roles"]] == ["blog"]
    assert "had no role in shop" in cli("members", "revoke", vic, "--project", "shop").stdout


def test_members_grant_refusals_in_the_api_s_words(cli, account, tmp_path):
    ada, _ = _joined(cli, "admin")
    dee, _ = _joined(cli, "developer")
    for_admin = cli("members", "grant", ada, "--project", "shop", "--role", "viewer", ok=None)
    assert for_admin.exit_code == 1 and "act on every project" in for_admin.stderr and "field: role" in for_admin.stderr
    bad = cli("members", "grant", dee, "--project", "shop", "--role", "owner", "--json", ok=None)
    assert bad.exit_code == 1 and '"field": "role"' in bad.stderr and bad.stdout == ""
    unknown = cli("members", "grant", dee, "--project", "nowhere", "--role", "viewer", ok=None)
    assert unknown.exit_code == 1 and "nowhere" in unknown.stderr
    missing = cli("members", "grant", dee, "--role", "viewer", ok=None)
    assert missing.exit_code != 0 and "--project" in missing.stderr

    # a developer manages no one's roles, their own neither
    as_dee = Cli(cli.api_url, tmp_path / "dee")
    as_dee("login", "--email", dee, "--org", "Acme", input=PASSWORD + "\n")
    refused = as_dee("members", "grant", dee, "--project", "shop", "--role", "admin", ok=None)
    assert refused.exit_code == 1 and "your role here is developer: managing members" in refused.stderr

    # kept from before a promotion, it does not apply; the list says so
    cli("members", "grant", dee, "--project", "shop", "--role", "viewer")
    cli("members", "set-role", dee, "admin")
    listed = {m["user"]["email"]: m for m in cli("members", "list", "--json").json()["items"]}
    assert listed[dee]["project_roles"][0]["applies"] is False
    assert "shop: viewer (does not apply: admin)" in next(line for line in cli("members", "list").stdout.splitlines() if dee in line)
