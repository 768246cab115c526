"""Recurring deploy freezes (chalicelib/catalog/windows.py): open from a start to the next
end, read in the window's time zone, across daylight-saving changes."""
from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from chalicelib.catalog import windows as fw

BERLIN = ZoneInfo("Europe/Berlin")
WEEKEND = {"start": "0 18 * * 5", "end": "0 8 * * 1", "timezone": "Europe/Berlin", "reason": "weekend"}


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=BERLIN)


@pytest.mark.parametrize("moment, open_", [
    (at(2026, 11, 27, 17, 59), False),   # Friday, a minute before
    (at(2026, 11, 27, 18, 0), True),     # Friday 18:00 sharp
    (at(2026, 11, 28, 12, 0), True),     # Saturday
    (at(2026, 11, 30, 7, 59), True),     # Monday, a minute before the end
    (at(2026, 11, 30, 8, 0), False),     # Monday 08:00 sharp
    (at(2026, 12, 2, 12, 0), False),     # Wednesday
])
def test_a_weekend_window_is_open_from_friday_evening_to_monday_morning(moment, open_):
    freeze = fw.open_window([WEEKEND], moment)
    assert (freeze is not None) == open_
    if freeze:
        assert freeze["reason"] == "weekend" and freeze["by"] == "freeze window" and freeze["window"] == WEEKEND
        assert freeze["until"] == "2026-11-30T07:00:00.000000Z"             # Monday 08:00 in Berlin (CET)
        assert freeze["at"] == "2026-11-27T17:00:00.000000Z"


def test_wall_clock_times_hold_across_a_daylight_saving_change():
    # clocks go forward on Sunday 29 March 2026: Friday 18:00 is CET (+1), Monday 08:00 CEST (+2)
    freeze = fw.open_window([WEEKEND], at(2026, 3, 28, 12, 0))
    assert freeze["at"] == "2026-03-27T17:00:00.000000Z" and freeze["until"] == "2026-03-30T06:00:00.000000Z"
    upcoming = fw.next_window([WEEKEND], at(2026, 3, 25, 12, 0))
    assert upcoming["starts"] == "2026-03-27T17:00:00.000000Z" and upcoming["until"] == "2026-03-30T06:00:00.000000Z"


def test_the_first_open_window_wins_and_the_next_is_the_soonest():
    nightly = {"start": "0 22 * * *", "end": "0 6 * * *", "timezone": "UTC", "reason": "nightly batch"}
    assert fw.open_window([WEEKEND, nightly], at(2026, 12, 2, 23, 30))["reason"] == "nightly batch"  # 22:30 UTC Wed
    assert fw.open_window([WEEKEND, nightly], at(2026, 11, 28, 23, 30))["reason"] == "weekend"
    assert fw.next_window([WEEKEND, nightly], at(2026, 12, 2, 12, 0))["reason"] == "nightly batch"
    assert fw.next_window([], at(2026, 12, 2, 12, 0)) is None and fw.open_window([], None) is None


@pytest.mark.parametrize("expr, words", [("0 18 * *", "is not five cron fields"), ("@weekly", "is not five cron fields"),
                                         ("0 25 * * *", "Bad hour"), ("0 0 30 2 *", "Bad day-of-month")])
def test_schedules_cron_refuses_are_refused_with_the_reason(expr, words):
    with pytest.raises(ValueError, match=words):
        fw.check_cron(expr)


def test_time_zones_by_name():
    assert fw.check_cron(" 0  18 * *  5 ") == "0 18 * * 5"
    assert fw.zone("utc") is timezone.utc and str(fw.zone("America/New_York")) == "America/New_York"
    with pytest.raises(ValueError, match="is not a time zone name"):
        fw.zone("Mars/Olympus")


def test_the_share_of_a_week_windows_are_open():
    weeknights = {"start": "0 20 * * 1-5", "end": "0 7 * * 1-5", "timezone": "Europe/Berlin"}
    assert fw.share_open([weeknights]) == pytest.approx(103 / 168)      # 4 nights of 11 h, Friday to Monday 59 h
    weekend = {"start": "0 0 * * 6", "end": "0 0 * * 1"}
    nightly = {"start": "0 20 * * 1-5", "end": "0 7 * * *"}
    assert fw.share_open([nightly, weekend]) == pytest.approx(96 / 168)  # overlaps counted once
    assert fw.share_open([]) == 0.0
