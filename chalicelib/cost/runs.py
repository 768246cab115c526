"""How many times a month an EventBridge schedule fires, for a cron service's estimate: exact
for rate(...); for cron(...) the product of the matching minutes, hours and days (an average
month of 730 h, days of the week counted as a share of it), which is what a monthly estimate
needs (it ignores that a given month has 4 or 5 Mondays)."""
from __future__ import annotations

import re

HOURS_PER_MONTH = 730
DAYS_PER_MONTH = HOURS_PER_MONTH / 24
MINUTES_PER = {"minute": 1, "hour": 60, "day": 1440}
MONTHS = {m: i for i, m in enumerate(("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT",
                                      "NOV", "DEC"), 1)}
DAYS = {d: i for i, d in enumerate(("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"), 1)}  # EventBridge: 1-7
_RATE = re.compile(r"^rate\((\d+) (minute|hour|day)s?\)$", re.I)
_CRON = re.compile(r"^cron\((.+)\)$", re.I)


def _value(token: str, names: dict[str, int]) -> int:
    return names[token.upper()] if token.upper() in names else int(token)


def _count(field: str, lo: int, hi: int, names: dict[str, int] | None = None) -> int:
    """Distinct values a cron field matches (a, a-b, */n, a/n, a-b/n, lists of them)."""
    names = names or {}
    matched: set[int] = set()
    for part in field.split(","):
        rng, _, step = part.partition("/")
        if rng in ("*", "?"):
            start, end = lo, hi
        elif "-" in rng:
            a, b = rng.split("-", 1)
            start, end = _value(a, names), _value(b, names)
        else:
            start = _value(rng, names)
            end = hi if step else start
        matched.update(range(start, end + 1, int(step) if step else 1))
    return len(matched)


def _days(dom: str, dow: str) -> float:
    if dom not in ("*", "?"):
        # L (last day), 15W (nearest weekday): one day each
        return sum(1 if ("L" in p.upper() or "W" in p.upper()) else _count(p, 1, 31) for p in dom.split(","))
    if dow not in ("*", "?"):
        if "#" in dow or "L" in dow.upper():  # 2#1: the first Monday; 6L: the last Friday -> once a month
            return float(len(dow.split(",")))
        return _count(dow, 1, 7, DAYS) / 7 * DAYS_PER_MONTH
    return DAYS_PER_MONTH


def runs_per_month(schedule: str) -> float:
    """Runs in an average month of an EventBridge expression; ValueError when it is not one."""
    text = " ".join((schedule or "").split())
    rate = _RATE.match(text)
    if rate:
        return HOURS_PER_MONTH * 60 / (int(rate.group(1)) * MINUTES_PER[rate.group(2).lower()])
    cron = _CRON.match(text)
    if not cron:
        raise ValueError(f"not an EventBridge schedule: {schedule!r}")
    fields = cron.group(1).split(" ")
    if len(fields) != 6:
        raise ValueError(f"cron() takes six fields: {schedule!r}")
    minute, hour, dom, month, dow, _year = fields
    return (_count(minute, 0, 59) * _count(hour, 0, 23) * _days(dom, dow)
            * _count(month, 1, 12, MONTHS) / 12)
