"""Your log-in sessions through the real CLI and API: `account sessions` lists them (the CLI's own
log-in named by its User-Agent, the current one marked), `--end ID` signs one out (its token then
401; the current one is a log-out that forgets the login saved here), `--end-others` counts what it
signed out, and an unknown id or a token limited to one organization is refused in the API's words."""
from __future__ import annotations

import json
import urllib.request

from cli.client import USER_AGENT
from cli.commands.accounts import client_words
from tests.cli.conftest import PASSWORD, Cli, http

FIREFOX = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:133.0) Gecko/20100101 Firefox/133.0"


def _login_as(cli: Cli, email: str, agent: str) -> str:
    """A log-in over HTTP from another client (a browser) -> its session token."""
    req = urllib.request.Request(cli.api_url + "/auth/login", method="POST",
                                 data=json.dumps({"email": email, "password": PASSWORD}).encode(),
                                 headers={"Content-Type": "application/json", "User-Agent": agent})
    with urllib.request.urlopen(req, timeout=30) as r:   # nosec B310: the test's own loopback API
        return json.loads(r.read())["token"]


def _saved(cli: Cli) -> dict:
    return json.loads(cli.config_file.read_text())


def _row(stdout: str, session_id: str) -> str:
    return next(line for line in stdout.splitlines() if session_id in line)


def test_the_list_names_the_cli_and_marks_this_one(cli, account):
    browser = _login_as(cli, account.email, FIREFOX)
    listed = cli("account", "sessions", "--json").json()
    items = listed["items"]
    assert listed["next"] is None and len(items) == 3            # the sign-up's, the CLI's log-in, the browser's
    assert set(items[0]) == {"id", "created", "expires", "source_ip", "user_agent", "current"}
    mine = [i for i in items if i["current"]]
    assert len(mine) == 1 and mine[0]["user_agent"] == USER_AGENT
    firefox = next(i for i in items if i["user_agent"] == FIREFOX)
    assert firefox["current"] is False and firefox["source_ip"] == "127.0.0.1"

    shown = cli("account", "sessions").stdout
    header = shown.splitlines()[0].split()
    assert header == ["CREATED", "EXPIRES", "FROM", "CLIENT", "CURRENT", "ID"], shown
    this = _row(shown, mine[0]["id"])
    assert "launchbay CLI" in this and "this one" in this and "127.0.0.1" in this and " UTC" in this, this
    other = _row(shown, firefox["id"])
    assert "Firefox on macOS" in other and "this one" not in other, other
    assert "--end-others" in shown
    assert http(cli.api_url, "GET", "/me", token=browser)[0] == 200

    help_text = cli("account", "sessions", "--help").stdout
    assert "Examples" in help_text and "--end-others" in help_text


def test_end_another_then_the_others_then_this_one(cli, account):
    browser = _login_as(cli, account.email, FIREFOX)
    phone = _login_as(cli, account.email, "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Version/17.0 "
                                          "Mobile/15E148 Safari/604.1")
    items = cli("account", "sessions", "--json").json()["items"]
    firefox = next(i["id"] for i in items if i["user_agent"] == FIREFOX)

    ended = cli("account", "sessions", "--end", firefox)
    assert f"Signed out session {firefox} (127.0.0.1, Firefox on macOS)" in ended.stdout, ended.stdout
    assert http(cli.api_url, "GET", "/me", token=browser)[0] == 401      # ended at once
    assert http(cli.api_url, "GET", "/me", token=phone)[0] == 200
    assert "token" in _saved(cli)

    others = cli("account", "sessions", "--end-others")
    assert "Signed out 2 other sessions" in others.stdout, others.stdout   # the phone's and the sign-up's
    assert http(cli.api_url, "GET", "/me", token=phone)[0] == 401
    again = cli("account", "sessions", "--end-others", "--json").json()
    assert again == {"signed_out_sessions": 0}
    left = cli("account", "sessions", "--json").json()["items"]
    assert [i["current"] for i in left] == [True]

    session = _saved(cli)["token"]
    out = cli("account", "sessions", "--end", left[0]["id"])
    assert "you are logged out" in out.stdout and "is forgotten" in out.stdout, out.stdout
    saved = _saved(cli)
    assert "token" not in saved and saved["org"] == account.org_id       # the rest of the login stays
    assert http(cli.api_url, "GET", "/me", token=session)[0] == 401
    gone = cli("account", "sessions", ok=False)
    assert gone.exit_code == 1 and "not logged in" in gone.stderr


def test_ending_this_one_with_json(cli, account):
    current = next(i["id"] for i in cli("account", "sessions", "--json").json()["items"] if i["current"])
    got = cli("account", "sessions", "--end", current, "--json").json()
    assert got == {"ended": current, "current": True, "logged_out": True}
    assert "token" not in _saved(cli)


def test_refusals(cli, account, tmp_path):
    unknown = cli("account", "sessions", "--end", "ses_nope", ok=False)
    assert unknown.exit_code == 1 and unknown.stdout == "" and "404" in unknown.stderr, unknown.stderr
    assert "field: session" in unknown.stderr and "launchbay account sessions" in unknown.stderr
    as_json = cli("account", "sessions", "--end", "ses_nope", "--json", ok=False)
    err = json.loads(as_json.stderr)["error"]
    assert as_json.stdout == "" and err["status"] == 404 and err["field"] == "session"
    assert "token" in _saved(cli)                                        # a refusal forgets nothing

    both = cli("account", "sessions", "--end", "ses_x", "--end-others", ok=False)
    assert both.exit_code == 1 and "not both" in both.stderr

    limited = cli("tokens", "create", "--name", "one-org", "--org", account.org_id, "--json").json()["token"]
    ci = Cli(cli.api_url, tmp_path / "ci")
    ci("login", "--token", input=limited + "\n")
    refused = ci("account", "sessions", ok=False)
    assert refused.exit_code == 1 and "403" in refused.stderr and "field: authorization" in refused.stderr

    wide = cli("tokens", "create", "--name", "wide", "--json").json()["token"]
    robot = Cli(cli.api_url, tmp_path / "robot")
    robot("login", "--token", input=wide + "\n")
    shown = robot("account", "sessions").stdout
    assert "API token: none of these is the current one" in shown and "this one" not in shown.split("Asked")[0]
    ended = robot("account", "sessions", "--end-others")
    assert "Signed out 2 sessions (all of them: an API token is no session)" in ended.stdout, ended.stdout
    assert _saved(robot)["token"] == wide


def test_client_words():
    assert client_words(USER_AGENT).startswith("launchbay CLI")
    assert client_words("launchbay-cli/1.2 (Linux-6.1-x86_64)") == "launchbay CLI 1.2"
    assert client_words(FIREFOX) == "Firefox on macOS"
    assert client_words("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
                        "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0") == "Edge on Windows"
    assert client_words("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/131.0.0.0 Safari/537.36") \
        == "Chrome on Linux"
    assert client_words("curl/8.5.0") == "curl/8.5.0"
    long = "SomeTool " + "x" * 100
    assert client_words(long) == long[:39] + "…"
    assert client_words(None) == "-" and client_words("") == "-"
