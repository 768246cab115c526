"""Organizations beyond the sign-up's: created by a signed-in user (its owner), renamed by owners
and admins; one user never holds two of one name."""
from __future__ import annotations

import json

import pytest

from chalicelib import wiring
from tests.api.conftest import Api, signup
from tests.support.api import signup_invited

pytestmark = pytest.mark.services   # creation is throttled in the real Redis


def test_a_user_creates_more_organizations_and_owns_them(api):
    body = signup(api, "founder@x.io", org="Day Job")
    me = Api(api.client, body["token"])
    status, side = me.call("POST", "/orgs", {"name": "Side Project"})
    assert status == 201, side
    assert side["name"] == "Side Project" and side["role"] == "owner" and side["id"].startswith("org")
    listed = {o["name"]: o["role"] for o in me.call("GET", "/me")[1]["organizations"]}
    assert listed == {"Day Job": "owner", "Side Project": "owner"}
    assert me.call("POST", f"/orgs/{side['id']}/projects", {"name": "web"})[0] == 201
    events = me.call("GET", f"/orgs/{side['id']}/audit")[1]["items"]
    assert [(e["action"], e["details"]) for e in events] == [("project.create", events[0]["details"]),
                                                            ("org.create", {"name": "Side Project"})]
    for name, status_field in (("side project", (409, "name")), ("", (422, "name")), ("x" * 101, (422, "name"))):
        status, err = me.call("POST", "/orgs", {"name": name})
        assert (status, err["error"]["field"]) == status_field, (name, err)
    status, err = me.call("POST", "/orgs", {})
    assert status == 422 and err["error"]["field"] == "name"
    # someone else may use the name: names are told apart per person
    assert Api(api.client, signup(api, "other@x.io", org="Other")["token"]).call(
        "POST", "/orgs", {"name": "Side Project"})[0] == 201


def test_tokens_limited_to_one_organization_cannot_create_one(api):
    body = signup(api, "t@x.io", org="T")
    me = Api(api.client, body["token"])
    status, tok = me.call("POST", "/tokens", {"name": "ci", "organization_id": body["organization"]["id"]})
    status, err = Api(api.client, tok["token"]).call("POST", "/orgs", {"name": "Escape"})
    assert status == 403 and err["error"]["field"] == "authorization"
    status, wide = me.call("POST", "/tokens", {"name": "wide"})
    assert Api(api.client, wide["token"]).call("POST", "/orgs", {"name": "From CI"})[0] == 201


def test_the_number_owned_is_bounded_by_the_setting(api, monkeypatch):
    monkeypatch.setenv("LAUNCHBAY_ORGS_PER_USER", "3")
    wiring.reset()
    me = Api(api.client, signup(api, "many@x.io", org="One")["token"])
    assert [me.call("POST", "/orgs", {"name": n})[0] for n in ("Two", "Three")] == [201, 201]
    status, err = me.call("POST", "/orgs", {"name": "Four"})
    assert status == 409 and err["error"]["field"] == "name" and "you own 3 organizations" in err["error"]["message"]


def test_owners_and_admins_rename_it(api):
    owner = signup(api, "boss@x.io", org="Old Name")
    org = owner["organization"]["id"]
    boss = Api(api.client, owner["token"])
    for who, role in (("adm@x.io", "admin"), ("dev@x.io", "developer")):
        assert boss.call("POST", f"/orgs/{org}/members", {"email": who, "role": role})[0] == 201
    adm = Api(api.client, signup_invited(api, "adm@x.io")["token"])
    dev = Api(api.client, signup_invited(api, "dev@x.io")["token"])
    status, err = dev.call("PATCH", f"/orgs/{org}", {"name": "Dev's"})
    assert status == 403
    status, out = adm.call("PATCH", f"/orgs/{org}", {"name": "New Name"})
    assert status == 200 and out["name"] == "New Name" and out["role"] == "admin", out
    assert {o["name"] for o in dev.call("GET", "/me")[1]["organizations"]} == {"New Name"}
    renamed = [e for e in boss.call("GET", f"/orgs/{org}/audit")[1]["items"] if e["action"] == "org.rename"]
    assert renamed[0]["details"] == {"from": "Old Name", "to": "New Name"}
    status, err = boss.call("PATCH", f"/orgs/{org}", {})
    assert status == 422 and err["error"]["field"] == "name"
    boss.call("POST", "/orgs", {"name": "Second"})
    status, err = boss.call("PATCH", f"/orgs/{org}", {"name": "SECOND"})   # the owner has one of that name
    assert status == 409 and err["error"]["field"] == "name"
    status, out = boss.call("PATCH", f"/orgs/{org}", {"name": "New Name", "require_mfa": False})
    assert status == 200 and out["require_mfa"] is False
    outsider = Api(api.client, signup(api, "out@x.io", org="Out")["token"])
    assert outsider.call("PATCH", f"/orgs/{org}", {"name": "Mine"})[0] == 404


def test_creating_organizations_is_throttled_with_retry_after(api):
    """At most orgs.CREATES_PER_WINDOW new organizations per person per rate window: the next
    answers 429 at `name` with Retry-After, and creates nothing."""
    from chalicelib.accounts.orgs import CREATES_PER_WINDOW

    token = signup(api, "busy@x.io", org="First")["token"]
    me = Api(api.client, token)
    made = [me.call("POST", "/orgs", {"name": f"Org {i}"})[0] for i in range(CREATES_PER_WINDOW)]
    assert made == [201] * CREATES_PER_WINDOW
    r = api.client.http.post("/v1/orgs", headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
                             body='{"name": "One too many"}')
    err = json.loads(r.body)["error"]
    assert r.status_code == 429 and err["code"] == "too_many_requests" and err["field"] == "name", err
    assert 0 < int(r.headers["Retry-After"]) <= 3600
    names = {o["name"] for o in me.call("GET", "/me")[1]["organizations"]}
    assert "One too many" not in names and len(names) == CREATES_PER_WINDOW + 1
