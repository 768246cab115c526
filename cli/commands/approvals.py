"""approvals, approve, reject: deploys to environments that require approval."""
from __future__ import annotations

from typing import Annotated, Any, Optional

import typer

from cli.app import Json, Org, app
from cli.client import segment
from cli.commands.deploys import Timeout, Wait, follow_deployment
from cli.session import Session

DEPLOYMENT_ARG = Annotated[str, typer.Argument(metavar="DEPLOYMENT", help="Deployment id.")]


@app.command(epilog="[bold]Example[/bold]\n\n  launchbay approvals")
def approvals(org: Org = None, json: Json = False) -> None:
    """Deploys waiting for approval in the organization, the longest wait first."""
    s = Session(json, org=org)
    items = s.client.items(s.org_path("/approvals"), most=1000)
    s.out.result({"items": items}, lambda: s.out.table(
        items, [("id", "DEPLOYMENT"), ("service_name", "SERVICE"), ("environment", "ENV"), ("number", "#"),
                ("image", "IMAGE"), ("actor", "ASKED BY"), ("created", "SINCE")], "no deploy is waiting for approval"))


@app.command(epilog="""[bold]Examples[/bold]

  launchbay approve dep_01j...

  launchbay approve dep_01j... --wait   [dim]# then follow it until it settles[/dim]""")
def approve(deployment: DEPLOYMENT_ARG, wait: Wait = False, timeout: Timeout = 900, org: Org = None,
            json: Json = False) -> None:
    """Approve a deploy waiting for approval (admin or owner): it is queued for a worker."""
    s = Session(json, org=org)
    dep = s.client.post(s.org_path(f"/deployments/{segment(deployment)}/approve"))
    if wait:
        s.out.note(f"Approved: deploying {dep.get('service_name')}, deployment #{dep.get('number')} ({dep['id']})")
        follow_deployment(s, dep, dep.get("service_name") or "the service", timeout)
    _said(s, dep)


@app.command(epilog="""[bold]Example[/bold]

  launchbay reject dep_01j... --reason "not during the sale\"""")
def reject(deployment: DEPLOYMENT_ARG,
           reason: Annotated[Optional[str], typer.Option("--reason", help="Why: shown on the deployment and in its log.")] = None,
           org: Org = None, json: Json = False) -> None:
    """Reject a deploy waiting for approval (admin or owner): it is cancelled, with the reason."""
    s = Session(json, org=org)
    dep = s.client.post(s.org_path(f"/deployments/{segment(deployment)}/reject"), {"reason": reason} if reason else {})
    _said(s, dep)


def _said(s: Session, dep: dict[str, Any]) -> None:
    s.out.result(dep, lambda: s.out.line(
        f"Deployment #{dep.get('number')} of {dep.get('service_name')} ({dep['id']}): {dep.get('status')}, "
        f"{dep.get('reason')}"))
