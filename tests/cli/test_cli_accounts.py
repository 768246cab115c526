"""login / logout / orgs through the real CLI and API."""
from __future__ import annotations

import json
import stat
import uuid

from tests.cli.conftest import PASSWORD, http


def _signup(cli, org="Acme"):
    email = f"cli-{uuid.uuid4().hex[:8]}@example.com"
    status, body = http(cli.api_url, "POST", "/auth/signup", {"email": email, "password": PASSWORD, "organization": org})
    assert status == 201, body
    return email, body


def test_login_stores_a_0600_file_and_logout_ends_the_session(cli):
    email, body = _signup(cli)
    run = cli("login", "--email", email, input=PASSWORD + "\n")
    assert f"as {email}" in run.stdout and body["organization"]["id"] in run.stdout
    assert PASSWORD not in run.stdout + run.stderr

    path = cli.config_file
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    saved = json.loads(path.read_text())
    assert saved["api"] == cli.api_url and saved["org"] == body["organization"]["id"]
    assert http(cli.api_url, "GET", "/me", token=saved["token"])[0] == 200
    assert PASSWORD not in path.read_text()

    orgs = cli("orgs", "--json").json()["items"]
    assert [(o["id"], o["default"]) for o in orgs] == [(body["organization"]["id"], True)]

    # saving again (orgs use) keeps the mode, even for a file someone loosened
    path.chmod(0o644)
    cli("orgs", "use", "Acme")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600

    out = cli("logout", "--json").json()
    assert out == {"logged_out": True, "revoked": True}
    assert "token" not in json.loads(path.read_text())
    assert http(cli.api_url, "GET", "/me", token=saved["token"])[0] == 401   # the session really ended
    after = cli("orgs", ok=False)
    assert after.exit_code == 1 and "not logged in" in after.stderr


def test_a_saved_login_that_ended_says_how_to_go_on(cli):
    email, _ = _signup(cli)
    cli("login", "--email", email, input=PASSWORD + "\n")
    token = json.loads(cli.config_file.read_text())["token"]
    assert http(cli.api_url, "POST", "/auth/logout", token=token)[0] == 204   # ended elsewhere (or expired)
    stale = cli("orgs", ok=False)
    assert stale.exit_code == 1 and "the session has ended" in stale.stderr
    assert "Log in again: launchbay login" in stale.stderr and "launchbay login --token" in stale.stderr
    as_json = cli("orgs", "--json", ok=False)                                  # --json: the error document only
    assert json.loads(as_json.stderr)["error"]["status"] == 401


def test_login_with_an_api_token_read_from_stdin(cli):
    email, body = _signup(cli, org="Tokens Inc")
    status, tok = http(cli.api_url, "POST", "/tokens", {"name": "ci"}, token=body["token"])
    assert status == 201, tok
    run = cli("login", "--token", "--json", input=tok["token"] + "\n")
    got = run.json()
    assert got["user"]["email"] == email and got["organization"]["name"] == "Tokens Inc"
    assert tok["token"] not in run.stdout + run.stderr
    assert json.loads(cli.config_file.read_text())["token"] == tok["token"]
    assert cli("orgs", "list", "--json").json()["items"][0]["name"] == "Tokens Inc"
    cli("logout")
    assert http(cli.api_url, "GET", "/me", token=tok["token"])[0] == 401   # logout revoked the API token


def test_wrong_password_and_usage_errors_exit_1_with_a_clear_message(cli):
    email, _ = _signup(cli)
    bad = cli("login", "--email", email, input="not the password\n", ok=False)
    assert bad.exit_code == 1 and bad.stdout == ""
    assert "Error:" in bad.stderr and "401" in bad.stderr and "Log in again" not in bad.stderr
    assert not cli.config_file.exists()

    as_json = cli("login", "--email", email, "--json", input="not the password\n", ok=False)
    assert as_json.exit_code == 1 and as_json.stdout == ""
    assert json.loads(as_json.stderr)["error"]["status"] == 401

    both = cli("login", "--email", email, "--token", input="x\n", ok=False)
    assert both.exit_code == 1 and "either --email or --token" in both.stderr

    unknown = cli("frobnicate", ok=False)
    assert unknown.exit_code == 1 and "No such command" in unknown.stderr
    missing = cli("deploy", ok=False)
    assert missing.exit_code == 1 and "Missing argument" in missing.stderr
    no_password = cli("login", "--email", email, input="", ok=False)
    assert no_password.exit_code == 1 and "nothing was given" in no_password.stderr


def test_help_prose_wraps_at_the_terminal_not_at_the_docstring_s_line_ends(cli):
    """typer's rich mode keeps a docstring's single line breaks: sentences broke where the source
    line ended. Every command's and group's help is paragraphs only."""
    from typer.main import get_command

    from cli.main import app

    def helps(cmd, path):
        yield path, cmd.help or ""
        for name, sub in (getattr(cmd, "commands", None) or {}).items():
            yield from helps(sub, path + [name])

    broken = [p for p, text in helps(get_command(app), []) if any("\n" in para for para in text.split("\n\n"))]
    assert broken == []
    shown = cli("login", "--help").stdout
    assert "never taken from the command line (they would end up in the shell history" in shown, shown


def test_every_command_has_help_with_examples(cli):
    from typer.main import get_command

    from cli.main import app

    root = get_command(app)
    paths = []
    for name, cmd in root.commands.items():
        subs = getattr(cmd, "commands", None)
        paths += [[name, sub] for sub in subs] if subs else [[name]]
    assert {"login", "logout", "deploy", "status", "rollback", "releases", "cancel", "logs", "search", "audit",
            "plan", "apply", "export", "import", "cost", "resources", "hooks"} <= {p[0] for p in paths}
    assert {("services", "update"), ("resources", "link"), ("hooks", "github")} <= {tuple(p) for p in paths}
    for path in paths:
        run = cli(*path, "--help")
        assert "Usage:" in run.stdout and "launchbay " in run.stdout.split("Usage:", 1)[1], path
        assert "Example" in run.stdout, f"launchbay {' '.join(path)} --help has no example"
    top = cli("--help").stdout
    assert "Exit codes" in top and "--install-completion" in top
    completion = cli("--show-completion", "bash")
    assert "launchbay" in completion.stdout.lower() or "complete" in completion.stdout.lower()


def test_the_api_address_as_the_browser_shows_it_means_its_api(cli):
    from cli import config

    assert config.api_url({}, "http://127.0.0.1:8000") == "http://127.0.0.1:8000/v1"
    assert config.api_url({}, "https://launchbay.example.com/") == "https://launchbay.example.com/v1"
    assert config.api_url({}, "https://api.example.com/v1/") == "https://api.example.com/v1"
    assert config.api_url({}, "https://example.com/launchbay/v1") == "https://example.com/launchbay/v1"
    email, _ = _signup(cli)
    base = cli.api_url.removesuffix("/v1")
    run = cli("login", "--email", email, "--api", base, input=PASSWORD + "\n")
    assert f"Logged in to {cli.api_url} as {email}" in run.stdout, run.stdout + run.stderr
