"""Organizations and the account through the real CLI and API: `orgs create` (--use makes it the
default), a second one of the same name refused at `name`, `orgs rename` (the default one, or one
named), `orgs delete` (its name typed again: --confirm, or on a terminal; refused while it has a
project, then done, the default forgotten here), and `account delete` (--yes or "delete" typed; the
password from stdin or $LAUNCHBAY_PASSWORD; refused while the only owner of an organization, then
done, the saved login forgotten). No worker runs: the organization's purge stays queued."""
from __future__ import annotations

import json

from tests.cli.conftest import PASSWORD, Cli, http


def _saved(cli: Cli) -> dict:
    return json.loads(cli.config_file.read_text())


def _names(cli: Cli) -> list[str]:
    return sorted(o["name"] for o in cli("orgs", "--json").json()["items"])


def _delete_project(cli: Cli, org_id: str, project_id: str) -> None:
    """`projects delete`, its name typed again (the project has no services: it goes at once)."""
    name = next(p["name"] for p in cli("projects", "--org", org_id, "--json").json()["items"] if p["id"] == project_id)
    gone = cli("projects", "delete", project_id, "--org", org_id, "--confirm", name)
    assert f"Deleted project {name} ({project_id})" in gone.stdout, gone.stdout
    assert "project" not in _saved(cli) or _saved(cli)["project"] != project_id   # the default, if it was, forgotten


def test_create_with_and_without_use_the_same_name_refused_and_rename(cli, account):
    made = cli("orgs", "create", "Side")
    assert "Created organization Side (org_" in made.stdout and "you are its owner" in made.stdout, made.stdout
    assert "`launchbay orgs use org_" in made.stdout
    assert _saved(cli)["org"] == account.org_id                               # the default stays without --use

    lab = cli("orgs", "create", "Lab", "--use", "--json").json()
    assert lab["name"] == "Lab" and lab["role"] == "owner" and lab["default"] is True and lab["id"].startswith("org_")
    saved = _saved(cli)
    assert saved["org"] == lab["id"] and "project" not in saved and "env" not in saved   # as `orgs use`
    listed = {o["name"]: o for o in cli("orgs", "--json").json()["items"]}
    assert listed["Lab"]["default"] is True and listed["Acme"]["default"] is False
    assert _names(cli) == ["Acme", "Lab", "Side"]

    same = cli("orgs", "create", "side", ok=False)                            # case aside
    assert same.exit_code == 1 and same.stdout == "" and "409" in same.stderr and "field: name" in same.stderr
    same_json = cli("orgs", "create", "LAB", "--json", ok=False)
    err = json.loads(same_json.stderr)["error"]
    assert same_json.stdout == "" and err["status"] == 409 and err["field"] == "name"
    blank = cli("orgs", "create", "  ", ok=False)
    assert blank.exit_code == 1 and "NAME" in blank.stderr
    assert _names(cli) == ["Acme", "Lab", "Side"]

    renamed = cli("orgs", "rename", "Lab Two")                                # the default one
    assert f"Renamed Lab to Lab Two ({lab['id']})" in renamed.stdout, renamed.stdout
    assert _saved(cli)["org"] == lab["id"]
    other = cli("orgs", "rename", "Side", "Hobby", "--json").json()          # one named
    assert other["name"] == "Hobby" and other["role"] == "owner"
    taken = cli("orgs", "rename", "Hobby", "acme", ok=False)
    assert taken.exit_code == 1 and "409" in taken.stderr and "field: name" in taken.stderr, taken.stderr
    unknown = cli("orgs", "rename", "Nope", "Whatever", ok=False)
    assert unknown.exit_code == 1 and "no organization 'Nope'" in unknown.stderr
    assert _names(cli) == ["Acme", "Hobby", "Lab Two"]
    for command in ("create", "rename", "delete"):
        assert "Examples" in cli("orgs", command, "--help").stdout


def test_delete_needs_the_name_is_refused_with_a_project_then_forgets_the_default(cli, account):
    unconfirmed = cli("orgs", "delete", "Acme", ok=False)                     # no terminal to ask on
    assert unconfirmed.exit_code == 1 and "--confirm 'Acme'" in unconfirmed.stderr, unconfirmed.stderr
    as_json = cli("orgs", "delete", "Acme", "--json", ok=False)
    assert as_json.stdout == "" and json.loads(as_json.stderr)["error"]["field"] == "--confirm"
    wrong = cli("orgs", "delete", "Acme", "--confirm", "acme", ok=False)
    assert wrong.exit_code == 1 and "nothing was deleted" in wrong.stderr

    busy = cli("orgs", "delete", "Acme", "--confirm", "Acme", ok=False)
    assert busy.exit_code == 1 and "409" in busy.stderr and "field: org" in busy.stderr, busy.stderr
    assert "still has projects (shop)" in busy.stderr
    assert _names(cli) == ["Acme"] and _saved(cli)["org"] == account.org_id   # a refusal changes nothing

    spare = cli("orgs", "create", "Spare", "--json").json()
    ask = "and cannot be undone. Type its name to go on: "                # typed on a real terminal
    mistyped = cli.in_terminal("orgs", "delete", "Spare", replies=((ask, "Sprae"),))
    assert mistyped.exit_code == 1 and "Sprae" in mistyped.stdout and "nothing was deleted" in mistyped.stdout
    gone = cli.in_terminal("orgs", "delete", "Spare", replies=((ask, "Spare"),))
    assert gone.exit_code == 0, gone.stdout
    assert f"Deleted organization Spare ({spare['id']}): access ended for 1 member" in gone.stdout, gone.stdout
    assert "default organization here" not in gone.stdout

    _delete_project(cli, account.org_id, account.project_id)
    done = cli("orgs", "delete", account.org_id, "--confirm", "Acme", "--json").json()
    assert done == {"status": "deleting", "id": account.org_id, "name": "Acme", "members_removed": 1,
                    "revoked_api_tokens": 0, "default_forgotten": True}
    saved = _saved(cli)
    assert "org" not in saved and "project" not in saved and "token" in saved
    assert cli("orgs", "--json").json()["items"] == []
    assert http(cli.api_url, "GET", f"/orgs/{account.org_id}/projects", token=saved["token"])[0] == 404
    chosen = cli("projects", ok=False)
    assert chosen.exit_code == 1 and "no organization chosen" in chosen.stderr


def test_an_api_token_deletes_neither(cli, account, tmp_path):
    wide = cli("tokens", "create", "--name", "robot", "--json").json()["token"]
    robot = Cli(cli.api_url, tmp_path / "robot")
    robot("login", "--token", input=wide + "\n")
    org = robot("orgs", "delete", "Acme", "--confirm", "Acme", ok=False)
    assert org.exit_code == 1 and "log-in session, not an API token" in org.stderr, org.stderr
    me = robot("account", "delete", "--yes", env={"LAUNCHBAY_PASSWORD": PASSWORD}, ok=False)
    assert me.exit_code == 1 and "log-in session, not an API token" in me.stderr
    assert _names(cli) == ["Acme"]


def test_account_delete_refused_as_the_only_owner_then_done(cli, account):
    no_yes = cli("account", "delete", "--password-stdin", input=PASSWORD + "\n", ok=False)
    assert no_yes.exit_code == 1 and "--yes" in no_yes.stderr
    argv = cli("account", "delete", "--yes", "--password", PASSWORD, ok=False)
    assert argv.exit_code == 1 and "never taken as an argument" in argv.stderr
    no_password = cli("account", "delete", "--yes", input="", ok=False)
    assert no_password.exit_code == 1 and "LAUNCHBAY_PASSWORD" in no_password.stderr
    wrong = cli("account", "delete", "--yes", "--password-stdin", input="not my password\n", ok=False)
    assert wrong.exit_code == 1 and "403" in wrong.stderr and "field: password" in wrong.stderr

    owner = cli("account", "delete", "--yes", "--password-stdin", input=PASSWORD + "\n", ok=False)
    assert owner.exit_code == 1 and "409" in owner.stderr and "field: organizations" in owner.stderr, owner.stderr
    assert "only owner of Acme" in owner.stderr and "launchbay orgs delete ORG" in owner.stderr
    assert f"  organization Acme ({account.org_id})" in owner.stderr.splitlines()   # by id, under the message
    as_json = cli("account", "delete", "--yes", "--json", env={"LAUNCHBAY_PASSWORD": PASSWORD}, ok=False)
    err = json.loads(as_json.stderr)["error"]
    assert as_json.stdout == "" and err["status"] == 409 and err["field"] == "organizations"
    assert err["resources"] == [{"type": "organization", "id": account.org_id, "name": "Acme"}]
    assert cli("account", "show", "--json").json()["user"]["email"] == account.email   # still there

    _delete_project(cli, account.org_id, account.project_id)
    cli("orgs", "delete", "Acme", "--confirm", "Acme")
    session = _saved(cli)["token"]
    ask = "Type delete to go on: "                                       # on a real terminal
    not_typed = cli.in_terminal("account", "delete", replies=((ask, "yes"),))
    assert not_typed.exit_code == 1 and "nothing was deleted" in not_typed.stdout, not_typed.stdout
    gone = cli.in_terminal("account", "delete", replies=((ask, "delete"), ("Password: ", PASSWORD)),
                           env={"LAUNCHBAY_PASSWORD": None})
    assert gone.exit_code == 0 and PASSWORD not in gone.stdout, gone.stdout      # the password is not echoed
    assert f"Your account {account.email} is deleted" in gone.stdout, gone.stdout
    assert "The login saved here is forgotten" in gone.stdout
    assert "token" not in _saved(cli)
    assert http(cli.api_url, "GET", "/me", token=session)[0] == 401
    after = cli("account", "show", ok=False)
    assert after.exit_code == 1 and "not logged in" in after.stderr
    again = cli("login", "--email", account.email, input=PASSWORD + "\n", ok=False)
    assert again.exit_code == 1 and "401" in again.stderr


def test_account_delete_asks_for_the_code_when_two_factor_authentication_is_on(cli, account):
    """The second-factor step of `account delete`: off a terminal it says which option gives the
    code; on a real terminal it asks for it (hidden) after the word and the password."""
    from tests.cli.test_cli_mfa import enable

    _, authenticator = enable(cli)
    _delete_project(cli, account.org_id, account.project_id)
    cli("orgs", "delete", "Acme", "--confirm", "Acme")
    no_code = cli("account", "delete", "--yes", env={"LAUNCHBAY_PASSWORD": PASSWORD}, ok=False)
    assert no_code.exit_code == 1 and "give --code CODE (or --recovery-code)" in no_code.stderr, no_code.stderr
    assert cli("account", "show", "--json").json()["user"]["email"] == account.email   # still there

    code = authenticator.code()
    gone = cli.in_terminal("account", "delete", replies=(("Type delete to go on: ", "delete"), ("Password: ", PASSWORD),
                                                         ("Code from your authenticator app: ", code)),
                           env={"LAUNCHBAY_PASSWORD": None})
    assert gone.exit_code == 0, gone.stdout
    assert f"Your account {account.email} is deleted" in gone.stdout and PASSWORD not in gone.stdout
    assert f"app: {code}" not in gone.stdout                                    # the code is not echoed either
    assert http(cli.api_url, "POST", "/auth/login", {"email": account.email, "password": PASSWORD})[0] == 401
