"""resources: managed databases, caches, buckets and volumes of the project's environments, and links."""
from __future__ import annotations

import sys
from typing import Annotated, Any, Optional

import typer

from cli.app import Env, Json, Org, Project, app
from cli.client import ApiError, segment
from cli.commands.polling import poll_until
from cli.commands.prompts import line_input
from cli.session import CliError, Session, pick, production_first

KINDS = ("postgres", "mysql", "redis", "bucket", "volume")
# what a kind has none of, in words: said before asking the API (option -> why)
NOT_OFFERED = {
    "volume": {"--size": "a volume has no size: EFS grows and shrinks with its files (you pay for what it holds)",
               "--version": "a volume has no engine version: it is a file system (EFS)",
               "--storage-gb": "a volume has no allocated storage: EFS grows and shrinks with its files",
               "--backups": "a volume is backed up daily by AWS Backup and kept 35 days: there is nothing to set"},
    "bucket": {"--size": "a bucket has no size: S3 holds what you put in it",
               "--version": "a bucket has no engine version",
               "--storage-gb": "a bucket has no allocated storage: S3 holds what you put in it",
               "--backups": "buckets have no automated backups"},
}
COLUMNS = [("id", "ID"), ("name", "NAME"), ("kind", "KIND"), ("environment", "ENV"), ("size", "SIZE"),
           ("version", "VERSION"), ("storage_gb", "GB"), ("status", "STATUS"), ("deletion_protection", "PROTECTED"),
           ("variable", "VARIABLE")]
FIELDS = ["id", "name", "kind", "environment", "status", "reason", "last_error", "size", "version", "storage_gb",
          "backup_retention_days", "deletion_protection", "variable", "endpoint.address", "endpoint.port",
          "where.account", "where.region", "created", "updated"]
VOLUME_FIELDS = ["id", "name", "kind", "environment", "status", "reason", "last_error", "file_system", "backups",
                 "deletion_protection", "variable", "where.account", "where.region", "created", "updated"]
LINK_COLUMNS = [("resource", "RESOURCE"), ("kind", "KIND"), ("variable", "VARIABLE"), ("path", "PATH"),
                ("read_only", "READ-ONLY"), ("status", "STATUS")]
SETTLED = {"available", "failed"}

Wait = Annotated[bool, typer.Option("--wait", "-w", help="Poll until the resource is available (exit 0) or failed "
                                                        "(exit 2).")]
Timeout = Annotated[float, typer.Option("--timeout", help="Seconds to wait before giving up (exit 1).", min=1)]
Interval = Annotated[float, typer.Option("--interval", help="Seconds between polls with --wait.", min=0.1)]
Resource = Annotated[str, typer.Argument(metavar="RESOURCE", help="Resource id (res_...) or name.")]
Size = Annotated[Optional[str], typer.Option("--size", help="Instance class (db.t4g.small) or node type "
                                                            "(cache.t4g.small); default the smallest.")]
StorageGb = Annotated[Optional[int], typer.Option("--storage-gb", help="Databases: allocated GB (20-16384; only "
                                                                       "grows).")]
Backups = Annotated[Optional[int], typer.Option("--backups", metavar="DAYS", help="Automated backups kept, in days "
                                                                                 "(0-35).")]
Protect = Annotated[Optional[bool], typer.Option("--protect/--no-protect", help="Deletion protection (default: on "
                                                                               "in production).")]

resources_app = typer.Typer(help="Managed resources of the project: PostgreSQL and MySQL (RDS), Redis "
                                 "(ElastiCache), S3 buckets, volumes (EFS); linked services get their connection "
                                 "as a secret, or the volume mounted at a path.")
app.add_typer(resources_app, name="resources")


def _list(s: Session, env: Optional[str]) -> list[dict[str, Any]]:
    return s.client.items(s.project_path("/resources"), environment=env)


def find(s: Session, ref: str, env: Optional[str] = None) -> dict[str, Any]:
    """A resource by id, else by name (in `env`, else the chosen environment, else the project,
    where a name in several environments means production's, as for services)."""
    if ref.startswith("res_"):
        return s.client.get(s.org_path(f"/resources/{segment(ref)}"))
    env = env or s.env_ref()
    items = _list(s, env)
    return pick(items if env else production_first(items, ref), ref, "resource",
                hint="pass --env to choose the environment")


def _wait(s: Session, res: dict[str, Any], timeout: float, interval: float, gone_ok: bool = False) -> dict[str, Any]:
    """Poll until the resource settles (or, deleting, is gone); a spinner on a terminal,
    a line per status change otherwise. -> the resource as read last ({} when gone)."""
    path = s.org_path(f"/resources/{segment(res['id'])}")
    name = res["name"]

    def read() -> dict[str, Any]:
        try:
            return s.client.get(path)
        except ApiError as exc:
            if gone_ok and exc.status == 404:
                return {}
            raise

    def words(r: dict[str, Any]) -> str:
        if not r:
            return f"{name}: deleted"
        return f"{r['name']}: {r.get('status')}" + (f" ({r['reason']})" if r.get("reason") else "")
    return poll_until(s, read, words, lambda r: not r or r.get("status") in SETTLED, timeout, interval)


def _settled(s: Session, res: dict[str, Any], done: str) -> None:
    """Print the settled resource; exit 2 when it failed (or its change did not apply)."""
    failed = res.get("status") == "failed" or bool(res.get("last_error"))
    s.out.result(res, lambda: s.out.line(
        f"{res['name']} is {res.get('status')}" + (f": {res['last_error']}" if res.get("last_error") else f"; {done}"),
        style="red" if failed else "green"))
    if failed:
        raise typer.Exit(2)


@resources_app.callback(invoke_without_command=True, epilog="[bold]Example[/bold]\n\n  launchbay resources --env production")
def _default(ctx: typer.Context, org: Org = None, project: Project = None, env: Env = None, json: Json = False) -> None:
    """List the project's resources (the same as `resources list`)."""
    if ctx.invoked_subcommand is None:
        resources_list(org, project, env, json)


@resources_app.command("list", epilog="""[bold]Examples[/bold]

  launchbay resources list

  launchbay resources list --env staging --json""")
def resources_list(org: Org = None, project: Project = None, env: Env = None, json: Json = False) -> None:
    """List the project's resources (of one environment with --env, or the default one)."""
    s = Session(json, org=org, project=project, env=env)
    items = _list(s, s.env_ref())
    s.out.result({"items": items}, lambda: s.out.table(items, COLUMNS, "no resources: `launchbay resources create "
                                                                        "NAME --kind postgres`"))


@resources_app.command("create", epilog="""[bold]Examples[/bold]

  launchbay resources create db --kind postgres --wait

  launchbay resources create db --kind postgres --version 16 --size db.t4g.small --storage-gb 50 --backups 14

  launchbay resources create cache --kind redis --env staging --no-protect

  launchbay resources create uploads --kind bucket --json

  launchbay resources create media --kind volume     [dim]# a shared file system: link it at a path[/dim]""")
def resources_create(
    name: Annotated[str, typer.Argument(help="Lower-case letters, digits and hyphens; unique in the environment.")],
    kind: Annotated[str, typer.Option("--kind", help="postgres, mysql, redis, bucket or volume (EFS: files that "
                                                     "outlive the tasks, shared by the services that link it).")],
    size: Size = None,
    version: Annotated[Optional[str], typer.Option("--version", help="Engine version (postgres 17/16/15/14, mysql "
                                                                     "8.4/8.0, redis 7.1/6.2).")] = None,
    storage_gb: StorageGb = None, backups: Backups = None, protect: Protect = None,
    wait: Wait = False, timeout: Timeout = 1800, interval: Interval = 3.0,
    org: Org = None, project: Project = None, env: Env = None, json: Json = False,
) -> None:
    """Create a resource in an environment (default production); it is ready once available. A volume
    or a bucket takes no --size, --version, --storage-gb or --backups."""
    if kind not in KINDS:
        raise typer.BadParameter("must be postgres, mysql, redis, bucket or volume", param_hint="--kind")
    given = {"--size": size, "--version": version, "--storage-gb": storage_gb, "--backups": backups}
    refused = [(opt, why) for opt, why in NOT_OFFERED.get(kind, {}).items() if given[opt] is not None]
    if refused:
        raise typer.BadParameter("; ".join(why for _, why in refused) + f". Leave out {', '.join(o for o, _ in refused)}",
                                 param_hint=refused[0][0])
    s = Session(json, org=org, project=project, env=env)
    body: dict[str, Any] = {"name": name, "kind": kind, "environment": s.env_ref() or "production"}
    optional = {"size": size, "version": version, "storage_gb": storage_gb, "backup_retention_days": backups,
                "deletion_protection": protect}
    body.update({k: v for k, v in optional.items() if v is not None})
    res = s.client.post(s.project_path("/resources"), body)
    if wait:
        s.out.note(f"Creating {kind} {res['name']} in {res.get('environment')} ({res['id']})")
        _settled(s, _wait(s, res, timeout, interval), f"link it: {_link_hint(res)}")
        return
    s.out.result(res, lambda: s.out.line(
        f"Creating {kind} {res['name']} in {res.get('environment')} ({res['id']}): {res.get('status')}"
        + (", deletion protection on" if res.get("deletion_protection") else "")
        + f". Watch it: launchbay resources show {res['name']}"))


def _link_hint(res: dict[str, Any]) -> str:
    path = " --path /data" if res.get("kind") == "volume" else ""
    return f"launchbay resources link {res['name']} -s SERVICE{path}"


@resources_app.command("show", epilog="""[bold]Examples[/bold]

  launchbay resources show db --env production --json

  launchbay resources show uploads       [dim]# a volume: its file system, backups, the variable it gives[/dim]""")
def resources_show(resource: Resource, org: Org = None, project: Project = None, env: Env = None,
                   json: Json = False) -> None:
    """Show a resource: status, size, endpoint, where it lives (never its credentials); for a volume
    its file system and backups, and how to mount it."""
    s = Session(json, org=org, project=project, env=env)
    res = find(s, resource)
    if res.get("kind") != "volume":
        s.out.result(res, lambda: s.out.fields(res, FIELDS))
        return

    def human() -> None:
        view = {**res, "file_system": (res.get("endpoint") or {}).get("address"),
                "backups": "daily (AWS Backup), kept 35 days",
                "variable": f"{res.get('variable')} (holds the path each linking service mounts it at)"}
        s.out.fields(view, VOLUME_FIELDS)
        s.out.note(f"Mount it in a service: {_link_hint(res)} [--read-only]; `launchbay resources links -s "
                   "SERVICE` shows where", style="dim")
    s.out.result(res, human)


@resources_app.command("resize", epilog="""[bold]Examples[/bold]

  launchbay resources resize db --size db.t4g.small --wait

  launchbay resources resize db --storage-gb 100 --backups 14

  launchbay resources resize db --no-protect     [dim]# before deleting it[/dim]""")
def resources_resize(
    resource: Resource, size: Size = None, storage_gb: StorageGb = None, backups: Backups = None,
    protect: Protect = None, wait: Wait = False, timeout: Timeout = 1800, interval: Interval = 3.0,
    org: Org = None, project: Project = None, env: Env = None, json: Json = False,
) -> None:
    """Resize a resource or change its backups or deletion protection (engine and version stay)."""
    body = {k: v for k, v in {"size": size, "storage_gb": storage_gb, "backup_retention_days": backups,
                              "deletion_protection": protect}.items() if v is not None}
    if not body:
        raise CliError("nothing to change: give --size, --storage-gb, --backups or --protect/--no-protect")
    s = Session(json, org=org, project=project, env=env)
    res = find(s, resource)
    res = s.client.patch(s.org_path(f"/resources/{segment(res['id'])}"), body)
    if wait:
        _settled(s, _wait(s, res, timeout, interval), "changed")
        return
    s.out.result(res, lambda: s.out.line(f"{res['name']}: {res.get('status')}"
                                         + (f" ({res['reason']})" if res.get("reason") else "")))


@resources_app.command("rotate", epilog="""[bold]Example[/bold]

  launchbay resources rotate db --wait     [dim]# new password; the linked services redeploy with it[/dim]""")
def resources_rotate(
    resource: Resource, wait: Wait = False, timeout: Timeout = 1800, interval: Interval = 3.0,
    org: Org = None, project: Project = None, env: Env = None, json: Json = False,
) -> None:
    """New generated credentials for a database or cache; its linked services are redeployed."""
    s = Session(json, org=org, project=project, env=env)
    res = find(s, resource)
    res = s.client.post(s.org_path(f"/resources/{segment(res['id'])}/rotate"), None)
    if wait:
        _settled(s, _wait(s, res, timeout, interval), "rotated")
        return
    s.out.result(res, lambda: s.out.line(f"{res['name']}: {res.get('status')} ({res.get('reason')})"))


@resources_app.command("delete", epilog="""[bold]Examples[/bold]

  launchbay resources delete db --confirm db            [dim]# a final snapshot is kept[/dim]

  launchbay resources delete cache                      [dim]# on a terminal: asks for the name[/dim]""")
def resources_delete(
    resource: Resource,
    confirm: Annotated[Optional[str], typer.Option("--confirm", metavar="NAME", help="The resource's name, typed "
                                                                                     "again: its data goes.")] = None,
    wait: Annotated[bool, typer.Option("--wait", "-w", help="Poll until it is gone.")] = False,
    timeout: Timeout = 1800, interval: Interval = 3.0,
    org: Org = None, project: Project = None, env: Env = None, json: Json = False,
) -> None:
    """Delete a resource no service links (deletion protection must be off). Databases and caches
    keep a final snapshot; a bucket that still holds objects is not emptied (the delete fails); a
    volume's files go (its daily backups stay in AWS Backup for 35 days)."""
    s = Session(json, org=org, project=project, env=env)
    res = find(s, resource)
    if confirm is None:
        if json or sys.stdin is None or not sys.stdin.isatty():
            raise typer.BadParameter(f"deleting {res['name']!r} deletes its data: confirm with --confirm "
                                     f"{res['name']}", param_hint="--confirm")
        confirm = line_input(f"Deleting {res['kind']} {res['name']} ({res.get('environment')}) deletes its data. "
                             "Type its name to go on: ")
    if confirm != res["name"]:
        raise typer.BadParameter(f"{confirm!r} is not {res['name']!r}: nothing was deleted", param_hint="--confirm")
    try:
        got = s.client.request("DELETE", s.org_path(f"/resources/{segment(res['id'])}"), query={"confirm": confirm})
    except ApiError as exc:
        if exc.field != "deletion_protection":
            raise
        # the API's words say what to PATCH: say the command
        raise exc.reworded(f"{res['name']!r} has deletion protection: turn it off first "
                           f"(launchbay resources resize {res['name']} --no-protect)") from None
    if wait:
        last = _wait(s, got, timeout, interval, gone_ok=True)
        if last:
            _settled(s, last, "")
        s.out.result({"id": res["id"], "name": res["name"], "deleted": True},
                     lambda: s.out.line(f"Deleted {res['name']} ({res['id']})", style="green"))
        return
    s.out.result(got, lambda: s.out.line(f"{got['name']}: {got.get('status')}; it goes once AWS has removed it"))


def _service_and_resource(s: Session, service: str, resource: str) -> tuple[dict[str, Any], dict[str, Any]]:
    svc = s.service(service)
    # a name means the resource of the service's own environment: the only ones it may link
    return svc, find(s, resource, svc.get("environment"))


@resources_app.command("link", epilog="""[bold]Examples[/bold]

  launchbay resources link db -s web                     [dim]# web gets DATABASE_URL with its next deploy[/dim]

  launchbay resources link cache -s web --variable SESSION_REDIS_URL

  launchbay resources link uploads -s web --path /app/uploads     [dim]# a volume: mounted there, UPLOADS_PATH[/dim]

  launchbay resources link uploads -s report --path /data --read-only

  launchbay resources link files -s web --read-only      [dim]# a bucket its tasks may only read and list[/dim]""")
def resources_link(
    resource: Resource,
    service: Annotated[str, typer.Option("--service", "-s", help="Service id or name (of the resource's environment).")],
    variable: Annotated[Optional[str], typer.Option("--variable", help="The variable it receives (default "
                                                                       "DATABASE_URL, REDIS_URL, S3_BUCKET, or "
                                                                       "<NAME>_PATH for a volume).")] = None,
    path: Annotated[Optional[str], typer.Option("--path", help="Volumes (required): the absolute path it is mounted "
                                                               "at in the container, e.g. /data.")] = None,
    read_only: Annotated[bool, typer.Option("--read-only", help="Volumes: mounted read-only; buckets: the tasks may "
                                                                "only read and list. Linking again without it makes "
                                                                "the link read-write.")] = False,
    org: Org = None, project: Project = None, env: Env = None, json: Json = False,
) -> None:
    """Link a resource to a service: its next deploy gets the connection as a secret reference, or,
    for a volume, mounts it at --path (the variable holds that path)."""
    s = Session(json, org=org, project=project, env=env)
    svc, res = _service_and_resource(s, service, resource)
    kind = res.get("kind")
    if kind == "volume" and not path:
        raise typer.BadParameter(f"{res['name']} is a volume: give the path it is mounted at in {svc['name']}'s "
                                 "container (e.g. --path /data)", param_hint="--path")
    if kind != "volume" and path:
        raise typer.BadParameter(f"only a volume is mounted at a path; {res['name']} is a {kind} (it gives a "
                                 "variable: --variable)", param_hint="--path")
    if read_only and kind not in ("volume", "bucket"):
        raise typer.BadParameter(f"a {kind} link cannot be read-only (its credentials decide what it may do); "
                                 "volumes and buckets can", param_hint="--read-only")
    body: dict[str, Any] = {k: v for k, v in {"variable": variable, "path": path}.items() if v}
    if read_only:
        body["read_only"] = True
    got = s.client.put(s.org_path(f"/services/{segment(svc['id'])}/links/{segment(res['id'])}"), body)
    how = (f" at {got['path']}" if got.get("path") else "") + (" read-only" if got.get("read_only") else "")
    s.out.result(got, lambda: s.out.line(f"Linked {res['name']} to {svc['name']}{how} as {got.get('variable')}; "
                                         f"deploy it to apply: launchbay deploy {svc['name']}"))


@resources_app.command("unlink", epilog="[bold]Example[/bold]\n\n  launchbay resources unlink db -s web")
def resources_unlink(
    resource: Resource,
    service: Annotated[str, typer.Option("--service", "-s", help="Service id or name.")],
    org: Org = None, project: Project = None, env: Env = None, json: Json = False,
) -> None:
    """Unlink a resource from a service (its next deploy drops the variable)."""
    s = Session(json, org=org, project=project, env=env)
    svc, res = _service_and_resource(s, service, resource)
    s.client.delete(s.org_path(f"/services/{segment(svc['id'])}/links/{segment(res['id'])}"))
    s.out.result({"service": svc["id"], "resource": res["id"], "unlinked": True},
                 lambda: s.out.line(f"Unlinked {res['name']} from {svc['name']}; deploy it to apply"))


@resources_app.command("links", epilog="[bold]Example[/bold]\n\n  launchbay resources links -s web --json")
def resources_links(
    service: Annotated[str, typer.Option("--service", "-s", help="Service id or name.")],
    org: Org = None, project: Project = None, env: Env = None, json: Json = False,
) -> None:
    """The resources a service links, the variables it gets, where volumes are mounted and which
    links are read-only."""
    s = Session(json, org=org, project=project, env=env)
    items = s.client.get(s.service_path(service, "/links")).get("items") or []
    s.out.result({"items": items}, lambda: s.out.table(items, LINK_COLUMNS, "no links"))
