"""resources: managed databases, caches, buckets, volumes, queues and log drains of the project's environments,
and links."""
from __future__ import annotations

import datetime as dt
import re
import sys
import time
from typing import Annotated, Any, Optional

import typer

from cli.app import Env, Json, Org, Project, app
from cli.client import ApiError, segment
from cli.commands.polling import poll_until
from cli.commands.prompts import line_input, secret_option
from cli.session import CliError, Session, pick, production_first

# the API's limits (chalicelib/resources/kinds.py), checked by typer before anything is sent
VISIBILITY_SECONDS = (0, 43200)
RETENTION_DAYS = (1, 14)
MAX_RECEIVES = (1, 1000)

KINDS = ("postgres", "mysql", "redis", "bucket", "volume", "queue", "log-drain")
# the command line spells a kind with a hyphen where the API has an underscore
API_KIND = {"log-drain": "log_drain", "log_drain": "log_drain"}
DESTINATIONS = {"datadog": ("Datadog", "Datadog API key"), "newrelic": ("New Relic", "New Relic license key"),
                "http": ("HTTPS endpoint", "access key")}
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
    "queue": {"--size": "a queue has no size: SQS holds what is sent to it",
              "--version": "a queue has no engine version",
              "--storage-gb": "a queue has no allocated storage: SQS holds what is sent to it",
              "--backups": "a queue has no backups: its messages are kept --retention-days"},
    "log-drain": {"--size": "a log drain has no size: Firehose scales with the logs it takes",
                  "--version": "a log drain has no engine version",
                  "--storage-gb": "a log drain has no allocated storage: the logs stay in CloudWatch Logs",
                  "--backups": "a log drain has no backups: it holds no data (what failed to deliver is kept in "
                               "its bucket)"},
}
# a drain's settings: option -> the API's field (only a log drain has them)
DRAIN_OPTIONS = {"--destination": "destination", "--url": "url", "--service": "services", "--filter": "filter_pattern"}
# a queue's settings: option -> the API's field (only a queue has them)
QUEUE_OPTIONS = {"--fifo": "fifo", "--visibility-timeout": "visibility_timeout_seconds",
                 "--retention-days": "retention_days", "--max-receives": "max_receives"}
COLUMNS = [("id", "ID"), ("name", "NAME"), ("kind", "KIND"), ("environment", "ENV"), ("size", "SIZE"),
           ("version", "VERSION"), ("storage_gb", "GB"), ("status", "STATUS"), ("deletion_protection", "PROTECTED"),
           ("variable", "VARIABLE")]
FIELDS = ["id", "name", "kind", "environment", "restored_from", "status", "reason", "last_error", "size", "version",
          "storage_gb", "backup_retention_days", "deletion_protection", "variable", "endpoint.address", "endpoint.port",
          "where.account", "where.region", "created", "updated"]
VOLUME_FIELDS = ["id", "name", "kind", "environment", "status", "reason", "last_error", "file_system", "backups",
                 "deletion_protection", "variable", "where.account", "where.region", "created", "updated"]
DRAIN_SHOW = ["id", "name", "kind", "environment", "status", "reason", "last_error", "destination", "url",
              "access_key", "services", "lines", "taking_now", "failed_deliveries_bucket", "deletion_protection",
              "where.account", "where.region", "created", "updated"]
QUEUE_SHOW = ["id", "name", "kind", "environment", "status", "reason", "last_error", "url", "order",
              "visibility_timeout", "retention", "dead_letters", "dead_letter_queue", "deletion_protection", "variable",
              "where.account", "where.region", "created", "updated"]
LINK_COLUMNS = [("resource", "RESOURCE"), ("kind", "KIND"), ("variable", "VARIABLE"), ("path", "PATH"),
                ("read_only", "READ-ONLY"), ("send_only", "SEND-ONLY"), ("status", "STATUS")]
MESSAGE_COLUMNS = [("visible", "WAITING"), ("in_flight", "IN FLIGHT"), ("delayed", "DELAYED"), ("dead", "DEAD")]
REDRIVE_SETTLED = {"done", "failed"}
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
VisibilityTimeout = Annotated[Optional[int], typer.Option(
    "--visibility-timeout", metavar="SECONDS", min=VISIBILITY_SECONDS[0], max=VISIBILITY_SECONDS[1],
    help="Queues: how long a received message stays hidden from other consumers while one works on it "
         "(0-43200 s, default 60); longer than the work takes, or another task gets it too.")]
RetentionDays = Annotated[Optional[int], typer.Option(
    "--retention-days", metavar="DAYS", min=RETENTION_DAYS[0], max=RETENTION_DAYS[1],
    help="Queues: how long a message nobody received is kept (1-14 days, default 4).")]
MaxReceives = Annotated[Optional[int], typer.Option(
    "--max-receives", metavar="N", min=MAX_RECEIVES[0], max=MAX_RECEIVES[1],
    help="Queues: a message received this many times without being deleted moves to the dead-letter queue "
         "(1-1000, default 5).")]

Destination = Annotated[Optional[str], typer.Option(
    "--destination", metavar="datadog|newrelic|http",
    help="Log drains: where the services' logs go: datadog, newrelic, or http (any HTTPS receiver that takes "
         "Amazon Data Firehose's HTTP endpoint deliveries).")]
Url = Annotated[Optional[str], typer.Option("--url", help="Log drains: the receiver's HTTPS URL (required for http; "
                                                          "Datadog and New Relic default to their US intake: give "
                                                          "the EU or another site's here).")]
DrainServices = Annotated[Optional[list[str]], typer.Option(
    "--service", "-s", metavar="SERVICE", help="Log drains: a service whose logs it takes (repeat for more); "
                                               "without it: every service of the environment, later ones too.")]
DrainFilter = Annotated[Optional[str], typer.Option(
    "--filter", metavar="PATTERN", help="Log drains: a CloudWatch Logs filter pattern: only the lines it matches go "
                                        "(e.g. '?ERROR ?WARN'; '{ $.level = \"error\" }' for JSON lines); '' for "
                                        "every line.")]
KeyStdin = Annotated[bool, typer.Option("--access-key-stdin", help="Log drains: read the Datadog API key, New Relic "
                                                                   "license key or receiver's access key from stdin "
                                                                   "(asked without echo on a terminal).")]
KeyEnv = Annotated[Optional[str], typer.Option("--access-key-env", metavar="VAR", help="Log drains: read the key from "
                                                                                      "this environment variable "
                                                                                      "(e.g. DD_API_KEY).")]

resources_app = typer.Typer(help="Managed resources of the project: PostgreSQL and MySQL (RDS), Redis "
                                 "(ElastiCache), S3 buckets, volumes (EFS), queues (SQS, with a dead-letter queue), "
                                 "log drains (the services' logs to Datadog, New Relic or an HTTPS endpoint); "
                                 "linked services get their connection as a secret, the volume mounted at a path, "
                                 "or the queue's URL.")
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
    # a queue has no size: its row says standard or FIFO there (`show` gives its timings and URLs)
    rows = [_row(r) for r in items]
    s.out.result({"items": items}, lambda: s.out.table(rows, COLUMNS, "no resources: `launchbay resources create "
                                                                       "NAME --kind postgres`"))


def _row(res: dict[str, Any]) -> dict[str, Any]:
    """A resource as `list` shows it: a queue says standard or FIFO in the SIZE column, a log drain
    its destination there and, as VARIABLE (it gives none), the services whose logs it takes."""
    if res.get("kind") == "queue":
        return {**res, "size": "fifo" if res.get("fifo") else "standard"}
    if res.get("kind") == "log_drain":
        return {**res, "kind": "log-drain", "size": res.get("destination"), "variable": "logs of " + _services_words(res)}
    return res


def _services_words(res: dict[str, Any]) -> str:
    services = res.get("services")
    if services is None:
        return "every service"
    return ", ".join(services) if services else "no service"


def _api_kind(kind: str) -> str:
    return API_KIND.get(kind, kind)


def _shown_kind(kind: Optional[str]) -> str:
    """log_drain -> log-drain, as the command line spells it."""
    return {v: k for k, v in API_KIND.items() if "-" in k}.get(kind or "", kind or "")


def _access_key(stdin: bool, env_var: Optional[str], title: str, required: bool, drain: str) -> Optional[str]:
    """A drain's key, never from an argument: stdin (--access-key-stdin; asked without echo on a
    terminal), the variable --access-key-env names, else asked on a terminal when the destination needs one."""
    return secret_option(stdin, env_var, prompt=f"{title[0].upper()}{title[1:]}: ",
                         flags=("--access-key-stdin", "--access-key-env"), what="key",
                         export_hint=f": export it with your {title} first", required=required,
                         no_terminal=f"{drain} needs your {title}: pipe it in (--access-key-stdin) or name the "
                                     "environment variable holding it (--access-key-env VAR); never as an argument",
                         no_terminal_hint="--access-key-stdin")


def _drain_settings(kind: str, name: str, given: dict[str, Any]) -> None:
    """The drain options given are refused, naming the first, for another kind."""
    named = [opt for opt, value in given.items() if value not in (None, False, [])]
    if named and kind != "log-drain":
        raise typer.BadParameter(f"only a log drain has {', '.join(named)}; {name} is a {kind}", param_hint=named[0])


@resources_app.command("create", epilog="""[bold]Examples[/bold]

  launchbay resources create db --kind postgres --wait

  launchbay resources create db --kind postgres --version 16 --size db.t4g.small --storage-gb 50 --backups 14

  launchbay resources create cache --kind redis --env staging --no-protect

  launchbay resources create uploads --kind bucket --json

  launchbay resources create media --kind volume     [dim]# a shared file system: link it at a path[/dim]

  launchbay resources create jobs --kind queue --visibility-timeout 120 --max-receives 5   [dim]# SQS and its dead-letter queue[/dim]

  launchbay resources create orders --kind queue --fifo --retention-days 7

  launchbay resources create logs --kind log-drain --destination datadog --access-key-env DD_API_KEY

  printf '%s' "$NEW_RELIC_LICENSE_KEY" | launchbay resources create logs --kind log-drain --destination newrelic --access-key-stdin -s web -s worker

  launchbay resources create logs --kind log-drain --destination http --url https://logs.example.com/firehose""")
def resources_create(
    name: Annotated[str, typer.Argument(help="Lower-case letters, digits and hyphens; unique in the environment.")],
    kind: Annotated[str, typer.Option("--kind", help="postgres, mysql, redis, bucket, volume (EFS: files that "
                                                     "outlive the tasks, shared by the services that link it), "
                                                     "queue (SQS, with a dead-letter queue) or log-drain (the "
                                                     "services' logs to Datadog, New Relic or an HTTPS endpoint).")],
    size: Size = None,
    version: Annotated[Optional[str], typer.Option("--version", help="Engine version (postgres 17/16/15/14, mysql "
                                                                     "8.4/8.0, redis 7.1/6.2).")] = None,
    storage_gb: StorageGb = None, backups: Backups = None, protect: Protect = None,
    fifo: Annotated[bool, typer.Option("--fifo", help="Queues: first in, first out, each message delivered once "
                                                      "(senders give a MessageGroupId); fixed once made.")] = False,
    visibility_timeout: VisibilityTimeout = None, retention_days: RetentionDays = None, max_receives: MaxReceives = None,
    destination: Destination = None, url: Url = None, service: DrainServices = None, access_key_stdin: KeyStdin = False,
    access_key_env: KeyEnv = None, filter_pattern: DrainFilter = None,
    wait: Wait = False, timeout: Timeout = 1800, interval: Interval = 3.0,
    org: Org = None, project: Project = None, env: Env = None, json: Json = False,
) -> None:
    """Create a resource in an environment (default production); it is ready once available. A volume,
    a bucket, a queue or a log drain takes no --size, --version, --storage-gb or --backups; only a
    queue takes --fifo, --visibility-timeout, --retention-days and --max-receives; only a log drain
    --destination, --url, --service and its key (--access-key-stdin or --access-key-env, or asked
    without echo on a terminal: never an argument)."""
    kind = "log-drain" if kind == "log_drain" else kind
    if kind not in KINDS:
        raise typer.BadParameter("must be postgres, mysql, redis, bucket, volume, queue or log-drain",
                                 param_hint="--kind")
    given = {"--size": size, "--version": version, "--storage-gb": storage_gb, "--backups": backups}
    refused = [(opt, why) for opt, why in NOT_OFFERED.get(kind, {}).items() if given[opt] is not None]
    if refused:
        raise typer.BadParameter("; ".join(why for _, why in refused) + f". Leave out {', '.join(o for o, _ in refused)}",
                                 param_hint=refused[0][0])
    queue = _queue_settings(kind, name, {"--fifo": fifo or None, "--visibility-timeout": visibility_timeout,
                                         "--retention-days": retention_days, "--max-receives": max_receives})
    _drain_settings(kind, name, {"--destination": destination, "--url": url, "--service": service,
                                 "--access-key-stdin": access_key_stdin, "--access-key-env": access_key_env,
                                 "--filter": filter_pattern})
    drain: dict[str, Any] = {}
    if kind == "log-drain":
        drain = _new_drain(name, destination, url, service, access_key_stdin, access_key_env)
        drain["filter_pattern"] = filter_pattern
    s = Session(json, org=org, project=project, env=env)
    body: dict[str, Any] = {"name": name, "kind": _api_kind(kind), "environment": s.env_ref() or "production"}
    optional = {"size": size, "version": version, "storage_gb": storage_gb, "backup_retention_days": backups,
                "deletion_protection": protect, **queue, **drain}
    body.update({k: v for k, v in optional.items() if v is not None})
    res = s.client.post(s.project_path("/resources"), body)
    if wait:
        s.out.note(f"Creating {kind} {res['name']} in {res.get('environment')} ({res['id']})")
        _settled(s, _wait(s, res, timeout, interval), _next_step(res))
        return
    s.out.result(res, lambda: s.out.line(
        f"Creating {kind} {res['name']} in {res.get('environment')} ({res['id']}): {res.get('status')}"
        + (", deletion protection on" if res.get("deletion_protection") else "")
        + f". Watch it: launchbay resources show {res['name']}"))


def _new_drain(name: str, destination: Optional[str], url: Optional[str], services: Optional[list[str]],
               key_stdin: bool, key_env: Optional[str]) -> dict[str, Any]:
    """A new drain's fields, its key read (never from an argument); refused in words before the API is asked."""
    if destination not in DESTINATIONS:
        raise typer.BadParameter("a log drain sends to datadog, newrelic or http (any HTTPS receiver that takes "
                                 "Amazon Data Firehose's deliveries): give --destination"
                                 + (f" ({destination!r} is none of them)" if destination else ""),
                                 param_hint="--destination")
    title, key_title = DESTINATIONS[destination]
    if destination == "http" and not url:
        raise typer.BadParameter("an http drain needs the URL of its receiver (https://...)", param_hint="--url")
    key = _access_key(key_stdin, key_env, key_title, destination != "http", f"a {title} drain")
    return {"destination": destination, "url": url, "services": services or None, "access_key": key}


def _next_step(res: dict[str, Any]) -> str:
    if res.get("kind") == "log_drain":
        return f"check it takes the lines: launchbay resources test-line {res['name']}"
    return f"link it: {_link_hint(res)}"


def _queue_settings(kind: str, name: str, given: dict[str, Any]) -> dict[str, Any]:
    """The queue options given, as the API's fields; refused, naming the first, for another kind."""
    named = [opt for opt, value in given.items() if value is not None]
    if named and kind != "queue":
        raise typer.BadParameter(f"only a queue has {', '.join(named)}; {name} is a {kind}", param_hint=named[0])
    return {QUEUE_OPTIONS[opt]: value for opt, value in given.items() if value is not None}


def _link_hint(res: dict[str, Any]) -> str:
    path = " --path /data" if res.get("kind") == "volume" else " [--send-only]" if res.get("kind") == "queue" else ""
    return f"launchbay resources link {res['name']} -s SERVICE{path}"


def _plural(n: Any, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _seconds(n: Any) -> str:
    if n is None:
        return "-"
    n = int(n)
    for unit, size in (("h", 3600), ("min", 60)):
        if n >= size and n % size == 0:
            return f"{n // size} {unit} ({n} s)"
    return f"{n} s"


def _queue_view(res: dict[str, Any]) -> dict[str, Any]:
    """A queue's settings in words, for `show`."""
    days = res.get("retention_days")
    return {**res, "url": (res.get("endpoint") or {}).get("address") or "(once available)",
            "order": "FIFO: first in, first out, each message once" if res.get("fifo") else
                     "standard: at least once, best-effort order",
            "visibility_timeout": f"{_seconds(res.get('visibility_timeout_seconds'))}: a received message stays "
                                  "hidden this long",
            "retention": f"{days} day{'s' if days != 1 else ''}: an unreceived message is kept this long",
            "dead_letters": f"after {_plural(res.get('max_receives'), 'receive')} without a delete, a message "
                            "moves to the dead-letter queue",
            "dead_letter_queue": res.get("dead_letter_queue") or "(once available)",
            "variable": f"{res.get('variable')} (holds the queue's URL)"}


def _drain_view(res: dict[str, Any]) -> dict[str, Any]:
    """A log drain in words, for `show`."""
    title, key_title = DESTINATIONS.get(res.get("destination") or "", (res.get("destination"), "access key"))
    taking = res.get("taking") or []
    env = res.get("environment")
    services = ("every service of " + f"{env} (those deployed later too)" if res.get("services") is None
                else _services_words(res))
    if taking:
        now = ", ".join(taking)
    elif res.get("status") in ("available", "modifying"):
        now = "none yet (a service is taken once deployed)"
    else:
        now = f"none yet ({res.get('status')})"
    bucket = res.get("failed_deliveries_bucket")
    return {**res, "kind": "log-drain", "destination": f"{title} ({res.get('destination')})",
            "access_key": f"set (your {key_title}; never shown)" if res.get("access_key_set") else "not set",
            "services": services, "taking_now": now,
            "lines": f"those matching {res['filter_pattern']}" if res.get("filter_pattern") else "every line",
            "failed_deliveries_bucket": (f"{bucket} (lines still refused after an hour of retries, kept 14 days)"
                                         if bucket else "(once available)")}


@resources_app.command("show", epilog="""[bold]Examples[/bold]

  launchbay resources show db --env production --json

  launchbay resources show uploads       [dim]# a volume: its file system, backups, the variable it gives[/dim]

  launchbay resources show jobs          [dim]# a queue: its URL, order, timings and dead-letter queue[/dim]

  launchbay resources show logs          [dim]# a log drain: where it sends, which services, whether its key is set[/dim]""")
def resources_show(resource: Resource, org: Org = None, project: Project = None, env: Env = None,
                   json: Json = False) -> None:
    """Show a resource: status, size, endpoint, where it lives (never its credentials), what a
    restored database was restored from; for a volume its file system and backups, and how to
    mount it; for a queue its URL, settings and dead-letter queue; for a log drain its destination,
    URL, whether its key is set (never the key), the services it takes and takes now, and the
    bucket keeping what failed to deliver."""
    s = Session(json, org=org, project=project, env=env)
    res = find(s, resource)
    if res.get("kind") == "log_drain":
        def drain() -> None:
            s.out.fields(_drain_view(res), DRAIN_SHOW)
            s.out.note(f"Send a test line: launchbay resources test-line {res['name']}; change what it takes: "
                       f"launchbay resources update {res['name']} --service SERVICE (or --all-services)", style="dim")
        s.out.result(res, drain)
        return
    if res.get("kind") == "queue":
        def queue() -> None:
            s.out.fields(_queue_view(res), QUEUE_SHOW)
            s.out.note(f"Link it: {_link_hint(res)}; its messages now: launchbay resources messages {res['name']}",
                       style="dim")
        s.out.result(res, queue)
        return
    if res.get("kind") != "volume":   # a restored database says from what, and as of when
        s.out.result(res, lambda: s.out.fields({**res, "restored_from": _restored_from(res)}, FIELDS))
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
    """Resize a resource or change its backups or deletion protection (engine and version stay); the
    same as `resources update`."""
    _change(resource, {"--size": size, "--storage-gb": storage_gb, "--backups": backups}, protect, {}, wait,
            timeout, interval, org, project, env, json)


@resources_app.command("update", epilog="""[bold]Examples[/bold]

  launchbay resources update jobs --visibility-timeout 300 --max-receives 10 --wait

  launchbay resources update jobs --retention-days 14

  launchbay resources update db --size db.t4g.small --backups 14     [dim]# as resize[/dim]

  launchbay resources update logs --service web --service worker --wait     [dim]# a log drain: only these[/dim]

  launchbay resources update logs --all-services     [dim]# every service of its environment again[/dim]

  launchbay resources update logs --filter '?ERROR ?WARN'     [dim]# only those lines ('' : every line)[/dim]

  launchbay resources update logs --url https://aws-kinesis-http-intake.logs.datadoghq.eu/v1/input --access-key-env DD_API_KEY""")
def resources_update(
    resource: Resource, size: Size = None, storage_gb: StorageGb = None, backups: Backups = None,
    protect: Protect = None, visibility_timeout: VisibilityTimeout = None, retention_days: RetentionDays = None,
    max_receives: MaxReceives = None,
    url: Annotated[Optional[str], typer.Option("--url", help="Log drains: a new receiver URL.")] = None,
    service: DrainServices = None,
    all_services: Annotated[bool, typer.Option("--all-services", help="Log drains: take every service of the "
                                                                      "environment again (later ones too).")] = False,
    access_key_stdin: KeyStdin = False, access_key_env: KeyEnv = None, filter_pattern: DrainFilter = None,
    fifo: Annotated[Optional[bool], typer.Option("--fifo/--no-fifo", hidden=True)] = None,
    destination: Annotated[Optional[str], typer.Option("--destination", hidden=True)] = None,
    wait: Wait = False, timeout: Timeout = 1800, interval: Interval = 3.0,
    org: Org = None, project: Project = None, env: Env = None, json: Json = False,
) -> None:
    """Change a resource: a queue's --visibility-timeout, --retention-days and --max-receives, a
    database's or cache's size, storage and backups, a log drain's --url, key and services, any
    resource's deletion protection. A queue's FIFO order, like an engine's version or a drain's
    destination, stays as made."""
    if fifo is not None:
        raise typer.BadParameter("a queue's order is fixed when it is made: create a new queue (--kind queue"
                                 f"{' --fifo' if fifo else ''}) and move the senders and workers to it",
                                 param_hint="--fifo")
    if destination is not None:
        raise typer.BadParameter("a log drain's destination is fixed when it is made: create another drain "
                                 f"(--kind log-drain --destination {destination}), then delete this one",
                                 param_hint="--destination")
    if service and all_services:
        raise typer.BadParameter("--service names the services it takes, --all-services takes every one: give one "
                                 "of them", param_hint="--all-services")
    drain = {"--url": url, "--service": service or None, "--all-services": all_services or None,
             "--access-key-stdin": access_key_stdin or None, "--access-key-env": access_key_env,
             "--filter": filter_pattern}
    _change(resource, {"--size": size, "--storage-gb": storage_gb, "--backups": backups}, protect,
            {"--visibility-timeout": visibility_timeout, "--retention-days": retention_days,
             "--max-receives": max_receives}, wait, timeout, interval, org, project, env, json, drain)


def _drain_change(res: dict[str, Any], given: dict[str, Any]) -> dict[str, Any]:
    """The drain options given as the API's fields (`services: null`: every service again), the key
    read once the drain is known; refused for another kind."""
    named = {opt: v for opt, v in given.items() if v is not None}
    if not named:
        return {}
    kind = _shown_kind(res.get("kind"))
    _drain_settings(kind, res["name"], named)
    body: dict[str, Any] = {}
    if given.get("--url"):
        body["url"] = given["--url"]
    if given.get("--service"):
        body["services"] = list(given["--service"])
    if given.get("--all-services"):
        body["services"] = None
    if given.get("--filter") is not None:
        body["filter_pattern"] = given["--filter"]
    if given.get("--access-key-stdin") or given.get("--access-key-env"):
        title = DESTINATIONS.get(res.get("destination") or "", ("", "access key"))[1]
        body["access_key"] = _access_key(bool(given.get("--access-key-stdin")), given.get("--access-key-env"), title,
                                         False, res["name"])
    return body


def _change(resource: str, sizing: dict[str, Any], protect: Optional[bool], queue: dict[str, Any], wait: bool,
            timeout: float, interval: float, org: Optional[str], project: Optional[str], env: Optional[str],
            json: bool, drain: Optional[dict[str, Any]] = None) -> None:
    """PATCH the resource with the options given (`sizing`, `queue` and `drain`: option -> value),
    each checked against its kind first."""
    names = {"--size": "size", "--storage-gb": "storage_gb", "--backups": "backup_retention_days"}
    if all(v is None for v in (*sizing.values(), *queue.values(), *(drain or {}).values(), protect)):
        raise CliError("nothing to change: give --size, --storage-gb, --backups, --protect/--no-protect, for a "
                       "queue --visibility-timeout, --retention-days or --max-receives, or for a log drain --url, "
                       "--service, --all-services, --filter, --access-key-stdin or --access-key-env")
    s = Session(json, org=org, project=project, env=env)
    res = find(s, resource)
    kind = _shown_kind(res.get("kind"))
    refused = [(opt, why) for opt, why in NOT_OFFERED.get(kind, {}).items() if sizing.get(opt) is not None]
    if refused:
        raise typer.BadParameter("; ".join(why for _, why in refused) + f". Leave out {', '.join(o for o, _ in refused)}",
                                 param_hint=refused[0][0])
    body = {**{names[o]: v for o, v in sizing.items() if v is not None}, **_queue_settings(kind, res["name"], queue),
            **_drain_change(res, drain or {})}
    if protect is not None:
        body["deletion_protection"] = protect
    res = s.client.patch(s.org_path(f"/resources/{segment(res['id'])}"), body)
    if wait:
        _settled(s, _wait(s, res, timeout, interval), "changed")
        return
    s.out.result(res, lambda: s.out.line(f"{res['name']}: {res.get('status')}"
                                         + (f" ({res['reason']})" if res.get("reason") else "")))


@resources_app.command("rotate", epilog="""[bold]Example[/bold]

  launchbay resources rotate db --wait     [dim]# new password; the linked services restart with it[/dim]""")
def resources_rotate(
    resource: Resource, wait: Wait = False, timeout: Timeout = 1800, interval: Interval = 3.0,
    org: Org = None, project: Project = None, env: Env = None, json: Json = False,
) -> None:
    """New generated credentials for a database or cache; its linked services' live releases restart with them."""
    s = Session(json, org=org, project=project, env=env)
    res = find(s, resource)
    res = s.client.post(s.org_path(f"/resources/{segment(res['id'])}/rotate"), None)
    if wait:
        _settled(s, _wait(s, res, timeout, interval), "rotated")
        return
    s.out.result(res, lambda: s.out.line(f"{res['name']}: {res.get('status')} ({res.get('reason')})"))


@resources_app.command("test-line", epilog="""[bold]Examples[/bold]

  launchbay resources test-line logs

  launchbay resources test-line logs --env staging --json""")
def resources_test_line(resource: Resource, org: Org = None, project: Project = None, env: Env = None,
                        json: Json = False) -> None:
    """Send one test line through a log drain to its destination, as its services' lines go, to check
    the destination takes them (Firehose delivers within a minute: look for it there)."""
    s = Session(json, org=org, project=project, env=env)
    res = find(s, resource)
    if res.get("kind") != "log_drain":
        raise CliError(f"{res['name']} is a {_shown_kind(res.get('kind'))}, not a log drain: only a log drain takes "
                       "a test line")
    got = s.client.post(s.org_path(f"/resources/{segment(res['id'])}/test-line"), None)

    def human() -> None:
        s.out.line(f"Sent to {got.get('destination')}:", style="green")
        s.out.line(f"  {got.get('sent')}")
        if got.get("note"):
            s.out.note(f"{got['note'][0].upper()}{got['note'][1:]}", style="dim")
    s.out.result(got, human)


# --- point-in-time restores (databases) ----------------------------------------------------

DATABASES = ("postgres", "mysql")
# how long ago, for --to: `--since`'s spans (2h, 90m, 7d), or in words (2 hours ago)
AGO = re.compile(r"^(\d+)\s*(m|mins?|minutes?|h|hours?|d|days?)(?:\s+ago)?$")
AGO_SECONDS = {"m": 60, "h": 3600, "d": 86400}
# after the restored database is available: how long to look for the deployments its links' move queues
DEPLOY_GRACE_SECONDS = 15.0
REFUSED = "not redeployed: "   # the resource's reason names the services whose deploy was refused, and why


def _a_database(s: Session, resource: str) -> dict[str, Any]:
    res = find(s, resource)
    if res.get("kind") not in DATABASES:
        raise CliError(f"{res['name']} is a {res.get('kind')}, not a database: only PostgreSQL and MySQL databases "
                       "restore to a point in time")
    return res


def _parse_iso(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00").replace("z", "+00:00"))


def _iso_utc(t: dt.datetime) -> str:
    return t.astimezone(dt.timezone.utc).isoformat().replace("+00:00", "Z")


def _utc_and_local(iso: Optional[str]) -> str:
    """"2026-11-28T07:58:00Z" -> "2026-11-28 07:58:00 UTC (08:58:00 CET here)"."""
    if not iso:
        return "-"
    t = _parse_iso(iso)
    utc, local = t.astimezone(dt.timezone.utc), t.astimezone()
    here = local.strftime("%H:%M:%S %Z" if local.date() == utc.date() else "%Y-%m-%d %H:%M:%S %Z")
    return f"{utc:%Y-%m-%d %H:%M:%S} UTC ({here} here)"


def _restore_time(to: Optional[str]) -> tuple[Optional[str], Optional[str]]:
    """--to -> (the ISO 8601 UTC time the API takes, None for the latest; what to tell about it)."""
    if to is None:
        return None, None
    raw = to.strip()
    ago = AGO.match(raw.lower())
    if ago:
        n = int(ago.group(1))
        if n <= 0:
            raise typer.BadParameter("how long ago must be more than 0 (e.g. 2h, 90m ago, 2 hours ago)",
                                     param_hint="--to")
        at = dt.datetime.now(dt.timezone.utc).replace(microsecond=0) - dt.timedelta(
            seconds=n * AGO_SECONDS[ago.group(2)[0]])
        return _iso_utc(at), f"--to {raw}: {_utc_and_local(_iso_utc(at))}"
    try:
        at = _parse_iso(raw)
    except ValueError:
        raise typer.BadParameter(f"{raw!r} is not a time: give ISO 8601 (2026-11-28T07:58Z, "
                                 "2026-11-28T08:58+01:00) or how long ago (2h, 90m ago, 2 hours ago)",
                                 param_hint="--to") from None
    if at.tzinfo is None:
        at = at.replace(tzinfo=dt.timezone.utc)
        return _iso_utc(at), f"--to {raw} has no time zone: taken as UTC, {_utc_and_local(_iso_utc(at))}"
    return _iso_utc(at), None


def _restore_error(exc: ApiError, src: dict[str, Any]) -> ApiError:
    """The API's refusals of a restore in the command line's words (the rest as they are)."""
    if exc.field == "backup_retention_days":
        return exc.reworded(f"{src['name']} keeps no automated backups (--backups 0): there is no point in time to "
                            f"restore it to. Turn them on for the next time: launchbay resources resize {src['name']} "
                            "--backups 7")
    if exc.field == "to":
        return exc.reworded(f"--to: {exc.message}; the window in your time: launchbay resources restore-window "
                            f"{src['name']}")
    return exc


@resources_app.command("restore-window", epilog="""[bold]Examples[/bold]

  launchbay resources restore-window db

  launchbay resources restore-window db --env staging --json""")
def resources_restore_window(resource: Resource, org: Org = None, project: Project = None, env: Env = None,
                             json: Json = False) -> None:
    """The times a database can be restored to: from the earliest its backups keep to the latest
    (a few minutes ago), in UTC and in your time zone."""
    s = Session(json, org=org, project=project, env=env)
    src = _a_database(s, resource)
    try:
        got = s.client.get(s.org_path(f"/resources/{segment(src['id'])}/restore-window"))
    except ApiError as exc:
        raise _restore_error(exc, src) from None

    def human() -> None:
        days = got.get("backup_retention_days")
        s.out.line(f"{src['name']} can be restored to any moment from its earliest to its latest restorable time:")
        s.out.fields({"earliest": _utc_and_local(got.get("earliest")), "latest": _utc_and_local(got.get("latest")),
                      "backups": f"kept {_plural(days, 'day')}"}, ["earliest", "latest", "backups"])
        s.out.note(f"Restore it as a new database: launchbay resources restore {src['name']} --name "
                   f"{src['name']}-restored --to {got.get('latest')} (or --to '2 hours ago'; without --to: the latest)",
                   style="dim")
    s.out.result(got, human)


def _switched(s: Session, src: dict[str, Any], new: dict[str, Any], deadline: float,
              interval: float) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Once the restored database is available the worker moves the source's links to it (in one
    write), then queues a deployment of each of those services that has a live release. Read until
    the source has no link left and those deployments are seen, or the resource's reason says
    which were refused (a frozen environment), or DEPLOY_GRACE_SECONDS went by.
    -> ({service, service_id, deployment, deployment_status, note} per service now linking it,
    the resource as read last)."""
    services_path = s.org_path(f"/projects/{segment(new['project_id'])}/services")
    since = new.get("updated") or ""
    started = time.monotonic()

    def read() -> dict[str, Any]:
        res = s.client.get(s.org_path(f"/resources/{segment(new['id'])}"))
        services = s.client.items(services_path, environment=new.get("environment_id") or new.get("environment"))
        moved, left = [], []
        for svc in services:
            linked = {link.get("resource_id") for link in
                      s.client.get(s.org_path(f"/services/{segment(svc['id'])}/links")).get("items") or []}
            if src["id"] in linked:
                left.append(svc["name"])
            if new["id"] not in linked:
                continue
            deps = s.client.get(s.org_path(f"/services/{segment(svc['id'])}/deployments"), limit=1).get("items") or []
            dep = deps[0] if deps and (deps[0].get("created") or "") >= since else None
            moved.append({"service": svc["name"], "service_id": svc["id"], "deployment": (dep or {}).get("id"),
                          "deployment_status": (dep or {}).get("status"),
                          "note": None if dep else _not_redeployed(svc)})
        return {"moved": moved, "left": left, "resource": res}

    def words(seen: dict[str, Any]) -> str:
        if seen["left"]:
            return f"{new['name']}: moving {src['name']}'s links ({', '.join(seen['left'])})"
        waiting = [m["service"] for m in seen["moved"] if m["note"] == "waiting"]
        if waiting:
            return f"{new['name']}: links moved; waiting for the deployments of {', '.join(waiting)}"
        return f"{new['name']}: links moved"

    def settled(seen: dict[str, Any]) -> bool:
        if seen["left"]:
            return False
        waiting = any(m["note"] == "waiting" for m in seen["moved"])
        return (not waiting or REFUSED in (seen["resource"].get("reason") or "")
                or time.monotonic() - started >= DEPLOY_GRACE_SECONDS)

    last = poll_until(s, read, words, settled, max(deadline - time.monotonic(), 0.1), interval)
    for m in last["moved"]:
        if m["note"] == "waiting":
            m["note"] = f"not redeployed: deploy it to apply it: launchbay deploy {m['service']}"
    return last["moved"], last["resource"]


def _not_redeployed(svc: dict[str, Any]) -> str:
    """Why a service whose link moved gets no deployment ("waiting": one is still to come)."""
    if svc.get("status") in ("suspending", "suspended"):
        return "suspended: its resume reads the restored data"
    if not svc.get("live_deployment_id"):
        return f"no live release: its first deploy reads the restored data (launchbay deploy {svc['name']})"
    return "waiting"


def _restored_from(res: dict[str, Any]) -> Optional[str]:
    """Where a restored database came from, in words (`show`)."""
    came = res.get("restored_from")
    if not came:
        return None
    at = _utc_and_local(came["to"]) if came.get("to") else "its latest restorable time when asked"
    return (f"{came.get('name')} ({came.get('resource_id')}) as it was at {at}"
            + ("; its links moved here" if came.get("switch_links") else ""))


@resources_app.command("restore", epilog="""[bold]Examples[/bold]

  launchbay resources restore db --name db-before-migration --to 2026-11-28T07:58Z --wait

  launchbay resources restore db --name db-before-migration --to "2 hours ago" --switch-links --wait

  launchbay resources restore db --name db-copy --size db.t4g.small     [dim]# the latest restorable time[/dim]""")
def resources_restore(
    resource: Resource,
    name: Annotated[str, typer.Option("--name", help="The new database's name (the source stays as it is).")],
    to: Annotated[Optional[str], typer.Option("--to", metavar="TIME", help="The moment to restore: ISO 8601 "
                                              "(2026-11-28T07:58Z; without a zone: UTC) or how long ago (2h, 90m "
                                              "ago, '2 hours ago'); within `resources restore-window`. Default: "
                                              "the latest restorable time.")] = None,
    size: Size = None,
    switch_links: Annotated[bool, typer.Option("--switch-links", help="Once it is available, move the source's links "
                                                                     "to it and redeploy the linked services (they "
                                                                     "then read the restored data).")] = False,
    wait: Annotated[bool, typer.Option("--wait", "-w", help="Poll until it is available (exit 0; with --switch-links "
                                                           "until the links moved) or failed (exit 2).")] = False,
    timeout: Timeout = 1800, interval: Interval = 3.0,
    org: Org = None, project: Project = None, env: Env = None, json: Json = False,
) -> None:
    """Restore a database to a point in time as a new database beside it (RDS cannot rewind one in
    place), with the source's engine, version, storage, backups and credentials. The source stays
    until you delete it."""
    at, said = _restore_time(to)
    s = Session(json, org=org, project=project, env=env)
    src = _a_database(s, resource)
    if said:
        s.out.note(said, style="yellow" if "no time zone" in said else "dim")
    body: dict[str, Any] = {"name": name, "switch_links": switch_links}
    body.update({k: v for k, v in {"to": at, "size": size}.items() if v is not None})
    deadline = time.monotonic() + timeout
    try:
        made = s.client.post(s.org_path(f"/resources/{segment(src['id'])}/restore"), body)
    except ApiError as exc:
        raise _restore_error(exc, src) from None
    moment = _utc_and_local(at) if at else "its latest restorable time"
    then = (f"once it is available, {src['name']}'s links move to it and the linked services redeploy"
            if switch_links else f"once it is available, look at it, then link it in {src['name']}'s place")
    if not wait:
        s.out.result(made, lambda: s.out.line(
            f"Restoring {src['name']} to {moment} as {made['name']} ({made['id']}): {made.get('status')}; "
            f"{src['name']} stays as it is; {then}. Watch it: launchbay resources show {made['name']}"))
        return
    s.out.note(f"Restoring {src['name']} to {moment} as {made['name']} ({made['id']})")
    last = _wait(s, made, max(deadline - time.monotonic(), 0.1), interval)
    if last.get("status") == "failed":
        _settled(s, last, "")
    moved: list[dict[str, Any]] = []
    if switch_links:
        moved, last = _switched(s, src, last, deadline, interval)

    def human() -> None:
        s.out.line(f"{last['name']} is available: {src['name']} as it was at {moment}", style="green")
        if not switch_links:
            s.out.note(f"{src['name']} is as it was. Look at {last['name']}, then link it in its place: launchbay "
                       f"resources unlink {src['name']} -s SERVICE && launchbay resources link {last['name']} -s "
                       "SERVICE, and deploy", style="dim")
            return
        if not moved:
            s.out.line(f"No service linked {src['name']}: no link moved")
            return
        s.out.line(f"Links moved from {src['name']} to {last['name']}: {', '.join(m['service'] for m in moved)}")
        for m in moved:
            held = (f" (an admin approves it: launchbay approve {m['deployment']})"
                    if m["deployment_status"] == "awaiting_approval" else "")
            s.out.line(f"  {m['service']}: " + (f"deployment {m['deployment']} ({m['deployment_status']}){held}"
                                                if m["deployment"] else m["note"]))
        refused = (last.get("reason") or "").partition(REFUSED)[2]
        if refused:
            s.out.line(f"Not redeployed: {refused}", style="yellow")
        s.out.note(f"Follow them: launchbay status; {src['name']} stays until you delete it", style="dim")
    s.out.result({**last, "links_moved": moved} if switch_links else last, human)


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
    volume's files go (its daily backups stay in AWS Backup for 35 days). A log drain holds no data
    and needs no --confirm: its services' logs stay in CloudWatch Logs."""
    s = Session(json, org=org, project=project, env=env)
    res = find(s, resource)
    if res.get("kind") == "log_drain":   # it holds no data: its services' logs stay in CloudWatch Logs
        confirm = res["name"]
    else:
        confirm = _typed_name(res, confirm, json, f"deleting {res['name']!r} deletes its data",
                              f"Deleting {res['kind']} {res['name']} ({res.get('environment')}) deletes its data.",
                              "nothing was deleted")
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


def _typed_name(res: dict[str, Any], confirm: Optional[str], json: bool, loses: str, asking: str,
                nothing: str) -> str:
    """The resource's name typed again (`--confirm`, else asked on a terminal): what loses data
    goes on only when it matches. `loses`: what goes, for the refusal; `asking`: the prompt's first
    sentence; `nothing`: what did not happen when the name does not match."""
    if confirm is None:
        if json or sys.stdin is None or not sys.stdin.isatty():
            raise typer.BadParameter(f"{loses}: confirm with --confirm {res['name']}", param_hint="--confirm")
        confirm = line_input(f"{asking} Type its name to go on: ")
    if confirm != res["name"]:
        raise typer.BadParameter(f"{confirm!r} is not {res['name']!r}: {nothing}", param_hint="--confirm")
    return confirm


def _service_and_resource(s: Session, service: str, resource: str) -> tuple[dict[str, Any], dict[str, Any]]:
    svc = s.service(service)
    # a name means the resource of the service's own environment: the only ones it may link
    return svc, find(s, resource, svc.get("environment"))


@resources_app.command("link", epilog="""[bold]Examples[/bold]

  launchbay resources link db -s web                     [dim]# web gets DATABASE_URL with its next deploy[/dim]

  launchbay resources link cache -s web --variable SESSION_REDIS_URL

  launchbay resources link uploads -s web --path /app/uploads     [dim]# a volume: mounted there, UPLOADS_PATH[/dim]

  launchbay resources link uploads -s report --path /data --read-only

  launchbay resources link files -s web --read-only      [dim]# a bucket its tasks may only read and list[/dim]

  launchbay resources link jobs -s web --send-only       [dim]# a queue web only hands work to: JOBS_QUEUE_URL[/dim]

  launchbay resources link jobs -s worker                [dim]# the worker receives and deletes its messages[/dim]""")
def resources_link(
    resource: Resource,
    service: Annotated[str, typer.Option("--service", "-s", help="Service id or name (of the resource's environment).")],
    variable: Annotated[Optional[str], typer.Option("--variable", help="The variable it receives (default "
                                                                       "DATABASE_URL, REDIS_URL, S3_BUCKET, "
                                                                       "<NAME>_PATH for a volume, <NAME>_QUEUE_URL "
                                                                       "for a queue).")] = None,
    path: Annotated[Optional[str], typer.Option("--path", help="Volumes (required): the absolute path it is mounted "
                                                               "at in the container, e.g. /data.")] = None,
    read_only: Annotated[bool, typer.Option("--read-only", help="Volumes: mounted read-only; buckets: the tasks may "
                                                                "only read and list. Linking again without it makes "
                                                                "the link read-write.")] = False,
    send_only: Annotated[bool, typer.Option("--send-only", help="Queues: the tasks may only send to it (a web "
                                                                "service handing work to a worker). Linking again "
                                                                "without it lets them receive and delete too.")] = False,
    org: Org = None, project: Project = None, env: Env = None, json: Json = False,
) -> None:
    """Link a resource to a service: its next deploy gets the connection as a secret reference, for a
    volume mounts it at --path (the variable holds that path), for a queue gives its URL and the right
    to send (--send-only), or to send, receive and delete."""
    s = Session(json, org=org, project=project, env=env)
    svc, res = _service_and_resource(s, service, resource)
    kind = res.get("kind")
    if kind == "volume" and not path:
        raise typer.BadParameter(f"{res['name']} is a volume: give the path it is mounted at in {svc['name']}'s "
                                 "container (e.g. --path /data)", param_hint="--path")
    if kind != "volume" and path:
        raise typer.BadParameter(f"only a volume is mounted at a path; {res['name']} is a {kind} (it gives a "
                                 "variable: --variable)", param_hint="--path")
    if read_only and kind == "queue":
        raise typer.BadParameter(f"a queue link cannot be read-only; it may be send-only (--send-only): "
                                 f"{svc['name']}'s tasks then only send to {res['name']}", param_hint="--read-only")
    if read_only and kind not in ("volume", "bucket"):
        raise typer.BadParameter(f"a {kind} link cannot be read-only (its credentials decide what it may do); "
                                 "volumes and buckets can", param_hint="--read-only")
    if send_only and kind != "queue":
        raise typer.BadParameter(f"only a queue link can be send-only; {res['name']} is a {kind}",
                                 param_hint="--send-only")
    body: dict[str, Any] = {k: v for k, v in {"variable": variable, "path": path}.items() if v}
    if read_only:
        body["read_only"] = True
    if send_only:
        body["send_only"] = True
    try:
        got = s.client.put(s.org_path(f"/services/{segment(svc['id'])}/links/{segment(res['id'])}"), body)
    except ApiError as exc:
        if res.get("kind") != "log_drain" or exc.field != "resource":
            raise
        # the API's words, and the command that does what PATCH services does
        raise exc.reworded(f"{exc.message.split(' (PATCH')[0]}: launchbay resources update {res['name']} --service "
                           f"{svc['name']} (or --all-services)") from None
    how = ((f" at {got['path']}" if got.get("path") else "") + (" read-only" if got.get("read_only") else "")
           + (" send-only" if got.get("send_only") else ""))
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
    """The resources a service links, the variables it gets, where volumes are mounted, which links
    are read-only and which queues it may only send to."""
    s = Session(json, org=org, project=project, env=env)
    items = s.client.get(s.service_path(service, "/links")).get("items") or []
    s.out.result({"items": items}, lambda: s.out.table(items, LINK_COLUMNS, "no links"))


def _a_queue(s: Session, resource: str) -> dict[str, Any]:
    res = find(s, resource)
    if res.get("kind") != "queue":
        raise CliError(f"{res['name']} is a {res.get('kind')}, not a queue: only queues have messages")
    return res


def _redrive_progress(name: str, redrive: dict[str, Any]) -> str:
    """One line per state of a redrive being followed (--wait)."""
    status, moved, left = redrive.get("status"), redrive.get("moved") or 0, redrive.get("left")
    if status == "moving":
        return f"{name}: moving dead letters back: {moved} moved, {left} left"
    return f"{name}: {status}: {moved} moved, {left} left"


def _last_redrive(redrive: dict[str, Any]) -> str:
    """The last redrive in words (`messages`; the end of `redrive --wait`)."""
    status, moved, left = redrive.get("status"), redrive.get("moved") or 0, redrive.get("left")
    if status == "moving":
        return f"moving dead letters back since {redrive.get('requested')}: {moved} moved, {left} left"
    who = f" by {redrive['by']}" if redrive.get("by") else ""
    if status == "failed":
        return (f"failed after {moved} moved ({left} left): {redrive.get('error') or 'no reason given'} "
                f"(asked {redrive.get('requested')}{who})")
    return (f"{_plural(moved, 'dead letter')} moved back" + (f", {left} left" if left else "")
            + f" ({redrive.get('finished') or redrive.get('requested')}{who})")


@resources_app.command("messages", epilog="""[bold]Examples[/bold]

  launchbay resources messages jobs

  launchbay resources messages jobs --env staging --json""")
def resources_messages(resource: Resource, org: Org = None, project: Project = None, env: Env = None,
                       json: Json = False) -> None:
    """A queue's messages now, as SQS counts them (approximately): waiting, being worked on (in
    flight), delayed, and dead (in its dead-letter queue); and the last redrive."""
    s = Session(json, org=org, project=project, env=env)
    res = _a_queue(s, resource)
    got = s.client.get(s.org_path(f"/resources/{segment(res['id'])}/messages"))

    def human() -> None:
        s.out.table([got], MESSAGE_COLUMNS)
        if got.get("redrive"):
            s.out.line("last redrive: " + _last_redrive(got["redrive"]),
                       style="red" if got["redrive"].get("status") == "failed" else "")
        if got.get("dead") and (got.get("redrive") or {}).get("status") != "moving":
            s.out.note(f"See why they died: launchbay resources dead-letters {res['name']}; once the bug that killed "
                       f"them is fixed, move them back: launchbay resources redrive {res['name']} --wait", style="dim")
    s.out.result(got, human)


@resources_app.command("dead-letters", epilog="""[bold]Examples[/bold]

  launchbay resources dead-letters jobs

  launchbay resources dead-letters jobs --limit 3 --json""")
def resources_dead_letters(
    resource: Resource,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, max=10, help="How many to look at (1-10).")] = 10,
    org: Org = None, project: Project = None, env: Env = None, json: Json = False,
) -> None:
    """A sample of a queue's dead letters (up to 10: body, when sent, receives, attributes), left
    where they are: to see why they died before moving them back. Developers and up; audited."""
    s = Session(json, org=org, project=project, env=env)
    res = _a_queue(s, resource)
    got = s.client.get(s.org_path(f"/resources/{segment(res['id'])}/dead-letters"), limit=limit)

    def human() -> None:
        items = got.get("items") or []
        if not items:
            s.out.line(f"{res['name']} has no dead letters right now.")
            return
        for m in items:
            extra = [f"{m.get('receives')} receive(s)"] + ([f"group {m['group']}"] if m.get("group") else []) + \
                [f"{k}={v}" for k, v in sorted((m.get("attributes") or {}).items())]
            s.out.line(f"{m.get('sent') or '?'}  {m['id']}  ({', '.join(extra)})", style="bold")
            s.out.line(m["body"] + ("  … (cut at 4 KB)" if m.get("truncated") else ""))
            s.out.line("")
        s.out.note(f"{got.get('note')}. Move them back once fixed: launchbay resources redrive {res['name']} --wait",
                   style="dim")
    s.out.result(got, human)



@resources_app.command("redrive", epilog="""[bold]Examples[/bold]

  launchbay resources redrive jobs --wait     [dim]# moves the dead letters back, shows the progress[/dim]

  launchbay resources redrive jobs --json""")
def resources_redrive(
    resource: Resource,
    wait: Annotated[bool, typer.Option("--wait", "-w", help="Poll until every dead letter is moved back (exit 0) "
                                                           "or the move failed (exit 2).")] = False,
    timeout: Timeout = 1800, interval: Interval = 3.0,
    org: Org = None, project: Project = None, env: Env = None, json: Json = False,
) -> None:
    """Move a queue's dead letters back to it (the worker moves them, a thousand per run), e.g. once
    the bug that killed them is fixed. Developers and up."""
    s = Session(json, org=org, project=project, env=env)
    res = _a_queue(s, resource)
    started = s.client.post(s.org_path(f"/resources/{segment(res['id'])}/redrive"), None)
    if not wait:
        s.out.result(started, lambda: s.out.line(
            f"Moving {_plural(started.get('left'), 'dead letter')} back to {res['name']}; follow it: launchbay "
            f"resources messages {res['name']}"))
        return
    path = s.org_path(f"/resources/{segment(res['id'])}/messages")

    def read() -> dict[str, Any]:
        return s.client.get(path)

    last = poll_until(s, read, lambda m: _redrive_progress(res["name"], m.get("redrive") or {}),
                      lambda m: (m.get("redrive") or {}).get("status") in REDRIVE_SETTLED, timeout, interval,
                      first={"redrive": started})
    redrive = last.get("redrive") or {}
    failed = redrive.get("status") == "failed"
    if "visible" not in last:   # settled at once: the counts as they are now
        last = read()

    def human() -> None:
        if failed:
            s.out.line(f"The redrive of {res['name']} {_last_redrive(redrive)}", style="red")
            return
        s.out.line(f"Moved {_plural(redrive.get('moved') or 0, 'dead letter')} back to {res['name']}"
                   + (f" ({redrive['left']} left)" if redrive.get("left") else "")
                   + f"; waiting now: {last.get('visible')}, dead: {last.get('dead')}", style="green")
    s.out.result(last, human)
    if failed:
        raise typer.Exit(2)


@resources_app.command("purge", epilog="""[bold]Examples[/bold]

  launchbay resources purge jobs --confirm jobs              [dim]# every waiting message goes, for good[/dim]

  launchbay resources purge jobs --dead-letters              [dim]# the dead letters, once looked at; asks for the name[/dim]""")
def resources_purge(
    resource: Resource,
    dead_letters: Annotated[bool, typer.Option("--dead-letters", help="Purge the dead-letter queue instead of the "
                                                                     "waiting messages.")] = False,
    confirm: Annotated[Optional[str], typer.Option("--confirm", metavar="NAME", help="The queue's name, typed again: "
                                                                                     "its messages go for good.")] = None,
    org: Org = None, project: Project = None, env: Env = None, json: Json = False,
) -> None:
    """Delete every waiting message of a queue (a flood a bad release queued), or with
    --dead-letters every dead letter once they were looked at; says how many went (as SQS
    counted them just before). Admins only; SQS allows one purge a minute per queue."""
    s = Session(json, org=org, project=project, env=env)
    res = _a_queue(s, resource)
    what = "dead letters" if dead_letters else "waiting messages"
    confirm = _typed_name(res, confirm, json, f"purging {res['name']!r} deletes its {what} for good",
                          f"Purging the {what} of queue {res['name']} ({res.get('environment')}) deletes them for "
                          "good.", "nothing was purged")
    got = s.client.request("POST", s.org_path(f"/resources/{segment(res['id'])}/purge"), {},
                           query={"confirm": confirm, "dead_letters": "true" if dead_letters else None})
    n = got.get("purged")
    where = f"{res['name']}'s dead-letter queue" if dead_letters else res["name"]
    if n is None:   # SQS gave no count: it purged all the same
        said = f"Purged the {what} of {where}"
    else:
        said = f"Purged {_plural(n, 'dead letter' if dead_letters else 'waiting message')} from {where}"
    s.out.result(got, lambda: s.out.line(said, style="green"))
