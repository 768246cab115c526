"""Cron schedules as people type them -> EventBridge schedule expressions (what the deploy
engine and the sandbox hand to EventBridge, and what is stored).

Accepted:
    0 3 * * *                 standard five-field cron: minute hour day-of-month month day-of-week
    @daily @hourly ...        @yearly @annually @monthly @weekly @daily @midnight @hourly
    cron(0 3 * * ? *)         EventBridge's six fields (minute hour day-of-month month day-of-week year)
    rate(5 minutes)           EventBridge's rate

What differs in EventBridge, and is converted here: six fields (a year is added), one of
day-of-month and day-of-week must be `?`, days of the week count 1-7 from Sunday (cron: 0-6
from Sunday, 7 also Sunday), and day-of-week takes no `/` step (steps are written out).
"""
from __future__ import annotations

import re

NICKNAMES = {"@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *",
             "@weekly": "0 0 * * 0", "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *"}
MONTHS = {m: i for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct",
                                      "nov", "dec"), 1)}
DAYS = {d: i for i, d in enumerate(("sun", "mon", "tue", "wed", "thu", "fri", "sat"))}
HELP = ("a schedule is five cron fields (minute hour day-of-month month day-of-week, e.g. 0 3 * * * "
        "for 03:00 UTC every day), @hourly/@daily/@weekly/@monthly/@yearly, cron(min hour day month weekday year) "
        "or rate(N minutes|hours|days)")
_RATE = re.compile(r"^(\d{1,5}) (minute|minutes|hour|hours|day|days)$")
_PART = re.compile(r"^(?:(\*)|([a-z0-9]+)(?:-([a-z0-9]+))?)(?:/(\d+))?$")
_EVENTBRIDGE_FIELD = re.compile(r"^[0-9A-Za-z,\-*/?#]+$")


class ScheduleError(ValueError):
    pass


def to_eventbridge(text: str) -> str:
    """What the user typed -> an EventBridge schedule expression; ScheduleError says what is wrong."""
    s = " ".join(text.split())
    low = s.lower()
    if low.startswith("rate(") and low.endswith(")"):
        return _rate(low[5:-1].strip())
    if low.startswith("cron(") and low.endswith(")"):
        return _eventbridge_cron(s[5:-1].strip())
    if low.startswith("@"):
        if low not in NICKNAMES:
            raise ScheduleError(f"unknown schedule name {s!r}: use one of {', '.join(NICKNAMES)}")
        low = NICKNAMES[low]
    fields = low.split(" ")
    if len(fields) != 5:
        raise ScheduleError(HELP)
    minute = _field(fields[0], "minute", 0, 59)
    hour = _field(fields[1], "hour", 0, 23)
    dom = _field(fields[2], "day of month", 1, 31)
    month = _field(fields[3], "month", 1, 12, MONTHS)
    dow = _weekdays(fields[4])
    if dom != "*" and dow != "*":
        raise ScheduleError("a schedule can name days of the month or days of the week, not both "
                            "(EventBridge runs on one or the other): put * in one of them")
    if dow == "*":
        dow = "?"
    else:
        dom = "?"
    return f"cron({minute} {hour} {dom} {month} {dow} *)"


def _rate(body: str) -> str:
    m = _RATE.match(body)
    if not m or int(m.group(1)) < 1:
        raise ScheduleError("rate must be rate(N minutes|hours|days) with N from 1")
    n, unit = int(m.group(1)), m.group(2).rstrip("s")
    return f"rate({n} {unit}{'' if n == 1 else 's'})"  # EventBridge wants "1 hour" but "2 hours"


def _eventbridge_cron(body: str) -> str:
    fields = body.split(" ")
    if len(fields) != 6 or not all(_EVENTBRIDGE_FIELD.match(f) for f in fields):
        raise ScheduleError("cron(...) takes six fields: minute hour day-of-month month day-of-week year, "
                            "e.g. cron(0 3 * * ? *)")
    if (fields[2] == "?") == (fields[4] == "?"):
        raise ScheduleError("in cron(...) exactly one of day-of-month and day-of-week must be ?, "
                            "e.g. cron(0 3 * * ? *) or cron(0 3 ? * MON-FRI *)")
    return f"cron({' '.join(fields)})"


def _value(token: str, name: str, lo: int, hi: int, names: dict[str, int]) -> int:
    value = names.get(token)  # cron's names are the three-letter ones (jan, mon)
    if value is None:
        if not token.isdigit():
            raise ScheduleError(f"{name} {token!r} is not a number{' or a name' if names else ''}")
        value = int(token)
    if not lo <= value <= hi:
        raise ScheduleError(f"{name} must be {lo}-{hi}, not {value}")
    return value


def _parts(text: str, name: str, lo: int, hi: int, names: dict[str, int]) -> list[tuple[int, int, int, bool]]:
    """A cron field -> [(first, last, step, was_star)]; raises on anything cron does not allow."""
    out = []
    for part in text.split(","):
        m = _PART.match(part)
        if not m:
            raise ScheduleError(f"{name} {part!r} is not valid: use a number, a range a-b, a list a,b, "
                                f"* or a step */n")
        star, first, last, step = m.groups()
        n = int(step) if step else 1
        if n < 1 or n > hi - lo + 1:
            raise ScheduleError(f"{name} step /{n} must be 1-{hi - lo + 1}")
        if star:
            out.append((lo, hi, n, True))
            continue
        a = _value(first, name, lo, hi, names)
        b = _value(last, name, lo, hi, names) if last else (hi if step else a)
        if b < a:
            raise ScheduleError(f"{name} range {part!r} runs backwards")
        out.append((a, b, n, False))
    return out


def _field(text: str, name: str, lo: int, hi: int, names: dict[str, int] | None = None) -> str:
    """Minute, hour, day of month, month: the same syntax in EventBridge once validated, except
    that `*/n` is written `lo/n` and ranges with a step are written out."""
    if text == "*":
        return "*"
    out = []
    for a, b, n, star in _parts(text, name, lo, hi, names or {}):
        if star:
            out.append(f"{lo}/{n}")
        elif n == 1:
            out.append(str(a) if a == b else f"{a}-{b}")
        else:
            out.extend(str(v) for v in range(a, b + 1, n))
    return ",".join(out)


def _weekdays(text: str) -> str:
    """Day of week, cron numbering (0-7, Sunday 0 or 7) -> EventBridge's (1-7, Sunday 1)."""
    if text == "*":
        return "*"
    days: set[int] = set()
    for a, b, n, _ in _parts(text, "day of week", 0, 7, DAYS):
        days.update(v % 7 for v in range(a, b + 1, n))
    if len(days) == 7:
        return "*"
    nums = sorted(d + 1 for d in days)
    out, i = [], 0
    while i < len(nums):  # runs of three or more as a range: 2-6 rather than 2,3,4,5,6
        j = i
        while j + 1 < len(nums) and nums[j + 1] == nums[j] + 1:
            j += 1
        out.append(f"{nums[i]}-{nums[j]}" if j - i >= 2 else ",".join(map(str, nums[i:j + 1])))
        i = j + 1
    return ",".join(out)
