"""members, invitations: who belongs to the organization, with which role, and who is invited.

The rules are the API's, shown in its words: inviting and changing roles needs admin; only
an owner grants or takes the owner role; an organization keeps at least one owner; anyone
may leave (`members remove` with their own e-mail). A developer or viewer may also have a role in
one project (`members grant`, `members revoke`): it decides that project's work instead of their
organization role, higher or lower; owners and admins act on every project as such."""
from __future__ import annotations

from typing import Annotated, Any, Optional

import typer

from cli.app import Json, Org, app
from cli.client import ApiError, Client, segment
from cli.commands.password import token_of
from cli.commands.prompts import line_input
from cli.session import CliError, Session

ROLES = "owner, admin, developer or viewer"
MEMBER_COLUMNS = [("user.id", "USER"), ("user.email", "EMAIL"), ("user.name", "NAME"), ("role", "ROLE"),
                  ("projects", "PROJECT ROLES"), ("created", "JOINED")]
PROJECT_ROLES = "admin, developer or viewer"
INVITATION_COLUMNS = [("id", "ID"), ("email", "EMAIL"), ("role", "ROLE"), ("status", "STATUS"),
                      ("created", "INVITED"), ("expires", "EXPIRES"), ("last_sent", "LAST SENT"), ("sends", "SENDS"),
                      ("email_words", "E-MAIL")]
# an e-mail's statuses that come with a reason (its `error`): shown beside them in the E-MAIL column
WITH_REASON = ("failed", "bounced", "complained")
USER_ARG = Annotated[str, typer.Argument(metavar="USER", help="The member's e-mail or user id (usr_...).")]
PROJECT_OPT = Annotated[str, typer.Option("--project", "-p", metavar="PROJECT", help="The project's name or id (prj_...).")]

members_app = typer.Typer(help="Members of the organization and their roles (owner, admin, developer, viewer); "
                               "`members invite` adds one.", no_args_is_help=False)
app.add_typer(members_app, name="members")
invitations_app = typer.Typer(help="Invitations of the organization not yet accepted: list, resend, revoke; "
                                   "`invitations accept` joins with the link of one e-mailed to you.",
                              no_args_is_help=False)
app.add_typer(invitations_app, name="invitations")


def _member(s: Session, ref: str) -> dict[str, Any]:
    """A membership by user id or e-mail (e-mails compared without case, as the API stores them)."""
    items = s.client.items(s.org_path("/members"))
    for m in items:
        user = m.get("user") or {}
        if user.get("id") == ref or str(user.get("email", "")).lower() == ref.lower():
            return m
    known = ", ".join(sorted(str((m.get("user") or {}).get("email")) for m in items)[:20]) or "none"
    raise CliError(f"no member {ref!r} in this organization (members: {known})")


# --- members --------------------------------------------------------------------------

def project_roles_words(m: dict[str, Any]) -> str:
    """"shop: developer, blog: viewer"; one kept for an owner or admin says it does not apply."""
    return ", ".join(f"{r.get('project') or r.get('project_id')}: {r.get('role')}"
                     + ("" if r.get("applies", True) else f" (does not apply: {m.get('role')})")
                     for r in m.get("project_roles") or [])


def _list_members(s: Session) -> None:
    items = s.client.items(s.org_path("/members"))
    rows = [{**m, "projects": project_roles_words(m) or "-"} for m in items]
    s.out.result({"items": items}, lambda: s.out.table(rows, MEMBER_COLUMNS, "no members"))


@members_app.callback(invoke_without_command=True, epilog="[bold]Example[/bold]\n\n  launchbay members")
def _members_default(ctx: typer.Context, org: Org = None, json: Json = False) -> None:
    """List the organization's members (the same as `members list`)."""
    if ctx.invoked_subcommand is None:
        _list_members(Session(json, org=org))


@members_app.command("list", epilog="[bold]Example[/bold]\n\n  launchbay members list --org Acme --json")
def members_list(org: Org = None, json: Json = False) -> None:
    """List the organization's members and their roles."""
    _list_members(Session(json, org=org))


@members_app.command("invite", epilog="""[bold]Examples[/bold]

  launchbay members invite ana@example.com --role developer

  launchbay members invite ops@example.com --role admin --json""")
def members_invite(
    email: Annotated[str, typer.Argument(help="Their e-mail address.")],
    role: Annotated[str, typer.Option("--role", "-r", help=f"{ROLES} (owner: owners only).")] = "developer",
    org: Org = None, json: Json = False,
) -> None:
    """Invite someone by e-mail (admins): the address gets an e-mail with the links to sign up or log in.
    They join by following one (`launchbay invitations accept LINK` too), which proves they read the
    address, or at a log-in once their account's address is confirmed; the invitation lasts 14 days
    (`launchbay invitations` lists them, `invitations resend` e-mails it again, with a new link)."""
    s = Session(json, org=org)
    got = s.client.post(s.org_path("/members"), {"email": email, "role": role})
    s.out.result(got, lambda: s.out.line(f"Invited {got['email']} as {got['role']} ({got['id']}); they join through "
                                         f"the e-mail's link, until {got['expires']}"))


@members_app.command("set-role", epilog="""[bold]Examples[/bold]

  launchbay members set-role ana@example.com admin

  launchbay members set-role usr_... viewer --json""")
def members_set_role(
    user: USER_ARG,
    role: Annotated[str, typer.Argument(metavar="ROLE", help=ROLES)],
    org: Org = None, json: Json = False,
) -> None:
    """Change a member's role (admins; only an owner grants or takes the owner role, and the
    last owner keeps it)."""
    s = Session(json, org=org)
    m = _member(s, user)
    got = s.client.patch(s.org_path(f"/members/{segment(m['user']['id'])}"), {"role": role})
    s.out.result(got, lambda: s.out.line(f"{got['user'].get('email')} is now {got['role']} (was {m['role']})"))


@members_app.command("grant", epilog="""[bold]Examples[/bold]

  launchbay members grant ana@example.com --project shop --role developer

  launchbay members grant usr_... --project prj_... --role admin --json""")
def members_grant(
    user: USER_ARG, project: PROJECT_OPT,
    role: Annotated[str, typer.Option("--role", "-r", help=PROJECT_ROLES)],
    org: Org = None, json: Json = False,
) -> None:
    """Give a developer or viewer a role in one project (admins): it decides that project's work
    (environments, services, secrets, resources, deploys, approvals) instead of their organization
    role, higher or lower; reading is unchanged. One they have there already is replaced. Owners
    and admins act on every project as such: they take no project role."""
    s = Session(json, org=org, project=project)
    m = _member(s, user)
    p = s.project()
    got = s.client.put(s.org_path(f"/members/{segment(m['user']['id'])}/projects/{segment(p['id'])}"), {"role": role})
    s.out.result(got, lambda: s.out.line(f"{got['user'].get('email')} is now {role} in {p['name']} "
                                         f"(organization role: {got['role']})"))


@members_app.command("revoke", epilog="""[bold]Example[/bold]

  launchbay members revoke ana@example.com --project shop""")
def members_revoke(user: USER_ARG, project: PROJECT_OPT, org: Org = None, json: Json = False) -> None:
    """Take a member's role in one project away (admins): their organization role decides there
    again. Nothing to take away is no error."""
    s = Session(json, org=org, project=project)
    m = _member(s, user)
    p = s.project()
    had = next((r["role"] for r in m.get("project_roles") or [] if r.get("project_id") == p["id"]), None)
    got = s.client.delete(s.org_path(f"/members/{segment(m['user']['id'])}/projects/{segment(p['id'])}"))
    email = (got or m)["user"].get("email")
    s.out.result(got, lambda: s.out.line(
        f"{email} is no longer {had} in {p['name']}: their organization role ({m['role']}) decides there"
        if had else f"{email} had no role in {p['name']}: their organization role ({m['role']}) decides there"))


@members_app.command("remove", epilog="""[bold]Examples[/bold]

  launchbay members remove ana@example.com

  launchbay members remove me@example.com      [dim]# your own: leave the organization[/dim]""")
def members_remove(user: USER_ARG, org: Org = None, json: Json = False) -> None:
    """Remove a member (admins; owners only for an owner), or leave with your own e-mail. The
    last owner cannot leave."""
    s = Session(json, org=org)
    m = _member(s, user)
    s.client.delete(s.org_path(f"/members/{segment(m['user']['id'])}"))
    s.out.result({"user": m["user"], "removed": True},
                 lambda: s.out.line(f"Removed {m['user'].get('email')} ({m['role']}) from the organization"))


# --- invitations ----------------------------------------------------------------------

def email_words(status: Any) -> Any:
    """An invitation's `email_status` in the E-MAIL column: its status, and for one that did not reach
    the address (failed, bounced, complained) the reason, e.g. "bounced: smtp; 550 5.1.1 user unknown"."""
    if not isinstance(status, dict):
        return None
    said = status.get("status")
    return f"{said}: {status['error']}" if said in WITH_REASON and status.get("error") else said


def _list_invitations(s: Session) -> None:
    items = s.client.items(s.org_path("/invitations"))
    rows = [{**i, "email_words": email_words(i.get("email_status"))} for i in items]
    s.out.result({"items": items}, lambda: s.out.table(
        rows, INVITATION_COLUMNS, "no invitations: `launchbay members invite EMAIL --role ROLE`"))


@invitations_app.callback(invoke_without_command=True, epilog="""[bold]Examples[/bold]

  launchbay invitations

  launchbay invitations accept 'https://lb.example.com/login?email=ana%40example.com&invitation=…'""")
def _invitations_default(ctx: typer.Context, org: Org = None, json: Json = False) -> None:
    """List the invitations not yet accepted (the same as `invitations list`)."""
    if ctx.invoked_subcommand is None:
        _list_invitations(Session(json, org=org))


@invitations_app.command("list", epilog="[bold]Example[/bold]\n\n  launchbay invitations list --json")
def invitations_list(org: Org = None, json: Json = False) -> None:
    """List the invitations not yet accepted (admins): pending, or expired. E-MAIL says what became of
    the last e-mail: pending, sent, failed, bounced (the receiving server refused it) or complained (its
    reader marked it as spam), with the reason for the last three. An address that bounced for good or
    complained gets nothing more until its owner lifts that (`launchbay account resume-email`)."""
    _list_invitations(Session(json, org=org))


@invitations_app.command("revoke", epilog="""[bold]Examples[/bold]

  launchbay invitations revoke inv_...

  launchbay invitations revoke ana@example.com""")
def invitations_revoke(
    invitation: Annotated[str, typer.Argument(metavar="INVITATION", help="The invitation's id (inv_...) or e-mail.")],
    org: Org = None, json: Json = False,
) -> None:
    """Revoke an invitation (admins): that address no longer joins."""
    s = Session(json, org=org)
    inv_id = _invitation_id(s, invitation)
    s.client.delete(s.org_path(f"/invitations/{segment(inv_id)}"))
    s.out.result({"id": inv_id, "revoked": True}, lambda: s.out.line(f"Revoked invitation {inv_id}"))


@invitations_app.command("resend", epilog="""[bold]Examples[/bold]

  launchbay invitations resend ana@example.com

  launchbay invitations resend inv_... --json""")
def invitations_resend(
    invitation: Annotated[str, typer.Argument(metavar="INVITATION", help="The invitation's id (inv_...) or e-mail.")],
    org: Org = None, json: Json = False,
) -> None:
    """E-mail an invitation again (admins); it then lasts 14 days from now. The new e-mail has a new
    link: the earlier e-mail's links stop working. One e-mail a minute at most per invitation (429
    sooner, with when to try again)."""
    s = Session(json, org=org)
    inv_id = _invitation_id(s, invitation)
    got = s.client.post(s.org_path(f"/invitations/{segment(inv_id)}/resend"))
    sends = got.get("sends")
    s.out.result(got, lambda: s.out.line(
        f"Sent the invitation to {got.get('email')} again ({got.get('id')}, as {got.get('role')}"
        + (f"; {sends} e-mail{'s' if sends != 1 else ''} so far" if isinstance(sends, int) else "")
        + f"); it lasts until {got.get('expires')}"))


INVITATION_TOKEN_NAMES = ("invitation", "token")   # the e-mail's links: …/signup?email=…&invitation=TOKEN
ANOTHER_ADDRESS = 403
DEAD_LINK = 422


def invitation_token(raw: str) -> str:
    """The token of an invitation e-mail's link, given as itself or as the whole link."""
    token = token_of(raw, INVITATION_TOKEN_NAMES)
    if not token:
        raise CliError("give the token of the invitation e-mail's link, or the whole link")
    return token


def accept_invitation(client: Client, raw: str) -> dict[str, Any]:
    """POST /invitations/accept with the link's token; the API's refusals with what to do next."""
    try:
        return client.post("/invitations/accept", {"token": invitation_token(raw)})
    except ApiError as exc:
        if exc.status == ANOTHER_ADDRESS and exc.field == "token":
            me = ((client.get("/me") or {}).get("user") or {}).get("email")
            raise exc.reworded(f"{exc.message} (you are logged in as {me})" if me else exc.message) from None
        if exc.status == DEAD_LINK and exc.field == "token":
            raise exc.reworded(f"{exc.message} (a log-in with a confirmed address accepts invitations too: "
                               "`launchbay orgs` shows whether you joined already)") from None
        raise


def joined_words(joined: list[dict[str, Any]]) -> str:
    """"Acme (org_…) as developer, Blog (org_…) as viewer"."""
    return ", ".join(f"{o.get('name') or o.get('id')} ({o.get('id')}) as {o.get('role')}" for o in joined)


@invitations_app.command("accept", epilog="""[bold]Examples[/bold]

  launchbay invitations accept 'https://lb.example.com/signup?email=ana%40example.com&invitation=3q2-7wEv…'

  launchbay invitations accept 3q2-7wEv… --json

  launchbay login --email ana@example.com --invitation 'https://lb.example.com/login?…'   [dim]# log in and accept[/dim]""")
def invitations_accept(
    link: Annotated[Optional[str], typer.Argument(metavar="TOKEN|LINK", help="The invitation e-mail's link (either "
                                                  "of its two), or its token; asked on a terminal when missing.")] = None,
    json: Json = False,
) -> None:
    """Accept an invitation e-mailed to you: join every organization that invited your address. You
    must be logged in with the invited address (another one is refused: 403); following the link
    proves you read it, so your address counts as confirmed from now on. A link that was used,
    revoked, resent since (a resend makes a new one) or expired is refused (422): ask for a new
    invitation. Not with an API token limited to one organization."""
    s = Session(json)
    raw = link if link and link.strip() else line_input("The invitation's link (or its token): ")
    got = accept_invitation(s.client, raw)
    joined = got.get("joined") or []

    def human() -> None:
        if not joined:
            s.out.line("Nothing to join: you are already a member of the organization that invited you")
            return
        s.out.line(f"Joined {joined_words(joined)}")
        s.out.line("`launchbay orgs use NAME` makes it your default organization", style="dim")
    s.out.result(got, human)


def _invitation_id(s: Session, ref: str) -> str:
    """An invitation's id, given as such (inv_...) or by its e-mail (compared without case)."""
    if ref.startswith("inv_"):
        return ref
    items = s.client.items(s.org_path("/invitations"))
    found = [i for i in items if str(i.get("email", "")).lower() == ref.lower()]
    if not found:
        raise CliError(f"no invitation for {ref!r} (invited: "
                       f"{', '.join(sorted(str(i.get('email')) for i in items)[:20]) or 'nobody'})")
    return found[0]["id"]
