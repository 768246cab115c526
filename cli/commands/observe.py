"""metrics, events, alerts, alert-rules: how a running service is doing, from the terminal
(the same answers as the web UI's Metrics tab: chalicelib/observe)."""
from __future__ import annotations

import re
import time
from typing import Annotated, Any, Optional

import typer
from rich.text import Text

from cli.app import Env, Json, Org, Project, app
from cli.client import segment
from cli.output import text
from cli.session import Session

Service = Annotated[str, typer.Argument(metavar="SERVICE", help="Service id or name.")]
SPARKS = "▁▂▃▄▅▆▇█"
SPAN = re.compile(r"^(\d+)([mhd])$")
SECONDS = {"m": 60, "h": 3600, "d": 86400}
# the series worth a line, in the order people read them; `desired` is shown beside `running`
SERIES = ("cpu", "memory", "running", "requests", "http_4xx", "http_5xx", "latency_p50", "latency_p95", "latency_p99")


def sparkline(values: list[Optional[float]], width: int = 40) -> str:
    """The series squeezed into `width` characters (the mean of each slice; a gap inside is a space,
    the minutes before the first point and after the last are left out)."""
    known_at = [i for i, v in enumerate(values) if v is not None]
    if not known_at:
        return ""
    values = values[known_at[0]:known_at[-1] + 1]
    step = max(1, -(-len(values) // width))   # ceil: at most `width` slices
    slices = [values[i:i + step] for i in range(0, len(values), step)]
    means = [sum(v for v in s if v is not None) / n if (n := sum(v is not None for v in s)) else None for s in slices]
    known = [m for m in means if m is not None]
    lo, hi = min(known), max(known)
    scale = (len(SPARKS) - 1) / (hi - lo) if hi > lo else 0.0
    return "".join(" " if m is None else SPARKS[round((m - lo) * scale)] for m in means)


def _number(v: Optional[float]) -> str:
    if v is None:
        return "-"
    return f"{v:,.0f}" if abs(v) >= 100 else f"{v:.3g}"


def _since(raw: str) -> tuple[str, int]:
    """"3h" -> (the ISO time 3 hours ago, what the API's `from` takes; the span in seconds)."""
    m = SPAN.match(raw.strip().lower())
    if not m or int(m.group(1)) <= 0:
        raise typer.BadParameter("a span such as 30m, 3h, 24h or 7d", param_hint="--since")
    span = int(m.group(1)) * SECONDS[m.group(2)]
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - span)), span


@app.command(epilog="""[bold]Examples[/bold]

  launchbay metrics web

  launchbay metrics web --since 24h --period 900 --json""")
def metrics(
    service: Service,
    since: Annotated[str, typer.Option("--since", help="How far back: 30m, 3h, 24h, 7d (at most 1,440 points).")] = "3h",
    period: Annotated[Optional[int], typer.Option("--period", help="Seconds per point, a multiple of 60 (default: "
                                                                   "60, or wider for long spans).")] = None,
    org: Org = None, project: Project = None, env: Env = None, json: Json = False,
) -> None:
    """CPU, memory, tasks, requests, errors and latency of a service over a span, from CloudWatch:
    the last value, the average, the peak and a sparkline each, and the deploys in the span."""
    start, span = _since(since)
    if period is None:   # the API allows 1,440 points, its window widened to whole periods: 1,439 here
        period = max(60, -(-span // (1439 * 60)) * 60)
    s = Session(json, org=org, project=project, env=env)
    svc = s.service(service)
    got = s.client.get(s.org_path(f"/services/{segment(svc['id'])}/metrics"), **{"from": start, "period": period})

    def human() -> None:
        series, units = got.get("series") or {}, got.get("units") or {}
        where = " (sandbox: simulated tasks)" if got.get("sandbox") else ""
        s.out.line(Text(f"{svc['name']}: {got.get('from')} to {got.get('to')}, a point every {got.get('period')} s{where}",
                        style="bold"))
        rows = []
        for name in SERIES:
            values = series.get(name)
            known = [v for v in values or [] if v is not None]
            if not known:
                continue
            last = next(v for v in reversed(values or []) if v is not None)
            unit = units.get(name, "")
            if name == "running" and series.get("desired"):
                desired = next((v for v in reversed(series["desired"]) if v is not None), None)
                unit = f"tasks (of {_number(desired)} desired)" if desired is not None else unit
            rows.append({"series": name, "last": _number(last), "avg": _number(sum(known) / len(known)),
                         "max": _number(max(known)), "unit": unit, "trend": sparkline(values or [])})
        s.out.table(rows, [("series", "SERIES"), ("last", "LAST"), ("avg", "AVG"), ("max", "MAX"), ("unit", "UNIT"),
                           ("trend", "TREND")],
                    "no data in this span (is the service deployed? Container Insights on?)")
        for d in got.get("deployments") or []:
            s.out.line(f"deploy #{d.get('number')} {d.get('status')} at {text(d.get('created'))} ({d['id']})")

    s.out.result(got, human)


@app.command(epilog="""[bold]Examples[/bold]

  launchbay events web

  launchbay events web --json | jq '.items[] | select(.severity == "error")'""")
def events(
    service: Service,
    limit: Annotated[int, typer.Option("--limit", min=1, max=100, help="At most this many entries.")] = 20,
    org: Org = None, project: Project = None, env: Env = None, json: Json = False,
) -> None:
    """What ECS said about the service and its stopped tasks, in words with the likely fix
    (out of memory, exit codes, image pulls, health checks, capacity), newest first."""
    s = Session(json, org=org, project=project, env=env)
    got = s.client.get(s.service_path(service, "/events"), limit=limit)

    def human() -> None:
        items = got.get("items") or []
        if not items:
            s.out.line(Text("no events: ECS keeps them about an hour", style="dim"))
        for e in items:
            count = f" ×{e['count']}" if (e.get("count") or 1) > 1 else ""
            style = {"error": "red", "warning": "yellow"}.get(e.get("severity") or "", "")
            s.out.line(Text.assemble((f"{text(e.get('at'))}  {e.get('title')}{count}", f"bold {style}".strip())))
            if e.get("explanation"):
                s.out.line(f"  {e['explanation']}")
            if e.get("fix"):
                s.out.line(Text(f"  fix: {e['fix']}", style="dim"))

    s.out.result(got, human)


ALERT_COLUMNS = [("rule", "RULE"), ("status", "STATUS"), ("value", "VALUE"), ("peak", "PEAK"), ("threshold", "THRESHOLD"),
                 ("opened", "OPENED"), ("resolved", "RESOLVED"), ("message", "MESSAGE")]


@app.command(epilog="""[bold]Examples[/bold]

  launchbay alerts web

  launchbay alerts web --open --json""")
def alerts(
    service: Service,
    open_: Annotated[bool, typer.Option("--open", help="Open alerts only.")] = False,
    resolved: Annotated[bool, typer.Option("--resolved", help="Resolved alerts only.")] = False,
    limit: Annotated[int, typer.Option("--limit", min=1, max=200, help="At most this many.")] = 50,
    org: Org = None, project: Project = None, env: Env = None, json: Json = False,
) -> None:
    """A service's alerts, newest first: which rule, the value that crossed it, its peak, when it
    opened and resolved. `launchbay notify add URL --event alert.opened` sends them to you."""
    if open_ and resolved:
        raise typer.BadParameter("--open or --resolved, not both", param_hint="--open")
    s = Session(json, org=org, project=project, env=env)
    query: dict[str, Any] = {}
    if open_ or resolved:
        query["status"] = "open" if open_ else "resolved"
    items = s.client.items(s.service_path(service, "/alerts"), most=limit, **query)[:limit]
    rows = [{**a, **{k: f"{_number(a.get(k))} {a.get('unit', '')}".strip() if a.get(k) is not None else None
                     for k in ("value", "peak", "threshold")}} for a in items]
    s.out.result({"items": items}, lambda: s.out.table(rows, ALERT_COLUMNS, "no alerts"))


RULE_COLUMNS = [("metric", "RULE"), ("threshold", "THRESHOLD"), ("window_minutes", "WINDOW (MIN)"),
                ("enabled", "ENABLED"), ("source", "SET BY")]


@app.command("alert-rules", epilog="""[bold]Examples[/bold]

  launchbay alert-rules web

  launchbay alert-rules web --set latency_p95=500 --set cpu=80/15

  launchbay alert-rules web --disable restarts --reset cpu""")
def alert_rules(
    service: Service,
    set_: Annotated[Optional[list[str]], typer.Option("--set", help="RULE=THRESHOLD or RULE=THRESHOLD/MINUTES "
                                                                   "(repeatable).")] = None,
    disable: Annotated[Optional[list[str]], typer.Option("--disable", help="Turn a rule off (repeatable).")] = None,
    enable: Annotated[Optional[list[str]], typer.Option("--enable", help="Turn a rule back on (repeatable).")] = None,
    reset: Annotated[Optional[list[str]], typer.Option("--reset", help="Back to Launchbay's default (repeatable).")] = None,
    org: Org = None, project: Project = None, env: Env = None, json: Json = False,
) -> None:
    """Show a service's alert rules (http_5xx_rate, latency_p95, cpu, memory, restarts), or change
    some: the others keep what they are (developers and up)."""
    s = Session(json, org=org, project=project, env=env)
    path = s.service_path(service, "/alert-rules")
    current = s.client.get(path)["rules"]
    changes = _changes(set_ or [], disable or [], enable or [], reset or [], {r["metric"] for r in current})
    if changes:
        own = {r["metric"]: {"metric": r["metric"], "threshold": r["threshold"], "window_minutes": r["window_minutes"],
                             "enabled": r["enabled"]} for r in current if not r.get("default")}
        defaults = {r["metric"]: r for r in current}
        for metric, change in changes.items():
            if change is None:
                own.pop(metric, None)
                continue
            base = own.get(metric) or {k: defaults[metric][k] for k in ("threshold", "window_minutes", "enabled")}
            own[metric] = {**base, **change, "metric": metric}
        current = s.client.put(path, {"rules": list(own.values())})["rules"]
    rows = [{**r, "threshold": f"{r['threshold']:g} {r.get('unit', '')}".strip(),
             "source": "default" if r.get("default") else "you",
             "enabled": ("yes" if r["enabled"] else "no") + ("" if r.get("applies", True) else " (web services only)")}
            for r in current]
    s.out.result({"rules": current}, lambda: s.out.table(rows, RULE_COLUMNS))


def _changes(sets: list[str], disable: list[str], enable: list[str], reset: list[str],
             known: set[str]) -> dict[str, Optional[dict[str, Any]]]:
    """The options as {rule: fields to change, or None to reset}; a wrong one is a usage error."""
    def rule(name: str, option: str) -> str:
        if name not in known:
            raise typer.BadParameter(f"no rule {name!r}; rules: {', '.join(sorted(known))}", param_hint=option)
        return name

    out: dict[str, Optional[dict[str, Any]]] = {}
    for raw in sets:
        name, _, value = raw.partition("=")
        threshold, _, window = value.partition("/")
        try:
            fields: dict[str, Any] = {"threshold": float(threshold)}
            if window:
                fields["window_minutes"] = int(window)
        except ValueError:
            raise typer.BadParameter(f"{raw!r}: RULE=THRESHOLD or RULE=THRESHOLD/MINUTES, e.g. cpu=80/15",
                                     param_hint="--set") from None
        out.setdefault(rule(name.strip(), "--set"), {}).update(fields)   # type: ignore[union-attr]
    for names, on in ((disable, False), (enable, True)):
        for name in names:
            out.setdefault(rule(name, "--disable" if not on else "--enable"), {}).update(  # type: ignore[union-attr]
                {"enabled": on})
    for name in reset:
        out[rule(name, "--reset")] = None
    return out
