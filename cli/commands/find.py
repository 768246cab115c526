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
    org: Org = None,
    project: Annotated[Optional[str], typer.Option("--project", "-p", help=(
        "Only this project (id or name); default: the whole organization."))] = None,
    json: Json = False,
) -> None:
    """Search services, deployments, log lines and audit events."""
    s = Session(json, org=org, project=project)
    project_id = s.project()["id"] if project else None
    got = s.client.get(s.org_path("/search"), q=query, type=type, status=status, project=project_id,
                       limit=limit, **{"from": since, "to": until})
    results = got.get("results") or []
    def human() -> None:
        s.out.table(results, [("type", "TYPE"), ("title", "TITLE"), ("status", "STATUS"), ("id", "ID"),
                              ("created", "WHEN")], "no matches")
        s.out.line(f"{got.get('total', len(results))} match(es)", style="dim")

    s.out.result(got, human)


@app.command(epilog="""[bold]Examples[/bold]

  launchbay audit

  launchbay audit --limit 200 --json""")
def audit(
    limit: Annotated[int, typer.Option("--limit", help="Newest events first; at most this many.", min=1, max=1000)] = 50,
    org: Org = None, json: Json = False,
) -> None:
    """The audit log: who did what, to what, from where, when."""
    s = Session(json, org=org)
    items = s.client.items(s.org_path("/audit"), limit=min(limit, 200), most=limit)[:limit]
    s.out.result({"items": items}, lambda: s.out.table(
        items, [("created", "WHEN"), ("actor", "WHO"), ("action", "ACTION"), ("target_type", "TARGET"),
                ("target_id", "ID"), ("source_ip", "FROM")], "no events"))
