"""`launchbay tokens` against the real API: a created token works, a revoked one gets 401, the
secret is printed by `tokens create` alone."""
from __future__ import annotations

import time
from datetime import datetime

from tests.cli.conftest import PASSWORD, http


def _secret(stdout: str) -> str:
    return next(line.split(": ", 1)[1] for line in stdout.splitlines() if line.startswith("Token (shown once): "))


def test_tokens_create_list_revoke(cli, account):
    made = cli("tokens", "create", "--name", "ci", "--org", "Acme", "--expires-days", "30")
    secret = _secret(made.stdout)
    assert secret.startswith("lb_") and "limited to " + account.org_id in made.stdout
    # the token works against the API, within its organization only
    assert http(cli.api_url, "GET", f"/orgs/{account.org_id}/projects", token=secret)[0] == 200
    status, me = http(cli.api_url, "GET", "/me", token=secret)
    assert status == 200 and [o["id"] for o in me["organizations"]] == [account.org_id]

    wide = cli("tokens", "create", "--name", "deploy-bot", "--json").json()      # no --org: not limited
    assert wide["org_id"] is None and wide["expires"] is None and wide["token"].startswith("lb_")

    listed = cli("tokens", "list", "--json").json()["items"]
    assert {t["name"] for t in listed} == {"ci", "deploy-bot"}
    assert all("token" not in t and "token_hash" not in t for t in listed)
    ci = next(t for t in listed if t["name"] == "ci")
    assert ci["org_id"] == account.org_id and secret.startswith(ci["prefix"])
    days = (datetime.fromisoformat(ci["expires"].replace("Z", "+00:00")).timestamp() - time.time()) / 86400
    assert 29.9 < days <= 30
    table = cli("tokens").stdout
    assert "ci" in table and "deploy-bot" in table and ci["expires"] in table
    for shown in (table, cli("tokens", "list", "--json").stdout):
        assert secret not in shown and wide["token"] not in shown
    assert secret not in cli.config_file.read_text()                             # never saved either

    # logged in with the limited token, the CLI sees only tokens limited to that organization
    cli("login", "--token", input=secret + "\n")
    assert [t["name"] for t in cli("tokens", "list", "--json").json()["items"]] == ["ci"]
    cli("login", "--email", account.email, input=PASSWORD + "\n")

    assert cli("tokens", "revoke", "ci").stdout.strip() == f"Revoked {ci['id']}"      # by name
    status, body = http(cli.api_url, "GET", "/me", token=secret)
    assert status == 401 and body["error"]["message"] == "token is not valid"
    assert cli("tokens", "revoke", wide["id"], "--json").json() == {"id": wide["id"], "revoked": True}
    assert http(cli.api_url, "GET", "/me", token=wide["token"])[0] == 401
    assert cli("tokens", "list", "--json").json()["items"] == []

    # the API's refusals, naming the field; usage errors
    bad = cli("tokens", "create", "--name", "x", "--expires-days", "0", ok=None)
    assert bad.exit_code == 1 and "expires_days" in bad.stderr
    gone = cli("tokens", "revoke", ci["id"], "--json", ok=None)
    assert gone.exit_code == 1 and '"field": "token"' in gone.stderr and '"status": 404' in gone.stderr
    assert cli("tokens", "create", "--name", "x", "--org", "Nope", ok=None).exit_code == 1
    assert cli("tokens", "create", ok=None).exit_code == 1                        # --name is required


def test_a_second_token_of_a_name_is_refused_and_revoke_by_name_means_the_working_one(cli, account, ports):
    from chalicelib.core.ids import iso_from_epoch

    first = cli("tokens", "create", "--name", "ci", "--json").json()
    again = cli("tokens", "create", "--name", "ci", ok=None)
    assert again.exit_code == 1 and "already have an API token named 'ci'" in again.stderr
    assert "field: name" in again.stderr and "409" in again.stderr and first["token"] not in again.stderr
    # once it has ended, the name is free; `revoke ci` then means the one that works
    ports.store.collection("tokens").update(first["id"], {"expires": iso_from_epoch(time.time() - 1)})
    second = cli("tokens", "create", "--name", "ci", "--json").json()
    assert cli("tokens", "revoke", "ci").stdout.strip() == f"Revoked {second['id']}"
    assert [t["id"] for t in cli("tokens", "list", "--json").json()["items"]] == [first["id"]]
