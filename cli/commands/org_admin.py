"""orgs create, orgs rename, orgs delete; account delete.

Deleting asks for the name again (an organization: --confirm NAME, or typed on a terminal) or for
"delete" (the account: --yes, or typed on a terminal), and deleting the account asks for the
password too (stdin, $LAUNCHBAY_PASSWORD or a hidden prompt; never an argument). Both need a log-in
session, not an API token; the API refuses what it cannot do yet (an organization that still has
projects, an account that is some organization's only owner) in its own words."""
from __future__ import annotations

from typing import Annotated, Any, Optional

import typer

from cli import config
from cli.app import Json
from cli.client import ApiError, Client, segment
from cli.commands.accounts import (
    API_TOKEN_PREFIX,
    PASSWORD_ENV,
    _forget_ended_session,
    account_app,
    current_password,
    orgs_app,
)
from cli.commands.mfa import CodeOption, RecoveryOption, second_factor, with_second_factor
from cli.commands.password import PasswordArgument, on_terminal, refuse_password_argument
from cli.commands.prompts import line_input
from cli.session import CliError, Session, pick

LOG_IN_HINT = "log in with your password (`launchbay login --email ADDRESS`), or unset LAUNCHBAY_TOKEN"
DELETE_WORD = "delete"


def _refused(exc: ApiError, hint: str = LOG_IN_HINT) -> ApiError:
    """A 403 at `authorization` (an API token where a log-in session is needed, or a token limited to
    one organization) with what to do about it."""
    if exc.status == 403 and exc.field == "authorization":
        return exc.reworded(f"{exc.message}: {hint}")
    return exc


def _session_only(s: Session, what: str) -> None:
    """Refused before anything is asked: an API token cannot delete `what` (the API says so too)."""
    token = s.client.token or ""
    if token.startswith(API_TOKEN_PREFIX):
        raise CliError(f"{what} is deleted from a log-in session, not an API token: {LOG_IN_HINT}")


def _name_of(raw: str, hint: str) -> str:
    name = raw.strip()
    if not name:
        raise typer.BadParameter("give a name (1 to 100 characters)", param_hint=hint)
    return name


# --- orgs create ----------------------------------------------------------------------------

@orgs_app.command("create", epilog="""[bold]Examples[/bold]

  launchbay orgs create "Side project"          [dim]# you are its owner[/dim]

  launchbay orgs create Acme-EU --use           [dim]# and make it the default organization (as `orgs use`)[/dim]

  launchbay orgs create Lab --json | jq -r .id""")
def orgs_create(
    name: Annotated[str, typer.Argument(metavar="NAME", help="Its name (1 to 100 characters; none of your "
                                                             "organizations may have it already, case aside).")],
    use: Annotated[bool, typer.Option("--use", help="Make it the default organization (forgets the default project "
                                                    "and environment, as `orgs use`).")] = False,
    json: Json = False,
) -> None:
    """Create an organization; you are its owner. Your organizations are told apart by name, so
    none of them may have the name already (case aside; 409 at `name`). One person owns at most 20
    organizations and creates at most 10 an hour (429, with when to try again). A token limited to
    one organization cannot create another."""
    name = _name_of(name, "NAME")
    s = Session(json)
    try:
        got = dict(s.client.post("/orgs", {"name": name}))
    except ApiError as exc:
        raise _refused(exc, "log in with your password, or use an API token not limited to one organization") from None
    if use:
        config.save({**s.saved, "org": got["id"], "project": None, "env": None})
    result = {**got, "default": use}

    def human() -> None:
        s.out.line(f"Created organization {got.get('name')} ({got.get('id')}); you are its owner")
        if use:
            s.out.line(f"Default organization: {got.get('name')} ({got.get('id')})")
        else:
            s.out.line(f"`launchbay orgs use {got.get('id')}` makes it your default organization", style="dim")
    s.out.result(result, human)


# --- orgs rename ----------------------------------------------------------------------------

@orgs_app.command("rename", epilog="""[bold]Examples[/bold]

  launchbay orgs rename "Acme Inc"              [dim]# the default organization[/dim]

  launchbay orgs rename Acme "Acme Inc"         [dim]# another one of yours, by name or id[/dim]

  launchbay orgs rename org_... Lab --json""")
def orgs_rename(
    first: Annotated[str, typer.Argument(metavar="ORG", help="The organization: id or name, as `orgs use`; "
                                                             "alone, the new name of the default one.")],
    second: Annotated[Optional[str], typer.Argument(metavar="NEW_NAME", show_default=False,
                                                    help="Its new name.")] = None,
    json: Json = False,
) -> None:
    """Rename an organization (owners and admins): `orgs rename NEW_NAME` renames the default
    organization, `orgs rename ORG NEW_NAME` another one of yours. None of your other organizations
    may have the new name (case aside; 409 at `name`). Its id stays, and so does the default saved
    here."""
    ref, new = (first, second) if second is not None else (None, first)
    new = _name_of(new, "NEW_NAME")
    s = Session(json)
    mine = s.orgs()
    if ref is not None:
        target = pick(mine, ref, "organization")
    else:
        org_id = s.org()   # the default one (or $LAUNCHBAY_ORG): `orgs use`
        target = next((o for o in mine if o.get("id") == org_id), {"id": org_id, "name": None})
    try:
        got = dict(s.client.patch(f"/orgs/{segment(target['id'])}", {"name": new}))
    except ApiError as exc:
        raise _refused(exc, "use an API token not limited to another organization, or log in") from None
    old = target.get("name")

    def human() -> None:
        if old == got.get("name"):
            s.out.line(f"{got.get('name')} ({got.get('id')}) has that name already")
        else:
            s.out.line(f"Renamed {old or 'the organization'} to {got.get('name')} ({got.get('id')})")
    s.out.result(got, human)


# --- orgs delete ----------------------------------------------------------------------------

@orgs_app.command("delete", epilog="""[bold]Examples[/bold]

  launchbay orgs delete "Side project"          [dim]# on a terminal: asks you to type its name[/dim]

  launchbay orgs delete Lab --confirm Lab --json

Its projects go first (deleting a project tears down what it runs in AWS); then this.""")
def orgs_delete(
    ref: Annotated[str, typer.Argument(metavar="ORG", help="Organization id or name (as `orgs use`).")],
    confirm: Annotated[Optional[str], typer.Option("--confirm", metavar="NAME",
                                                   help="Its name, typed again (asked on a terminal).")] = None,
    json: Json = False,
) -> None:
    """Delete an organization (its owners, from a log-in session). Access ends at once for every
    member (each is e-mailed who deleted it) and the API tokens limited to it are revoked; then a
    worker takes its credentials out of the AWS accounts it deployed to and deletes its deploy
    history, logs and audit log. Members' accounts and their other organizations stay.

    Refused while it still has projects, or environments of deleted projects still being torn
    down (409 at `org`, naming them): delete the projects first. Its name is typed again: --confirm
    NAME, or asked on a terminal. When it was the default organization here, that choice is
    forgotten."""
    s = Session(json)
    _session_only(s, "an organization")
    target = pick(s.orgs(), ref, "organization")
    name = str(target.get("name"))
    if confirm is None:
        if s.out.json or not on_terminal():
            raise typer.BadParameter(f"deleting organization {name} ends everyone's access to it at once: confirm "
                                     f"with --confirm {name!r}", param_hint="--confirm")
        confirm = line_input(f"Deleting organization {name} ({target['id']}) ends everyone's access to it at once "
                             "and cannot be undone. Type its name to go on: ")
    if confirm != name:
        raise typer.BadParameter(f"{confirm!r} is not {name!r}: nothing was deleted", param_hint="--confirm")
    try:
        got = dict(s.client.request("DELETE", f"/orgs/{segment(target['id'])}", query={"confirm": confirm}) or {})
    except ApiError as exc:
        if exc.status == 422 and exc.field == "confirm":   # renamed meanwhile
            raise exc.reworded(f"{exc.message} (--confirm NAME)") from None
        raise _refused(exc) from None
    forgot = s.saved.get("org") == target["id"]
    if forgot:
        config.save({**s.saved, "org": None, "project": None, "env": None})
    result = {**got, "default_forgotten": forgot}

    def human() -> None:
        members = int(got.get("members_removed") or 0)
        tokens = int(got.get("revoked_api_tokens") or 0)
        s.out.line(f"Deleted organization {got.get('name', name)} ({got.get('id', target['id'])}): access ended for "
                   f"{members} member{'s' if members != 1 else ''} (they are e-mailed), {tokens} API "
                   f"token{'s' if tokens != 1 else ''} limited to it revoked; a worker removes the rest")
        if forgot:
            s.out.line("It was the default organization here: that choice is forgotten (`launchbay orgs use ORG` "
                       "picks another)", style="yellow")
    s.out.result(result, human)


# --- account delete -------------------------------------------------------------------------

@account_app.command("delete", epilog=f"""[bold]Examples[/bold]

  launchbay account delete                     [dim]# asks you to type "delete", then your password (no echo)[/dim]

  printf '%s\\n' "$PASSWORD" | launchbay account delete --password-stdin --yes

  {PASSWORD_ENV}="$PASSWORD" launchbay account delete --yes --code 123456 --json

The only owner of an organization first makes someone else an owner (`launchbay members set-role EMAIL owner`) or deletes it (`launchbay orgs delete ORG`).""")
def account_delete(
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask to type \"delete\" (needed without a terminal).")
                   ] = False,
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read your password from stdin "
                                                                          f"(else ${PASSWORD_ENV}, else asked "
                                                                          "without echo).")] = False,
    password: PasswordArgument = None,
    code: CodeOption = None,
    recovery_code: RecoveryOption = False,
    json: Json = False,
) -> None:
    """Delete your account, for good: you leave every organization, and your sessions, API tokens
    and the account go; the address is free for a new sign-up, and is e-mailed that the account is
    gone. Organizations keep their history (who did what, by address).

    Refused while you are an organization's only owner (409 at `organizations`, naming them): make
    another member an owner, or delete the organization. Asked from a log-in session (not an API
    token) with your password: from stdin (--password-stdin), $LAUNCHBAY_PASSWORD, or a hidden
    prompt, never the command line; with two-factor authentication on, a code too (--code, or asked
    on a terminal), or --recovery-code. Confirm with --yes, or by typing "delete" on a terminal.
    The login saved here is forgotten."""
    refuse_password_argument(password, PASSWORD_ENV)
    s = Session(json)
    _session_only(s, "an account")
    if not yes:
        if s.out.json or not on_terminal():
            raise typer.BadParameter("deleting your account cannot be undone: confirm with --yes",
                                     param_hint="--yes")
        email = (s.client.get("/me").get("user") or {}).get("email") or "your account"
        typed = line_input(f"Deleting {email} cannot be undone: you leave every organization, and every session and "
                           f"API token of yours ends. Type {DELETE_WORD} to go on: ")
        if typed.strip().lower() != DELETE_WORD:
            raise CliError(f"{typed!r} is not {DELETE_WORD!r}: nothing was deleted")
    body: dict[str, Any] = {"password": current_password(password_stdin)}
    if code or recovery_code:
        body.update(second_factor(code, recovery_code))
    got = with_second_factor(lambda b: _delete_account(s.client, b), body, lambda: on_terminal())
    forgot = _forget_ended_session(s)
    left = got.get("left_organizations") or []

    def human() -> None:
        s.out.line(f"Your account {got.get('email')} is deleted" +
                   (f"; you left {', '.join(str(n) for n in left)}" if left else ""))
        if forgot:
            s.out.line("The login saved here is forgotten.", style="dim")
    s.out.result({**got, "logged_out": forgot}, human)


def _delete_account(client: Client, body: dict[str, Any]) -> dict[str, Any]:
    try:
        return dict(client.post("/me/delete", body))
    except ApiError as exc:
        if exc.status == 409 and exc.field == "organizations":
            raise exc.reworded(f"{exc.message} (here: `launchbay members set-role EMAIL owner --org ORG`, or "
                               "`launchbay orgs delete ORG`)") from None
        raise _refused(exc) from None
