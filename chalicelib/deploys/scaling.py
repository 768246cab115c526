"""Scheduled scaling (a service's `autoscaling.schedule`): at each entry's cron time, in its time
zone, Application Auto Scaling sets the service's task range to the entry's; target tracking then
scales within it. E.g. weekdays 08:00 -> 4..10 tasks, 20:00 -> 1..4.

A deploy registers the scalable target with the range in force *now* (the entry that fired last;
before any fired, the service's own min/max), or it would undo the morning's scale-up until the
evening's entry fires. Pure functions of the schedule and a moment, and the scheduled actions'
shape the Cloud adapter writes.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any, Optional


def action_name(service_name: str, i: int) -> str:
    """The scheduled action of the i-th entry (ours start launchbay-<service>-at-: stale ones are found)."""
    return f"launchbay-{service_name}-at-{i}"


def actions(service_name: str, schedule: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """[{name, schedule (EventBridge's cron form, as Application Auto Scaling takes it), timezone,
    min, max}] of the entries."""
    from chalicelib.catalog.schedule import to_eventbridge

    return [{"name": action_name(service_name, i), "schedule": to_eventbridge(e["at"]),
             "timezone": e.get("timezone") or "UTC", "min": int(e["min_instances"]), "max": int(e["max_instances"])}
            for i, e in enumerate(schedule)]


def in_force(schedule: list[dict[str, Any]], at: Optional[datetime] = None) -> Optional[dict[str, Any]]:
    """The entry that fired last before `at` (now), looking back a week at most; None if none did
    (a schedule whose entries all fire less than weekly and not lately)."""
    from cronsim import CronSim

    from chalicelib.catalog.windows import zone

    at = at or datetime.now(timezone.utc)
    best: Optional[tuple[datetime, dict[str, Any]]] = None
    for entry in schedule:
        local = at.astimezone(zone(entry.get("timezone") or "UTC"))
        fired = next(CronSim(entry["at"], local + timedelta(seconds=1), reverse=True))
        if at - fired <= timedelta(days=7) and (best is None or fired > best[0]):
            best = (fired, entry)
    return best[1] if best else None


def average_range(schedule: list[dict[str, Any]], base: tuple[int, int]) -> tuple[float, float]:
    """The task range averaged over a reference week (min and max, time-weighted): what the cost
    estimate prices. `base`: the service's own range, in force until an entry first fires."""
    from cronsim import CronSim

    from chalicelib.catalog.windows import REFERENCE_WEEK, zone

    start, end = REFERENCE_WEEK, REFERENCE_WEEK + timedelta(days=7)
    first = in_force(schedule, start)
    current = (first["min_instances"], first["max_instances"]) if first else base
    changes: list[tuple[datetime, tuple[int, int]]] = []
    for entry in schedule:
        for moment in CronSim(entry["at"], start.astimezone(zone(entry.get("timezone") or "UTC"))):
            if moment >= end or len(changes) > 5000:
                break
            changes.append((moment, (entry["min_instances"], entry["max_instances"])))
    lo = hi = 0.0
    at = start
    for moment, counts in sorted(changes, key=lambda c: c[0]):
        span = (moment - at).total_seconds()
        lo, hi, at, current = lo + span * current[0], hi + span * current[1], moment, counts
    span = (end - at).total_seconds()
    lo, hi = lo + span * current[0], hi + span * current[1]
    week = (end - start).total_seconds()
    return lo / week, hi / week
