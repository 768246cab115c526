"""cron: run a cron service now, follow the run to its exit code, list its runs."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any, Optional

import typer

from cli.app import EXIT_DEPLOY_FAILED, Env, Json, Org, Project, app
from cli.commands.follow import log_text
from cli.commands.polling import poll_until
from cli.session import ApiError, CliError, Session

SERVICE_ARG = Annotated[str, typer.Argument(metavar="SERVICE", help="A cron service: id or name.")]
ENDED = {"succeeded", "failed"}
COLUMNS = [("id", "ID"), ("trigger", "TRIGGER"), ("status", "STATUS"), ("exit_code", "EXIT"), ("started", "STARTED"),
           ("finished", "FINISHED"), ("actor", "BY"), ("command", "COMMAND"), ("reason", "REASON")]
LOG_MARGIN_MS = 60_000  # read the logs from a minute before the run started: the clocks of API and AWS may differ

cron_app = typer.Typer(help="Cron services: run one now (and follow it to its exit code), list its runs.")
app.add_typer(cron_app, name="cron")


def _runs(s: Session, path: str, most: int) -> list[dict[str, Any]]:
    return s.client.items(path, limit=min(most, 100), most=most)[:most]


def _find_run(s: Session, path: str, run_id: str) -> dict[str, Any]:
    """The run as it is now. Runs come newest first, so one started moments ago is on the first page."""
    for run in _runs(s, path, 200):
        if run.get("id") == run_id:
            return run
    raise CliError(f"run {run_id} is no longer in the service's run history")


def _task_id(run: dict[str, Any]) -> Optional[str]:
    """The ECS task id: the last part of the task ARN, and of the log stream the task writes
    (awslogs names it PREFIX/CONTAINER/TASK_ID; the sandbox does the same)."""
    arn = run.get("task_arn") or ""
    return arn.rsplit("/", 1)[-1] or None


def _run_logs(s: Session, svc_path: str, run: dict[str, Any]) -> list[dict[str, Any]]:
    """The run's own log lines: the service's logs since it started, from its task's stream only."""
    task = _task_id(run)
    if not task:
        return []
    page = s.client.get(svc_path + "/logs", since=_since(run.get("started") or run.get("created")), limit=1000)
    lines: list[dict[str, Any]] = []
    for _ in range(20):  # at most 20,000 lines of the service's logs since then
        lines += [ln for ln in page.get("lines") or [] if str(ln.get("stream", "")).endswith("/" + task)]
        cursor = page.get("next")
        if not cursor or not page.get("lines"):
            break
        page = s.client.get(svc_path + "/logs", after=cursor, limit=1000)
    return lines


# The options of following a run to its end, shared by `cron run` and `run`.
Timeout = Annotated[float, typer.Option("--timeout", help="Seconds to wait before giving up (exit 1).", min=1)]
Interval = Annotated[float, typer.Option("--interval", help="Seconds between polls while waiting.", min=0.1)]
Tail = Annotated[int, typer.Option("--tail", help="While waiting: show the run's last N log lines.", min=0)]


def _since(iso: Optional[str]) -> Optional[str]:
    """`iso` moved LOG_MARGIN_MS earlier (the API takes any ISO-8601 time)."""
    if not iso:
        return None
    at = datetime.fromisoformat(iso.replace("Z", "+00:00")) - timedelta(milliseconds=LOG_MARGIN_MS)
    return at.isoformat()


def _follow(s: Session, path: str, run: dict[str, Any], timeout: float, interval: float) -> dict[str, Any]:
    """Poll until the run ends; a spinner on a terminal, a line per status change otherwise."""
    return poll_until(s, lambda: _find_run(s, path, run["id"]), lambda r: f"{r['id']}: {r.get('status')}",
                      lambda r: r.get("status") in ENDED, timeout, interval, first=run)


@cron_app.command("run", epilog="""[bold]Examples[/bold]

  launchbay cron run nightly                      [dim]# prints the run id[/dim]

  launchbay cron run nightly --wait               [dim]# then its end: exit code and log tail; exit 0 or 2[/dim]

  launchbay cron run nightly --wait --json | jq .exit_code""")
def cron_run(
    service: SERVICE_ARG,
    wait: Annotated[bool, typer.Option("--wait", "-w", help="Follow the run to its end: exit 0 when it exited 0, "
                                                            "2 when it failed.")] = False,
    timeout: Timeout = 900, interval: Interval = 2.0, tail: Tail = 20,
    org: Org = None, project: Project = None, env: Env = None, json: Json = False,
) -> None:
    """Run a cron service now (its live release), outside its schedule.

    Needs the developer role and a live release. With --json and --wait the document is the
    run with its `logs` (the log tail)."""
    s = Session(json, org=org, project=project, env=env)
    svc = s.service(service)
    if svc.get("kind") != "cron":   # the API would ask for a command: say which command takes one
        raise CliError(f"{svc['name']} is a {svc.get('kind')} service, not a cron job: run a command on it with "
                       f"`launchbay run {svc['name']} -- COMMAND...`")
    start_run(s, svc, None, wait, timeout, interval, tail, "launchbay cron runs {name}")


def start_run(s: Session, svc: dict[str, Any], command: Optional[list[str]], wait: bool, timeout: float,
              interval: float, tail: int, hint: str) -> None:
    """Start a run of the service's live release (its own command, or `command`) and, with
    `wait`, follow it to its end: its log tail and exit code (exit 2 when it failed).
    Shared by `launchbay cron run` and `launchbay run`."""
    svc_path = s.org_path(f"/services/{svc['id']}")
    run = s.client.post(svc_path + "/runs", {"command": command} if command else None)
    if not wait:
        s.out.result(run, lambda: s.out.line(f"Started run {run['id']} of {svc['name']} ({run.get('status')}); "
                                             f"follow it: {hint.format(name=svc['name'])}"))
        return
    s.out.note(f"Started run {run['id']} of {svc['name']}", style="bold")
    run = _follow(s, svc_path + "/runs", run, timeout, interval)
    lines = _run_logs(s, svc_path, run)
    lines = lines[-tail:] if tail else []
    failed = run.get("status") != "succeeded"

    def human() -> None:
        for line in lines:
            s.out.line(log_text(line))
        why = f" ({run['reason']})" if run.get("reason") else ""
        s.out.line(f"Run {run['id']} of {svc['name']} {run.get('status')}: exit code {run.get('exit_code')}{why}",
                   style="red" if failed else "green")
    s.out.result({**run, "logs": lines}, human)
    if failed:
        raise typer.Exit(EXIT_DEPLOY_FAILED)


@cron_app.command("runs", epilog="""[bold]Examples[/bold]

  launchbay cron runs nightly

  launchbay cron runs nightly --limit 100 --json""")
def cron_runs(
    service: SERVICE_ARG,
    limit: Annotated[int, typer.Option("--limit", help="Newest first; at most this many.", min=1, max=1000)] = 20,
    org: Org = None, project: Project = None, env: Env = None, json: Json = False,
) -> None:
    """A cron service's runs, newest first: scheduled and manual, status, exit code, start and end."""
    s = Session(json, org=org, project=project, env=env)
    items = _runs(s, s.service_path(service, "/runs"), limit)
    s.out.result({"items": items}, lambda: s.out.table([_row(r) for r in items], COLUMNS,
                                                       "no runs yet: `launchbay cron run SERVICE`"))


def _row(run: dict[str, Any]) -> dict[str, Any]:
    """A run as the table says it: no command means the release's own; a failed run with no
    reason from ECS failed by its exit code."""
    reason = run.get("reason")
    if not reason and run.get("status") == "failed" and run.get("exit_code") is not None:
        reason = f"exited with code {run['exit_code']}"
    return {**run, "command": run.get("command") or "(its own command)", "reason": reason}


@app.command("run", epilog="""[bold]Examples[/bold]

  launchbay run web -- python manage.py migrate --noinput   [dim]# on a terminal: follows it to its exit code[/dim]

  launchbay run worker --no-wait -- rake cleanup              [dim]# prints the run id; `launchbay runs worker`[/dim]

  launchbay run web --wait --json -- ./bin/check | jq .exit_code""")
def run_command(
    service: Annotated[str, typer.Argument(metavar="SERVICE", help="A service: id or name.")],
    command: Annotated[Optional[list[str]], typer.Argument(
        metavar="-- COMMAND...", help="What to run, after `--` (its options are not read as launchbay's). "
                                      "Required for web and worker services; a cron service runs its own without.")] = None,
    wait: Annotated[Optional[bool], typer.Option("--wait/--no-wait", "-w", help="Follow the run to its end: exit 0 when "
                                                 "it exited 0, 2 when it failed. Default: on a terminal only.")] = None,
    timeout: Timeout = 900, interval: Interval = 2.0, tail: Tail = 20,
    org: Org = None, project: Project = None, env: Env = None, json: Json = False,
) -> None:
    """Run a one-off command on the service's live release (one ECS task of its task definition,
    the command overridden): migrations, a shell script, a check.

    Needs the developer role and a live release. Without --wait or --no-wait it follows the run
    when the output is a terminal and only prints the run id otherwise (scripts: say --wait)."""
    s = Session(json, org=org, project=project, env=env)
    follow = wait if wait is not None else (not json and s.out.out.is_terminal)
    svc = s.service(service)
    try:
        start_run(s, svc, list(command or []) or None, follow, timeout, interval, tail, "launchbay runs {name}")
    except ApiError as exc:
        if command or exc.field != "command":
            raise
        # the API's words show the command as a JSON list: say how to give it here
        raise exc.reworded(f"{svc['name']} is a {svc.get('kind')} service: give the command to run after `--`, "
                           f"e.g. launchbay run {svc['name']} -- python manage.py migrate (its own command never ends)") from None


@app.command("runs", epilog="""[bold]Examples[/bold]

  launchbay runs web

  launchbay runs web --limit 100 --json""")
def runs_list(
    service: Annotated[str, typer.Argument(metavar="SERVICE", help="A service: id or name.")],
    limit: Annotated[int, typer.Option("--limit", help="Newest first; at most this many.", min=1, max=1000)] = 20,
    org: Org = None, project: Project = None, env: Env = None, json: Json = False,
) -> None:
    """A service's runs, newest first: one-off commands (and a cron job's runs) with status, exit code and command."""
    cron_runs(service, limit, org, project, env, json)
