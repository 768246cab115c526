"""Human and machine output.

`--json` puts exactly one JSON document on stdout (log streams: one JSON object per line)
and nothing else; messages for people go to stderr then. Human output is rich text; every
value from the API is printed as plain text (never as rich markup, so a `[` in a log line
or a name cannot restyle or hide anything)."""
from __future__ import annotations

import json
import sys
from typing import Any, Callable, Iterable, Optional, Sequence

from rich.console import Console
from rich.table import Table
from rich.text import Text

MARKS = {"create": ("+", "green"), "update": ("~", "yellow"), "delete": ("-", "red"),
         "no-op": (" ", "dim"), "replace": ("±", "magenta")}


def console(stderr: bool = False) -> Console:
    stream = sys.stderr if stderr else sys.stdout
    # Not a terminal (a pipe, a file, a test): wide enough that ids never wrap or get cut.
    return Console(file=stream, highlight=False, width=None if stream.isatty() else 200, soft_wrap=False)


def dumps(data: Any) -> str:
    return json.dumps(data, indent=2, sort_keys=False, default=str)


def text(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (dict, list)):
        return json.dumps(value, default=str)
    return str(value)


class Out:
    def __init__(self, json_mode: bool):
        self.json = json_mode
        self.out = console()
        self.err = console(stderr=True)

    # --- either mode -------------------------------------------------------------
    def result(self, data: Any, human: Optional[Callable[[], None]] = None) -> None:
        """The command's answer: JSON on stdout with --json, else `human()` (or key/values)."""
        if self.json:
            sys.stdout.write(dumps(data) + "\n")
            sys.stdout.flush()
        elif human is not None:
            human()
        elif isinstance(data, dict):
            self.fields(data)
        else:
            self.line(text(data))

    def json_line(self, data: Any) -> None:
        sys.stdout.write(json.dumps(data, default=str) + "\n")
        sys.stdout.flush()

    def note(self, message: str, style: str = "") -> None:
        """A message for people: stdout in human mode, stderr with --json (stdout stays machine-only)."""
        (self.err if self.json else self.out).print(Text(message, style=style), soft_wrap=True)

    # --- human mode --------------------------------------------------------------
    def line(self, message: str | Text, style: str = "") -> None:
        self.out.print(message if isinstance(message, Text) else Text(message, style=style), soft_wrap=True)

    def table(self, rows: Iterable[dict[str, Any]], columns: Sequence[tuple[str, str]], empty: str = "nothing yet") -> None:
        rows = list(rows)
        if not rows:
            self.out.print(Text(empty, style="dim"))
            return
        table = Table(box=None, pad_edge=False, header_style="bold")
        for _, title in columns:
            table.add_column(title, overflow="fold")
        for row in rows:
            table.add_row(*(Text(text(_dig(row, key))) for key, _ in columns))
        self.out.print(table)

    def fields(self, data: dict[str, Any], keys: Optional[Sequence[str]] = None) -> None:
        keys = keys or [k for k in data if not isinstance(data[k], (dict, list)) or data[k]]
        width = max((len(k) for k in keys), default=0)
        for key in keys:
            value = _dig(data, key)
            if value is None or value == {} or value == []:
                continue
            self.out.print(Text.assemble((key.ljust(width), "bold"), "  ", text(value)))


def _dig(row: dict[str, Any], key: str) -> Any:
    value: Any = row
    for part in key.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


# --- a service's compute, in the API's words ------------------------------------------

def capacity_words(spot: Any) -> str:
    """A service's `spot` in words, as the API says it (chalicelib/cloud/capacity.py words())."""
    if not isinstance(spot, dict) or not spot:
        return "regular Fargate"
    percent, base = int(spot.get("percent", 100)), int(spot.get("on_demand_base", 0))
    share = "" if percent == 100 else f" for {percent} % of the tasks"
    first = f", the first {base} task{'s' if base != 1 else ''} on regular Fargate" if base else ""
    return f"Fargate Spot{share}{first}"


def compute_words(svc: dict[str, Any]) -> str:
    """'arm64 · Fargate Spot' and the like: where a service's tasks run (chalicelib/cloud/capacity.py summary())."""
    return f"{svc.get('architecture') or 'x86_64'} · {capacity_words(svc.get('spot'))}"


# --- plans: changes grouped per environment, +/~/- and field-by-field ----------------

def _pair(value: Any) -> Optional[tuple[Any, Any]]:
    if isinstance(value, (list, tuple)) and len(value) == 2:
        return value[0], value[1]
    if isinstance(value, dict) and set(value) <= {"old", "new", "from", "to"} and value:
        return value.get("old", value.get("from")), value.get("new", value.get("to"))
    return None


# a service change's settings that read better in words than as JSON
SERVICE_WORDS: dict[str, Callable[[Any], str]] = {"architecture": lambda v: v or "x86_64", "spot": capacity_words}


def plan_lines(changes: list[dict[str, Any]], warnings: list[dict[str, Any]]) -> list[Text]:
    lines: list[Text] = []
    groups: dict[str, list[dict[str, Any]]] = {}
    for change in changes:
        groups.setdefault(change.get("environment") or "(project)", []).append(change)
    for env, items in groups.items():
        lines.append(Text(f"environment {env}", style="bold"))
        for change in items:
            action = change.get("action") or "update"
            mark, style = MARKS.get(action, ("?", ""))
            lines.append(Text(f"  {mark} {change.get('type') or 'resource'} {change.get('name') or ''}".rstrip()
                              + ("" if action in MARKS else f" ({action})"), style=style))
            fields = change.get("fields") or {}
            if isinstance(fields, list):  # a list of names only
                fields = {name: None for name in fields}
            for name, value in fields.items():
                if value is None and action == "create":
                    continue  # a setting the new thing does not have (e.g. no branch tracked)
                if change.get("type") == "service" and name in SERVICE_WORDS:   # said as the API says them
                    say = SERVICE_WORDS[name]
                    value = [say(v) for v in value] if isinstance(value, list) and action == "update" else say(value)
                pair = _pair(value)
                if pair is not None and action == "update":
                    lines.append(Text(f"      {name}: {text(pair[0])} → {text(pair[1])}"))
                elif pair is not None:
                    lines.append(Text(f"      {name}: {text(pair[1] if action != 'delete' else pair[0])}"))
                else:
                    lines.append(Text(f"      {name}" + ("" if value is None else f": {text(value)}")))
    counts = {a: sum(1 for c in changes if c.get("action") == a) for a in ("create", "update", "delete")}
    if changes:
        lines.append(Text(f"Plan: {counts['create']} to create, {counts['update']} to change, "
                          f"{counts['delete']} to delete.", style="bold"))
    elif warnings:   # e.g. a service that cannot be created until source.repo is set: not "matches"
        lines.append(Text("No changes to apply: read the warnings below.", style="yellow"))
    else:
        lines.append(Text("No changes: the project already matches.", style="green"))
    for w in warnings:
        where = ":".join(str(p) for p in (w.get("file"), w.get("key")) if p)
        lines.append(Text(f"warning: {where + ': ' if where else ''}{w.get('message', '')}", style="yellow"))
    return lines


def deploy_plan_lines(name: str, plan: dict[str, Any]) -> list[Text]:
    """GET …/services/{svc}/plan in words: each step that would do something, its changes field by
    field; the unchanged ones counted; the monthly cost change last."""
    where = " (sandbox)" if plan.get("sandbox") else ""
    lines = [Text(f"Deploying {name} would{where}:", style="bold")]
    unchanged, skipped = [], []
    for step in plan.get("steps") or []:
        action = step.get("action")
        label = f"{step.get('resource') or step.get('step')} {(step.get('name') or '').strip('-')}".rstrip()
        pulls = private_pull(step)
        if action == "no-op" and pulls:   # its credentials are in place: say whose they are all the same
            lines.append(Text(f"  · {label}: {pulls}", style="dim"))
            continue
        if action == "no-op":
            unchanged.append(step.get("step"))
            continue
        if action == "error":
            lines.append(Text(f"  ! {label}: {step.get('error')}", style="red"))
            continue
        if action not in MARKS:   # a wait says what it would do; a skip with nothing to say is counted
            if not step.get("description"):
                skipped.append(step.get("step"))
                continue
            lines.append(Text(f"  · {label}: {step['description']}", style="dim"))
            continue
        mark, style = MARKS[action]
        lines.append(Text(f"  {mark} {label}", style=style))
        for field, value in (step.get("changes") or {}).items():
            pair = _pair(value)
            lines.append(Text(f"      {field}: {text(pair[0])} → {text(pair[1])}" if pair and action == "update"
                              else f"      {field}: {text(pair[1] if pair else value)}"))
    for words, steps in (("unchanged", unchanged), ("not needed", skipped)):
        if steps:
            lines.append(Text(f"  {words}: {', '.join(map(str, steps))}", style="dim"))
    lines.append(Text(f"{plan.get('message') or ''}.", style="bold"))
    lines.extend(cost_lines(plan.get("cost")))
    lines.append(Text(f"Deploy it: launchbay deploy {name} --wait", style="dim"))
    return lines


_HUB = {"docker.io", "index.docker.io", "registry-1.docker.io", "registry.hub.docker.com"}


def registry_host(image: str) -> str:
    """The registry an image reference is in, as Docker reads it: ghcr.io/acme/api:1 -> ghcr.io,
    nginx:1.27 -> docker.io (Docker Hub)."""
    first, _, rest = image.partition("/")
    if rest and ("." in first or ":" in first or first == "localhost"):
        host = first.lower()
        return "docker.io" if host in _HUB else host
    return "docker.io"


def private_pull(step: dict[str, Any]) -> Optional[str]:
    """A plan's image step that signs in to a private registry (the organization's credentials for it,
    `launchbay registries`) -> "pulls with the credentials for HOST (USER)"; None otherwise."""
    for call in step.get("calls") or []:
        args = call.get("args") or {}
        if call.get("method") == "resolve_private_image" and isinstance(args.get("image"), str):
            return f"pulls with the credentials for {registry_host(args['image'])} ({args.get('username')})"
    return None


def cost_lines(cost: Optional[dict[str, Any]]) -> list[Text]:
    """A plan's cost part ({before, after, delta} of monthly min/max) in one line (none without it)."""
    if not cost or "delta" not in cost:
        return []

    def money(v: float, signed: bool) -> str:
        return ("-" if v < 0 else "+" if signed else "") + f"${abs(v):,.2f}"

    def span(m: dict[str, Any], signed: bool = False) -> str:
        lo, hi = money(m["monthly_min"], signed), money(m["monthly_max"], signed)
        return lo if lo == hi else f"{lo}–{hi}"

    return [Text(f"Estimated monthly cost: {span(cost['before'])} → {span(cost['after'])} "
                 f"({span(cost['delta'], True)} a month, {cost['after'].get('currency', 'USD')})", style="bold")]
