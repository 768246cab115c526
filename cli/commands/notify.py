"""notify: a project's notification subscriptions (webhooks, Slack, Teams, e-mail) and their delivery log."""
from __future__ import annotations

from typing import Annotated, Any, Optional

import typer

from cli.app import Json, Org, Project, app
from cli.client import segment
from cli.session import CliError, Session

notify_app = typer.Typer(help="Notifications of the project (deployments, previews, alerts): signed webhooks, Slack and "
                              "Teams incoming webhooks, and e-mail to members, with a delivery log.",
                         no_args_is_help=False)
app.add_typer(notify_app, name="notify")
COLUMNS = [("id", "ID"), ("kind", "KIND"), ("name", "NAME"), ("to", "TO"), ("events", "EVENTS"),
           ("enabled", "ENABLED")]
SHOWN = ["id", "kind", "name", "to", "events", "enabled", "signed", "secret_rotated", "created", "updated"]
EMAIL_HELP = ("E-mail this address (repeatable, 1-10): the e-mail of a member of the organization. A subscription "
              "of kind email; no URL then.")
DELIVERY_COLUMNS = [("id", "ID"), ("event", "EVENT"), ("status", "STATUS"), ("attempts", "ATTEMPTS"),
                    ("response_code", "CODE"), ("error", "ERROR"), ("created", "CREATED")]


def _path(s: Session, tail: str = "") -> str:
    return s.project_path("/notifications" + tail)


def receiver(sub: dict[str, Any]) -> str:
    """Where a subscription delivers: its addresses (kind email), else its URL by host."""
    if sub.get("kind") == "email":
        return ", ".join(sub.get("emails") or []) or "-"
    return sub.get("url_hint") or "-"


def _row(sub: dict[str, Any]) -> dict[str, Any]:
    return {**sub, "to": receiver(sub), "events": ",".join(sub.get("events") or [])}


def _list(s: Session) -> None:
    items = s.client.items(_path(s))
    s.out.result({"items": items}, lambda: s.out.table(
        [_row(i) for i in items], COLUMNS,
        "no subscriptions: `launchbay notify add URL` or `launchbay notify add --email ADDRESS`"))


@notify_app.callback(invoke_without_command=True)
def _default(ctx: typer.Context, org: Org = None, project: Project = None, json: Json = False) -> None:
    """List the project's subscriptions (the same as `notify list`)."""
    if ctx.invoked_subcommand is None:
        _list(Session(json, org=org, project=project))


@notify_app.command("list", epilog="[bold]Example[/bold]\n\n  launchbay notify list --json")
def notify_list(org: Org = None, project: Project = None, json: Json = False) -> None:
    """List the project's subscriptions (URLs by host only; secrets never; e-mail ones with their
    addresses)."""
    _list(Session(json, org=org, project=project))


@notify_app.command("show", epilog="""[bold]Examples[/bold]

  launchbay notify show ntf_...

  launchbay notify show ntf_... --json""")
def notify_show(sub: Annotated[str, typer.Argument(help="Subscription id.")],
                org: Org = None, project: Project = None, json: Json = False) -> None:
    """One subscription: its kind, where it delivers (the URL by host only, or the addresses), its
    events (never its secret)."""
    s = Session(json, org=org, project=project)
    got = s.client.get(_path(s, f"/{segment(sub)}"))
    s.out.result(got, lambda: s.out.fields({**_row(got), "events": ", ".join(got.get("events") or [])}, SHOWN))


@notify_app.command("add", epilog="""[bold]Examples[/bold]

  launchbay notify add https://ci.example.com/launchbay --event deployment.live --event deployment.failed

  launchbay notify add https://hooks.slack.com/services/T/B/X --slack --name team-chat

  launchbay notify add 'https://prod-00.westus.logic.azure.com:443/workflows/…' --teams --event deployment.failed

  launchbay notify add --email ana@example.com --email ops@example.com --event deployment.failed --name on-call""")
def notify_add(
    url: Annotated[Optional[str], typer.Argument(help="The receiver: https://... (none with --email).")] = None,
    slack: Annotated[bool, typer.Option("--slack", help="A Slack-compatible incoming webhook (default: a signed webhook).")] = False,
    teams: Annotated[bool, typer.Option("--teams", help="A Microsoft Teams Workflows webhook (an Adaptive Card).")] = False,
    email: Annotated[Optional[list[str]], typer.Option("--email", metavar="ADDRESS", help=EMAIL_HELP)] = None,
    event: Annotated[Optional[list[str]], typer.Option("--event", help="Only this event type (repeatable; default: all): deployment.awaiting_approval, .approval_reminder, .approval_expired, .started, .building, .live, .failed, "
                      ".rolled_back, preview.created, preview.deleted, alert.opened, alert.resolved, service.suspended, "
                      "service.resumed, service.maintenance, service.maintenance_over, environment.frozen, "
                      "environment.unfrozen, environment.asleep, environment.awake, queue.dead_letters, "
                      "log_drain.failing, log_drain.recovered.")] = None,
    name: Annotated[str, typer.Option("--name", help="A label.")] = "",
    org: Org = None, project: Project = None, json: Json = False,
) -> None:
    """Subscribe a receiver: a URL (a signed webhook, or --slack, --teams), or e-mail addresses of
    members of the organization (--email, repeatable). A webhook's signing secret is printed this
    once: keep it."""
    if slack and teams:
        raise typer.BadParameter("give --slack or --teams, not both", param_hint="--teams")
    if email and (slack or teams):
        raise typer.BadParameter("--email sends e-mail: give it without --slack or --teams", param_hint="--email")
    if email and url:
        raise typer.BadParameter("an e-mail subscription has no URL: give the URL or --email, not both",
                                 param_hint="--email")
    if not email and not url:
        raise typer.BadParameter("give the receiver's URL, or --email ADDRESS for e-mail", param_hint="URL")
    s = Session(json, org=org, project=project)
    body: dict = ({"kind": "email", "emails": email, "name": name} if email else
                  {"kind": "slack" if slack else "teams" if teams else "webhook", "url": url, "name": name})
    if event:
        body["events"] = event
    got = s.client.post(_path(s), body)

    def human() -> None:
        s.out.line(f"Subscribed {got['id']} ({got['kind']}, {receiver(got)})")
        if got.get("secret"):
            s.out.line(f"Signing secret (shown once): {got['secret']}")
    s.out.result(got, human)


@notify_app.command("update", epilog="""[bold]Examples[/bold]

  launchbay notify update ntf_... --email ana@example.com --email ops@example.com   [dim]# the new list of addresses[/dim]

  launchbay notify update ntf_... --event deployment.failed --event alert.opened --name on-call

  launchbay notify update ntf_... --disable""")
def notify_update(
    sub: Annotated[str, typer.Argument(help="Subscription id.")],
    email: Annotated[Optional[list[str]], typer.Option("--email", metavar="ADDRESS", help="Kind email: the addresses "
                                                       "to e-mail from now on (repeatable, 1-10, members of the "
                                                       "organization); replaces the list.")] = None,
    url: Annotated[Optional[str], typer.Option("--url", help="A webhook, Slack or Teams subscription: the new "
                                                             "receiver, https://...")] = None,
    event: Annotated[Optional[list[str]], typer.Option("--event", help="The events from now on (repeatable; "
                                                       "replaces them; `notify add --help` lists them).")] = None,
    name: Annotated[Optional[str], typer.Option("--name", help="A new label.")] = None,
    enabled: Annotated[Optional[bool], typer.Option("--enable/--disable", help="Deliver, or stop delivering.",
                                                    show_default=False)] = None,
    org: Org = None, project: Project = None, json: Json = False,
) -> None:
    """Change a subscription (project admins): its addresses (kind email), URL, events, name, or
    whether it delivers. Only what is given changes."""
    body: dict[str, Any] = {k: v for k, v in (("emails", email), ("url", url), ("events", event), ("name", name),
                                              ("enabled", enabled)) if v is not None}
    if not body:
        raise CliError("nothing to change: give --email, --url, --event, --name, --enable or --disable")
    s = Session(json, org=org, project=project)
    got = s.client.patch(_path(s, f"/{segment(sub)}"), body)
    s.out.result(got, lambda: s.out.line(
        f"Updated {got['id']} ({got['kind']}, {receiver(got)}; "
        f"events {', '.join(got.get('events') or []) or '-'}; {'enabled' if got.get('enabled') else 'disabled'})"))


@notify_app.command("remove", epilog="[bold]Example[/bold]\n\n  launchbay notify remove ntf_...")
def notify_remove(sub: Annotated[str, typer.Argument(help="Subscription id.")],
                  org: Org = None, project: Project = None, json: Json = False) -> None:
    """Delete a subscription and its delivery log."""
    s = Session(json, org=org, project=project)
    s.client.delete(_path(s, f"/{segment(sub)}"))
    s.out.result({"id": sub, "deleted": True}, lambda: s.out.line(f"Deleted {sub}"))


@notify_app.command("rotate-secret", epilog="""[bold]Examples[/bold]

  launchbay notify rotate-secret ntf_...

  launchbay notify rotate-secret ntf_... --json | jq -r .secret""")
def notify_rotate_secret(sub: Annotated[str, typer.Argument(help="Subscription id (a signed webhook).")],
                         org: Org = None, project: Project = None, json: Json = False) -> None:
    """A new signing secret for a webhook, printed this once; the old one stops signing at once
    (project admins). Slack subscriptions are not signed and have none."""
    s = Session(json, org=org, project=project)
    got = s.client.post(_path(s, f"/{segment(sub)}/rotate-secret"), {})

    def human() -> None:
        s.out.line(f"Rotated the signing secret of {got['id']} ({got['url_hint']}): deliveries are signed with the new "
                   "one from now on; update the receiver")
        s.out.line(f"Signing secret (shown once): {got['secret']}")
    s.out.result(got, human)


@notify_app.command("test", epilog="[bold]Example[/bold]\n\n  launchbay notify test ntf_... && launchbay notify deliveries ntf_...")
def notify_test(sub: Annotated[str, typer.Argument(help="Subscription id.")],
                org: Org = None, project: Project = None, json: Json = False) -> None:
    """Send a test event; `notify deliveries` shows how it went."""
    s = Session(json, org=org, project=project)
    got = s.client.post(_path(s, f"/{segment(sub)}/test"), {})
    s.out.result(got, lambda: s.out.line(f"Queued test delivery {got['id']}"))


@notify_app.command("deliveries", epilog="[bold]Example[/bold]\n\n  launchbay notify deliveries ntf_... --json")
def notify_deliveries(sub: Annotated[str, typer.Argument(help="Subscription id.")],
                      org: Org = None, project: Project = None, json: Json = False) -> None:
    """The subscription's deliveries, newest first: status, attempts, last response code, error."""
    s = Session(json, org=org, project=project)
    got = s.client.get(_path(s, f"/{segment(sub)}/deliveries"))
    items = got.get("items") or []
    s.out.result({"items": items}, lambda: s.out.table(items, DELIVERY_COLUMNS, "no deliveries yet"))
