"""The adapter's grouped route matcher (chalicelib/api/wsgi.py) answers exactly as Chalice's
own RouteMatcher over every route of the real API: concrete paths before captures, trailing
slashes, query strings, percent signs and unknown paths."""
from __future__ import annotations

import random

import pytest
from chalice.local import RouteMatcher

from chalicelib.api.wsgi import _matcher_class


@pytest.fixture(scope="module")
def routes():
    from app import app

    return list(app.routes)


def _paths(routes: list[str], rnd: random.Random) -> list[str]:
    out = []
    for route in routes:
        for value in ("org_123", "x", "a%25b", "proj-1.2", "me", "audit"):
            path = "/".join(value if p.startswith("{") and p.endswith("}") else p for p in route.split("/"))
            out += [path, path + "/", path + "?limit=5&cursor=abc", path + "?a=1&a=2&b="]
        parts = route.split("/")
        out.append("/".join(parts[:-1]) or "/")                       # a prefix: maybe no route
        out.append(route.replace("{", "").replace("}", "") + "/extra")  # one segment too many
    out += ["/", "/v1", "/v1/", "/nope", "/v1/orgs", "/v1/orgs//projects", "//", "/v1/orgs/o/projects/p/unknown"]
    rnd.shuffle(out)
    return out


def _answer(matcher, url):
    try:
        m = matcher.match_route(url)
    except ValueError as exc:
        return ("no route", str(exc))
    return (m.route, m.captured, m.query_params)


def test_same_answers_as_chalice_for_every_route(routes):
    assert len(routes) > 30
    theirs, ours = RouteMatcher(routes), _matcher_class()(routes)
    paths = _paths(routes, random.Random(9))
    matched = 0
    for url in paths:
        expected = _answer(theirs, url)
        assert _answer(ours, url) == expected, url
        matched += expected[0] != "no route"
    assert matched > len(routes) * 4   # most generated paths do hit a route
