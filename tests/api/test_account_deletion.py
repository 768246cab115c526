"""Deleting one's own account: from a log-in session, with the password (and the second factor);
never leaving an organization without an owner; what was the person's goes, the organizations'
history stays."""
from __future__ import annotations

import pytest

from tests.api.conftest import Api, signup
from tests.api.test_accounts_mfa import enable
from tests.support.api import signup_invited
from tests.support.mailbox import outbox

pytestmark = pytest.mark.services   # password checks are throttled in the real Redis

PW = "correct horse battery"


def test_a_member_deletes_their_account(api, ports):
    owner = signup(api, "boss@acct.io", org="Stays")
    org = owner["organization"]["id"]
    boss = Api(api.client, owner["token"])
    assert boss.call("POST", f"/orgs/{org}/members", {"email": "leaver@acct.io", "role": "admin"})[0] == 201
    leaver_body = signup_invited(api, "leaver@acct.io")
    leaver = Api(api.client, leaver_body["token"])
    assert leaver.call("POST", f"/orgs/{org}/projects", {"name": "made-by-leaver"})[0] == 201
    status, tok = leaver.call("POST", "/tokens", {"name": "ci"})
    ci = Api(api.client, tok["token"])

    status, err = ci.call("POST", "/me/delete", {"password": PW})
    assert status == 403 and err["error"]["field"] == "authorization"
    status, err = leaver.call("POST", "/me/delete", {"password": "wrong password"})
    assert status == 403 and err["error"]["field"] == "password"
    status, err = leaver.call("POST", "/me/delete", {})
    assert status == 422 and err["error"]["field"] == "password"

    status, out = leaver.call("POST", "/me/delete", {"password": PW})
    assert status == 200, out
    assert out == {"status": "deleted", "email": "leaver@acct.io", "left_organizations": ["Stays"]}
    assert leaver.call("GET", "/me")[0] == 401 and ci.call("GET", "/me")[0] == 401
    assert api.call("POST", "/auth/login", {"email": "leaver@acct.io", "password": PW})[0] == 401
    user_id = leaver_body["user"]["id"]
    for name in ("users", "memberships", "sessions", "tokens"):
        key = "id" if name == "users" else "user_id"
        assert ports.store.collection(name).count({key: user_id}) == 0, name
    members = [m["user"]["email"] for m in boss.call("GET", f"/orgs/{org}/members")[1]["items"]]
    assert members == ["boss@acct.io"]
    history = boss.call("GET", f"/orgs/{org}/audit")[1]["items"]
    assert history[0]["action"] == "user.delete" and history[0]["actor"] == "leaver@acct.io"
    assert any(e["action"] == "project.create" and e["actor"] == "leaver@acct.io" for e in history)  # history stays
    assert len(outbox("leaver@acct.io", "account was deleted")) == 1
    # the address is free again: a new sign-up with it is a new account
    assert api.call("POST", "/auth/signup", {"email": "leaver@acct.io", "password": PW, "organization": "New"})[0] == 201


def test_an_organizations_only_owner_is_refused_until_it_has_another_or_is_deleted(api):
    owner = signup(api, "solo@acct.io", org="Solo Co")
    me = Api(api.client, owner["token"])
    org = owner["organization"]["id"]
    status, err = me.call("POST", "/me/delete", {"password": PW})
    assert status == 409 and err["error"]["field"] == "organizations" and "Solo Co" in err["error"]["message"]
    # named by id too, so a client links to them rather than looking for names in the message
    assert err["error"]["resources"] == [{"type": "organization", "id": org, "name": "Solo Co"}]
    assert me.call("GET", "/me")[0] == 200                                 # nothing changed
    assert me.call("DELETE", f"/orgs/{org}?confirm=Solo Co")[0] == 202
    status, out = me.call("POST", "/me/delete", {"password": PW})
    assert status == 200 and out["left_organizations"] == []

    # with a second owner, the first may go
    a = signup(api, "first@acct.io", org="Two Owners")
    org2 = a["organization"]["id"]
    first = Api(api.client, a["token"])
    first.call("POST", f"/orgs/{org2}/members", {"email": "second@acct.io", "role": "owner"})
    second = Api(api.client, signup_invited(api, "second@acct.io")["token"])
    assert first.call("POST", "/me/delete", {"password": PW})[0] == 200
    assert [m["role"] for m in second.call("GET", f"/orgs/{org2}/members")[1]["items"]] == ["owner"]
    status, err = second.call("POST", "/me/delete", {"password": PW})   # now the only owner
    assert status == 409 and "Two Owners" in err["error"]["message"]
    assert err["error"]["resources"] == [{"type": "organization", "id": org2, "name": "Two Owners"}]


def test_the_refusal_names_every_organization_by_id_though_its_message_names_five(api):
    owner = signup(api, "many@acct.io", org="Org 0")
    me = Api(api.client, owner["token"])
    ids = {owner["organization"]["id"]: "Org 0"}
    for i in range(1, 7):
        status, org = me.call("POST", "/orgs", {"name": f"Org {i}"})
        assert status == 201, org
        ids[org["id"]] = f"Org {i}"
    status, err = me.call("POST", "/me/delete", {"password": PW})
    assert status == 409 and err["error"]["message"].count("Org ") == 5 and " and more:" in err["error"]["message"]
    named = err["error"]["resources"]
    assert {r["id"]: r["name"] for r in named} == ids and {r["type"] for r in named} == {"organization"}


def test_with_two_factor_authentication_a_code_is_asked(api):
    owner = signup(api, "boss2@acct.io", org="Keep")
    org = owner["organization"]["id"]
    Api(api.client, owner["token"]).call("POST", f"/orgs/{org}/members", {"email": "mfa@acct.io", "role": "viewer"})
    body = signup_invited(api, "mfa@acct.io")
    app, recovery, _ = enable(api, body["token"])
    status, login = api.call("POST", "/auth/login", {"email": "mfa@acct.io", "password": PW})
    status, session = api.call("POST", "/auth/login/mfa", {"mfa_token": login["mfa_token"], "code": app.code()})
    me = Api(api.client, session["token"])
    status, err = me.call("POST", "/me/delete", {"password": PW})
    assert status == 422 and err["error"]["field"] == "code"
    status, err = me.call("POST", "/me/delete", {"password": PW, "code": "000000"})
    assert status == 403 and err["error"]["field"] == "code"
    assert me.call("POST", "/me/delete", {"password": PW, "recovery_code": recovery[0]})[0] == 200
