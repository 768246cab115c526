"""maintenance: a web service's hosts answer a 503 page with your message, its tasks running on."""
from __future__ import annotations

from typing import Annotated, Optional

import typer

from cli.app import Env, Json, Org, Project, app
from cli.client import segment
from cli.commands.deploys import SERVICE_ARG
from cli.session import Session


@app.command(epilog="""[bold]Examples[/bold]

  launchbay maintenance web on --message "Moving to a bigger database; back at 14:00"

  launchbay deploy web --wait                  [dim]# rolls out behind the page[/dim]

  launchbay maintenance web off

  launchbay maintenance web                    [dim]# on or off, and since when[/dim]""")
def maintenance(
    service: SERVICE_ARG,
    state: Annotated[Optional[str], typer.Argument(metavar="[on|off]", help="on, off, or nothing to see it.")] = None,
    message: Annotated[Optional[str], typer.Option("--message", "-m", help="What the page says (text, up to 500 "
                                                                            "characters).")] = None,
    org: Org = None, project: Project = None, env: Env = None, json: Json = False,
) -> None:
    """Maintenance mode: the service's hosts (its internal host, domain and aliases) answer a 503
    page with your message from the load balancer, at once; its tasks keep running and a deploy made
    meanwhile rolls out behind the page. `off` forwards to the service again, at once."""
    if state not in (None, "on", "off"):
        raise typer.BadParameter("on or off", param_hint="[on|off]")
    if message is not None and state != "on":
        raise typer.BadParameter("a message goes with `on`", param_hint="--message")
    s = Session(json, org=org, project=project, env=env)
    svc = s.service(service)
    path = s.org_path(f"/services/{segment(svc['id'])}")
    if state == "on":
        got = s.client.put(path + "/maintenance", {"message": message} if message else {})
    elif state == "off":
        got = s.client.delete(path + "/maintenance")
    else:
        got = s.client.get(path)

    def human() -> None:
        m = got.get("maintenance")
        if m:
            s.out.line(f"{got['name']} is in maintenance since {m.get('since')} (by {m.get('by')}): its hosts answer "
                       f"503 \"{m.get('message')}\". Off: launchbay maintenance {got['name']} off")
        else:
            s.out.line(f"{got['name']} is not in maintenance: its hosts forward to its tasks")
    s.out.result(got, human)
