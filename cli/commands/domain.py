"""domain: a web service's custom domain: the TXT record that proves it, verify, its certificate."""
from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.text import Text

from cli.app import Env, Json, Org, Project, app
from cli.session import Session

domain_app = typer.Typer(help="A web service's custom domain (set it with `services update --domain`): the DNS "
                              "TXT record that proves it is yours, verify, then its certificate.")
app.add_typer(domain_app, name="domain")
SERVICE_ARG = Annotated[str, typer.Argument(metavar="SERVICE", help="A web service with a domain: id or name.")]


def _show(s: Session, got: dict[str, Any]) -> None:
    s.out.fields({"domain": got.get("domain"), "status": got.get("status"), "verified_at": got.get("verified_at"),
                  "routed": "yes" if got.get("routed") else ("no" if "routed" in got else None)})
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


@domain_app.command("verify", epilog="""[bold]Example[/bold]

  launchbay domain verify web     [dim]# after creating the TXT record `domain show` gives[/dim]""")
def domain_verify(service: SERVICE_ARG, org: Org = None, project: Project = None, env: Env = None,
                  json: Json = False) -> None:
    """Check the TXT record and mark the domain verified: the next deploy routes it and requests its certificate."""
    s = Session(json, org=org, project=project, env=env)
    got = s.client.post(s.service_path(service, "/domain/verify"), {})
    s.out.result(got, lambda: _show(s, got))
