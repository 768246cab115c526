"""registries: the organization's credentials for private container registries (GHCR, Docker Hub,
GitLab, Quay, your own), as `docker login` / `docker logout` keep them, but for the deploys: a
deploy of an image in such a registry signs in with them, pins the tag to its digest and gives ECS
the credentials to pull with. Admins set and remove them; every member sees which exist (the user
name and the password's last four characters, never the password)."""
from __future__ import annotations

import re
import sys
from typing import Annotated, Any, Optional

import typer

from cli.app import Json, Org, app
from cli.client import ApiError, segment
from cli.commands.prompts import confirmed, line_input, secret_option
from cli.session import CliError, Session

COLUMNS = [("host", "HOST"), ("username", "USER"), ("hint", "PASSWORD"), ("checked", "CHECK"), ("updated", "UPDATED")]
SHOWN = ["host", "username", "password", "version", "check", "checked_at", "set_by", "created", "updated"]
HOST_ARG = Annotated[str, typer.Argument(metavar="HOST", help="The registry's host name, with its port if not 443: "
                                                              "ghcr.io, docker.io, registry.gitlab.com, "
                                                              "127.0.0.1:5000.")]

registries_app = typer.Typer(help="Private container registries: the organization's credentials per registry host "
                                  "(admins log in; every member sees the user name, never the password). Deploys of "
                                  "images in that registry pull with them.", no_args_is_help=False)
app.add_typer(registries_app, name="registries")


def host_of(raw: str) -> str:
    """The registry host as `docker login` reads its argument: a URL's scheme and path are dropped
    (https://index.docker.io/v1/ -> index.docker.io; the API then says docker.io)."""
    host = re.sub(r"^[a-z][a-z0-9+.-]*://", "", raw.strip(), flags=re.I)
    host = host.split("/", 1)[0]
    if not host:
        raise typer.BadParameter(f"{raw!r} names no registry host (e.g. ghcr.io)", param_hint="HOST")
    return host


def _path(s: Session, host: str = "") -> str:
    return s.org_path("/registries" + (f"/{segment(host)}" if host else ""))


def check_words(item: dict[str, Any]) -> str:
    """The last check of the credentials, in a few words."""
    check = item.get("check") or {}
    if check.get("ok") is True:
        return "signed in"
    if check.get("ok") is False:
        return "refused"
    return "not checked" if check else "-"


def _list(s: Session) -> None:
    items = s.client.get(_path(s)).get("items") or []
    rows = [{**i, "checked": check_words(i)} for i in items]
    s.out.result({"items": items}, lambda: s.out.table(
        rows, COLUMNS, "no registry credentials: deploys pull images without any (`launchbay registries login HOST "
                       "-u USER`, admins)"))


@registries_app.callback(invoke_without_command=True, epilog="[bold]Example[/bold]\n\n  launchbay registries")
def _default(ctx: typer.Context, org: Org = None, json: Json = False) -> None:
    """List the organization's registry credentials (the same as `registries list`)."""
    if ctx.invoked_subcommand is None:
        _list(Session(json, org=org))


@registries_app.command("list", epilog="[bold]Example[/bold]\n\n  launchbay registries list --json")
def registries_list(org: Org = None, json: Json = False) -> None:
    """List the registries the organization has credentials for: host, user name, the password's last
    four characters, whether signing in worked when they were set, and when; never the password."""
    _list(Session(json, org=org))


@registries_app.command("show", epilog="""[bold]Examples[/bold]

  launchbay registries show ghcr.io

  launchbay registries show 127.0.0.1:5000 --json""")
def registries_show(host: HOST_ARG, org: Org = None, json: Json = False) -> None:
    """One registry's credentials: the user name, the password's last four characters and version, the
    last check, who set them and when (never the password)."""
    s = Session(json, org=org)
    got = _get(s, host_of(host), f"`launchbay registries login {host_of(host)} -u USER` sets them")

    def human() -> None:
        check = got.get("check") or {}
        s.out.fields({**got, "password": f"set ({got.get('hint')}; never shown)" if got.get("password_set") else
                      "not set",
                      "check": check.get("message") or check_words(got),   # "signed in to ...", "not checked: ..."
                      "checked_at": check.get("at")}, SHOWN)
    s.out.result(got, human)


def _get(s: Session, host: str, missing: str) -> dict[str, Any]:
    """One registry's credentials; none: the API's 404 naming the host and what to do."""
    try:
        return s.client.get(_path(s, host))
    except ApiError as exc:
        if exc.status == 404:
            raise exc.reworded(f"no credentials for {host}: {missing}") from None
        raise


def _password(stdin: bool, env_var: Optional[str], host: str) -> str:
    """The password, never from an argument: stdin, the variable --password-env names, or a hidden prompt."""
    value = secret_option(stdin, env_var, prompt="Password: ", flags=("--password-stdin", "--password-env"),
                          what="password", export_hint=": export it with the password or access token first",
                          no_terminal=f"no terminal to ask for the password of {host} on: pipe it in "
                                      "(--password-stdin) or name the environment variable holding it "
                                      "(--password-env VAR); never as an argument",
                          no_terminal_hint="--password-stdin")
    assert value is not None   # required: given, or refused
    return value


@registries_app.command("login", epilog="""[bold]Examples[/bold]

  launchbay registries login ghcr.io -u my-github-user          [dim]# asks for the token (no echo)[/dim]

  printf '%s' "$GHCR_TOKEN" | launchbay registries login ghcr.io -u my-github-user --password-stdin

  launchbay registries login registry.gitlab.com -u gitlab+deploy-token-1 --password-env GITLAB_DEPLOY_TOKEN

  launchbay registries login docker.io -u mydockerid --password-stdin < token.txt

A token with read (pull) access is enough: GHCR, a personal access token with read:packages; Docker Hub, a read-only access token; GitLab, a deploy token with read_registry.""")
def registries_login(
    host: HOST_ARG,
    username: Annotated[Optional[str], typer.Option("--username", "-u", help="The user name (GHCR: your GitHub "
                                                                             "user; Docker Hub: your Docker ID; "
                                                                             "GitLab: the deploy token's user name); "
                                                                             "asked when missing on a terminal.")]
    = None,
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password or access token from "
                                                                          "stdin.")] = False,
    password_env: Annotated[Optional[str], typer.Option("--password-env", metavar="VAR",
                                                        help="Read the password from this environment variable.")]
    = None,
    password: Annotated[Optional[str], typer.Option("--password", "-p", hidden=True)] = None,
    org: Org = None,
    json: Json = False,
) -> None:
    """Set or replace the organization's credentials for a registry (admins). The registry is asked
    whether they sign in first, as `docker login` does: a refusal saves nothing (exit 1).

    The password is never taken from the command line (it would end up in the shell history and the
    process list): it is asked without echo on a terminal, or read from stdin (--password-stdin) or an
    environment variable (--password-env). Deploys of images in HOST pull with these credentials from
    their next start; nothing is redeployed."""
    if password is not None:
        raise typer.BadParameter("the password is never taken as an argument (it stays in the shell history and "
                                 "the process list): pipe it in with --password-stdin, name the variable holding "
                                 "it with --password-env VAR, or leave both out to be asked", param_hint="--password")
    host = host_of(host)
    if not username:
        if sys.stdin is None or not sys.stdin.isatty() or password_stdin:
            raise typer.BadParameter("give the user name: -u USER", param_hint="--username")
        username = line_input("Username: ")
    s = Session(json, org=org)
    path = _path(s, host)   # the organization is resolved before the password is read
    value = _password(password_stdin, password_env, host)
    got = s.client.put(path, {"username": username, "password": value})
    del value

    def human() -> None:
        check = got.get("check") or {}
        if check.get("ok") is True:
            head = f"Signed in to {got['host']} as {got['username']}"
        else:
            head = f"Saved {got['username']}'s credentials for {got['host']} ({check.get('message') or 'not checked'})"
        s.out.line(f"{head}; {got.get('message') or 'deploys of images there pull with these credentials'}")
    s.out.result(got, human)


@registries_app.command("logout", epilog="""[bold]Examples[/bold]

  launchbay registries logout ghcr.io

  launchbay registries logout 127.0.0.1:5000 --yes --json""")
def registries_logout(
    host: HOST_ARG,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Remove without asking.")] = False,
    org: Org = None, json: Json = False,
) -> None:
    """Remove the organization's credentials for a registry (admins): later deploys pull its images
    without credentials, and their copies leave your AWS accounts. Asks first, unless --yes."""
    s = Session(json, org=org)
    if json and not yes:
        raise CliError("--json cannot ask for confirmation: add --yes")
    host = host_of(host)
    got = _get(s, host, "nothing to remove")
    who = f"{got['username']}'s credentials" if got.get("username") else "the credentials"
    if not yes and not confirmed(f"Remove {who} for {got.get('host') or host}? Deploys of its images then pull "
                                 "without credentials.",
                                 "nothing removed: no answer on stdin (add --yes to remove without asking)"):
        raise CliError("nothing was removed")
    s.client.delete(_path(s, got.get("host") or host))
    gone = {"host": got.get("host") or host, "username": got.get("username"), "removed": True}
    s.out.result(gone, lambda: s.out.line(
        f"Removed the credentials for {gone['host']}: later deploys pull its images without credentials; their "
        "copies leave your AWS accounts shortly"))
