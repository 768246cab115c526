"""env-groups: the organization's environment groups, named sets of variables and secrets
(datadog, stripe-live) that any of its services links by name (`launchbay services update web
--env-group datadog`). A service gets its environment's values, under each linked group's in the
order it lists them, under its own. Every member reads them (secrets by name and version only);
admins change them. Changes reach the services with their next deploy: `env-groups deploy NAME`
deploys every linked service that needs it."""
from __future__ import annotations

from typing import Annotated, Any, Optional

import typer

from cli.app import Json, Org, app
from cli.client import ApiError, segment
from cli.commands.prompts import confirmed, secret_option
from cli.session import CliError, Session

NAME_ARG = Annotated[str, typer.Argument(metavar="NAME", help="The group's name, e.g. datadog.")]
COLUMNS = [("name", "NAME"), ("variables", "VARIABLES"), ("secret_count", "SECRETS"), ("service_count", "SERVICES"),
           ("description", "DESCRIPTION")]

env_groups_app = typer.Typer(help="Environment groups: the organization's shared variables and secrets, linked by "
                                  "name to any of its services (`services update SVC --env-group NAME`). Every "
                                  "member reads them; admins change them.", no_args_is_help=False)
secret_app = typer.Typer(help="An environment group's secrets: set from stdin, a variable or a hidden prompt, never "
                              "from the command line; shown by name and version only.", no_args_is_help=True,
                         epilog="[bold]Examples[/bold]\n\n  printf %s \"$DD_KEY\" | launchbay env-groups secret set datadog "
                                "DD_API_KEY --value-stdin\n  launchbay env-groups secret delete datadog DD_API_KEY")
env_groups_app.add_typer(secret_app, name="secret")
app.add_typer(env_groups_app, name="env-groups")


def _path(s: Session, name: str = "", tail: str = "") -> str:
    return s.org_path("/env-groups" + (f"/{segment(name)}" if name else "") + tail)


def _pairs(values: Optional[list[str]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in values or []:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise CliError(f"{item!r}: write KEY=VALUE")
        out[key] = value
    return out


def _get(s: Session, name: str) -> dict[str, Any]:
    """One group; none: the API's 404 in words saying what to do."""
    try:
        return s.client.get(_path(s, name))
    except ApiError as exc:
        if exc.status == 404:
            raise exc.reworded(f"no environment group {name!r} in this organization (`launchbay env-groups` lists "
                               f"them; `launchbay env-groups create {name}` makes it)") from None
        raise


def _list(s: Session) -> None:
    items = s.client.get(_path(s)).get("items") or []
    rows = [{**g, "variables": ", ".join(sorted(g.get("env") or {})) or "-", "secret_count": len(g.get("secrets") or []),
             "service_count": len(g.get("services") or []), "description": g.get("description") or ""} for g in items]
    s.out.result({"items": items}, lambda: s.out.table(
        rows, COLUMNS, "no environment groups yet: `launchbay env-groups create NAME KEY=VALUE...` (admins)"))


@env_groups_app.callback(invoke_without_command=True, epilog="[bold]Example[/bold]\n\n  launchbay env-groups")
def _default(ctx: typer.Context, org: Org = None, json: Json = False) -> None:
    """List the organization's environment groups (the same as `env-groups list`)."""
    if ctx.invoked_subcommand is None:
        _list(Session(json, org=org))


@env_groups_app.command("list", epilog="[bold]Example[/bold]\n\n  launchbay env-groups list --json")
def env_groups_list(org: Org = None, json: Json = False) -> None:
    """List the organization's environment groups: their variables' names, how many secrets and how
    many services link each."""
    _list(Session(json, org=org))


def _show(s: Session, got: dict[str, Any]) -> None:
    s.out.fields({**got, "description": got.get("description") or "-"},
                 ["name", "description", "created_by", "created", "updated"])
    env = got.get("env") or {}
    s.out.line("variables:" + ("" if env else " none"))
    for key in sorted(env):
        s.out.line(f"  {key}={env[key]}")
    secrets = got.get("secrets") or []
    s.out.line("secrets:" + ("" if secrets else " none"))
    for sec in secrets:
        s.out.line(f"  {sec['name']} (v{sec['version']}, set {sec.get('updated') or '-'}; never shown)")
    services = got.get("services") or []
    s.out.line("services:" + ("" if services else " none link it (`launchbay services update SVC --env-group "
                                                   f"{got['name']}`)"))
    for svc in services:
        s.out.line(f"  {svc['name']} ({svc.get('project') or svc.get('project_id')}/{svc.get('environment')})")


@env_groups_app.command("show", epilog="""[bold]Examples[/bold]

  launchbay env-groups show datadog

  launchbay env-groups show datadog --json""")
def env_groups_show(name: NAME_ARG, org: Org = None, json: Json = False) -> None:
    """One environment group: its variables, its secrets (names and versions, never values) and the
    services linking it."""
    s = Session(json, org=org)
    got = _get(s, name)
    s.out.result(got, lambda: _show(s, got))


@env_groups_app.command("create", epilog="""[bold]Examples[/bold]

  launchbay env-groups create datadog DD_SITE=datadoghq.eu DD_ENV=production --description "APM for every service"

  launchbay env-groups create stripe-live && launchbay env-groups secret set stripe-live STRIPE_KEY""")
def env_groups_create(
    name: NAME_ARG,
    pairs: Annotated[Optional[list[str]], typer.Argument(metavar="[KEY=VALUE]...", help="Its variables.")] = None,
    description: Annotated[Optional[str], typer.Option("--description", "-d", help="What it is for.")] = None,
    org: Org = None, json: Json = False,
) -> None:
    """Create an environment group (admins). Services link it with `launchbay services update SVC
    --env-group NAME`; its secrets are set with `launchbay env-groups secret set NAME SECRET`."""
    s = Session(json, org=org)
    body: dict[str, Any] = {"name": name, "env": _pairs(pairs)}
    if description is not None:
        body["description"] = description
    got = s.client.post(_path(s), body)
    s.out.result(got, lambda: s.out.line(
        f"Created environment group {got['name']} ({len(got.get('env') or {})} variables); link it: launchbay "
        f"services update SVC --env-group {got['name']}"))


def _changed(s: Session, got: dict[str, Any], what: str) -> None:
    linked = len(got.get("services") or [])
    s.out.result(got, lambda: s.out.line(
        f"{what} in {got['name']}" + (f"; {linked} linked service{'' if linked == 1 else 's'} get it with their next "
                                      f"deploy (`launchbay env-groups deploy {got['name']}`)" if linked else "")))


@env_groups_app.command("set", epilog="""[bold]Example[/bold]

  launchbay env-groups set datadog DD_ENV=staging DD_TRACE_ENABLED=true""")
def env_groups_set(
    name: NAME_ARG,
    pairs: Annotated[list[str], typer.Argument(metavar="KEY=VALUE...", help="Variables to add or replace.")],
    org: Org = None, json: Json = False,
) -> None:
    """Add or replace variables of an environment group (admins); the others stay."""
    s = Session(json, org=org)
    values = _pairs(pairs)
    current = _get(s, name)
    got = s.client.patch(_path(s, current["name"]), {"env": {**(current.get("env") or {}), **values}})
    _changed(s, got, f"Set {', '.join(sorted(values))}")


@env_groups_app.command("unset", epilog="""[bold]Example[/bold]

  launchbay env-groups unset datadog DD_TRACE_ENABLED""")
def env_groups_unset(
    name: NAME_ARG,
    keys: Annotated[list[str], typer.Argument(metavar="KEY...", help="Variables to remove.")],
    org: Org = None, json: Json = False,
) -> None:
    """Remove variables from an environment group (admins)."""
    s = Session(json, org=org)
    current = _get(s, name)
    env = current.get("env") or {}
    unknown = [k for k in keys if k not in env]
    if unknown:
        raise CliError(f"{current['name']} has no variable {', '.join(unknown)} (it has: "
                       f"{', '.join(sorted(env)) or 'none'})")
    got = s.client.patch(_path(s, current["name"]), {"env": {k: v for k, v in env.items() if k not in keys}})
    _changed(s, got, f"Removed {', '.join(keys)}")


@env_groups_app.command("delete", epilog="""[bold]Examples[/bold]

  launchbay env-groups delete datadog

  launchbay env-groups delete datadog --yes --json""")
def env_groups_delete(
    name: NAME_ARG,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Delete without asking.")] = False,
    org: Org = None, json: Json = False,
) -> None:
    """Delete an environment group and its secrets (admins). Refused while a service links it.
    Asks first, unless --yes."""
    s = Session(json, org=org)
    if json and not yes:
        raise CliError("--json cannot ask for confirmation: add --yes")
    got = _get(s, name)
    if not yes and not confirmed(f"Delete environment group {got['name']} with its {len(got.get('env') or {})} "
                                 f"variables and {len(got.get('secrets') or [])} secrets?",
                                 "nothing deleted: no answer on stdin (add --yes to delete without asking)"):
        raise CliError("nothing was deleted")
    s.client.delete(_path(s, got["name"]))
    gone = {"name": got["name"], "deleted": True}
    s.out.result(gone, lambda: s.out.line(f"Deleted environment group {got['name']}"))


@env_groups_app.command("deploy", epilog="""[bold]Example[/bold]

  launchbay env-groups deploy datadog""")
def env_groups_deploy(name: NAME_ARG, org: Org = None, json: Json = False) -> None:
    """Deploy every service linking the group whose configuration differs from its live release
    (each as `launchbay deploy` would: its approval rules, freezes and your role apply; a refusal
    skips that service only)."""
    s = Session(json, org=org)
    got = s.client.post(_path(s, name, "/deploy"), None)

    def human() -> None:
        for d in got.get("deployments") or []:
            s.out.line(f"deploying {d['service']} ({d.get('project')}/{d.get('environment')}): {d['deployment_id']}")
        for sk in got.get("skipped") or []:
            s.out.line(f"skipped {sk['service']}: {sk['reason']}", style="yellow")
        if not got.get("deployments"):
            s.out.line("nothing to deploy")
    s.out.result(got, human)


@secret_app.command("set", epilog="""[bold]Examples[/bold]

  launchbay env-groups secret set datadog DD_API_KEY                 [dim]# asks for the value (no echo)[/dim]

  printf '%s' "$KEY" | launchbay env-groups secret set datadog DD_API_KEY --value-stdin

  launchbay env-groups secret set stripe-live STRIPE_KEY --value-env STRIPE_KEY""")
def secret_set(
    name: NAME_ARG,
    secret: Annotated[str, typer.Argument(metavar="SECRET", help="The secret's name, e.g. DD_API_KEY.")],
    value_stdin: Annotated[bool, typer.Option("--value-stdin", help="Read the value from stdin.")] = False,
    value_env: Annotated[Optional[str], typer.Option("--value-env", metavar="VAR",
                                                     help="Read the value from this environment variable.")] = None,
    org: Org = None, json: Json = False,
) -> None:
    """Set or replace a secret of an environment group (admins): stored encrypted, never shown again.
    The value is never taken from the command line."""
    s = Session(json, org=org)
    path = _path(s, name, f"/secrets/{segment(secret)}")
    value = secret_option(value_stdin, value_env, prompt=f"{secret}: ", flags=("--value-stdin", "--value-env"),
                          what="value", export_hint=": export it first",
                          no_terminal="no terminal to ask for the value on: pipe it in (--value-stdin) or name the "
                                      "environment variable holding it (--value-env VAR); never as an argument",
                          no_terminal_hint="--value-stdin")
    got = s.client.put(path, {"value": value})
    del value
    s.out.result(got, lambda: s.out.line(
        f"Set {got['name']} (v{got['version']}) in {name}; linked services get it with their next deploy "
        f"(`launchbay env-groups deploy {name}`)"))


@secret_app.command("delete", epilog="[bold]Example[/bold]\n\n  launchbay env-groups secret delete datadog DD_API_KEY")
def secret_delete(
    name: NAME_ARG,
    secret: Annotated[str, typer.Argument(metavar="SECRET", help="The secret's name.")],
    org: Org = None, json: Json = False,
) -> None:
    """Delete a secret of an environment group (admins)."""
    s = Session(json, org=org)
    s.client.delete(_path(s, name, f"/secrets/{segment(secret)}"))
    gone = {"group": name, "name": secret, "deleted": True}
    s.out.result(gone, lambda: s.out.line(f"Deleted {secret} from {name}"))
