"""domain: a web service's custom domain: the TXT record that proves it, verify, its certificate."""
from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.text import Text

from cli.app import Env, Json, Org, Project, app
from cli.client import segment
from cli.commands.deploys import follow_deployment, queue_deploy
from cli.session import Session

domain_app = typer.Typer(help="A web service's custom domain (set it with `services update --domain`): the DNS "
                              "TXT record that proves it is yours, verify, then its certificate.")
app.add_typer(domain_app, name="domain")
SERVICE_ARG = Annotated[str, typer.Argument(metavar="SERVICE", help="A web service with a domain: id or name.")]


def _show(s: Session, got: dict[str, Any]) -> None:
    _show_name(s, got)
    for alias in got.get("aliases") or []:
        s.out.line("")
        s.out.line(Text(f"alias {alias.get('domain')}", style="bold"))
        _show_name(s, alias)


def _show_name(s: Session, got: dict[str, Any]) -> None:
    s.out.fields({"domain": got.get("domain"), "status": got.get("status"), "verified_at": got.get("verified_at"),
                  "routed": "yes" if got.get("routed") else ("no" if "routed" in got else None),
                  "https": "yes" if got.get("https") else ("no" if "https" in got else None)})
    rr = got.get("verification") or {}
    if got.get("status") != "verified" and rr:
        s.out.line("Prove it is yours: create this DNS record, then `launchbay domain verify`:")
        s.out.line(f"  {rr.get('name')}  {rr.get('type')}  \"{rr.get('value')}\"")
    cert = got.get("certificate") or {}
    if cert:
        s.out.line(f"certificate: {cert.get('status')} ({cert.get('arn')})")
        for rec in cert.get("validation_records") or []:
            if cert.get("status") != "ISSUED" and not cert.get("dns_managed"):
                s.out.line(f"  validate it: {rec.get('name')}  {rec.get('type')}  {rec.get('value')}")
    if got.get("message"):
        s.out.line(Text(str(got["message"]), style="dim"))


@domain_app.command("show", epilog="""[bold]Example[/bold]

  launchbay domain show web""")
def domain_show(service: SERVICE_ARG, org: Org = None, project: Project = None, env: Env = None,
                json: Json = False) -> None:
    """The service's custom domain: verified or not (with the TXT record to create), routed, certificate."""
    s = Session(json, org=org, project=project, env=env)
    got = s.client.get(s.service_path(service, "/domain"))
    s.out.result(got, lambda: _show(s, got))


@domain_app.command("verify", epilog="""[bold]Examples[/bold]

  launchbay domain verify web                  [dim]# after creating the TXT record `domain show` gives[/dim]

  launchbay domain verify web --deploy --wait  [dim]# and deploy at once, so the domain is routed[/dim]

[bold]Exit codes[/bold]: 0 verified (with --wait: and live); 1 not verified, API error or timeout; 2 the deploy failed.""")
def domain_verify(
    service: SERVICE_ARG,
    deploy: Annotated[bool, typer.Option("--deploy", help="Once verified, queue a deploy of the service: the deploy "
                                                          "routes the domain and requests its certificate.")] = False,
    wait: Annotated[bool, typer.Option("--wait", "-w", help="With --deploy: follow the deployment until it settles "
                                                            "(exit 0 live, 2 not), then where it answers.")] = False,
    timeout: Annotated[float, typer.Option("--timeout", help="With --wait: seconds before giving up (exit 1).",
                                           min=1)] = 900,
    org: Org = None, project: Project = None, env: Env = None, json: Json = False,
) -> None:
    """Check the TXT record and mark the domain verified: the next deploy routes it and requests its
    certificate (--deploy queues that deploy now)."""
    if wait and not deploy:
        raise typer.BadParameter("--wait follows the deploy --deploy queues: add --deploy", param_hint="--wait")
    s = Session(json, org=org, project=project, env=env)
    svc = s.service(service)
    got = s.client.post(s.org_path(f"/services/{segment(svc['id'])}/domain/verify"), {})
    if not deploy:
        def human() -> None:
            _show(s, got)
            if not got.get("routed"):
                where = f" --env {env}" if env else ""
                s.out.line(Text(f"Nothing reaches {got.get('domain')} until the next deploy of {svc['name']} routes "
                                f"it: `launchbay deploy {svc['name']}{where} --wait` (or this again with --deploy "
                                "--wait).", style="bold"))
        s.out.result(got, human)
        return
    dep = queue_deploy(s, svc["id"], {})
    if wait:
        s.out.note(f"Verified {got.get('domain')}. Deploying {svc['name']} to route it: deployment "
                   f"#{dep.get('number')} ({dep['id']})")
        follow_deployment(s, dep, svc["name"], timeout)

    def queued() -> None:
        _show(s, got)
        s.out.line(f"Deployment #{dep.get('number')} ({dep['id']}) of {svc['name']} is {dep.get('status')}: it routes "
                   f"{got.get('domain')}. Follow it: launchbay logs --deployment {dep['id']} --follow")
    s.out.result({**got, "deployment": dep}, queued)
