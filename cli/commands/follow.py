"""Following a deployment: its log lines by cursor and its steps, until it settles.

On a terminal the steps are a rich Live table and the log tail scrolls above it; otherwise
(a pipe, CI) each finished step and each log line is one plain line."""
from __future__ import annotations

import time
from datetime import datetime, timezone
from typing import Any, Callable, Optional, Union

from rich.live import Live
from rich.spinner import Spinner
from rich.table import Table
from rich.text import Text

from cli.output import Out
from cli.session import CliError, Session

GOOD = {"live"}
BAD = {"failed", "rolled_back", "cancelled", "superseded"}
STEP_STYLE = {"done": ("✓", "green"), "failed": ("✗", "red"), "running": ("…", "yellow")}


def clock(ts: Union[str, int, float, None]) -> str:
    """HH:MM:SS in UTC of a log line's time: an ISO string (deploy logs) or epoch milliseconds
    (run-time logs, as CloudWatch Logs gives them)."""
    if isinstance(ts, (int, float)):
        return datetime.fromtimestamp(ts / 1000, tz=timezone.utc).strftime("%H:%M:%S")
    if not ts or "T" not in ts:
        return ts or ""
    return ts.split("T", 1)[1][:8]


def log_text(line: dict[str, Any]) -> Text:
    level = line.get("level") or "info"
    style = {"error": "red", "warning": "yellow"}.get(level, "")
    return Text.assemble((clock(line.get("ts")) + " ", "dim"), (str(line.get("message", "")), style))


def read_deployment_logs(s: Session, dep_id: str, on_line: Callable[[dict], None], follow: bool,
                         timeout: Optional[float], on_poll: Optional[Callable[[dict], None]] = None,
                         interval: float = 0.5, on_read: Optional[Callable[[dict], None]] = None) -> dict[str, Any]:
    """Print every log line once (cursor paging); with `follow`, until the deployment is final.
    Returns the deployment as read last, just after a log page: `on_read(deployment)` sees it
    before that page's lines go to `on_line` (the phases it records can go in among them, in
    time order), `on_poll(deployment)` after them."""
    path = s.org_path(f"/deployments/{dep_id}")
    deadline = None if timeout is None else time.monotonic() + timeout
    cursor: Optional[str] = None
    while True:
        page = s.client.get(path + "/logs", after=cursor, limit=1000)
        dep = None if page.get("more") else s.client.get(path)
        if dep is not None and on_read:
            on_read(dep)
        for line in page.get("lines") or []:
            on_line(line)
        cursor = page.get("next") or cursor
        if dep is None:
            continue
        if on_poll:
            on_poll(dep)
        if page.get("final") or not follow:
            return dep
        if deadline is not None and time.monotonic() >= deadline:
            raise CliError(f"timed out after {timeout:.0f} s: deployment {dep_id} is still {dep.get('status')}")
        time.sleep(interval)


def commit_of(dep: dict[str, Any]) -> str:
    """The commit a deployment is of (named, or found by its build), shortened like git does."""
    sha = (dep.get("commit") or {}).get("sha") or (dep.get("build") or {}).get("commit_sha") or ""
    return sha[:12]


def built_from(dep: dict[str, Any]) -> str:
    """", building acme/shop at 3f2c9e1" for a deployment that builds first ("" otherwise)."""
    build, sha = dep.get("build") or {}, commit_of(dep)
    if build:
        return f", building {build.get('repo')} at {sha or build.get('ref') or build.get('branch')}"
    return f", commit {sha}" if sha else ""


class Progress:
    """Steps as they complete plus the log tail, on a terminal or as plain lines; the phase
    (building, provisioning, deploying) as it changes."""

    def __init__(self, out: Out, dep: dict[str, Any]):
        self.out = out
        self.dep = dep
        self.seen: dict[str, str] = {}
        self.pending: dict[str, str] = {}   # steps the deployment says ended, not yet marked by a log line
        self.phase = dep.get("status")
        self.phases_seen = len(dep.get("phases") or [])
        self.queued: list[tuple[str, Text]] = []   # phases read, printed before the first later log line
        self.live: Optional[Live] = None
        if not out.json and out.out.is_terminal:
            self.live = Live(self._render(), console=out.out, refresh_per_second=8, transient=False)

    def __enter__(self) -> "Progress":
        if self.live:
            self.live.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        if self.live:
            self.live.update(self._render())
            self.live.__exit__(*exc)

    def _flush(self, until: Optional[str] = None) -> None:
        """Print the queued phases that began at or before `until` (all of them without it)."""
        while self.queued and (until is None or self.queued[0][0] <= until):
            self.out.line(self.queued.pop(0)[1])

    def line(self, line: dict[str, Any]) -> None:
        if self.out.json:
            return
        if self.live:
            self.live.console.print(log_text(line), soft_wrap=True)
            return
        self._flush(str(line.get("ts") or ""))
        # Plain lines: a step's "<step>: done ..." line is where that step completes; mark it.
        step, message = line.get("step") or "", str(line.get("message", ""))
        status = "done" if message.startswith(f"{step}: done") else "failed" if line.get("level") == "error" and step else ""
        if step and status and self.seen.get(step) != status:
            self.seen[step] = status
            mark, style = STEP_STYLE[status]
            self.out.out.print(Text.assemble((clock(line.get("ts")) + " ", "dim"), (f"{mark} {message}", style)),
                               soft_wrap=True)
            return
        self.out.out.print(log_text(line), soft_wrap=True)

    def read(self, dep: dict[str, Any]) -> None:
        """The deployment, read before the log lines up to that moment are printed: its new
        phases wait for the first line written after each began (every phase since the last read,
        from the deployment's own record: a build that takes less than a poll still shows)."""
        if self.out.json or self.live:
            return
        recorded = dep.get("phases")
        if recorded is None:  # a server from before phases were recorded: what this read shows
            fresh = [{"status": dep.get("status")}]
        else:
            fresh, self.phases_seen = recorded[self.phases_seen:], len(recorded)
        for i, phase in enumerate(fresh):
            status = phase.get("status")
            if status == self.phase or status in GOOD | BAD:
                continue
            self.phase = status
            last = i == len(fresh) - 1 and status == dep.get("status")
            self.queued.append((str(phase.get("at") or ""), Text(
                f"→ {status}" + (f": {dep['reason']}" if last and dep.get("reason") else ""), style="bold")))

    def poll(self, dep: dict[str, Any]) -> None:
        self.dep = dep
        if self.out.json:
            return
        if self.live:
            self.live.update(self._render())
            return
        self.read(dep)  # a no-op when read() saw this deployment before its lines
        self._flush()   # phases later than every line printed so far
        # Steps that completed without a log line saying so. The deployment is read just after its
        # log page, so a step's "done" line is often on the next page: wait one read (or the end)
        # before marking a step here, so that each step shows once, as its own log line.
        final = dep.get("status") in GOOD | BAD
        for step in dep.get("steps") or []:
            status = step.get("status") or "running"
            if status in ("done", "failed") and self.seen.get(step["name"]) != status:
                if not final and self.pending.get(step["name"]) != status:
                    self.pending[step["name"]] = status
                    continue
                self.seen[step["name"]] = status
                mark, style = STEP_STYLE[status]
                took = f" ({step['ms']:.0f} ms)" if isinstance(step.get("ms"), (int, float)) else ""
                self.out.line(Text(f"{mark} {step['name']}: {status}{took}", style=style))

    def _render(self) -> Table:
        table = Table(box=None, show_header=False, pad_edge=False)
        table.add_column(width=2)
        table.add_column()
        table.add_column(style="dim")
        for step in self.dep.get("steps") or []:
            status = step.get("status") or "running"
            took = f"{step['ms']:.0f} ms" if isinstance(step.get("ms"), (int, float)) else ""
            if status == "running":
                table.add_row(Spinner("dots"), Text(step["name"]), Text(step.get("waiting") or ""))
            else:
                mark, style = STEP_STYLE.get(status, ("?", ""))
                table.add_row(Text(mark, style=style), Text(step["name"]), Text(took))
        status = self.dep.get("status", "")
        style = "green" if status in GOOD else "red" if status in BAD else "yellow"
        sha = commit_of(self.dep)
        table.add_row(Text(""), Text(f"deployment #{self.dep.get('number')}: {status}", style=style),
                      Text(f"commit {sha}" if sha else ""))
        return table


def settle_exit(dep: dict[str, Any]) -> int:
    return 0 if dep.get("status") in GOOD else 2


def summary(dep: dict[str, Any], service_name: str = "") -> Text:
    status = dep.get("status")
    sha = commit_of(dep)
    head = (f"Deployment #{dep.get('number')}" + (f" of {service_name}" if service_name else "")
            + (f" at commit {sha}" if sha else "") + f" ({dep.get('id')})")
    if status in GOOD:
        return Text(f"{head} is live.", style="green")
    why = f": {dep['error']}" if dep.get("error") else ""
    return Text(f"{head} ended {status}{why}", style="red")
