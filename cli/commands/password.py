"""password forgot, password reset: choosing a new password with the link Launchbay e-mails.

Neither needs a login. `forgot` answers the same whether or not an account uses the address (the
API tells no one which addresses have accounts). `reset` takes the token from the e-mail's link and
the new password, never as an argument: from stdin, $LAUNCHBAY_NEW_PASSWORD, or a hidden prompt
asked twice. Every session and API token of the account ends; `launchbay login` again."""
from __future__ import annotations

import getpass
import os
import sys
import urllib.parse
from typing import Annotated, Any, Optional

import typer

from cli.app import Api, Json, app
from cli.client import Client
from cli.commands.prompts import line_input, secret_input
from cli.session import CliError, Session

TOKEN_ENV = "LAUNCHBAY_RESET_TOKEN"
PASSWORD_ENV = "LAUNCHBAY_NEW_PASSWORD"

password_app = typer.Typer(help="Forgot your password: `password forgot` e-mails a link, `password reset` sets a new "
                                "one with its token. No login needed.", no_args_is_help=True)
app.add_typer(password_app, name="password")


@password_app.callback(epilog="""[bold]Examples[/bold]

  launchbay password forgot me@example.com

  launchbay password reset --token 'https://lb.example.com/reset-password?token=…'""")
def _password() -> None:
    pass


# A hidden --password: given anyway, it is refused with where a password is read from instead.
PasswordArgument = Annotated[Optional[str], typer.Option("--password", hidden=True)]


def refuse_password_argument(password: Optional[str], env_var: str) -> None:
    if password is not None:
        raise typer.BadParameter("the password is never taken as an argument (it stays in the shell history and the "
                                 f"process list): pipe it in with --password-stdin, set ${env_var}, or leave "
                                 "both out to be asked", param_hint="--password")


def on_terminal() -> bool:
    return sys.stdin is not None and sys.stdin.isatty()


def token_of(raw: str, names: tuple[str, ...] = ("token",)) -> str:
    """The token as given: itself, or the whole link of the e-mail (…/reset-password?token=…), whose
    query holds it under one of `names` (an invitation's links: …/signup?email=…&invitation=…)."""
    raw = raw.strip()
    if "=" in raw:
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(raw).query)
        for name in names:
            found = query.get(name)
            if found and found[0].strip():
                return found[0].strip()
    return raw


def link_email(raw: str) -> Optional[str]:
    """The `email` an e-mail's link carries (an invitation's …/login?email=…&invitation=…), if any."""
    found = urllib.parse.parse_qs(urllib.parse.urlsplit(raw.strip()).query).get("email")
    return found[0].strip() if found and found[0].strip() else None


def _anonymous(json: bool, api: Optional[str]) -> tuple[Session, Client]:
    """The API without a login (a saved token, maybe one that no longer works, is not sent)."""
    s = Session(json, api=api, need_login=False)
    return s, Client(s.api)


@password_app.command("forgot", epilog="""[bold]Examples[/bold]

  launchbay password forgot me@example.com

  launchbay password forgot me@example.com --api https://lb.example.com/v1

Then: launchbay password reset --token TOKEN (the token, or the whole link, from the e-mail).""")
def password_forgot(
    email: Annotated[str, typer.Argument(metavar="EMAIL", help="The e-mail address you log in with.")],
    api: Api = None,
    json: Json = False,
) -> None:
    """E-mail a link to choose a new password (it works once, within 30 minutes). The answer is the
    same whether or not an account uses the address. No login needed."""
    s, client = _anonymous(json, api)
    got = client.post("/auth/password-reset", {"email": email})

    def human() -> None:
        s.out.line(sentence(got.get("message") or f"if an account uses {email}, a link is on its way"))
        if got.get("sandbox"):
            s.out.line(f"Sandbox: {got['sandbox']}", style="yellow")
        s.out.line("Then: launchbay password reset --token TOKEN (the token, or the whole link, from the e-mail)",
                   style="dim")
    s.out.result(got, human)


def sentence(words: str) -> str:
    return words[:1].upper() + words[1:] + ("" if words.endswith((".", "!", "?")) else ".")


def _token(given: Optional[str]) -> str:
    if given and given.strip():
        return token_of(given)
    if on_terminal():
        return token_of(line_input("Token (or the link from the e-mail): "))
    raise typer.BadParameter(f"give the token of the e-mail's link: --token TOKEN, or ${TOKEN_ENV}",
                             param_hint="--token")


def new_password(stdin: bool) -> str:
    """The new password, never from an argument: stdin (--password-stdin), $LAUNCHBAY_NEW_PASSWORD,
    or a hidden prompt asked twice (both must match)."""
    if stdin and not on_terminal():
        return secret_input("New password: ")
    if not stdin and os.environ.get(PASSWORD_ENV):
        return os.environ[PASSWORD_ENV]
    if on_terminal():
        first = getpass.getpass("New password: ")
        if not first:
            raise CliError("no password was given: nothing was changed")
        if getpass.getpass("The new password again: ") != first:
            raise CliError("the two passwords differ: nothing was changed")
        return first
    raise typer.BadParameter(f"no terminal to ask for the new password on: pipe it in (--password-stdin) or set "
                             f"${PASSWORD_ENV}; never as an argument", param_hint="--password-stdin")


@password_app.command("reset", epilog=f"""[bold]Examples[/bold]

  launchbay password reset --token 3q2-7wEv…   [dim]# asks for the new password twice (no echo)[/dim]

  launchbay password reset --token 'https://lb.example.com/reset-password?token=3q2-7wEv…'

  printf '%s\\n' "$NEW_PASSWORD" | {TOKEN_ENV}=3q2-7wEv… launchbay password reset --password-stdin

  {PASSWORD_ENV}="$NEW_PASSWORD" launchbay password reset --token 3q2-7wEv… --json""")
def password_reset(
    token: Annotated[Optional[str], typer.Option("--token", metavar="TOKEN", envvar=TOKEN_ENV, show_envvar=True,
                                                 help="The token of the e-mail's link (or the whole link); asked "
                                                      "on a terminal when missing.")] = None,
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the new password from stdin "
                                                                          f"(else ${PASSWORD_ENV}, else asked "
                                                                          "twice without echo).")] = False,
    password: PasswordArgument = None,
    api: Api = None,
    json: Json = False,
) -> None:
    """Choose a new password with the token of the e-mailed link (it works once, within 30 minutes).
    Every session and API token of the account ends: log in again (two-factor authentication still
    applies).

    The new password is never taken from the command line (it would end up in the shell history and
    the process list): it is read from stdin (--password-stdin), from $LAUNCHBAY_NEW_PASSWORD, or
    asked twice without echo on a terminal."""
    refuse_password_argument(password, PASSWORD_ENV)
    s, client = _anonymous(json, api)
    reset_token = _token(token)
    value = new_password(password_stdin)
    got = client.post("/auth/password-reset/confirm", {"token": reset_token, "password": value})
    del value
    s.out.result(got, lambda: s.out.line(changed_words(got)))


def changed_words(got: dict[str, Any]) -> str:
    email = got.get("email") or "your account"
    tokens, sessions = int(got.get("revoked_api_tokens") or 0), int(got.get("signed_out_sessions") or 0)
    ended = [f"{tokens} API token{'s' if tokens != 1 else ''} revoked",
             f"{sessions} session{'s' if sessions != 1 else ''} signed out"]
    return (f"Password changed for {email}; {' and '.join(ended)}. "
            f"Log in again: launchbay login --email {email}")
