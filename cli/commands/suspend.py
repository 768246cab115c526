"""suspend, resume: stop what a service runs without deleting it, and start it again."""
from __future__ import annotations

import sys
import uuid
from typing import Annotated

import typer

from cli.app import Env, Json, Org, Project, app
from cli.client import segment
from cli.commands.deploys import SERVICE_ARG, Timeout, Wait, live_release_again
from cli.commands.polling import poll_until
from cli.session import CliError, Session

Confirm = Annotated[bool, typer.Option("--confirm", "-y", help="Suspend without asking.")]


def _stops(kind: str) -> str:
    return "its schedule stops firing" if kind == "cron" else "every task stops"


@app.command(epilog="""[bold]Examples[/bold]

  launchbay suspend staging-web --confirm          [dim]# for the weekend[/dim]

  launchbay suspend worker --confirm --wait         [dim]# until nothing runs[/dim]""")
def suspend(
    service: SERVICE_ARG,
    confirm: Confirm = False,
    wait: Annotated[bool, typer.Option("--wait", "-w", help="Wait until it is suspended.")] = False,
    timeout: Timeout = 300,
    org: Org = None, project: Project = None, env: Env = None, json: Json = False,
) -> None:
    """Suspend a service without deleting it: web and worker services go to 0 tasks (autoscaling
    held at 0), a cron service's schedule is disabled. Nothing is deployed until `resume`; a web
    service's address answers 503 "service suspended"."""
    s = Session(json, org=org, project=project, env=env)
    svc = s.service(service)
    if not confirm:
        if json or sys.stdin is None or not sys.stdin.isatty():
            raise typer.BadParameter(f"suspending {svc['name']}: {_stops(svc['kind'])}; add --confirm",
                                     param_hint="--confirm")
        if not typer.confirm(f"Suspend {svc['name']} ({svc.get('environment')})? {_stops(svc['kind']).capitalize()}.",
                             default=False, err=True):
            raise CliError("nothing was suspended")
    path = s.org_path(f"/services/{segment(svc['id'])}")
    got = s.client.post(path + "/suspend", {}, headers={"Idempotency-Key": "cli-" + uuid.uuid4().hex})
    if wait:
        got = poll_until(s, lambda: s.client.get(path), lambda d: f"{d['name']}: {d.get('status')}"
                         + (f" ({d['suspended']['error']})" if (d.get("suspended") or {}).get("error") else ""),
                         lambda d: d.get("status") != "suspending", timeout, 1.0, first=got)
    s.out.result(got, lambda: s.out.line(
        f"{got['name']} is {got.get('status')}: {_stops(got['kind'])}. Start it again: launchbay resume {got['name']}"))


@app.command(epilog="""[bold]Examples[/bold]

  launchbay resume staging-web --wait""")
def resume(
    service: SERVICE_ARG, wait: Wait = False, timeout: Timeout = 900,
    org: Org = None, project: Project = None, env: Env = None, json: Json = False,
) -> None:
    """Resume a suspended service: a deployment of its live release that puts its task count,
    autoscaling and schedule back from the release's settings and waits for health."""
    s = Session(json, org=org, project=project, env=env)
    live_release_again(s, s.service(service), "resume", wait, timeout)
