"""tokens: your API tokens (for scripts and CI): list, create (the secret shown once), revoke."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated, Any, Optional

import typer
from rich.text import Text

from cli.app import Json, app
from cli.client import segment
from cli.session import Session, pick

COLUMNS = [("id", "ID"), ("name", "NAME"), ("prefix", "PREFIX"), ("org_id", "ORGANIZATION"), ("created", "CREATED"),
           ("expires", "EXPIRES"), ("last_used", "LAST USED")]
# Only these fields are ever listed: the secret (`token`) appears in `tokens create` alone.
LISTED = [key for key, _ in COLUMNS]

tokens_app = typer.Typer(help="Your API tokens (lb_...), for scripts and CI: `launchbay login --token` or "
                              "$LAUNCHBAY_TOKEN. The secret is shown once, when the token is created.",
                         no_args_is_help=False)
app.add_typer(tokens_app, name="tokens")


def _list(s: Session) -> None:
    items = [{k: t.get(k) for k in LISTED} for t in s.client.items("/tokens")]
    s.out.result({"items": items}, lambda: s.out.table(
        items, COLUMNS, "no API tokens: `launchbay tokens create --name NAME`"))


@tokens_app.callback(invoke_without_command=True, epilog="[bold]Example[/bold]\n\n  launchbay tokens")
def _default(ctx: typer.Context, json: Json = False) -> None:
    """List your API tokens (the same as `tokens list`)."""
    if ctx.invoked_subcommand is None:
        _list(Session(json))


@tokens_app.command("list", epilog="[bold]Example[/bold]\n\n  launchbay tokens list --json")
def tokens_list(json: Json = False) -> None:
    """List your API tokens: name, prefix, organization, expiry, last use; never the secret.

    Logged in with a token limited to one organization, only tokens limited to it are listed."""
    _list(Session(json))


@tokens_app.command("create", epilog="""[bold]Examples[/bold]

  launchbay tokens create --name ci --org Acme --expires-days 90

  launchbay tokens create --name deploy-bot --json | jq -r .token   [dim]# the secret, once[/dim]""")
def tokens_create(
    name: Annotated[str, typer.Option("--name", help="What the token is for (1-100 characters).")],
    org: Annotated[Optional[str], typer.Option(
        "--org", help="Limit the token to this organization (id or name). Without it the token reaches every "
                      "organization you belong to (a token limited to one makes only tokens limited to it).")] = None,
    expires_days: Annotated[Optional[int], typer.Option(
        "--expires-days", help="It stops working after this many days (1-3650); default: when revoked.")] = None,
    json: Json = False,
) -> None:
    """Create an API token. Its secret is printed this once (with --json: `token`): keep it."""
    s = Session(json)
    body: dict[str, Any] = {"name": name}
    if org:
        # by name or id among your organizations; the saved default organization is NOT used:
        # without --org the token is not limited, as the API's default is.
        body["organization_id"] = org if org.startswith("org_") else pick(s.orgs(), org, "organization")["id"]
    if expires_days is not None:
        body["expires_days"] = expires_days
    got = s.client.post("/tokens", body)

    def human() -> None:
        scope = f"limited to {got['org_id']}" if got.get("org_id") else "every organization you belong to"
        ends = f"until {got['expires']}" if got.get("expires") else "until revoked"
        s.out.line(f"Created API token {got['id']} ({got['name']}): {scope}, {ends}")
        s.out.line(f"Token (shown once): {got['token']}")
        s.out.line(Text("Keep it now: it cannot be shown again. Use it with `launchbay login --token` or "
                        "LAUNCHBAY_TOKEN.", style="yellow"))
    s.out.result(got, human)


def _by_name(tokens: list[dict[str, Any]], name: str) -> list[dict[str, Any]]:
    """The API refuses a second working token of a name, but an ended one keeps its name: among
    several of that name, the one that still works is meant."""
    now = datetime.now(timezone.utc).isoformat().replace("+00:00", "Z")
    named = [t for t in tokens if t.get("name") == name]
    working = [t for t in named if not t.get("expires") or str(t["expires"]) > now]
    return working if len(named) > 1 and len(working) == 1 else tokens


@tokens_app.command("revoke", epilog="""[bold]Examples[/bold]

  launchbay tokens revoke tok_...

  launchbay tokens revoke ci          [dim]# by name: your working tokens have distinct names[/dim]""")
def tokens_revoke(token: Annotated[str, typer.Argument(metavar="TOKEN", help="The token's id (tok_...) or name.")],
                  json: Json = False) -> None:
    """Revoke an API token: it stops working at once."""
    s = Session(json)
    token_id = token if token.startswith("tok_") else pick(_by_name(s.client.items("/tokens"), token), token, "API token")["id"]
    s.client.delete(f"/tokens/{segment(token_id)}")
    s.out.result({"id": token_id, "revoked": True}, lambda: s.out.line(f"Revoked {token_id}"))
