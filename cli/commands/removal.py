"""projects delete, services delete, envs delete: what goes is named first, then typed again to confirm (as for
resources), since both remove what they made in AWS. The API refuses what it cannot do yet
(an environment that still has services, or holds a protected resource) and says why."""
from __future__ import annotations

import sys
from typing import Annotated, Any, Optional

import typer

from cli import config
from cli.app import Env, Json, Org, Project
from cli.client import segment
from cli.commands.catalog import envs_app, projects_app, services_app
from cli.commands.prompts import line_input
from cli.session import CliError, Session

Confirm = Annotated[Optional[str], typer.Option("--confirm", metavar="NAME", help="The name, typed again.")]


def _confirmed(s: Session, name: str, confirm: Optional[str], what: str) -> None:
    if confirm is None:
        if s.out.json or sys.stdin is None or not sys.stdin.isatty():
            raise typer.BadParameter(f"deleting {what} removes what it made in AWS: confirm with --confirm {name}",
                                     param_hint="--confirm")
        confirm = line_input(f"Deleting {what} removes what it made in AWS. Type its name to go on: ")
    if confirm != name:
        raise typer.BadParameter(f"{confirm!r} is not {name!r}: nothing was deleted", param_hint="--confirm")


@services_app.command("delete", epilog="""[bold]Examples[/bold]

  launchbay services delete web --env staging --confirm web

  launchbay services delete jobs                 [dim]# on a terminal: asks for the name[/dim]""")
def services_delete(
    service: Annotated[str, typer.Argument(help="Service id or name.")], confirm: Confirm = None,
    org: Org = None, project: Project = None, env: Env = None, json: Json = False,
) -> None:
    """Delete a service: a worker removes its ECS service, task definitions, listener rules,
    schedule and secret parameters (status `deleting` meanwhile)."""
    s = Session(json, org=org, project=project, env=env)
    svc = s.service(service)
    _confirmed(s, svc["name"], confirm, f"service {svc['name']} ({svc.get('environment')})")
    got = s.client.request("DELETE", s.org_path(f"/services/{segment(svc['id'])}"))
    s.out.result(got, lambda: s.out.line(f"{svc['name']} ({svc['id']}): {(got or {}).get('status', 'deleted')}; "
                                         "a worker removes what it made in AWS"))


def _plan_lines(plan: dict[str, Any]) -> list[str]:
    lines = []
    for place in plan.get("places") or []:
        where = place.get("target") or {}
        lines.append(f"in {where.get('account') or 'the platform account'} {where.get('region') or ''}".rstrip() + ":")
        for step in place.get("steps") or []:
            kept = (step.get("changes") or {}).get("kept")
            action = {"no-op": "none there:"}.get(step.get("action"), step.get("action"))   # nothing to remove
            lines.append(f"  {action} {step.get('resource') or step.get('step')} {step.get('name') or ''}"
                         .rstrip() + (f" ({kept})" if kept else ""))
    for res in plan.get("resources") or []:
        lines.append(f"  {res.get('action', 'delete')} resource {res.get('name')}")
    return lines


@envs_app.command("delete", epilog="""[bold]Examples[/bold]

  launchbay envs delete staging                 [dim]# shows what goes, asks for the name on a terminal[/dim]

  launchbay envs delete pr-7 --confirm pr-7 --json""")
def envs_delete(
    ref: Annotated[str, typer.Argument(metavar="ENV", help="Environment id or name.")], confirm: Confirm = None,
    org: Org = None, project: Project = None, json: Json = False,
) -> None:
    """Delete an environment: first what it would remove in AWS (load balancer, security groups,
    secret parameters, log groups, resources), then, confirmed, a worker removes it."""
    s = Session(json, org=org, project=project)
    env = s.environment(ref)
    path = s.project_path(f"/environments/{segment(env['name'])}")
    plan = s.client.get(path + "/plan-delete")
    first = plan.get("services_to_delete_first") or []
    if first:
        raise CliError(f"environment {env['name']} still has services: {', '.join(first)}; delete them first "
                       f"(launchbay services delete NAME --env {env['name']})")
    if not s.out.json:
        for line in _plan_lines(plan) or ["nothing in AWS yet"]:
            s.out.line(line)
    _confirmed(s, env["name"], confirm, f"environment {env['name']}")
    got = s.client.request("DELETE", path)
    s.out.result(got or {"id": env["id"], "name": env["name"], "deleted": True},
                 lambda: s.out.line(f"{env['name']}: {(got or {}).get('status', 'deleted')}"
                                    + ("; a worker removes what it made in AWS" if got else "")))


@projects_app.command("delete", epilog="""[bold]Examples[/bold]

  launchbay projects delete shop --confirm shop

  launchbay projects delete shop                 [dim]# on a terminal: asks for the name[/dim]""")
def projects_delete(
    ref: Annotated[str, typer.Argument(metavar="PROJECT", help="Project id or name.")], confirm: Confirm = None,
    org: Org = None, json: Json = False,
) -> None:
    """Delete a project once its services are deleted: a worker tears its environments down in AWS
    (each `deleting` meanwhile). The default project, if it was this one, is forgotten."""
    s = Session(json, org=org, project=ref)
    project = s.project()
    _confirmed(s, project["name"], confirm, f"project {project['name']}")
    s.client.request("DELETE", s.org_path(f"/projects/{segment(project['id'])}"))
    if s.saved.get("project") == project["id"]:
        config.save({**s.saved, "project": None, "env": None})
    s.out.result({"id": project["id"], "name": project["name"], "deleted": True},
                 lambda: s.out.line(f"Deleted project {project['name']} ({project['id']}); a worker tears down "
                                    "its environments in AWS"))
