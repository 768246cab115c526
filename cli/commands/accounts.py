"""login, logout, orgs."""
from __future__ import annotations

from typing import Annotated, Optional

import typer

from cli import config
from cli.app import Api, Json, Org, app
from cli.client import ApiError, Client
from cli.commands.mfa import CodeOption, RecoveryOption, finish_login
from cli.commands.prompts import line_input, secret_input
from cli.session import CliError, Session, pick


@app.command(epilog="""[bold]Examples[/bold]

  launchbay login --email me@example.com          [dim]# asks for the password (no echo)[/dim]

  printf '%s\\n' "$PASSWORD" | launchbay login --email me@example.com --api https://lb.example.com/v1

  echo "$LAUNCHBAY_API_TOKEN" | launchbay login --token  [dim]# an API token (lb_...) from stdin[/dim]

  launchbay login --email me@example.com --code 123456   [dim]# two-factor authentication on: the current code[/dim]""")
def login(
    email: Annotated[Optional[str], typer.Option("--email", help="Your e-mail (asked when missing).")] = None,
    token: Annotated[bool, typer.Option("--token", help="Log in with an API token read from stdin or a hidden prompt.")] = False,
    code: CodeOption = None,
    recovery_code: RecoveryOption = False,
    api: Api = None,
    org: Org = None,
    json: Json = False,
) -> None:
    """Log in and save the API, the token and a default organization (file mode 0600).

    The password and the API token are never taken from the command line (they would end up
    in the shell history and the process list): they are read without echo on a terminal, or
    from stdin. With two-factor authentication on, the code of your authenticator app is asked
    next (or given with --code), or a recovery code with --recovery-code."""
    s = Session(json, org=org, api=api, need_login=False)
    client = Client(s.api)
    if token:
        if email:
            raise CliError("give either --email or --token, not both")
        client.token = secret_input("API token: ")
    else:
        email = email or line_input("E-mail: ")
        password = secret_input("Password: ")
        answer = client.post("/auth/login", {"email": email, "password": password})
        if answer.get("mfa_required"):   # two-factor authentication: the second step
            client.token = finish_login(client, answer, code, recovery_code)
        else:
            client.token = answer["token"]
    me = client.get("/me")
    orgs = me.get("organizations") or []
    saved = s.saved if s.saved.get("api") == s.api else {}
    chosen = None
    if org:
        chosen = pick(orgs, org, "organization")
    elif saved.get("org") and any(o["id"] == saved["org"] for o in orgs):
        chosen = next(o for o in orgs if o["id"] == saved["org"])
    elif orgs:
        chosen = orgs[0]
    keep = chosen is not None and saved.get("org") == chosen["id"]
    path = config.save({"api": s.api, "token": client.token, "org": chosen and chosen["id"],
                        "project": saved.get("project") if keep else None, "env": saved.get("env") if keep else None})
    user = me.get("user") or {}
    result = {"api": s.api, "user": user, "organization": chosen, "config": str(path)}
    s.out.result(result, lambda: s.out.line(
        f"Logged in to {s.api} as {user.get('email')}"
        + (f"; organization {chosen['name']} ({chosen['id']})" if chosen else "; you belong to no organization yet")))


@app.command(epilog="[bold]Example[/bold]\n\n  launchbay logout")
def logout(json: Json = False) -> None:
    """End the session on the server (or revoke the API token) and forget the token here."""
    s = Session(json, need_login=False)
    token = s.saved.get("token")
    revoked = False
    if token:
        try:
            s.client.post("/auth/logout")
            revoked = True
        except ApiError as exc:
            if exc.status != 401:  # an expired or revoked token: forgetting it is all that is left
                raise
        config.save({**s.saved, "token": None})
    s.out.result({"logged_out": bool(token), "revoked": revoked},
                 lambda: s.out.line("Logged out." if token else "Not logged in."))


orgs_app = typer.Typer(help="Organizations you belong to; `orgs use` picks the default.", no_args_is_help=False)
app.add_typer(orgs_app, name="orgs")


def _list_orgs(json: bool) -> None:
    s = Session(json)
    items = s.orgs()
    current = s.saved.get("org")
    for o in items:
        o["default"] = o["id"] == current
    s.out.result({"items": items}, lambda: s.out.table(
        items, [("id", "ID"), ("name", "NAME"), ("role", "ROLE"), ("default", "DEFAULT")], "no organizations"))


@orgs_app.callback(invoke_without_command=True, epilog="[bold]Examples[/bold]\n\n  launchbay orgs\n\n  launchbay orgs use Acme")
def orgs(ctx: typer.Context, json: Json = False) -> None:
    """List your organizations (the default one is marked)."""
    if ctx.invoked_subcommand is None:
        _list_orgs(json)


@orgs_app.command("list", epilog="[bold]Example[/bold]\n\n  launchbay orgs list --json")
def orgs_list(json: Json = False) -> None:
    """List your organizations."""
    _list_orgs(json)


@orgs_app.command("use", epilog="[bold]Example[/bold]\n\n  launchbay orgs use Acme")
def orgs_use(ref: Annotated[str, typer.Argument(metavar="ORG", help="Organization id or name.")], json: Json = False) -> None:
    """Make ORG the default organization (forgets the default project and environment)."""
    s = Session(json)
    chosen = pick(s.orgs(), ref, "organization")
    config.save({**s.saved, "org": chosen["id"], "project": None, "env": None})
    s.out.result(chosen, lambda: s.out.line(f"Default organization: {chosen['name']} ({chosen['id']})"))


account_app = typer.Typer(help="Your own account: which e-mails about your work you get.", no_args_is_help=True)
app.add_typer(account_app, name="account")
ON_OFF = {"on": True, "off": False}


@account_app.callback(epilog="[bold]Example[/bold]\n\n  launchbay account notifications --deploy-failures off")
def _account() -> None:
    pass


@account_app.command("notifications", epilog="""[bold]Examples[/bold]

  launchbay account notifications

  launchbay account notifications --deploy-failures off --approvals on""")
def account_notifications(
    deploy_failures: Annotated[Optional[str], typer.Option(
        "--deploy-failures", metavar="on|off", help="E-mail me when a deploy I started fails or is rolled back.")] = None,
    approvals: Annotated[Optional[str], typer.Option(
        "--approvals", metavar="on|off", help="E-mail me when a deploy waits for my approval.")] = None,
    token_expiry: Annotated[Optional[str], typer.Option(
        "--token-expiry", metavar="on|off", help="E-mail me a week before an API token of mine expires.")] = None,
    json: Json = False,
) -> None:
    """Show, or turn on and off, the e-mails about your own work (no subscription needed): deploys you
    started that fail, deploys waiting for your approval, API tokens of yours about to expire. All are
    on until you turn them off."""
    s = Session(json)
    changes = {}
    for name, value in (("deploy_failures", deploy_failures), ("approvals", approvals), ("token_expiry", token_expiry)):
        if value is not None:
            if value.lower() not in ON_OFF:
                raise CliError(f"--{name.replace('_', '-')} takes on or off, not {value!r}")
            changes[name] = ON_OFF[value.lower()]
    got = s.client.patch("/me/notifications", changes) if changes else s.client.get("/me/notifications")

    def show() -> None:
        for key, about in (got.get("about") or {}).items():
            s.out.line(f"{'on ' if got.get(key) else 'off'}  {key.replace('_', '-'):16} {about}")
        s.out.line(f"to: {got.get('email')}")
    s.out.result(got, show)
