"""Inputs people type: schedules, times, cursors, and the messages when they are wrong."""
import base64
import json

import pytest

from chalicelib.catalog.schedule import ScheduleError, to_eventbridge
from chalicelib.core.ids import micros_from_iso, normalise_iso, parse_iso
from chalicelib.store.port import BadCursor, decode_cursor, encode_cursor


@pytest.mark.parametrize("typed, stored", [
    ("0 3 * * *", "cron(0 3 * * ? *)"),
    ("  0   3 * *   * ", "cron(0 3 * * ? *)"),
    ("*/15 * * * *", "cron(0/15 * * * ? *)"),
    ("0 9 * * 1-5", "cron(0 9 ? * 2-6 *)"),            # Mon-Fri: cron 1-5, EventBridge 2-6
    ("0 9 * * MON-FRI", "cron(0 9 ? * 2-6 *)"),
    ("0 0 * * 0", "cron(0 0 ? * 1 *)"),                # Sunday: 0 (or 7) in cron, 1 in EventBridge
    ("0 0 * * 7", "cron(0 0 ? * 1 *)"),
    ("0 12 * * 5-7", "cron(0 12 ? * 1,6,7 *)"),        # Fri-Sun
    ("0 8 * * */2", "cron(0 8 ? * 1,3,5,7 *)"),        # EventBridge has no step in day-of-week
    ("30 2 1,15 * *", "cron(30 2 1,15 * ? *)"),
    ("0 0-12/3 * jan-mar *", "cron(0 0,3,6,9,12 * 1-3 ? *)"),
    ("@daily", "cron(0 0 * * ? *)"), ("@midnight", "cron(0 0 * * ? *)"), ("@hourly", "cron(0 * * * ? *)"),
    ("@weekly", "cron(0 0 ? * 1 *)"), ("@monthly", "cron(0 0 1 * ? *)"), ("@yearly", "cron(0 0 1 1 ? *)"),
    ("@Annually", "cron(0 0 1 1 ? *)"),
    ("cron(0 3 * * ? *)", "cron(0 3 * * ? *)"), ("cron(0 9 ? * MON-FRI *)", "cron(0 9 ? * MON-FRI *)"),
    ("rate(5 minutes)", "rate(5 minutes)"), ("rate(1 minutes)", "rate(1 minute)"), ("rate(2 hour)", "rate(2 hours)"),
])
def test_schedules_people_type_become_eventbridge_expressions(typed, stored):
    assert to_eventbridge(typed) == stored
    assert to_eventbridge(stored) == stored  # what is stored reads back unchanged (a PATCH of the same value)


@pytest.mark.parametrize("typed, words", [
    ("every day", "five cron fields"), ("0 3 * *", "five cron fields"), ("@reboot", "unknown schedule name"),
    ("60 * * * *", "minute must be 0-59"), ("0 24 * * *", "hour must be 0-23"), ("0 3 0 * *", "day of month must be 1-31"),
    ("0 3 * 13 *", "month must be 1-12"), ("0 3 * * 8", "day of week must be 0-7"), ("0 3 * * fun", "not a number"),
    ("0 3 1 * 1", "not both"), ("0 3 5-1 * *", "runs backwards"), ("*/0 * * * *", "step /0"),
    ("cron(0 3 * * * *)", "exactly one of day-of-month and day-of-week must be ?"), ("cron(0 3 * *)", "six fields"),
    ("rate(0 hours)", "N from 1"), ("rate(5 weeks)", "rate(N minutes|hours|days)"),
])
def test_bad_schedules_say_what_is_wrong(typed, words):
    with pytest.raises(ScheduleError) as err:
        to_eventbridge(typed)
    assert words in str(err.value)
    assert "[" not in str(err.value)  # no regular expressions in messages


@pytest.mark.parametrize("typed, stored", [
    ("2026-01-31", "2026-01-31T00:00:00.000000Z"),
    ("2026-01-31T12:00Z", "2026-01-31T12:00:00.000000Z"),
    ("2026-01-31T12:00:00z", "2026-01-31T12:00:00.000000Z"),
    ("2026-01-31T14:00:00+02:00", "2026-01-31T12:00:00.000000Z"),
    ("2026-01-31T12:00:00.5Z", "2026-01-31T12:00:00.500000Z"),
    ("2026-01-31T12:00:00.123456789Z", "2026-01-31T12:00:00.123456Z"),
    ("2026-01-31 12:00:00", "2026-01-31T12:00:00.000000Z"),          # no offset: UTC
    ("2026-01-31 12:00", "2026-01-31T12:00:00.000000Z"),
    ("2026-01-31T14:00:00 02:00", "2026-01-31T12:00:00.000000Z"),    # a "+" a URL query turned into a space
    ("2026-01-31 14:00 0200", "2026-01-31T12:00:00.000000Z"),
    ("2026-11-25T15:00:00.000000Z", "2026-11-25T15:00:00.000000Z"),  # the stored form itself
])
def test_any_iso_8601_time_is_understood(typed, stored):
    assert normalise_iso(typed) == stored
    assert micros_from_iso(typed) == micros_from_iso(stored)
    assert parse_iso(typed).utcoffset().total_seconds() == 0


@pytest.mark.parametrize("typed", ["yesterday", "2026-13-01", "2026-01-31T25:00Z", "", "9999-12-31T23:00-05:00",
                                   "2026-01-31T12:00:00Z" + "0" * 100, "1e10"])
def test_what_is_not_a_time_is_a_value_error_with_an_example(typed):
    with pytest.raises(ValueError) as err:
        parse_iso(typed)
    assert "2026-01-31" in str(err.value)


def _raw_cursor(value) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


def test_store_cursors_round_trip_scalars():
    for value in ("2026-11-25T15:00:00.000000Z", 42, 1.5, True, None, "név"):
        assert decode_cursor(encode_cursor(value, "svc_1")) == (value, "svc_1")


@pytest.mark.parametrize("raw", [
    _raw_cursor([[1, 2], "svc_1"]), _raw_cursor([{"$gt": 1}, "svc_1"]), _raw_cursor([10 ** 23, "svc_1"]),
    base64.urlsafe_b64encode(b'[Infinity,"a"]').decode(), base64.urlsafe_b64encode(b'[1e999,"a"]').decode(),
    _raw_cursor(["x" * 5000, "svc_1"]), _raw_cursor([1, ""]), _raw_cursor([1, 2]), _raw_cursor([1, "a", 3]),
    _raw_cursor({"a": 1}), base64.urlsafe_b64encode(b"[" * 10_000 + b"]" * 10_000).decode(),
    "not base64 at all!", "A" * 5000,
])
def test_store_cursors_that_are_not_a_scalar_and_an_id_are_refused(raw):
    with pytest.raises(BadCursor):
        decode_cursor(raw)


def test_search_limits_are_one_definition():
    from chalicelib.api import search as api_search
    from chalicelib.search import query as Q
    from chalicelib.search.port import SearchSyntaxError

    assert api_search.TYPES is Q.TYPES
    Q.parse("x" * 30 + " " * (Q.MAX_QUERY_CHARS - 30))   # characters count, not words (a word < 40 bytes)
    with pytest.raises(SearchSyntaxError) as err:
        Q.parse("x" * (Q.MAX_QUERY_CHARS + 1))
    assert err.value.field == "q" and str(Q.MAX_QUERY_CHARS) in str(err.value)
    with pytest.raises(SearchSyntaxError) as err:
        Q.parse_time("from", "yesterday")
    assert err.value.field == "from"
    assert Q.parse_time("since", "2026-01-31T14:00+02:00")[0] == "2026-01-31T12:00:00.000000Z"


def test_pydantic_errors_become_every_field_in_words():
    from pydantic import ValidationError

    from chalicelib.api.http import invalid
    from chalicelib.catalog.models import ServiceIn

    with pytest.raises(ValidationError) as err:
        ServiceIn.model_validate({"name": "Bad Name", "port": 0, "surprise": 1, "health_check": {"path": "x y"}})
    exc = invalid(err.value.errors(include_url=False, include_input=False), order=["name", "port", "surprise"])
    fields = [p["field"] for p in exc.fields]
    assert exc.field == fields[0] == "name"
    assert fields[:3] == ["name", "port", "surprise"]  # in the request's order, the rest after
    assert set(fields) == {"name", "image", "port", "surprise", "health_check.path"}
    words = {p["field"]: p["message"] for p in exc.fields}
    assert words["name"].startswith("service names are lower case letters, digits and hyphens, starting with a letter")
    assert words["image"] == "image is required" and words["surprise"] == "unknown field 'surprise'"
    assert "start with /" in words["health_check.path"]
    assert not any("^" in m or "[a-z" in m for m in words.values())  # no regular expressions
    assert exc.message.startswith("5 problems: ")
