"""notify: a project's notification subscriptions (webhooks, Slack) and their delivery log."""
from __future__ import annotations

from typing import Annotated, Optional

import typer

from cli.app import Json, Org, Project, app
from cli.client import segment
from cli.session import Session

notify_app = typer.Typer(help="Notifications of the project (deployments, previews, alerts): signed webhooks and Slack incoming webhooks, "
                              "with a delivery log.", no_args_is_help=False)
app.add_typer(notify_app, name="notify")
COLUMNS = [("id", "ID"), ("kind", "KIND"), ("name", "NAME"), ("url_hint", "URL"), ("events", "EVENTS"),
           ("enabled", "ENABLED")]
DELIVERY_COLUMNS = [("id", "ID"), ("event", "EVENT"), ("status", "STATUS"), ("attempts", "ATTEMPTS"),
                    ("response_code", "CODE"), ("error", "ERROR"), ("created", "CREATED")]


def _path(s: Session, tail: str = "") -> str:
    return s.project_path("/notifications" + tail)


def _list(s: Session) -> None:
    items = s.client.items(_path(s))
    rows = [{**i, "events": ",".join(i.get("events") or [])} for i in items]
    s.out.result({"items": items}, lambda: s.out.table(rows, COLUMNS, "no subscriptions: `launchbay notify add URL`"))


@notify_app.callback(invoke_without_command=True)
def _default(ctx: typer.Context, org: Org = None, project: Project = None, json: Json = False) -> None:
    """List the project's subscriptions (the same as `notify list`)."""
    if ctx.invoked_subcommand is None:
        _list(Session(json, org=org, project=project))


@notify_app.command("list", epilog="[bold]Example[/bold]\n\n  launchbay notify list --json")
def notify_list(org: Org = None, project: Project = None, json: Json = False) -> None:
    """List the project's subscriptions (URLs by host only; secrets never)."""
    _list(Session(json, org=org, project=project))


@notify_app.command("add", epilog="""[bold]Examples[/bold]

  launchbay notify add https://ci.example.com/launchbay --event deployment.live --event deployment.failed

  launchbay notify add https://hooks.slack.com/services/T/B/X --slack --name team-chat

  launchbay notify add 'https://prod-00.westus.logic.azure.com:443/workflows/…' --teams --event deployment.failed""")
def notify_add(
    url: Annotated[str, typer.Argument(help="The receiver: https://...")],
    slack: Annotated[bool, typer.Option("--slack", help="A Slack-compatible incoming webhook (default: a signed webhook).")] = False,
    teams: Annotated[bool, typer.Option("--teams", help="A Microsoft Teams Workflows webhook (an Adaptive Card).")] = False,
    event: Annotated[Optional[list[str]], typer.Option("--event", help="Only this event type (repeatable; default: all): deployment.awaiting_approval, .approval_reminder, .approval_expired, .started, .building, .live, .failed, "
                      ".rolled_back, preview.created, preview.deleted, alert.opened, alert.resolved, service.suspended, "
                      "service.resumed, service.maintenance, service.maintenance_over, environment.frozen, "
                      "environment.unfrozen, environment.asleep, environment.awake, queue.dead_letters, "
                      "log_drain.failing, log_drain.recovered.")] = None,
    name: Annotated[str, typer.Option("--name", help="A label.")] = "",
    org: Org = None, project: Project = None, json: Json = False,
) -> None:
    """Subscribe a receiver. A webhook's signing secret is printed this once: keep it."""
    if slack and teams:
        raise typer.BadParameter("give --slack or --teams, not both", param_hint="--teams")
    s = Session(json, org=org, project=project)
    body: dict = {"kind": "slack" if slack else "teams" if teams else "webhook", "url": url, "name": name}
    if event:
        body["events"] = event
    got = s.client.post(_path(s), body)

    def human() -> None:
        s.out.line(f"Subscribed {got['id']} ({got['kind']}, {got['url_hint']})")
        if got.get("secret"):
            s.out.line(f"Signing secret (shown once): {got['secret']}")
    s.out.result(got, human)


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
