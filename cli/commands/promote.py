"""promote: what is live in one environment, deployed to the same-named services of another."""
from __future__ import annotations

import time
import uuid
from typing import Annotated, Any, Optional

import typer

from cli.app import Json, Org, Project, app
from cli.client import segment
from cli.commands.deploys import Timeout, Wait
from cli.commands.follow import Progress, read_deployment_logs, settle_exit, summary
from cli.session import Session

ENV_FROM = Annotated[str, typer.Argument(metavar="FROM", help="The environment whose live releases go out (name or id).")]
ENV_TO = Annotated[str, typer.Argument(metavar="TO", help="The environment that gets them (name or id).")]


@app.command(epilog="""[bold]Examples[/bold]

  launchbay promote staging production --plan     [dim]# what would go out, and what to check first[/dim]

  launchbay promote staging production --wait     [dim]# then follow each deployment until it settles[/dim]

  launchbay promote staging production --service web --service worker""")
def promote(
    source: ENV_FROM, target: ENV_TO,
    services: Annotated[Optional[list[str]], typer.Option("--service", "-s", help="Only this service (repeat for more).")] = None,
    plan: Annotated[bool, typer.Option("--plan", help="Show what would be deployed or skipped, and why; deploy nothing.")] = False,
    wait: Wait = False, timeout: Timeout = 900,
    org: Org = None, project: Project = None, json: Json = False,
) -> None:
    """Promote an environment's live releases: each same-named service of TO deploys the exact
    image (by digest) and commit that FROM runs, with TO's own settings and secrets. Nothing is
    rebuilt. Environments that require approval hold the deploys for an admin or owner."""
    s = Session(json, org=org, project=project)
    src = s.environment(source)
    path = s.project_path(f"/environments/{segment(src['id'])}/promote")
    if plan:
        got = s.client.get(path, to=target, **({"services": ",".join(services)} if services else {}))
        s.out.result(got, lambda: _show(s, got, applied=False))
        return
    body: dict[str, Any] = {"to": target, **({"services": services} if services else {})}
    got = s.client.post(path, body, headers={"Idempotency-Key": "cli-" + uuid.uuid4().hex})
    if not wait:
        s.out.result(got, lambda: _show(s, got, applied=True))
        return
    if not json:
        _show(s, got, applied=True)
    raise typer.Exit(_follow(s, got, timeout))


def _show(s: Session, got: dict[str, Any], applied: bool) -> None:
    head = f"{got['from']['name']} -> {got['to']['name']}"
    rows = []
    for e in got["services"]:
        live = (e.get("to") or {}).get("live")
        dep = e.get("deployment") or {}
        rows.append({"service": e["service"],
                     "action": e["action"] if not dep else f"{e['action']} #{dep.get('number')} {_words(dep.get('status'))}",
                     "from": _release(e.get("from")), "to": _release(live), "why": e["reason"]})
    s.out.line(f"{'Promoted' if applied else 'Promotion plan'}: {head}", style="bold")
    s.out.table(rows, [("service", "SERVICE"), ("action", "ACTION"), ("from", "FROM"), ("to", "NOW IN " + got["to"]["name"].upper()),
                       ("why", "WHY")], f"{got['from']['name']} has no services")
    for e in got["services"]:
        for warning in e.get("warnings") or []:
            s.out.line(f"warning: {warning}", style="yellow")
    n = got["summary"]
    verb = "deployed" if applied else "would deploy"
    waits = "waits" if n["approval"] == 1 else "wait"
    s.out.line(f"{n['deploy']} {verb}, {n['skip']} skipped" + (f"; {n['approval']} {waits} for approval by an admin or owner"
                                                            if n["approval"] else ""))
    if applied:
        for e in got["services"]:
            dep = e.get("deployment") or {}
            if e["action"] == "deploy" and dep.get("status") == "awaiting_approval":
                s.out.note(f"{e['service']}: launchbay approve {dep['id']}")
    elif n["deploy"]:
        s.out.note(f"Run it: launchbay promote {got['from']['name']} {got['to']['name']}")


def _release(r: Optional[dict[str, Any]]) -> str:
    if not r:
        return "-"
    image = r.get("image") or ""
    short = image.split("@sha256:")[0] + "@" + image.split("@sha256:")[1][:12] if "@sha256:" in image else image
    sha = ((r.get("commit") or {}).get("sha") or "")[:7]
    return f"#{r.get('number')} {short}" + (f" ({sha})" if sha else "")


def _words(status: Optional[str]) -> str:
    return (status or "").replace("_", " ")


def _follow(s: Session, got: dict[str, Any], timeout: float) -> int:
    """--wait: each deployment the promotion queued, in turn, until it settles. Exit 0 when all
    went live, 2 when one did not (or one waits for approval), 1 on timeout."""
    worst, deadline = 0, time.monotonic() + timeout
    finals = []
    for e in got["services"]:
        dep = e.get("deployment")
        if e["action"] != "deploy" or not dep:
            continue
        if dep.get("status") == "awaiting_approval":
            s.out.note(f"{e['service']}: deployment #{dep.get('number')} waits for approval; not followed")
            worst = max(worst, 2)
            continue
        s.out.note(f"Deploying {e['service']} to {got['to']['name']}: deployment #{dep.get('number')} ({dep['id']})")
        with Progress(s.out, dep) as progress:
            final = read_deployment_logs(s, dep["id"], progress.line, follow=True,
                                         timeout=max(deadline - time.monotonic(), 1), on_poll=progress.poll,
                                         on_read=progress.read)
        finals.append(final)
        if not s.out.json:
            s.out.line(summary(final, e["service"]))
        worst = max(worst, settle_exit(final))
    if s.out.json:
        s.out.result({**got, "deployments": finals})
    return worst
