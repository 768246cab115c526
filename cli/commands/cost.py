"""cost: estimated monthly cost of a service (line by line) or of the project (per environment)."""
from __future__ import annotations

from typing import Annotated, Any, Optional

import typer
from rich.text import Text

from cli.app import Env, Json, Org, Project, app
from cli.session import Session

LINE_COLUMNS = [("item", "ITEM"), ("quantity", "QUANTITY"), ("unit", "UNIT"), ("unit_price", "UNIT PRICE"),
                ("month", "MONTHLY")]
PART_COLUMNS = [("name", "NAME"), ("what", "WHAT"), ("kind", "KIND"), ("month", "MONTHLY")]


def money(v: Any) -> str:
    return f"${v:,.2f}" if isinstance(v, (int, float)) else "-"


def span(lo: Any, hi: Any) -> str:
    """"$7.39" or "$7.39–$22.16": min and max a month."""
    return money(lo) if lo == hi or hi is None else f"{money(lo)}–{money(hi)}"


def _quantity(line: dict[str, Any]) -> str:
    lo, hi = line.get("quantity"), line.get("quantity_max")
    return f"{lo:g}" if lo == hi or hi is None else f"{lo:g}–{hi:g}"


def _service(s: Session, ref: str) -> None:
    got = s.client.get(s.service_path(ref, "/cost"))
    rows = [{**l, "quantity": _quantity(l), "month": span(l.get("monthly"), l.get("monthly_max"))}
            for l in got.get("lines") or []]

    def human() -> None:
        s.out.line(Text(f"{got.get('name')} ({got.get('kind')}, {got.get('environment')}, {got.get('region')}): "
                        f"{span(got['monthly_min'], got['monthly_max'])} a month ({got.get('currency')})",
                        style="bold"))
        s.out.table(rows, LINE_COLUMNS, "nothing priced")
        for note in got.get("assumptions") or []:
            s.out.line(Text(f"· {note}", style="dim"))
        s.out.line(Text(f"list prices of {(got.get('prices') or {}).get('date')}", style="dim"))
    s.out.result(got, human)


def _project(s: Session) -> None:
    got = s.client.get(s.project_path("/cost"))

    def human() -> None:
        for env in got.get("environments") or []:
            s.out.line(Text(f"{env['name']} ({env.get('region')}): {span(env['monthly_min'], env['monthly_max'])} "
                            "a month", style="bold"))
            parts = [{**p, "what": what, "month": span(p.get("monthly_min"), p.get("monthly_max"))}
                     for what, key in (("service", "services"), ("resource", "resources")) for p in env.get(key) or []]
            s.out.table(parts, PART_COLUMNS, "no services or resources")
            s.out.line("")
        s.out.line(Text(f"Total: {span(got['monthly_min'], got['monthly_max'])} a month ({got.get('currency')}, "
                        f"list prices of {(got.get('prices') or {}).get('date')})", style="bold"))
    s.out.result(got, human)


@app.command(epilog="""[bold]Examples[/bold]

  launchbay cost                [dim]# the project: per environment, its services and resources[/dim]

  launchbay cost web            [dim]# one service, line by line, with the assumptions[/dim]

  launchbay cost web --env staging --json""")
def cost(
    service: Annotated[Optional[str], typer.Argument(metavar="[SERVICE]", help="Service id or name.")] = None,
    org: Org = None, project: Project = None, env: Env = None, json: Json = False,
) -> None:
    """Estimated monthly cost (min–max from the scaling limits), from dated AWS list prices."""
    s = Session(json, org=org, project=project, env=env)
    if service:
        _service(s, service)
    else:
        _project(s)
