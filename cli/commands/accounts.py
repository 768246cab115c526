"""login, logout, orgs, account (show, sessions, verify-email, change-email, confirm-email-change, resume-email,
notifications). orgs create/rename/delete and account delete: commands/org_admin.py."""
from __future__ import annotations

import os
import re
from typing import Annotated, Any, Optional

import typer

from cli import config
from cli.app import Api, Json, Org, app
from cli.client import ApiError, Client, segment
from cli.commands.members import DEAD_LINK, accept_invitation, joined_words
from cli.commands.mfa import CodeOption, RecoveryOption, finish_login, second_factor, with_second_factor
from cli.commands.password import (
    PasswordArgument,
    link_email,
    on_terminal,
    refuse_password_argument,
    sentence,
    token_of,
)
from cli.commands.prompts import line_input, secret_input
from cli.session import CliError, Session, pick


@app.command(epilog="""[bold]Examples[/bold]

  launchbay login --email me@example.com          [dim]# asks for the password (no echo)[/dim]

  printf '%s\\n' "$PASSWORD" | launchbay login --email me@example.com --api https://lb.example.com/v1

  echo "$LAUNCHBAY_API_TOKEN" | launchbay login --token  [dim]# an API token (lb_...) from stdin[/dim]

  launchbay login --email me@example.com --code 123456   [dim]# two-factor authentication on: the current code[/dim]

  launchbay login --invitation 'https://lb.example.com/login?email=ana%40example.com&invitation=…'   [dim]# and join[/dim]""")
def login(
    email: Annotated[Optional[str], typer.Option("--email", help="Your e-mail (asked when missing; an invitation's "
                                                                 "link gives it).")] = None,
    token: Annotated[bool, typer.Option("--token", help="Log in with an API token read from stdin or a hidden prompt.")] = False,
    code: CodeOption = None,
    recovery_code: RecoveryOption = False,
    invitation: Annotated[Optional[str], typer.Option(
        "--invitation", metavar="TOKEN|LINK", help="An invitation e-mailed to you (its link, or the link's token): "
                                                   "accept it once logged in (`invitations accept`).")] = None,
    api: Api = None,
    org: Org = None,
    json: Json = False,
) -> None:
    """Log in and save the API, the token and a default organization (file mode 0600).

    The password and the API token are never taken from the command line (they would end up
    in the shell history and the process list): they are read without echo on a terminal, or
    from stdin. With two-factor authentication on, the code of your authenticator app is asked
    next (or given with --code), or a recovery code with --recovery-code.

    With --invitation, the invitation e-mailed to you is accepted once logged in (you join the
    organizations that invited your address, and --org may name one of them); a refused invitation
    is reported after the log-in, which is saved anyway. A log-in accepts the invitations waiting for
    your address by itself once the address is confirmed (`launchbay account verify-email`)."""
    s = Session(json, org=org, api=api, need_login=False)
    client = Client(s.api)
    joined_at_login: Optional[dict[str, Any]] = None
    if token:
        if email:
            raise CliError("give either --email or --token, not both")
        client.token = secret_input("API token: ")
    else:
        email = email or (link_email(invitation) if invitation else None) or line_input("E-mail: ")
        password = secret_input("Password: ")
        answer = client.post("/auth/login", {"email": email, "password": password})
        if answer.get("mfa_required"):   # two-factor authentication: the second step
            answer = finish_login(client, answer, code, recovery_code)
        client.token = answer["token"]
        if invitation and answer.get("joined"):   # a confirmed address: the log-in accepted what waited for it
            invitation, joined_at_login = None, {"email_verified": True, "joined": answer["joined"]}
    accepted, refused = _accept_at_login(client, invitation)
    if joined_at_login is not None:
        accepted = joined_at_login
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
    if refused is not None and not (refused.status == DEAD_LINK and refused.field == "token" and user.get("email_verified")):
        raise refused.reworded(f"logged in as {user.get('email')} (saved), but the invitation was not accepted: "
                               f"{refused.message}")
    result: dict[str, Any] = {"api": s.api, "user": user, "organization": chosen, "config": str(path)}
    if invitation or joined_at_login is not None:
        # a dead link with a confirmed address: the log-in itself accepted what was waiting for it
        result["invitation"] = accepted if accepted is not None else {"joined": [], "error": refused and
                                                                      refused.document()["error"]}

    def human() -> None:
        s.out.line(f"Logged in to {s.api} as {user.get('email')}"
                   + (f"; organization {chosen['name']} ({chosen['id']})" if chosen
                      else "; you belong to no organization yet"))
        if accepted is not None:
            joined = accepted.get("joined") or []
            s.out.line(f"Joined {joined_words(joined)}" if joined
                       else "The invitation is accepted: you were a member already")
        elif refused is not None:
            s.out.line("The invitation's link is not valid any more. A log-in with a confirmed address accepts the "
                       "invitations waiting for it: if it was still live, this log-in accepted it (`launchbay orgs`)",
                       style="yellow")
        if me.get("email_delivery"):
            s.out.line(f"E-mail to {user.get('email')} is {delivery_words(me['email_delivery'])}. {HELD_BACK}",
                       style="yellow")
        if user and not user.get("email_verified"):
            s.out.line(UNCONFIRMED, style="yellow")
    s.out.result(result, human)


UNCONFIRMED = ("Your e-mail address is not confirmed yet: invitations to it wait until it is. Follow the link "
               "e-mailed at sign-up (`launchbay account verify-email LINK`), or ask for a new one: "
               "`launchbay account verify-email --resend`")
RESUME = "launchbay account resume-email"
HELD_BACK = ("Nothing is e-mailed to your address (invitations, notifications, confirmation links; a password reset "
             f"still is) until you lift that, once your mailbox works: `{RESUME}`")


def delivery_words(delivery: dict[str, Any]) -> str:
    """`GET /me` email_delivery (not null) in words: "held back since 2025-05-01: it bounced (smtp; 550 …)"."""
    since = str(delivery.get("since") or "")[:10] or "?"
    reason, detail = delivery.get("reason"), delivery.get("detail")
    if reason == "bounce":
        why = f"it bounced ({detail})" if detail else "it bounced"
    elif reason == "complaint":
        why = "you marked a Launchbay e-mail as spam"
    else:   # a reason this CLI does not know yet: the API's words
        why = ", ".join(str(w) for w in (reason, detail) if w) or "no reason given"
    return f"held back since {since}: {why}"


def _accept_at_login(client: Client, invitation: Optional[str]) -> tuple[Optional[dict[str, Any]], Optional[ApiError]]:
    """`login --invitation`: the invitation accepted with the new login -> (the answer, None), or
    (None, the refusal) to report once the login is saved."""
    if not invitation:
        return None, None
    try:
        return accept_invitation(client, invitation), None
    except ApiError as exc:
        return None, exc


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


orgs_app = typer.Typer(help="Organizations you belong to; `orgs use` picks the default. `orgs create`, `orgs rename` "
                            "and `orgs delete` make, rename and delete them.",
                       no_args_is_help=False)
app.add_typer(orgs_app, name="orgs")


def _list_orgs(json: bool) -> None:
    s = Session(json)
    items = s.orgs()
    current = s.saved.get("org")
    for o in items:
        o["default"] = o["id"] == current
    s.out.result({"items": items}, lambda: s.out.table(
        items, [("id", "ID"), ("name", "NAME"), ("role", "ROLE"), ("default", "DEFAULT")], "no organizations"))


@orgs_app.callback(invoke_without_command=True, epilog="""[bold]Examples[/bold]

  launchbay orgs

  launchbay orgs use Acme

  launchbay orgs create "Side project" --use     [dim]# `orgs rename`, `orgs delete ORG --confirm NAME`[/dim]""")
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


account_app = typer.Typer(help="Your own account: who you are logged in as, where you are logged in (and signing "
                               "those sessions out), confirming your e-mail address, changing it, having e-mail sent to "
                               "it again after it bounced, which e-mails about your work you get, and deleting it.",
                          no_args_is_help=True)
app.add_typer(account_app, name="account")
ON_OFF = {"on": True, "off": False}
VERIFY_TOKEN_ENV = "LAUNCHBAY_VERIFY_TOKEN"
API_TOKEN_PREFIX = "lb_"   # an API token; a log-in session's token is a JWT


@account_app.callback(epilog="""[bold]Examples[/bold]

  launchbay account show

  launchbay account sessions                          [dim]# where you are logged in; --end ID, --end-others[/dim]

  launchbay account verify-email 'https://lb.example.com/verify-email?token=…'

  launchbay account change-email new@example.com      [dim]# asks for your password; a link goes to the new address[/dim]

  launchbay account confirm-email-change 'https://lb.example.com/confirm-email-change?token=…'

  launchbay account resume-email

  launchbay account notifications --deploy-failures off

  launchbay account delete                            [dim]# for good: asks you to type "delete", then your password[/dim]""")
def _account() -> None:
    pass


@account_app.command("show", epilog="""[bold]Examples[/bold]

  launchbay account show

  launchbay account show --json | jq .user.email_verified

  launchbay account show --json | jq .email_delivery   [dim]# null while e-mail reaches your address[/dim]

  launchbay account show --json | jq .pending_email    [dim]# a change of address waiting for its link, or null[/dim]""")
def account_show(json: Json = False) -> None:
    """Who you are logged in as: your e-mail address and whether it is confirmed, whether e-mail
    reaches it (held back after it bounced or you marked a Launchbay e-mail as spam: `account
    resume-email`), a change of address waiting for its link (`account change-email`), two-factor
    authentication, and your organizations with your role in each."""
    s = Session(json)
    me = s.client.get("/me")
    user, mfa_state = me.get("user") or {}, me.get("mfa") or {}
    orgs = me.get("organizations") or []

    def human() -> None:
        s.out.line(f"{user.get('email')} ({user.get('id')}), {user.get('name')}")
        s.out.line("e-mail address: " + ("confirmed" if user.get("email_verified") else
                                         "not confirmed: invitations to it wait until it is "
                                         "(`launchbay account verify-email --resend` e-mails a link)"))
        if "email_delivery" in me:   # an API from before bounces were read does not say
            delivery = me["email_delivery"]
            s.out.line("e-mail delivery: " + (delivery_words(delivery) if delivery else "ok"),
                       style="yellow" if delivery else "")
            if delivery:
                s.out.line(HELD_BACK, style="dim")
        if me.get("pending_email"):   # an API from before address changes does not say
            pending_lines(s, me["pending_email"])
        if "enabled" in mfa_state:
            s.out.line(f"two-factor authentication: {'on' if mfa_state.get('enabled') else 'off'}")
        s.out.line("organizations: " + (", ".join(f"{o.get('name')} ({o.get('role')})" for o in orgs) or "none"))
    s.out.result(me, human)


@account_app.command("sessions", epilog="""[bold]Examples[/bold]

  launchbay account sessions                 [dim]# where and with what you are logged in; this one is marked[/dim]

  launchbay account sessions --json | jq '.items[] | select(.current | not) | .id'

  launchbay account sessions --end ses_…     [dim]# sign that one out at once (this one's id: a log-out)[/dim]

  launchbay account sessions --end-others    [dim]# a laptop left somewhere: every session but this one[/dim]""")
def account_sessions(
    end: Annotated[Optional[str], typer.Option("--end", metavar="ID", help="Sign out this session (an id from the "
                                                                           "list; the current one: a log-out).")] = None,
    end_others: Annotated[bool, typer.Option("--end-others", help="Sign out every session but this one (all of "
                                                                  "them, asked with an API token).")] = False,
    json: Json = False,
) -> None:
    """Your log-in sessions, newest first: when each was opened and until when it lasts, from which
    address, with what (a browser, the CLI), and which one is this one. API tokens are no sessions
    (`launchbay tokens`).

    --end ID signs one out at once; ending the current one is a log-out, and the login saved here is
    forgotten as `logout` does. --end-others signs out all the others (all of them when asked with an
    API token). A token limited to one organization cannot see or end sessions."""
    if end is not None and end_others:
        raise typer.BadParameter("give either --end ID or --end-others, not both", param_hint="--end-others")
    s = Session(json)
    if end is not None:
        _end_session(s, end)
    elif end_others:
        _end_other_sessions(s)
    else:
        _list_sessions(s)


def client_words(agent: Optional[str]) -> str:
    """A session's User-Agent in short: "launchbay CLI 1.2", "Firefox on macOS", else the raw string
    cut to 40 characters ("-" when none was recorded)."""
    if not agent or not agent.strip():
        return "-"
    agent = agent.strip()
    cli_agent = re.match(r"launchbay-cli(?:/(\S+))?", agent, re.IGNORECASE)
    if cli_agent:
        return "launchbay CLI" + (f" {cli_agent.group(1)}" if cli_agent.group(1) else "")
    browser = next((name for mark, name in _BROWSERS if re.search(mark, agent)), None)
    system = next((name for mark, name in _SYSTEMS if re.search(mark, agent)), None)
    if browser:
        return f"{browser} on {system}" if system else browser
    return agent if len(agent) <= 40 else agent[:39] + "…"


# the first that matches names it: Edge and Opera say "Chrome" too, Chrome says "Safari"
_BROWSERS = ((r"Edg(e|A|iOS)?/", "Edge"), (r"OPR/|Opera", "Opera"), (r"Firefox/|FxiOS/", "Firefox"),
             (r"Chrome/|CriOS/|Chromium/", "Chrome"), (r"Safari/", "Safari"))
_SYSTEMS = ((r"iPhone|iPad|iPod", "iOS"), (r"Android", "Android"), (r"CrOS", "ChromeOS"), (r"Windows", "Windows"),
            (r"Macintosh|Mac OS X", "macOS"), (r"Linux|X11", "Linux"))


def _sessions_refused(exc: ApiError) -> ApiError:
    if exc.status == 403 and exc.field == "authorization":
        return exc.reworded(f"{exc.message}: log in with your password (`launchbay login --email ADDRESS`), or use "
                            "an API token not limited to one organization")
    return exc


def _list_sessions(s: Session) -> None:
    try:
        listed = s.client.get("/me/sessions")
    except ApiError as exc:
        raise _sessions_refused(exc) from None
    items = listed.get("items") or []

    def human() -> None:
        rows = [{"created": when_words(i.get("created")), "expires": when_words(i.get("expires")),
                 "from": i.get("source_ip"), "client": client_words(i.get("user_agent")),
                 "current": "this one" if i.get("current") else "", "id": i.get("id")} for i in items]
        s.out.table(rows, [("created", "CREATED"), ("expires", "EXPIRES"), ("from", "FROM"), ("client", "CLIENT"),
                           ("current", "CURRENT"), ("id", "ID")], "no log-in sessions")
        if items and not any(i.get("current") for i in items):
            s.out.line("Asked with an API token: none of these is the current one", style="dim")
        if items:
            s.out.line("Sign one out: launchbay account sessions --end ID; all but this one: --end-others", style="dim")
    s.out.result(listed, human)


def _end_session(s: Session, session_id: str) -> None:
    session_id = session_id.strip()
    if not session_id:
        raise typer.BadParameter("give the id of a session (`launchbay account sessions` lists them)",
                                 param_hint="--end")
    try:
        mine = s.client.get("/me/sessions").get("items") or []
        s.client.delete(f"/me/sessions/{segment(session_id)}")
    except ApiError as exc:
        if exc.status == 404 and exc.field == "session":
            raise exc.reworded(f"{exc.message}: {session_id} (`launchbay account sessions` lists yours)") from None
        raise _sessions_refused(exc) from None
    ended: dict[str, Any] = next((i for i in mine if i.get("id") == session_id), {})
    current = bool(ended.get("current"))
    forgot = False
    if current and s.client.token and s.client.token == s.saved.get("token"):
        config.save({**s.saved, "token": None})   # as `logout` does: the server ended it
        forgot = True
    result = {"ended": session_id, "current": current, "logged_out": forgot}

    def human() -> None:
        where = ", ".join(w for w in (ended.get("source_ip"), ended.get("user_agent") and
                                      client_words(ended.get("user_agent"))) if w)
        what = f"session {session_id}" + (f" ({where})" if where else "")
        if current:
            s.out.line(f"Signed out this {what}: you are logged out" +
                       (". The login saved here is forgotten: `launchbay login` to log in again" if forgot else ""))
        else:
            s.out.line(f"Signed out {what}")
    s.out.result(result, human)


def _end_other_sessions(s: Session) -> None:
    try:
        got = s.client.delete("/me/sessions") or {}
    except ApiError as exc:
        raise _sessions_refused(exc) from None
    n = int(got.get("signed_out_sessions") or 0)
    api_token = bool(s.client.token and s.client.token.startswith(API_TOKEN_PREFIX))

    def human() -> None:
        others = "" if api_token else " other"
        s.out.line(f"Signed out {n}{others} session{'s' if n != 1 else ''}"
                   + (" (all of them: an API token is no session)" if api_token else ""))
    s.out.result(got, human)


@account_app.command("verify-email", epilog=f"""[bold]Examples[/bold]

  launchbay account verify-email 'https://lb.example.com/verify-email?token=3q2-7wEv…'   [dim]# the e-mail's link[/dim]

  launchbay account verify-email 3q2-7wEv… --json

  launchbay account verify-email --resend        [dim]# e-mail a new link to your address[/dim]

  {VERIFY_TOKEN_ENV}=3q2-7wEv… launchbay account verify-email""")
def account_verify_email(
    link: Annotated[Optional[str], typer.Argument(metavar="TOKEN|LINK", envvar=VERIFY_TOKEN_ENV, show_envvar=True,
                                                  help="The link of the e-mail that asks you to confirm your "
                                                       "address, or its token; asked on a terminal when missing.")
                    ] = None,
    resend: Annotated[bool, typer.Option("--resend", help="E-mail a new link to your address instead (logged in; one "
                                                          "a minute at most; the earlier link stops working).")
                      ] = False,
    api: Api = None,
    json: Json = False,
) -> None:
    """Confirm your e-mail address with the link e-mailed to it (at sign-up, or by --resend): the
    invitations waiting for the address are accepted then, and you join those organizations. The
    link works once, within 3 days; confirming needs no login.

    An account made through an invitation's link, or whose password was reset with an e-mailed
    link, has its address confirmed already (409 for --resend)."""
    if resend:
        if link:
            raise typer.BadParameter("give either the link (to confirm) or --resend (for a new link), not both",
                                     param_hint="--resend")
        s = Session(json, api=api)
        sent = s.client.post("/me/verify-email")

        def said() -> None:
            s.out.line(sentence(sent.get("message") or f"a link to confirm {sent.get('email')} is on its way"))
            if sent.get("sandbox"):
                s.out.line(f"Sandbox: {sent['sandbox']}", style="yellow")
            s.out.line("Then: launchbay account verify-email LINK (the whole link from the e-mail, or its token)",
                       style="dim")
        s.out.result(sent, said)
        return
    s = Session(json, api=api, need_login=False)
    if link and link.strip():
        raw = link
    elif on_terminal():
        raw = line_input("The link from the e-mail (or its token): ")
    else:
        raise typer.BadParameter(f"give the link of the e-mail (or its token), or ${VERIFY_TOKEN_ENV}; --resend "
                                 "e-mails a new one", param_hint="TOKEN|LINK")
    try:
        got = Client(s.api).post("/auth/verify-email", {"token": token_of(raw)})   # no login sent: none is needed
    except ApiError as exc:
        if exc.status == DEAD_LINK and exc.field == "token":
            raise exc.reworded(f"{exc.message} (logged in: launchbay account verify-email --resend)") from None
        raise
    joined = got.get("joined") or []

    def human() -> None:
        s.out.line(f"Confirmed {got.get('email')}")
        if joined:
            s.out.line(f"Joined {joined_words(joined)}")
            s.out.line("`launchbay orgs use NAME` makes it your default organization", style="dim")
    s.out.result(got, human)


PASSWORD_ENV = "LAUNCHBAY_PASSWORD"
CHANGE_TOKEN_ENV = "LAUNCHBAY_EMAIL_CHANGE_TOKEN"
BAD_EMAIL_STATES = ("failed", "bounced", "complained")


def when_words(iso: Optional[str]) -> str:
    """2026-11-29T22:41:07.123456Z -> 2026-11-29 22:41 UTC."""
    return f"{iso[:16].replace('T', ' ')} UTC" if iso else "?"


def pending_lines(s: Session, pending: dict[str, Any]) -> None:
    """`GET /me` pending_email (not null) in words, for `account show`."""
    new = pending.get("email")
    s.out.line(f"change of address waiting: to {new}, asked for {when_words(pending.get('requested'))}; "
               f"its link works until {when_words(pending.get('expires'))}")
    sent = pending.get("email_status") or {}
    status = sent.get("status")
    if status:
        why = f" ({sent['error']})" if sent.get("error") else ""
        bad = status in BAD_EMAIL_STATES
        s.out.line(f"  the e-mail to {new}: {status}{why}" + (": check the address and ask again" if bad else ""),
                   style="yellow" if bad else "")
    s.out.line(f"  follow the link e-mailed to {new} (`launchbay account confirm-email-change LINK`), or cancel: "
               "`launchbay account change-email --cancel`", style="dim")


def current_password(stdin: bool) -> str:
    """Your current password, never from an argument: stdin (--password-stdin), $LAUNCHBAY_PASSWORD,
    or a hidden prompt on a terminal."""
    if stdin and not on_terminal():
        return secret_input("Password: ")
    if not stdin and os.environ.get(PASSWORD_ENV):
        return os.environ[PASSWORD_ENV]
    if on_terminal():
        return secret_input("Password: ")
    raise typer.BadParameter(f"no terminal to ask for your password on: pipe it in (--password-stdin) or set "
                             f"${PASSWORD_ENV}; never as an argument", param_hint="--password-stdin")


@account_app.command("change-email", epilog=f"""[bold]Examples[/bold]

  launchbay account change-email new@example.com            [dim]# asks for your password (no echo)[/dim]

  printf '%s\\n' "$PASSWORD" | launchbay account change-email new@example.com --password-stdin

  {PASSWORD_ENV}="$PASSWORD" launchbay account change-email new@example.com --code 123456 --json

  launchbay account change-email new@example.com --recovery-code   [dim]# no authenticator at hand[/dim]

  launchbay account show                [dim]# the change waiting, and what became of the e-mail to the new address[/dim]

  launchbay account change-email --cancel   [dim]# the link e-mailed to the new address stops working[/dim]

Then: launchbay account confirm-email-change LINK (the whole link from the e-mail to the new address).""")
def account_change_email(
    new_address: Annotated[Optional[str], typer.Argument(metavar="NEW_ADDRESS",
                                                         help="The e-mail address to move your account to.")] = None,
    cancel: Annotated[bool, typer.Option("--cancel", help="Cancel the change waiting for its link instead.")] = False,
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read your current password from stdin "
                                                                          f"(else ${PASSWORD_ENV}, else asked "
                                                                          "without echo).")] = False,
    password: PasswordArgument = None,
    code: CodeOption = None,
    recovery_code: RecoveryOption = False,
    json: Json = False,
) -> None:
    """Move your account to another e-mail address: a link is e-mailed to the new address (it works
    once, within 24 hours; a new request replaces it), and a notice to your current one. Nothing
    changes until the link is followed (`account confirm-email-change`); then every log-in session
    ends and you log in with the new address. API tokens keep working.

    Asked from a log-in session (not an API token) with your password: from stdin (--password-stdin),
    $LAUNCHBAY_PASSWORD, or a hidden prompt, never the command line. With two-factor authentication
    on, the code of your authenticator app too (--code, or asked on a terminal), or --recovery-code.
    One request a minute, 5 an hour. --cancel stops the link waiting."""
    refuse_password_argument(password, PASSWORD_ENV)
    if cancel:
        if new_address:
            raise typer.BadParameter("give either the new address (to change to it) or --cancel, not both",
                                     param_hint="--cancel")
        _cancel_email_change(json)
        return
    if not new_address or not new_address.strip():
        raise typer.BadParameter("give the new address (or --cancel to cancel the change waiting)",
                                 param_hint="NEW_ADDRESS")
    s = Session(json)
    body: dict[str, Any] = {"email": new_address.strip(), "password": current_password(password_stdin)}
    if code or recovery_code:
        body.update(second_factor(code, recovery_code))
    sent = with_second_factor(lambda b: _ask_change(s.client, b), body, lambda: on_terminal())

    def said() -> None:
        s.out.line(sentence(sent.get("message") or f"a link to confirm {sent.get('email')} is on its way"))
        if sent.get("sandbox"):
            s.out.line(f"Sandbox: {sent['sandbox']}", style="yellow")
        s.out.line("Then: launchbay account confirm-email-change LINK (the whole link from the e-mail to "
                   f"{sent.get('email')}, or its token); `launchbay account show` shows the change waiting",
                   style="dim")
    s.out.result(sent, said)


def _ask_change(client: Client, body: dict[str, Any]) -> dict[str, Any]:
    try:
        return dict(client.post("/me/email", body))
    except ApiError as exc:
        if exc.status == 403 and exc.field == "authorization":
            raise exc.reworded(f"{exc.message}: log in with your password (`launchbay login --email ADDRESS`), "
                               "or unset LAUNCHBAY_TOKEN") from None
        raise


def _cancel_email_change(json: bool) -> None:
    s = Session(json)
    waiting = s.client.get("/me").get("pending_email") or {}
    s.client.delete("/me/email")   # 404 at `email`: none waits (the API's words)
    result = {"cancelled": True, "email": waiting.get("email")}

    def human() -> None:
        to = f" to {waiting['email']}" if waiting.get("email") else ""
        s.out.line(f"Cancelled the change of your address{to}: its link no longer works")
    s.out.result(result, human)


@account_app.command("confirm-email-change", epilog=f"""[bold]Examples[/bold]

  launchbay account confirm-email-change 'https://lb.example.com/confirm-email-change?token=3q2-7wEv…'

  launchbay account confirm-email-change 3q2-7wEv… --json

  {CHANGE_TOKEN_ENV}=3q2-7wEv… launchbay account confirm-email-change

Then: launchbay login --email NEW_ADDRESS (every log-in session ended).""")
def account_confirm_email_change(
    link: Annotated[Optional[str], typer.Argument(metavar="TOKEN|LINK", envvar=CHANGE_TOKEN_ENV, show_envvar=True,
                                                  help="The link of the e-mail sent to the new address, or its "
                                                       "token; asked on a terminal when missing.")] = None,
    api: Api = None,
    json: Json = False,
) -> None:
    """Move your account to the new address with the link e-mailed to it (`account change-email`;
    it works once, within 24 hours). Needs no login: the link may be opened anywhere.

    Every log-in session of the account ends: log in again with the new address. The session saved
    here is forgotten when it was one of them (an API token configured here keeps working).
    Invitations waiting for the new address are accepted."""
    s = Session(json, api=api, need_login=False)
    if link and link.strip():
        raw = link
    elif on_terminal():
        raw = line_input("The link from the e-mail to the new address (or its token): ")
    else:
        raise typer.BadParameter(f"give the link of the e-mail to the new address (or its token), or "
                                 f"${CHANGE_TOKEN_ENV}", param_hint="TOKEN|LINK")
    try:
        got = dict(Client(s.api).post("/auth/email-change/confirm", {"token": token_of(raw)}))   # no login sent
    except ApiError as exc:
        if exc.status == DEAD_LINK and exc.field == "token":
            raise exc.reworded(f"{exc.message} (logged in: launchbay account change-email NEW_ADDRESS)") from None
        raise
    new = got.get("email")
    forgot = _forget_ended_session(s)
    joined = got.get("joined") or []

    def human() -> None:
        s.out.line(f"Your address is now {new}; every session was signed out: run `launchbay login --email {new}`")
        if forgot:
            s.out.line("The login saved here ended: it is forgotten.", style="dim")
        if joined:
            s.out.line(f"Joined {joined_words(joined)}")
    s.out.result({**got, "logged_out": forgot}, human)


def _forget_ended_session(s: Session) -> bool:
    """The session saved here, forgotten as `logout` does when the server ended it (the change signed
    out every session of the account; a login as someone else, or an API token, stays)."""
    token = s.saved.get("token")
    if not token or token.startswith(API_TOKEN_PREFIX) or s.saved.get("api", config.DEFAULT_API) != s.api:
        return False
    try:
        Client(s.api, token).get("/me")
        return False   # another account's session: it goes on
    except ApiError as exc:
        if exc.status != 401:
            return False
    config.save({**s.saved, "token": None})
    return True


@account_app.command("resume-email", epilog=f"""[bold]Examples[/bold]

  launchbay account show              [dim]# e-mail delivery: held back since …: it bounced (smtp; 550 …)[/dim]

  {RESUME}      [dim]# your mailbox works again: e-mail goes out to it again[/dim]

  {RESUME} --json | jq .lifted""")
def account_resume_email(json: Json = False) -> None:
    """Have e-mail sent to your address again after it bounced for good or you marked a Launchbay
    e-mail as spam (`account show` says so, with the receiving server's words): do it once your
    mailbox works again. Until then nothing is e-mailed to it (invitations, notifications,
    confirmation links), a password reset aside. Confirming your address or resetting your
    password through an e-mailed link lifts it too.

    Nothing held back is no error: it says so and exits 0 (--json: "lifted": false)."""
    s = Session(json)
    me = s.client.get("/me")
    email = (me.get("user") or {}).get("email")
    try:
        s.client.delete("/me/email-suppression")
        lifted = True
    except ApiError as exc:
        if exc.status != 404 or exc.field != "email":   # 404 at `email`: nothing was held back
            raise
        lifted = False
    held = me.get("email_delivery") if lifted else None
    result = {"email": email, "lifted": lifted, "held_back": held}

    def human() -> None:
        if not lifted:
            s.out.line(f"Nothing was held back: e-mail to {email} goes out already")
            return
        s.out.line(f"E-mail to {email} goes out again" + (f" (it was {delivery_words(held)})" if held else ""))
    s.out.result(result, human)


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
