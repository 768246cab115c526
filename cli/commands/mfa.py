"""mfa: two-factor authentication (TOTP, an authenticator app) for your account: status, enable,
disable, recovery-codes. `launchbay login` asks for the code when it is on."""
from __future__ import annotations

from typing import Annotated, Any, Callable, Optional

import typer

from cli.app import Json, app
from cli.client import Client
from cli.commands.prompts import secret_input
from cli.session import Session

mfa_app = typer.Typer(help="Two-factor authentication for your account (an authenticator app): status, enable, "
                           "disable, recovery-codes. Log-in sessions only: API tokens cannot change it.",
                      no_args_is_help=False)
app.add_typer(mfa_app, name="mfa")

CodeOption = Annotated[Optional[str], typer.Option(
    "--code", help="The current 6-digit code of your authenticator app (asked without echo when missing; "
                   "a code works once and for about a minute, so it may be given here).")]
RecoveryOption = Annotated[bool, typer.Option(
    "--recovery-code", help="Use one of your recovery codes instead of a code (asked without echo: a recovery "
                            "code is never a command-line argument).")]


def second_factor(code: Optional[str], recovery: bool) -> dict[str, str]:
    """{"code"} or {"recovery_code"}: from --code, else a hidden prompt (or stdin)."""
    if recovery:
        if code:
            from cli.session import CliError

            raise CliError("give either --code or --recovery-code, not both")
        return {"recovery_code": secret_input("Recovery code: ")}
    return {"code": code or secret_input("Code from your authenticator app: ")}


def with_second_factor(send: Callable[[dict[str, Any]], dict[str, Any]], body: dict[str, Any],
                       on_terminal: Callable[[], bool]) -> dict[str, Any]:
    """send(body) for a request that takes the password (and the second factor when it is on): when
    the API says a code is needed and none was given, ask for it on a terminal and send again; off a
    terminal, say which option gives it. The password leaves `body` afterwards, whatever happened."""
    from cli.client import ApiError

    try:
        try:
            return send(body)
        except ApiError as exc:
            if not (exc.status == 422 and exc.field == "code" and "code" not in body and "recovery_code" not in body):
                raise
            if not on_terminal():
                raise exc.reworded(f"{exc.message}: give --code CODE (or --recovery-code)") from None
            body.update(second_factor(None, False))   # two-factor authentication is on: ask for the code
            return send(body)
    finally:
        body.pop("password", None)


def _status_line(mfa: dict[str, Any]) -> str:
    if not mfa.get("enabled"):
        return "Two-factor authentication: off. Turn it on: launchbay mfa enable"
    return f"Two-factor authentication: on ({mfa.get('recovery_codes_left', 0)} recovery code(s) left)"


def _print_codes(s: Session, codes: list[str]) -> None:
    s.out.line("Recovery codes (shown this once; each works once, when you have no authenticator at hand):",
               style="bold")
    for c in codes:
        s.out.line(f"  {c}")
    s.out.line("Keep them somewhere safe (a password manager). `launchbay mfa recovery-codes` makes new ones.")


def _status(json: bool) -> None:
    s = Session(json)
    mfa = s.client.get("/me").get("mfa") or {"enabled": False, "recovery_codes_left": 0}
    s.out.result(mfa, lambda: s.out.line(_status_line(mfa)))


@mfa_app.callback(invoke_without_command=True, epilog="[bold]Example[/bold]\n\n  launchbay mfa")
def _default(ctx: typer.Context, json: Json = False) -> None:
    """Whether two-factor authentication is on (the same as `mfa status`)."""
    if ctx.invoked_subcommand is None:
        _status(json)


@mfa_app.command("status", epilog="[bold]Example[/bold]\n\n  launchbay mfa status --json")
def mfa_status(json: Json = False) -> None:
    """Whether two-factor authentication is on, and how many recovery codes are left."""
    _status(json)


@mfa_app.command("enable", epilog="""[bold]Example[/bold]

  launchbay mfa enable     [dim]# asks for your password, prints the otpauth URI and the secret, asks for a code[/dim]""")
def mfa_enable(code: CodeOption = None, json: Json = False) -> None:
    """Turn two-factor authentication on: asks for your password, prints the otpauth:// URI and the
    secret to add to your authenticator app, then asks for its current code. Prints 10 recovery
    codes, this once. Your other sessions end; API tokens keep working."""
    s = Session(json)
    password = secret_input("Password: ")
    setup = s.client.post("/auth/mfa/setup", {"password": password})
    s.out.note("Add this account to your authenticator app (scan the URI as a QR code, or type the secret):")
    s.out.note(f"  URI:    {setup['otpauth_uri']}")
    s.out.note(f"  Secret: {setup['secret']}")
    done = s.client.post("/auth/mfa/confirm", {"code": code or secret_input("Code from your authenticator app: ")})
    def human() -> None:
        s.out.line("Two-factor authentication is on. Your other sessions have ended.", style="green")
        _print_codes(s, done["recovery_codes"])
    s.out.result(done, human)


@mfa_app.command("disable", epilog="""[bold]Examples[/bold]

  launchbay mfa disable                   [dim]# asks for your password and a code[/dim]

  launchbay mfa disable --recovery-code   [dim]# no authenticator at hand: a recovery code instead[/dim]""")
def mfa_disable(code: CodeOption = None, recovery_code: RecoveryOption = False, json: Json = False) -> None:
    """Turn two-factor authentication off: your password and a code (or a recovery code). Your other
    sessions end. Where an organization requires it, you are refused there until it is on again."""
    s = Session(json)
    password = secret_input("Password: ")
    out = s.client.post("/auth/mfa/disable", {"password": password, **second_factor(code, recovery_code)})
    s.out.result(out["mfa"], lambda: s.out.line("Two-factor authentication is off. Your other sessions have ended."))


@mfa_app.command("recovery-codes", epilog="[bold]Example[/bold]\n\n  launchbay mfa recovery-codes")
def mfa_recovery_codes(code: CodeOption = None, json: Json = False) -> None:
    """Replace your recovery codes with 10 new ones (a current code), printed this once; the old
    ones stop working."""
    s = Session(json)
    out = s.client.post("/auth/mfa/recovery-codes", {"code": code or secret_input("Code from your authenticator app: ")})
    s.out.result(out, lambda: _print_codes(s, out["recovery_codes"]))


def finish_login(client: Client, challenge: dict[str, Any], code: Optional[str], recovery: bool) -> dict[str, Any]:
    """The second step of `launchbay login` -> the session ({token, expires_in, joined})."""
    body = {"mfa_token": challenge["mfa_token"], **second_factor(code, recovery)}
    return dict(client.post("/auth/login/mfa", body))
