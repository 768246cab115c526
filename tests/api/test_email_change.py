"""Changing an account's e-mail address: asked for from a log-in session with the password (and
the second factor), proven by a link to the new address, told to the old one; nothing changes
until the link is followed, and then every session ends."""
from __future__ import annotations

import time

import pytest

from chalicelib.core.ids import iso_from_epoch
from tests.api.conftest import Api, signup
from tests.api.test_accounts_mfa import enable
from tests.support.api import confirm_address
from tests.support.mailbox import outbox, token_of

pytestmark = pytest.mark.services   # the throttles live in the real Redis

PW = "correct horse battery"


def _link(email: str) -> str:
    return token_of(outbox(email, "Confirm your new e-mail")[-1], "/confirm-email-change")


def _login(api, email, password=PW):
    return api.call("POST", "/auth/login", {"email": email, "password": password})


def _age_request(ports, user_id):
    """As if the last request was made over a minute ago (the one-a-minute rule)."""
    changes = ports.store.collection("email_changes")
    doc = changes.find_one({"user_id": user_id})
    changes.update(doc["id"], {"created": iso_from_epoch(time.time() - 120)})


def test_the_address_moves_only_once_the_new_one_follows_its_link(api, ports):
    body = signup(api, "old@x.io", org="Move Co")
    confirm_address(api, "old@x.io")
    org = body["organization"]["id"]
    me = Api(api.client, body["token"])
    status, tok = me.call("POST", "/tokens", {"name": "ci"})
    assert status == 201
    ci = Api(api.client, tok["token"])

    status, out = me.call("POST", "/me/email", {"email": "new@x.io", "password": PW})
    assert status == 202 and out["status"] == "sent" and out["email"] == "new@x.io", out
    assert "stays old@x.io" in out["message"]
    # nothing changed yet: the old address signs in, the new one is only pending
    now = me.call("GET", "/me")[1]
    assert now["user"]["email"] == "old@x.io"
    assert now["pending_email"]["email"] == "new@x.io" and now["pending_email"]["email_status"]["status"] == "pending"
    notice = outbox("old@x.io", "change of your Launchbay e-mail address")
    assert len(notice) == 1 and "new@x.io" in notice[0].text and "/account" in notice[0].text
    assert _login(api, "new@x.io")[0] == 401

    token = _link("new@x.io")
    status, done = api.call("POST", "/auth/email-change/confirm", {"token": token})
    assert status == 200, done
    assert done["email"] == "new@x.io" and done["previous_email"] == "old@x.io" and done["signed_out_sessions"] >= 1
    assert me.call("GET", "/me")[0] == 401                          # every session ended
    assert _login(api, "old@x.io")[0] == 401
    status, fresh = _login(api, "new@x.io")
    assert status == 200
    mine = Api(api.client, fresh["token"]).call("GET", "/me")[1]
    assert mine["user"]["email"] == "new@x.io" and mine["user"]["email_verified"] is True
    assert mine["pending_email"] is None
    assert ci.call("GET", "/me")[1]["user"]["email"] == "new@x.io"  # the CI token goes on, as the new address
    told = outbox("old@x.io", "e-mail address was changed")
    assert len(told) == 1 and "new@x.io" in told[0].text
    events = [e for e in Api(api.client, fresh["token"]).call("GET", f"/orgs/{org}/audit")[1]["items"]
              if e["action"] == "user.email_changed"]
    assert [e["details"]["to"] for e in events] == ["new@x.io"] and events[0]["details"]["from"] == "old@x.io"
    status, again = api.call("POST", "/auth/email-change/confirm", {"token": token})   # used once
    assert status == 422 and again["error"]["field"] == "token"


def test_what_is_refused(api, ports):
    body = signup(api, "me@x.io", org="R")
    me = Api(api.client, body["token"])
    signup(api, "taken@x.io", org="T")
    status, tok = me.call("POST", "/tokens", {"name": "ci"})
    ci = Api(api.client, tok["token"])

    def ask(who, **fields):
        status, out = who.call("POST", "/me/email", {"email": "next@x.io", "password": PW, **fields})
        return status, (out.get("error") or {}).get("field")

    assert ask(ci) == (403, "authorization")                       # an API token cannot move the account
    assert ask(me, password="wrong one") == (403, "password")
    assert ask(me, email="me@x.io") == (422, "email")              # already the address
    assert ask(me, email="taken@x.io") == (409, "email")
    assert ask(me, email="not an address") == (422, "email")
    assert ask(me, code="123456") == (202, None)                   # no second factor on: a code is not needed
    assert ask(me) == (429, "email")                               # one a minute
    assert outbox("next@x.io", "Confirm your new") and not outbox("taken@x.io", "Confirm your new")

    # a second request replaces the first: its link ends
    first = _link("next@x.io")
    _age_request(ports, body["user"]["id"])
    assert me.call("POST", "/me/email", {"email": "later@x.io", "password": PW})[0] == 202
    status, out = api.call("POST", "/auth/email-change/confirm", {"token": first})
    assert status == 422 and out["error"]["field"] == "token"
    # cancelled: the link ends, nothing waits
    assert me.call("DELETE", "/me/email")[0] == 204
    assert me.call("GET", "/me")[1]["pending_email"] is None
    status, out = api.call("POST", "/auth/email-change/confirm", {"token": _link("later@x.io")})
    assert status == 422 and out["error"]["field"] == "token"
    status, out = me.call("DELETE", "/me/email")
    assert status == 404 and out["error"]["field"] == "email"
    assert ci.call("DELETE", "/me/email")[0] == 403
    assert me.call("GET", "/me")[1]["user"]["email"] == "me@x.io"
    status, out = api.call("POST", "/auth/email-change/confirm", {})
    assert status == 422 and out["error"]["field"] == "token"


def test_with_two_factor_authentication_a_code_is_asked_too(api):
    body = signup(api, "2fa@x.io", org="M")
    app, recovery, _ = enable(api, body["token"])
    status, login = _login(api, "2fa@x.io")
    status, session = api.call("POST", "/auth/login/mfa", {"mfa_token": login["mfa_token"], "code": app.code()})
    me = Api(api.client, session["token"])
    status, out = me.call("POST", "/me/email", {"email": "2fa-new@x.io", "password": PW})
    assert status == 422 and out["error"]["field"] == "code"
    status, out = me.call("POST", "/me/email", {"email": "2fa-new@x.io", "password": PW, "code": "000000"})
    assert status == 403 and out["error"]["field"] == "code"
    status, out = me.call("POST", "/me/email", {"email": "2fa-new@x.io", "password": PW, "recovery_code": recovery[0]})
    assert status == 202, out


def test_an_address_that_signs_up_meanwhile_keeps_it(api):
    body = signup(api, "slow@x.io", org="S")
    me = Api(api.client, body["token"])
    assert me.call("POST", "/me/email", {"email": "race@x.io", "password": PW})[0] == 202
    signup(api, "race@x.io", org="Faster")
    status, out = api.call("POST", "/auth/email-change/confirm", {"token": _link("race@x.io")})
    assert status == 409 and out["error"]["field"] == "email"
    assert me.call("GET", "/me")[1]["user"]["email"] == "slow@x.io"   # nothing moved, still signed in


def test_invitations_waiting_for_the_new_address_are_accepted(api):
    owner = signup(api, org="Inviting")
    org = owner["organization"]["id"]
    boss = Api(api.client, owner["token"])
    assert boss.call("POST", f"/orgs/{org}/members", {"email": "work@x.io", "role": "developer"})[0] == 201
    body = signup(api, "home@x.io", org="Home")
    me = Api(api.client, body["token"])
    assert me.call("POST", "/me/email", {"email": "work@x.io", "password": PW})[0] == 202
    status, done = api.call("POST", "/auth/email-change/confirm", {"token": _link("work@x.io")})
    assert status == 200 and [o["id"] for o in done["joined"]] == [org], done
    status, fresh = _login(api, "work@x.io")
    assert Api(api.client, fresh["token"]).call("GET", f"/orgs/{org}/projects")[0] == 200   # a member now


def test_e_mail_subscriptions_follow_the_moved_address(api):
    body = signup(api, "lead@x.io", org="Subs")
    confirm_address(api, "lead@x.io")
    org = body["organization"]["id"]
    me = Api(api.client, body["token"])
    project = me.call("POST", f"/orgs/{org}/projects", {"name": "p"})[1]["id"]
    subs = f"/orgs/{org}/projects/{project}/notifications"
    status, sub = me.call("POST", subs, {"kind": "email", "name": "team", "emails": ["lead@x.io"]})
    assert status == 201, sub
    assert me.call("POST", "/me/email", {"email": "lead@y.io", "password": PW})[0] == 202
    assert api.call("POST", "/auth/email-change/confirm", {"token": _link("lead@y.io")})[0] == 200
    fresh = Api(api.client, _login(api, "lead@y.io")[1]["token"])
    assert [s["emails"] for s in fresh.call("GET", subs)[1]["items"]] == [["lead@y.io"]]
