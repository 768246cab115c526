"""deploy, status, rollback, releases, cancel, proceed, logs."""
from __future__ import annotations

import re
import shlex
import time
import uuid
from typing import Annotated, Any, Optional

import typer

from cli.app import Env, Json, Org, Project, app
from cli.client import ApiError, segment
from cli.commands.catalog import SERVICE_COLUMNS
from cli.commands.follow import GOOD, Progress, built_from, log_text, read_deployment_logs, settle_exit, summary
from cli.output import deploy_plan_lines, text
from cli.session import CliError, Session

Wait = Annotated[bool, typer.Option("--wait", "-w", help="Follow the deployment until it settles; exit 0 when live, 2 when not.")]
Timeout = Annotated[float, typer.Option("--timeout", help="Seconds to wait before giving up (exit 1).", min=1)]
SERVICE_ARG = Annotated[str, typer.Argument(metavar="SERVICE", help="Service id or name.")]


def follow_deployment(s: Session, dep: dict[str, Any], service_name: str, timeout: float) -> None:
    """--wait: the steps and the log until the deployment settles, then where it answers; exits."""
    with Progress(s.out, dep) as progress:
        final = read_deployment_logs(s, dep["id"], progress.line, follow=True, timeout=timeout, on_poll=progress.poll,
                                     on_read=progress.read)

    def human() -> None:
        s.out.line(summary(final, service_name))
        if final.get("status") in GOOD:
            _where_it_answers(s, final["service_id"])

    s.out.result(final, human)
    raise typer.Exit(settle_exit(final))


def _say_changes(s: Session, dep: dict[str, Any]) -> None:
    """What the deploy changes against the live release, in one line (`launchbay changes` for more)."""
    try:
        got = s.client.get(s.org_path(f"/deployments/{segment(dep['id'])}/changes"))
    except ApiError:   # an older API without it: the deploy goes on regardless
        return
    if got.get("against") is not None:
        s.out.note("Changes: " + ("; ".join(got["summary"]) or "none (the same image and settings)"))


def queue_deploy(s: Session, service_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """POST a deployment; one key per invocation: a retried request never starts a second one."""
    return s.client.post(s.org_path(f"/services/{segment(service_id)}/deployments"), body,
                         headers={"Idempotency-Key": "cli-" + uuid.uuid4().hex})


def _where_it_answers(s: Session, service_id: str) -> None:
    """A web service just went live: how to reach it (services/{id} `endpoints`)."""
    svc = s.client.get(s.org_path(f"/services/{segment(service_id)}"))
    ends = svc.get("endpoints")
    if not ends:
        return
    simulated = "   (sandbox: the address is simulated)" if svc.get("sandbox") else ""
    if ends.get("url"):
        s.out.line(f"Open it: {ends['url']}   (once {ends['domain']}'s DNS points at {ends['load_balancer']})")
        # the routed domain through the load balancer, before (or without) its DNS record
        s.out.line(f"Reach it: curl -H {shlex.quote('Host: ' + ends['domain'])} http://{ends['load_balancer']}/"
                   + simulated)
    s.out.line(f"Reach it: {ends['try']}" + simulated)


def _started(s: Session, dep: dict[str, Any], what: str) -> None:
    s.out.result(dep, lambda: s.out.line(
        f"{what} #{dep.get('number')} ({dep['id']}) is {str(dep.get('status')).replace('_', ' ')}. "
        f"Follow it: launchbay logs --deployment {dep['id']} --follow"))


@app.command(epilog="""[bold]Examples[/bold]

  launchbay deploy web --wait

  launchbay deploy web --image nginx:1.27.1 --wait --timeout 600

  launchbay deploy shop --commit 3f2c9e1 --wait   [dim]# a service built from source: build that commit[/dim]

  launchbay deploy svc_01j... --json        [dim]# queue it; print the deployment[/dim]

  launchbay deploy web --plan               [dim]# what it would create or change in AWS; deploys nothing[/dim]

[bold]Exit codes[/bold]: 0 queued (or, with --wait, live); 1 API/usage error or timeout; 2 failed, rolled back, cancelled or superseded.""")
def deploy(
    service: SERVICE_ARG,
    image: Annotated[Optional[str], typer.Option("--image", help="Deploy this image instead of the service's.")] = None,
    commit: Annotated[Optional[str], typer.Option("--commit", metavar="SHA", help="The commit this deployment is of: "
                                                  "a service built from source builds it (default: its branch head).")] = None,
    wait: Wait = False,
    timeout: Timeout = 900,
    plan: Annotated[bool, typer.Option("--plan", help="Show what the deploy would create or change in AWS, field by "
                                                      "field, and the monthly cost change; deploy nothing.")] = False,
    org: Org = None, project: Project = None, env: Env = None, json: Json = False,
) -> None:
    """Deploy a service; with --wait, show the steps as they complete (the build first, for a
    service built from source) and the deploy log. --plan shows what it would do first."""
    if commit is not None and not re.fullmatch(r"[0-9a-fA-F]{7,64}", commit):
        raise typer.BadParameter("a commit SHA is 7 to 64 hex digits, e.g. 3f2c9e1", param_hint="--commit")
    if plan and (image or commit or wait):
        raise typer.BadParameter("--plan shows the next deploy of the service as it is set up: without --image, "
                                 "--commit or --wait", param_hint="--plan")
    s = Session(json, org=org, project=project, env=env)
    svc = s.service(service)
    if plan:
        got = s.client.get(s.org_path(f"/services/{segment(svc['id'])}/plan"))

        def human() -> None:
            for line in deploy_plan_lines(svc["name"], got):
                s.out.line(line)
        s.out.result(got, human)
        return
    body: dict[str, Any] = {"image": image} if image else {}
    if commit:
        body["commit"] = {"sha": commit}
    dep = queue_deploy(s, svc["id"], body)
    if dep.get("status") == "awaiting_approval":   # a protected environment: nothing runs until approved
        s.out.note(f"Deployment #{dep.get('number')} of {svc['name']} waits for approval by an admin or owner: "
                   f"launchbay approve {dep['id']}")
    if wait:
        s.out.note(f"Deploying {svc['name']}: deployment #{dep.get('number')} ({dep['id']})" + built_from(dep))
        _say_changes(s, dep)
        follow_deployment(s, dep, svc["name"], timeout)
    _started(s, dep, f"Deployment of {svc['name']}")


@app.command(epilog="""[bold]Examples[/bold]

  launchbay status               [dim]# every service of the project[/dim]

  launchbay status web --json    [dim]# one service and its latest deployment[/dim]""")
def status(
    service: Annotated[Optional[str], typer.Argument(metavar="[SERVICE]", help="Service id or name.")] = None,
    org: Org = None, project: Project = None, env: Env = None, json: Json = False,
) -> None:
    """Where services stand: status, live image, pending changes, last error."""
    s = Session(json, org=org, project=project, env=env)
    if service is None:
        items = s.services()
        rows = [{**i, "alerts": ", ".join(i.get("open_alerts") or []) or None} for i in items]
        s.out.result({"items": items}, lambda: s.out.table(
            rows, SERVICE_COLUMNS + [("live_image", "LIVE IMAGE"), ("alerts", "OPEN ALERTS"), ("last_error", "LAST ERROR")],
            "no services"))
        return
    svc = s.service(service)
    deps = s.client.get(s.org_path(f"/services/{segment(svc['id'])}/deployments"), limit=1).get("items") or []
    latest = deps[0] if deps else None

    def human() -> None:
        s.out.fields(svc, [k for k in ("id", "name", "kind", "status", "suspended.at", "suspended.by", "suspended.error",
                                       "teardown.error", "image", "live_image", "needs_deploy",
                                       "pending_changes", "live_deployment_id", "open_alerts", "last_error", "endpoints.url",
                                       "endpoints.try", "private_address")
                           if k.split(".")[0] in svc])
        if (svc.get("teardown") or {}).get("state") == "failed":   # what to do about it
            s.out.line(f"the delete failed: fix the cause, then delete it again (launchbay services delete {svc['name']})")
        if svc.get("status") == "suspended":
            s.out.line(f"suspended: nothing runs until `launchbay resume {svc['name']}`")
        if latest:
            came = latest.get("promoted_from") or {}
            s.out.line(f"latest deployment: #{latest.get('number')} {latest.get('status')} ({latest['id']}, "
                       f"{text(latest.get('created'))})"
                       + (f", promoted from {came.get('environment')} #{came.get('number')}" if came else "")
                       + (f": {latest['error']}" if latest.get("error") else ""))
            words = canary_words(latest)
            if words:
                s.out.line(f"canary: {words}")

    s.out.result({"service": svc, "latest_deployment": latest}, human)


def canary_words(dep: dict) -> Optional[str]:
    """Where a deployment's canary stands, in a line (None without one)."""
    c = dep.get("canary")
    if not c:
        return None
    stage = f" (stage {c['stage']} of {c['stages']})" if (c.get("stages") or 1) > 1 else ""
    share = f"{c.get('share') or c['percent']} % of traffic{stage} on {c['tasks']} task{'s' if c['tasks'] != 1 else ''}"
    counted = ""
    if c.get("requests") is not None:
        rate = 100.0 * (c.get("http_5xx") or 0) / c["requests"] if c["requests"] else 0.0
        counted = f", {c.get('http_5xx') or 0} 5xx of {c['requests']} requests ({rate:.1f} %; rolls back above {c['max_5xx_percent']:g} %)"
        if c.get("max_p95_ms") and c.get("p95_ms") is not None:
            counted += f", p95 {c['p95_ms']:,} ms (at most {c['max_p95_ms']:,})"
    state = c["state"]
    if state == "watching":
        return f"watching {share} for {c['minutes']} min{counted}" + \
            (f"; proceeding (asked by {c['proceed']['by']})" if c.get("proceed") else
             f"; `launchbay proceed {dep['id']}` ends the watch, `launchbay cancel {dep['id']}` rolls back")
    if state == "proceeded":
        return f"ended early by {(c.get('proceed') or {}).get('by')}{counted}"
    return {"waiting": f"{share} once the release starts", "starting": f"starting: {share}",
            "passed": f"passed after {c['minutes']} min{counted}", "failed": f"failed{counted}",
            "not_started": "never started"}.get(state, state)


@app.command(epilog="""[bold]Examples[/bold]

  launchbay rollback web                    [dim]# to the release before the live one[/dim]

  launchbay rollback web --to-release 3 --wait

  launchbay rollback web --to dep_01j...""")
def rollback(
    service: SERVICE_ARG,
    to: Annotated[Optional[str], typer.Option("--to", metavar="DEPLOYMENT", help="A deployment id that went live.")] = None,
    to_release: Annotated[Optional[int], typer.Option("--to-release", metavar="N", help="Release number (see `releases`).")] = None,
    wait: Wait = False,
    timeout: Timeout = 900,
    org: Org = None, project: Project = None, env: Env = None, json: Json = False,
) -> None:
    """Redeploy an earlier release exactly (image digest, env, secret versions)."""
    if to and to_release is not None:
        raise typer.BadParameter("give --to or --to-release, not both", param_hint="--to")
    s = Session(json, org=org, project=project, env=env)
    svc = s.service(service)
    base = f"/services/{segment(svc['id'])}"
    target = to
    if not target:
        releases = s.client.items(s.org_path(base + "/releases"), most=1000)
        if to_release is not None:
            match = [r for r in releases if r.get("number") == to_release]
            if not match:
                raise CliError(f"{svc['name']} has no release #{to_release} (releases: "
                               f"{', '.join(str(r.get('number')) for r in releases) or 'none'})")
        else:
            current = next((r for r in releases if r.get("current")), None)
            below = current["number"] if current else None
            match = [r for r in releases if not r.get("current") and (below is None or r["number"] < below)]
            if not match:
                raise CliError(f"{svc['name']} has no earlier release to roll back to")
        target = match[0]["deployment_id"]
    dep = s.client.post(s.org_path(base + "/rollback"), {"deployment_id": target},
                        headers={"Idempotency-Key": "cli-" + uuid.uuid4().hex})
    if wait:
        s.out.note(f"Rolling {svc['name']} back to {target}: deployment #{dep.get('number')} ({dep['id']})")
        follow_deployment(s, dep, svc["name"], timeout)
    _started(s, dep, f"Rollback of {svc['name']}")


@app.command(epilog="""[bold]Examples[/bold]

  launchbay restart web --wait

  launchbay restart worker --json""")
def restart(
    service: SERVICE_ARG,
    wait: Wait = False,
    timeout: Timeout = 900,
    org: Org = None, project: Project = None, env: Env = None, json: Json = False,
) -> None:
    """Replace every task of the live release with a fresh one: the same image, settings and
    secret versions (changed settings or secrets take a deploy). Rolled out and health-checked
    as a deploy is; not while a deployment is under way."""
    s = Session(json, org=org, project=project, env=env)
    live_release_again(s, s.service(service), "restart", wait, timeout)


def live_release_again(s: Session, svc: dict[str, Any], action: str, wait: bool, timeout: float) -> None:
    """POST …/restart or …/resume: a deployment of the live release (`<action>_of`), followed like a deploy."""
    dep = s.client.post(s.org_path(f"/services/{segment(svc['id'])}/{action}"), {},
                        headers={"Idempotency-Key": "cli-" + uuid.uuid4().hex})
    doing = {"restart": "Restarting", "resume": "Resuming"}[action]
    if wait:
        s.out.note(f"{doing} {svc['name']} (release #{dep.get(action + '_of_number')}): deployment "
                   f"#{dep.get('number')} ({dep['id']})")
        follow_deployment(s, dep, svc["name"], timeout)
    _started(s, dep, f"{action.capitalize()} of {svc['name']}")


@app.command(epilog="[bold]Example[/bold]\n\n  launchbay releases web")
def releases(service: SERVICE_ARG, org: Org = None, project: Project = None, env: Env = None, json: Json = False) -> None:
    """Releases (deployments that went live), newest first: what `rollback` can return to."""
    s = Session(json, org=org, project=project, env=env)
    items = s.client.items(s.service_path(service, "/releases"), most=1000)
    s.out.result({"items": items}, lambda: s.out.table(
        items, [("number", "#"), ("deployment_id", "DEPLOYMENT"), ("image", "IMAGE"), ("actor", "BY"),
                ("finished", "LIVE SINCE"), ("current", "CURRENT")], "no releases yet"))


@app.command(epilog="""[bold]Examples[/bold]

  launchbay changes dep_01j...                       [dim]# against the release before it[/dim]

  launchbay changes dep_01j... --against dep_01h...""")
def changes(deployment: Annotated[str, typer.Argument(metavar="DEPLOYMENT", help="Deployment id.")],
            against: Annotated[Optional[str], typer.Option("--against", metavar="DEPLOYMENT",
                                                           help="Compare with this deployment of the service instead.")] = None,
            org: Org = None, json: Json = False) -> None:
    """What a deployment changes: image, commit (and a compare link), settings field by field,
    variable and secret names (never values)."""
    s = Session(json, org=org)
    got = s.client.get(s.org_path(f"/deployments/{segment(deployment)}/changes"), **({"against": against} if against else {}))

    def human() -> None:
        dep, base = got["deployment"], got.get("against")
        s.out.line(f"Deployment #{dep['number']} ({dep['deployment_id']})"
                   + (f" against #{base['number']} ({base['deployment_id']}):" if base else ":"), style="bold")
        for line in got["summary"] or ["nothing changed: the same image, settings and secret versions"]:
            s.out.line(f"  {line}")
        if got.get("secrets") is None and base is not None:
            s.out.line("  secrets: read from their current versions when it runs", style="dim")
        commit = got.get("commit") or {}
        listed = commit.get("commits") or []
        if listed:   # the commits it brings, newest first (GitHub's compare, the newest 50)
            total = commit.get("total_commits") or len(listed)
            s.out.line(f"  {total} commit{'s' if total != 1 else ''}:")
            for c in listed:
                s.out.line(f"    {c['sha'][:7]} {c['message']}" + (f" ({c['author']})" if c.get("author") else ""))
            if total > len(listed):
                s.out.line(f"    and {total - len(listed)} older", style="dim")
        if commit.get("compare_url"):
            s.out.line(f"  compare: {commit['compare_url']}")
    s.out.result(got, human)


@app.command(epilog="[bold]Example[/bold]\n\n  launchbay cancel dep_01j...")
def cancel(deployment: Annotated[str, typer.Argument(metavar="DEPLOYMENT", help="Deployment id.")],
           org: Org = None, json: Json = False) -> None:
    """Cancel a deployment: a queued one at once; a running one stops at its next step and rolls back."""
    s = Session(json, org=org)
    dep = s.client.post(s.org_path(f"/deployments/{segment(deployment)}/cancel"))
    s.out.result(dep, lambda: s.out.line(
        f"Deployment #{dep.get('number')} ({dep['id']}): {dep.get('status')}"
        + (" (stop requested)" if dep.get("cancel_requested") and dep.get("status") not in ("cancelled",) else "")))


@app.command(epilog="[bold]Example[/bold]\n\n  launchbay proceed dep_01j...")
def proceed(deployment: Annotated[str, typer.Argument(metavar="DEPLOYMENT", help="Deployment id.")],
            org: Org = None, json: Json = False) -> None:
    """End a canary's watch now: the release it watches rolls out to every task (`cancel` rolls it back)."""
    s = Session(json, org=org)
    dep = s.client.post(s.org_path(f"/deployments/{segment(deployment)}/proceed"))
    s.out.result(dep, lambda: s.out.line(
        f"Deployment #{dep.get('number')} ({dep['id']}): the canary's watch ends at the next look; "
        "the release then rolls out to every task"))


@app.command(epilog="""[bold]Examples[/bold]

  launchbay logs web                         [dim]# the last hour of run-time logs[/dim]

  launchbay logs web --follow --timeout 300  [dim]# keep reading (Ctrl-C stops)[/dim]

  launchbay logs web --since 2026-01-31T12:00Z

  launchbay logs --deployment dep_01j... --follow   [dim]# a deploy log, until the deployment settles[/dim]

With --json: one JSON object per log line.""")
def logs(
    service: Annotated[Optional[str], typer.Argument(metavar="[SERVICE]", help="Service id or name (run-time logs).")] = None,
    deployment: Annotated[Optional[str], typer.Option("--deployment", "-d", help="A deployment id: its deploy log.")] = None,
    follow: Annotated[bool, typer.Option("--follow", "-f", help="Keep reading new lines.")] = False,
    since: Annotated[Optional[str], typer.Option("--since", help="ISO-8601 start (run-time logs; default: the last hour).")] = None,
    timeout: Annotated[Optional[float], typer.Option("--timeout", help="Stop following after this many seconds.", min=0)] = None,
    interval: Annotated[float, typer.Option("--interval", help="Seconds between reads when following.", min=0.1)] = 2.0,
    org: Org = None, project: Project = None, env: Env = None, json: Json = False,
) -> None:
    """Run-time logs of a service, or the deploy log of a deployment."""
    if (service is None) == (deployment is None):
        raise typer.BadParameter("give a SERVICE or --deployment ID (one of the two)", param_hint="SERVICE")
    s = Session(json, org=org, project=project, env=env)
    show = s.out.json_line if json else (lambda line: s.out.line(log_text(line)))
    if deployment:
        dep = read_deployment_logs(s, deployment, show, follow=follow, timeout=timeout, interval=min(interval, 1.0))
        if follow and not json:
            s.out.line(summary(dep))
        return
    path = s.service_path(service or "", "/logs")
    deadline = None if timeout is None else time.monotonic() + timeout
    cursor: Optional[str] = None
    try:
        while True:
            page = s.client.get(path, after=cursor, since=None if cursor else since, limit=1000)
            lines = page.get("lines") or []
            for line in lines:
                show(line)
            moved = page.get("next") and page.get("next") != cursor
            cursor = page.get("next") or cursor
            if lines and moved:
                continue  # more may be waiting: read on before sleeping
            if not follow or (deadline is not None and time.monotonic() >= deadline):
                return
            time.sleep(interval if deadline is None else max(0.0, min(interval, deadline - time.monotonic())))
    except KeyboardInterrupt:
        return
