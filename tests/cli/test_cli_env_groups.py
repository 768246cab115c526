"""`launchbay env-groups` and `services update --env-group` through the real CLI and API: create,
set, unset, show (variables, secret names and versions, linked services), secrets from stdin or a
variable and never from an argument nor shown, deploy of the services needing it, delete asked
first and refused while linked, a developer refused in the API's words."""
from __future__ import annotations

import json
import uuid

from tests.cli.conftest import PASSWORD as ACCOUNT_PASSWORD
from tests.cli.conftest import Cli, http
from tests.support.mailbox import invitation_token

SECRET = "dd-api-key-6f1e2c"


def said(run) -> str:
    return " ".join((run.stdout + run.stderr).split())


def test_env_groups_from_create_to_delete(cli, account):
    assert "no environment groups yet" in cli("env-groups").stdout
    made = cli("env-groups", "create", "datadog", "DD_SITE=datadoghq.eu", "DD_ENV=prod", "--description", "APM")
    assert "Created environment group datadog (2 variables)" in made.stdout
    bad = cli("env-groups", "create", "Data_Dog", ok=False)
    assert bad.exit_code == 1 and "(field: name) [422" in bad.stderr
    assert "KEY=VALUE" in said(cli("env-groups", "create", "x", "NOPE", ok=False))
    cli("env-groups", "set", "datadog", "DD_ENV=staging", "DD_TRACE=true")
    unset = cli("env-groups", "unset", "datadog", "DD_TRACE")
    assert "Removed DD_TRACE in datadog" in unset.stdout
    assert "has no variable NOPE" in said(cli("env-groups", "unset", "datadog", "NOPE", ok=False))

    # a secret: from stdin or a variable, never an argument, never shown
    put = cli("env-groups", "secret", "set", "datadog", "DD_API_KEY", "--value-stdin", input=SECRET + "\n")
    assert "Set DD_API_KEY (v1) in datadog" in put.stdout and SECRET not in put.stdout + put.stderr
    again = cli("env-groups", "secret", "set", "datadog", "DD_API_KEY", "--value-env", "THE_KEY", "--json",
                env={"THE_KEY": SECRET + "-2"})
    assert again.json()["version"] == 2 and SECRET not in again.stdout
    extra = cli("env-groups", "secret", "set", "datadog", "DD_API_KEY", SECRET, ok=False)
    assert extra.exit_code != 0   # no value as an argument
    assert "--value-stdin" in said(cli("env-groups", "secret", "set", "datadog", "OTHER", ok=False))

    # link it to a service, in order
    cli("services", "create", "web", "--image", "nginx:1.27", "--port", "80")
    cli("env-groups", "create", "stripe-live", "STRIPE_MODE=live")
    linked = cli("services", "update", "web", "--env-group", "stripe-live", "--env-group", "datadog", "--json").json()
    assert linked["env_groups"] == ["stripe-live", "datadog"]
    assert "env_groups" in cli("services", "show", "web").stdout
    unknown = cli("services", "update", "web", "--env-group", "nope", ok=False)
    assert "(field: env_groups) [422" in unknown.stderr and "nope" in said(unknown)

    shown = cli("env-groups", "show", "datadog")
    for words in ("name         datadog", "description  APM", "DD_ENV=staging", "DD_SITE=datadoghq.eu",
                  "DD_API_KEY (v2", "never shown", "web (shop/production)"):
        assert words in shown.stdout, (words, shown.stdout)
    assert "DD_TRACE" not in shown.stdout
    as_json = cli("env-groups", "show", "datadog", "--json").json()
    assert as_json["env"] == {"DD_SITE": "datadoghq.eu", "DD_ENV": "staging"}
    assert [s["name"] for s in as_json["services"]] == ["web"]
    rows = [line.split() for line in cli("env-groups").stdout.splitlines()]
    assert rows[0][:4] == ["NAME", "VARIABLES", "SECRETS", "SERVICES"] and rows[1][0] == "datadog"
    listed = cli("env-groups", "list", "--json").json()["items"]
    assert [g["name"] for g in listed] == ["datadog", "stripe-live"]
    for run in (shown, listed):
        assert SECRET not in (run.stdout if hasattr(run, "stdout") else json.dumps(run))

    # deploy: the service was never deployed, so nothing goes out and it says why
    dep = cli("env-groups", "deploy", "datadog")
    assert "skipped web: it has no live release yet" in said(dep) and "nothing to deploy" in dep.stdout
    assert cli("env-groups", "deploy", "datadog", "--json").json()["deployments"] == []

    # delete: refused while linked; asks first; --json needs --yes
    refused = cli("env-groups", "delete", "datadog", "--yes", ok=False)
    assert refused.exit_code == 1 and "[409" in refused.stderr and "web" in said(refused)
    cli("services", "update", "web", "--no-env-groups")
    assert cli("services", "show", "web", "--json").json()["env_groups"] is None
    assert "--yes" in said(cli("env-groups", "delete", "datadog", "--json", ok=False))
    kept = cli("env-groups", "delete", "datadog", input="n\n", ok=False)
    assert kept.exit_code == 1 and "nothing was deleted" in said(kept)
    gone = cli("env-groups", "delete", "datadog", input="y\n")
    assert "Deleted environment group datadog" in gone.stdout
    missing = cli("env-groups", "show", "datadog", ok=False)
    assert "no environment group 'datadog'" in said(missing)
    cli("env-groups", "secret", "delete", "stripe-live", "NOPE", ok=False)
    cli("env-groups", "secret", "set", "stripe-live", "STRIPE_KEY", "--value-stdin", input="sk\n")
    assert "Deleted STRIPE_KEY from stripe-live" in cli("env-groups", "secret", "delete", "stripe-live",
                                                         "STRIPE_KEY").stdout


def test_developers_read_but_do_not_change_groups(cli, account, tmp_path):
    cli("env-groups", "create", "shared", "LEVEL=info")
    email = f"dev-{uuid.uuid4().hex[:8]}@example.com"
    cli("members", "invite", email, "--role", "developer")
    status, body = http(cli.api_url, "POST", "/auth/signup", {"email": email, "password": ACCOUNT_PASSWORD,
                                                               "organization": "Dev home",
                                                               "invitation": invitation_token(email)})
    assert status == 201, body
    dev = Cli(cli.api_url, tmp_path / "dev")
    dev("login", "--email", email, input=ACCOUNT_PASSWORD + "\n")
    org = ["--org", account.org_id]
    assert "LEVEL=info" in dev("env-groups", "show", "shared", *org).stdout
    refused = dev("env-groups", "set", "shared", "LEVEL=debug", *org, ok=False)
    assert refused.exit_code == 1 and "[403" in refused.stderr and "environment groups" in said(refused)
