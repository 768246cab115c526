"""projects, envs, services, secrets."""
from __future__ import annotations

import re
import shlex
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, Optional

import typer
from rich.text import Text

from cli import config
from cli.app import Env, Json, Org, Project, app
from cli.client import segment
from cli.commands import source as src
from cli.commands.prompts import secret_input
from cli.output import compute_words
from cli.session import CliError, Session, pick


def _pairs(values: Optional[list[str]], what: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in values or []:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise CliError(f"{what} {item!r}: write KEY=VALUE")
        out[key] = value
    return out


def _group(name: str, help: str, lister, epilog: str) -> typer.Typer:
    sub = typer.Typer(help=help, no_args_is_help=False)

    @sub.callback(invoke_without_command=True, epilog=epilog)
    def _default(ctx: typer.Context, org: Org = None, project: Project = None, env: Env = None, json: Json = False) -> None:
        if ctx.invoked_subcommand is None:
            lister(Session(json, org=org, project=project, env=env))

    _default.__doc__ = f"List {name} (the same as `{name} list`)."
    app.add_typer(sub, name=name)
    return sub


# --- projects --------------------------------------------------------------------------

PROJECT_COLUMNS = [("id", "ID"), ("name", "NAME"), ("description", "DESCRIPTION"), ("created", "CREATED")]


def _list_projects(s: Session) -> None:
    items = s.client.items(s.org_path("/projects"))
    s.out.result({"items": items}, lambda: s.out.table(items, PROJECT_COLUMNS, "no projects yet: `launchbay projects create NAME`"))


projects_app = _group("projects", "Projects of the organization; `projects use` picks the default.", _list_projects,
                      "[bold]Examples[/bold]\n\n  launchbay projects\n\n  launchbay projects create shop\n\n  launchbay projects use shop")


@projects_app.command("list", epilog="[bold]Example[/bold]\n\n  launchbay projects list --json")
def projects_list(org: Org = None, json: Json = False) -> None:
    """List the organization's projects."""
    _list_projects(Session(json, org=org))


@projects_app.command("create", epilog="[bold]Example[/bold]\n\n  launchbay projects create shop --description 'the web shop' --use")
def projects_create(
    name: Annotated[str, typer.Argument(help="Project name.")],
    description: Annotated[str, typer.Option("--description", "-d", help="What it is.")] = "",
    use: Annotated[bool, typer.Option("--use", help="Make it the default project.")] = False,
    org: Org = None, json: Json = False,
) -> None:
    """Create a project."""
    s = Session(json, org=org)
    project = s.client.post(s.org_path("/projects"), {"name": name, "description": description})
    if use:
        config.save({**s.saved, "org": s.org(), "project": project["id"], "env": None})
    s.out.result(project, lambda: s.out.line(f"Created project {project['name']} ({project['id']})"
                                             + (", now the default" if use else "")))


@projects_app.command("use", epilog="[bold]Example[/bold]\n\n  launchbay projects use shop")
def projects_use(ref: Annotated[str, typer.Argument(metavar="PROJECT", help="Project id or name.")],
                 org: Org = None, json: Json = False) -> None:
    """Make PROJECT the default project (forgets the default environment)."""
    s = Session(json, org=org, project=ref)
    project = s.project()
    config.save({**s.saved, "org": s.org(), "project": project["id"], "env": None})
    s.out.result(project, lambda: s.out.line(f"Default project: {project['name']} ({project['id']})"))


# --- environments ----------------------------------------------------------------------

ENV_COLUMNS = [("id", "ID"), ("name", "NAME"), ("status", "STATUS"), ("deploys_to", "DEPLOYS TO"), ("region", "REGION"),
               ("domain_suffix", "DOMAIN SUFFIX"), ("approval", "DEPLOYS NEED"), ("promote_to", "PROMOTES TO"), ("outbound", "OUTBOUND"),
               ("env", "VARIABLES"), ("updated", "UPDATED")]
# envs show: one environment's settings and state (the API's document stays in --json)
ENV_FIELDS = ["id", "name", "status", "teardown.state", "where", "domain_suffix", "branch", "preview", "deploys_need",
              "promote_to", "frozen", "next_freeze", "sleeping", "next_sleep", "allowed_ips", "outbound", "egress_ips",
              "env", "created", "updated"]


def _approval(env: dict[str, Any]) -> str:
    if not env.get("require_approval"):
        return "-"
    return "approval (not the asker's)" if env.get("prevent_self_approval") else "approval"


def _outbound_short(env: dict[str, Any]) -> str:
    """An environment's outbound address in a table cell: static, and from where."""
    ips = env.get("egress_ips") or []
    if env.get("static_egress"):
        return f"static {', '.join(ips)}" if ips else "static (next deploy)"
    return "per task (next deploy)" if ips else "per task"   # turned off: its services move back then


def outbound(env: dict[str, Any]) -> str:
    """Where an environment's outbound traffic leaves from, in words: static, from its Elastic IP(s)
    (or from the address its next deploy makes), or each task's own; the API's sentence says the rest."""
    ips, said = ", ".join(env.get("egress_ips") or []), env.get("egress")
    if env.get("static_egress"):
        return f"static, from {ips}" if ips else f"static: {said or 'the next deploy makes its address'}"
    return f"not static: {said}" if said else "each task's own public IP"


StaticEgress = Annotated[Optional[bool], typer.Option(
    "--static-egress/--no-static-egress",
    help="Every service of the environment leaves from one fixed address (an Elastic IP on a NAT gateway, about "
         "33 USD a month), for databases and partners that allow known addresses only; each service moves at its "
         "next deploy. Off: each task's own public IP again (the address is released once none runs behind it).")]


AllowIp = Annotated[Optional[list[str]], typer.Option(
    "--allow-ip", metavar="CIDR", help="Only clients from this address or CIDR block reach the web service "
    "(repeatable, at most 4; replaces the list). Others get the load balancer's 404.")]
AllowAny = Annotated[bool, typer.Option("--allow-any", help="Let every client address reach the web service again.")]


def allowed_ips_body(allow_ip: Optional[list[str]], allow_any: bool) -> Optional[list[str]]:
    """--allow-ip / --allow-any as the API's allowed_ips ([] opens it; None: not given)."""
    if allow_ip and allow_any:
        raise typer.BadParameter("give --allow-ip or --allow-any, not both", param_hint="--allow-any")
    return [] if allow_any else (list(allow_ip) if allow_ip else None)


def _list_envs(s: Session) -> None:
    items = s.client.items(s.project_path("/environments"))
    # where it deploys: the region set, else the platform's (an API before effective_region: as set)
    shown = [{**e, "region": e.get("effective_region") or e.get("region"), "approval": _approval(e),
              "outbound": _outbound_short(e),
              "status": ", ".join(filter(None, ["frozen" if e.get("freeze") else None,
                                                "asleep" if e.get("sleeping") else None])) or e.get("status")}
             for e in items]
    s.out.result({"items": items}, lambda: s.out.table(shown, ENV_COLUMNS, "no environments yet: `launchbay envs create NAME`"))


envs_app = _group("envs", "Environments of the project (production, staging, ...); `envs use` picks the default.", _list_envs,
                  "[bold]Examples[/bold]\n\n  launchbay envs\n\n  launchbay envs create staging --domain-suffix staging.example.com"
                  "\n\n  launchbay envs clone production preview-42")


@envs_app.command("list", epilog="[bold]Example[/bold]\n\n  launchbay envs list --project shop --json")
def envs_list(org: Org = None, project: Project = None, json: Json = False) -> None:
    """List the project's environments."""
    _list_envs(Session(json, org=org, project=project))


@envs_app.command("create", epilog="[bold]Example[/bold]\n\n  launchbay envs create staging --domain-suffix staging.example.com --var LOG_LEVEL=debug")
def envs_create(
    name: Annotated[str, typer.Argument(help="Lower-case letters, digits and hyphens, starting with a letter.")],
    domain_suffix: Annotated[Optional[str], typer.Option("--domain-suffix", help="Services answer on <service>.<suffix>.")] = None,
    var: Annotated[Optional[list[str]], typer.Option("--var", help="KEY=VALUE every service inherits (repeatable).")] = None,
    account: Annotated[Optional[str], typer.Option("--account", help=(
        "The AWS account connection it deploys to, by name or id (default: the platform's account)."))] = None,
    region: Annotated[Optional[str], typer.Option("--region", help=(
        "The AWS region, one the connection allows (default: the connection's first, or the platform's)."))] = None,
    promote_to: Annotated[Optional[str], typer.Option("--promote-to", metavar="ENV", help=(
        "Promote each new release that goes live here to this environment (same image; its approval rules apply)."))] = None,
    static_egress: Annotated[bool, typer.Option("--static-egress", help=(
        "Its services leave from one fixed address (an Elastic IP on a NAT gateway, about 33 USD a month), made by "
        "their first deploy."))] = False,
    org: Org = None, project: Project = None, json: Json = False,
) -> None:
    """Create an environment."""
    s = Session(json, org=org, project=project)
    body: dict[str, Any] = {"name": name}
    if domain_suffix:
        body["domain_suffix"] = domain_suffix
    if var:
        body["env"] = _pairs(var, "--var")
    if account:
        body["aws_account_id"] = pick(s.client.items(s.org_path("/aws-accounts")), account, "AWS account connection")["id"]
    if region:
        body["region"] = region
    if promote_to:
        body["promote_to"] = promote_to
    if static_egress:
        body["static_egress"] = True
    env = s.client.post(s.project_path("/environments"), body)
    s.out.result(env, lambda: s.out.line(f"Created environment {env.get('name')} ({env.get('id')}): {_where(env)}"
                                         + (f"; outbound: {outbound(env)}" if env.get("static_egress") else "")))


def _where(env: dict[str, Any]) -> str:
    """Where an environment's services deploy, in words."""
    return f"deploys to the {env.get('deploys_to') or 'platform account'} in {env.get('effective_region') or env.get('region') or '-'}"


@envs_app.command("update", epilog="""[bold]Examples[/bold]

  launchbay envs update production --require-approval        [dim]# deploys wait for an admin or owner[/dim]

  launchbay envs update production --prevent-self-approval   [dim]# ... who is not the one who asked[/dim]

  launchbay envs update production --no-require-approval

  launchbay envs update staging --promote-to production      [dim]# each new live release goes on to production[/dim]

  launchbay envs update staging --no-promote

  launchbay envs update staging --allow-ip 203.0.113.0/24   [dim]# its web services: the office only[/dim]

  launchbay envs update production --static-egress          [dim]# one outbound address, from the next deploy[/dim]

  launchbay envs show production                            [dim]# ... which is this one: allow it[/dim]""")
def envs_update(
    ref: Annotated[str, typer.Argument(metavar="ENV", help="Environment id or name.")],
    require_approval: Annotated[Optional[bool], typer.Option(
        "--require-approval/--no-require-approval",
        help="Deploys of new releases wait for an admin or owner (`launchbay approve`); rollbacks and restarts do not.")] = None,
    prevent_self_approval: Annotated[Optional[bool], typer.Option(
        "--prevent-self-approval/--allow-self-approval",
        help="Whether the person who asked for a deploy may approve it.")] = None,
    promote_to: Annotated[Optional[str], typer.Option("--promote-to", metavar="ENV", help=(
        "Promote each new release that goes live here to this environment (same image; its approval rules apply).")
    )] = None,
    no_promote: Annotated[bool, typer.Option("--no-promote", help="Stop promoting new releases on by themselves.")] = False,
    allow_ip: AllowIp = None, allow_any: AllowAny = False, static_egress: StaticEgress = None,
    org: Org = None, project: Project = None, json: Json = False,
) -> None:
    """Change whether an environment's deploys need approval (admin or owner), where its new
    live releases are promoted by themselves, which client addresses reach its web services
    (those that set none of their own; with their next deploy) and whether its services leave
    from one fixed address (static egress; with their next deploy)."""
    if promote_to and no_promote:
        raise typer.BadParameter("--promote-to and --no-promote contradict each other", param_hint="--no-promote")
    body: dict[str, Any] = {k: v for k, v in (("require_approval", require_approval),
                                              ("prevent_self_approval", prevent_self_approval)) if v is not None}
    if promote_to or no_promote:
        body["promote_to"] = promote_to or None
    allowed = allowed_ips_body(allow_ip, allow_any)
    if allowed is not None:
        body["allowed_ips"] = allowed
    if static_egress is not None:
        body["static_egress"] = static_egress
    if not body:
        raise typer.BadParameter("say what to change: --require-approval, --no-require-approval, "
                                 "--prevent-self-approval, --allow-self-approval, --promote-to, --no-promote, "
                                 "--allow-ip, --allow-any, --static-egress or --no-static-egress", param_hint="ENV")
    s = Session(json, org=org, project=project)
    env = s.client.patch(s.project_path(f"/environments/{segment(s.environment(ref)['id'])}"), body)

    def human() -> None:
        if {"require_approval", "prevent_self_approval"} & set(body):
            need = _approval(env)
            s.out.line(f"{env['name']}: deploys need {need}" if need != "-" else f"{env['name']}: deploys need no approval")
        if "promote_to" in body:
            s.out.line(f"{env['name']}: new live releases are promoted to {env['promote_to']}" if env.get("promote_to")
                       else f"{env['name']}: new releases are not promoted by themselves")
        if "allowed_ips" in body:
            s.out.line(f"{env['name']}: its web services answer {', '.join(env['allowed_ips'])} only (those without "
                       "their own list), from their next deploy" if env.get("allowed_ips")
                       else f"{env['name']}: its web services answer everyone (those without their own list)")
        if "static_egress" in body:
            s.out.line(f"{env['name']}: outbound: {outbound(env)}")
            where = "behind the NAT gateway" if env.get("static_egress") else "back to their own public IPs"
            s.out.line(f"Its services move {where} at their next deploy (`launchbay deploy SERVICE --env {env['name']}`)"
                       + (f"; `launchbay envs show {env['name']}` names the address to allow then"
                          if env.get("static_egress") and not env.get("egress_ips") else ""))
    s.out.result(env, human)


@envs_app.command("show", epilog="""[bold]Examples[/bold]

  launchbay envs show production          [dim]# its settings, and the outbound address (static egress) to allow[/dim]

  launchbay envs show production --json""")
def envs_show(ref: Annotated[Optional[str], typer.Argument(metavar="ENV", help=(
                  "Environment id or name (default: the default environment).")
              )] = None, org: Org = None, project: Project = None, json: Json = False) -> None:
    """Show one environment's settings and state: where it deploys, what its deploys need, its
    freezes and sleep, the client addresses its web services answer and where its outbound traffic
    leaves from (with static egress: the Elastic IP(s) to allow)."""
    s = Session(json, org=org, project=project)
    doc = s.environment(ref)

    def human() -> None:
        preview, asleep, nxt = doc.get("preview"), doc.get("sleeping"), doc.get("next_sleep")
        view = {**doc, "where": _where(doc), "deploys_need": _approval(doc) if doc.get("require_approval") else "no approval",
                "frozen": _frozen(doc), "next_freeze": _next_freeze(doc) or None, "outbound": outbound(doc),
                "preview": f"of pull request #{preview.get('pr')}" if isinstance(preview, dict) else preview or None,
                "sleeping": f"until {asleep.get('until')} ({asleep.get('reason')})" if isinstance(asleep, dict) else None,
                "next_sleep": f"{nxt.get('starts')} until {nxt.get('until')}" if isinstance(nxt, dict) else None}
        s.out.fields(view, ENV_FIELDS)
    s.out.result(doc, human)


def _frozen(env: dict[str, Any]) -> Optional[str]:
    freeze = env.get("freeze")
    if not freeze:
        return None
    return (f"frozen{' until ' + freeze['until'] if freeze.get('until') else ''}: {freeze['reason']}"
            + (" (a recurring freeze window)" if freeze.get("window") else ""))


def _next_freeze(env: dict[str, Any]) -> str:
    upcoming = env.get("next_freeze")
    return f"next freeze {upcoming['starts']} until {upcoming['until']}: {upcoming['reason']}" if upcoming else ""


@envs_app.command("freeze", epilog="""[bold]Examples[/bold]

  launchbay envs freeze production --reason "Black Friday" --until 2026-11-30T08:00:00Z

  launchbay envs freeze production --reason "incident review"   [dim]# until `envs unfreeze`[/dim]""")
def envs_freeze(
    ref: Annotated[str, typer.Argument(metavar="ENV", help="Environment id or name.")],
    reason: Annotated[str, typer.Option("--reason", help="Why: every refused deploy says it.")],
    until: Annotated[Optional[str], typer.Option("--until", metavar="TIME", help=(
        "When it ends by itself: ISO 8601 with a time zone, e.g. 2026-11-30T08:00:00Z (default: until unfrozen)."))] = None,
    org: Org = None, project: Project = None, json: Json = False,
) -> None:
    """Freeze an environment's deploys (admin or owner): new releases are refused there, with the
    reason, while rollbacks, restarts and resumes still run. Deploys already queued still run."""
    s = Session(json, org=org, project=project)
    body = {"reason": reason, **({"until": until} if until else {})}
    env = s.client.post(s.project_path(f"/environments/{segment(s.environment(ref)['id'])}/freeze"), body)
    s.out.result(env, lambda: s.out.line(f"{env['name']}: {_frozen(env)}"))


@envs_app.command("unfreeze", epilog="[bold]Example[/bold]\n\n  launchbay envs unfreeze production")
def envs_unfreeze(ref: Annotated[str, typer.Argument(metavar="ENV", help="Environment id or name.")],
                  org: Org = None, project: Project = None, json: Json = False) -> None:
    """Lift an environment's deploy freeze (admin or owner); inside a recurring freeze window, lift
    it this time (it freezes again when the window next opens)."""
    s = Session(json, org=org, project=project)
    env = s.client.delete(s.project_path(f"/environments/{segment(s.environment(ref)['id'])}/freeze"))
    s.out.result(env, lambda: s.out.line(f"{env['name']}: deploys are no longer frozen"
                                         + (f"; {_next_freeze(env)}" if env.get("next_freeze") else "")))


# the options envs windows and envs sleep share (their --start, --end and --reason say their own examples)
WindowZone = Annotated[str, typer.Option("--timezone", help="The time zone both are read in (IANA name).")]
WindowRemove = Annotated[Optional[int], typer.Option("--remove", metavar="N", help="Remove window N (as listed).")]
WindowClear = Annotated[bool, typer.Option("--clear", help="Remove every window.")]
WINDOW_COLUMNS = [("n", "#"), ("start", "START"), ("end", "END"), ("timezone", "TIME ZONE"), ("reason", "REASON")]


@envs_app.command("windows", epilog="""[bold]Examples[/bold]

  launchbay envs windows production                                   [dim]# list them, and the next freeze[/dim]

  launchbay envs windows production --start "0 18 * * 5" --end "0 8 * * 1" --timezone Europe/Berlin --reason "weekend"

  launchbay envs windows production --remove 1

  launchbay envs windows production --clear""")
def envs_windows(
    ref: Annotated[str, typer.Argument(metavar="ENV", help="Environment id or name.")],
    start: Annotated[Optional[str], typer.Option("--start", metavar="CRON", help=(
        "Add a window opening at this schedule: five cron fields, e.g. \"0 18 * * 5\" (Fridays 18:00).")
    )] = None,
    end: Annotated[Optional[str], typer.Option("--end", metavar="CRON", help="... and closing at this one, e.g. \"0 8 * * 1\".")] = None,
    timezone: WindowZone = "UTC",
    reason: Annotated[Optional[str], typer.Option("--reason", help="Why: every deploy refused in it says it.")] = None,
    remove: WindowRemove = None, clear: WindowClear = False,
    org: Org = None, project: Project = None, json: Json = False,
) -> None:
    """Recurring deploy freezes of an environment (admin or owner to change them): inside a window,
    new releases are refused as under `envs freeze`; rollbacks, restarts and resumes still run."""
    if start and end and not reason:
        raise typer.BadParameter("a freeze window needs --reason", param_hint="--reason")
    s = Session(json, org=org, project=project)
    env = _edit_windows(s, ref, "freeze_windows", start, end, timezone, reason, remove, clear)

    def human() -> None:
        _show_windows(s, env, "freeze_windows", "freeze windows")
        if env.get("freeze"):
            s.out.line(f"{env['name']}: {_frozen(env)}")
        elif env.get("next_freeze"):
            s.out.line(f"{env['name']}: {_next_freeze(env)}")
    s.out.result(env, human)


@envs_app.command("sleep", epilog="""[bold]Examples[/bold]

  launchbay envs sleep staging                                          [dim]# its sleep windows, and when it sleeps next[/dim]

  launchbay envs sleep staging --start "0 20 * * 1-5" --end "0 7 * * 1-5" --timezone Europe/Berlin   [dim]# weeknights[/dim]

  launchbay envs sleep staging --start "0 20 * * 5" --end "0 7 * * 1" --reason "weekend"

  launchbay envs sleep staging --remove 1

  launchbay envs sleep staging --clear""")
def envs_sleep(
    ref: Annotated[str, typer.Argument(metavar="ENV", help="Environment id or name.")],
    start: Annotated[Optional[str], typer.Option("--start", metavar="CRON", help=(
        "Add a window opening at this schedule: five cron fields, e.g. \"0 20 * * 1-5\" (weekdays 20:00).")
    )] = None,
    end: Annotated[Optional[str], typer.Option("--end", metavar="CRON", help="... and closing at this one, e.g. \"0 7 * * 1-5\".")] = None,
    timezone: WindowZone = "UTC",
    reason: Annotated[Optional[str], typer.Option("--reason", help="Said in the services' suspension (default: "
                                                  "outside working hours).")] = None,
    remove: WindowRemove = None, clear: WindowClear = False,
    org: Org = None, project: Project = None, json: Json = False,
) -> None:
    """When an environment's services sleep (admin or owner to change it): each live service is
    suspended when a window opens and resumed when it closes (nothing runs, or costs, meanwhile).
    Services suspended by hand stay suspended; `launchbay resume SERVICE` wakes one early."""
    s = Session(json, org=org, project=project)
    env = _edit_windows(s, ref, "sleep_windows", start, end, timezone, reason, remove, clear)

    def human() -> None:
        _show_windows(s, env, "sleep_windows", "sleep windows")
        if env.get("sleeping"):
            s.out.line(f"{env['name']}: asleep until {env['sleeping']['until']} ({env['sleeping']['reason']})")
        elif env.get("next_sleep"):
            nxt = env["next_sleep"]
            s.out.line(f"{env['name']}: sleeps next {nxt['starts']} until {nxt['until']}")
    s.out.result(env, human)


@envs_app.command("wake", epilog="[bold]Example[/bold]\n\n  launchbay envs wake staging   [dim]# a late evening's work[/dim]")
def envs_wake(ref: Annotated[str, typer.Argument(metavar="ENV", help="Environment id or name.")],
              org: Org = None, project: Project = None, json: Json = False) -> None:
    """Wake the services an environment's sleep schedule suspended, now (a resume deployment each);
    they stay up until the schedule next puts the environment to sleep."""
    s = Session(json, org=org, project=project)
    out = s.client.post(s.project_path(f"/environments/{segment(s.environment(ref)['id'])}/wake"), {})

    def human() -> None:
        if not out["deployments"]:
            s.out.line(f"nothing sleeps in {out['environment']}")
        for dep in out["deployments"]:
            s.out.line(f"Waking {dep['service_name']}: deployment #{dep['number']} ({dep['id']}), "
                       f"follow it: launchbay logs --deployment {dep['id']} --follow")
    s.out.result(out, human)


def _edit_windows(s: Session, ref: str, kind: str, start: Optional[str], end: Optional[str], timezone: str,
                  reason: Optional[str], remove: Optional[int], clear: bool) -> dict[str, Any]:
    """Add (--start/--end), remove (--remove N) or clear an environment's windows of `kind`;
    -> the environment (unchanged when only listing)."""
    adding = start is not None or end is not None
    if sum((adding, remove is not None, clear)) > 1:
        raise typer.BadParameter("add (--start/--end), --remove or --clear: one at a time", param_hint="--clear")
    if adding and not (start and end):
        raise typer.BadParameter("a window needs --start and --end", param_hint="--end" if start else "--start")
    env = s.environment(ref)
    windows = list(env.get(kind) or [])
    if remove is not None and not 1 <= remove <= len(windows):
        raise typer.BadParameter(f"{env['name']} has {len(windows)} window(s)", param_hint="--remove")
    if not (adding or remove is not None or clear):
        return env
    if adding:
        windows.append({"start": start, "end": end, "timezone": timezone, **({"reason": reason} if reason else {})})
    elif remove is not None:
        del windows[remove - 1]
    else:
        windows = []
    return s.client.patch(s.project_path(f"/environments/{segment(env['id'])}"), {kind: windows})


def _show_windows(s: Session, env: dict[str, Any], kind: str, words: str) -> None:
    rows = [{"n": i, **w} for i, w in enumerate(env.get(kind) or [], 1)]
    s.out.table(rows, WINDOW_COLUMNS, f"{env['name']} has no {words}")


@envs_app.command("clone", epilog="[bold]Example[/bold]\n\n  launchbay envs clone production preview-42")
def envs_clone(
    source: Annotated[str, typer.Argument(help="Environment to copy (id or name).")],
    name: Annotated[str, typer.Argument(help="Name of the new environment.")],
    with_secrets: Annotated[bool, typer.Option("--with-secrets", help="Copy secret values too (default: names only).")] = False,
    org: Org = None, project: Project = None, json: Json = False,
) -> None:
    """Copy an environment: its variables and services (and, with --with-secrets, its secrets)."""
    s = Session(json, org=org, project=project)
    src = s.environment(source)
    env = s.client.post(s.project_path(f"/environments/{segment(src['id'])}/clone"), {"name": name, "with_secrets": with_secrets})
    def human() -> None:
        s.out.line(f"Cloned {src['name']} into {env.get('name')} ({env.get('id')}): "
                   f"{len(env.get('services') or [])} service(s), {_where(env)}")
        if env.get("secrets_to_set"):   # names only: until set, its services deploy without them
            s.out.line(Text(f"Secrets not copied, set them before deploying: {', '.join(env['secrets_to_set'])} "
                            f"(`launchbay secrets set NAME [-s SERVICE] --env {env.get('name')}`, or --with-secrets)",
                            style="yellow"))
    s.out.result(env, human)


@envs_app.command("use", epilog="[bold]Example[/bold]\n\n  launchbay envs use staging")
def envs_use(ref: Annotated[str, typer.Argument(metavar="ENV", help="Environment id or name.")],
             org: Org = None, project: Project = None, json: Json = False) -> None:
    """Make ENV the default environment."""
    s = Session(json, org=org, project=project)
    env = s.environment(ref)
    config.save({**s.saved, "org": s.org(), "project": s.project()["id"], "env": env["name"]})
    s.out.result(env, lambda: s.out.line(f"Default environment: {env['name']} ({env['id']})"))


# --- services --------------------------------------------------------------------------

Port = Annotated[Optional[int], typer.Option("--port", help="Container port (web services).")]
Cpu = Annotated[Optional[int], typer.Option("--cpu", help="Fargate CPU units: 256, 512, 1024, 2048, 4096.")]
Memory = Annotated[Optional[int], typer.Option("--memory", help="MiB; must fit the CPU.")]
Var = Annotated[Optional[list[str]], typer.Option("--var", help="Environment variable KEY=VALUE (repeatable).")]
Command = Annotated[Optional[str], typer.Option("--command", help="The container's command, split like a shell would.")]
ReleaseCommand = Annotated[Optional[str], typer.Option(
    "--release-command", help="Run before each deploy rolls out (migrations), split like a shell would; "
                              "a failure stops the deploy. '' removes it.")]
HealthPath = Annotated[Optional[str], typer.Option("--health-path", help="Health check path, e.g. /healthz.")]
MinInstances = Annotated[Optional[int], typer.Option("--min", "--min-instances", help="Fewest running tasks.")]
MaxInstances = Annotated[Optional[int], typer.Option("--max", "--max-instances", help="Most running tasks.")]
Schedule = Annotated[Optional[str], typer.Option("--schedule", help="Cron services: '0 3 * * *', @daily, rate(5 minutes).")]
Domain = Annotated[Optional[str], typer.Option("--domain", help="Custom domain (web services).")]
Alias = Annotated[Optional[list[str]], typer.Option(
    "--alias", metavar="HOST", help="Another host name the web service answers on beside its --domain, e.g. "
                                    "www.example.com (repeatable: the names given are all of them; each is verified "
                                    "by its own TXT record).")]
NoAliases = Annotated[bool, typer.Option("--no-aliases", help="Remove every alias (the domain stays).")]
EnvGroup = Annotated[Optional[list[str]], typer.Option(
    "--env-group", metavar="NAME", help="An environment group of the organization whose variables and secrets the "
                                        "service gets (repeatable, in order: a later group wins; the groups given are "
                                        "all of them). See `launchbay env-groups`.")]
NoEnvGroups = Annotated[bool, typer.Option("--no-env-groups", help="Link no environment group.")]
RedirectAliases = Annotated[Optional[bool], typer.Option(
    "--redirect-aliases/--serve-aliases", help="The aliases answer a 301 to the domain (same path and query), or "
                                               "serve the service themselves (the default).")]
ScaleAt = Annotated[Optional[list[str]], typer.Option(
    "--scale-at", metavar="'CRON=MIN:MAX'", help="Scheduled scaling: from this cron time on (five fields), run MIN..MAX "
    "tasks, e.g. '0 8 * * 1-5=4:10' and '0 20 * * 1-5=1:4' (repeatable: the entries given are all of them; "
    "--scale-at '' removes them). Read in --scale-timezone.")]
ScaleTimezone = Annotated[Optional[str], typer.Option("--scale-timezone", metavar="TZ",
                                                      help="The time zone of --scale-at (IANA, default UTC).")]
ScaleOnQueue = Annotated[Optional[str], typer.Option(
    "--scale-on-queue", metavar="QUEUE[:MESSAGES_PER_TASK]",
    help="Also scale on a linked queue's backlog: keep about MESSAGES_PER_TASK waiting messages per task (default "
         "100; what one task works through in the time a message may wait, e.g. 10/s x 30 s = 300), between "
         "--min and --max.")]
NoScaleOnQueue = Annotated[bool, typer.Option("--no-scale-on-queue", help="Stop scaling on a queue's backlog "
                                                                          "(CPU and the schedule stay).")]
QUEUE_NAME = re.compile(r"^[a-z][a-z0-9-]{0,30}[a-z0-9]$")


class Architecture(str, Enum):
    x86_64 = "x86_64"
    arm64 = "arm64"


ArchitectureOpt = Annotated[Optional[Architecture], typer.Option(
    "--architecture", help="The CPU its tasks run on: x86_64 (the default) or arm64 (AWS Graviton, about 20 % "
    "cheaper for the same vCPU and memory; the image needs a linux/arm64 variant, a service built from source is "
    "built for it). Applies with the next deploy.", case_sensitive=False)]
SpotOpt = Annotated[bool, typer.Option(
    "--spot", help="Run its tasks on Fargate Spot (up to 70 % cheaper; AWS may stop a task with two minutes' notice "
    "and ECS starts another). Alone: every task; with --spot-percent / --on-demand-base: as they say. Release "
    "commands always run on regular Fargate. Applies with the next deploy.")]
SpotPercent = Annotated[Optional[int], typer.Option(
    "--spot-percent", metavar="N", min=1, max=100,
    help="With Spot: the share (1-100 %) of the tasks above --on-demand-base that run on Fargate Spot (turns Spot "
         "on; default 100).")]
OnDemandBase = Annotated[Optional[int], typer.Option(
    "--on-demand-base", metavar="N", min=0, max=100,
    help="With Spot: this many tasks always run on regular Fargate, placed first (turns Spot on; default 0); a web "
         "service with 1 keeps answering while AWS takes Spot capacity back. Must stay below --max.")]
NoSpot = Annotated[bool, typer.Option("--no-spot", help="Run every task on regular Fargate again.")]


def spot_body(spot: bool, percent: Optional[int], base: Optional[int], no_spot: bool) -> Any:
    """--spot / --spot-percent / --on-demand-base / --no-spot as the API's `spot`: ... (not given), None (off)
    or the fields given (the API fills in the others on create and keeps them on a PATCH)."""
    given = {k: v for k, v in (("percent", percent), ("on_demand_base", base)) if v is not None}
    if no_spot and (spot or given):
        raise typer.BadParameter("give --no-spot or --spot (with --spot-percent / --on-demand-base), not both",
                                 param_hint="--no-spot")
    if no_spot:
        return None
    return given if spot or given else ...


def compute_short(svc: dict[str, Any]) -> str:
    """compute_words without Spot's share, for a table cell: 'arm64 · Fargate Spot'."""
    return f"{svc.get('architecture') or 'x86_64'} · {'Fargate Spot' if svc.get('spot') else 'regular Fargate'}"


def scale_on_queue_body(raw: str) -> dict[str, Any]:
    """--scale-on-queue QUEUE[:MESSAGES_PER_TASK] as the API's autoscaling.queue."""
    name, sep, per_task = raw.strip().partition(":")
    if not QUEUE_NAME.match(name):
        raise typer.BadParameter(f"{raw!r}: give QUEUE[:MESSAGES_PER_TASK], the name of a queue the service links "
                                 "(e.g. jobs or jobs:100)", param_hint="--scale-on-queue")
    if not sep:
        return {"name": name, "messages_per_task": 100}
    if not per_task.strip().isdigit() or not 1 <= int(per_task) <= 100000:
        raise typer.BadParameter(f"{raw!r}: MESSAGES_PER_TASK is a whole number from 1 to 100000 (e.g. {name}:100)",
                                 param_hint="--scale-on-queue")
    return {"name": name, "messages_per_task": int(per_task)}


def autoscaling_words(a: Any) -> Any:
    """A service's autoscaling in one line: what it scales on (the API's document stays in --json)."""
    if not isinstance(a, dict):
        return a
    parts = [f"CPU {a.get('cpu_target', 60):g} %"] if a.get("cpu_target") is not None else []
    if a.get("requests_per_target"):
        parts.append(f"{a['requests_per_target']} requests per task")
    if a.get("queue"):
        parts.append(f"queue {a['queue']['name']}: {a['queue'].get('messages_per_task')} waiting messages per task")
    if a.get("schedule"):
        parts.append("scheduled: " + "; ".join(f"{e['at']} ({e.get('timezone', 'UTC')}) -> "
                                               f"{e['min_instances']}-{e['max_instances']} tasks" for e in a["schedule"]))
    return ", ".join(parts)


def scale_at_body(entries: list[str], tz: Optional[str]) -> list[dict[str, Any]]:
    """--scale-at 'CRON=MIN:MAX' as the API's autoscaling.schedule entries; the API checks the cron."""
    out = []
    for raw in (e for e in entries if e.strip()):
        at, sep, counts = raw.rpartition("=")
        lo, colon, hi = counts.partition(":")
        if not sep or not colon or not lo.strip().isdigit() or not hi.strip().isdigit() or not at.strip():
            raise typer.BadParameter(f"{raw!r}: give 'CRON=MIN:MAX', e.g. '0 8 * * 1-5=4:10'", param_hint="--scale-at")
        out.append({"at": at.strip(), "min_instances": int(lo), "max_instances": int(hi), "timezone": tz or "UTC"})
    return out


AutoRollback = Annotated[Optional[str], typer.Option(
    "--auto-rollback", metavar="on|off|MINUTES[:RULES]",
    help="Roll a new release back by itself when an alert opens soon after it went live: on (within 15 min, "
         "on http_5xx_rate or restarts), off, or e.g. 30:http_5xx_rate,latency_p95.")]


def auto_rollback_body(raw: str) -> Optional[dict[str, Any]]:
    """--auto-rollback as the API's field: None for off; the API checks the numbers and rule names."""
    value = raw.strip().lower()
    if value in ("off", "no", "false", "0"):
        return None
    if value in ("on", "yes", "true"):
        return {}
    minutes, _, rules = value.partition(":")
    if not minutes.isdigit():
        raise typer.BadParameter("on, off, or MINUTES[:RULE,RULE], e.g. 30:http_5xx_rate,restarts",
                                 param_hint="--auto-rollback")
    body: dict[str, Any] = {"window_minutes": int(minutes)}
    if rules:
        body["rules"] = [r.strip() for r in rules.split(",") if r.strip()]
    return body


Canary = Annotated[Optional[str], typer.Option(
    "--canary", metavar="on|off|PERCENT[,PERCENT...][:MINUTES[:[+]MAX_5XX[:MAX_P95_MS]]]",
    help="Send each new release a share of a web service's traffic first and watch it: on (10 % for 5 min, "
         "rolls back above 2 % 5xx), off, or e.g. 20:10:1:800 (20 % for 10 min, rolls back above 1 % 5xx or a "
         "p95 response time above 800 ms). Several shares ramp up, each watched: 10,25,50:5:2. A + before the "
         "5xx limit judges it against the live release's own share: 10:5:+2 (2 points above it).")]


def canary_body(raw: str) -> Optional[dict[str, Any]]:
    """--canary as the API's field: None for off; the API checks the ranges."""
    value = raw.strip().lower().replace("%", "")
    if value in ("off", "no", "false", "0"):
        return None
    if value in ("on", "yes", "true"):
        return {}
    parts = value.replace("ms", "").split(":")
    keys = ("percent", "minutes", "max_5xx_percent", "max_p95_ms")
    shares = parts[0].split(",")
    baseline = len(parts) > 2 and parts[2].startswith("+")   # +2: points above the live release's own share
    if baseline:
        parts[2] = parts[2][1:]
    try:
        numbers = [float(p) if k == "max_5xx_percent" else int(p) for k, p in zip(keys, [shares[0], *parts[1:]])]
        ramp = [int(p) for p in shares[1:]]
    except ValueError:
        numbers = []
    if not numbers or len(parts) > len(keys):
        raise typer.BadParameter("on, off, or PERCENT[,PERCENT...][:MINUTES[:[+]MAX_5XX[:MAX_P95_MS]]], e.g. 10:5:2, "
                                 "10:5:2:800, 10,25,50:5:2 or 10:5:+2", param_hint="--canary")
    # the shares given are all of them: no ramp unless named; likewise the baseline
    return {**dict(zip(keys, numbers)), "ramp": ramp, "baseline": baseline}


def _settings(port, cpu, memory, var, command, health_path, min_instances, max_instances, schedule,
              domain) -> dict[str, Any]:
    """The runtime settings given as options, as the API's body keys."""
    optional = {"port": port, "cpu": cpu, "memory": memory, "min_instances": min_instances,
                "max_instances": max_instances, "schedule": schedule, "domain": domain}
    body: dict[str, Any] = {k: v for k, v in optional.items() if v is not None}
    if var:
        body["env"] = _pairs(var, "--var")
    if command:
        body["command"] = shlex.split(command)
    if health_path:
        body["health_check"] = {"path": health_path}
    return body


# ENV: with no environment chosen the list spans them all, and a cloned service shares its name
SERVICE_COLUMNS = [("id", "ID"), ("name", "NAME"), ("environment", "ENV"), ("kind", "KIND"), ("status", "STATUS"),
                   ("image", "IMAGE"), ("source.repo", "SOURCE"), ("compute", "COMPUTE"), ("needs_deploy", "NEEDS DEPLOY")]
SERVICE_FIELDS = ["id", "name", "kind", "status", "teardown.state", "teardown.error", "image", "source", "build_env",
                  "live_image", "port", "private_address", "cpu", "memory", "compute", "command", "release_command", "env",
                  "env_groups",
                  "min_instances", "max_instances", "schedule", "domain", "url", "health_check", "autoscaling", "auto_rollback",
                  "canary", "allowed_ips", "needs_deploy", "pending_changes", "live_deployment_id", "last_error", "created", "updated"]


def _list_services(s: Session) -> None:
    items = s.services()
    shown = [{**svc, "compute": compute_short(svc)} for svc in items]
    s.out.result({"items": items}, lambda: s.out.table(shown, SERVICE_COLUMNS, "no services yet: `launchbay services create NAME --image IMAGE`"))


services_app = _group("services", "Services of the project: web services, workers and cron jobs.", _list_services,
                      "[bold]Examples[/bold]\n\n  launchbay services\n\n  launchbay services show web"
                      "\n\n  launchbay services create web --image nginx:1.27 --port 80 --health-path /healthz")


@services_app.command("list", epilog="[bold]Example[/bold]\n\n  launchbay services list --project shop --json")
def services_list(org: Org = None, project: Project = None, env: Env = None, json: Json = False) -> None:
    """List the project's services."""
    _list_services(Session(json, org=org, project=project, env=env))


@services_app.command("show", epilog="[bold]Example[/bold]\n\n  launchbay services show web --json")
def services_show(service: Annotated[str, typer.Argument(help="Service id or name.")],
                  org: Org = None, project: Project = None, env: Env = None, json: Json = False) -> None:
    """Show one service's settings and state."""
    s = Session(json, org=org, project=project, env=env)
    svc = s.service(service)
    view = {**svc, "autoscaling": autoscaling_words(svc.get("autoscaling")), "compute": compute_words(svc)}
    s.out.result(svc, lambda: s.out.fields(view, [k for k in SERVICE_FIELDS if k.split(".")[0] in view]))


@services_app.command("create", epilog="""[bold]Examples[/bold]

  launchbay services create web --image nginx:1.27 --port 80 --health-path /healthz

  launchbay services create shop --repo acme/shop --branch main --port 8080 --build-arg NODE_ENV=production

  launchbay services create jobs --kind worker --image ghcr.io/acme/jobs:1.4 --var QUEUE=default

  launchbay services create worker --kind worker --image ghcr.io/acme/jobs:1.4 --max 10 --scale-on-queue jobs:100

  launchbay services create nightly --kind cron --image busybox --schedule '0 3 * * *' --command 'sh -c "echo hi"'

  launchbay services create jobs --kind worker --image ghcr.io/acme/jobs:1.4 --architecture arm64 --spot""")
def services_create(
    name: Annotated[str, typer.Argument(help="Lower-case letters, digits and hyphens, starting with a letter.")],
    image: src.Image = None,
    repo: src.Repo = None, branch: src.Branch = None, dockerfile: src.Dockerfile = None, context: src.Context = None,
    watch_path: src.WatchPath = None,
    build_arg: src.BuildArg = None,
    kind: Annotated[str, typer.Option("--kind", help="web, worker or cron.")] = "web",
    port: Port = None, cpu: Cpu = None, memory: Memory = None, var: Var = None, command: Command = None,
    health_path: HealthPath = None, min_instances: MinInstances = None, max_instances: MaxInstances = None,
    schedule: Schedule = None, domain: Domain = None, alias: Alias = None, redirect_aliases: RedirectAliases = None,
    release_command: ReleaseCommand = None,
    auto_rollback: AutoRollback = None, canary: Canary = None, allow_ip: AllowIp = None,
    scale_at: ScaleAt = None, scale_timezone: ScaleTimezone = None, scale_on_queue: ScaleOnQueue = None,
    architecture: ArchitectureOpt = None, spot: SpotOpt = False, spot_percent: SpotPercent = None,
    on_demand_base: OnDemandBase = None,
    org: Org = None, project: Project = None, env: Env = None, json: Json = False,
) -> None:
    """Create a service from an image (--image) or built from a git repository (--repo); secrets
    are set afterwards with `launchbay secrets set`."""
    if kind not in ("web", "worker", "cron"):
        raise typer.BadParameter("must be web, worker or cron", param_hint="--kind")
    capacity = spot_body(spot, spot_percent, on_demand_base, False)
    fields = src.source_fields(repo, branch, dockerfile, context, watch_path)
    src.check_image_or_source(image, fields, build_arg)
    s = Session(json, org=org, project=project, env=env)
    body: dict[str, Any] = {"name": name, "kind": kind}
    if image:
        body["image"] = image
    else:
        body["source"] = src.source_body(fields)
    if s._env_ref:
        body["environment"] = s.environment()["name"]
    body.update(_settings(port, cpu, memory, var, command, health_path, min_instances, max_instances, schedule, domain))
    if release_command:
        body["release_command"] = shlex.split(release_command)
    if build_arg:
        body["build_env"] = _pairs(build_arg, "--build-arg")
    if auto_rollback is not None:
        body["auto_rollback"] = auto_rollback_body(auto_rollback)
    if canary is not None:
        body["canary"] = canary_body(canary)
    if allow_ip:
        body["allowed_ips"] = list(allow_ip)
    if alias:
        body["aliases"] = list(alias)
    if redirect_aliases is not None:
        body["redirect_aliases"] = redirect_aliases
    if scale_at:
        body["autoscaling"] = {"schedule": scale_at_body(scale_at, scale_timezone)}
    if scale_on_queue:
        body["autoscaling"] = {**body.get("autoscaling", {}), "queue": scale_on_queue_body(scale_on_queue)}
    if architecture is not None:
        body["architecture"] = architecture.value
    if capacity is not ...:
        body["spot"] = capacity
    svc = s.client.post(s.project_path("/services"), body)

    def human() -> None:
        s.out.line(f"Created {svc['kind']} service {svc['name']} ({svc['id']}); deploy it with `launchbay deploy "
                   f"{svc['name']}`")
        if {"architecture", "spot"} & set(body):
            s.out.line(f"compute: {compute_words(svc)}")
        if scale_on_queue:
            queue = svc["autoscaling"]["queue"]["name"]
            s.out.line(f"It scales on queue {queue}'s backlog once it links it: launchbay resources link {queue} "
                       f"-s {svc['name']}", style="yellow")
    s.out.result(svc, human)


@services_app.command("update", epilog="""[bold]Examples[/bold]

  launchbay services update web --image nginx:1.27.1

  launchbay services update web --repo acme/shop --branch main      [dim]# build from source from now on[/dim]

  launchbay services update shop --branch release/2 --build-arg NODE_ENV=staging

  launchbay services update web --max 4 --var LOG_LEVEL=debug

  launchbay services update web --unset-var LAUNCHBAY_SANDBOX_FAIL

  launchbay services update web --auto-rollback 30:http_5xx_rate,restarts   [dim]# roll a bad release back by itself[/dim]

  launchbay services update web --canary 10:5:2   [dim]# new releases answer 10 % of requests for 5 min first[/dim]
  launchbay services update web --canary 10,25,50:5:2   [dim]# then 25 %, then 50 %, each for 5 min[/dim]

  launchbay services update web --allow-ip 203.0.113.0/24 --allow-ip 198.51.100.7   [dim]# the office and the VPN only[/dim]

  launchbay services update web --domain example.com --alias www.example.com   [dim]# both, each verified[/dim]

  launchbay services update web --redirect-aliases   [dim]# www.example.com answers 301 to example.com[/dim]

  launchbay services update web --env-group datadog --env-group stripe-live   [dim]# shared variables and secrets[/dim]

  launchbay services update web --scale-at '0 8 * * 1-5=4:10' --scale-at '0 20 * * 1-5=1:4' --scale-timezone Europe/Berlin

  launchbay services update worker --max 10 --scale-on-queue jobs:100   [dim]# about 100 waiting messages per task[/dim]

  launchbay services update worker --no-scale-on-queue

  launchbay services update web --architecture arm64   [dim]# AWS Graviton, from the next deploy[/dim]

  launchbay services update web --spot --spot-percent 70 --on-demand-base 1   [dim]# 1 task regular, 70 % of the rest on Spot[/dim]

  launchbay services update web --spot-percent 50   [dim]# only the share changes[/dim]

  launchbay services update web --no-spot""")
def services_update(
    service: Annotated[str, typer.Argument(help="Service id or name.")],
    image: src.Image = None,
    repo: src.Repo = None, branch: src.Branch = None, dockerfile: src.Dockerfile = None, context: src.Context = None,
    watch_path: src.WatchPath = None,
    build_arg: src.BuildArg = None,
    port: Port = None, cpu: Cpu = None, memory: Memory = None, var: Var = None, command: Command = None,
    health_path: HealthPath = None, min_instances: MinInstances = None, max_instances: MaxInstances = None,
    schedule: Schedule = None, domain: Domain = None, alias: Alias = None, no_aliases: NoAliases = False,
    redirect_aliases: RedirectAliases = None,
    release_command: ReleaseCommand = None,
    auto_rollback: AutoRollback = None, canary: Canary = None, allow_ip: AllowIp = None, allow_any: AllowAny = False,
    env_group: EnvGroup = None, no_env_groups: NoEnvGroups = False,
    scale_at: ScaleAt = None, scale_timezone: ScaleTimezone = None,
    scale_on_queue: ScaleOnQueue = None, no_scale_on_queue: NoScaleOnQueue = False,
    architecture: ArchitectureOpt = None, spot: SpotOpt = False, spot_percent: SpotPercent = None,
    on_demand_base: OnDemandBase = None, no_spot: NoSpot = False,
    unset_var: Annotated[Optional[list[str]], typer.Option("--unset-var", metavar="KEY",
                                                           help="Remove this environment variable (repeatable).")] = None,
    org: Org = None, project: Project = None, env: Env = None, json: Json = False,
) -> None:
    """Change a service's settings; they apply with its next deploy.

    --image switches a service built from source to that image, --repo switches it to building
    from that repository; --branch, --dockerfile and --context change the source of a service
    that already builds from one. --var and --build-arg add to (or replace single) values;
    --unset-var removes one. --spot-percent and --on-demand-base change only themselves (and
    turn Spot on with the defaults for the other)."""
    capacity = spot_body(spot, spot_percent, on_demand_base, no_spot)
    fields = src.source_fields(repo, branch, dockerfile, context, watch_path)
    s = Session(json, org=org, project=project, env=env)
    svc = s.service(service)
    src.check_image_or_source(image, fields, build_arg, svc.get("source"), required=False)
    body: dict[str, Any] = {}
    if image:
        body["image"] = image
    if fields:
        body["source"] = src.source_body(fields, svc.get("source"))
    body.update(_settings(port, cpu, memory, None, command, health_path, min_instances, max_instances, schedule, domain))
    if release_command is not None:   # '' removes it
        body["release_command"] = shlex.split(release_command) or None
    if var or unset_var:
        current = svc.get("env") or {}
        unknown = [k for k in unset_var or [] if k not in current]
        if unknown:
            raise CliError(f"--unset-var: {svc['name']} has no variable {', '.join(unknown)} "
                           f"(it has: {', '.join(sorted(current)) or 'none'})")
        body["env"] = {k: v for k, v in {**current, **_pairs(var, "--var")}.items() if k not in (unset_var or [])}
    if build_arg:
        body["build_env"] = {**(svc.get("build_env") or {}), **_pairs(build_arg, "--build-arg")}
    if auto_rollback is not None:
        body["auto_rollback"] = auto_rollback_body(auto_rollback)
    if canary is not None:
        body["canary"] = canary_body(canary)
    allowed = allowed_ips_body(allow_ip, allow_any)
    if allowed is not None:
        body["allowed_ips"] = allowed
    if alias and no_aliases:
        raise typer.BadParameter("give --alias or --no-aliases, not both", param_hint="--no-aliases")
    if alias or no_aliases:
        body["aliases"] = list(alias or [])
    if redirect_aliases is not None:
        body["redirect_aliases"] = redirect_aliases
    if env_group and no_env_groups:
        raise typer.BadParameter("give --env-group or --no-env-groups, not both", param_hint="--no-env-groups")
    if env_group or no_env_groups:   # the groups given are all of them, in order
        body["env_groups"] = list(env_group or []) or None
    if scale_at is not None:   # the entries given are all of them ('' alone: none)
        body["autoscaling"] = {"schedule": scale_at_body(scale_at, scale_timezone)}
    if scale_on_queue is not None and no_scale_on_queue:
        raise typer.BadParameter("give --scale-on-queue or --no-scale-on-queue, not both", param_hint="--no-scale-on-queue")
    if scale_on_queue is not None or no_scale_on_queue:   # the API merges autoscaling: the rest stays
        queue = scale_on_queue_body(scale_on_queue) if scale_on_queue is not None else None
        body["autoscaling"] = {**body.get("autoscaling", {}), "queue": queue}
    if architecture is not None:
        body["architecture"] = architecture.value
    if capacity is not ...:
        body["spot"] = capacity
    if not body:
        raise CliError("nothing to change: give at least one option (see `launchbay services update --help`)")
    got = s.client.patch(s.org_path(f"/services/{segment(svc['id'])}"), body)
    unlinked = ""
    if scale_on_queue is not None:   # its deploy fails until it does: said now
        queue = got["autoscaling"]["queue"]["name"]
        links = s.client.get(s.org_path(f"/services/{segment(svc['id'])}/links")).get("items") or []
        if not any(lk.get("resource") == queue and lk.get("kind") == "queue" for lk in links):
            unlinked = (f"{got['name']} does not link queue {queue}: its deploy fails until it does: "
                        f"launchbay resources link {queue} -s {got['name']}")
            if json:
                s.out.note(unlinked)   # stderr: stdout is the service

    def human() -> None:
        s.out.line(f"Updated {got['name']} ({', '.join(sorted(body))})" + ("; deploy it to apply" if got.get("needs_deploy") else ""))
        if "autoscaling" in body:
            s.out.line(f"autoscaling: {autoscaling_words(got.get('autoscaling')) or 'none'}")
        if {"architecture", "spot"} & set(body):
            s.out.line(f"compute: {compute_words(got)}")
        if unlinked:
            s.out.line(unlinked, style="yellow")
        if body.get("domain") or body.get("aliases"):   # routed only once proven: say how
            names = ([got["domain"]] if body.get("domain") else []) + list(body.get("aliases") or [])
            s.out.line(f"{', '.join(names)} {'is' if len(names) == 1 else 'are'} routed once verified: `launchbay "
                       f"domain show {got['name']}` gives the DNS TXT records to create, then `launchbay domain verify "
                       f"{got['name']}`")
    s.out.result(got, human)


# --- secrets ---------------------------------------------------------------------------

secrets_app = typer.Typer(help="Secrets of a service (-s) or of an environment (no -s: the --env or default one, "
                               "inherited by its services): set from stdin or a file, never from the command line; "
                               "listed by name and version only.")
app.add_typer(secrets_app, name="secrets")
Service = Annotated[Optional[str], typer.Option("--service", "-s", help="Service id or name; without it, the "
                                                "environment's secrets.")]


def _secrets_path(s: Session, service: Optional[str], tail: str = "") -> str:
    if service:
        return s.service_path(service, "/secrets" + tail)
    env = s.environment(s._env_ref or "production")
    return s.project_path(f"/environments/{segment(env['name'])}/secrets{tail}")


@secrets_app.command("set", epilog="""[bold]Examples[/bold]

  launchbay secrets set DATABASE_URL -s web                 [dim]# asks for the value (no echo)[/dim]

  printf '%s' "$DATABASE_URL" | launchbay secrets set DATABASE_URL -s web

  launchbay secrets set TLS_KEY -s web --from-file key.pem

  launchbay secrets set SENTRY_DSN --env staging           [dim]# every service of staging inherits it[/dim]""")
def secrets_set(
    name: Annotated[str, typer.Argument(help="Upper-case letters, digits and _.")],
    service: Service = None,
    from_file: Annotated[Optional[Path], typer.Option("--from-file", help="Read the value from this file ('-': stdin).",
                                                      dir_okay=False)] = None,
    org: Org = None, project: Project = None, env: Env = None, json: Json = False,
) -> None:
    """Set a secret: the value comes from stdin (hidden prompt on a terminal) or --from-file.

    The value is never printed, logged or accepted as an argument."""
    s = Session(json, org=org, project=project, env=env)
    if from_file is not None and str(from_file) != "-":
        try:
            value = from_file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CliError(f"--from-file: cannot read {from_file}: {exc.__class__.__name__}") from None
        if not value:
            raise CliError(f"--from-file: {from_file} is empty")
    else:
        value = secret_input(f"Value for {name}: ", whole=True)
    got = s.client.put(_secrets_path(s, service, f"/{segment(name)}"), {"value": value})
    del value
    # say whose: without -s it is the environment's, which every service there inherits
    whose = f"service {service}" if service else f"environment {s._env_ref or 'production'}"
    s.out.result(got, lambda: s.out.line(f"Set {got.get('name', name)} of {whose} (version {got.get('version')}); "
                                         "it reaches the containers with the next deploy"))


@secrets_app.command("unset", epilog="[bold]Example[/bold]\n\n  launchbay secrets unset DATABASE_URL -s web")
def secrets_unset(name: Annotated[str, typer.Argument(help="Secret name.")], service: Service = None,
                  org: Org = None, project: Project = None, env: Env = None, json: Json = False) -> None:
    """Delete a secret."""
    s = Session(json, org=org, project=project, env=env)
    s.client.delete(_secrets_path(s, service, f"/{segment(name)}"))
    s.out.result({"name": name, "deleted": True}, lambda: s.out.line(f"Deleted {name}"))


@secrets_app.command("list", epilog="[bold]Example[/bold]\n\n  launchbay secrets list -s web --json")
def secrets_list(service: Service = None, org: Org = None, project: Project = None, env: Env = None, json: Json = False) -> None:
    """List secret names and versions (values never leave the server)."""
    s = Session(json, org=org, project=project, env=env)
    got = s.client.get(_secrets_path(s, service))
    items = got.get("items") or []
    s.out.result({"items": items}, lambda: s.out.table(
        items, [("name", "NAME"), ("version", "VERSION"), ("scope", "SCOPE"), ("updated", "UPDATED")], "no secrets"))


