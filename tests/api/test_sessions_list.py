"""A user's log-in sessions: listed with where and when each was opened, ended one at a time or
all but this one; never another user's, never from a token limited to one organization."""
from __future__ import annotations

import pytest

from tests.api.conftest import Api, signup

pytestmark = pytest.mark.services   # log-in throttles live in the real Redis

PW = "correct horse battery"


def _login(api, email, agent):
    status, body = api.call("POST", "/auth/login", {"email": email, "password": PW}, headers={"User-Agent": agent})
    assert status == 200, body
    return Api(api.client, body["token"])


def test_sessions_are_listed_and_ended(api):
    body = signup(api, "many@x.io", org="Many")
    org = body["organization"]["id"]
    laptop = _login(api, "many@x.io", "Mozilla/5.0 (Macintosh) Firefox/133.0")
    phone = _login(api, "many@x.io", "Mozilla/5.0 (iPhone) Safari/604.1")
    cli = _login(api, "many@x.io", "launchbay-cli/1.0 " + "x" * 400)
    status, listed = laptop.call("GET", "/me/sessions")
    assert status == 200, listed
    items = listed["items"]
    assert len(items) == 4                                            # the sign-up's, and three log-ins
    assert [i["current"] for i in items].count(True) == 1
    mine = next(i for i in items if i["current"])
    assert mine["user_agent"].endswith("Firefox/133.0") and set(mine) == {"id", "created", "expires", "source_ip",
                                                                         "user_agent", "current"}
    assert items[0]["created"] >= items[-1]["created"]               # newest first
    assert max(len(i["user_agent"] or "") for i in items) == 200     # kept short
    phone_id = next(i["id"] for i in items if "iPhone" in (i["user_agent"] or ""))

    assert laptop.call("DELETE", f"/me/sessions/{phone_id}")[0] == 204
    assert phone.call("GET", "/me")[0] == 401                        # ended at once
    status, err = laptop.call("DELETE", f"/me/sessions/{phone_id}")
    assert status == 404 and err["error"]["field"] == "session"

    status, out = laptop.call("DELETE", "/me/sessions")              # every other one
    assert status == 200 and out == {"signed_out_sessions": 2}
    assert cli.call("GET", "/me")[0] == 401 and Api(api.client, body["token"]).call("GET", "/me")[0] == 401
    assert laptop.call("GET", "/me")[0] == 200
    assert [i["current"] for i in laptop.call("GET", "/me/sessions")[1]["items"]] == [True]
    events = [e for e in laptop.call("GET", f"/orgs/{org}/audit")[1]["items"] if e["action"] == "user.sessions_ended"]
    assert len(events) == 1 and events[0]["details"] == {"signed_out_sessions": 2}

    own = laptop.call("GET", "/me/sessions")[1]["items"][0]["id"]
    assert laptop.call("DELETE", f"/me/sessions/{own}")[0] == 204  # this one: a log-out
    assert laptop.call("GET", "/me")[0] == 401


def test_never_another_users_sessions_nor_from_a_limited_token(api):
    a = signup(api, "a@x.io", org="A")
    b = signup(api, "b@x.io", org="B")
    alice, bob = Api(api.client, a["token"]), Api(api.client, b["token"])
    bobs = bob.call("GET", "/me/sessions")[1]["items"][0]["id"]
    status, err = alice.call("DELETE", f"/me/sessions/{bobs}")
    assert status == 404 and err["error"]["field"] == "session"
    assert bob.call("GET", "/me")[0] == 200
    assert all(i["id"] != bobs for i in alice.call("GET", "/me/sessions")[1]["items"])

    status, limited = alice.call("POST", "/tokens", {"name": "ci", "organization_id": a["organization"]["id"]})
    assert status == 201
    ci = Api(api.client, limited["token"])
    for method, path in (("GET", "/me/sessions"), ("DELETE", "/me/sessions"), ("DELETE", f"/me/sessions/{bobs}")):
        status, err = ci.call(method, path)
        assert status == 403 and err["error"]["field"] == "authorization", (method, path, err)
    status, wide = alice.call("POST", "/tokens", {"name": "wide"})
    robot = Api(api.client, wide["token"])
    listed = robot.call("GET", "/me/sessions")[1]["items"]
    assert len(listed) == 1 and listed[0]["current"] is False        # an API token is no session
    assert robot.call("DELETE", "/me/sessions")[1] == {"signed_out_sessions": 1}
    assert alice.call("GET", "/me")[0] == 401 and robot.call("GET", "/me")[0] == 200
