"""launchbay mfa status|enable|disable|recovery-codes and the two-step `launchbay login`, through
the real CLI and API. Codes come from pyotp with the secret `mfa enable` prints."""
from __future__ import annotations

import io
import json
import re
import sys

from tests.cli.conftest import PASSWORD, http
from tests.support.totp import Authenticator


class TypedLater(io.RawIOBase):
    """stdin whose lines are typed one at a time, a callable one from what the command printed so
    far (as a person reads the secret off the screen before typing the code)."""

    def __init__(self, *lines):
        self.lines = list(lines)

    def readable(self):
        return True

    def readinto(self, buf):
        if not self.lines or len(buf) == 0:   # read(0) is a probe: it types nothing
            return 0
        line = self.lines.pop(0)
        if callable(line):
            sys.stdout.flush()
            line = line(sys.stdout.buffer.getvalue().decode())
        data = (line + "\n").encode()
        assert len(data) <= len(buf)
        buf[:len(data)] = data
        return len(data)


def enable(cli):
    """`launchbay mfa enable` as a person runs it -> (its output, the authenticator)."""
    apps = []

    def code(printed):
        secret = re.search(r"Secret: ([A-Z2-7]+)", printed).group(1)
        apps.append(Authenticator(secret))
        return apps[0].code()

    # click's own runner takes a stream as stdin (typer's wants it all up front)
    from click.testing import CliRunner
    from typer.main import get_command

    from cli.main import app

    result = CliRunner().invoke(get_command(app), ["mfa", "enable"], input=TypedLater(PASSWORD, code),
                                env=cli.env, prog_name="launchbay")
    assert result.exit_code == 0, (result.stdout, result.stderr, result.exception)
    return result, apps[0]


def test_enable_shows_the_uri_and_secret_then_the_recovery_codes_once(cli, account):
    assert "off" in cli("mfa").stdout and "launchbay mfa enable" in cli("mfa", "status").stdout
    run, app = enable(cli)
    assert "otpauth://totp/Launchbay:" in run.stdout and app.secret in run.stdout
    codes = re.findall(r"^\s+([a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4})$", run.stdout, re.M)
    assert len(codes) == 10 and "shown this once" in run.stdout
    assert PASSWORD not in run.stdout + run.stderr
    assert cli("mfa", "status", "--json").json() == {"enabled": True, "recovery_codes_left": 10}
    assert cli("mfa").stdout.strip() == "Two-factor authentication: on (10 recovery code(s) left)"
    # the session that turned it on stays; its saved token still works
    assert cli("projects", "--json").json()["items"][0]["name"] == "shop"


def test_login_asks_for_the_code_or_takes_it_or_a_recovery_code(cli, account):
    _, app = enable(cli)
    _, out = http(cli.api_url, "POST", "/auth/mfa/recovery-codes",
                  {"code": app.code()}, token=json.loads(cli.config_file.read_text())["token"])
    recovery = out["recovery_codes"]
    run = cli("login", "--email", account.email, input=f"{PASSWORD}\n{app.code()}\n")   # prompted (stdin here)
    assert f"as {account.email}" in run.stdout
    token = json.loads(cli.config_file.read_text())["token"]
    assert http(cli.api_url, "GET", "/me", token=token)[0] == 200
    code = app.code()
    run = cli("login", "--email", account.email, "--code", code, "--json", input=PASSWORD + "\n")
    assert run.json()["user"]["email"] == account.email
    replay = cli("login", "--email", account.email, "--code", code, input=PASSWORD + "\n", ok=False)
    assert replay.exit_code == 1 and "used already" in replay.stderr and "(field: code)" in replay.stderr
    run = cli("login", "--email", account.email, "--recovery-code", input=f"{PASSWORD}\n{recovery[0]}\n")
    assert f"as {account.email}" in run.stdout and recovery[0] not in run.stdout + run.stderr
    again = cli("login", "--email", account.email, "--recovery-code", input=f"{PASSWORD}\n{recovery[0]}\n", ok=False)
    assert again.exit_code == 1 and "recovery code is not valid" in again.stderr
    assert cli("mfa", "--json").json()["recovery_codes_left"] == 9


def test_recovery_codes_and_disable(cli, account):
    _, app = enable(cli)
    run = cli("mfa", "recovery-codes", "--code", app.code())
    fresh = re.findall(r"^\s+([a-z0-9]{4}(?:-[a-z0-9]{4}){3})$", run.stdout, re.M)
    assert len(fresh) == 10
    wrong = cli("mfa", "disable", "--code", app.wrong(), input=PASSWORD + "\n", ok=False)
    assert wrong.exit_code == 1 and "(field: code)" in wrong.stderr
    both = cli("mfa", "disable", "--code", "123456", "--recovery-code", input=PASSWORD + "\n", ok=False)
    assert both.exit_code == 1 and "not both" in both.stderr
    out = cli("mfa", "disable", "--recovery-code", "--json", input=f"{PASSWORD}\n{fresh[5]}\n").json()
    assert out == {"enabled": False, "recovery_codes_left": 0}
    assert "off" in cli("mfa").stdout
    run = cli("login", "--email", account.email, input=PASSWORD + "\n")   # one step again
    assert f"as {account.email}" in run.stdout


def test_an_api_token_cannot_change_two_factor(cli, account):
    token = json.loads(cli.config_file.read_text())["token"]
    _, tok = http(cli.api_url, "POST", "/tokens", {"name": "ci"}, token=token)
    run = cli("mfa", "enable", input=PASSWORD + "\n", env={"LAUNCHBAY_TOKEN": tok["token"]}, ok=False)
    assert run.exit_code == 1 and "log-in session" in run.stderr
    assert cli("mfa", "status", env={"LAUNCHBAY_TOKEN": tok["token"]}).stdout.startswith("Two-factor authentication: off")
