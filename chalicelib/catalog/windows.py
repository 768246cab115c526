"""Recurring windows: spans of time that open and close on a schedule, in a time zone (e.g. every
Friday 18:00 to Monday 08:00, Europe/Berlin). An environment's deploy freezes (catalog/freezes.py,
as GitLab's deploy freezes) and its sleep schedule (deploys/sleep.py) are lists of them.

A window is {start, end, timezone, reason}: `start` and `end` are five-field cron expressions
read in `timezone` (cronsim, which keeps wall-clock times across daylight-saving changes). It is
open at a moment when its latest start is later than its latest end: it began and has not ended
yet. Pure functions of the windows and a moment.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any, Optional
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cronsim import CronSim, CronSimError

MAX_WINDOWS = 10
CRON_HELP = ("five cron fields read in the window's time zone: minute hour day-of-month month day-of-week, "
             "e.g. 0 18 * * 5 for Fridays at 18:00")


def zone(name: str) -> Any:
    """The time zone by its IANA name (UTC always works); ValueError when unknown."""
    if name.upper() == "UTC":
        return timezone.utc
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{name!r} is not a time zone name (IANA, e.g. Europe/Berlin or America/New_York)") from None


def check_cron(expr: str) -> str:
    """The expression, normalised to single spaces; ValueError (with the help) when cron refuses it."""
    text = " ".join(expr.split())
    if text.startswith("@") or len(text.split(" ")) != 5:
        raise ValueError(f"{expr!r} is not {CRON_HELP}")
    try:
        next(CronSim(text, datetime(2026, 1, 1, tzinfo=timezone.utc)))
    except (CronSimError, StopIteration) as exc:
        raise ValueError(f"{expr!r}: {exc or 'never matches'}; a schedule is {CRON_HELP}") from None
    return text


def _latest(expr: str, at: datetime) -> datetime:
    """The latest time `expr` fires at or before `at` (cronsim's reverse walk excludes `at`)."""
    return next(CronSim(expr, at + timedelta(seconds=1), reverse=True))


def _next(expr: str, after: datetime) -> datetime:
    return next(CronSim(expr, after))


ISO = "%Y-%m-%dT%H:%M:%S.%fZ"   # as the store writes times (chalicelib.core.ids.now_iso): they compare as strings


def _iso(dt: datetime) -> str:
    return dt.astimezone(timezone.utc).strftime(ISO)


def moment(iso: str) -> datetime:
    """A time the store wrote (or _iso), back as a datetime."""
    return datetime.strptime(iso, ISO).replace(tzinfo=timezone.utc)


def open_window(windows: list[dict[str, Any]], at: Optional[datetime] = None) -> Optional[dict[str, Any]]:
    """What the first open window says at `at` (default now): {reason, until, at, by, window};
    None when none is open. `until` is the window's next end (UTC)."""
    now = at or datetime.now(timezone.utc)
    for window in windows or []:
        local = now.astimezone(zone(window.get("timezone") or "UTC"))
        began = _latest(window["start"], local)
        if began > _latest(window["end"], local):
            return {"reason": window.get("reason") or "", "until": _iso(_next(window["end"], local)), "at": _iso(began),
                    "by": "freeze window", "window": window}
    return None


def open_unless_lifted(windows: list[dict[str, Any]], lifted_until: Optional[str]) -> Optional[dict[str, Any]]:
    """open_window now, unless a person lifted the windows until a moment still ahead (a freeze's
    `windows_lifted_until`, a sleep's `sleep_lifted_until`: this time of the window only)."""
    if not windows or (lifted_until or "") > _iso(datetime.now(timezone.utc)):
        return None
    return open_window(windows)


def next_window(windows: list[dict[str, Any]], at: Optional[datetime] = None) -> Optional[dict[str, Any]]:
    """The next window to open after `at`: {starts, until, reason, window}; None without windows."""
    now = at or datetime.now(timezone.utc)
    soonest: Optional[tuple[datetime, dict[str, Any]]] = None
    for window in windows or []:
        local = now.astimezone(zone(window.get("timezone") or "UTC"))
        starts = _next(window["start"], local)
        if soonest is None or starts < soonest[0]:
            soonest = (starts, window)
    if soonest is None:
        return None
    starts, window = soonest
    return {"starts": _iso(starts), "until": _iso(_next(window["end"], starts)), "reason": window.get("reason") or "",
            "window": window}


def describe(window: dict[str, Any]) -> str:
    said = f"{window['start']} to {window['end']} ({window.get('timezone') or 'UTC'})"
    return f"{said}: {window['reason']}" if window.get("reason") else said


REFERENCE_WEEK = datetime(2026, 1, 5, tzinfo=timezone.utc)   # a Monday, away from daylight-saving changes
MAX_OPENINGS = 2016   # a window opening more often than every 5 minutes is counted that far


def share_open(windows: list[dict[str, Any]], start: datetime = REFERENCE_WEEK, days: int = 7) -> float:
    """The share of a week (0..1) some window is open: a sleep schedule's, for the cost estimate."""
    end = start + timedelta(days=days)
    spans: list[tuple[datetime, datetime]] = []
    for window in windows or []:
        already = open_window([window], start)
        if already:
            spans.append((start, min(end, moment(already["until"]))))
        openings = CronSim(window["start"], start.astimezone(zone(window.get("timezone") or "UTC")))
        for _, opening in zip(range(MAX_OPENINGS), openings):
            if opening >= end:
                break
            spans.append((opening, min(end, _next(window["end"], opening))))
    covered, reach = 0.0, start
    for lo, hi in sorted(spans):
        lo = max(lo, reach)
        if hi > lo:
            covered += (hi - lo).total_seconds()
            reach = hi
    return min(1.0, covered / (days * 86400))
