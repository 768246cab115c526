"""search, audit."""
from __future__ import annotations

from typing import Annotated, Optional

import typer

from cli.app import Json, Org, app
from cli.session import Session

TYPES = "service, deployment, log, audit, alert (comma separated)"


@app.command(epilog="""[bold]Examples[/bold]

  launchbay search web

  launchbay search 'status:failed' --type deployment

  launchbay search 'health check' --type log --json""")
def search(
    query: Annotated[str, typer.Argument(help="Words, \"phrases\", prefix*, type:/status:/image: filters.")],
    type: Annotated[Optional[str], typer.Option("--type", "-t", help=TYPES)] = None,
    status: Annotated[Optional[str], typer.Option("--status", help="Only this status.")] = None,
    since: Annotated[Optional[str], typer.Option("--from", help="ISO-8601 time, inclusive.")] = None,
    until: Annotated[Optional[str], typer.Option("--to", help="ISO-8601 time, exclusive.")] = None,
    limit: Annotated[int, typer.Option("--limit", help="At most this many results.", min=1, max=100)] = 20,
    cursor: Annotated[Optional[str], typer.Option("--cursor", help="The next page: the cursor the last page printed.")] = None,
    org: Org = None,
    project: Annotated[Optional[str], typer.Option("--project", "-p", help=(
        "Only this project (id or name); default: the whole organization."))] = None,
    json: Json = False,
) -> None:
    """Search services, deployments, log lines and audit events."""
    s = Session(json, org=org, project=project)
    project_id = s.project()["id"] if project else None
    got = s.client.get(s.org_path("/search"), q=query, type=type, status=status, project=project_id,
                       limit=limit, cursor=cursor, **{"from": since, "to": until})
    results = got.get("results") or []

    def human() -> None:
        s.out.table(results, [("type", "TYPE"), ("title", "TITLE"), ("status", "STATUS"), ("id", "ID"),
                              ("created", "WHEN")], "no matches")
        total = got.get("total", len(results))
        s.out.line(f"{total} match(es)" + (f", {len(results)} shown; the next {limit}: --cursor {got['next']}"
                                           if got.get("next") else ""), style="dim")

    s.out.result(got, human)


@app.command(epilog="""[bold]Examples[/bold]

  launchbay audit

  launchbay audit --limit 200 --json""")
def audit(
    limit: Annotated[int, typer.Option("--limit", help="Newest events first; at most this many.", min=1, max=1000)] = 50,
    cursor: Annotated[Optional[str], typer.Option("--cursor", help="Older events: the cursor the last page printed.")] = None,
    org: Org = None, json: Json = False,
) -> None:
    """The audit log: who did what, to what, from where, when."""
    s = Session(json, org=org)
    items: list = []
    nxt = cursor
    while len(items) < limit:   # pages of up to 200, until --limit events or the end
        page = s.client.get(s.org_path("/audit"), limit=min(limit - len(items), 200), cursor=nxt)
        items.extend(page.get("items") or [])
        nxt = page.get("next")
        if not nxt:
            break

    def human() -> None:
        s.out.table(items, [("created", "WHEN"), ("actor", "WHO"), ("action", "ACTION"), ("target_type", "TARGET"),
                            ("target_id", "ID"), ("source_ip", "FROM")], "no events")
        if nxt:
            s.out.line(f"older events: --cursor {nxt}", style="dim")

    s.out.result({"items": items, "next": nxt}, human)
